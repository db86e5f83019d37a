"""Open every page of the app on real LFW photos, offscreen, and save screenshots to docs/screenshots/.

Each page is taken at the window size of the README (1200x800, `NAME.png`) and at the smallest
and a full-HD window (`NAME-900x600.png`, `NAME-1920x1080.png`); `--size WxH` takes only that size.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LFW = ROOT.parent / "shared" / "facedata" / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
OUT = ROOT / "docs" / "screenshots"
#: Window sizes and the file-name suffix of each: the README's, the smallest allowed, full HD.
SIZES = {(1200, 800): "", (900, 600): "-900x600", (1920, 1080): "-1920x1080"}
OUT_PREFIX = ""


def build_data(work: Path) -> None:
    """Reference photos, one indexed dataset with an unreadable file, one half-indexed, a scan, and letters."""
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.datasets.indexing import index_dataset
    from faceaudit.core.matching.matches import candidates, review
    from faceaudit.core.matching.references import add_reference
    from faceaudit.core.matching.scan import scan
    from faceaudit.core.storage.store import Store

    sample = work / "lfw-sample"
    people = sorted(p for p in LFW.iterdir() if p.is_dir())
    for photo in sorted((LFW / "Al_Gore").glob("*.jpg"))[3:]:
        _copy(photo, sample)
    for person in [p for p in people if p.name != "Al_Gore"][:45]:
        _copy(sorted(person.glob("*.jpg"))[0], sample)
    (sample / "broken").mkdir()
    (sample / "broken" / "truncated.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    more = work / "lfw-more"
    for person in people[200:260]:
        _copy(sorted(person.glob("*.jpg"))[0], more)

    with Store() as store:
        store.set_setting("gui.welcome_shown", "1")
        for number in (1, 2, 3):
            add_reference(store, LFW / "Al_Gore" / f"Al_Gore_000{number}.jpg")
        # Someone else's face among mine: flagged on Me, and left out of the scan until confirmed.
        add_reference(store, LFW / "Joseph_Biden" / "Joseph_Biden_0001.jpg")
        add_dataset(store, sample, "lfw-sample")
        for _ in index_dataset(store, "lfw-sample", workers=2):
            pass
        add_dataset(store, more, "lfw-more")
        run = index_dataset(store, "lfw-more", workers=2)
        for progress in run:
            if progress.phase == "indexing" and progress.done >= 16:
                break
        run.close()
        add_link_list(store, work)
        for _ in scan(store, ["lfw-sample", "FFHQ metadata"]):
            pass
        found = candidates(store)
        for number, candidate in enumerate(found[:2]):
            gore = candidate.key.startswith("Al_Gore/")
            review(store, candidate.id, ("me" if number == 0 else "unsure") if gore else "not_me")
        add_letters(store, work)


def add_link_list(store, work: Path) -> None:
    """My identifiers, and a small FFHQ-like list of links (ffhq-dataset-v2.json's layout) with one row naming me."""
    import json

    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.matching.identifiers import add_identifier

    for text in ("flickr:jane_example", "https://www.flickr.com/photos/a_friend/8812345678/", 'name:"Jane Example"',
                 "url:https://portfolio.example.org/jane/"):
        add_identifier(store, text)
    entries = {}
    for n in range(40):
        owner, photo = ("jane_example", 5551234567) if n == 17 else (f"user{1000 + n}", 30000000000 + 7919 * n)
        entries[str(n)] = {
            "category": "training",
            "metadata": {"photo_url": f"https://www.flickr.com/photos/{owner}/{photo}/", "photo_title": "summer",
                         "author": "Jane Example" if n == 17 else f"Photographer {n}",
                         "license": "Attribution-NonCommercial License",
                         "license_url": "https://creativecommons.org/licenses/by-nc/2.0/",
                         "date_uploaded": "2012-06-14", "date_crawled": "2018-10-10"},
            "in_the_wild": {"file_md5": f"{n:032x}", "pixel_size": [2048, 1536]}}
    path = work / "ffhq-dataset-v2.json"
    path.write_text(json.dumps(entries, indent=2))
    add_dataset(store, path, "FFHQ metadata")


def add_letters(store, work: Path) -> None:
    """My details, the sample linked to LFW's registry entry, a draft erasure letter and a sent access request."""
    from datetime import date, timedelta

    from faceaudit.core.letters.identity import save_identity
    from faceaudit.core.letters.pipeline import LetterChoice, save
    from faceaudit.core.letters.registry import link_dataset
    from faceaudit.core.letters.requests import update_request

    save_identity(store, name="Jane Example", address="1 Example Street\nExampletown EX1 2AB",
                  email="jane@example.org", country="United Kingdom")
    link_dataset(store, "lfw-sample", "lfw")
    # LFW's custodian publishes no privacy address: the sample letters print the placeholder that asks for it.
    access = save(store, LetterChoice("access", "lfw-sample", "en"), pdf=work / "access.pdf", allow_placeholder=True)
    update_request(store, access.request_id, sent=date.today() - timedelta(days=9), channel="email",
                   note="sent by e-mail")
    save(store, LetterChoice("erasure", "lfw-sample", "en"), pdf=work / "erasure.pdf", allow_placeholder=True)


def _wait_for_background(app, timeout_s: float = 30) -> None:
    """Let background jobs (a photo read from a dataset, say) finish and their results arrive."""
    import time

    from faceaudit.gui.support.workers import running_jobs

    deadline = time.monotonic() + timeout_s
    while running_jobs() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()


def take(app, window, name: str, widget=None, suffix: str = "") -> None:
    """Let the window settle, then save `widget` (default: the window) as NAME{suffix}.png."""
    for _ in range(5):
        app.processEvents()
    path = OUT / f"{OUT_PREFIX}{name}{suffix}.png"
    (widget or window).grab().save(str(path))
    print(f"saved {path}")


def main(wanted: list[str]) -> int:
    """Save every screenshot, or only the `wanted` ones (me, datasets, review, letters, requests, settings,
    letters-platform-access, letters-developer-erasure: the Letters page writing to an organisation, no dataset;
    me-identifiers, review-row).

    `--dark` asks Qt for its dark colour scheme (as a desktop set to dark would) and saves
    `dark-NAME.png` instead, to check that every page stays legible there. `--size WxH` takes
    the pages at that window size only.
    """
    global OUT_PREFIX, OUT
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sizes = dict(SIZES)
    if "--size" in wanted:
        at = wanted.index("--size")
        width, height = (int(v) for v in wanted[at + 1].lower().split("x"))
        sizes = {(width, height): SIZES.get((width, height), f"-{width}x{height}")}
        wanted = wanted[:at] + wanted[at + 2:]
    dark = "--dark" in wanted
    if dark and len(sizes) > 1:
        sizes = {(1200, 800): ""}  # the dark copies are for the README's size only
    keep = None
    if "--data" in wanted:  # build the data once into DIR and reuse it on later runs
        at = wanted.index("--data")
        keep = Path(wanted[at + 1]).resolve()
        wanted = wanted[:at] + wanted[at + 2:]
    if "--out" in wanted:  # another folder, e.g. to compare with the committed screenshots
        at = wanted.index("--out")
        OUT = Path(wanted[at + 1]).resolve()
        wanted = wanted[:at] + wanted[at + 2:]
    wanted = [w for w in wanted if w != "--dark"]
    OUT_PREFIX = "dark-" if dark else ""
    if not LFW.is_dir():
        print(f"needs the LFW photos in {LFW}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = keep or Path(temporary)
        os.environ["FACEAUDIT_HOME"] = str(work / "home")
        if not (work / "home" / "faceaudit.db").is_file():
            build_data(work)
        from PySide6.QtWidgets import QApplication

        from faceaudit.core.storage.store import Store
        from faceaudit.gui.app import app_icon
        from faceaudit.gui.main_window import MainWindow

        app = QApplication(sys.argv[:1])
        app.setWindowIcon(app_icon())
        if dark:
            app.setStyle("Fusion")
            app.setPalette(_dark_palette())  # the offscreen platform has no dark theme to switch to
        with Store() as store:
            store.set_setting("gui.welcome_shown", "1")
            for size, suffix in sizes.items():
                _take_pages(app, store, wanted, size, suffix)
            if wanted and "welcome" not in wanted:
                return 0
            store.set_setting("gui.welcome_shown", "0")
            for size, suffix in sizes.items():
                welcome = MainWindow(store)
                welcome.resize(*size)
                welcome.show()
                take(app, welcome, "welcome", suffix=suffix)
                welcome.close()
    return 0


def _take_pages(app, store, wanted: list[str], size: tuple[int, int], suffix: str) -> None:
    """Every page (or the wanted ones) and the settings dialog, in a window of `size`."""
    from faceaudit.gui.main_window import MainWindow

    window = MainWindow(store)
    window.resize(*size)
    window.show()
    for row, name in enumerate(("me", "datasets", "review", "letters", "requests")):
        if wanted and name not in wanted:
            continue
        window.show_page(row)
        if name == "me":
            window.me_page.faces.setCurrentRow(window.me_page.faces.count() - 1)  # the flagged face
        if name == "datasets":
            window.datasets_page.select("lfw-sample")
        if name == "review":
            review = window.review_page
            if len(review.shown()) > 2:
                review.grid.set_current(2)
            review.grid.setFocus()
            _wait_for_background(app)  # crops and the photo are read off the GUI thread
        if name == "letters":
            window.letters_page.form.set_letter("erasure", "en")
        if name == "requests":
            sent = [r for r in window.requests_page.requests() if r.status == "sent"]
            if sent:
                window.requests_page.select_request(sent[0].id)
        take(app, window, name, suffix=suffix)
    for name, organisation, kind in (("letters-platform-access", "okcupid", "platform-access"),
                                     ("letters-developer-erasure", "clarifai", "developer-erasure")):
        if wanted and name not in wanted:
            continue
        window.show_page(3)
        page = window.letters_page
        page.form.select_organisation(organisation)
        page.form.set_letter(kind, "en")
        page.form.account.setText("jane-okc-2014")
        page.update_preview()
        take(app, window, name, suffix=suffix)
    if not wanted or "me-identifiers" in wanted:
        window.show_page(0)
        take(app, window, "me-identifiers", suffix=suffix)
    if not wanted or "review-row" in wanted:
        window.show_page(2)
        review = window.review_page
        rows = [n for n, c in enumerate(review.shown()) if hasattr(c, "locator")]
        if rows:
            review.grid.set_current(rows[0])
        review.grid.setFocus()
        _wait_for_background(app)
        take(app, window, "review-row", suffix=suffix)
    if not wanted or "settings" in wanted:
        dialog = window.open_settings()
        take(app, window, "settings", dialog, suffix=suffix)
        dialog.reject()
    window.close()


def _dark_palette():
    """A dark desktop's colours (as KDE Breeze Dark or GNOME's dark style give Qt)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = {QPalette.Window: "#2b2b2b", QPalette.WindowText: "#e8e8e8", QPalette.Base: "#1e1e1e",
             QPalette.AlternateBase: "#262626", QPalette.Text: "#e8e8e8", QPalette.Button: "#353535",
             QPalette.ButtonText: "#e8e8e8", QPalette.Highlight: "#3d7ac4", QPalette.HighlightedText: "#ffffff",
             QPalette.ToolTipBase: "#353535", QPalette.ToolTipText: "#e8e8e8", QPalette.PlaceholderText: "#9a9a9a",
             QPalette.Link: "#6fb3ff", QPalette.Mid: "#444444", QPalette.Dark: "#1a1a1a", QPalette.Light: "#505050"}
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        palette.setColor(QPalette.Disabled, role, QColor("#7a7a7a"))
    return palette


def _copy(photo: Path, dataset: Path) -> None:
    target = dataset / photo.parent.name
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(photo, target / photo.name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
