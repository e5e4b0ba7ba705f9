"""Tests of the area engine's bookkeeping kernels: the receivers' order and the views without owner.

The losses themselves are tested in tests/test_area_engine.py and tests/test_area_clutter.py; here,
exact identities: the order in which the radial kernel reads the receivers against a numpy lexsort,
and :func:`~netcover.radio._sampling.borrowed` against the array it views.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from numba import njit

from netcover.radio._radial import _radial_order
from netcover.radio._sampling import borrowed, prefix_count, tail_count


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
