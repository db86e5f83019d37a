"""The whole flow on real photos: references, a dataset, indexing, a scan, decisions by key and button."""

from __future__ import annotations

from PySide6.QtCore import Qt


def test_first_run_welcome_then_me(qtbot, store):
    from faceaudit.gui.main_window import MainWindow
    from faceaudit.gui.support.preferences import Preferences

    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    assert win.pages.currentWidget() is win.welcome_page
    qtbot.mouseClick(win.welcome_page.start_button, Qt.MouseButton.LeftButton)
    assert win.pages.currentWidget() is win.me_page
    assert Preferences.load(store).welcome_shown
    win.close()
    again = MainWindow(store)
    qtbot.addWidget(again)
    assert again.pages.currentWidget() is again.me_page


def test_real_flow(qtbot, window, lfw, tmp_path, make_dataset, wait_indexed):
    from faceaudit.core.storage.store import Store

    me = window.me_page
    me.add_photos([lfw / "Al_Gore" / "Al_Gore_0001.jpg", lfw / "Al_Gore" / "Al_Gore_0002.jpg"])
    qtbot.waitUntil(lambda: me.faces.count() == 2 and not me.busy_now, timeout=60_000)
    assert "2 reference faces" in me.summary.text()

    window.show_page(1)
    datasets = window.datasets_page
    assert datasets.add_dataset(make_dataset(tmp_path / "sample", others=60), "sample")
    qtbot.mouseClick(datasets.index_button, Qt.MouseButton.LeftButton)
    assert datasets.indexing == "sample"
    wait_indexed(datasets)
    assert datasets.table.item(0, 5).text() == "indexed"
    assert datasets.table.item(0, 2).text() == "66"

    window.show_page(2)
    review = window.review_page
    qtbot.mouseClick(review.scan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not review.scanning, timeout=60_000)
    shown = review.shown()
    gore = [n for n, c in enumerate(shown) if c.key.startswith("Al_Gore/")]
    # Reject a stranger when the scan lists one (weak band); otherwise another candidate.
    stranger = [n for n, c in enumerate(shown) if not c.key.startswith("Al_Gore/")] or gore[1:]
    assert gore and stranger, [c.key for c in shown]
    assert shown[gore[0]].band == "strong"
    review.grid.set_current(gore[0])
    assert "strangers" in review.panel.details.text() or "same photo" in review.panel.details.text()

    review.grid.setFocus()
    qtbot.keyClick(review.grid, Qt.Key.Key_Y)
    review.grid.set_current(stranger[0])
    qtbot.mouseClick(review.panel.buttons["not_me"], Qt.MouseButton.LeftButton)

    with Store() as check:
        decided = {
            row["key"]: row["decision"]
            for row in check.query(
                "SELECT i.key, m.decision FROM matches m JOIN items i ON i.id = m.item_id"
                " WHERE m.decision != 'unreviewed'"
            )
        }
    assert decided == {shown[gore[0]].key: "me", shown[stranger[0]].key: "not_me"}
    assert review.grid.card(shown[gore[0]].id).candidate.decision == "me"
    qtbot.waitUntil(lambda: not review.loading_pictures, timeout=30_000)
    # every face crop was cut and shown (an identity card shows its counts, not a crop)
    assert all(card.image is not None for card in review.grid.cards() if card.candidate.kind == "face")
