"""Work done by a second thread and handed over item by item, a few ahead, for a reader that may stop early.

Decompressing a gzip list or a 7-Zip block runs in C without the interpreter lock: done in a
second thread it overlaps with the reader's own work. The producer puts each item as it is made;
when the reader stops (or fails), the producer's next `put` raises `Stopped`, and it ends there.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

__all__ = ["in_thread", "Stopped"]


class Stopped(Exception):
    """The reader is gone: the producer stops here."""


_END = object()


def in_thread(produce: Callable[[Callable[[object], None], threading.Event], None], ahead: int,
              name: str) -> Iterator[object]:
    """The items `produce(put, stopped)` puts, made in a second thread, at most `ahead` waiting.

    An exception raised by `produce` is raised here, after the items put before it. `stopped`
    is set once the reader has stopped: a producer in a long step may look at it.
    """
    handoff: queue.Queue = queue.Queue(maxsize=ahead)
    stopped = threading.Event()

    def put(item) -> None:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise Stopped

    def run() -> None:
        try:
            produce(put, stopped)
            put(_END)
        except Stopped:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which raises it
            try:
                put(exc)
            except Stopped:
                return

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        while worker.is_alive():
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
