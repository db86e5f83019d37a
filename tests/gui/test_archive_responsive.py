"""Opening candidates that sit deep inside a large .tar.gz keeps the window responsive.

The archive imitates LFW as its authors publish it (one lfw.tgz of people's folders), grown to
100,000 members by repeating LFW's photos under distinct names, as a large scraped dataset is.
The candidates are the last members: each read goes through the whole gzip stream, in the
background, while a 10 ms timer on the window's thread measures how long the event loop stalls
(as tests/gui/test_indexing.py does). The 100,000-member archive takes a while to build: it runs
with --runslow; a 5,000-member one always runs.
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from faceaudit.core.faces.engine import FaceEngine
from faceaudit.core.faces.images import decode_image
from faceaudit.core.faces.photo_hashes import sha256_hex
from faceaudit.core.storage.store import now, to_blob
from tests.support.event_loop import measure_stalls

#: The photos found deep in the archive (LFW's Al Gore, whose first photos are the references).
DEEP = ("Al_Gore_0004.jpg", "Al_Gore_0005.jpg", "Al_Gore_0006.jpg")


def _build_archive(lfw: Path, path: Path, members: int) -> list[tuple[str, bytes]]:
    """Write the archive; returns (key, bytes) of the deep members, the last ones in it."""
    fillers = sorted(p for p in lfw.glob("*/*.jpg") if p.parent.name != "Al_Gore")
    deep = [(f"lfw/Al_Gore/{name}", (lfw / "Al_Gore" / name).read_bytes()) for name in DEEP]
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for number in range(members - len(deep)):
            photo = fillers[number % len(fillers)]
            _add(archive, f"lfw/{photo.parent.name}/{photo.stem}_copy{number:06d}.jpg", photo.read_bytes())
        for key, data in deep:
            _add(archive, key, data)
    return deep


def _add(archive: tarfile.TarFile, key: str, data: bytes) -> None:
    info = tarfile.TarInfo(key)
    info.size, info.mtime = len(data), 1_700_000_000
    archive.addfile(info, io.BytesIO(data))


def _candidates(store, deep: list[tuple[str, bytes]]) -> None:
    """Index the deep members' faces (as indexing would store them) and list them as scan candidates."""
    engine = FaceEngine()
    dataset_id = store.scalar("SELECT id FROM datasets WHERE name = 'big'")
    with store.transaction() as conn:
        scan_id = conn.execute("INSERT INTO scans (started, finished, n_references) VALUES (?, ?, 1)",
                               [now(), now()]).lastrowid
        for key, data in deep:
            face = max(engine.analyse(decode_image(data).rgb), key=lambda f: f.size)
            item_id = conn.execute(
                "INSERT INTO items (dataset_id, key, size, fingerprint, sha256, status, n_faces)"
                " VALUES (?, ?, ?, ?, ?, 'done', 1)",
                [dataset_id, key, len(data), f"{len(data)}:1700000000", sha256_hex(data)]).lastrowid
            conn.execute("INSERT INTO faces (item_id, dataset_id, idx, top, right, bottom, left, embedding)"
                         " VALUES (?, ?, 0, ?, ?, ?, ?, ?)", [item_id, dataset_id, *face.box, to_blob(face.embedding)])
            conn.execute("INSERT INTO matches (dataset_id, item_id, face_idx, scan_id, distance, agree, n_references,"
                         " expected_lookalikes, band, first_seen) VALUES (?, ?, 0, ?, 0.45, 1, 1, 0.001, 'strong', ?)",
                         [dataset_id, item_id, scan_id, now()])


def _open_deep_candidates(qtbot, window, store, lfw, tmp_path, members: int) -> None:
    from faceaudit.core.datasets.catalog import add_dataset
    from faceaudit.core.matching.references import add_reference

    started = time.monotonic()
    path = tmp_path / "lfw-large.tgz"
    deep = _build_archive(lfw, path, members)
    built = time.monotonic() - started
    add_reference(store, lfw / "Al_Gore" / "Al_Gore_0001.jpg", jitter=0)
    add_dataset(store, path, "big")
    _candidates(store, deep)

    with measure_stalls() as stalls:
        opened = time.monotonic()
        window.show_page(2)  # the grid asks for the crops, the panel for the first candidate's photo
        page = window.review_page
        assert len(page.shown()) == 3
        qtbot.waitUntil(lambda: not page.loading_pictures, timeout=600_000)
        first_open = time.monotonic() - opened
        assert all(card.image is not None for card in page.grid.cards())
        assert page.panel.photo.has_image and page.panel.photo.picture()[1] is not None  # the photo, face boxed
        page.grid.setFocus()
        qtbot.keyClick(page.grid, Qt.Key.Key_End)  # open the last one: read again from the stream's start
        qtbot.waitUntil(lambda: page.loading_pictures, timeout=5_000)
        qtbot.waitUntil(lambda: not page.loading_pictures, timeout=600_000)
    assert page.panel.candidate.key == deep[-1][0] and page.panel.photo.picture()[1] is not None
    print(f"\n{members:,}-member .tar.gz ({path.stat().st_size / 2**20:,.0f} MiB, built in {built:.0f} s): "
          f"crops and photo shown {first_open:.1f} s after opening Scan & Review; longest event-loop stall "
          f"{stalls.longest * 1000:.0f} ms over {len(stalls.gaps)} ticks")
    assert stalls.longest < 0.100


def test_a_candidate_deep_in_a_5000_member_archive_opens_without_a_stall(qtbot, window, store, lfw, tmp_path):
    _open_deep_candidates(qtbot, window, store, lfw, tmp_path, 5_000)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_candidate_deep_in_a_100000_member_archive_opens_without_a_stall(qtbot, window, store, lfw, tmp_path):
    _open_deep_candidates(qtbot, window, store, lfw, tmp_path, 100_000)
