"""Wall and CPU time per stage of a run, for planners who ask "why is it slow".

A run wraps each of its steps in :func:`stage`; when a collector is active (:func:`collect`, switched
on by ``netcover run --profile`` or the environment variable ``NETCOVER_TIMINGS=1``), each stage adds
its wall-clock time, the CPU time of this process (all its threads) and the peak resident memory so
far to the collector, and :meth:`Timings.table` prints them. When no collector is active,
:func:`stage` returns a shared do-nothing context: the cost is one global read per call.

Stages nest: a stage opened inside another is recorded under ``outer/inner`` and shown indented, so
the modules of a step can add finer stages of their own without knowing who called them. Each
thread keeps its own stack of open stages; records are added under a lock (thread-safe). A stage
entered several times (in a loop) is one row with its number of calls and the sums.

Worker processes: their CPU time is counted by the operating system for this process only when they
end (``getrusage(RUSAGE_CHILDREN)``); :meth:`Timings.table` gives that figure for the whole run
beside the table, not per stage. Their memory is not counted (a spawned child's peak starts at its
parent's size on Linux, so ``RUSAGE_CHILDREN``'s peak says nothing about the workers);
``benchmarks/bench_sample_run.py`` samples the whole process tree instead.

Example
-------
>>> from netcover.core.timings import collect, stage
>>> with collect(True) as clock:
...     with stage("read inputs"):
...         pass
>>> clock.rows()[0].path
'read inputs'
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["ENV_SWITCH", "StageTime", "Timings", "active", "collect", "stage", "switched_on"]

#: Environment variable that switches the collector on (``1``, ``true``, ``yes``, ``on``).
ENV_SWITCH = "NETCOVER_TIMINGS"
_ON_WORDS = frozenset({"1", "true", "yes", "on"})

_ACTIVE: Timings | None = None
_ACTIVE_LOCK = threading.Lock()
_NULL: AbstractContextManager[None] = nullcontext()
_LOCAL = threading.local()


def switched_on() -> bool:
    """True when ``NETCOVER_TIMINGS`` asks for timings (``1``, ``true``, ``yes`` or ``on``)."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() in _ON_WORDS


def _peak_rss_mb() -> float:
    """Peak resident memory (MB) of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _since_process_start_s() -> float | None:
    """Wall-clock seconds since this process started (Linux ``/proc``; None elsewhere)."""
    try:
        stat = Path("/proc/self/stat").read_text(encoding="ascii")
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: start time since boot
        return max(uptime - ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class StageTime:
    """The times of one stage (summed over its calls).

    Attributes
    ----------
    path : str
        The stage and the stages around it, ``"coverage/losses"``.
    calls : int
        How many times the stage ran.
    wall_s, cpu_s : float
        Wall-clock time and CPU time of this process (all threads) in seconds.
    peak_rss_mb : float
        Peak resident memory of this process (MB) when the stage last ended: the most the run had
        used so far.
    """

    path: str
    calls: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float

    @property
    def depth(self) -> int:
        """0 for a stage of the run, 1 for a stage inside it..."""
        return self.path.count("/")

    @property
    def name(self) -> str:
        """The stage's own name (the last part of :attr:`path`)."""
        return self.path.rsplit("/", 1)[-1]


