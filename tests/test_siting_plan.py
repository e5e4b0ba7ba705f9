"""Site plan and proposal scoring on a synthetic district split by a wall of rock.

The district is a 3 km square plateau at 1,000 m with a 400 m high, 300 m thick north-south wall in
the middle. The only existing site stands in the west; the village in the east lies in the wall's
shadow, so it is the district's one gap.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from netcover.config.scenario import load_scenario
from netcover.coverage.engine import compute_coverage
from netcover.data.inputs import load_inputs
from netcover.errors import InputError
from netcover.siting import (
    SitingSettings,
    evaluate_proposals,
    plan_sites,
    prepare,
    read_proposals,
    run_siting,
    score_proposals,
)

from .conftest import CRS, X0, Y0, site_rows, write_dem, write_sites

N, CELL = 100, 30.0
WEST = (X0 + 600.0, Y0 - 1500.0)
EAST = (X0 + 2400.0, Y0 - 1500.0)
SETTINGS = SitingSettings(n_sites=2, candidate_spacing_m=200.0, hilltop_window_m=300.0,
                          max_gap_distance_km=3.0, proposal_search_radius_m=600.0,
                          proposal_search_spacing_m=300.0)
_TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def _wall_heights() -> np.ndarray:
    h = np.full((N, N), 1000.0)
    h[:, 45:55] = 1400.0
    return h


def write_gap_district(folder: Path) -> Path:
    """Write the walled district's inputs; return its scenario file."""
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / "dem.tif", _wall_heights())
    lon, lat = _TO_LL.transform(*WEST)
    rows = [dict(r, lon=round(lon, 7), lat=round(lat, 7)) for r in site_rows() if r["site_id"] == "S1"]
    write_sites(folder / "sites.csv", rows)
    pop = np.zeros((30, 30), dtype="float32")
    pop[14:16, 5:7] = 25.0  # 100 people next to the site
    pop[14:17, 23:26] = 40.0  # 360 people behind the wall
    with rasterio.open(folder / "population.tif", "w", driver="GTiff", height=30, width=30,
                       count=1, dtype="float32", crs=CRS, transform=Affine(100, 0, X0, 0, -100, Y0)
                       ) as dst:
        dst.write(pop, 1)
    side = N * CELL
    gpd.GeoDataFrame({"code": ["001"], "name": ["Đông Tây"]},
                     geometry=[box(X0, Y0 - side, X0 + side, Y0)], crs=CRS).to_file(
        folder / "communes.gpkg")
    gpd.GeoDataFrame(
        {"settlement_id": ["1", "2"], "name": ["Thôn Tây", "Thôn Đông"],
         "commune_code": ["001", "001"], "population": [100, 360], "households": [20, 80],
         "fibre_households": [0, 0], "electrified": [True, True]},
        geometry=[Point(X0 + 600, Y0 - 1500), Point(*EAST)], crs=CRS).to_file(
        folder / "settlements.gpkg")
    road = LineString([(X0 + 100, Y0 - 1450), (X0 + side - 100, Y0 - 1450)])
    gpd.GeoDataFrame({"road_id": ["R1"], "name": ["ĐT176"], "class": ["provincial"]},
                     geometry=[road], crs=CRS).to_file(folder / "roads.gpkg", layer="roads")
    gpd.GeoDataFrame({"point_id": ["P1"], "name": ["Trường Đông"], "type": ["school"],
                      "commune_code": ["001"], "connection": ["none"]},
                     geometry=[Point(EAST[0] + 100, EAST[1] + 50)], crs=CRS).to_file(
        folder / "network.gpkg", layer="points")
    scenario = folder / "scenario.toml"
    scenario.write_text(
        '[scenario]\nname = "Walled district"\nslug = "walled"\n\n[inputs]\ndem = "dem.tif"\n'
        'sites = "sites.csv"\npopulation = "population.tif"\nsettlements = "settlements.gpkg"\n'
        'units = "communes.gpkg"\nroads = "roads.gpkg"\nnetwork = "network.gpkg"\n\n'
        '[coverage]\nradius_km = 3.0\n', encoding="utf-8")
    return scenario


