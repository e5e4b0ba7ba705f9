"""The whole sample, ``netcover run``, in fresh processes: cold, warm, and after a tilt change.

Issue #18's goals for the bundled Quản Bạ sample: < 60 s cold (fresh loss cache, numba cache warm),
< 20 s warm (nothing changed), < 10 s after changing the tilt of one sector, < 1 GB peak memory.
The script copies the sample (scenario, sites and every input) into a temporary folder and runs
``python -m netcover run <copy>/scenario.toml --out <folder>`` three times, each in a fresh process:

1. cold: a new, empty loss cache (``NETCOVER_CACHE_DIR``), a new output folder;
2. warm: the same again, nothing changed;
3. tilt: the mechanical tilt of the first sector of ``sites.csv`` raised by ``--tilt-step`` degrees
   (2), the same cache and output folder.

Before them, unless ``--no-prime``, one untimed run of the same copy with a 3 km radius and its own
throwaway loss cache loads (or compiles and stores) every numba kernel, so that "cold" means a cold
loss cache, not a cold JIT cache.

The runs may write Python's bytecode caches (``__pycache__``; ``PYTHONDONTWRITEBYTECODE`` is
removed from their environment), as an installed package has them: the prime run writes them, so
the timed runs do not compile netcover's modules from source each time (about 0.2 s of a run).

For each run it prints the wall time, the CPU time (user + system) of the process and every worker
process it waited for (``os.wait4``), the goal beside each, and the peak memory: of the largest
single process (its peak RSS, the same call), and of the whole process tree, sampled every 0.2 s
from ``/proc/<pid>/smaps_rollup`` (Linux only) as three sums over the process and its descendants:
of PSS (a page shared by n processes counts 1/n in each: the memory the tree holds, which the goal
is judged on), of RSS (shared pages, such as those of the libraries every process maps, counted
once per process: an upper bound) and of anonymous PSS (arrays, heaps, compiled code: a lower
bound). PSS also shares the library pages with processes outside the tree that map the same files
(another Python run of the same environment): on a busy machine the PSS sum is lower than on an
idle one by up to the libraries' part (on the sample, 100-180 MB of RSS a process), never below the
anonymous sum.
Then the per-stage table the run printed (``NETCOVER_TIMINGS=1``; a checkout without
:mod:`netcover.core.timings` prints none) and each process's own sampled peaks (RSS, PSS, and the
anonymous part of its PSS).

Run from the repository root: ``python benchmarks/bench_sample_run.py [--keep DIR]``. To measure
another checkout: ``python benchmarks/bench_sample_run.py --checkout /path/to/checkout`` (its
``netcover`` package and its sample are used). Each run takes one to three minutes.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import machine_description

HERE = Path(__file__).resolve().parent

#: The goals of issue #18: seconds of wall time per case, and the peak memory in MB.
GOAL_S = {"cold": 60.0, "warm": 20.0, "tilt": 10.0}
GOAL_PEAK_MB = 1000.0
_TABLE = re.compile(r"^Time per stage.*?\n(.*?^Peak memory:[^\n]*)", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Measured:
    """One ``netcover run`` process."""

    case: str
    wall_s: float
    cpu_s: float  # the process and the children it waited for
    largest_mb: float  # peak RSS of the largest single process
    tree_mb: float  # peak of the sampled sum of RSS over the process tree: an upper bound
    tree_pss_mb: float  # peak of the sampled sum of PSS over the process tree (0 without /proc)
    tree_anon_mb: float  # peak of the sampled sum of anonymous PSS: a lower bound
    processes: tuple[ProcessPeak, ...]  # each process's sampled peaks, the run first
    table: str  # the per-stage table it printed ("" without one)
    returncode: int


#: Fields of ``/proc/<pid>/smaps_rollup`` read per process (kB).
_ROLLUP = ("Rss:", "Pss:", "Pss_Anon:")


@dataclass
class ProcessPeak:
    """Peaks (kB) of one process of the tree, as sampled."""

    label: str  # "run", "worker" (a spawned process) or the command's first words
    rss_kb: int = 0
    pss_kb: int = 0
    pss_anon_kb: int = 0  # its share of anonymous memory: arrays, heaps, JIT code (not files)


def _tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (those still alive)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text(encoding="ascii").split()]
        except (OSError, ValueError):
            continue
        found.append(p)
    return found


def _rollup_kb(pid: int) -> tuple[int, int, int] | None:
    """RSS, PSS and anonymous PSS (kB) of ``pid`` from ``smaps_rollup`` (None when it has ended).

    PSS (proportional set size) counts a page shared by n processes as 1/n in each, so the PSS of
    the processes of a tree add up to the memory they really hold; their RSS add up to more (the
    pages of shared libraries and files they all map are counted once per process).
    """
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return None
    got = dict.fromkeys(_ROLLUP, 0)
    for line in text.splitlines():
        key = line.split(maxsplit=1)[0] if line else ""
        if key in got:
            got[key] = int(line.split()[1])
    return got["Rss:"], got["Pss:"], got["Pss_Anon:"]


def _label(pid: int, root: int) -> str:
    if pid == root:
        return "run"
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(w.decode("utf-8", "replace") for w in words if w)
    return "worker" if "multiprocessing" in text else text[:40]


class _TreeSampler(threading.Thread):
    """Samples the process tree's memory every ``period`` seconds until stopped: the peaks of the
    sums over the tree of RSS (an upper bound) and PSS, and each process's own peaks."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.peak_rss_kb = self.peak_pss_kb = self.peak_anon_kb = 0
        self.processes: dict[int, ProcessPeak] = {}
        self._stop_event = threading.Event()

    def sample(self) -> None:
        """One look at the tree."""
        rss_sum = pss_sum = anon_sum = 0
        for p in _tree_pids(self.pid):
            got = _rollup_kb(p)
            if got is None:
                continue
            rss, pss, anon = got
            rss_sum, pss_sum, anon_sum = rss_sum + rss, pss_sum + pss, anon_sum + anon
            peak = self.processes.setdefault(p, ProcessPeak(_label(p, self.pid)))
            peak.rss_kb, peak.pss_kb = max(peak.rss_kb, rss), max(peak.pss_kb, pss)
            peak.pss_anon_kb = max(peak.pss_anon_kb, anon)
        self.peak_rss_kb = max(self.peak_rss_kb, rss_sum)
        self.peak_pss_kb = max(self.peak_pss_kb, pss_sum)
        self.peak_anon_kb = max(self.peak_anon_kb, anon_sum)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.period)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_netcover(case: str, scenario: Path, out: Path, cache: Path, checkout: Path,
                 log: Path) -> Measured:
    """Run ``netcover run`` on ``scenario`` in a fresh process and measure it."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "NETCOVER_CACHE_DIR": str(cache),
           "NETCOVER_TIMINGS": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches, as an installed package has them
    cmd = [sys.executable, "-m", "netcover", "run", str(scenario), "--out", str(out)]
    with log.open("w", encoding="utf-8") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    found = _TABLE.search(text)
    return Measured(case, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0,
                    sampler.peak_rss_kb / 1024.0, sampler.peak_pss_kb / 1024.0,
                    sampler.peak_anon_kb / 1024.0,
                    tuple(sampler.processes.values()), found.group(1).rstrip() if found else "",
                    proc.returncode)


def copy_sample(checkout: Path, dest: Path) -> Path:
    """Copy the checkout's sample folder to ``dest``; its scenario.toml."""
    shutil.copytree(checkout / "gis_data" / "quan_ba", dest)
    return dest / "scenario.toml"