class Timings:
    """A collector of stage times; made by :func:`collect`.

    Parameters
    ----------
    since_start : bool
        Count the time from the process start to the collector's start (imports, reading the
        command line) as a first stage, ``start-up`` (Linux; skipped where ``/proc`` is missing).
    """

    def __init__(self, *, since_start: bool = False) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, list[float]] = {}
        self._wall0 = time.perf_counter()
        self._cpu0 = time.process_time()
        self._children0 = _children_cpu_s()
        self._startup_s = _since_process_start_s() if since_start else None
        if self._startup_s is not None:
            self.add("start-up", self._startup_s, self._cpu0)

    def add(self, path: str, wall_s: float, cpu_s: float) -> None:
        """Add one call of the stage ``path`` (thread-safe)."""
        rss = _peak_rss_mb()
        with self._lock:
            row = self._rows.setdefault(path, [0, 0.0, 0.0, 0.0])
            row[0] += 1
            row[1] += wall_s
            row[2] += cpu_s
            row[3] = max(row[3], rss)

    def rows(self) -> list[StageTime]:
        """The stages in the order they started, each as a :class:`StageTime`."""
        with self._lock:
            items = list(self._rows.items())
        ordered = _tree_order([p for p, _ in items])
        by_path = dict(items)
        return [StageTime(p, int(by_path[p][0]), by_path[p][1], by_path[p][2], by_path[p][3])
                for p in ordered]

    def total(self) -> StageTime:
        """The whole run so far (from the process start with ``since_start``)."""
        startup = self._startup_s or 0.0
        cpu = time.process_time() - (0.0 if self._startup_s is not None else self._cpu0)
        return StageTime("total", 1, time.perf_counter() - self._wall0 + startup, cpu,
                         _peak_rss_mb())

    def as_dict(self) -> dict[str, Any]:
        """The stages, the total and the memory figures, as JSON-ready values."""
        return {"stages": [asdict(r) for r in self.rows()], "total": asdict(self.total()),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
                "ended_workers_cpu_s": round(_children_cpu_s() - self._children0, 3)}

    def table(self) -> str:
        """A plain-text table: stage (indented by nesting), calls, wall, CPU, share of the total
        wall time, peak memory so far; then the total and the worker processes' figures."""
        total = self.total()
        head = f"{'stage':<36} {'calls':>5} {'wall s':>8} {'CPU s':>8} {'wall %':>6} {'peak MB':>8}"
        lines = [head, "-" * len(head)]
        for row in [*self.rows(), total]:
            label = ("  " * row.depth + row.name)[:36]
            share = 100.0 * row.wall_s / total.wall_s if total.wall_s > 0 else 0.0
            lines.append(f"{label:<36} {row.calls:>5} {row.wall_s:>8.2f} {row.cpu_s:>8.2f} "
                         f"{share:>6.1f} {row.peak_rss_mb:>8.0f}")
        extra = self.as_dict()
        lines.append(f"Peak memory: {extra['peak_rss_mb']:.0f} MB in this process (worker "
                     f"processes not counted); CPU of the worker processes that ended: "
                     f"{extra['ended_workers_cpu_s']:.1f} s (CPU s above: this process only)")
        return "\n".join(lines)


def _tree_order(paths: list[str]) -> list[str]:
    """``paths`` (in the order they were first recorded, inner stages before outer ones as they
    end first) ordered as a tree: each stage before the stages inside it."""
    first = {p: i for i, p in enumerate(paths)}

    def key(path: str) -> tuple[int, ...]:
        parts = path.split("/")
        # a parent missing from the records (not timed itself) sorts by its first child
        return tuple(min((first[q] for q in paths if q == prefix or q.startswith(prefix + "/")),
                         default=0)
                     for prefix in ("/".join(parts[:i + 1]) for i in range(len(parts))))

    return sorted(paths, key=key)


def active() -> Timings | None:
    """The collector in use, or None when timings are off."""
    return _ACTIVE


@contextmanager
def collect(enabled: bool | None = None, *, since_start: bool = False) -> Iterator[Timings | None]:
    """Collect the :func:`stage` times of the block; yields the collector, or None when off.

    A collector already active (an outer :func:`collect`) is reused, whatever ``enabled`` says:
    the outer caller decides, and the inner stages are added to its table.

    Parameters
    ----------
    enabled : bool, optional
        Collect or not; None: as ``NETCOVER_TIMINGS`` says (:func:`switched_on`).
    since_start : bool
        Count the process's start-up as a first stage (see :class:`Timings`).
    """
    global _ACTIVE
    if _ACTIVE is not None:
        yield _ACTIVE
        return
    if not (switched_on() if enabled is None else enabled):
        yield None
        return
    clock = Timings(since_start=since_start)
    with _ACTIVE_LOCK:
        _ACTIVE = clock
    try:
        yield clock
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE = None


class _Stage:
    """One timed stage (the context :func:`stage` returns when a collector is active)."""

    __slots__ = ("_clock", "_cpu0", "_path", "_wall0")

    def __init__(self, clock: Timings, name: str) -> None:
        self._clock = clock
        stack: list[str] = _LOCAL.__dict__.setdefault("stack", [])
        self._path = f"{stack[-1]}/{name}" if stack else name

    def __enter__(self) -> None:
        _LOCAL.stack.append(self._path)
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        wall = time.perf_counter() - self._wall0
        cpu = time.process_time() - self._cpu0
        _LOCAL.stack.pop()
        self._clock.add(self._path, wall, cpu)


def stage(name: str) -> AbstractContextManager[None]:
    """A context that times the block as the stage ``name`` when timings are on.

    Parameters
    ----------
    name : str
        What the block does, as the table shows it (``"coverage"``, ``"losses"``); no ``/``.

    Returns
    -------
    context manager
        A shared do-nothing context when no collector is active (:func:`collect`).
    """
    clock = _ACTIVE
    if clock is None:
        return _NULL
    return _Stage(clock, name.replace("/", "-"))