@pytest.fixture(scope="module")
def walled(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("walled")
    inputs = load_inputs(load_scenario(write_gap_district(folder)))
    return folder, inputs, compute_coverage(inputs)


@pytest.fixture(scope="module")
def problem(walled):
    _, inputs, coverage = walled
    return prepare(inputs, coverage, SETTINGS)


def _proposals_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    out = []
    for r in rows:
        lon, lat = _TO_LL.transform(r.pop("x"), r.pop("y"))
        out.append({"lon": round(lon, 7), "lat": round(lat, 7), **r})
    pd.DataFrame(out).to_csv(path, index=False)
    return path


S1_ANTENNA = {"operator": "Viettel", "height_m": 30, "azimuths_deg": "0;120;240",
              "frequency_mhz": 1800, "tx_power_dbm": 43, "antenna_gain_dbi": 17,
              "v_beamwidth_deg": 8}


def test_the_gap_is_the_village_behind_the_wall(problem) -> None:
    gaps = problem.gaps
    assert len(gaps) == 1
    g = gaps.iloc[0]
    assert g["gap_id"] == "G1"
    assert g["people"] == pytest.approx(360.0)
    assert g["households"] == pytest.approx(360.0 / (460 / 100), abs=0.1)
    assert (g["villages"], g["village_names"], g["schools"]) == (1, "Thôn Đông", 1)
    assert g["commune"] == "Đông Tây"
    assert 1_500 < g["site_distance_m"] < 1_900  # 1,800 m from the site to the cells' centres
    assert gaps.crs is not None and gaps.geometry.is_valid.all()


def test_the_plan_closes_the_gap_with_one_site(problem) -> None:
    plan = plan_sites(problem)
    r = plan.ranked
    assert len(r) == 1  # a second site would add nobody
    assert r.loc[0, "new_people"] == pytest.approx(360.0)
    assert r.loc[0, "cumulative_share_covered"] == pytest.approx(1.0)
    assert r.loc[0, "gaps_closed"] == "G1"
    assert r.loc[0, "cost_per_new_person"] == pytest.approx(r.loc[0, "cost"] / 360.0, abs=1)
    u = plan.by_unit
    assert u is not None
    assert u.loc[0, "share_before"] == pytest.approx(100 / 460, abs=1e-3)
    assert (u.loc[0, "share_after"], u.loc[0, "new_sites"]) == (1.0, 1)


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_objectives_on_the_district(problem, solver) -> None:
    import dataclasses

    exact = dataclasses.replace(SETTINGS, solver=solver)
    target = plan_sites(problem, dataclasses.replace(exact, objective="target", target_share=1.0,
                                                     target_village_min_population=50))
    assert (len(target.result.chosen), target.result.feasible) == (1, True)
    assert (target.summary["target_share"], target.summary["target_reached"]) == (1.0, True)
    assert target.summary["share_covered_after"] == pytest.approx(1.0)
    poor = plan_sites(problem, dataclasses.replace(exact, objective="budget", budget=50_000.0))
    assert len(poor.result.chosen) == 0  # every site costs more than 90,000 USD
    assert poor.summary["share_covered_after"] == pytest.approx(100 / 460)


def test_a_duplicate_of_the_existing_site_scores_near_zero(problem, tmp_path) -> None:
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "DUP", "x": WEST[0], "y": WEST[1],
                                                **S1_ANTENNA}])
    scores = score_proposals(problem, read_proposals(path, SETTINGS, problem.inputs.crs))
    row = scores.table.iloc[0]
    assert row["people_in_footprint"] >= 100
    assert row["new_people"] <= 0.05 * row["people_in_footprint"]
    assert row["overlap_share"] >= 0.95
    assert (row["nearest_site"], row["nearest_site_m"]) == ("S1", 0)


def test_a_proposal_in_the_gap_scores_the_gap_population(problem, tmp_path) -> None:
    path = _proposals_csv(tmp_path / "p.csv", [
        {"proposal_id": "EAST", "x": EAST[0], "y": EAST[1], **S1_ANTENNA},
        {"proposal_id": "DUP", "x": WEST[0], "y": WEST[1], **S1_ANTENNA}])
    scores = score_proposals(problem, read_proposals(path, SETTINGS, problem.inputs.crs))
    east = scores.table.set_index("proposal_id").loc["EAST"]
    assert east["new_people"] == pytest.approx(problem.gaps["people"].iloc[0])
    assert east["gaps_closed"] == "G1"
    assert east["extra_people"] == 0.0  # nothing nearby does better
    c = scores.combined
    assert c["new_people"] == pytest.approx(360.0, abs=0.5 + 0.05 * 100)
    assert c["share_covered_after"] == pytest.approx(1.0, abs=0.02)


