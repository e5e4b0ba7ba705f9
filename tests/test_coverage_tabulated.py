"""Sectors folded from their gain tables (``add_tabulated``) equal their level windows added one by
one, bit for bit: in the accumulator and through the whole coverage engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netcover.config.scenario import load_scenario
from netcover.coverage._geometry_kernels import BEARING_STEP_DEG, sector_level, table_axes
from netcover.coverage.engine import compute_coverage
from netcover.coverage.sectors import SectorLevels
from netcover.data.inputs import load_inputs
from netcover.errors import InputError
from netcover.radio.servers import ServerAccumulator

from .test_coverage_patch import _assert_identical

_ARRAYS = ("_best", "_best_cell", "_best_freq", "_top", "_total")


def _window(rng: np.random.Generator, shape: tuple[int, int], n: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A loss window (NaN in places), its bearings and elevation rows (some off the table) and
    ``n`` gain tables, the first two equal (ties)."""
    bearings, elevations = table_axes()
    loss = (90.0 + 70.0 * rng.random(shape)).astype(np.float32)
    loss[rng.random(shape) < 0.2] = np.nan
    bearing = (360.0 * rng.random(shape)).astype(np.float32)
    elev = ((elevations.size + 20) * rng.random(shape) - 10.0).astype(np.float32)
    tables = (-25.0 * rng.random((n, elevations.size, bearings.size))).astype(np.float32)
    tables[1] = tables[0]
    return loss, bearing, elev, tables


def _both(seed: int, cap: int) -> tuple[ServerAccumulator, ServerAccumulator]:
    """The same masts added level window by level window, and from their tables."""
    rng = np.random.default_rng(seed)
    by_level = ServerAccumulator((40, 50), [900.0, 1800.0], max_counted=cap)
    by_table = ServerAccumulator((40, 50), [900.0, 1800.0], max_counted=cap)
    for mast in range(6):
        h, w = int(rng.integers(5, 40)), int(rng.integers(5, 50))
        r0, c0 = int(rng.integers(0, 41 - h)), int(rng.integers(0, 51 - w))
        loss, bearing, elev, tables = _window(rng, (h, w), 3)
        fixed = [12.0, 12.0, float(rng.normal(15.0, 3.0))]
        cells = [3 * mast + 2, 3 * mast + 1, 3 * mast]  # not in index order
        freq = (900.0, 1800.0)[mast % 2]
        for cell, table, f in zip(cells, tables, fixed, strict=True):
            by_level.add(cell, freq, r0, c0, sector_level(loss, bearing, elev, table, f))
        by_table.add_tabulated(cells, freq, r0, c0, loss, bearing, elev, tables, fixed,
                               bearing_step_deg=BEARING_STEP_DEG)
    return by_level, by_table


@pytest.mark.parametrize(("seed", "cap"), [(1, 8), (2, 2), (3, 1)])
def test_tabulated_fold_equals_adding_each_level_window(seed: int, cap: int) -> None:
    by_level, by_table = _both(seed, cap)
    for name in _ARRAYS:
        a, b = getattr(by_level, name), getattr(by_table, name)
        assert a.tobytes() == b.tobytes(), name
    assert min(cap, 2) <= by_level.server_count().max() <= cap  # two equal sectors tie
    assert by_level.sinr_db(-125.0).tobytes() == by_table.sinr_db(-125.0).tobytes()


def test_tabulated_level_is_budget_plus_gain_minus_loss() -> None:
    """A flat table: every cell's level is fixed + gain - loss, the best the higher budget."""
    bearings, elevations = table_axes()
    tables = np.full((2, elevations.size, bearings.size), -3.0, dtype=np.float32)
    loss = np.array([[100.0, np.nan], [120.0, 110.0]], dtype=np.float32)
    acc = ServerAccumulator((3, 3), [1800.0], overlap_margin_db=6.0)
    acc.add_tabulated([4, 7], 1800.0, 1, 1, loss, np.full((2, 2), 90.0, np.float32),
                      np.full((2, 2), 300.0, np.float32), tables, [20.0, 16.0],
                      bearing_step_deg=BEARING_STEP_DEG)
    expected = np.full((3, 3), np.nan, dtype=np.float32)
    expected[1:, 1:] = np.float32(17.0) - loss
    np.testing.assert_array_equal(acc.best_level_dbm(), expected)
    cells = np.full((3, 3), -1, dtype=np.int32)
    cells[1:, 1:] = np.where(np.isnan(loss), -1, 4)
    np.testing.assert_array_equal(acc.best_cell(), cells)
    assert acc.server_count()[1, 1] == 2  # 4 dB apart, within the 6 dB margin
    sinr = acc.sinr_db(-200.0)[1, 1]  # no noise: S / I = 10 ** 0.4
    assert sinr == pytest.approx(4.0, abs=1e-4)


def _args(**changes: object) -> dict[str, object]:
    bearings, elevations = table_axes()
    args: dict[str, object] = {
        "cell_indices": [0, 1], "frequency_mhz": 900.0, "row_off": 0, "col_off": 0,
        "loss_db": np.zeros((2, 2), np.float32), "bearing_deg": np.zeros((2, 2), np.float32),
        "elevation_row": np.zeros((2, 2), np.float32),
        "tables": np.zeros((2, elevations.size, bearings.size), np.float32),
        "fixed_db": [0.0, 1.0]}
    return {**args, **changes}


@pytest.mark.parametrize(("changes", "match"), [
    ({"bearing_deg": np.zeros((2, 3), np.float32)}, "share one shape"),
    ({"fixed_db": [0.0]}, "one gain table"),
    ({"tables": np.full((2, 1, 5), 0.0, np.float32)}, "at least 2 x 2"),
    ({"fixed_db": [0.0, np.inf]}, "finite"),
    ({"row_off": 3}, "leaves the"),
    ({"cell_indices": [0, -1]}, "non-negative"),
    ({"frequency_mhz": 2100.0}, "not one of"),
])
def test_tabulated_fold_rejects_bad_arguments(changes: dict[str, object], match: str) -> None:
    acc = ServerAccumulator((4, 4), [900.0, 1800.0])
    with pytest.raises(InputError, match=match):
        acc.add_tabulated(**_args(**changes), bearing_step_deg=BEARING_STEP_DEG)  # type: ignore[arg-type]
    acc.add(0, 1800.0, 0, 0, np.zeros((1, 1), np.float32))
    with pytest.raises(InputError, match="one cell index per"):
        acc.add_tabulated(**_args(), bearing_step_deg=BEARING_STEP_DEG)  # type: ignore[arg-type]


def test_engine_folds_tables_as_it_folds_level_windows(mini_scenario: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = load_inputs(load_scenario(mini_scenario))
    tabulated = compute_coverage(inputs)
    monkeypatch.setattr(SectorLevels, "calibrated", lambda self, sectors: True)  # level windows
    by_level = compute_coverage(inputs)
    _assert_identical(tabulated, by_level)
    assert tabulated.operator_levels and all(
        np.isfinite(level).any() for level in tabulated.operator_levels.values())
