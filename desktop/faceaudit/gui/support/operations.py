"""Background operations: a core call or generator off the GUI thread, its results back on the GUI thread.

In the spirit of Anki's `QueryOp`: a page says what to run and what to do with the outcome, in
one statement; this module owns the worker thread (which opens its own Store), the wording of
errors and the job's lifecycle (pause, resume, cancel, stop and wait). Callbacks may be any
callables, lambdas included: they are called from a receiver that lives in the GUI thread,
never from the worker's thread, and never after the widget that owns the job is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from faceaudit.gui.support.workers import start_worker, stop_worker

__all__ = ["Job", "run_call", "run_generator"]


class _Receiver(QObject):
    """Lives in the GUI thread (as a child of the owning widget) and calls the job's callbacks there."""

    def __init__(self, job: Job, owner: QWidget | None):
        super().__init__(owner)
        self._job = job

    @Slot(object)
    def on_progress(self, record: object) -> None:
        self._job._progress(record)

    @Slot()
    def on_finished(self) -> None:
        self._job._end("finished")

    @Slot()
    def on_cancelled(self) -> None:
        self._job._end("cancelled")

    @Slot(object)
    def on_failed(self, message: str) -> None:  # a Failure: its words, and the error with its Action
        self._job._end("failed", message)


class Job:
    """One background job: a core generator run in a worker thread.

    Args:
        factory: builds the generator from the worker thread's own Store.
        owner: the widget the job belongs to; its callbacks stop with it.
        progress: called with each record the generator yields.
        finished: called when the generator ran to its end.
        cancelled: called when it stopped after `cancel`.
        failed: called with a message meant for the person (a `Failure`: a str that keeps the error and
            its Action).
        ended: called after any of the three ends (for the page's own bookkeeping).
    """

    def __init__(self, factory: Callable[[object], Iterator[object]], owner: QWidget | None = None, *,
                 progress: Callable[[object], None] | None = None, finished: Callable[[], None] | None = None,
                 cancelled: Callable[[], None] | None = None, failed: Callable[[str], None] | None = None,
                 ended: Callable[[], None] | None = None):
        self._callbacks = {"progress": progress, "finished": finished, "cancelled": cancelled, "failed": failed,
                           "ended": ended}
        self._receiver = _Receiver(self, owner)
        self.running = True
        self._worker, self._thread = start_worker(
            factory, progress=self._receiver.on_progress, finished=self._receiver.on_finished,
            cancelled=self._receiver.on_cancelled, failed=self._receiver.on_failed)

    @property
    def paused(self) -> bool:
        """True while paused."""
        return self.running and self._worker.paused

    def pause(self) -> None:
        """Stop pulling from the generator after its current step."""
        self._worker.pause()

    def resume(self) -> None:
        """Go on after `pause`."""
        self._worker.resume()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress point; `cancelled` follows."""
        self._worker.cancel()

    def stop(self, wait_ms: int = 30000) -> None:
        """Cancel and wait for the thread (the window closes, the data is wiped, the work is superseded).

        Work already saved stays saved. Nothing the job reports after this reaches its callbacks:
        they would act on a page that is closing, or on a store that is closed.
        """
        if self.running:
            stop_worker(self._worker, self._thread, wait_ms)
        self.running = False
        self._callbacks = dict.fromkeys(self._callbacks)

    def _progress(self, record: object) -> None:
        if self._callbacks["progress"]:
            self._callbacks["progress"](record)

    def _end(self, how: str, *args) -> None:
        self.running = False
        callback = self._callbacks[how]
        if callback:
            callback(*args)
        if self._callbacks["ended"]:
            self._callbacks["ended"]()


def run_generator(factory: Callable[[object], Iterator[object]], owner: QWidget | None = None, **callbacks) -> Job:
    """Run a core generator in the background; see `Job` for the callbacks."""
    return Job(factory, owner, **callbacks)


def run_call(call: Callable[[object], object], owner: QWidget | None = None, *,
             done: Callable[[object], None], failed: Callable[[str], None] | None = None) -> Job:
    """Run one core call `call(store)` in the background and hand its result to `done` on the GUI thread.

    Reads that may take long (a photo inside a large archive, a letter with face crops, the
    erasure check) go through here, never through the window's own Store on the GUI thread.
    """

    def once(store) -> Iterator[object]:
        yield call(store)

    return Job(once, owner, progress=done, failed=failed)
