"""The command line: exit codes and one-line messages (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcover.app.cli import cli

from .conftest import ridge_heights, site_rows, snapshot, write_dem, write_sites


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_everywhere() -> None:
    for args in ([], ["run"], ["validate"], ["sample-data"]):
        result = invoke(*args, "--help")
        assert result.exit_code == 0
        assert "Usage" in result.output


def test_validate_ok(mini_scenario: Path) -> None:
    result = invoke("validate", str(mini_scenario))
    assert result.exit_code == 0, result.output
    assert "Working CRS: EPSG:32648" in result.output
    assert "Sites: 2 sites, 4 cells (Viettel 2 sites/4 cells)" in result.output
    assert "OK: the inputs are valid" in result.output


def test_validate_reports_every_problem_and_exits_1(mini_scenario: Path) -> None:
    rows = site_rows()
    rows[0]["height_m"], rows[2]["azimuth_deg"] = 0, 361
    write_sites(mini_scenario.parent / "sites.csv", rows)
    before = snapshot(mini_scenario.parent)
    result = invoke("validate", str(mini_scenario))
    assert result.exit_code == 1
    assert "row 2, field 'height_m'" in result.output
    assert "row 4, field 'azimuth_deg'" in result.output
    assert "error: 2 input problem(s) found" in result.output
    assert snapshot(mini_scenario.parent) == before


def test_scenario_typo_is_one_clear_error(mini_scenario: Path) -> None:
    mini_scenario.write_text(mini_scenario.read_text().replace("radius_km", "raduis_km"))
    result = invoke("run", str(mini_scenario))
    assert result.exit_code == 1
    assert "did you mean 'radius_km'" in result.output
    assert "Traceback" not in result.output


def test_missing_scenario_file(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "nope.toml"))
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert lines == [f"error: {tmp_path / 'nope.toml'}: scenario file not found; "
                     "give the path of a .toml scenario file"]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--debug", "validate", str(tmp_path / "nope.toml")])
    assert result.exit_code != 0
    assert result.exc_info is not None and "scenario file not found" in str(result.exception)


def test_run_writes_summary_and_a_failed_run_keeps_it(mini_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", str(mini_scenario), "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "input_summary.json").read_text(encoding="utf-8"))
    assert summary["sites"]["cells"] == 4
    assert summary["settlements"]["population"] == 500
    before = snapshot(out)
    (mini_scenario.parent / "dem.tif").write_bytes(b"")
    result = invoke("run", str(mini_scenario), "--out", str(out))
    assert result.exit_code == 1
    assert "dem.tif: the DEM file is empty" in result.output
    assert snapshot(out) == before


def test_sample_data_copies_the_whole_sample(tmp_path: Path) -> None:
    from netcover.app.sample import sample_dir

    dest = tmp_path / "my-district"
    result = invoke("sample-data", str(dest))
    assert result.exit_code == 0, result.output
    expected = sorted(str(p.relative_to(sample_dir())) for p in sample_dir().rglob("*") if p.is_file())
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == expected
    assert "scenario.toml" in expected
    again = invoke("sample-data", str(dest))
    assert again.exit_code == 1 and "choose an empty folder" in again.output
    check = invoke("validate", str(dest / "scenario.toml"))
    assert check.exit_code == 0, check.output


def _many_sites(copies: int) -> list[dict[str, object]]:
    """The mini sites, ``copies`` times, each copy ~110 m further south."""
    return [dict(r, site_id=f"{r['site_id']}-{k}", cell_id=f"{r['cell_id']}-{k}",
                 lat=float(r["lat"]) - 0.001 * k)  # type: ignore[arg-type]
            for k in range(copies) for r in site_rows()]


def test_repeated_model_warnings_are_folded_into_one_line_per_kind(tmp_path: Path) -> None:
    """Issue 19: --model hata printed 3 lines per site and band; now one line per kind, counted."""
    write_dem(tmp_path / "dem.tif", ridge_heights())
    write_sites(tmp_path / "sites.csv", _many_sites(6))
    result = invoke("coverage", "--dem", str(tmp_path / "dem.tif"), "--sites",
                    str(tmp_path / "sites.csv"), "--model", "hata", "--radius-km", "1",
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert 1 <= len(warnings) <= 2, warnings
    assert "Hata: " in warnings[0] and "use P.1812 instead [and 11 more like it: site S" in warnings[0]
    assert "others]" in warnings[0]


def test_every_command_folds_repeated_warnings() -> None:
    import click

    from netcover.app.cli._tools import echo_err, handle_errors

    @click.command()
    @handle_errors
    def noisy() -> None:
        for k in range(40):
            echo_err(f"warning: row {k + 2}: height 3{k}.5 m is below the ground")
        echo_err("Step done")
        echo_err("note: the DEM is coarse")
        echo_err("warning: unit 001: no people")
        echo_err("warning: unit 002: no people")
        raise ValueError("boom")

    result = CliRunner().invoke(noisy, [])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "warning: row 2: height 30.5 m is below the ground [and 39 more like it: row 3, row 4, "
        "row 5 and 36 others]",
        "Step done",
        "note: the DEM is coarse",
        "warning: unit 001: no people [and 1 more like it: unit 002]",
        "error: unexpected ValueError: boom (run with --debug for details)"]


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(mini_scenario: Path,
                                                               tmp_path: Path) -> None:
    """Issue 19: a log file got nothing of the progress bars; now a line per stage and step."""
    result = invoke("coverage", str(mini_scenario), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Coverage (sites")]
    assert lines[0] == "Coverage (sites x bands): 0% (0/2)"
    assert lines[-1] == "Coverage (sites x bands): 100% (2/2)"
    assert "\r" not in result.stderr


def test_progress_lines_step_by_ten_percent(capsys: pytest.CaptureFixture[str]) -> None:
    from netcover.app.cli._tools import progress_bar

    assert list(progress_bar(list(range(25)), "Tiles")) == list(range(25))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Tiles: 0% (0/25)" and lines[-1] == "Tiles: 100% (25/25)"
    assert lines[1:4] == ["Tiles: 12% (3/25)", "Tiles: 20% (5/25)", "Tiles: 32% (8/25)"]
    assert len(lines) == 11
