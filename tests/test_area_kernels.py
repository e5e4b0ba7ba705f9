"""Tests of the area engine's bookkeeping kernels: the receivers' order, the views without owner,
the disc's cells in the radial order, the radials sampled one at a time and the combined loss.

The losses themselves are tested in tests/test_area_engine.py and tests/test_area_clutter.py; here,
exact identities: the order in which the radial kernel reads the receivers against a numpy lexsort,
:func:`~netcover.radio._sampling.borrowed` against the array it views, and the fused numba passes
against the NumPy and numba pieces they replace (bit for bit).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from numba import njit

from netcover.radio import _sampling as sampling
from netcover.radio._radial import _radial_order
from netcover.radio._sampling import (
    borrowed,
    cell_geometry,
    disc_cells,
    prefix_count,
    radial_disc,
    radial_heights,
    radial_into,
    radial_pair,
    tail_count,
)
from netcover.radio.basic import p1812_free_space_loss
from netcover.radio.troposcatter import area_loss_into, diffraction_troposcatter_loss, troposcatter_loss


@njit
def _write_through_view(a: np.ndarray, value: float) -> float:
    view = borrowed(a)
    view[0, 1] = value
    row = view[1]
    return row.sum() + view[0, 1]


@njit
def _view_of_an_argument_in_a_loop(a: np.ndarray) -> float:
    total = 0.0
    for i in range(a.shape[0]):
        row = borrowed(a)[i]
        total += row[0] * (i + 1)
    return total


def test_borrowed_view_reads_and_writes_the_array_it_views() -> None:
    a = np.arange(12.0).reshape(3, 4)
    refs = sys.getrefcount(a)
    assert _write_through_view(a, -7.5) == (4.0 + 5.0 + 6.0 + 7.0) - 7.5
    assert a[0, 1] == -7.5
    assert sys.getrefcount(a) == refs  # the view neither keeps nor drops a reference
    assert _view_of_an_argument_in_a_loop(a) == 0.0 * 1 + 4.0 * 2 + 8.0 * 3


@pytest.mark.parametrize(("n_bearings", "n_samples", "n_cells", "seed"),
                         [(8, 6, 40, 1), (64, 40, 3000, 2), (500, 120, 20_000, 3)])
def test_radial_order_is_by_radial_then_prefix_then_index(n_bearings: int, n_samples: int,
                                                         n_cells: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    step_km, n_tail = 0.03, 6
    bearing = rng.uniform(0.0, n_bearings, n_cells)
    bearing[:3] = [n_bearings - 0.4, 0.5, 0.49999]  # the last radial wraps to radial 0
    d_km = rng.uniform(0.01, (n_samples - 2) * step_km, n_cells)
    d_km[3:6] = d_km[6]  # equal distances: ties broken by the index
    h, row, col = (rng.normal(1000.0, 50.0, n_cells), rng.integers(0, 99, n_cells).astype(float),
                   rng.integers(0, 99, n_cells).astype(float))
    start, ints, values = _radial_order(bearing, d_km, h, row, col, step_km, n_tail, n_bearings,
                                        n_samples)

    j = np.floor(bearing + 0.5).astype(np.int64) % n_bearings
    m = np.array([prefix_count(d / step_km, n_tail, n_samples) for d in d_km])
    expected = np.lexsort((np.arange(n_cells), m, j))
    nt = np.array([tail_count(d / step_km, n_tail) for d in d_km])
    np.testing.assert_array_equal(ints, np.column_stack([expected, m[expected], nt[expected],
                                                         row[expected], col[expected]]))
    np.testing.assert_array_equal(values, np.column_stack([d_km, h])[expected])
    np.testing.assert_array_equal(start, np.concatenate([[0], np.cumsum(np.bincount(
        j, minlength=n_bearings))]))


def _window(seed: int, shape: tuple[int, int]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 800.0 + np.cumsum(rng.normal(0.0, 3.0, shape), axis=1)


@pytest.mark.parametrize(("seed", "site", "radius", "masked"),
                         [(1, (20.3, 17.6), 14.2, False), (2, (3.5, 30.2), 25.0, True),
                          (3, (0.0, 0.0), 9.0, False)])
def test_radial_disc_is_disc_cells_in_the_kernels_order(seed: int, site: tuple[float, float],
                                                        radius: float, masked: bool) -> None:
    """radial_disc gives every cell of disc_cells, with the values of cell_geometry bit for bit,
    each radial's cells by prefix m (cells of equal m in any order)."""
    grid = _window(seed, (40, 36))
    r_off, c_off, n_rows, n_cols = 2, 1, 36, 33
    row0, col0 = site
    n_bearings, n_samples, cell, n_tail, amsl, rx = 64, math.ceil(radius) + 2, 30.0, 6, 900.0, 1.5
    mask = (np.random.default_rng(seed).uniform(size=(n_rows, n_cols)) < 0.5 if masked
            else np.zeros((0, 0), dtype=bool))
    scale = n_bearings / (2.0 * math.pi)
    start, ints, values = radial_disc(grid, r_off, c_off, n_rows, n_cols, row0, col0, radius, mask,
                                      scale, n_bearings, n_samples, cell, 1.0, n_tail, amsl, rx)
    flat, bearing, dist, ground, rows, cols = disc_cells(grid, r_off, c_off, n_rows, n_cols, row0,
                                                         col0, radius)
    if masked:
        keep = mask.ravel()[flat]
        flat, bearing, dist, ground, rows, cols = (a[keep] for a in (flat, bearing, dist, ground,
                                                                     rows, cols))
    units, horiz_km, slant_km = cell_geometry(bearing, dist, ground, scale, cell, 1.0, rx, amsl)
    e = np.searchsorted(flat, ints[:, sampling.INT_INDEX])
    np.testing.assert_array_equal(flat[e], ints[:, sampling.INT_INDEX])  # each cell once
    assert ints.shape[0] == flat.size
    radial = np.floor(units[e] + 0.5).astype(np.int64) % n_bearings
    np.testing.assert_array_equal(np.repeat(np.arange(n_bearings), np.diff(start)), radial)
    d_steps = horiz_km[e] / (cell / 1000.0)
    np.testing.assert_array_equal(ints[:, sampling.INT_PREFIX], [prefix_count(d, n_tail, n_samples)
                                                        for d in d_steps])
    np.testing.assert_array_equal(ints[:, sampling.INT_TAIL], [tail_count(d, n_tail) for d in d_steps])
    np.testing.assert_array_equal(ints[:, sampling.INT_ROW], rows[e])
    np.testing.assert_array_equal(ints[:, sampling.INT_COL], cols[e])
    np.testing.assert_array_equal(values[:, sampling.VAL_D], horiz_km[e])
    np.testing.assert_array_equal(values[:, sampling.VAL_GROUND], ground[e])
    np.testing.assert_array_equal(values[:, sampling.VAL_SLANT], slant_km[e])
    for r in range(n_bearings):
        assert np.all(np.diff(ints[start[r]:start[r + 1], sampling.INT_PREFIX]) >= 0)


