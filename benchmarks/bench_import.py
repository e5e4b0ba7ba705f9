"""Benchmark of import cost; prints figures and the machine, asserts nothing.

For each statement, in fresh Python processes (nothing cached in memory, the byte-code caches warm):

- ``import netcover`` (the facade),
- ``import netcover.config.scenario`` (reading a scenario; ``netcover.config`` on versions before the
  layout by layers, where that module held the scenario loader),
- ``import netcover; netcover.compute_coverage`` (the public API's main function; reported as
  missing on versions without it),
- ``import netcover.app.cli`` (what every ``netcover`` command loads before parsing its arguments),
- ``import netcover.app.pipeline`` (what ``netcover run`` loads before its first step),

it prints the netcover modules and all modules loaded, the heavy libraries among them, the wall and
CPU time of the statement (medians of ``--runs`` processes, the interpreter's start-up excluded; CPU
time is the steadier figure on a busy machine) and the
cumulative time ``python -X importtime`` reports for the imports the statement made (median too).

Run from the repository root: ``python benchmarks/bench_import.py [--runs 5]``. To measure another
checkout, put it first on the path: ``PYTHONPATH=/path/to/checkout python benchmarks/bench_import.py``
(the netcover measured is printed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEAVY = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "numba", "networkx", "rasterio", "folium",
         "matplotlib", "sqlite3", "scipy", "click", "xarray", "openpyxl")
_MARK = "--- bench_import: the statement starts here ---"


@dataclass(frozen=True)
class Measure:
    """What one statement loads and how long it takes."""

    statement: str
    netcover_modules: int
    all_modules: int
    heavy: tuple[str, ...]
    wall_ms: float
    cpu_ms: float
    importtime_us: int
    note: str


def _run(code: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *extra, "-c", code], capture_output=True, text=True,
                          check=True, env=os.environ.copy())


def _probe(statement: str) -> str:
    """Code that runs ``statement`` and prints its time and the modules loaded, as JSON."""
    return (
        "import sys, time\n"
        f"sys.stderr.write({_MARK!r} + '\\n')\n"
        "t0, c0 = time.perf_counter(), time.process_time()\n"
        "note = ''\n"
        "try:\n"
        f"    exec({statement!r})\n"
        "except AttributeError as exc:\n"
        "    note = f'not available: {exc}'\n"
        "wall, cpu = time.perf_counter() - t0, time.process_time() - c0\n"
        "import json\n"
        "print(json.dumps({'wall': wall, 'cpu': cpu, 'modules': sorted(sys.modules), 'note': note}))\n"
    )


def _importtime_us(stderr: str) -> int:
    """Sum of the cumulative times (us) of the top-level imports after the mark."""
    total = 0
    after = False
    for line in stderr.splitlines():
        if line == _MARK:
            after = True
            continue
        if not after or not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not name[1:].startswith(" "):  # one space after the bar: imported by the statement itself
            total += int(cumulative)
    return total


def measure(statement: str, runs: int) -> Measure:
    """Run ``statement`` in ``runs`` fresh processes, and once more under ``-X importtime``."""
    walls, cpus, modules, note = [], [], [], ""
    for _ in range(runs):
        result = json.loads(_run(_probe(statement)).stdout.splitlines()[-1])
        walls.append(result["wall"])
        cpus.append(result["cpu"])
        modules = result["modules"]
        note = result["note"]
    importtimes = [_importtime_us(_run(_probe(statement), "-X", "importtime").stderr) for _ in range(runs)]
    loaded = set(modules)
    return Measure(
        statement=statement,
        netcover_modules=sum(1 for m in modules if m == "netcover" or m.startswith("netcover.")),
        all_modules=len(modules),
        heavy=tuple(name for name in HEAVY if name in loaded),
        wall_ms=1000 * statistics.median(walls),
        cpu_ms=1000 * statistics.median(cpus),
        importtime_us=int(statistics.median(importtimes)),
        note=note,
    )


def statements() -> list[str]:
    """The statements measured; ``netcover.config`` stands in for ``netcover.config.scenario`` on
    versions before the layout by layers."""
    found = json.loads(_run(
        "import importlib.util, json, netcover\n"
        "try:\n"
        "    new = importlib.util.find_spec('netcover.config.scenario') is not None\n"
        "except ModuleNotFoundError:  # netcover.config is a module, not a package\n"
        "    new = False\n"
        "print(json.dumps([netcover.__file__, new]))").stdout)
    print(f"netcover measured: {Path(found[0]).parent}")
    scenario = "netcover.config.scenario" if found[1] else "netcover.config"
    more = [f"import netcover.app.{m}" for m in ("cli", "pipeline")
            if importlib.util.find_spec(f"netcover.app.{m}") is not None] if found[1] else []
    return ["import netcover", f"import {scenario}", "import netcover; netcover.compute_coverage",
            *more]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per statement (median)")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from _machine import machine_description

    print(machine_description())
    baseline = measure("pass", args.runs)
    print(f"Interpreter alone: {baseline.all_modules} modules loaded at start-up (not counted below)\n")
    measured = statements()
    print(f"{'statement':<45} {'netcover':>8} {'all':>5} {'wall ms':>8} {'CPU ms':>8} "
          f"{'importtime us':>14}  heavy libraries")
    for statement in measured:
        m = measure(statement, args.runs)
        heavy = ", ".join(m.heavy) or "none"
        print(f"{statement:<45} {m.netcover_modules:>8} {m.all_modules:>5} {m.wall_ms:>8.1f} "
              f"{m.cpu_ms:>8.1f} {m.importtime_us:>14,}  {heavy}")
        if m.note:
            print(f"    ({m.note})")
    print(f"\nMedians of {args.runs} fresh processes; 'all' counts every module in sys.modules, the "
          "interpreter's own included; 'importtime us' sums the cumulative times of the imports the "
          "statement made (python -X importtime).")


if __name__ == "__main__":
    main()
