"""Running the coverage engine's jobs: several masts at once on a thread pool, folded in a fixed order.

A district run has one job per mast position, height and band (:class:`~netcover.coverage.losses.LossJob`)
and one best-server accumulator per operator and technology. This module decides the order of the work
and runs it:

- **Tasks, group by group.** :func:`plan_tasks` lists one :class:`Task` per (group, job) pair, the
  groups in sorted order and, within a group, the jobs in their own order. Folding the tasks in that
  order needs one accumulator at a time (about 60 bytes per grid cell each, 120 MB on the sample's
  2 million cells): it is read off (:class:`~netcover.coverage.combine.GroupResult`, 13 bytes per
  cell) and dropped as soon as its group's last task is folded. Each accumulator sees its jobs in job
  order, as when all groups were filled together, so the results are the same bit for bit.
- **Threads.** :func:`run_tasks` computes the tasks (loss window, then each sector's level) on a
  thread pool and yields them in task order, at most a few tasks ahead of the fold, so memory stays
  bounded however many masts there are, and at most one task past the first of a group while the
  fold reads off the group it finished and makes the next accumulator (the step's largest memory:
  two jobs' kernel temporaries on top of it made the sample's peak over 100 MB higher). The numba
  kernels release the GIL, so the threads run on every core; each thread's kernels run
  single-threaded (``numba.set_num_threads(1)`` is per thread), one job per core. The fold stays
  in the calling thread, in task order: a result never depends on which thread computed what, or
  when.
- **One loss per job.** A job serving several groups (one mast and band carrying two technologies)
  has its loss computed or read once (:class:`_Losses`) and kept until its last task has it.
- **Memory given back.** :func:`release_free_memory` returns the blocks the threads freed to the
  system after each group, and the threads share one malloc arena (:func:`thread_count` sets it
  up), so that a block one thread freed serves the other's next job.
- **Warnings per thread.** :func:`recorded_warnings` records the warnings of the calling thread
  only, where :class:`warnings.catch_warnings` would swap process-wide state under another thread.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
import warnings
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from netcover.core._worker_life import (
    _malloc_trim,  # the process pool's workers trim too
    kernel_threads,
    single_threaded_numba,
)
from netcover.core.parallel import usable_cores

__all__ = ["Progress", "Task", "map_threads", "plan_tasks", "recorded_warnings",
           "release_free_memory", "run_tasks", "thread_count"]

T = TypeVar("T")
R = TypeVar("R")
Group = tuple[str, str]
#: Wraps an iterable to show progress: ``progress(items, label)``.
Progress = Callable[[Sequence[T], str], Iterable[T]]


@dataclass(frozen=True)
class Task:
    """One job's work for one operator/technology group.

    ``job`` indexes the job list; ``group`` is None for a job whose loss is needed for the
    minimum-loss layer only; ``cells`` are the job's cells (rows of the sites table) of the group.
    """

    job: int
    group: Group | None
    cells: tuple[int, ...]


def plan_tasks(job_cells: Sequence[Sequence[int]], cell_groups: Sequence[Group],
               groups: Sequence[Group], *, all_jobs: bool) -> list[Task]:
    """The tasks of a run, group by group (``groups`` in the order given), jobs in order.

    Parameters
    ----------
    job_cells : sequence of sequences of int
        Each job's cells (rows of the sites table).
    cell_groups : sequence of (str, str)
        The (operator, technology) of every row of the sites table.
    groups : sequence of (str, str)
        The groups to compute, in fold order.
    all_jobs : bool
        Every job's loss is needed (for the minimum-loss layer): jobs serving none of ``groups``
        get a task of group None, after the others.
    """
    tasks = [Task(j, g, tuple(i for i in cells if cell_groups[i] == g))
             for g in groups for j, cells in enumerate(job_cells)]
    tasks = [t for t in tasks if t.cells]
    if all_jobs:
        served = {t.job for t in tasks}
        tasks += [Task(j, None, ()) for j in range(len(job_cells)) if j not in served]
    return tasks


def thread_count(threads: int | None, tasks: int) -> int:
    """Threads to use: ``threads`` (None: the usable cores), at most one per task, at least 1.

    Always 1 when numba's threading layer is ``workqueue`` (no OpenMP or TBB library found): that
    layer aborts the process when two threads launch parallel kernels at once.
    """
    wanted = usable_cores() if threads is None else int(threads)
    return max(1, min(kernel_threads(wanted), tasks))


def map_threads(func: Callable[[T], R], items: Sequence[T], *, threads: int) -> list[R]:
    """``[func(item) for item in items]`` on ``threads`` threads (for work that releases the GIL,
    such as hashing rasters), in order."""
    if threads <= 1 or len(items) < 2:
        return [func(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items)), thread_name_prefix="netcover-map") as pool:
        return list(pool.map(func, items))


class _Slot(Generic[T]):
    """One job's loss: made by the first task that asks, kept until the last has it."""

    def __init__(self, uses: int):
        self.lock = threading.Lock()
        self.value: T | None = None
        self.uses = uses


class _Losses(Generic[T]):
    """Each job's loss made once (``make(job)``), shared by the job's tasks, then released."""

    def __init__(self, make: Callable[[int], T], tasks: Sequence[Task]):
        self._make = make
        self._uses = Counter(t.job for t in tasks)
        self._slots: dict[int, _Slot[T]] = {}
        self._lock = threading.Lock()

    def take(self, job: int) -> T:
        with self._lock:
            slot = self._slots.setdefault(job, _Slot(self._uses[job]))
        with slot.lock:
            if slot.value is None:
                slot.value = self._make(job)
            value = slot.value
            slot.uses -= 1
            if slot.uses == 0:
                with self._lock:
                    del self._slots[job]
        return value


