"""Every bad input is found by `validate` (check_inputs) before any model runs: file, row, field, fix."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner

from netcover.config.scenario import load_scenario, scenario_from_dict
from netcover.data.inputs import check_inputs
from netcover.errors import Problem, ScenarioError

from .conftest import site_rows, write_sites


def problems_of(scenario: Path) -> list[Problem]:
    _inputs, problems = check_inputs(load_scenario(scenario))
    return problems


def find(problems: list[Problem], file: str, field: str, severity: str = "error") -> Problem:
    """The first problem in ``file`` on ``field``; fails with every problem listed otherwise."""
    for p in problems:
        if p.source.endswith(file) and p.field == field and p.severity == severity:
            return p
    listing = "\n".join(map(str, problems)) or "none"
    raise AssertionError(f"no {severity} in {file} on field {field!r}; problems:\n{listing}")


def add_to_scenario(scenario: Path, text: str) -> None:
    """Append keys to a section of the mini scenario (``[inputs]`` keys go after ``network``)."""
    body = scenario.read_text(encoding="utf-8")
    if text.startswith("[inputs]"):
        key = text.removeprefix("[inputs]\n")
        body = body.replace('network = "network.gpkg"\n', f'network = "network.gpkg"\n{key}')
    else:
        body += "\n" + text
    scenario.write_text(body, encoding="utf-8")


# --------------------------------------------------------------------------- sites


@pytest.mark.parametrize(("field", "value"), [("lat", "inf"), ("height_m", "1e400"),
                                              ("tx_power_dbm", "-inf")])
def test_infinite_site_values(mini_scenario: Path, field: str, value: str) -> None:
    rows = site_rows()
    rows[1][field] = value
    write_sites(mini_scenario.parent / "sites.csv", rows)
    p = find(problems_of(mini_scenario), "sites.csv", field)
    assert p.where == "row 3" and "is not a finite number" in p.message


def test_pattern_file_contents_are_parsed(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    (folder / "half.msi").write_text("NAME x\nHORIZONTAL 2\n0 0\n180 20\n", encoding="utf-8")
    rows = site_rows()
    rows[2]["pattern_file"] = "half.msi"
    write_sites(folder / "sites.csv", rows)
    p = find(problems_of(mini_scenario), "sites.csv", "pattern_file")
    assert p.where == "row 4"
    assert "half.msi" in p.message and "no VERTICAL block" in p.message


@pytest.mark.parametrize("empty", ["nan", "NaN"])
def test_an_empty_pattern_cell_means_no_file(mini_scenario: Path, empty: str) -> None:
    rows = site_rows()
    rows[0]["pattern_file"] = empty
    write_sites(mini_scenario.parent / "sites.csv", rows)
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert [p for p in problems if p.severity == "error"] == []
    assert inputs is not None and inputs.cells is not None
    assert list(inputs.cells["pattern_file"]) == [""] * 4


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(("section", "key", "value"), [
    ("receiver", "tx_feeder_loss_db", -1000.0),
    ("receiver", "body_loss_db", float("nan")),
    ("receiver", "gain_dbi", float("inf")),
    ("receiver", "pilot_fraction_db", 5.0),
    ("siting", "base_cost", float("nan")),
    ("links", "tx_power_dbm", float("inf")),
    ("validation", "max_site_height_m", float("inf")),
])
def test_receiver_and_other_settings_finite_and_plausible(section: str, key: str,
                                                          value: float) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({section: {key: value}}, source=Path("s.toml"))
    problems = info.value.problems  # type: ignore[attr-defined]
    assert [p.field for p in problems] == [f"{section}.{key}"]
    assert problems[0].source.endswith("s.toml")
    assert "give" in problems[0].message


def test_scenario_file_with_nan_receiver_names_the_key(mini_scenario: Path) -> None:
    add_to_scenario(mini_scenario, "[receiver]\nbody_loss_db = nan\n")
    from netcover.app.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(mini_scenario)])
    assert result.exit_code == 1
    assert "receiver.body_loss_db" in result.output and "not a finite number" in result.output


# --------------------------------------------------------------------------- layers


def test_unknown_road_class(mini_scenario: Path) -> None:
    path = mini_scenario.parent / "roads.gpkg"
    roads = gpd.read_file(path)
    roads["class"] = ["residential"]
    roads.to_file(path, layer="roads")
    p = find(problems_of(mini_scenario), "roads.gpkg", "class")
    assert p.where == "feature 1" and "'residential'" in p.message
    assert "national, provincial, commune, track" in p.message


@pytest.mark.parametrize(("column", "value", "known"), [
    ("type", "pagoda", "commune_office"), ("connection", "adsl", "fibre, lan, none")])
def test_unknown_network_point_values(mini_scenario: Path, column: str, value: str,
                                      known: str) -> None:
    path = mini_scenario.parent / "network.gpkg"
    points = gpd.read_file(path, layer="points")
    points.loc[1, column] = value
    points.to_file(path, layer="points")
    p = find(problems_of(mini_scenario), "network.gpkg", column)
    assert p.where == "feature 2" and repr(value) in p.message and known in p.message


def test_unknown_point_type_is_a_warning_without_link_planning(mini_scenario: Path) -> None:
    path = mini_scenario.parent / "network.gpkg"
    points = gpd.read_file(path, layer="points")
    points.loc[0, "type"] = "pagoda"
    points.to_file(path, layer="points")
    mini_scenario.write_text(mini_scenario.read_text().replace('roads = "roads.gpkg"\n', ""))
    p = find(problems_of(mini_scenario), "network.gpkg", "type", severity="warning")
    assert p.where == "feature 1" and "link planner does not run" in p.message


def test_a_field_the_link_planner_needs(mini_scenario: Path) -> None:
    path = mini_scenario.parent / "roads.gpkg"
    gpd.read_file(path).drop(columns="road_id").to_file(path, layer="roads")
    p = find(problems_of(mini_scenario), "roads.gpkg", "road_id")
    assert "link planner needs" in p.message


def test_duplicate_unit_codes(mini_scenario: Path) -> None:
    path = mini_scenario.parent / "communes.gpkg"
    units = gpd.read_file(path)
    units["code"] = ["001", "001"]
    units.to_file(path)
    p = find(problems_of(mini_scenario), "communes.gpkg", "code")
    assert "'001' is used by more than one unit" in p.message
    assert "feature 1 (Tây)" in p.message and "feature 2 (Đông)" in p.message


@pytest.mark.parametrize("value", [np.inf, 1e400])
def test_settlement_population_inf(mini_scenario: Path, value: float) -> None:
    path = mini_scenario.parent / "settlements.gpkg"
    villages = gpd.read_file(path)
    villages["population"] = villages["population"].astype(float)
    villages.loc[1, "population"] = value
    villages.to_file(path)
    p = find(problems_of(mini_scenario), "settlements.gpkg", "population")
    assert p.where == "feature 2" and "not a count >= 0" in p.message


# --------------------------------------------------------------------------- other files


@pytest.mark.parametrize(("toml", "key", "name"), [
    ("[inputs]\nproposals = \"nowhere.csv\"\n", "inputs.proposals", "nowhere.csv"),
    ("[siting]\nexclusion_file = \"karst.gpkg\"\n", "siting.exclusion_file", "karst.gpkg"),
    ("[monitor]\nreported = \"history/reported.csv\"\n", "monitor.reported", "reported.csv"),
    ("[monitor]\nfibre_history = \"history/fibre.csv\"\n", "monitor.fibre_history", "fibre.csv"),
    ("[monitor]\nmeasurements = \"drive.csv\"\n", "monitor.measurements", "drive.csv"),
])
def test_missing_files_name_the_key_and_path(mini_scenario: Path, toml: str, key: str,
                                             name: str) -> None:
    add_to_scenario(mini_scenario, toml)
    p = find(problems_of(mini_scenario), name, key)
    assert "not found" in p.message and p.source == str(mini_scenario.parent.joinpath(
        *toml.split('"')[1].split("/")))


def test_text_in_the_fibre_history(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    (folder / "fibre.csv").write_text("settlement_id,period,fibre_households\n"
                                      "001-1,2024-Q3,30\n002-1,2024-Q3,many\n", encoding="utf-8")
    add_to_scenario(mini_scenario, '[monitor]\nperiod = "2024-Q3"\nfibre_history = "fibre.csv"\n')
    p = find(problems_of(mini_scenario), "fibre.csv", "fibre_households")
    assert p.where == "row 3" and "'many' is not a number" in p.message


def test_fibre_history_without_the_period_run_records(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    (folder / "fibre.csv").write_text("settlement_id,period,fibre_households\n001-1,2023-Q4,30\n",
                                      encoding="utf-8")
    add_to_scenario(mini_scenario, '[monitor]\nperiod = "2024-Q3"\nfibre_history = "fibre.csv"\n')
    p = find(problems_of(mini_scenario), "fibre.csv", "period")
    assert "no rows for period 2024-Q3" in p.message


def test_reported_indicators_text_and_unknown_units(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    (folder / "reported.csv").write_text(
        "unit_code,period,share_internet_users\n001,2024-Q3,0.5\n00874,2024-Q3,0.4\n"
        "002,2024-Q3,half\n", encoding="utf-8")
    add_to_scenario(mini_scenario, '[monitor]\nreported = "reported.csv"\n')
    problems = problems_of(mini_scenario)
    unknown = find(problems, "reported.csv", "unit_code")
    assert unknown.where == "row 3" and "'00874'" in unknown.message and "001, 002" in unknown.message
    text = find(problems, "reported.csv", "share_internet_users")
    assert text.where == "row 4" and "'half' is not a number" in text.message


def test_drive_test_missing_columns_and_text_levels(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    lon, lat = site_rows()[0]["lon"], site_rows()[0]["lat"]
    (folder / "drive.csv").write_text(f"lon,lat,time,operator,rsrp_dbm\n{lon},{lat},t,Viettel,-80\n",
                                      encoding="utf-8")
    add_to_scenario(mini_scenario, '[monitor]\nmeasurements = "drive.csv"\n')
    p = find(problems_of(mini_scenario), "drive.csv", "monitor.measurements")
    assert "technology" in p.message and "missing" in p.message
    (folder / "drive.csv").write_text(
        "lon,lat,time,operator,technology,rsrp_dbm\n"
        f"{lon},{lat},2024-09-01T08:00,Viettel,4G,-80\n{lon},{lat},2024-09-01T08:01,Viettel,4G,"
        "strong\n", encoding="utf-8")
    p = find(problems_of(mini_scenario), "drive.csv", "monitor.measurements", severity="warning")
    assert "1 of 2 rows are left out" in p.message and "no level" in p.message


def test_bad_exclusion_layer(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    gpd.read_file(folder / "settlements.gpkg").to_file(folder / "karst.gpkg")
    add_to_scenario(mini_scenario, '[siting]\nexclusion_file = "karst.gpkg"\n')
    p = find(problems_of(mini_scenario), "karst.gpkg", "geometry")
    assert p.where == "feature 1" and "expected Polygon" in p.message


# --------------------------------------------------------------------------- before the model


@pytest.mark.parametrize("command", [
    ["monitor", "measurements", "{scenario}", "{folder}/drive.csv", "--out", "{folder}/out"],
    ["monitor", "snapshot", "{scenario}", "--period", "2024-Q3", "--store", "{folder}/h.sqlite",
     "--fibre-history", "{folder}/fibre.csv"],
])
def test_monitor_files_refused_before_any_model_runs(mini_scenario: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     command: list[str]) -> None:
    from netcover.app.cli import cli
    from netcover.coverage import engine as coverage

    def no_model(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a model ran before the files were checked")

    monkeypatch.setattr(coverage, "compute_coverage", no_model)
    folder = mini_scenario.parent
    (folder / "drive.csv").write_text("lon,lat,level\n105,23,-80\n", encoding="utf-8")
    (folder / "fibre.csv").write_text("settlement_id,period,fibre_households\n001-1,2024-Q3,-4\n",
                                      encoding="utf-8")
    args = [a.format(scenario=mini_scenario, folder=folder) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "AssertionError" not in result.output
    assert ("drive.csv" in result.output and "missing" in result.output) or (
        "fibre.csv, row 2, field 'fibre_households'" in result.output)


def test_fibre_history_needs_settlement_ids(mini_scenario: Path) -> None:
    folder = mini_scenario.parent
    gpd.read_file(folder / "settlements.gpkg").drop(columns="settlement_id").to_file(
        folder / "settlements.gpkg")
    (folder / "fibre.csv").write_text("settlement_id,period,fibre_households\n001-1,2024-Q3,30\n",
                                      encoding="utf-8")
    add_to_scenario(mini_scenario, '[monitor]\nperiod = "2024-Q3"\nfibre_history = "fibre.csv"\n')
    found = [p for p in problems_of(mini_scenario)
             if p.field == "settlement_id" and "fibre_history" in p.message]
    assert found and found[0].source.endswith("settlements.gpkg")


def test_swapped_site_positions_are_named_with_the_other_problems(mini_scenario: Path) -> None:
    rows = site_rows()
    rows[0]["height_m"] = -5
    for r in rows[3:]:
        r["lon"], r["lat"] = r["lat"], r["lon"]
    write_sites(mini_scenario.parent / "sites.csv", rows)
    problems = problems_of(mini_scenario)
    assert find(problems, "sites.csv", "height_m").where == "row 2"
    p = find(problems, "sites.csv", "lon,lat")
    assert p.where == "row 5" and "site 'S2'" in p.message and "look swapped" in p.message
