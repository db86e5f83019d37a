"""The indexing of one dataset in the background: its progress bar, rate and time left, pause, resume and stop."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from faceaudit.core.datasets.indexing import IndexProgress, Phase
from faceaudit.core.durations import format_duration
from faceaudit.gui.support import jobs
from faceaudit.gui.support.operations import Job, run_generator

__all__ = ["IndexingPanel"]


class IndexingPanel(QWidget):
    """Runs one indexing job at a time and shows how far it is.

    Pause stops pulling from the core's indexing generator (its pool finishes the few batches
    already sent, then idles); stop closes the generator. Work already done is in the
    database, so indexing again later goes on where it stopped.

    Signals:
        progressed(object): an IndexProgress record.
        finished(str): the dataset (its name) is fully indexed.
        cancelled(str): indexing of the dataset was stopped; what was done is kept.
        failed(str, str): the dataset's name and what went wrong, in words.
    """

    progressed = Signal(object)
    finished = Signal(str)
    cancelled = Signal(str)
    failed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._job: Job | None = None
        self._name: str | None = None
        self._last: IndexProgress | None = None
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.text = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.text)
        self.setVisible(False)

    @property
    def indexing(self) -> str | None:
        """The dataset being indexed, if any."""
        return self._name

    @property
    def paused(self) -> bool:
        """True while indexing is paused."""
        return self._job is not None and self._job.paused

    def start(self, name: str, detector: str, workers: int) -> None:
        """Index (or go on indexing) a dataset in the background."""
        self._name, self._last = name, None
        self._job = run_generator(jobs.index(name, detector, workers), self, progress=self._on_progress,
                                  finished=self._on_finished, cancelled=self._on_cancelled, failed=self._on_failed)
        self.text.setText(f"Indexing {name}: starting the face finders…")
        self.setVisible(True)

    def pause(self) -> None:
        """Pause (the few batches already sent still finish)."""
        if self._job:
            self._job.pause()
            self.text.setText(f"Paused indexing {self._name}. {self.progress_words()}")

    def resume(self) -> None:
        """Go on after a pause."""
        if self._job:
            self._job.resume()

    def cancel(self) -> None:
        """Ask indexing to stop at its next step; `cancelled` follows."""
        if self._job:
            self._job.cancel()
            self.text.setText("Stopping… (what is done is kept)")

    def stop(self) -> None:
        """Stop indexing and wait until the work so far is saved (when the window closes)."""
        if self._job:
            self._job.stop()
            self._end()

    def progress_words(self) -> str:
        """How far indexing is, in words ("120 of 1,000 photos, 118 faces · 3.1 photos/s · about 4m left")."""
        p = self._last
        if p is None or p.phase == Phase.LISTING:
            return ""
        words = f"{p.done:,} of {p.total:,} photos, {p.faces:,} faces"
        if p.rate > 0:
            words += f" · {p.rate:.1f} photos/s · about {format_duration(p.eta_seconds)} left"
        return words

    def _on_progress(self, progress: IndexProgress) -> None:
        self._last = progress
        if progress.phase == Phase.LISTING:
            self.text.setText(f"Indexing {progress.dataset}: listing the files…")
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, max(1, progress.total))
            self.bar.setValue(progress.done)
            if not self.paused:
                self.text.setText(f"Indexing {progress.dataset}: {self.progress_words()}")
        self.progressed.emit(progress)

    def _on_finished(self) -> None:
        self.finished.emit(self._end())

    def _on_cancelled(self) -> None:
        self.cancelled.emit(self._end())

    def _on_failed(self, message: str) -> None:
        self.failed.emit(self._end(), message)

    def _end(self) -> str:
        name, self._job, self._name = self._name, None, None
        self.setVisible(False)
        return name or ""