def small_radius(scenario: Path, radius_km: float) -> Path:
    """A copy of ``scenario`` beside it with ``[coverage] radius_km`` set to ``radius_km``."""
    text = scenario.read_text(encoding="utf-8")
    new, n = re.subn(r"^radius_km = [0-9.]+", f"radius_km = {radius_km:g}", text, flags=re.MULTILINE)
    if n != 1:
        msg = f"{scenario}: no single 'radius_km = ' line to change"
        raise ValueError(msg)
    path = scenario.with_name("scenario_prime.toml")
    path.write_text(new, encoding="utf-8")
    return path


def change_tilt(sites: Path, step_deg: float) -> str:
    """Raise the mechanical tilt of the first row of ``sites`` by ``step_deg``; what was changed."""
    with sites.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("mech_tilt_deg")
    old = float(rows[1][col])
    rows[1][col] = f"{old + step_deg:g}"
    with sites.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return f"{rows[1][rows[0].index('cell_id')]}: mech_tilt_deg {old:g} -> {rows[1][col]}"


def describe(m: Measured) -> str:
    """The figures of one run: times, then memory (the goal is judged on the largest process and
    the tree's PSS sum; the RSS sum, which counts shared pages once per process, is an upper bound)."""
    goal = GOAL_S[m.case]
    met = "met" if m.wall_s < goal else "not met"
    tree = m.tree_pss_mb or m.tree_mb  # RSS where PSS could not be read
    peak = max(m.largest_mb, tree)
    peak_met = "met" if peak < GOAL_PEAK_MB else "not met"
    failed = f"; EXIT CODE {m.returncode}" if m.returncode else ""
    return (f"{m.case:<5} wall {m.wall_s:7.1f} s (goal < {goal:g} s: {met}); CPU {m.cpu_s:7.1f} s; "
            f"peak memory: largest process {m.largest_mb:6.0f} MB RSS, process tree "
            f"{m.tree_pss_mb:6.0f} MB PSS (goal < {GOAL_PEAK_MB:g} MB: {peak_met}), "
            f"{m.tree_mb:6.0f} MB RSS sum (upper bound), {m.tree_anon_mb:6.0f} MB anonymous PSS "
            f"sum (lower bound){failed}")