def test_area_loss_into_is_the_numpy_composition_bit_for_bit() -> None:
    """area_loss_into writes, as float32, the values of p1812_free_space_loss, troposcatter_loss
    and diffraction_troposcatter_loss composed on whole arrays (strided distances too)."""
    rng = np.random.default_rng(18)
    n = 5000
    cols = np.column_stack([rng.uniform(0.001, 15.0, n), rng.uniform(0.0, 1.0, n),
                            rng.uniform(0.03, 15.5, n)])
    ld = np.where(rng.uniform(size=n) < 0.2, 0.0, rng.uniform(0.0, 60.0, n))
    theta = rng.uniform(-20.0, 40.0, n)
    f_ghz, n0 = 1.8, 331.0
    lbfs = p1812_free_space_loss(cols[:, 2], f_ghz)
    lbs = troposcatter_loss(cols[:, 0], theta, f_ghz, n0=n0)
    expected = np.asarray(diffraction_troposcatter_loss(lbfs, lbfs + ld, lbs))
    flat = rng.permutation(2 * n)[:n].astype(np.int32)
    out = np.full(2 * n, np.nan, dtype=np.float32)
    scratch = cols.copy()  # overwritten: the distance columns are scratch
    area_loss_into(out, flat, scratch[:, 2], scratch[:, 0], ld, theta.copy(), f_ghz, n0)
    np.testing.assert_array_equal(out[flat], expected.astype(np.float32))
    assert np.isnan(np.delete(out, flat)).all()
    wide = np.full(2 * n, np.nan)  # float64 output: the very values, not only their float32
    scratch = cols.copy()
    area_loss_into(wide, flat, scratch[:, 2], scratch[:, 0], ld, theta.copy(), f_ghz, n0)
    np.testing.assert_array_equal(wide[flat], expected)


def test_radial_into_is_radial_heights_and_radial_pair() -> None:
    grid = _window(4, (30, 30))
    layer = np.abs(_window(5, (30, 30)) - 800.0)
    heights = radial_heights(grid, 14.3, 15.8, 37, 20, 1.0)
    pair = radial_pair(grid, layer, 14.3, 15.8, 37, 20, 1.0)
    np.testing.assert_array_equal(pair[0], heights)
    h, r = np.empty(20), np.empty(20)
    for j in (0, 9, 36):
        radial_into(grid, layer, True, 14.3, 15.8, j, 37, 1.0, h, r)
        np.testing.assert_array_equal(h, heights[j])
        np.testing.assert_array_equal(r, pair[1][j])
