"""The Datasets page names each dataset's form and state; the Review page never gives a false all-clear."""

from __future__ import annotations

import shutil

from faceaudit.core.matching.references import add_reference


def test_a_dataset_of_nothing_readable_is_flagged_and_a_scan_says_so(qtbot, window, store, wait_indexed, tmp_path,
                                                                       astronaut_png):
    page = window.datasets_page
    window.show_page(1)
    tfrecords = tmp_path / "ffhq-tfrecords"
    tfrecords.mkdir()
    for level in range(2):
        (tfrecords / f"ffhq-r0{level}.tfrecords").write_bytes(bytes(64))
    assert page.add_dataset(tfrecords, "ffhq")
    assert page.table.item(0, 1).text() == "unreadable form"
    page.start_indexing("ffhq")
    wait_indexed(page)
    state = page.table.item(0, 5)
    assert state.text() == "nothing readable"
    assert "none of its 2 items could be read" in state.toolTip() and "TFRecord" in state.toolTip()
    page.select("ffhq")
    assert page.state_text.isVisible() and "says nothing about you" in page.state_text.text()

    add_reference(store, astronaut_png, 1)
    review = window.review_page
    window.show_page(2)
    review.start_scan()
    qtbot.waitUntil(lambda: not review.scanning, timeout=60_000)
    assert review.notice.isVisible() and "no all-clear" in review.notice.text() and "ffhq" in review.notice.text()
    assert "looks like yours" not in review._empty_text()


def test_the_form_of_each_dataset_is_shown(qtbot, window, tmp_path, astronaut_png):
    page = window.datasets_page
    photos = tmp_path / "photos" / "Eileen_Collins"
    photos.mkdir(parents=True)
    shutil.copy(astronaut_png, photos / "astronaut.png")
    parts = tmp_path / "parts"
    parts.mkdir()
    shutil.make_archive(str(parts / "part1"), "zip", tmp_path / "photos")
    assert page.add_dataset(tmp_path / "photos", "photos")
    assert page.add_dataset(parts, "parts")
    assert page.add_dataset(parts / "part1.zip", "one-zip")
    forms = {page.table.item(row, 0).text(): page.table.item(row, 1).text() for row in range(page.table.rowCount())}
    assert forms == {"photos": "folder", "parts": "archive parts", "one-zip": "zip"}
    assert all(page.table.item(row, 5).text() == "not indexed" for row in range(3))


def test_a_partly_read_dataset_shows_what_was_not_read_and_the_review_gives_no_all_clear(
        qtbot, window, store, wait_indexed, tmp_path, astronaut_png):
    page = window.datasets_page
    window.show_page(1)
    root = tmp_path / "celeba"
    (root / "Img" / "img_celeba.7z").mkdir(parents=True)
    shutil.copy(astronaut_png, root / "Img" / "astronaut.png")
    # The set's first volume (with its header) never arrived: the other two cannot be read.
    (root / "Img" / "img_celeba.7z" / "img_celeba.7z.002").write_bytes(bytes(2000))
    (root / "Img" / "img_celeba.7z" / "img_celeba.7z.003").write_bytes(bytes(2000))
    assert page.add_dataset(root, "celeba")
    page.start_indexing("celeba")
    wait_indexed(page)
    state = page.table.item(0, 5)
    assert state.text() == "partly unreadable" and "items that could not be read: 2 files" in state.toolTip()
    page.select("celeba")
    assert "partly read: 2 files" in page.state_text.text()
    listed = {page.errors.item(row, 0).text() for row in range(page.errors.rowCount())}
    assert listed == {"Img/img_celeba.7z/img_celeba.7z.002", "Img/img_celeba.7z/img_celeba.7z.003"}

    add_reference(store, astronaut_png, 1)
    review = window.review_page
    window.show_page(2)
    review.start_scan()
    qtbot.waitUntil(lambda: not review.scanning, timeout=60_000)
    assert review.notice.isVisible() and "celeba" in review.notice.text()
    assert "looks like yours" not in review._empty_text()