def run_tasks(tasks: Sequence[Task], loss: Callable[[int], T],
              work: Callable[[Task, T], R], *, threads: int = 1) -> Generator[tuple[T, R], None, None]:
    """``(loss(task.job), work(task, that loss))`` of every task, yielded in task order.

    ``loss`` runs once per job however many tasks share it. With ``threads`` > 1 the tasks run on a
    pool of that many threads, each with single-threaded numba kernels, at most ``threads + 1``
    tasks ahead of the consumer, and at most :data:`_PAST_A_GROUP` past the first task of another
    group until the consumer asks for the task after that one (there it reads off and stores the
    group it finished and makes the next one's accumulator: the jobs in flight would add to the
    largest memory of the step). The results are the same as with one thread.
    """
    losses = _Losses(loss, tasks)

    def one(task: Task) -> tuple[T, R]:
        value = losses.take(task.job)
        return value, work(task, value)

    if threads <= 1:
        yield from (one(task) for task in tasks)
        return
    starts = [k for k in range(1, len(tasks)) if tasks[k].group != tasks[k - 1].group]
    first_of_group = set(starts)
    pool = ThreadPoolExecutor(threads, thread_name_prefix="netcover-coverage",
                              initializer=single_threaded_numba)
    pending: deque[Future[tuple[T, R]]] = deque()
    submitted = 0

    def top_up(limit: int) -> None:  # submit tasks up to index ``limit``, threads + 1 at most
        nonlocal submitted
        while submitted < min(limit + 1, len(tasks)) and len(pending) <= threads:
            pending.append(pool.submit(one, tasks[submitted]))
            submitted += 1

    _install()  # once for the pool, not once per job
    try:
        top_up(_limit(starts, -1))
        for k in range(len(tasks)):
            done = pending.popleft().result()
            if k in first_of_group:  # the consumer finishes a group: nothing more starts meanwhile
                yield done
                top_up(_limit(starts, k))
                continue
            top_up(_limit(starts, k))
            yield done
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        _uninstall()


#: Tasks past the first of a group that may run while the consumer finishes the previous group.
_PAST_A_GROUP = 1


def _limit(starts: Sequence[int], k: int) -> int:
    """The last task that may be submitted once the consumer has task ``k``: up to
    :data:`_PAST_A_GROUP` past the next group's first task (``starts``: first task of each group
    but the first)."""
    after = bisect.bisect_right(starts, k)
    return starts[after] + _PAST_A_GROUP if after < len(starts) else 1 << 62


def release_free_memory(*, above_mb: float = 0.0) -> None:
    """Give the memory freed so far back to the system (glibc's ``malloc_trim``; a no-op elsewhere).

    The rasters of a run are large, and made and freed by several threads: freed blocks stay in
    glibc's arenas, and the resident memory of a run would grow by a few hundred megabytes unless
    they are trimmed (10-30 ms a time on the sample). With ``above_mb``, only when the resident
    memory grew by more than that since the last trim (read from ``/proc/self/statm``).
    """
    trim = _malloc_trim()
    if trim is None:
        return
    if above_mb > 0.0 and _resident_mb() < _TRIMMED_AT[0] + above_mb:
        return
    trim(0)
    _TRIMMED_AT[0] = _resident_mb()


#: Resident memory (MB) after the last trim.
_TRIMMED_AT = [0.0]


def _resident_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE_BYTES / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# --------------------------------------------------------------------------- warnings per thread

_LOCAL = threading.local()
_ROUTER_LOCK = threading.Lock()
_ROUTER: list[tuple[warnings.catch_warnings, Callable[..., None]]] = []  # while any thread records
_ROUTER_USERS = 0
#: Warnings raised from these modules are recorded every time, not once per place.
_OWN_MODULES = r"netcover(\.|$)"


def _route(message: Warning | str, category: type[Warning], filename: str, lineno: int,
           file: object = None, line: str | None = None) -> None:
    """``warnings.showwarning`` while a thread records: to its list, else shown as before."""
    caught: list[warnings.WarningMessage] | None = getattr(_LOCAL, "caught", None)
    if caught is not None:
        caught.append(warnings.WarningMessage(message, category, filename, lineno, None, line))
    elif _ROUTER:
        _ROUTER[0][1](message, category, filename, lineno, file, line)


def _install() -> None:
    global _ROUTER_USERS
    with _ROUTER_LOCK:
        if _ROUTER_USERS == 0:
            saved = warnings.catch_warnings()
            saved.__enter__()
            _ROUTER.append((saved, warnings.showwarning))
            warnings.filterwarnings("always", module=_OWN_MODULES)
            warnings.showwarning = _route
        _ROUTER_USERS += 1


def _uninstall() -> None:
    global _ROUTER_USERS
    with _ROUTER_LOCK:
        _ROUTER_USERS -= 1
        if _ROUTER_USERS == 0:
            saved, _show = _ROUTER.pop()
            saved.__exit__(None, None, None)


@contextlib.contextmanager
def recorded_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record the warnings this thread raises inside the block (none is shown); thread-safe.

    Every warning raised from a netcover module is recorded, each time (the filter "always"), as
    :class:`warnings.catch_warnings` with that filter would do, but without swapping the process's
    warning state under other threads: while any thread is inside, the warnings of other threads
    go where they went before (those of netcover modules every time), and the previous filters
    and ``warnings.showwarning`` come back when the last thread leaves.
    """
    caught: list[warnings.WarningMessage] = []
    outer = getattr(_LOCAL, "caught", None)
    _install()
    _LOCAL.caught = caught
    try:
        yield caught
    finally:
        _LOCAL.caught = outer
        _uninstall()
