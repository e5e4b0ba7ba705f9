"""Running independent jobs (per-site losses, candidate footprints) in worker processes.

Processes are *spawned*, never forked: numba's thread pool does not survive a fork. Each worker
runs numba single-threaded, since the processes already use every core. Functions and arguments
must be picklable (module-level functions; plain data).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STATE: dict[str, Any] = {}


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_state() -> dict[str, Any]:
    """The state the pool's ``initializer`` stored in this worker process."""
    return _STATE


def _init(initializer: Callable[..., dict[str, Any]] | None, initargs: tuple[Any, ...]) -> None:
    import numba

    numba.set_num_threads(1)  # one process per core already
    if initializer is not None:
        _STATE.update(initializer(*initargs))


def _run_chunk(func: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [func(item) for item in chunk]


def map_in_processes(func: Callable[[T], R], items: Sequence[T], *, workers: int,
                     initializer: Callable[..., dict[str, Any]] | None = None,
                     initargs: tuple[Any, ...] = (),
                     progress: Callable[[Sequence[Any], str], Iterable[Any]] | None = None,
                     label: str = "", chunks_per_worker: int = 8) -> list[R]:
    """``[func(item) for item in items]`` in ``workers`` spawned processes, in order.

    ``initializer(*initargs)`` runs once per worker and returns a dict that ``func`` reads with
    :func:`worker_state` (e.g. the DEM, so it is sent once per worker, not once per item).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, -(-len(items) // (chunks_per_worker * workers)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    ctx = multiprocessing.get_context("spawn")
    wrap = progress or (lambda seq, _label: seq)
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init,
                             initargs=(initializer, initargs)) as pool:
        futures = [pool.submit(_run_chunk, func, chunk) for chunk in chunks]
        return [r for fut in wrap(futures, label) for r in fut.result()]