def test_a_proposal_in_the_wall_shadow_is_told_where_to_move(problem, tmp_path) -> None:
    west_edge = X0 + 45 * CELL + 15  # top of the wall's west edge: sees nothing in the east
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "W", "x": west_edge, "y": EAST[1],
                                                **S1_ANTENNA}])
    row = score_proposals(problem, read_proposals(path, SETTINGS, problem.inputs.crs)).table.iloc[0]
    assert row["new_people"] < 50
    assert row["extra_people"] > 300
    assert "east" in row["better_direction"]
    assert row["better_distance_m"] <= SETTINGS.proposal_search_radius_m
    assert row["advice"].startswith("move it ")


def test_proposals_one_row_per_sector_and_bad_files(problem, tmp_path) -> None:
    lon, lat = _TO_LL.transform(*EAST)
    per_sector = tmp_path / "sectors.csv"
    pd.DataFrame({"site_id": ["A", "A", "B"], "lon": [lon] * 3, "lat": [lat] * 3,
                  "azimuth_deg": [10, 130, 250], "height_m": [25, 25, 40]}).to_csv(per_sector,
                                                                                   index=False)
    props = read_proposals(per_sector, SETTINGS, problem.inputs.crs)
    assert [(p.proposal_id, len(p.sectors), p.height_m) for p in props] == [("A", 2, 25.0),
                                                                             ("B", 1, 40.0)]
    assert [float(s["azimuth_deg"]) for s in props[0].sectors] == [10.0, 130.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("proposal_id,lon,lat,azimuths_deg\nX,105,23,north\n", encoding="utf-8")
    with pytest.raises(InputError, match="azimuths_deg"):
        read_proposals(bad, SETTINGS, problem.inputs.crs)
    nolon = tmp_path / "nolon.csv"
    nolon.write_text("proposal_id,lat\nX,23\n", encoding="utf-8")
    with pytest.raises(InputError, match="lon"):
        read_proposals(nolon, SETTINGS, problem.inputs.crs)


def test_run_and_evaluate_write_their_files(walled, tmp_path) -> None:
    _, inputs, coverage = walled
    lines: list[str] = []
    siting = run_siting(inputs, coverage, SETTINGS, tmp_path / "siting", lines.append)
    assert len(siting.plan.ranked) == 1  # the step returns its plan and gap table, not only files
    written = pd.read_csv(tmp_path / "siting" / "gaps.csv", encoding="utf-8-sig")
    assert len(written) == len(siting.gaps)
    files = siting.files
    assert {p.name for p in files} == {"siting.gpkg", "gaps.csv", "candidates.csv",
                                       "site_plan.csv", "coverage_after_plan.csv", "site_plan.md"}
    assert any(line.startswith("site 1 (") for line in lines)
    layers = gpd.read_file(tmp_path / "siting" / "siting.gpkg", layer="new_sites")
    assert len(layers) == 1 and layers.crs is not None
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "EAST", "x": EAST[0],
                                                "y": EAST[1], **S1_ANTENNA}])
    scores = evaluate_proposals(inputs, coverage, SETTINGS, path, tmp_path / "eval", lines.append)
    assert list(scores.scores.table["proposal_id"]) == ["EAST"]
    files = scores.files
    assert {p.name for p in files} == {"proposals.gpkg", "proposals_scored.csv",
                                       "proposals_combined.csv", "proposals.md"}
    scored = pd.read_csv(tmp_path / "eval" / "proposals_scored.csv", encoding="utf-8-sig")
    assert scored.loc[0, "new_people"] == pytest.approx(360.0)
    reused = evaluate_proposals(inputs, coverage, SETTINGS, path, tmp_path / "eval2",
                                lines.append, siting=siting)  # its demand, gaps and grid
    pd.testing.assert_frame_equal(reused.scores.table, scores.scores.table)
    for a, b in zip(files, reused.files, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_commands_plan_sites_and_evaluate(walled, tmp_path) -> None:
    import click

    from netcover.app.cli.siting import evaluate
    from netcover.app.cli.siting import plan_sites as plan_cmd

    folder = walled[0]
    group = click.Group(commands=[plan_cmd, evaluate])
    runner = CliRunner()
    res = runner.invoke(group, ["plan-sites", str(folder / "scenario.toml"), "--out",
                                str(tmp_path / "out"), "--n-sites", "1", "--solver", "exact"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "siting" / "site_plan.csv").is_file()
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "EAST", "x": EAST[0],
                                                "y": EAST[1], **S1_ANTENNA}])
    res = runner.invoke(group, ["evaluate", str(folder / "scenario.toml"), str(path), "--out",
                                str(tmp_path / "out"), "--radius", "300"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "proposals" / "proposals.md").is_file()
    res = runner.invoke(group, ["evaluate", str(folder / "scenario.toml"),
                                str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "proposals file not found" in res.output


def test_exclusion_areas_and_listed_places(walled, tmp_path) -> None:
    import dataclasses

    _, inputs, coverage = walled
    east = box(X0 + 55 * CELL, Y0 - N * CELL, X0 + N * CELL, Y0)  # everything east of the wall
    gpd.GeoDataFrame({"why": ["protected"]}, geometry=[east], crs=CRS).to_file(
        tmp_path / "no_masts.gpkg")
    settings = dataclasses.replace(SETTINGS, exclusion_file=str(tmp_path / "no_masts.gpkg"))
    cands = prepare(inputs, coverage, settings).candidates
    assert len(cands) > 0
    assert (cands["x"] < X0 + 55 * CELL).all()
    assert "school" not in set(cands["source"])  # the school stands in the excluded east
    listed = prepare(inputs, coverage, SETTINGS, with_matrix=False)
    assert listed.matrix.shape == (len(listed.demand), 0)


def test_gap_people_add_up_to_the_coverage_tables_uncovered_people(walled) -> None:
    """Scattered hamlets (cells under min_people behind the wall) are in the "scattered" row, so
    gaps.csv's people add up to the coverage table's people below the usable class (issue 12)."""
    import dataclasses

    from netcover.coverage.write import coverage_tables
    from netcover.siting.output import gap_table

    _, inputs, coverage = walled
    pop = inputs.population
    counts = pop.counts.copy()
    counts[:, 17:] += 0.3  # a few people in every cell east of the wall, below min_people = 0.5
    scattered = dataclasses.replace(inputs, population=dataclasses.replace(pop, counts=counts))
    table = gap_table(prepare(scattered, coverage, SETTINGS, with_matrix=False))
    district = coverage_tables(coverage, scattered, usable="fair").district
    uncovered = district["people"] - district["people_fair"] - district["people_good"]
    assert uncovered > 360 + 50
    assert table["people"].sum() == pytest.approx(uncovered, abs=0.1)
    last = table.iloc[-1]
    assert last["gap_id"] == "scattered" and pd.isna(last["rank"]) and last["people"] > 50
    assert table["rank"].iloc[:-1].tolist() == list(range(1, len(table)))


def test_place_context_rasters_and_high_points_are_kept_and_read_back_equal(walled, tmp_path,
                                                                           monkeypatch) -> None:
    import dataclasses

    from netcover.siting import candidates as cand

    _, inputs, _ = walled
    sc = inputs.scenario
    kept = dataclasses.replace(inputs, scenario=dataclasses.replace(
        sc, coverage=dataclasses.replace(sc.coverage, cache_dir=tmp_path / "cache")))
    first = cand.PlaceContext(kept, SETTINGS)
    geoms, _ = cand.access_geometries(kept)
    np.testing.assert_array_equal(first.road_m, cand.distance_raster(geoms, kept.terrain))
    assert np.isfinite(first.road_m).all() and first.road_m.max() > 0
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == 2  # roads and backhaul
    for rise in (0.0, 10.0, 0.0):  # the filtered rasters made once, each threshold as alone
        for got, alone in zip(first.high_points(300.0, rise),
                              cand.high_points(kept.terrain, 300.0, rise), strict=True):
            np.testing.assert_array_equal(got, alone)
    assert list(first._peaks) == [300.0]

    def fail(*_args: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(cand, "distance_raster", fail)
    monkeypatch.setattr(cand, "_local_peaks", fail)
    again = cand.PlaceContext(kept, SETTINGS)
    np.testing.assert_array_equal(again.road_m, first.road_m)
    np.testing.assert_array_equal(again.backhaul_m, first.backhaul_m)
    for got, before in zip(again.high_points(300.0, 10.0), first.high_points(300.0, 10.0),
                           strict=True):
        np.testing.assert_array_equal(got, before)


def test_a_target_reached_on_the_screening_grid_only_is_said() -> None:
    from netcover.siting.output import target_text

    base = {"objective": "target", "target_share": 0.99, "feasible": True, "people": 57_000,
            "share_covered_after": 0.99, "target_reached": True}
    assert target_text(base) == ""
    assert target_text({**base, "objective": "count", "target_reached": False}) == ""
    short = target_text({**base, "share_covered_after": 0.98, "target_reached": False})
    assert short.startswith("the target (99.0% of people covered) was reached on the screening "
                            "grid only: at full resolution the plan covers 98.00%, about 570 people")
    missed = target_text({**base, "feasible": False, "target_reached": False})
    assert "was NOT reached with the candidates available" in missed
