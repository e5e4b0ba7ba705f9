"""The whole link plan on a small synthetic district built in code, and its outputs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from netcover.config.link_costs import LinkCosts
from netcover.errors import CRSError, InputError, ValidationError
from netcover.links import LinkPlan, LinkSettings, output, plan_links, write_link_plan
from netcover.links.plan_tables import HopProfile

CRS = "EPSG:32648"
#: The network planner alone (issue 14 added standalone subscriptions and running costs): no
#: cellular or satellite option and no OPEX, so a link's net present cost is its CAPEX.
NETWORK_ONLY = LinkCosts(technologies=("fibre", "microwave"), fibre_opex_per_km_year=0.0,
                         hop_opex_per_year=0.0)
X0, Y0, CELL, N = 500_000.0, 2_560_000.0, 50.0, 200  # 10 km x 10 km DEM
PIT = (500_500.0, 503_000.0, 2_557_500.0, 2_559_500.0)  # x0, x1, y0, y1 of a 300 m deep basin


def _dem() -> np.ndarray:
    """Flat 1,000 m plateau with a closed basin (700 m) in the north-west corner."""
    dem = np.full((N, N), 1000.0, dtype=np.float32)
    c0, c1 = int((PIT[0] - X0) / CELL), int((PIT[1] - X0) / CELL)
    r0, r1 = int((Y0 - PIT[3]) / CELL), int((Y0 - PIT[2]) / CELL)
    dem[r0:r1, c0:c1] = 700.0
    return dem


def _line(*xy: tuple[float, float]) -> LineString:
    return LineString(xy)


def _gdf(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _scene() -> dict[str, gpd.GeoDataFrame]:
    y = 2_551_000.0
    roads = _gdf([
        {"road_id": "R1", "name": "QL4C", "class": "national",
         "geometry": _line(*[(501_000.0 + 1000 * k, y) for k in range(9)])},
        {"road_id": "R2", "name": "commune road", "class": "commune",
         "geometry": _line(*[(505_000.0, y + 1000 * k) for k in range(7)])},
        {"road_id": "R3", "name": "basin track", "class": "track",
         "geometry": _line((501_000.0, 2_558_000.0), (502_000.0, 2_558_000.0))},
    ])
    fibre = _gdf([{"route_id": "F1", "owner": "VNPT", "year": 2019,
                   "geometry": _line(*[(501_000.0 + 1000 * k, y) for k in range(4)])}])
    points = _gdf([
        {"point_id": "P1", "name": "District agency", "type": "district_agency",
         "commune_code": "00874", "connection": "fibre", "geometry": Point(501_000, y + 50)},
        {"point_id": "P2", "name": "Commune office A", "type": "commune_office",
         "commune_code": "00877", "connection": "lan",  # own uplink: still a terminal
         "geometry": Point(505_100, 2_556_000)},
        {"point_id": "P3", "name": "Hill school", "type": "school", "commune_code": "00877",
         "connection": "none", "geometry": Point(508_000, 2_557_500)},
        {"point_id": "P4", "name": "Basin health station", "type": "health_station",
         "commune_code": "00880", "connection": "none", "geometry": Point(501_500, 2_558_100)},
        {"point_id": "P5", "name": "Warehouse", "type": "other", "commune_code": "00880",
         "connection": "none", "geometry": Point(504_000, 2_552_000)},
    ])
    sites = _gdf([
        {"site_id": "S1", "operator": "Viettel", "height_m": 40.0, "backhaul": "none",
         "geometry": Point(507_000, 2_555_000)},
        {"site_id": "S2", "operator": "VNPT", "height_m": 35.0, "backhaul": "fibre",
         "geometry": Point(503_000, y + 40)},
    ])
    settlements = _gdf([
        {"settlement_id": "V1", "name": "Village one", "commune_code": "00877",
         "population": 400, "households": 80, "fibre_households": 0,
         "geometry": Point(505_300, 2_553_000)},
        {"settlement_id": "V2", "name": "Small hamlet", "commune_code": "00877",
         "population": 120, "households": 30, "fibre_households": 0,
         "geometry": Point(506_000, 2_552_000)},
        {"settlement_id": "V3", "name": "Fibre village", "commune_code": "00877",
         "population": 500, "households": 100, "fibre_households": 40,
         "geometry": Point(505_200, 2_554_000)},
    ])
    return {"roads": roads, "fibre_routes": fibre, "points": points, "sites": sites,
            "settlements": settlements}


def _plan(settings: LinkSettings | None = None, **layers: gpd.GeoDataFrame) -> LinkPlan:
    data = {**_scene(), **layers}
    return plan_links(data["roads"], data["fibre_routes"], data["points"], data["sites"],
                      data["settlements"], _dem(), (X0, Y0), CELL,
                      settings or LinkSettings(n_hilltops=0, costs=NETWORK_ONLY))


@pytest.fixture(scope="module")
def plan() -> LinkPlan:
    return _plan()


def test_plan_connects_every_reachable_terminal(plan: LinkPlan) -> None:
    # terminals: P2, P3, P4, S1, V1 (P5 is "other", V2 too small, V3 has fibre)
    assert plan.n_terminals == 5
    served = set(plan.ranked["serves"]) - {""}
    assert served == {"Commune office A", "Hill school", "site S1 (Viettel)", "Village one"}
    assert plan.ranked["n_served"].sum() == 4


def test_basin_terminal_is_reported_by_name_with_reasons(plan: LinkPlan) -> None:
    assert [u.name for u in plan.unreachable] == ["Basin health station"]
    reason = plan.unreachable[0].reason
    assert "does not lead to the existing network" in reason
    assert "no microwave hop clears" in reason
    assert "Basin health station" in plan.summary()


def test_school_off_road_is_reached_by_a_microwave_hop(plan: LinkPlan) -> None:
    hops = plan.ranked[plan.ranked["type"] == "microwave"]
    assert len(hops)
    assert ((hops["from_name"] == "Hill school") | (hops["to_name"] == "Hill school")).any()
    assert (hops["clearance_f1"] >= 0.6).all()
    assert (hops["fade_margin_db"] >= LinkSettings().fade_margin_db).all()
    assert (hops["cost"] == LinkSettings().hop_equipment_cost).all()
    assert set(plan.hop_profiles) == set(hops["link_id"])


def test_costs_saving_and_build_order(plan: LinkPlan) -> None:
    r = plan.ranked
    assert plan.total_cost == pytest.approx(r["cost"].sum())
    assert plan.saving == pytest.approx(plan.naive_cost - plan.total_cost)
    assert plan.saving >= 0.0
    assert list(r["rank"]) == list(range(1, len(r) + 1))
    rank_of = dict(zip(r["link_id"], r["rank"], strict=True))
    phase_of = dict(zip(r["link_id"], r["phase"], strict=True))
    for lid, parent in zip(r["link_id"], r["parent_link"], strict=True):
        if parent:
            assert rank_of[parent] < rank_of[lid]
            assert phase_of[parent] <= phase_of[lid]
    # downstream counts: the links leaving the network carry every connected institution
    top = r[r["parent_link"] == ""]
    assert top["institutions"].sum() == 2 and top["sites"].sum() == 1
    assert top["households"].sum() == 80
    assert "saving" in plan.summary()


def test_village_fibre_runs_along_the_road(plan: LinkPlan) -> None:
    village = plan.links[plan.links["serves"] == "Village one"]
    assert len(village) == 1 and village["type"].iloc[0] == "fibre"
    geom = village.geometry.iloc[0]
    assert geom.coords[-1] == pytest.approx((505_300.0, 2_553_000.0))
    assert village["new_km"].iloc[0] > 0


def test_write_link_plan(plan: LinkPlan, tmp_path: Path) -> None:
    files = write_link_plan(plan, tmp_path / "out")
    gpkg = tmp_path / "out" / "links.gpkg"
    assert files[0] == gpkg
    assert pyogrio.list_layers(gpkg)[:, 0].tolist() == ["planned_links"]
    back = gpd.read_file(gpkg, layer="planned_links")
    assert back.crs is not None and back.crs.to_epsg() == 32648
    assert len(back) == len(plan.links)
    table = pd.read_csv(tmp_path / "out" / "links_ranked.csv")
    assert list(table["link_id"]) == list(plan.ranked["link_id"])
    pngs = sorted((tmp_path / "out" / "hop_profiles").glob("*.png"))
    assert len(pngs) == len(plan.hop_profiles) and pngs
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "out").glob(".*tmp*"))  # no temporary file left behind


def test_an_unchanged_hop_plot_is_taken_from_the_previous_run(
        plan: LinkPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    write_link_plan(plan, first)
    pngs = sorted((first / "hop_profiles").glob("*.png"))
    good = pngs[0].read_bytes()
    pngs[0].write_bytes(good[: len(good) // 2])  # damaged: drawn again
    drawn: list[str] = []
    draw = output.plot_hop_profile

    def counted(hop: HopProfile, path: Path) -> Path:
        drawn.append(hop.link_id)
        return draw(hop, path)

    monkeypatch.setattr(output, "plot_hop_profile", counted)
    write_link_plan(plan, second, previous=first)
    assert len(drawn) == 1 and drawn[0] in pngs[0].name
    assert (second / "hop_profiles" / pngs[0].name).read_bytes() == good
    for p in pngs[1:]:  # the others are the previous run's files, linked
        assert (second / "hop_profiles" / p.name).stat().st_ino == p.stat().st_ino
    changed = {k: dataclasses.replace(h, fade_margin_db=h.fade_margin_db + 1.0)
               for k, h in plan.hop_profiles.items()}
    write_link_plan(dataclasses.replace(plan, hop_profiles=changed), third, previous=second)
    assert len(drawn) == 1 + len(pngs)  # a changed setting draws every hop again


def test_without_hops_the_school_is_unreachable_by_road() -> None:
    plan = _plan(LinkSettings(n_hilltops=0, max_hop_km=0.5, costs=NETWORK_ONLY))
    names = {u.name: u.reason for u in plan.unreachable}
    assert "no road within 500 m" in names["Hill school"]
    assert "Basin health station" in names
    assert (plan.ranked["type"] == "fibre").all()


def test_hilltop_relay_and_candidates() -> None:
    cand = _gdf([{"site_id": "C1", "operator": "MobiFone", "height_m": 30.0,
                  "geometry": Point(509_000, 2_559_000)}])
    data = _scene()
    plan = plan_links(data["roads"], data["fibre_routes"], data["points"], data["sites"],
                      data["settlements"], _dem(), (X0, Y0), CELL,
                      LinkSettings(n_hilltops=3, costs=NETWORK_ONLY), candidates=cand)
    assert plan.n_terminals == 6
    assert "candidate site C1 (MobiFone)" in set(plan.ranked["serves"])


def test_input_errors_are_specific() -> None:
    data = _scene()
    with pytest.raises(CRSError, match="to_crs"):
        _plan(roads=data["roads"].to_crs("EPSG:32647"))
    with pytest.raises(ValidationError) as err:
        _plan(points=data["points"].drop(columns="connection"),
              roads=data["roads"].assign(**{"class": ["national", "highway", "track"]}))
    text = err.value.report()
    assert "connection" in text and "'highway'" in text
    with pytest.raises(ValidationError, match="height_m"):
        _plan(sites=data["sites"].assign(height_m=[40.0, np.nan]))
    nobody = data["points"].assign(connection="none")
    with pytest.raises(InputError, match="no existing network"):
        _plan(points=nobody, fibre_routes=data["fibre_routes"].iloc[:0],
              sites=data["sites"].assign(backhaul="none"))


def test_duplicate_site_rows_are_refused_with_the_fix() -> None:
    sites = _scene()["sites"]
    with pytest.raises(ValidationError, match="site_table"):
        _plan(sites=pd.concat([sites, sites.iloc[:1]]))


def test_a_point_next_to_an_off_road_office_gets_a_drop_not_a_hop() -> None:
    points = _scene()["points"]
    twin = points[points["point_id"] == "P3"].assign(point_id="P6", name="Hill clinic",
                                                     type="health_station")
    twin["geometry"] = twin.geometry.translate(60.0, 0.0)
    plan = _plan(points=pd.concat([points, twin], ignore_index=True))
    clinic = plan.ranked[plan.ranked["serves"] == "Hill clinic"]
    assert len(clinic) == 1 and clinic["type"].iloc[0] == "fibre"
    assert clinic["cost"].iloc[0] == pytest.approx(0.06 * LinkSettings().last_mile_cost_per_km)


def test_empty_optional_layers_need_no_columns_or_crs() -> None:
    empty = gpd.GeoDataFrame(geometry=[])
    plan = _plan(fibre_routes=empty, settlements=empty)
    assert plan.links.crs is not None and plan.links.crs.to_epsg() == 32648
    assert "Village one" not in set(plan.ranked["serves"])
    assert plan.n_terminals == 4


def test_busy_hop_ends_are_warned_about() -> None:
    plan = _plan(LinkSettings(n_hilltops=0, max_hops_per_end=1, costs=NETWORK_ONLY))
    busy = [w for w in plan.warnings if "max_hops_per_end" in w]
    assert busy and busy[0].startswith("District agency ends 3 microwave hops")
    assert "warning: District agency" in plan.summary()


def test_a_link_benefits_from_everything_it_unlocks() -> None:
    """A trunk (0) -> branch (1) -> hop (2) to a village of 1,266 people, and a lone hop (3) to a
    site: the trunk and branch unlock the village too; the lone hop unlocks only its site."""
    from netcover.links import phase_summary, subtree_sums

    parent = [None, 0, 1, None]
    people = np.array([0.0, 0.0, 1266.0, 0.0])
    benefit = np.array([0.0, 0.0, 300.0, 20.0])
    np.testing.assert_allclose(subtree_sums(parent, people), [1266, 1266, 1266, 0])
    np.testing.assert_allclose(subtree_sums(parent, benefit), [300, 300, 300, 20])
    both = subtree_sums(parent, np.column_stack([people, benefit]))
    np.testing.assert_allclose(both[:, 1], [300, 300, 300, 20])
    with pytest.raises(ValueError, match="cycle"):
        subtree_sums([1, 0], np.zeros(2))
    ranked = pd.DataFrame({"link_id": ["L001", "L002", "L003", "L004"], "phase": [1, 2, 2, 3],
                           "parent_link": ["", "L001", "L002", ""], "cost": [10.0, 5.0, 5.0, 1.0],
                           "length_km": [1.0, 0.5, 0.5, 0.1], "people": [1266.0, 1266.0, 1266.0, 0.0],
                           "people_direct": [0.0, 0.0, 1266.0, 0.0]})
    phases = phase_summary(ranked).set_index("phase")
    assert phases.loc[1, "people_unlocked"] == 1266  # the trunk opens the way to the village
    assert phases.loc[2, "people_connected"] == 1266  # ... which is connected in phase 2
    assert phases["people_unlocked"].sum() == phases["people_connected"].sum() == 1266

