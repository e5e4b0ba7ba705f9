"""`netcover report` on the results of a single step (coverage, plan-sites, evaluate): a map and
the report sections the results allow, without the ``input_summary.json`` of a full run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netcover.app.pipeline import interactive_maps
from netcover.errors import DataFileError
from netcover.outputs.report import build_outputs
from netcover.outputs.results import RunFolder

from .test_report_vi import hand_made_run


def step_only(tmp_path: Path, keep: tuple[str, ...]) -> Path:
    """A hand-made results folder reduced to the ``keep`` step folders, no input summary."""
    full = hand_made_run(tmp_path / "full").path
    folder = tmp_path / "step"
    for name in keep:
        shutil.copytree(full / name, folder / name)
    return folder


@pytest.mark.parametrize("keep", [("coverage",), ("siting",), ("proposals", "coverage")],
                         ids=["coverage", "plan-sites", "evaluate"])
def test_report_of_one_step_gives_a_map_and_its_sections(tmp_path: Path,
                                                         keep: tuple[str, ...]) -> None:
    folder = step_only(tmp_path, keep)
    run = RunFolder.open(folder)
    assert RunFolder.open(folder / keep[0]).path == folder  # the step's own folder works too
    summary = run.summary()
    assert summary["crs"] == "EPSG:32648" and len(summary["extent_lonlat"]) == 4
    files = build_outputs(run, tmp_path / "out", formats=("png",), map_builder=interactive_maps)
    names = {p.name for p in files}
    assert {"map_en.html", "map_vi.html", "report_en.html", "report_vi.html"} <= names
    if "siting" in keep:
        assert "site_plan_en.png" in names and "ranked_sites_en.csv" in names
    if "proposals" in keep:
        assert "proposals_en.csv" in names
    if "coverage" in keep:
        assert "coverage_by_commune_en.csv" in names


def test_a_folder_without_results_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="coverage/"):
        RunFolder.open(tmp_path)


def test_the_report_command_shows_its_progress(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from netcover.app.cli import cli

    folder = step_only(tmp_path, ("coverage",))
    result = CliRunner().invoke(cli, ["report", str(folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Print maps, charts and interactive maps: 100%" in result.stderr
    assert "Reports: 100% (1/1)" in result.stderr
    assert result.stdout.startswith("Wrote ")
