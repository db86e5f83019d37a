"""Smaller pieces: the worker's signals, the look-alike sentence, the group-photo picker, settings."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot


class _Sink(QObject):
    """Collects a worker's signals in the test's thread."""

    def __init__(self):
        super().__init__()
        self.records, self.ends = [], []

    @Slot(object)
    def progress(self, record):
        self.records.append(record)

    @Slot()
    def finished(self):
        self.ends.append("finished")

    @Slot()
    def cancelled(self):
        self.ends.append("cancelled")

    @Slot(str)
    def failed(self, message):
        self.ends.append(message)


def _run(qtbot, factory):
    from faceaudit.gui.support.workers import start_worker

    sink = _Sink()
    start_worker(factory, progress=sink.progress, finished=sink.finished, cancelled=sink.cancelled,
                 failed=sink.failed)
    qtbot.waitUntil(lambda: bool(sink.ends), timeout=10_000)
    return sink


def test_worker_runs_a_generator_in_its_own_thread_with_its_own_store(qtbot):
    import threading

    main = threading.get_ident()

    def factory(store):
        yield store.scalar("SELECT COUNT(*) FROM datasets")
        yield threading.get_ident() != main

    sink = _run(qtbot, factory)
    assert sink.records == [0, True] and sink.ends == ["finished"]


def test_worker_shows_user_errors_plainly(qtbot):
    from faceaudit.core.matching.scan import scan

    sink = _run(qtbot, lambda store: scan(store))
    # What happened, then where to click: never a command line.
    assert sink.ends == ["There is no photo of you to look for yet. Add a photo of yourself on the Me page."]


def test_worker_cancel_closes_the_generator(qtbot):
    from faceaudit.gui.support.workers import start_worker

    closed = []

    def factory(store):
        try:
            yield from range(10_000)
        finally:
            closed.append(True)

    sink = _Sink()
    worker, _ = start_worker(factory, progress=sink.progress, finished=sink.finished,
                             cancelled=sink.cancelled, failed=sink.failed)
    worker.pause()
    worker.cancel()
    qtbot.waitUntil(lambda: bool(sink.ends), timeout=10_000)
    assert sink.ends == ["cancelled"] and closed and len(sink.records) < 10_000


def test_lookalike_sentence():
    from faceaudit.gui.wording import lookalike_sentence

    assert (
        lookalike_sentence(0.25, False, 10_000) == "About 1 in 40,000 strangers in this dataset would look this close."
    )
    assert "About 3 of the 10,000 faces" in lookalike_sentence(3.2, False, 10_000)
    assert "same photo" in lookalike_sentence(None, True, 10_000)


def test_group_photo_asks_which_face(qtbot, window, examples):
    me = window.me_page
    me.add_photos([examples / "examples" / "two_people.jpg"])
    qtbot.waitUntil(lambda: me.picker.isVisible(), timeout=60_000)
    assert "shows 2 faces" in me.picker.question.text()
    qtbot.mouseClick(me.picker.photo, Qt.MouseButton.LeftButton, pos=me.picker.photo.box_center(2).toPoint())
    qtbot.waitUntil(lambda: me.faces.count() == 1 and not me.busy_now, timeout=60_000)
    assert not me.picker.isVisible()


def test_unreadable_photo_is_a_plain_message(qtbot, window, tmp_path):
    bad = tmp_path / "notaphoto.jpg"
    bad.write_bytes(b"hello")
    window.me_page.add_photos([bad])
    qtbot.waitUntil(lambda: window.me_page.notice.isVisible(), timeout=30_000)
    assert "notaphoto.jpg" in window.me_page.notice.text() and "Traceback" not in window.me_page.notice.text()


def test_settings_saved_and_wipe_lists_what_goes(qtbot, window, data_home):
    from faceaudit.gui.dialogs.settings import wipe_summary
    from faceaudit.gui.support.preferences import Preferences

    dialog = window.open_settings()
    dialog.detector.setCurrentIndex(dialog.detector.findData("cnn"))
    dialog.workers.setValue(1)
    dialog.accept()
    saved = Preferences.load(window.store)
    assert (saved.detector, saved.workers) == ("cnn", 1)
    summary = wipe_summary()
    assert str(data_home) in summary and "faceaudit.db" in summary


def test_a_running_job_outlives_every_reference_the_caller_had(qtbot):
    """A page deleted while its job still runs (a slow stop) drops its references to the worker
    and thread; the job must go on to its end and never delete its running QThread."""
    import gc
    import time

    from faceaudit.gui.support.workers import running_jobs, start_worker, wait_for_jobs

    def factory(store):
        for n in range(30):
            time.sleep(0.05)
            yield n

    sink = _Sink()
    start_worker(factory, progress=sink.progress, finished=sink.finished)  # nothing kept
    qtbot.waitUntil(lambda: bool(sink.records), timeout=10_000)
    gc.collect()  # Qt would abort here if the job (and its QThread) could be collected
    assert running_jobs() == 1
    qtbot.waitUntil(lambda: bool(sink.ends), timeout=10_000)
    assert sink.ends == ["finished"] and sink.records == list(range(30))
    assert wait_for_jobs(5000)
    qtbot.waitUntil(lambda: running_jobs() == 0, timeout=5000)


def test_full_collections_wait_for_enough_new_long_lived_objects():
    """The GUI-thread collector schedules generations as CPython does, full collections included."""
    from faceaudit.gui.support.gc_guard import _generation_to_collect

    thresholds = (700, 10, 10)
    assert _generation_to_collect((100, 3, 4), thresholds, 0, 0) is None
    assert _generation_to_collect((701, 3, 4), thresholds, 0, 0) == 0
    assert _generation_to_collect((701, 11, 4), thresholds, 0, 0) == 1
    # The oldest generation is due, but few objects reached it since the last full collection.
    assert _generation_to_collect((701, 11, 11), thresholds, 24_999, 100_000) == 1
    assert _generation_to_collect((10, 3, 11), thresholds, 24_999, 100_000) is None
    assert _generation_to_collect((10, 3, 11), thresholds, 25_000, 100_000) == 2
    assert _generation_to_collect((10, 3, 11), thresholds, 5, 0) == 2
