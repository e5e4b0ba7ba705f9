"""check_inputs reads the site inventory once: for the DEM window and for the cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netcover.config.scenario import load_scenario
from netcover.data import inputs as inputs_module
from netcover.data.inputs import check_inputs, read_cells

from .conftest import site_rows, write_sites


@pytest.fixture
def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths :func:`netcover.data.inputs.read_sites` is called with, as they come."""
    calls: list[Path] = []
    real = inputs_module.read_sites

    def counting(path: Path, **kwargs: float) -> object:
        calls.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(inputs_module, "read_sites", counting)
    return calls


def test_the_sites_are_read_once(mini_scenario: Path, counted_reads: list[Path]) -> None:
    scenario = load_scenario(mini_scenario)
    inputs, problems = check_inputs(scenario)
    assert inputs is not None and inputs.cells is not None
    assert not [p for p in problems if p.severity == "error"]
    assert counted_reads == [scenario.inputs.sites]
    # the cells are those read_cells makes on its own (which reads the file again)
    alone, _ = read_cells(scenario, inputs.terrain)
    assert len(counted_reads) == 2
    assert alone is not None
    pd.testing.assert_frame_equal(alone, inputs.cells)


def test_a_site_problem_is_reported_once(mini_scenario: Path, counted_reads: list[Path]) -> None:
    rows = site_rows()
    rows[0]["height_m"] = -5
    write_sites(mini_scenario.parent / "sites.csv", rows)
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    height = [p for p in problems if p.field == "height_m"]
    assert len(height) == 1 and height[0].where == "row 2"
    assert len(counted_reads) == 1


def test_unreadable_sites_are_reported(mini_scenario: Path, counted_reads: list[Path]) -> None:
    (mini_scenario.parent / "sites.csv").unlink()
    _inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert [p for p in problems if p.severity == "error" and "sites.csv" in p.source]
