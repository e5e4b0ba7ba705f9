"""Tests of netcover.links.profiles: dense and max-cell hop profiles, with clutter.

Synthetic grid: 30 m cells, flat ground at 0 m, a 3 km hop along the centres of row 2 from column
0.5 to column 100.5 (fractional cell indices, centres at integers), 20 m masts at 15 GHz. At mid
path F1 = sqrt(0.02 m * 1500 m * 1500 m / 3000 m) = 3.87 m and the earth bulge (k = 4/3) is 0.13 m,
so a point clears 0.6 F1 while it stays below about 20 - 0.13 - 2.32 = 17.5 m.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import ModelError
from netcover.links.microwave import min_clearance
from netcover.links.profiles import dense_profile, max_cell_profile
from netcover.radio.area import profile_between

CELL = 30.0
ORIGIN = (0.0, 5 * CELL)
A = (CELL, ORIGIN[1] - 2.5 * CELL)  # column 0.5 on the centre line of row 2 (y = 75 m)
B = (101.0 * CELL, ORIGIN[1] - 2.5 * CELL)
MAST, FREQ, K = 20.0, 15.0, 4.0 / 3.0


def _clearance(profile: tuple[np.ndarray, np.ndarray]) -> float:
    return min_clearance(*profile, MAST, MAST, FREQ, K)[0]


def _flat() -> np.ndarray:
    return np.zeros((5, 110))


def test_one_cell_crest_is_found_by_dense_profiles_and_missed_by_cell_sampling() -> None:
    dem = _flat()
    dem[2, 50] = 18.5  # one cell, centred between the 1-per-cell samples at columns 49.5 and 50.5
    old = profile_between(dem, ORIGIN, CELL, A, B, step_m=None)
    assert old[1].max() == pytest.approx(9.25)  # seen at half its height
    assert _clearance(old) >= 0.6  # (20 - 9.25 - 0.13) / 3.87 = 2.74: the old check passes
    dense = dense_profile(dem, ORIGIN, CELL, A, B)
    assert dense[0].size == 2 * (old[0].size - 1) + 1
    assert dense[1].max() == pytest.approx(18.5)
    assert _clearance(dense) < 0.6  # (20 - 18.5 - 0.13) / 3.87 = 0.35
    stepped = max_cell_profile(dem, ORIGIN, CELL, A, B)
    assert _clearance(stepped) == pytest.approx(0.353, abs=0.01)


def test_trees_break_a_clearance_bare_earth_passes() -> None:
    dem = _flat()
    dem[:, 40:61] = 5.0  # a low ridge: bare earth clears (20 - 5 - 0.13) / 3.87 = 3.8 F1
    trees = np.zeros_like(dem)
    trees[:, 45:56] = 15.0  # forest on the ridge: 20 m tops leave no clearance at all
    for make in (dense_profile, max_cell_profile):
        bare = make(dem, ORIGIN, CELL, A, B)
        wooded = make(dem, ORIGIN, CELL, A, B, clutter=trees)
        assert _clearance(bare) >= 0.6
        assert _clearance(wooded) < 0.0
        # The ends stay on bare ground: the mast heights are measured from them.
        assert wooded[1][0] == bare[1][0] and wooded[1][-1] == bare[1][-1]


def test_clutter_at_the_ends_does_not_lift_the_masts() -> None:
    dem = _flat()
    trees = np.full_like(dem, 10.0)
    _, h_m = dense_profile(dem, ORIGIN, CELL, A, B, clutter=trees)
    assert h_m[0] == 0.0 and h_m[-1] == 0.0
    assert np.all(h_m[1:-1] == pytest.approx(10.0))


@settings(max_examples=40, deadline=None)
@given(st.floats(0.6, 8.4), st.floats(0.6, 4.4), st.floats(0.6, 8.4), st.floats(0.6, 4.4),
       st.integers(0, 2**32 - 1))
def test_max_cell_profile_holds_every_cell_the_ray_crosses(x_a: float, y_a: float, x_b: float,
                                                           y_b: float, seed: int) -> None:
    # Every cell a dense sample falls in is crossed by the ray, so the stepped profile's highest
    # interior point is at least that cell's height; and each of its points is a cell's height.
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0.0, 30.0, (6, 10))
    top = ORIGIN[1] + CELL
    a, b = (x_a * CELL, top - y_a * CELL), (x_b * CELL, top - y_b * CELL)
    if np.hypot(a[0] - b[0], a[1] - b[1]) < 1.0:
        return
    stepped = max_cell_profile(dem, (0.0, top), CELL, a, b)
    t = np.linspace(0.0, 1.0, 201)[1:-1]
    rows = y_a - 0.5 + t * (y_b - y_a)
    cols = x_a - 0.5 + t * (x_b - x_a)
    inside = (np.abs(rows - np.floor(rows) - 0.5) > 1e-6) & (np.abs(cols - np.floor(cols) - 0.5) > 1e-6)
    crossed = dem[np.rint(rows[inside]).astype(int), np.rint(cols[inside]).astype(int)]
    if crossed.size:
        assert stepped[1][1:-1].max() >= crossed.max()
    assert np.all(np.isin(stepped[1][1:-1], dem))
    assert np.all(np.diff(stepped[0]) > 0.0)
    assert stepped[0][-1] == pytest.approx(np.hypot(a[0] - b[0], a[1] - b[1]) / 1000.0)


def test_bad_inputs_are_refused() -> None:
    dem = _flat()
    with pytest.raises(ModelError, match="samples_per_cell"):
        dense_profile(dem, ORIGIN, CELL, A, B, samples_per_cell=1)
    with pytest.raises(ModelError, match="shape"):
        dense_profile(dem, ORIGIN, CELL, A, B, clutter=np.zeros((2, 2)))
    with pytest.raises(ModelError, match=">= 0"):
        max_cell_profile(dem, ORIGIN, CELL, A, B, clutter=np.full_like(dem, -1.0))
    with pytest.raises(ModelError, match="outside the DEM"):
        max_cell_profile(dem, ORIGIN, CELL, A, (1e6, 0.0))
