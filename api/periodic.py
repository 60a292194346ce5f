"""`every(name, interval, work)`: the API process's background loops (reaper, reconciler, tuner) in one shape."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def every(name: str, interval: float, work: Callable[[], object], at_start: bool = False) -> Iterator[None]:
    """Call `work` every `interval` seconds (`at_start`: also at once), in a daemon thread, during the block.

    A failed pass is logged and the next one runs as usual: the database or broker may be down a while.
    """
    stop = threading.Event()

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("%s pass failed", name)

    def loop() -> None:
        if at_start:
            run()
        while not stop.wait(interval):
            run()

    thread = threading.Thread(target=loop, name=f"mlctl-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
