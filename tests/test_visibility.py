"""Tests of the line-of-sight grid (netcover.radio.visibility)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import ModelError
from netcover.radio._radial import bilinear_height
from netcover.radio.area import BEARINGS_PER_RIM_CELL, profile_between, site_loss_grid
from netcover.radio.visibility import EARTH_RADIUS_KM, line_of_sight_grid

CELL = 30.0
ORIGIN = (500_000.0, 2_560_000.0)
FLAT_K = 1.0e9  # effectively a flat earth


def _smooth_dem(n: int, seed: int) -> np.ndarray:
    """Seeded hills on an n x n grid of 30 m cells: a few hundred metres of relief."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n] * CELL
    z = 500.0 + 40.0 * np.sin(x / 700.0) * np.cos(y / 900.0)
    for _ in range(12):
        cx, cy = rng.uniform(0.0, n * CELL, 2)
        z += rng.uniform(20.0, 120.0) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / rng.uniform(150, 400) ** 2)
    return z


def _centre(n: int) -> tuple[float, float]:
    """Centre of the middle cell of an n x n DEM at ORIGIN."""
    return ORIGIN[0] + (n // 2 + 0.5) * CELL, ORIGIN[1] - (n // 2 + 0.5) * CELL


def _cell_xy(row: int, col: int) -> tuple[float, float]:
    return ORIGIN[0] + (col + 0.5) * CELL, ORIGIN[1] - (row + 0.5) * CELL


def _sees(d_m: np.ndarray, h_m: np.ndarray, hts: float, hrs: float, a_m: float) -> bool:
    """Brute force on one profile: no intermediate point above the ray (tangent angles)."""
    di, hi, d = d_m[1:-1], h_m[1:-1], d_m[-1]
    if di.size == 0:
        return True
    return bool(np.max((hi - hts) / di - di / (2 * a_m)) <= (hrs - hts) / d - d / (2 * a_m))


def test_matches_a_per_cell_check_on_the_nearest_radial() -> None:
    n, radius = 61, 800.0
    dem = _smooth_dem(n, seed=7)
    site = _centre(n)
    vis, r_off, c_off = line_of_sight_grid(dem, ORIGIN, CELL, site, 10.0, 1.5, radius)
    a_m = 4.0 / 3.0 * EARTH_RADIUS_KM * 1000.0
    r_cells = radius / CELL
    n_bearings = max(math.ceil(BEARINGS_PER_RIM_CELL * 2.0 * math.pi * r_cells), 8)
    row0 = col0 = n // 2
    hts = float(dem[row0, col0]) + 10.0
    checked = 0
    for r in range(vis.shape[0]):
        for c in range(vis.shape[1]):
            dr, dc = row0 - (r + r_off), (c + c_off) - col0
            d_cells = math.hypot(dr, dc)
            if d_cells > r_cells:
                assert not vis[r, c]
                continue
            m = max(math.floor(d_cells - 0.5), 0)
            theta = math.atan2(dc, dr) % (2.0 * math.pi)
            j = math.floor(theta * n_bearings / (2.0 * math.pi) + 0.5) % n_bearings
            b = 2.0 * math.pi * j / n_bearings
            k = np.arange(m + 1)
            h = np.array([bilinear_height(dem, row0 - ki * math.cos(b), col0 + ki * math.sin(b)) for ki in k])
            d_m = np.append(k * CELL, d_cells * CELL)
            h_m = np.append(h, dem[r + r_off, c + c_off])
            assert vis[r, c] == _sees(d_m, h_m, hts, float(dem[r + r_off, c + c_off]) + 1.5, a_m), (r, c)
            checked += 1
    assert checked > 2000
    assert 0.05 < vis.sum() / checked < 0.95  # both verdicts occur


def test_agrees_with_straight_line_profiles() -> None:
    n, radius = 81, 1100.0
    dem = _smooth_dem(n, seed=11)
    site = _centre(n)
    vis, r_off, c_off = line_of_sight_grid(dem, ORIGIN, CELL, site, 15.0, 1.5, radius)
    a_m = 4.0 / 3.0 * EARTH_RADIUS_KM * 1000.0
    rng = np.random.default_rng(3)
    rows, cols = np.nonzero(_disc(vis.shape, n, r_off, c_off, radius))
    same = 0
    picks = rng.choice(rows.size, 400, replace=False)
    for i in picks:
        r, c = rows[i] + r_off, cols[i] + c_off
        xy = _cell_xy(r, c)
        if math.hypot(xy[0] - site[0], xy[1] - site[1]) < 2 * CELL:
            same += 1
            continue
        d_km, h = profile_between(dem, ORIGIN, CELL, site, xy)
        ref = _sees(d_km * 1000.0, h, h[0] + 15.0, h[-1] + 1.5, a_m)
        same += ref == vis[rows[i], cols[i]]
    assert same / picks.size >= 0.95


def _disc(shape: tuple[int, int], n: int, r_off: int, c_off: int, radius: float) -> np.ndarray:
    rr, cc = np.mgrid[0:shape[0], 0:shape[1]]
    return np.hypot(rr + r_off - n // 2, cc + c_off - n // 2) * CELL <= radius


def test_window_and_disc_are_those_of_the_loss_grid() -> None:
    n = 71
    dem = _smooth_dem(n, seed=5)
    site = (ORIGIN[0] + 300.0, ORIGIN[1] - 1000.0)  # near the west edge: the window is clipped
    vis = line_of_sight_grid(dem, ORIGIN, CELL, site, 20.0, 1.5, 900.0)
    loss = site_loss_grid(dem, ORIGIN, CELL, site, 20.0, 1.5, 900.0, 900.0)
    assert vis.visible.shape == loss.loss_db.shape
    assert (vis.row_off, vis.col_off) == (loss.row_off, loss.col_off)
    assert not vis.visible[np.isnan(loss.loss_db)].any()


def test_flat_earth_within_the_radio_horizon_sees_everything() -> None:
    n = 1001
    dem = np.zeros((n, n), dtype=np.float32)
    vis, _, _ = line_of_sight_grid(dem, ORIGIN, CELL, _centre(n), 30.0, 1.5, 15_000.0)
    assert vis.sum() == _disc(vis.shape, n, 0, 0, 15_000.0).sum()


def test_flat_earth_hides_cells_beyond_the_radio_horizon() -> None:
    n, cell, tx, rx, k = 451, 200.0, 30.0, 1.5, 4.0 / 3.0
    dem = np.zeros((n, n))
    site = (ORIGIN[0] + (n // 2 + 0.5) * cell, ORIGIN[1] - (n // 2 + 0.5) * cell)
    vis, r_off, c_off = line_of_sight_grid(dem, ORIGIN, cell, site, tx, rx, 44_000.0, k_factor=k)
    a_m = k * EARTH_RADIUS_KM * 1000.0
    horizon = math.sqrt(2 * a_m * tx) + math.sqrt(2 * a_m * rx)  # 27.6 km
    rr, cc = np.mgrid[0:vis.shape[0], 0:vis.shape[1]]
    d = np.hypot(rr + r_off - n // 2, cc + c_off - n // 2) * cell
    assert vis[d < horizon - 2 * cell].all()
    assert not vis[(d > horizon + 2 * cell)].any()


def test_a_ridge_shadows_the_cells_behind_it() -> None:
    n = 301
    dem = np.zeros((n, n))
    c0 = n // 2
    dem[:, c0 + 33:c0 + 36] = 20.0  # north-south ridge 990-1050 m east of the site, 20 m high
    vis, r_off, c_off = line_of_sight_grid(dem, ORIGIN, CELL, _centre(n), 30.0, 1.5, 4000.0,
                                           k_factor=FLAT_K)
    east = vis[c0 - r_off, c0 - c_off:]  # the site's row, eastwards: index = distance in cells
    # behind the ridge the ray from 30 m to 1.5 m clears its far edge from 28.5 / (10 / 1050) m on
    shadow_end = math.ceil(28.5 * 1050.0 / 10.0 / CELL)  # 100 cells
    assert east[:36].all()
    assert not east[36:shadow_end].any()
    assert east[shadow_end:].all()
    west = vis[c0 - r_off, :c0 - c_off]
    assert west.all()


_HILLS = _smooth_dem(41, seed=19)


@settings(max_examples=25, deadline=None)
@given(h1=st.floats(1.0, 60.0), dh=st.floats(0.5, 60.0), rx=st.floats(0.0, 10.0))
def test_a_higher_antenna_never_hides_a_visible_cell(h1: float, dh: float, rx: float) -> None:
    site = _centre(41)
    low = line_of_sight_grid(_HILLS, ORIGIN, CELL, site, h1, rx, 580.0).visible
    high_tx = line_of_sight_grid(_HILLS, ORIGIN, CELL, site, h1 + dh, rx, 580.0).visible
    high_rx = line_of_sight_grid(_HILLS, ORIGIN, CELL, site, h1, rx + dh, 580.0).visible
    assert not (low & ~high_tx).any()
    assert not (low & ~high_rx).any()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"tx_height_m": -1.0}, "tx_height_m"),
    ({"rx_height_m": -0.5}, "rx_height_m"),
    ({"radius_m": 0.0}, "radius_m"),
    ({"k_factor": 0.0}, "k_factor"),
    ({"site_xy": (0.0, 0.0)}, "outside the DEM"),
])
def test_bad_input_is_a_model_error(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"dem": _HILLS, "origin_xy": ORIGIN, "cell_size_m": CELL,
                               "site_xy": _centre(41), "tx_height_m": 20.0, "rx_height_m": 1.5,
                               "radius_m": 300.0}
    args.update(kwargs)
    with pytest.raises(ModelError, match=field):
        line_of_sight_grid(**args)  # type: ignore[arg-type]
