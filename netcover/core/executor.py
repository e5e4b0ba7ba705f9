"""The executor interface: :class:`Executor`, the jobs it runs and their bounded submission.

An executor runs ``[func(state, item) for item in items]`` and gives the results back in order;
its subclasses decide where (:mod:`netcover.core.parallel`: in this process, on threads, in local
processes; :mod:`netcover.core.dask_executor`: on a Dask cluster).

``state`` is what ``setup(*setup_args)`` returns, made once per worker process (per call; a
:class:`~netcover.core.parallel.ProcessPool`'s workers keep it for later calls with the same
payload; a :class:`~netcover.core.parallel.ThreadPool`'s threads share one, which their jobs only
read), so a large argument such as the DEM travels once per worker, not once per item. Functions
and arguments must be picklable (module-level functions, plain data).

Which executor ran a job never changes its result: the jobs are pure and results come back in the
order of ``items``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["Executor", "Job", "ProgressFn", "Setup", "bounded", "peak_rss_mb"]

T = TypeVar("T")
R = TypeVar("R")

#: ``func(state, item)``: one job.
Job = Callable[[dict[str, Any], T], R]
#: ``setup(*setup_args)``: the state shared by the jobs of one call, made once per worker.
Setup = Callable[..., dict[str, Any]]
#: Wraps an iterable to show progress: ``progress(items, label)``.
ProgressFn = Callable[[Sequence[Any], str], Iterable[Any]]


class Executor:
    """Runs independent jobs; subclasses decide where.

    Attributes
    ----------
    workers : int
        Jobs that run at the same time (1 for :class:`InProcess`).
    """

    workers: int = 1
    #: Items sent to a worker at once, per worker (more chunks: better balance, more overhead).
    chunks_per_worker: int = 8

    def describe(self) -> str:
        """One line for logs and benchmark output."""
        return f"{type(self).__name__} ({self.workers} worker{'s' * (self.workers != 1)})"

    def map(self, func: Job[T, R], items: Sequence[T], *, setup: Setup | None = None,
            setup_args: tuple[Any, ...] = (), progress: ProgressFn | None = None,
            label: str = "") -> list[R]:
        """``[func(state, item) for item in items]``, in order (state from ``setup``)."""
        size = max(1, -(-len(items) // (self.chunks_per_worker * self.workers)))
        return list(self.imap(func, items, setup=setup, setup_args=setup_args, progress=progress,
                              label=label, chunk_size=size))

    def imap(self, func: Job[T, R], items: Sequence[T], *, setup: Setup | None = None,
             setup_args: tuple[Any, ...] = (), progress: ProgressFn | None = None,
             label: str = "", chunk_size: int = 1) -> Iterator[R]:
        """Like :meth:`map`, but yields results in order as they come.

        At most about two chunks per worker are in flight, so a caller that writes each result
        away holds only those in memory, however many items there are.
        """
        chunks = [items[i:i + chunk_size] for i in range(0, len(items), chunk_size)]
        wrap = progress or (lambda seq, _label: seq)
        results = self._run_chunks(func, chunks, setup, setup_args)
        for _ in wrap(range(len(chunks)), label):
            yield from next(results)
        next(results, None)  # let the executor see the call end (not a caller gone)

    def _run_chunks(self, func: Job[T, R], chunks: list[Sequence[T]], setup: Setup | None,
                    setup_args: tuple[Any, ...]) -> Iterator[list[R]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the workers (a no-op where there are none)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bounded(submit: Callable[[Any], Any], chunks: list[Any], ahead: int,
            collect: Callable[[Any], R]) -> Iterator[R]:
    """Submit ``chunks`` keeping at most ``ahead`` in flight; yield their results in order."""
    pending: deque[Any] = deque()
    it = iter(chunks)
    for chunk in it:
        pending.append(submit(chunk))
        if len(pending) >= ahead:
            break
    while pending:
        result = collect(pending.popleft())
        nxt = next(it, None)
        if nxt is not None:
            pending.append(submit(nxt))
        yield result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB; Linux reports kB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
