"""End-to-end link plan on the bundled Quản Bạ sample (marked slow; skipped if the sample is absent)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from netcover.links import LinkSettings, plan_links, write_link_plan

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "gis_data" / "quan_ba"
NEEDED = ("dem.tif", "roads.gpkg", "network.gpkg", "settlements.gpkg", "sites.csv")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not all((SAMPLE / f).exists() for f in NEEDED),
                       reason="the bundled sample is not there"),
]


def test_sample_plan_connects_every_reachable_terminal(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_links import load_sample
    finally:
        sys.path.pop(0)
    plan = plan_links(**load_sample(SAMPLE), settings=LinkSettings())  # type: ignore[arg-type]
    served = int(plan.ranked["n_served"].sum())
    assert served + len(plan.unreachable) == plan.n_terminals > 0
    assert all(u.reason for u in plan.unreachable)
    assert plan.saving > 0 and "saving" in plan.summary()
    files = write_link_plan(plan, tmp_path)
    n_hops = int((plan.ranked["type"] == "microwave").sum())
    assert len(files) == 4 + n_hops  # links.gpkg, links_ranked.csv, links_terminals.csv and
    # links_assumptions.csv (issue 14)
    # a hop's benefit is what it unlocks: not one figure for every hop; the first phase, which
    # builds the trunks, is credited with the people behind them
    from netcover.links import phase_summary

    hops = plan.ranked[plan.ranked["type"] == "microwave"]
    assert hops["benefit_per_kusd"].round(6).nunique() > 1
    phases = phase_summary(plan.ranked).set_index("phase")
    assert phases.loc[1, "people_unlocked"] > 0
    assert phases["people_unlocked"].sum() == pytest.approx(phases["people_connected"].sum(), abs=2)