def describe_processes(m: Measured) -> str:
    """One line per sampled process: its peaks of RSS, PSS and anonymous PSS."""
    lines = [f"{p.label:<8} peak RSS {p.rss_kb / 1024:6.0f} MB, PSS {p.pss_kb / 1024:6.0f} MB "
             f"(anonymous {p.pss_anon_kb / 1024:6.0f} MB)" for p in m.processes]
    return "\n".join(lines) or "(no process sampled)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=HERE.parent,
                        help="the netcover checkout to measure (default: this one)")
    parser.add_argument("--keep", type=Path, help="work here (inputs, outputs, logs) and keep it")
    parser.add_argument("--no-prime", action="store_true", help="skip the untimed numba warm-up run")
    parser.add_argument("--tilt-step", type=float, default=2.0, help="degrees added to one tilt")
    args = parser.parse_args()
    checkout = args.checkout.resolve()

    print(machine_description())
    print(f"checkout: {checkout}")
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="bench_sample_run_") as tmp:
        work = args.keep.resolve() if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in ("sample", "out", "cache", "prime_cache", "prime_out"):
            shutil.rmtree(work / name, ignore_errors=True)
        scenario = copy_sample(checkout, work / "sample")
        if not args.no_prime:
            m = run_netcover("prime", small_radius(scenario, 3.0), work / "prime_out",
                             work / "prime_cache", checkout, work / "prime.log")
            print(f"numba warm-up (3 km radius, own cache, not counted): {m.wall_s:.1f} s wall")
        results = []
        for case in ("cold", "warm", "tilt"):
            if case == "tilt":
                print(f"tilt change: {change_tilt(work / 'sample' / 'sites.csv', args.tilt_step)}")
            m = run_netcover(case, scenario, work / "out", work / "cache", checkout,
                             work / f"{case}.log")
            print(describe(m), flush=True)
            results.append(m)
        for m in results:
            print(f"\n== {m.case}: per-stage table ==")
            print(m.table or "(none: this checkout prints no per-stage table)")
            print(f"-- {m.case}: each process's sampled peaks --")
            print(describe_processes(m))
        if args.keep:
            print(f"\nlogs, inputs and outputs kept in {work}")
    print("\nWall and CPU of whole fresh processes (start-up included); CPU includes the worker "
          "processes each run waited for; 'process tree' memory is sampled every 0.2 s (PSS: "
          "shared pages divided among the processes that share them; RSS sum: counted in each).")


if __name__ == "__main__":
    main()
