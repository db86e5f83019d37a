"""Run a core generator in a background thread; results reach the window only by signals."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from faceaudit.core.storage.faults import Fault
from faceaudit.core.storage.store import Store
from faceaudit.gui.support.failures import Failure

__all__ = ["GeneratorWorker", "running_jobs", "start_worker", "stop_worker", "wait_for_jobs"]

#: Builds the generator inside the worker thread, given that thread's own Store.
GeneratorFactory = Callable[[object], Iterator[object]]


class GeneratorWorker(QObject):
    """Iterates a generator in a QThread; each yielded record becomes a `progress` signal.

    The worker opens its own Store in its thread (a Store belongs to one thread). Between
    yields it checks a cancel flag (cancel closes the generator, which stops the core's work
    and keeps what was saved) and a pause flag (pause stops pulling from the generator).

    Signals:
        progress(object): a record the generator yielded.
        finished(): the generator ran to its end.
        cancelled(): the work stopped early because `cancel` was called.
        failed(Failure): the work stopped on an error: a `str` meant for the person, with the error and
            its Action kept (gui/support/failures.py).
    """

    progress = Signal(object)
    finished = Signal()
    cancelled = Signal()
    failed = Signal(object)

    def __init__(self, factory: GeneratorFactory, parent: QObject | None = None):
        super().__init__(parent)
        self._factory = factory
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        """Ask the work to stop at its next progress point (safe from any thread)."""
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        """Stop pulling from the generator after the current step (safe from any thread)."""
        self._running.clear()

    def resume(self) -> None:
        """Continue after `pause`."""
        self._running.set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    @Slot()
    def run(self) -> None:
        """Iterate the generator to its end (runs in the worker thread)."""
        try:
            with Store() as store:
                generator = self._factory(store)
                try:
                    for record in generator:
                        self.progress.emit(record)
                        self._running.wait()
                        if self._cancel.is_set():
                            break
                finally:
                    generator.close()
        except Exception as exc:  # noqa: BLE001 - sorted (core/storage/faults.py): a bug is said plainly too
            failure = Failure(exc)
            if failure.fault is Fault.BUG:
                traceback.print_exc()  # the details, for the report
            self.failed.emit(failure)
            return
        (self.cancelled if self._cancel.is_set() else self.finished).emit()


class _RunningThread(QObject):
    """Keeps a worker and its thread alive until the thread has ended, then lets both go.

    Not a job: a page's job is an `operations.Job`, and what it runs is in `support/jobs.py`.
    These are held by this module, not by a widget: a window or page deleted while its work
    still runs must not delete a running QThread (Qt aborts the process then). This object lives
    in the window's thread, so `thread.finished` reaches it there.
    """

    def __init__(self, worker: GeneratorWorker, thread: QThread):
        super().__init__()
        self.worker, self.thread = worker, thread
        _jobs.add(self)
        thread.finished.connect(self._on_thread_finished)

    @Slot()
    def _on_thread_finished(self) -> None:
        self.thread.wait()
        _jobs.discard(self)
        self.deleteLater()


#: Workers whose thread has not ended yet.
_jobs: set[_RunningThread] = set()


def running_jobs() -> int:
    """How many background jobs are still running (their threads not yet ended)."""
    return sum(1 for job in _jobs if job.thread.isRunning())


def wait_for_jobs(wait_ms: int = 30000) -> bool:
    """Cancel every job and wait for their threads (before the app exits); True when all ended."""
    for job in list(_jobs):
        job.worker.cancel()
    return all(job.thread.wait(wait_ms) for job in list(_jobs))


def start_worker(factory: GeneratorFactory, *, progress=None, finished=None, cancelled=None,
                 failed=None) -> tuple[GeneratorWorker, QThread]:
    """Move a new worker to a new thread, connect the given slots, and start it.

    The worker and its thread are released once the thread has ended; a caller keeps them
    only until one of finished, cancelled or failed arrives.

    Args:
        factory: builds the generator from the worker thread's Store.
        progress: slot for each yielded record. Pass methods of objects that live in the
            window's thread (never lambdas: a lambda would run in the worker's thread), so that they
            run there. `operations.Job` does this for the pages: it takes any callable, lambdas
            included, and passes its GUI-thread receiver's methods here.
        finished: slot for a normal end.
        cancelled: slot for an end after `cancel`.
        failed: slot for an error message.

    Returns:
        (worker, thread).
    """
    thread = QThread()
    worker = GeneratorWorker(factory)
    worker.moveToThread(thread)
    # Connected before the thread starts, so no early signal is lost.
    for signal, slot in ((worker.progress, progress), (worker.finished, finished),
                         (worker.cancelled, cancelled), (worker.failed, failed)):
        if slot is not None:
            signal.connect(slot)
    for signal in (worker.finished, worker.cancelled, worker.failed):
        # Direct: QThread.quit is thread-safe, and a queued call would never run while the
        # window's thread waits in stop_worker.
        signal.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.started.connect(worker.run)
    _RunningThread(worker, thread)
    thread.start()
    return worker, thread


def stop_worker(worker: GeneratorWorker, thread: QThread, wait_ms: int = 30000) -> None:
    """Cancel a worker and wait for its thread to end (work already saved stays saved)."""
    worker.cancel()
    thread.wait(wait_ms)
