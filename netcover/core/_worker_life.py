"""Workers of :mod:`netcover.core.parallel`'s executors.

The worker processes of :class:`~netcover.core.parallel.ProcessPool` end with the run (a signal
never splits a worker's start, and a worker whose parent dies ends too), they keep the state of
the last calls (made once per worker from a payload file the parent writes once per call), and they
give the memory a chunk freed back to the system before they wait for the next one. Threads of
:class:`~netcover.core.parallel.ThreadPool` (and of the coverage engine's own pool) run numba's
kernels single-threaded, share one malloc arena (:func:`one_arena`), and are used only where the
threading layer allows kernels launched from several threads (:func:`threadsafe_numba`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: Seconds between two looks at the parent process where the kernel cannot watch it (not Linux).
PARENT_POLL_S = 1.0
_PR_SET_PDEATHSIG = 1
#: States a worker keeps (the least recently used goes first): the coverage's DEM and the siting's
#: screening grid of one run.
KEPT_STATES = 2

_KEPT: OrderedDict[str, dict[str, Any]] = OrderedDict()
_KEPT_LOCK = threading.Lock()
#: States of the calls running on this Dask worker, by call token.
_DASK_STATES: dict[str, dict[str, Any]] = {}


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


class PayloadFiles:
    """The pickled ``(setup, setup_args)`` of a pool's calls, one file per distinct payload, in a
    temporary folder deleted by :meth:`clear` (or when the owner is garbage-collected)."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._paths: dict[str, str] = {}
        self._finalizer: weakref.finalize | None = None

    def add(self, setup: Callable[..., dict[str, Any]] | None,
            setup_args: tuple[Any, ...]) -> tuple[str, str]:
        """The token (content digest) and file of a payload, written if it is new."""
        data = pickle.dumps((setup, setup_args), protocol=pickle.HIGHEST_PROTOCOL)
        token = hashlib.sha256(data).hexdigest()[:32]
        if token not in self._paths:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="netcover-pool-"))
                self._finalizer = weakref.finalize(self, shutil.rmtree, self._folder, True)
            path = self._folder / f"{token}.pickle"
            path.write_bytes(data)
            self._paths[token] = str(path)
        return token, self._paths[token]

    def clear(self) -> None:
        """Delete the files."""
        if self._finalizer is not None:
            self._finalizer()
        self._folder, self._finalizer = None, None
        self._paths.clear()


def single_threaded_numba() -> None:
    """One numba thread in this worker, process or thread (there is one worker per core already;
    the setting is per thread)."""
    import numba

    numba.set_num_threads(1)


@functools.cache
def threadsafe_numba() -> bool:
    """True when numba's parallel kernels may be launched from several threads at once.

    Launching the threads, it lets OpenMP's threads sleep as soon as a kernel ends
    (``OMP_WAIT_POLICY=PASSIVE``, unless the environment sets it): by default they spin for a
    while, and the fold's kernel ends hundreds of times in a run while the pool's threads compute
    the next tasks on the same cores (a tilt run of the sample on the loaded 2-core Xeon: about
    0.5 to 1 s less CPU in its coverage step). Without effect when the layer was loaded before.
    """
    import numba
    from numba.np.ufunc import parallel

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the layer loads: see below
    parallel._launch_threads()  # picks the threading layer (omp, tbb or workqueue)
    return bool(numba.threading_layer() != "workqueue")


def kernel_threads(wanted: int) -> int:
    """Threads that may run numba kernels side by side: ``wanted``, or 1 where the threading layer
    is ``workqueue`` (it aborts the process when two threads launch parallel kernels at once).
    Sets one malloc arena for the threads first (:func:`one_arena`)."""
    one_arena()  # before any pool starts its threads
    return wanted if wanted <= 1 or threadsafe_numba() else 1


#: ``mallopt`` parameter of glibc: the most arenas the threads of the process may use.
_M_ARENA_MAX = -8


