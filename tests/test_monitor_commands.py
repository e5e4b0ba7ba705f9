"""``netcover monitor`` commands on the mini district (click's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from netcover.app.cli.monitor import monitor
from netcover.config.scenario import load_scenario
from netcover.data.inputs import load_inputs
from netcover.errors import ScenarioError
from netcover.samplegen.history import drive_test


def invoke(*args: str) -> Result:
    return CliRunner().invoke(monitor, list(args), catch_exceptions=False)


def test_help() -> None:
    for sub in ([], ["snapshot"], ["report"], ["measurements"], ["calibrate"], ["import-reported"]):
        result = invoke(*sub, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_snapshot_replace_and_report(mini_scenario: Path, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    sc = str(mini_scenario)
    fibre = tmp_path / "fibre.csv"
    fibre.write_text("settlement_id,period,fibre_households\n001-1,2024-Q2,10\n", encoding="utf-8")
    first = invoke("snapshot", sc, "--period", "2024-Q2", "--store", str(store),
                   "--fibre-history", str(fibre))
    assert first.exit_code == 0, first.output
    assert "Snapshot 1 of 2024-Q2 recorded" in first.output
    again = invoke("snapshot", sc, "--period", "2024-Q2", "--store", str(store))
    assert again.exit_code == 1
    assert "give --replace" in again.stderr
    replaced = invoke("snapshot", sc, "--period", "2024-Q2", "--store", str(store), "--replace",
                      "--fibre-history", str(fibre))
    assert replaced.exit_code == 0
    assert invoke("snapshot", sc, "--period", "2024-Q3", "--store", str(store)).exit_code == 0
    reported = tmp_path / "reported.csv"
    reported.write_text("unit_code,period,share_internet_users\ndistrict,2024-Q3,0.5\n",
                        encoding="utf-8")
    imported = invoke("import-reported", sc, str(reported), "--store", str(store))
    assert "Imported 1 reported values" in imported.output
    out = tmp_path / "report"
    result = invoke("report", sc, "--store", str(store), "--from", "2024-Q2", "--to", "2024-Q3",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "History: 2 period(s): 2024-Q2, 2024-Q3" in result.output
    assert "Households newly on fibre: 20 in 1 settlements." in result.output
    summary = pd.read_csv(out / "summary.csv", dtype={"unit_code": str})
    row = summary[(summary["indicator"] == "share_fibre_households")
                  & (summary["unit_code"] == "district")].iloc[0]
    assert row["latest"] == 0.3 and row["status"] == "on track"
    assert (out / "charts" / "share_people_covered.png").is_file()
    assert (out / "changes_fibre_2024-Q2_2024-Q3.csv").is_file()


def test_report_needs_both_periods(mini_scenario: Path) -> None:
    result = invoke("report", str(mini_scenario), "--from", "2024-Q2")
    assert result.exit_code == 2


def test_measurements_and_calibrate(mini_scenario: Path, tmp_path: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    csv = tmp_path / "drive.csv"
    drive_test(inputs, n_points=150, seed=2, bias_db={"4G": 3.0}, noise_db=2.0,
               along_roads=False).to_csv(csv, index=False)
    out = tmp_path / "m"
    result = invoke("measurements", str(mini_scenario), str(csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "| dropped | duplicate" in result.output
    assert (out / "discrepancy.gpkg").is_file() and (out / "errors_by_site.csv").is_file()
    cal = tmp_path / "c"
    result = invoke("calibrate", str(mini_scenario), str(csv), "--out", str(cal),
                    "--compare-models")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(cal / "calibration.csv")
    assert table["rmse_cv_db"].iloc[0] < table["rmse_before_db"].iloc[0]
    ranked = pd.read_csv(cal / "model_comparison.csv")
    assert ranked["variant"].iloc[0].startswith("p1812") and bool(ranked["scenario"].iloc[0])
    assert set(ranked["variant"]) == {"p1812, diffraction=bullington",
                                      "p1812, diffraction=deygout", "hata", "fspl"}
    assert "Best fit: p1812" in result.output
    assert load_scenario(cal / "calibrated_scenario.toml").inputs.dem == inputs.scenario.inputs.dem


def test_a_misspelt_period_is_refused_before_any_coverage(mini_scenario: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """``--period 2024Q3`` (issue 19): one line with the fix, checked before the model runs."""
    from netcover.coverage import engine as coverage
    def no_model(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the coverage ran before the period was checked")

    monkeypatch.setattr(coverage, "compute_coverage", no_model)
    fibre = tmp_path / "fibre.csv"
    fibre.write_text("settlement_id,period,fibre_households\n001-1,2024-Q3,10\n", encoding="utf-8")
    store = str(tmp_path / "h.sqlite")
    result = invoke("snapshot", str(mini_scenario), "--period", "2024Q3", "--store", store,
                    "--fibre-history", str(fibre))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: period '2024Q3' is not understood: use 2024-Q3 (a period is a quarter 2024-Q3, "
        "a month 2024-09 or a year 2024)"]
    fibre.write_text("settlement_id,period,fibre_households\n001-1,2024-Q3,10\n001-1,Q2 2024,8\n",
                     encoding="utf-8")
    result = invoke("snapshot", str(mini_scenario), "--period", "2024-Q3", "--store", store,
                    "--fibre-history", str(fibre))
    assert result.exit_code == 1
    assert "row 3" in result.stderr and "use 2024-Q2" in result.stderr
    report = invoke("report", str(mini_scenario), "--store", store, "--from", "2024-9",
                    "--to", "2024-Q4", "--out", str(tmp_path / "r"))
    assert report.exit_code == 1 and "use 2024-09" in report.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("written", "fix"), [("2024Q3", "2024-Q3"), ("Q1 2025", "2025-Q1"),
                                               ("2024/7", "2024-07"), ("202411", "2024-11")])
def test_a_misspelt_scenario_period_names_the_fix(mini_scenario: Path, written: str,
                                                  fix: str) -> None:
    text = mini_scenario.read_text(encoding="utf-8")
    assert "[monitor]" not in text
    mini_scenario.write_text(text + f'\n[monitor]\nperiod = "{written}"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"use {fix}"):
        load_scenario(mini_scenario)
