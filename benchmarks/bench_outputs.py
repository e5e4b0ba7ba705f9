"""Benchmark of the outputs of a run: print maps, charts, reports, the export and the interactive
maps (``build_outputs``), drawn cold and reused warm, and the hop-profile plots of the link plan;
prints figures and the machine, asserts nothing.

1. Outputs of a results folder (``netcover run``'s output folder; default: the bundled sample is
   run into a temporary folder first): everything drawn (``reuse=False``), then a second build
   from the same results with the first as ``previous`` (what ``netcover run`` does when nothing
   changed). Wall and CPU time (``time.process_time``: the machine may be shared) and file sizes.
2. The sample's hop-profile PNGs: drawn, then taken from the previous folder.

Run: ``python benchmarks/bench_outputs.py [RESULTS]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _machine import machine_description

SAMPLE = Path(__file__).resolve().parent.parent / "gis_data" / "quan_ba"


def _timed(label: str, action: object) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()  # type: ignore[operator]
    print(f"  {label:<34} {time.perf_counter() - wall:6.2f} s wall, "
          f"{time.process_time() - cpu:6.2f} s CPU")
    return result


def _size(folder: Path, pattern: str) -> str:
    files = list(folder.glob(pattern))
    return f"{pattern}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.2f} MB"


def bench_outputs(results: Path, tmp: Path) -> None:
    import folium  # noqa: F401  (imports outside the timing)
    import matplotlib  # noqa: F401

    from netcover.app.pipeline import interactive_maps
    from netcover.outputs.report import build_outputs
    from netcover.outputs.results import RunFolder

    run = RunFolder.open(results)
    cold, warm = tmp / "cold", tmp / "warm"
    print(f"outputs of {results}")
    _timed("cold (everything drawn)", lambda: build_outputs(
        run, cold, map_builder=interactive_maps, reuse=False))
    _timed("warm (same results, previous given)", lambda: build_outputs(
        run, warm, map_builder=interactive_maps, previous=cold))
    for pattern in ("print/*.png", "print/*.pdf", "report_*.html", "map_*.html", "exports/*.kmz"):
        print(f"  {_size(cold, pattern)}")


def bench_hop_profiles(tmp: Path) -> None:
    from bench_links import load_sample

    from netcover.links import LinkSettings, plan_links, write_link_plan

    plan = plan_links(**load_sample(SAMPLE), settings=LinkSettings())  # type: ignore[arg-type]
    print(f"hop profiles of the sample ({len(plan.hop_profiles)} hops)")
    _timed("cold (drawn)", lambda: write_link_plan(plan, tmp / "links_cold"))
    _timed("warm (previous given)", lambda: write_link_plan(plan, tmp / "links_warm",
                                                            previous=tmp / "links_cold"))
    print(f"  {_size(tmp / 'links_cold', 'hop_profiles/*.png')}")


def _sample_results(tmp: Path) -> Path:
    from netcover.app.pipeline import run
    from netcover.app.sample import sample_scenario

    out = tmp / "sample_run"
    print("running the sample first (netcover run) ...")
    run(sample_scenario(), out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, help="a `netcover run` output folder")
    args = parser.parse_args()
    print(machine_description())
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bench_outputs(args.results or _sample_results(tmp), tmp)
        bench_hop_profiles(tmp)


if __name__ == "__main__":
    main()
