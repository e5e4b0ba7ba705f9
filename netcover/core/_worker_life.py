"""Worker processes that end with the run: a signal never splits a worker's start, and a worker
whose parent dies ends too (used by :class:`netcover.core.parallel.ProcessPool`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

#: Seconds between two looks at the parent process where the kernel cannot watch it (not Linux).
PARENT_POLL_S = 1.0
_PR_SET_PDEATHSIG = 1


def submit_held(pool: Any, *args: Any) -> Any:
    """``pool.submit(*args)`` with SIGTERM held back until it returns.

    ``submit`` may start a worker process; a SIGTERM handler that raises in the middle of that
    would leave a half-started worker that the pool does not know of (and that prints a traceback).
    """
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        return pool.submit(*args)  # only the main thread handles signals
    held: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: held.append(signum))
    try:
        return pool.submit(*args)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if held:
            signal.raise_signal(held[0])


def end_with_parent(parent: int) -> None:
    """Make this (worker) process end when its parent process ``parent`` dies.

    On Linux the kernel sends SIGTERM on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread looks at the parent every :data:`PARENT_POLL_S` seconds. A worker
    whose parent died before this was set ends at once.
    """
    watched = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            watched = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):
            watched = False
    if os.getppid() != parent:
        os._exit(1)
    if not watched:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="netcover-parent-watch").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)
