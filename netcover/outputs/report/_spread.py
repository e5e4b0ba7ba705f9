"""Outputs drawn on every usable core: this process and spawned worker processes at once.

The print maps, charts, reports and interactive maps of a build are independent drawings of the
same results (a report waits for the figures of its language only). :func:`spread` hands them out:
the worker processes take them from the front of the list, this process from the back, each the
next one as soon as it is free, so the cores stay busy whatever each drawing costs.

A worker is spawned, never forked: numba's thread pool does not survive a fork, and a forked child
of a run would start with the run's whole memory. It reads the results from the folder: the files
only (the coverage rasters the run holds in memory are the same values in its GeoTIFFs), plus the
small results given (the input summary), and records what it read without digests
(:meth:`~netcover.outputs.reuse.Watched.of`); this process digests those reads, as it does for an
output it made itself, so an output's key does not depend on where it was drawn. Each drawing
writes the same bytes wherever it runs (no clock, no process state in the files).
"""

from __future__ import annotations

import os
import pickle
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netcover.core.files import Raster
from netcover.outputs._summary_reads import Read
from netcover.outputs.results import RunFolder, RunResults
from netcover.outputs.reuse import Watched

__all__ = ["Job", "folder_view", "made_in", "made_there", "picklable", "spread", "worker_pool"]


@dataclass(frozen=True)
class Job:
    """One output to make: its name and settings (:meth:`~netcover.outputs.reuse.Reuse.output`),
    ``make(run) -> files`` (picklable when ``anywhere``: a module-level function or a partial of
    one with plain arguments), and ``cost``, its rough CPU seconds on the sample (what decides
    whether worker processes are worth their start-up)."""

    name: str
    settings: Any
    make: Callable[[RunFolder], Sequence[Path]]
    cost: float
    anywhere: bool = True


def folder_view(run: RunFolder) -> tuple[Path, dict[str, Any]] | None:
    """What a worker process needs to read ``run``: its folder and the results held in memory that
    are not rasters (the input summary); None when a raster held in memory has no file (then the
    outputs are made in this process only)."""
    memory: Mapping[str, Any] = getattr(run, "memory", {})
    for relative, value in memory.items():
        if isinstance(value, Raster) and not (run.path / relative).is_file():
            return None
    return run.path, {k: v for k, v in memory.items() if not isinstance(v, Raster)}


def made_in(run: RunFolder, job: Job) -> tuple[list[Path], list[Read]]:
    """``job`` made from the results ``run``; the files written and what was read, without
    digests (to be digested by the build: :meth:`Reuse.record`)."""
    watched = Watched.of(run, digests=False)
    written = [Path(p) for p in job.make(watched)]
    return written, list(watched.reads)


def made_there(view: tuple[Path, dict[str, Any]], job: Job) -> tuple[list[Path], list[Read]]:
    """In a worker process: ``job`` made from the results of ``view`` (:func:`folder_view`), as
    :func:`made_in`."""
    folder, memory = view
    return made_in(RunResults(folder, memory), job)


def picklable(value: object) -> bool:
    """Whether ``value`` can be sent to a worker process."""
    try:
        pickle.dumps(value)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


@contextmanager
def worker_pool(workers: int) -> Iterator[Any]:
    """``workers`` spawned worker processes (None for 0), ended with this process; shut down at
    the end, at once (their work cancelled) when the block ends by an exception."""
    if workers < 1:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from netcover.core._worker_life import pool_init

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=pool_init, initargs=(os.getpid(),))
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if not finished:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=finished, cancel_futures=not finished)


def spread(jobs: Sequence[Job], here: Callable[[Job], Any], there: Callable[[Job], Any],
           pool: Any, workers: int) -> Iterator[tuple[int, Any]]:
    """``(index, result)`` of each job as it is done: ``there(job)`` in the ``workers``
    processes of ``pool`` (``there`` picklable) for the jobs from the front that can go there,
    each worker given the next one as soon as it is done; ``here(job)`` in this process for the
    others, from the back. Without a pool, all here, in order."""
    from netcover.core._worker_life import submit_held

    if pool is None:
        for index, job in enumerate(jobs):
            yield index, here(job)
        return
    todo = deque(range(len(jobs)))
    running: dict[Future[Any], int] = {}
    finished: queue.Queue[tuple[int, Future[Any]]] = queue.Queue()
    lock = threading.RLock()  # the pool's thread calls ``_done`` (and a done future at once)

    def feed() -> None:
        with lock:
            while len(running) < workers and todo and jobs[todo[0]].anywhere:
                future = submit_held(pool, there, jobs[todo[0]])  # a signal never splits a spawn
                running[future] = todo.popleft()
                future.add_done_callback(_done)

    def _done(future: Future[Any]) -> None:
        with lock:
            finished.put((running.pop(future), future))
        try:
            feed()
        except RuntimeError:  # the pool is shut down or broken: what is left is made here
            return

    feed()
    for _ in range(len(jobs)):
        with lock:
            mine = todo.pop() if todo and finished.empty() else None
        if mine is not None:
            yield mine, here(jobs[mine])
            continue
        index, future = finished.get()
        yield index, future.result()
