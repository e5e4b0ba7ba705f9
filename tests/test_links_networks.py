"""One link plan per network (issue 14): owners, sharing, backhaul of existing and new sites."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from netcover.config.links import LinkSettings
from netcover.data.sites import SITE_COLUMNS, check_sites, read_sites, site_table
from netcover.errors import ScenarioError
from netcover.links.networks import (
    GOVERNMENT,
    NetworkPlans,
    default_operator,
    new_site_backhaul,
    plan_networks,
)
from netcover.links.step import new_sites, with_backhaul_costs

CRS = "EPSG:32648"
X0, Y0, CELL, N = 500_000.0, 2_560_000.0, 50.0, 200  # 10 km x 10 km flat DEM
Y = 2_551_000.0  # the east-west road
SETTINGS = LinkSettings(n_hilltops=0, max_hop_km=3.0)


def _gdf(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _scene(backhaul: bool = True) -> dict[str, object]:
    """An east-west road with VNPT fibre on its west end, a north-south road with Viettel fibre on
    its south part; a VNPT site on VNPT fibre, a Viettel site on Viettel fibre, a Viettel site
    without backhaul at the east end (when ``backhaul``), a fibre-connected agency and a school."""
    ew = [(501_000.0 + 1000 * k, Y) for k in range(9)]
    ns = [(505_000.0, Y + 1000 * k) for k in range(7)]
    roads = _gdf([{"road_id": "R1", "class": "commune", "geometry": LineString(ew)},
                  {"road_id": "R2", "class": "commune", "geometry": LineString(ns)}])
    fibre = _gdf([{"route_id": "F1", "owner": "VNPT", "geometry": LineString(ew[:3])},
                  {"route_id": "F2", "owner": "Viettel", "geometry": LineString(ns[:5])}])
    points = _gdf([
        {"point_id": "P1", "name": "District agency", "type": "district_agency",
         "connection": "fibre", "geometry": Point(501_000, Y + 50)},
        {"point_id": "P2", "name": "Hill school", "type": "school", "connection": "none",
         "geometry": Point(505_100, 2_556_000)}])
    sites = _gdf([
        {"site_id": "VNP1", "operator": "VNPT", "height_m": 30.0, "geometry": Point(501_500, Y + 40)},
        {"site_id": "VTL1", "operator": "Viettel", "height_m": 30.0,
         "geometry": Point(505_050, 2_555_000)},
        {"site_id": "VTL2", "operator": "Viettel", "height_m": 30.0,
         "geometry": Point(508_000, Y + 100)}])
    if backhaul:
        sites["backhaul"] = ["", "fibre", "none"]
    settlements = gpd.GeoDataFrame({"settlement_id": [], "name": [], "households": [],
                                    "fibre_households": []}, geometry=[], crs=CRS)
    return {"roads": roads, "fibre_routes": fibre, "points": points, "sites": sites,
            "settlements": settlements, "dem": np.full((N, N), 1000.0, dtype=np.float32),
            "origin_xy": (X0, Y0), "cell_size_m": CELL}


def _new_vnpt_site() -> gpd.GeoDataFrame:
    """A new VNPT site 1.5 km from the Viettel site, 7 km by road from VNPT's network."""
    return _gdf([{"site_id": "NEW1", "operator": "VNPT", "height_m": 30.0,
                  "geometry": Point(505_300, 2_556_500)}])


