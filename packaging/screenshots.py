"""Open every page of the app on real LFW photos, offscreen, and save screenshots to docs/screenshots/."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LFW = ROOT.parent / "shared" / "facedata" / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
OUT = ROOT / "docs" / "screenshots"
SIZE = (1200, 800)


def build_data(work: Path) -> None:
    """Reference photos, one indexed dataset with an unreadable file, one half-indexed, and a scan."""
    from faceaudit.core.datasets import add_dataset
    from faceaudit.core.indexing import index_dataset
    from faceaudit.core.references import add_reference
    from faceaudit.core.search import candidates, review, scan
    from faceaudit.core.store import Store

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
        add_dataset(store, sample, "lfw-sample")
        for _ in index_dataset(store, "lfw-sample", workers=2):
            pass
        add_dataset(store, more, "lfw-more")
        run = index_dataset(store, "lfw-more", workers=2)
        for progress in run:
            if progress.phase == "indexing" and progress.done >= 16:
                break
        run.close()
        for _ in scan(store, ["lfw-sample"]):
            pass
        found = candidates(store)
        for candidate in found[:2]:
            review(store, candidate.id, "me" if candidate.key.startswith("Al_Gore/") else "not_me")


def take(app, window, name: str, widget=None) -> None:
    """Let the window settle, then save `widget` (default: the window) as NAME.png."""
    for _ in range(5):
        app.processEvents()
    (widget or window).grab().save(str(OUT / f"{name}.png"))
    print(f"saved {OUT / name}.png")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not LFW.is_dir():
        print(f"needs the LFW photos in {LFW}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        os.environ["FACEAUDIT_HOME"] = str(Path(work) / "home")
        build_data(Path(work))
        from PySide6.QtWidgets import QApplication

        from faceaudit.core.store import Store
        from faceaudit.gui.app import app_icon
        from faceaudit.gui.main_window import MainWindow

        app = QApplication(sys.argv[:1])
        app.setWindowIcon(app_icon())
        with Store() as store:
            window = MainWindow(store)
            window.resize(*SIZE)
            window.show()
            for row, name in enumerate(("me", "datasets", "review", "letters", "requests")):
                window.show_page(row)
                if name == "datasets":
                    window.datasets_page.select("lfw-sample")
                if name == "review":
                    window.review_page.list.setCurrentRow(2 if window.review_page.list.count() > 2 else 0)
                take(app, window, name)
            dialog = window.open_settings()
            take(app, window, "settings", dialog)
            dialog.reject()
            window.close()
            store.set_setting("gui.welcome_shown", "0")
            welcome = MainWindow(store)
            welcome.resize(*SIZE)
            welcome.show()
            take(app, welcome, "welcome")
            welcome.close()
    return 0


def _copy(photo: Path, dataset: Path) -> None:
    target = dataset / photo.parent.name
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(photo, target / photo.name)


if __name__ == "__main__":
    sys.exit(main())