@functools.cache
def one_arena() -> None:
    """Let the threads created from now on allocate from the arena glibc already has (its
    ``mallopt(M_ARENA_MAX, 1)``; a no-op elsewhere), once per process.

    By default each thread of a pool gets an arena of its own, which keeps the blocks its jobs
    freed for that thread only: the memory a job's kernels freed on one thread was taken afresh by
    the next job on the other, and the resident memory of the coverage step peaked about 80 MB
    higher (the sample's first 14 sites). Large blocks are handed out whole, so the threads
    hardly ever wait on the arena's lock.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(ctypes.c_int(_M_ARENA_MAX), ctypes.c_int(1))
    except (OSError, AttributeError):  # not glibc
        return


def pool_init(parent: int) -> None:
    """Initializer of a pool's worker: ends with ``parent``, one numba thread
    (:func:`single_threaded_numba_process`)."""
    end_with_parent(parent)  # no worker outlives the run
    single_threaded_numba_process()


def single_threaded_numba_process() -> None:
    """One numba thread in this (worker) process, without importing numba here: numba reads
    ``NUMBA_NUM_THREADS`` when the process imports it, if its jobs need it at all (a worker that
    draws maps and charts does not: importing numba and llvmlite for nothing made it about 60 MB
    larger on the sample). Where numba is imported already, as :func:`single_threaded_numba`."""
    if "numba" in sys.modules:
        single_threaded_numba()
    else:
        os.environ["NUMBA_NUM_THREADS"] = "1"


def kept_state(token: str, path: str) -> dict[str, Any]:
    """The state of payload ``token`` in this worker: kept, else made from the file at ``path``."""
    with _KEPT_LOCK:
        if token in _KEPT:
            _KEPT.move_to_end(token)
            return _KEPT[token]
        setup, args = pickle.loads(Path(path).read_bytes())
        state = setup(*args) if setup is not None else {}
        _KEPT[token] = state
        while len(_KEPT) > KEPT_STATES:
            _KEPT.popitem(last=False)
        return state


def run_shared_chunk(func: Callable[[dict[str, Any], Any], Any], chunk: Sequence[Any], token: str,
                     path: str) -> list[Any]:
    """``[func(state, item) for item in chunk]`` with the kept state of payload ``token``; then the
    memory the chunk freed goes back to the system (:func:`give_back_free_memory`)."""
    state = kept_state(token, path)
    try:
        return [func(state, item) for item in chunk]
    finally:
        give_back_free_memory()


def give_back_free_memory() -> None:
    """Return the heap memory freed so far to the system (glibc's ``malloc_trim``; a no-op
    elsewhere).

    A job's arrays freed in the heap stay resident in the worker until a later job reuses them:
    while a worker waits (for its next chunk, or for the next call while the run works on), it
    held them for nothing. On the sample, a pool worker of the loss jobs kept 183 MB of anonymous
    memory after a job and 122 MB after this (a few milliseconds a chunk).
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None where the C library has none)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class DaskPayload:
    """``setup`` and its arguments as one object (a tuple would be scattered item by item)."""

    def __init__(self, setup: Callable[..., dict[str, Any]] | None, args: tuple[Any, ...]):
        self.setup, self.args = setup, args


def run_dask_chunk(func: Callable[[dict[str, Any], Any], Any], chunk: Sequence[Any],
                   payload: DaskPayload, token: str) -> list[Any]:
    """``[func(state, item) for item in chunk]`` on a Dask worker, the state of call ``token``
    made on its first chunk there."""
    single_threaded_numba()
    with _KEPT_LOCK:
        if token not in _DASK_STATES:
            setup = payload.setup
            _DASK_STATES[token] = setup(*payload.args) if setup is not None else {}
        state = _DASK_STATES[token]
    return [func(state, item) for item in chunk]


def forget_dask_state(token: str) -> None:
    """Drop the state of Dask call ``token`` on this worker."""
    with _KEPT_LOCK:
        _DASK_STATES.pop(token, None)


def forget_states() -> None:
    """Drop the states this process keeps (for tests)."""
    with _KEPT_LOCK:
        _KEPT.clear()
