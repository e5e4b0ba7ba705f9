"""The ``p1812_near_cells`` note: cells nearer to a site than P.1812's 0.25 km lower limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from affine import Affine

from netcover.app.summary import section_notes
from netcover.config.scenario import load_scenario
from netcover.core.notes import Note
from netcover.coverage.nearfield import cells_near, near_site_notes
from netcover.data.inputs import load_inputs
from netcover.outputs.report._context import note_text


def test_cells_near_counts_cell_centres_in_the_disc() -> None:
    t = Affine(100.0, 0.0, 0.0, 0.0, -100.0, 1000.0)  # 10 x 10 cells of 100 m
    near = cells_near(t, (10, 10), np.array([500.0]), np.array([500.0]), 250.0)
    # centres at (450|550, 450|550) +- 100 m: the 4 central cells at 71 m, 8 at 158 m, 4 at 212 m
    assert near.size == 16
    # two sites sharing cells: counted once; a site at the corner: a clipped disc
    both = cells_near(t, (10, 10), np.array([500.0, 600.0]), np.array([500.0, 500.0]), 250.0)
    assert np.unique(both).size == both.size and 16 < both.size < 32
    assert cells_near(t, (10, 10), np.array([0.0]), np.array([1000.0]), 250.0).size == 4


def test_note_counts_cells_and_people(mini_scenario: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    (note,) = near_site_notes(inputs)
    assert note.code == "p1812_near_cells"
    cells, people = note.params["cells"], note.params["people"]
    size = inputs.terrain.cell_size
    n_sites = inputs.cells.drop_duplicates("site_id").shape[0]
    # each site's 0.25 km disc holds about pi 250^2 / size^2 cells (sites far apart here)
    assert abs(cells - n_sites * np.pi * 250.0**2 / size**2) <= n_sites * 2 * np.pi * 250.0 / size
    assert people is not None and 0 <= people <= inputs.population.total
    assert f"{cells:,} DEM cells" in note.text and "not valid there" in note.text
    assert note in section_notes(inputs)
    vi = note_text(note, "vi")
    assert vi != note.text and "0,25 km" in vi


def test_no_note_for_other_models(mini_scenario: Path) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    cov = dataclasses.replace(inputs.scenario.coverage, model="fspl")
    other = dataclasses.replace(inputs, scenario=dataclasses.replace(inputs.scenario, coverage=cov))
    assert near_site_notes(other) == []
    assert not any(isinstance(n, Note) and n.code == "p1812_near_cells" for n in section_notes(other))
