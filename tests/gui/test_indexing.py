"""Indexing from the window: the event loop stays responsive, and closing the window loses nothing."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.support.event_loop import measure_stalls


def test_event_loop_stays_responsive_while_indexing(qtbot, window, make_dataset, wait_indexed, tmp_path):
    page = window.datasets_page
    window.show_page(1)
    assert page.add_dataset(make_dataset(tmp_path / "big", others=300), "big")
    with measure_stalls() as stalls:
        page.start_indexing("big")
        wait_indexed(page, timeout_s=400)
    assert page.table.item(0, 5).text() == "indexed"
    assert int(page.table.item(0, 2).text()) >= 300
    print(f"\nlongest event-loop stall while indexing {page.table.item(0, 2).text()} photos: "
          f"{stalls.longest * 1000:.0f} ms over {len(stalls.gaps)} ticks")
    assert stalls.longest < 0.100


def test_pause_and_resume(qtbot, window, make_dataset, wait_indexed, tmp_path):
    page = window.datasets_page
    page.add_dataset(make_dataset(tmp_path / "d", others=40), "d")
    page.start_indexing("d")
    qtbot.waitUntil(lambda: page.panel.bar.value() >= 8, timeout=60_000)
    page.pause()
    assert page.paused and page.pause_button.text() == "Resume"
    qtbot.wait(3000)  # batches already sent finish, then nothing more is pulled
    settled = page.panel.bar.value()
    qtbot.wait(2000)
    assert page.panel.bar.value() == settled < 46
    # One source: the label, the bar and the table say the same while paused, and no pace is claimed.
    last = page.panel.last
    words = page.panel.text.text()
    assert words.startswith("Paused indexing d:") and f"{last.done:,} of {last.total:,} photos" in words
    assert f"{last.faces:,} faces" in words and "photos/s" not in words
    assert last.done == settled and page.table.item(0, 3).text() == f"{last.faces:,}"
    assert page.table.item(0, 5).text() == "paused"
    worked = page.panel.pace.worked()
    qtbot.wait(1000)
    assert page.panel.pace.worked() == worked  # the pause is not work
    page.resume()
    assert page.table.item(0, 5).text() == "indexing"
    wait_indexed(page)
    assert page.table.item(0, 5).text() == "indexed"


def _faces(store) -> dict:
    rows = store.query("SELECT i.key, f.idx, f.top, f.right, f.bottom, f.left, f.embedding FROM faces f"
                       " JOIN items i ON i.id = f.item_id ORDER BY i.key, f.idx")
    return {(r["key"], r["idx"]): ((r["top"], r["right"], r["bottom"], r["left"]), np.frombuffer(r["embedding"], "<f4"))
            for r in rows}


def test_closing_during_indexing_loses_nothing(qtbot, store, window, make_dataset, wait_indexed, tmp_path):
    from faceaudit.core.datasets.catalog import add_dataset, get_dataset
    from faceaudit.core.datasets.indexing import IndexSettings, index_dataset
    from faceaudit.core.storage.store import Store
    from faceaudit.gui.main_window import MainWindow

    folder = make_dataset(tmp_path / "d", others=60)
    page = window.datasets_page
    page.add_dataset(folder, "d")
    page.start_indexing("d")
    qtbot.waitUntil(lambda: page.panel.bar.value() >= 16, timeout=60_000)
    seen = page.panel.bar.value()
    window.close()  # stops the job and waits until its work is saved
    saved = get_dataset(store, "d")
    assert seen <= saved.done < saved.items

    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    reopened = again.datasets_page
    assert again.pages.currentWidget() is reopened  # straight to the offer to resume
    assert reopened.resume_banner.isVisible()
    assert f"{saved.pending:,} photos left" in reopened.resume_text.text()
    assert reopened.table.item(0, 5).text() == f"interrupted ({saved.pending:,} left)"
    qtbot.mouseClick(reopened.resume_button, Qt.MouseButton.LeftButton)
    wait_indexed(reopened)
    assert reopened.table.item(0, 5).text() == "indexed"
    again.close()

    with Store(tmp_path / "uninterrupted.db") as other:
        add_dataset(other, folder, "d")
        for _ in index_dataset(other, "d", IndexSettings(), workers=2):
            pass
        expected = _faces(other)
    got = _faces(store)
    assert got.keys() == expected.keys()
    for key, (box, embedding) in expected.items():
        assert got[key][0] == box
        np.testing.assert_allclose(got[key][1], embedding, atol=1e-5)



def test_the_window_is_refused_while_a_command_indexes_the_dataset(qtbot, window, store, make_dataset, tmp_path):
    from faceaudit.core.datasets.index_lock import Indexer
    from faceaudit.core.datasets.indexing import index_dataset

    page = window.datasets_page
    window.show_page(1)
    assert page.add_dataset(make_dataset(tmp_path / "d", others=2), "d")
    command = index_dataset(store, "d", workers=0, who=Indexer.COMMAND)  # as `faceaudit index d` holds it
    next(command)
    try:
        page.start_indexing("d")
        qtbot.waitUntil(lambda: page.indexing is None, timeout=30_000)
        words = page.notice.text()
        assert "Dataset d is being indexed by a FaceAudit command in a terminal (process" in words
        assert "Ctrl+C" in words and page.notice.isVisible()
    finally:
        command.close()
