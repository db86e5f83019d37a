"""GUI test fixtures: Qt warnings fail the test, a main window on a private database, LFW datasets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler

_FAILING = (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
#: What the offscreen platform plugin says about features it lacks (no fault of the app's).
_OFFSCREEN_LIMITS = ("This plugin does not support propagateSizeHints()", "This plugin does not support raise()",
                     "This plugin does not support grabbing the keyboard")


@pytest.fixture(autouse=True)
def qt_warnings_fail():
    """Record Qt warnings and critical messages; a test that caused any fails."""
    recorded: list[str] = []

    def handler(kind, context, message):
        if kind in _FAILING and message not in _OFFSCREEN_LIMITS:
            recorded.append(f"{kind.name}: {message} ({context.file}:{context.line})")
        if previous is not None:
            previous(kind, context, message)

    previous = qInstallMessageHandler(handler)
    yield recorded
    qInstallMessageHandler(previous)
    if recorded:
        pytest.fail("Qt warned during the test:\n" + "\n".join(recorded))


def shown_and_active(qtbot, window) -> None:
    """Wait until the window is on screen and active: keys reach its shortcuts only then. Under Xvfb there is
    no window manager to activate a new window, as a desktop does when it opens; offscreen it is at once."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


@pytest.fixture
def store(data_home):
    """The window thread's Store in the test's own data folder."""
    from faceaudit.core.storage.store import Store

    with Store() as opened:
        yield opened


@pytest.fixture
def window(qtbot, store):
    """The main window, welcome already seen, shown; closed (work stopped) after the test."""
    from faceaudit.gui.main_window import MainWindow
    from faceaudit.gui.support.preferences import Preferences

    prefs = Preferences.load(store)
    prefs.welcome_shown, prefs.workers = True, 2
    prefs.save(store)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    shown_and_active(qtbot, win)
    yield win
    win.close()


@pytest.fixture
def make_dataset(lfw):
    """A function that builds an LFW sample dataset folder (see `_make_dataset`)."""
    return lambda folder, others, gore_from=3: _make_dataset(lfw, folder, others, gore_from)


def _make_dataset(lfw: Path, folder: Path, others: int, gore_from: int = 3) -> Path:
    """Copy LFW photos into `folder`: Al Gore's from number `gore_from` on, then one photo each
    of the first `others` other people (copies, since a dataset folder's symlinks are not followed)."""
    target = folder / "Al_Gore"
    target.mkdir(parents=True)
    for photo in sorted((lfw / "Al_Gore").glob("*.jpg"))[gore_from - 1:]:
        shutil.copy(photo, target / photo.name)
    people = sorted(p for p in lfw.iterdir() if p.is_dir() and p.name != "Al_Gore")
    copied = 0
    for person in people:
        photos = sorted(person.glob("*.jpg"))
        if not photos:
            continue
        (folder / person.name).mkdir()
        shutil.copy(photos[0], folder / person.name / photos[0].name)
        copied += 1
        if copied == others:
            break
    return folder


@pytest.fixture
def wait_indexed(qtbot):
    """A function that waits until a Datasets page has no indexing job."""

    def wait(page, timeout_s: float = 240) -> None:
        qtbot.waitUntil(lambda: page.indexing is None, timeout=int(timeout_s * 1000))

    return wait


@pytest.fixture(scope="session")
def review_home(lfw, tmp_path_factory):
    """A data folder with my reference faces, an indexed LFW-like dataset and a finished scan (built once)."""
    from tests.support.review_data import build_review_home

    return build_review_home(lfw, tmp_path_factory.mktemp("review"))


@pytest.fixture
def review_window(qtbot, data_home, review_home):
    """The main window on a copy of `review_home`, on the Scan & Review page, face crops loaded."""
    from faceaudit.core.storage.store import Store
    from faceaudit.gui.main_window import MainWindow
    from faceaudit.gui.support.preferences import Preferences
    from tests.support.review_data import copy_home

    copy_home(review_home, data_home)
    with Store() as opened:
        prefs = Preferences.load(opened)
        prefs.welcome_shown, prefs.workers = True, 2
        prefs.save(opened)
        win = MainWindow(opened)
        qtbot.addWidget(win)
        win.resize(1200, 800)
        win.show()
        shown_and_active(qtbot, win)
        win.show_page(2)
        qtbot.waitUntil(lambda: not win.review_page.loading_pictures, timeout=30_000)
        yield win
        win.close()


@pytest.fixture
def full_window(review_window, examples):
    """The review window with something on every page: a decision, my details, a sent request, a group photo."""
    from datetime import date

    from faceaudit.core.letters.identity import save_identity
    from faceaudit.core.letters.requests import add_request
    from faceaudit.core.matching.matches import review

    store = review_window.store
    page = review_window.review_page
    review(store, page.shown()[0].id, "me")
    save_identity(store, name="Jane Example", address="1 Example Street\nExampletown", email="jane@example.org",
                  country="United Kingdom")
    add_request(store, "erasure", "gdpr", "University of Massachusetts Amherst, Computer Vision Laboratory",
                dataset_name="lfw-people", sent=date(2026, 1, 5))
    add_request(store, "access", "gdpr", "A publisher with a rather long name, Research Department",
                dataset_name="lfw-people")
    review_window.me_page.add_photos([examples / "examples" / "two_people.jpg"])
    return review_window