def _plans(settings: LinkSettings = SETTINGS, **changes: object) -> NetworkPlans:
    data = {**_scene(), **changes}
    return plan_networks(**data, settings=settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def alone() -> NetworkPlans:
    return _plans(candidates=_new_vnpt_site())


@pytest.fixture(scope="module")
def shared() -> NetworkPlans:
    return _plans(LinkSettings(n_hilltops=0, max_hop_km=3.0, sharing=True),
                  candidates=_new_vnpt_site())


def _ends(plan_ranked: pd.DataFrame) -> str:
    return " ".join(plan_ranked["from_name"].astype(str) + " " + plan_ranked["to_name"].astype(str))


def test_one_plan_per_network_each_with_its_owner(alone: NetworkPlans) -> None:
    assert list(alone.plans) == [GOVERNMENT, "VNPT", "Viettel"]
    assert alone.plans[GOVERNMENT].owner == "VNPT"  # the government carrier (default)
    r = alone.combined.ranked
    assert set(r["network"]) == {GOVERNMENT, "VNPT", "Viettel"}
    assert r["link_id"].is_unique
    assert (r["owner"] == r["network"].replace({GOVERNMENT: "VNPT"})).all()
    assert set(alone.combined.links["network"]) == set(r["network"])
    assert "Link plan (VNPT)" in alone.summary() and "All networks" in alone.summary()


def test_no_link_joins_two_owners_without_sharing(alone: NetworkPlans) -> None:
    r = alone.combined.ranked
    assert (r["shared_with"] == "").all() and not r["owner"].str.contains("+", regex=False).any()
    vnpt = r[r["network"] == "VNPT"]
    viettel = r[r["network"] == "Viettel"]
    gov = r[r["network"] == GOVERNMENT]
    assert "Viettel" not in _ends(vnpt) and "VNPT" not in _ends(viettel)
    # the government network hangs on no BTS tower and no BTS on a government point
    assert "site" not in _ends(gov)
    assert "agency" not in _ends(vnpt) + _ends(viettel)
    # nor does it reuse Viettel's fibre along the north-south road: it trenches new fibre
    assert gov["reused_km"].sum() == pytest.approx(0.0)
    # the VNPT site goes the long way on VNPT's own network: about 7.5 km of road
    assert vnpt["cost"].sum() > 50_000


def test_sharing_marks_both_owners_and_the_saving(alone: NetworkPlans,
                                                  shared: NetworkPlans) -> None:
    r = shared.combined.ranked
    vnpt = r[r["network"] == "VNPT"]
    used = vnpt[vnpt["shared_with"] != ""]
    assert len(used) >= 1
    assert (used["shared_with"] == "Viettel").all() and (used["owner"] == "VNPT+Viettel").all()
    saving = alone.plans["VNPT"].total_cost - shared.plans["VNPT"].total_cost
    assert saving > 30_000  # a 1.5 km spur instead of 7.5 km of road
    assert shared.plans["VNPT"].sharing_saving == pytest.approx(saving)
    assert used["sharing_saving"].to_numpy() == pytest.approx(saving)
    assert vnpt.loc[vnpt["shared_with"] == "", "sharing_saving"].isna().all()
    assert shared.unshared["VNPT"].total_cost == pytest.approx(alone.plans["VNPT"].total_cost)
    assert "Sharing:" in shared.summary()


def test_new_sites_are_terminals_of_their_operators_plan(alone: NetworkPlans) -> None:
    r = alone.combined.ranked
    assert r.loc[r["serves_key"] == "candidate:NEW1", "network"].tolist() == ["VNPT"]
    cost = new_site_backhaul(alone.combined, ["candidate:NEW1", "candidate:NOPE"])
    assert cost.loc[0, "network"] == "VNPT"
    assert cost.loc[0, "backhaul_cost"] == pytest.approx(alone.plans["VNPT"].total_cost)
    assert np.isnan(cost.loc[1, "backhaul_cost"]) and cost.loc[1, "note"]


def test_backhaul_costs_of_a_plan_add_up_to_its_cost(alone: NetworkPlans) -> None:
    gov = alone.plans[GOVERNMENT]
    keys = gov.ranked.loc[gov.ranked["serves_key"] != "", "serves_key"].tolist()
    cost = new_site_backhaul(gov, keys)
    assert cost["backhaul_cost"].sum() == pytest.approx(gov.total_cost)
    table = pd.DataFrame({"candidate_id": ["NEW1"], "cost": [100_000.0]})
    out = with_backhaul_costs(table, "candidate_id", alone.combined,
                              straight_line_cost=np.array([8_000.0]))
    want = 100_000.0 - 8_000.0 + round(alone.plans["VNPT"].total_cost)
    assert out["cost_with_planned_backhaul"].iloc[0] == pytest.approx(want)
    # the site plan is in USD, a VND link plan's cost enters at the exchange rate
    usd = with_backhaul_costs(table, "candidate_id", alone.combined,
                              straight_line_cost=np.array([8_000.0]), per_usd=26_000.0)
    assert usd["backhaul_currency"].iloc[0] == alone.combined.currency == "VND"
    assert usd["cost_with_planned_backhaul"].iloc[0] == pytest.approx(
        100_000.0 - 8_000.0 + round(alone.plans["VNPT"].total_cost) / 26_000.0, abs=0.5)
    assert out["backhaul_network"].iloc[0] == "VNPT"


def test_the_site_plan_sites_reach_their_operators_plan() -> None:
    """The site plan's sites (no operator of their own) go to the operator with most sites."""
    data = _scene()
    cands = _new_vnpt_site().assign(candidate_id="C7")
    site_plan = SimpleNamespace(
        ranked=pd.DataFrame({"candidate_id": ["C7"], "height_m": [30.0]}),
        problem=SimpleNamespace(candidates=cands), result=SimpleNamespace(chosen=[0]))
    sites = data["sites"]
    cells = sites.assign(cell_id=sites["site_id"] + "-1", technology="4G")
    inputs = SimpleNamespace(cells=cells, crs=CRS,
                             scenario=SimpleNamespace(siting=SimpleNamespace(baseline_operator="")))
    news = new_sites(inputs, SETTINGS, site_plan=site_plan)  # type: ignore[arg-type]
    assert news is not None and news["operator"].tolist() == [""]
    plans = plan_networks(**{**data, "candidates": news}, settings=SETTINGS)  # type: ignore[arg-type]
    r = plans.combined.ranked
    assert r.loc[r["serves_key"] == "candidate:C7", "network"].tolist() == ["Viettel"]  # 2 of 3
    assert "1 new site(s) without an operator are built by Viettel" in plans.summary()
    baseline = SimpleNamespace(siting=SimpleNamespace(baseline_operator="VNPT"))
    news = new_sites(SimpleNamespace(**{**vars(inputs), "scenario": baseline}),  # type: ignore[arg-type]
                     SETTINGS, site_plan=site_plan)
    assert news is not None and news["operator"].tolist() == ["VNPT"]
    assert default_operator(sites, LinkSettings(new_sites_operator="VNPT")) == "VNPT"
    assert default_operator(sites, SETTINGS, baseline="MobiFone") == "MobiFone"


def test_a_site_with_backhaul_none_is_a_terminal_one_without_the_column_is_not() -> None:
    with_column = _plans()
    viettel = with_column.plans["Viettel"]
    assert viettel.n_terminals == 1
    assert viettel.ranked["serves_key"].tolist()[-1] == "site:VTL2"
    assert with_column.plans["VNPT"].n_terminals == 0  # an empty backhaul: backhauled
    without = _plans(sites=_scene(backhaul=False)["sites"])
    assert "backhaul" not in _scene(backhaul=False)["sites"].columns  # type: ignore[attr-defined]
    assert all(without.plans[op].n_terminals == 0 for op in ("VNPT", "Viettel"))
    assert "nothing to connect" in without.plans["Viettel"].summary()


def _cells(**extra: list[object]) -> pd.DataFrame:
    row = {"site_id": "S1", "cell_id": "S1-1", "operator": "Viettel", "technology": "4G",
           "lon": 105.0, "lat": 23.0, "height_m": 30, "azimuth_deg": 0, "mech_tilt_deg": 2,
           "elec_tilt_deg": 4, "frequency_mhz": 1800, "bandwidth_mhz": 10, "tx_power_dbm": 43,
           "antenna_gain_dbi": 17, "h_beamwidth_deg": 65, "v_beamwidth_deg": 7, "pattern_file": ""}
    cells = pd.DataFrame([row, {**row, "cell_id": "S1-2", "azimuth_deg": 120},
                          {**row, "site_id": "S2", "cell_id": "S2-1", "lon": 105.1}])
    assert set(SITE_COLUMNS) <= set(cells.columns)
    return cells.assign(**extra)


def test_a_bad_backhaul_value_is_refused_with_file_row_and_choices(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    _cells(backhaul=["fibre", "Fibre ", "copper"]).to_csv(path, index=False)
    sites, problems = read_sites(path)
    assert sites is None
    text = [str(p) for p in problems]
    assert len(text) == 1, text
    assert str(path) in text[0] and "row 4" in text[0] and "'copper'" in text[0]
    assert "fibre, microwave, satellite, none, unknown" in text[0]


def test_backhaul_values_are_normalised_and_must_agree_within_a_site() -> None:
    sites, problems = check_sites(_cells(backhaul=[" Microwave", "", None]), label="s.csv")
    assert sites is not None and not problems
    assert site_table(sites).set_index("site_id")["backhaul"].to_dict() == {"S1": "microwave",
                                                                            "S2": ""}
    sites, problems = check_sites(_cells(backhaul=["fibre", "none", ""]), label="s.csv")
    assert sites is None and "different backhaul" in str(problems[0])
    assert "row 2, row 3" in str(problems[0])


def test_link_settings_of_the_networks_are_checked() -> None:
    with pytest.raises(ScenarioError, match="villages_network"):
        LinkSettings(villages_network=" ")
    with pytest.raises(ScenarioError, match="government_carrier must be a string"):
        LinkSettings(government_carrier=3)  # type: ignore[arg-type]


def test_an_operator_without_a_network_here_has_its_sites_unreachable() -> None:
    lone = _gdf([{"site_id": "MBF1", "operator": "MobiFone", "height_m": 30.0, "backhaul": "none",
                  "geometry": Point(506_000, Y + 100)}])
    sites = pd.concat([_scene()["sites"], lone], ignore_index=True)
    plans = _plans(sites=sites)
    mbf = plans.plans["MobiFone"]
    assert mbf.n_terminals == 1 and len(mbf.ranked) == 0
    assert [u.key for u in mbf.unreachable] == ["site:MBF1"]
    assert "MobiFone has no existing network here" in mbf.unreachable[0].reason
    assert "1 unreachable" in plans.summary()


def test_fibre_owners_are_compared_without_regard_to_case(alone: NetworkPlans) -> None:
    fibre = _scene()["fibre_routes"].assign(owner=["vnpt", "VIETTEL"])  # type: ignore[attr-defined]
    plans = _plans(fibre_routes=fibre, candidates=_new_vnpt_site())
    for name, plan in alone.plans.items():
        assert plans.plans[name].total_cost == pytest.approx(plan.total_cost)
    assert (plans.combined.ranked["shared_with"] == "").all()


def test_a_hop_too_small_for_the_demand_behind_it_is_left_out() -> None:
    """A new VNPT site 2 km from VNPT's site on fibre, off the roads: a hop at the default demand;
    asked for more than any hop carries, the hop is left out and the site is unreachable, saying
    why."""
    import dataclasses

    from netcover.config.link_costs import Demand
    from netcover.links.networks import overloaded_hops

    near = _gdf([{"site_id": "NEW2", "operator": "VNPT", "height_m": 30.0,
                  "geometry": Point(501_500, Y + 2_040)}])
    hop = _plans(candidates=near).plans["VNPT"]
    assert "microwave" in hop.ranked["type"].tolist() and not overloaded_hops(hop)
    big = dataclasses.replace(SETTINGS.costs, demand=Demand(candidate=5_000.0))
    plan = _plans(dataclasses.replace(SETTINGS, costs=big), candidates=near).plans["VNPT"]
    assert "microwave" not in plan.ranked["type"].tolist()
    assert [u.key for u in plan.unreachable] == ["candidate:NEW2"]
    assert "too small for the demand" in plan.unreachable[0].reason
    assert any("1 hop(s) left out: too small for the demand" in w for w in plan.warnings)
