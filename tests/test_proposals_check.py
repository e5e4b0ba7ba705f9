"""Proposals are checked like sites, before any model runs: every problem at once, row and field."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Transformer

from netcover.config.scenario import load_scenario
from netcover.config.siting import SitingSettings
from netcover.data.inputs import check_inputs
from netcover.data.terrain import read_dem
from netcover.errors import Problem
from netcover.siting.proposals import check_proposals

from .conftest import CELL, CRS, X0, Y0

_TO_LL = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
LON, LAT = (round(v, 6) for v in _TO_LL.transform(X0 + 1200, Y0 - 1200))


def proposal(pid: str = "P1", **values: object) -> dict[str, object]:
    row: dict[str, object] = {"proposal_id": pid, "operator": "Viettel", "lon": LON, "lat": LAT,
                              "height_m": 30, "azimuths_deg": "0;120;240", "tx_power_dbm": 43}
    row.update(values)
    return row


def write(path: Path, rows: list[dict[str, object]], columns: list[str] | None = None) -> Path:
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def problems_of(mini: Path, path: Path) -> list[Problem]:
    terrain, _ = read_dem(mini.parent / "dem.tif")
    proposals, problems = check_proposals(path, SitingSettings(), terrain.crs, terrain=terrain)
    assert proposals is None, "expected the proposals to be refused"
    return problems


def one(problems: list[Problem], field: str) -> Problem:
    found = [p for p in problems if p.field == field]
    assert found, f"no problem on {field}: {problems}"
    return found[0]


@pytest.mark.parametrize(
    ("values", "field", "where", "text"),
    [
        ({"lon": ""}, "lon", "row 2", "is empty"),
        ({"lat": 95}, "lat", "row 2", "95 is out of range"),
        ({"tx_power_dbm": 500}, "tx_power_dbm", "row 2", "500 is out of range"),
        ({"azimuths_deg": "0;400"}, "azimuths_deg", "row 2", "outside [0, 360)"),
        ({"azimuths_deg": ";"}, "azimuths_deg", "row 2", "the azimuth list is empty"),
        ({"height_m": "tall"}, "height_m", "row 2", "'tall' is not a number"),
        ({"height_m": "1e400"}, "height_m", "row 2", "is not a finite number"),
        ({"lon": LAT, "lat": LON}, "lon,lat", "row 2", "lon and lat look swapped"),
        ({"lon": LON + 0.5}, "lon,lat", "row 2", "proposal 'P1'"),
    ],
)
def test_a_bad_proposal_names_row_and_field(mini_scenario: Path, tmp_path: Path,
                                            values: dict[str, object], field: str, where: str,
                                            text: str) -> None:
    path = write(tmp_path / "p.csv", [proposal(**values)])
    p = one(problems_of(mini_scenario, path), field)
    assert p.source == str(path) and p.where == where and text in p.message


def test_outside_the_dem_names_the_proposal(mini_scenario: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", [proposal(), proposal("FAR", lon=LON + 0.5)])
    p = one(problems_of(mini_scenario, path), "lon,lat")
    assert "proposal 'FAR'" in p.message and "outside the DEM" in p.message and p.where == "row 3"


def test_header_only_and_duplicate_ids(mini_scenario: Path, tmp_path: Path) -> None:
    empty = write(tmp_path / "empty.csv", [], columns=list(proposal()))
    assert "no rows (header only)" in str(problems_of(mini_scenario, empty)[0])
    dup = write(tmp_path / "dup.csv", [proposal(), proposal()])
    p = one(problems_of(mini_scenario, dup), "proposal_id")
    assert "'P1' is used more than once (row 2, row 3)" in p.message


def test_every_problem_at_once(mini_scenario: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", [proposal("A", lat=95), proposal("B", tx_power_dbm=500),
                                      proposal("C", azimuths_deg="")])
    found = {(p.where, p.field) for p in problems_of(mini_scenario, path)}
    assert {("row 2", "lat"), ("row 3", "tx_power_dbm"), ("row 4", "azimuths_deg")} <= found


def test_validate_checks_the_scenario_proposals(mini_scenario: Path) -> None:
    path = write(mini_scenario.parent / "proposals.csv", [proposal(lat=95)])
    text = mini_scenario.read_text().replace('network = "network.gpkg"\n',
                                             'network = "network.gpkg"\nproposals = "proposals.csv"\n')
    mini_scenario.write_text(text)
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    p = one(problems, "lat")
    assert p.source == str(path) and p.where == "row 2"


def test_evaluate_refuses_before_any_model_runs(mini_scenario: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import netcover.app.pipeline  # noqa: F401  (bound to the real function before the patch)
    from netcover.app.cli import cli
    from netcover.coverage import engine as coverage

    def no_model(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("coverage was computed before the proposals were checked")

    monkeypatch.setattr(coverage, "compute_coverage", no_model)
    path = write(tmp_path / "p.csv", [proposal("A", lat=95), proposal("B", tx_power_dbm=500)])
    result = CliRunner().invoke(cli, ["evaluate", str(mini_scenario), str(path),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "row 2" in result.output and "row 3" in result.output
    assert "AssertionError" not in result.output


def test_good_proposals_are_read(mini_scenario: Path, tmp_path: Path) -> None:
    terrain, _ = read_dem(mini_scenario.parent / "dem.tif")
    path = write(tmp_path / "p.csv", [proposal(), proposal("P2", azimuths_deg="90", height_m="")])
    proposals, problems = check_proposals(path, SitingSettings(), terrain.crs, terrain=terrain)
    assert problems == [] and proposals is not None
    assert [(p.proposal_id, len(p.sectors), p.height_m) for p in proposals] == [
        ("P1", 3, 30.0), ("P2", 1, SitingSettings().mast_height_m)]
    assert proposals[0].x == pytest.approx(X0 + 1200, abs=CELL)


def test_one_row_per_sector_needs_every_azimuth(mini_scenario: Path, tmp_path: Path) -> None:
    rows = [{k: v for k, v in proposal().items() if k != "azimuths_deg"} for _ in range(2)]
    rows[0]["azimuth_deg"], rows[1]["azimuth_deg"] = 0, ""
    p = one(problems_of(mini_scenario, write(tmp_path / "p.csv", rows)), "azimuth_deg")
    assert p.where == "row 3" and "is empty" in p.message


def test_lte_bandwidth_checked_like_sites(mini_scenario: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", [proposal(bandwidth_mhz=7)])
    p = one(problems_of(mini_scenario, path), "bandwidth_mhz")
    assert p.where == "row 2" and "not an LTE channel bandwidth" in p.message
