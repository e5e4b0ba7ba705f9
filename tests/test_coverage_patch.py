"""A group folded again only where one sector changed equals a whole cold fold, array for array."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from netcover.config.scenario import load_scenario
from netcover.coverage.engine import CoverageResult, compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.coverage.patch import changed_box, clip_of, intersects
from netcover.data.inputs import load_inputs

from .conftest import site_rows, write_sites


def _small_radius(scenario: Path, *, calibrated: bool) -> Path:
    """The mini district with a 0.7 km radius: each mast's window is a part of the grid."""
    text = scenario.read_text(encoding="utf-8").replace("radius_km = 2.0", "radius_km = 0.7")
    if calibrated:
        text += "\n[calibration.4G]\noffset_db = 1.5\nslope_db_per_decade = -3.0\n"
    scenario.write_text(text, encoding="utf-8")
    return scenario


def _assert_identical(a: CoverageResult, b: CoverageResult) -> None:
    for tech, lay in a.technologies.items():
        for name, array in vars(lay).items():
            np.testing.assert_array_equal(array, getattr(b.technologies[tech], name),
                                          err_msg=f"{tech} {name}", strict=True)
    assert list(a.operator_levels) == list(b.operator_levels)
    assert list(a.technologies) == list(b.technologies)
    assert list(a.operator_classes) == list(b.operator_classes)
    for key, level in a.operator_levels.items():
        np.testing.assert_array_equal(level, b.operator_levels[key], strict=True)
        np.testing.assert_array_equal(a.operator_best_cell[key], b.operator_best_cell[key],
                                      strict=True)
    np.testing.assert_array_equal(a.classes, b.classes, strict=True)
    for op, cls in a.operator_classes.items():
        np.testing.assert_array_equal(cls, b.operator_classes[op], strict=True)
    for name, s in a.service.items():
        for layers, other in ((s.classes, b.service[name].classes), (s.low, b.service[name].low),
                              (s.high, b.service[name].high)):
            for layer, array in layers.items():
                np.testing.assert_array_equal(array, other[layer], strict=True)
    np.testing.assert_array_equal(a.min_loss_db, b.min_loss_db, strict=True)


@pytest.mark.parametrize("calibrated", [False, True])
def test_a_retilted_sector_patches_its_group_as_a_cold_run_would(
        mini_scenario: Path, tmp_path: Path, calibrated: bool) -> None:
    scenario = _small_radius(mini_scenario, calibrated=calibrated)
    cache = tmp_path / "cache"
    compute_coverage(load_inputs(load_scenario(scenario)), cache=LossCache(cache))
    rows = site_rows()
    rows[0]["mech_tilt_deg"] = 9  # S1 (west); S2's window overlaps S1's
    write_sites(scenario.parent / "sites.csv", rows)
    inputs = load_inputs(load_scenario(scenario))
    patched = compute_coverage(inputs, cache=LossCache(cache))
    assert (patched.groups_patched, patched.combined) == (1, "patched")
    cold = compute_coverage(inputs, cache=LossCache(tmp_path / "fresh"))
    assert cold.groups_patched == 0
    _assert_identical(patched, cold)
    uncached = compute_coverage(inputs, threads=1)
    _assert_identical(patched, uncached)
    # and back: the patch of the patch is the first run again
    write_sites(scenario.parent / "sites.csv", site_rows())
    first = load_inputs(load_scenario(scenario))
    again = compute_coverage(first, cache=LossCache(cache))
    assert (again.groups_reused, again.combined) == (1, "cached")  # the first run's layers
    _assert_identical(again, compute_coverage(first))
    moved = [dict(r) for r in site_rows()]
    moved[1]["azimuth_deg"] = 200
    write_sites(scenario.parent / "sites.csv", moved)
    inputs = load_inputs(load_scenario(scenario))
    _assert_identical(compute_coverage(inputs, cache=LossCache(cache)),
                      compute_coverage(inputs, threads=2))


def test_a_patch_of_two_groups_keeps_the_other_groups(mini_scenario: Path, tmp_path: Path) -> None:
    scenario = _small_radius(mini_scenario, calibrated=False)
    rows = site_rows()
    rows[0]["technology"] = "3G"  # S1's first cell is a 3G cell of its own group (2100 MHz)
    rows[0]["frequency_mhz"] = 2100
    write_sites(scenario.parent / "sites.csv", rows)
    inputs = load_inputs(load_scenario(scenario))
    compute_coverage(inputs, cache=LossCache(tmp_path / "c"))
    rows[3]["tx_power_dbm"] = 40  # S2 (east), row 3: the third cell of the 4G group
    write_sites(scenario.parent / "sites.csv", rows)
    inputs = load_inputs(load_scenario(scenario))
    after = compute_coverage(inputs, cache=LossCache(tmp_path / "c"))
    assert (after.groups, after.groups_reused, after.groups_patched) == (2, 1, 1)
    assert after.combined == "patched"  # the 3G layers as before, the 4G group's box again
    _assert_identical(after, compute_coverage(inputs))


def test_the_box_covers_the_windows_of_changed_cells_before_and_after() -> None:
    before = [[0, "a", ["x"], [0, 0, 10, 10]], [1, "b", ["y"], [20, 20, 10, 10]]]
    after = [[0, "a", ["x"], [0, 0, 10, 10]], [1, "c", ["y"], [30, 5, 10, 10]]]
    assert changed_box(before, after) == (20, 5, 20, 25)
    assert changed_box(before, before) is None
    assert changed_box(before, before[:1]) == (20, 20, 10, 10)  # a removed cell
    assert intersects((0, 0, 10, 10), (9, 9, 5, 5))
    assert not intersects((0, 0, 10, 10), (10, 0, 5, 5))
    clip = clip_of(5, 8, (10, 10), (10, 10, 20, 20))
    assert clip == ((slice(5, 10), slice(2, 10)), 0, 0)
    assert clip_of(0, 0, (10, 10), (10, 10, 5, 5)) is None


def test_a_large_change_folds_the_whole_group(mini_scenario: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Both masts changed: the box is 65% of the grid, above the share allowed here (50%): the
    group is folded whole."""
    monkeypatch.setattr("netcover.coverage.patch.MAX_BOX_SHARE", 0.5)
    scenario = _small_radius(mini_scenario, calibrated=False)
    compute_coverage(load_inputs(load_scenario(scenario)), cache=LossCache(tmp_path / "c"))
    rows = [dict(r, mech_tilt_deg=7) for r in site_rows()]
    write_sites(scenario.parent / "sites.csv", rows)
    inputs = load_inputs(load_scenario(scenario))
    after = compute_coverage(inputs, cache=LossCache(tmp_path / "c"))
    assert (after.groups_patched, after.combined) == (0, "computed")
    _assert_identical(after, compute_coverage(dataclasses.replace(inputs)))
