"""The executors and the choice of one: per-site losses, candidate footprints, tiles.

Four executors run ``[func(state, item) for item in items]`` and give the results back in order
(the interface, :class:`~netcover.core.executor.Executor`, and what ``state`` is, are in
:mod:`netcover.core.executor`):

- :class:`InProcess` runs them here (the default; numba's threads still use every core);
- :class:`ThreadPool` runs them on threads of this process, each with single-threaded numba
  kernels (for jobs whose work is in kernels that release the GIL: one copy of the libraries,
  compiled kernels and state for all, where each process of a pool holds its own);
- :class:`ProcessPool` runs them in spawned local processes (never forked: numba's thread pool does
  not survive a fork), each single-threaded, started once and kept until it is closed;
- :class:`DaskExecutor` runs them on a ``dask.distributed`` cluster: a scheduler at an address, or a
  ``LocalCluster`` started here (``pip install "netcover[dask]"``); it is defined in
  :mod:`netcover.core.dask_executor` and re-exported here.

Spawned processes re-import ``__main__``, so a script using :class:`ProcessPool` or a
``LocalCluster`` needs the ``if __name__ == "__main__":`` guard (the ``netcover`` command has it).
:func:`make_executor` and :func:`executor_for` choose the executor named by ``--scheduler`` /
``--workers`` or a scenario's ``[execution]`` section.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, TypeVar

from netcover.core._worker_life import (
    PayloadFiles,
    kernel_threads,
    pool_init,
    run_shared_chunk,
    single_threaded_numba,
    submit_held,
)
from netcover.core.dask_executor import DaskExecutor
from netcover.core.executor import Executor, Job, Setup, bounded
from netcover.errors import InputError

__all__ = [
    "SCHEDULER_WORDS", "DaskExecutor", "ExecutionChoice", "InProcess", "ProcessPool", "ThreadPool",
    "check_scheduler", "executor_for", "executor_named", "local_pool", "make_executor", "usable_cores",
]


class ExecutionChoice(Protocol):
    """What :func:`executor_for` reads of a scenario's ``[execution]`` section
    (:class:`netcover.config.sections.ExecutionSettings`)."""

    @property
    def scheduler(self) -> str: ...

    @property
    def workers(self) -> int: ...

T = TypeVar("T")
R = TypeVar("R")

#: Words of ``--scheduler`` that are not addresses.
SCHEDULER_WORDS = ("", "inprocess", "processes", "local")
#: A Dask scheduler address: ``tcp://host:port``, ``tls://host:port`` or ``host:port``.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss)://)?"
                      r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*):[0-9]{1,5}$")
#: Seconds a stopped :class:`ProcessPool` waits for its manager thread after terminating its workers.
STOP_JOIN_S = 10.0


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InProcess(Executor):
    """Runs the jobs in this process, one after the other."""

    def _run_chunks(self, func: Job[T, R], chunks: list[Sequence[T]], setup: Setup | None,
                    setup_args: tuple[Any, ...]) -> Iterator[list[R]]:
        state = setup(*setup_args) if setup is not None else {}
        for chunk in chunks:
            yield [func(state, item) for item in chunk]


class ThreadPool(Executor):
    """Runs the jobs on ``workers`` threads of this process, each running numba's kernels on that
    thread alone, at most about two chunks per thread ahead of the caller.

    The jobs share one ``setup`` state, made here once per call: they must only read it (and
    anything else they share must be thread-safe). They run side by side where their work is in
    kernels that release the GIL (the siting's footprints and loss rasters), without the copy of
    the libraries, the compiled kernels and the state that each process of a :class:`ProcessPool`
    holds (on the sample, 160-230 MB a worker). Where numba's threading layer cannot launch
    kernels from several threads at once (``workqueue``), one thread runs them all.
    """

    def __init__(self, workers: int):
        if workers < 1:
            msg = f"workers={workers!r}: use 1 or more"
            raise InputError(msg)
        self.workers = workers

    def _run_chunks(self, func: Job[T, R], chunks: list[Sequence[T]], setup: Setup | None,
                    setup_args: tuple[Any, ...]) -> Iterator[list[R]]:
        if not chunks:
            return
        state = setup(*setup_args) if setup is not None else {}
        threads = kernel_threads(min(self.workers, len(chunks)))
        if threads <= 1:
            yield from ([func(state, item) for item in chunk] for chunk in chunks)
            return
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(threads, thread_name_prefix="netcover-jobs",
                                  initializer=single_threaded_numba)
        try:
            yield from bounded(lambda chunk: pool.submit(_run_chunk, func, state, chunk),
                                chunks, 2 * threads, lambda fut: fut.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_chunk(func: Job[T, R], state: dict[str, Any], chunk: Sequence[T]) -> list[R]:
    return [func(state, item) for item in chunk]


class ProcessPool(Executor):
    """Runs the jobs in ``workers`` spawned local processes, started on first use and kept until
    :meth:`close` (use it as a context manager): the calls of a run share one pool.

    The ``setup`` state of a call is pickled once into a file of this pool; each worker reads and
    makes it on its first item of the call and keeps the last :data:`~._worker_life.KEPT_STATES`
    states, keyed by the payload's content: a later call with the same setup and arguments (the
    candidates, then the proposals, on one screening grid) finds it made already.

    The workers end with their parent: if a call ends by an exception (``KeyboardInterrupt``, the
    ``SystemExit`` of the ``netcover`` command's SIGTERM handler) they are terminated at once (the
    next call starts a new pool), and each worker also ends by itself when its parent process dies
    (:func:`netcover.core._worker_life.end_with_parent`).

    Attributes
    ----------
    starts : int
        Worker pools started so far (one per run when nothing failed).
    """

    def __init__(self, workers: int):
        if workers < 1:
            msg = f"workers={workers!r}: use 1 or more"
            raise InputError(msg)
        self.workers = workers
        self.starts = 0
        self._pool: Any = None
        self._payloads = PayloadFiles()

    def _started(self) -> Any:
        """The pool, started now if it is not running."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=pool_init,
                                             initargs=(os.getpid(),))
            self.starts += 1
        return self._pool

    def _run_chunks(self, func: Job[T, R], chunks: list[Sequence[T]], setup: Setup | None,
                    setup_args: tuple[Any, ...]) -> Iterator[list[R]]:
        if not chunks:
            return
        token, path = self._payloads.add(setup, setup_args)
        pool = self._started()
        finished = False
        try:
            yield from bounded(
                lambda chunk: submit_held(pool, run_shared_chunk, func, chunk, token, path),
                chunks, 2 * self.workers, lambda fut: fut.result())
            finished = True
        finally:
            if not finished:  # stopped (an error, a signal, the caller gone): no work to wait for
                self._stop(wait=False)

    def _stop(self, *, wait: bool) -> None:
        """Shut the pool down: its workers finish their items (``wait``), or are terminated now.

        After terminating them, the pool's manager thread (which notices the dead workers and
        closes the pool's pipes) is waited for, at most :data:`STOP_JOIN_S` seconds: a thread left
        closing them while the interpreter exits races with ``concurrent.futures``' own exit
        handler, which writes to one of those pipes unguarded before CPython gh-125451 (Python
        3.11 has it), and prints ``OSError: [Errno 9] Bad file descriptor`` after the run's last
        line.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if wait:
            pool.shutdown(wait=True)
            return
        manager = getattr(pool, "_executor_manager_thread", None)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.join(STOP_JOIN_S)

    def close(self) -> None:
        """Shut the workers down (they finish their items first) and delete the payload files."""
        try:
            self._stop(wait=True)
        finally:
            self._payloads.clear()


def make_executor(scheduler: str = "", workers: int = 1) -> Executor:
    """The executor named by ``--scheduler`` / ``[execution] scheduler`` and ``--workers``.

    ``""`` picks :class:`InProcess` for one worker and :class:`ProcessPool` for more;
    ``"inprocess"`` and ``"processes"`` name those; ``"local"`` starts a Dask ``LocalCluster`` of
    ``workers``; anything else is a Dask scheduler address (``tcp://10.0.0.5:8786``).
    """
    if workers < 1:
        msg = f"workers={workers!r}: use 1 or more (--workers / [execution] workers)"
        raise InputError(msg)
    check_scheduler(scheduler, "--scheduler / [execution] scheduler")
    if scheduler == "inprocess" or (scheduler == "" and workers == 1):
        return InProcess()
    if scheduler in ("", "processes"):
        return ProcessPool(workers)
    if scheduler == "local":
        return DaskExecutor(None, workers)
    return DaskExecutor(scheduler, workers)


def check_scheduler(scheduler: str, where: str = "--scheduler") -> None:
    """Check a ``--scheduler`` value; raise :class:`InputError` naming ``where`` if it is wrong.

    Valid: a word of :data:`SCHEDULER_WORDS` or a Dask scheduler address (``tcp://host:port``,
    ``tls://host:port``, ``host:port``).
    """
    if scheduler in SCHEDULER_WORDS or _ADDRESS.match(scheduler):
        return
    words = [w for w in SCHEDULER_WORDS if w]
    close = difflib.get_close_matches(scheduler, words, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "give one of the words or an address"
    msg = (f"{where} = {scheduler!r} is neither one of {', '.join(map(repr, words))} nor a Dask "
           f"scheduler address such as tcp://10.0.0.5:8786; {hint}")
    raise InputError(msg)


def executor_for(settings: ExecutionChoice, scheduler: str | None = None,
                 workers: int | None = None) -> Executor:
    """The executor of a scenario's ``[execution]`` section, overridden by command-line values.

    Parameters
    ----------
    settings : ExecutionChoice
        The scenario's ``[execution]`` section.
    scheduler, workers : optional
        ``--scheduler`` / ``--workers``; None keeps the scenario's value.

    Returns
    -------
    Executor
        See :func:`make_executor`; close it when done (it is a context manager).
    """
    chosen = settings.scheduler if scheduler is None else scheduler
    count = settings.workers if workers is None else workers
    return make_executor(chosen, count)


def executor_named(settings: ExecutionChoice, scheduler: str | None = None,
                   workers: int | None = None) -> bool:
    """Whether the command line or the scenario chooses an executor (a scheduler or workers).

    ``scheduler = ""`` with ``workers = 1`` (the defaults) chooses none: commands then use their
    own default (in-process coverage, candidate coverage on :func:`local_pool`).
    """
    return bool(scheduler) or workers is not None or bool(settings.scheduler) or settings.workers != 1


def local_pool() -> Executor:
    """A :class:`ThreadPool` of the usable cores, or :class:`InProcess` on a single core.

    Threads, not processes: the jobs it is used for (the siting's footprints and loss rasters)
    spend their time in numba kernels that release the GIL, and a process pool's workers hold
    each their own copy of the libraries, the compiled kernels and the state while the run holds
    its largest memory (on the sample, a cold ``netcover run``'s two workers added 320-450 MB to
    the process tree's memory, and took longer: they start, import and load the kernels first).
    """
    cores = usable_cores()
    return ThreadPool(cores) if cores >= 2 else InProcess()
