"""A re-run after a changed tilt writes what a fresh run writes, file for file, and the link plan
is planned again only when one of its inputs changed (:mod:`netcover.links.reuse`); plans are
counted, never timed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.core.files import by_key
from netcover.links import step as link_step
from netcover.links.reuse import frame_digest, inputs_key

from .conftest import site_rows, snapshot, write_mini_district, write_sites

#: Files that differ between any two runs (the monitoring store keeps when it was written).
ALWAYS_DIFFERENT = {"history.sqlite"}
LINKS_MANIFEST = by_key("links_manifest").relative


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per link plan made."""
    made: list[int] = []
    plan = link_step._plan

    def counted(data: link_step._LinkInputs) -> object:
        made.append(1)
        return plan(data)

    monkeypatch.setattr(link_step, "_plan", counted)
    return made


def _differ(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k) and k not in ALWAYS_DIFFERENT)


def _fresh(scenario: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """A run into a new folder with a new, empty loss cache."""
    with monkeypatch.context() as m:
        m.setenv("NETCOVER_CACHE_DIR", str(cache))
        run(load_scenario(scenario), out)
    return snapshot(out)


def _first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The mini district's scenario and the folder of its first run (a fixed date)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1727654400")
    scenario = write_mini_district(tmp_path / "mini")
    run(load_scenario(scenario), tmp_path / "out")
    return scenario, tmp_path / "out"


def test_a_rerun_after_a_changed_tilt_writes_what_a_fresh_run_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plans: list[int]) -> None:
    scenario, out = _first_run(tmp_path, monkeypatch)
    assert len(plans) == 1
    run(load_scenario(scenario), out)  # nothing changed: the plan and its files are reused
    assert len(plans) == 1
    rows = site_rows()
    rows[0]["mech_tilt_deg"] = 9
    write_sites(scenario.parent / "sites.csv", rows)
    run(load_scenario(scenario), out)
    again = snapshot(out)
    fresh = _fresh(scenario, tmp_path / "fresh", tmp_path / "fresh-cache", monkeypatch)
    assert _differ(again, fresh) == []
    assert LINKS_MANIFEST in again


def test_the_link_plan_is_made_again_when_a_file_or_an_input_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plans: list[int]) -> None:
    scenario, out = _first_run(tmp_path, monkeypatch)
    first = snapshot(out)
    manifest = json.loads(first[LINKS_MANIFEST])
    ranked = by_key("links_ranked").relative
    assert ranked.split("/", 1)[1] in [f for f, _ in manifest["files"]]
    (out / ranked).write_text("damaged", encoding="utf-8")  # a damaged file: planned again
    run(load_scenario(scenario), out)
    assert len(plans) == 2 and _differ(snapshot(out), first) == []
    text = scenario.read_text(encoding="utf-8")  # a changed link setting: planned again
    scenario.write_text(text + "\n[links.costs]\nyears = 12\n", encoding="utf-8")
    run(load_scenario(scenario), out)
    assert len(plans) == 3
    assert json.loads((out / LINKS_MANIFEST).read_text(encoding="utf-8"))["key"] != manifest["key"]


def test_the_key_sees_every_value_of_its_inputs() -> None:
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    points = gpd.GeoDataFrame({"point_id": ["P1", "P2"], "n": [1, 2]},
                              geometry=[Point(0, 0), Point(1, 1)], crs="EPSG:32648")
    moved = points.copy()
    moved.loc[1, "geometry"] = Point(1, 2)
    assert frame_digest(points) == frame_digest(points.copy())
    assert frame_digest(points) != frame_digest(moved)
    assert frame_digest(points) != frame_digest(points.assign(n=[1, 3]))
    assert frame_digest(points) != frame_digest(points.to_crs("EPSG:4326"))

    def key(level: float, dem: float = 0.0) -> str:
        return inputs_key(frames={"points": points}, arrays={"dem": np.full((2, 2), dem)},
                          settings="s", levels={"rsrp_dbm": {"point:P1": level}})

    assert key(-90.0) == key(-90.0)
    assert key(-90.0) != key(-90.0 + 1e-9)  # exact: one ulp of a level plans again
    assert key(-90.0) != key(-90.0, dem=1.0)


def test_throughputs_with_the_same_decisions_give_the_same_refusals() -> None:
    import pandas as pd

    from netcover.config.link_costs import LinkCosts
    from netcover.links.standalone import cellular_refusal, throughput_decisions

    costs = LinkCosts()
    demand = costs.demand.of("commune_office")
    row = pd.Series({"key": "point:P1"})

    def refusal(mbps: float) -> str:
        return cellular_refusal(row, "commune_office", costs, {"point:P1": -80.0}, demand,
                                 {"point:P1": mbps})

    def decisions(mbps: float) -> object:
        return throughput_decisions({"point:P1": mbps}, costs)

    near = [demand - 0.04, demand - 1e-9, demand, demand + 0.04, 3.21, 3.2100004]
    for a in near:
        for b in near:
            if decisions(a) == decisions(b):
                assert refusal(a) == refusal(b)
    assert decisions(demand - 1e-9) != decisions(demand)  # the same text, either side of demand
    assert decisions(3.21) == decisions(3.2100004)
    assert throughput_decisions({"point:P1": float("nan")}, costs) == {"point:P1": None}


def test_the_key_reads_the_levels_of_terminals_only() -> None:
    """A point on fibre (a root) or a village already on fibre is no terminal: its 4G level and
    busy-hour throughput, which the plan never reads, stay out of the key."""
    import geopandas as gpd
    from shapely.geometry import Point

    from netcover.config.links import LinkSettings

    settings = LinkSettings()
    points = gpd.GeoDataFrame(
        {"point_id": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
         "type": ["commune_office", "commune_office", "bts_hub"],
         "connection": ["none", "fibre", "none"]},
        geometry=[Point(0, 0), Point(1, 0), Point(2, 0)], crs="EPSG:32648")
    settlements = gpd.GeoDataFrame(
        {"settlement_id": ["V1", "V2"], "name": ["x", "y"], "households": [80.0, 80.0],
         "fibre_households": [0.0, 80.0], "population": [400.0, 400.0]},
        geometry=[Point(0, 1), Point(1, 1)], crs="EPSG:32648")
    assert link_step.terminal_keys(points, settlements, settings) == {"point:P1", "village:V1"}
