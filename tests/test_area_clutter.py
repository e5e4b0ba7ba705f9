"""Clutter heights in the area engine (ITU-R P.1812-6 Section 3.2).

The engine must give, cell by cell, what :func:`~netcover.radio.p1812.p1812_profile_loss` gives with
``r_m`` on the profile the engine uses (:func:`tests.area_profiles.engine_profile`): clutter on the
intermediate points of the Bullington loss, terminals at ground height, horizon angles and smooth
earth on the ground.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcover.errors import ModelError
from netcover.radio._radial import cell_diffraction_loss
from netcover.radio.area import site_loss_grid
from netcover.radio.basic import effective_earth_radius_km
from netcover.radio.p1812 import p1812_profile_loss
from tests.area_profiles import engine_profile, radial_tail_args

CELL = 30.0
ORIGIN = (500_000.0, 2_560_000.0)
HTX, HRX = 25.0, 1.5
RADIUS = 1_500.0


def _cell_xy(row: float, col: float) -> tuple[float, float]:
    return ORIGIN[0] + (col + 0.5) * CELL, ORIGIN[1] - (row + 0.5) * CELL


def _terrain(n: int = 110, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Hilly ground with 1 m roughness, and forest patches 8-25 m tall (clutter), both seeded."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n] * CELL
    z = 600.0 + 0.01 * x
    for _ in range(6):
        cx, cy = rng.uniform(0.0, n * CELL, 2)
        z += rng.uniform(30.0, 120.0) * np.exp(-(np.hypot(x - cx, y - cy) / rng.uniform(150, 400)) ** 2)
    z += rng.normal(0.0, 1.0, z.shape)
    clutter = np.zeros_like(z)
    for _ in range(12):
        cx, cy = rng.uniform(0.0, n * CELL, 2)
        clutter[np.hypot(x - cx, y - cy) < rng.uniform(100.0, 400.0)] = rng.uniform(8.0, 25.0)
    return z.astype(np.float32), clutter.astype(np.float32)


@pytest.fixture(scope="module")
def terrain() -> tuple[np.ndarray, np.ndarray]:
    return _terrain()


SITE = _cell_xy(54.3, 55.6)


@pytest.mark.parametrize("f_mhz", [900.0, 2600.0])
def test_engine_equals_per_profile_model_with_clutter(terrain: tuple[np.ndarray, np.ndarray],
                                                      f_mhz: float) -> None:
    dem, clutter = terrain
    grid = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, f_mhz, RADIUS, clutter_m=clutter)
    bare = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, f_mhz, RADIUS)
    rng = np.random.default_rng(5)
    rows, cols = np.nonzero(np.isfinite(grid.loss_db))
    changed = 0
    for i in rng.choice(rows.size, 60, replace=False):
        r, c = int(rows[i]) + grid.row_off, int(cols[i]) + grid.col_off
        d_km, h_m, r_m = engine_profile(dem, ORIGIN, CELL, SITE, RADIUS, r, c, clutter)
        if d_km.size < 3:
            continue
        ref = p1812_profile_loss(d_km, h_m, HTX, HRX, f_mhz / 1000.0, r_m=r_m)["Lb_noduct"]
        got = float(grid.loss_db[rows[i], cols[i]])
        assert got == pytest.approx(ref, abs=1e-4), (r, c)  # float32 output: 1e-5 dB rounding
        changed += abs(got - float(bare.loss_db[rows[i], cols[i]])) > 0.1
    assert changed > 10  # the clutter matters on this terrain: the check is not of bare ground


def test_one_radial_with_clutter_equals_per_profile_model() -> None:
    """Receivers at the samples of one radial, clutter on it: Ld50 and theta to rounding."""
    rng = np.random.default_rng(11)
    n = 70
    h = 500.0 + np.cumsum(rng.normal(0.0, 4.0, n))
    r = np.where(rng.uniform(size=n) < 0.5, rng.uniform(5.0, 25.0, n), 0.0)
    step_km = CELL / 1000.0
    k = np.arange(2, n)
    ae = effective_earth_radius_km(45.0)
    for f_mhz in (150.0, 900.0, 2600.0):
        ld, theta = cell_diffraction_loss(h[None, :], r[None, :], step_km, HTX, HRX, f_mhz / 1000.0,
                                          1, ae, 4, np.zeros(k.size), k * step_km, h[k],
                                          *radial_tail_args(h, k, r))
        for i, kk in enumerate(k):
            rm = r[:kk + 1].copy()
            rm[0] = rm[-1] = 0.0
            ref = p1812_profile_loss(np.arange(kk + 1) * step_km, h[:kk + 1], HTX, HRX,
                                     f_mhz / 1000.0, r_m=rm)
            assert ld[i] == pytest.approx(ref["Ld50"], abs=1e-6), (f_mhz, kk)
            assert theta[i] == pytest.approx(ref["theta"], abs=1e-6), (f_mhz, kk)


def test_zero_clutter_is_no_clutter(terrain: tuple[np.ndarray, np.ndarray]) -> None:
    dem, _ = terrain
    none = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 1800.0, RADIUS)
    zero = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 1800.0, RADIUS,
                          clutter_m=np.zeros(dem.shape, dtype=np.float32))
    np.testing.assert_array_equal(zero.loss_db, none.loss_db)


def test_forest_strip_in_front_of_receivers_raises_the_loss() -> None:
    """A 20 m forest strip across the path, 8-10 cells east of the site, on flat ground."""
    dem = np.full((61, 61), 300.0, dtype=np.float32)
    forest = np.zeros_like(dem)
    forest[:, 38:41] = 20.0
    site = _cell_xy(30, 30)
    bare = site_loss_grid(dem, ORIGIN, CELL, site, HTX, HRX, 1800.0, 900.0)
    wood = site_loss_grid(dem, ORIGIN, CELL, site, HTX, HRX, 1800.0, 900.0, clutter_m=forest)
    r, c0 = 30 - bare.row_off, 30 - bare.col_off
    behind = slice(c0 + 12, c0 + 29)
    assert np.all(wood.loss_db[r, behind] > bare.loss_db[r, behind] + 3.0)
    before = slice(c0 + 1, c0 + 8)  # the receiver's own cell keeps its ground: no change before
    np.testing.assert_array_equal(wood.loss_db[r, before], bare.loss_db[r, before])
    west = slice(c0 - 28, c0 - 1)  # the other side of the site: no forest, no change
    np.testing.assert_array_equal(wood.loss_db[r, west], bare.loss_db[r, west])


@pytest.mark.parametrize(("bad", "words"), [("shape", "shape"), ("nan", "NaN"),
                                           ("negative", "negative")])
def test_bad_clutter_raises(terrain: tuple[np.ndarray, np.ndarray], bad: str,
                            words: str) -> None:
    dem, clutter = terrain
    layer = clutter.copy()
    if bad == "nan":
        layer[54, 60] = np.nan
    elif bad == "negative":
        layer[50, 50] = -3.0
    else:
        layer = np.zeros((5, 5))
    with pytest.raises(ModelError, match=words):
        site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 900.0, RADIUS, clutter_m=layer)


def test_clutter_is_ignored_by_free_space(terrain: tuple[np.ndarray, np.ndarray]) -> None:
    dem, clutter = terrain
    with_c = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 900.0, 600.0, model="fspl",
                            clutter_m=clutter)
    without = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 900.0, 600.0, model="fspl")
    np.testing.assert_array_equal(with_c.loss_db, without.loss_db)
    assert math.isfinite(float(np.nanmax(with_c.loss_db)))


@pytest.mark.parametrize("with_clutter", [False, True])
def test_deygout_equals_per_profile_model(terrain: tuple[np.ndarray, np.ndarray],
                                          with_clutter: bool) -> None:
    """diffraction="deygout": the engine equals p1812_profile_loss(diffraction="deygout") on the
    engine's profile, and gives more loss than Bullington somewhere behind terrain (not everywhere:
    one Deygout edge can give less than Bullington's equivalent edge)."""
    dem, clutter = terrain
    layer = clutter if with_clutter else None
    grid = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 1800.0, RADIUS, clutter_m=layer,
                          diffraction="deygout")
    bull = site_loss_grid(dem, ORIGIN, CELL, SITE, HTX, HRX, 1800.0, RADIUS, clutter_m=layer)
    rng = np.random.default_rng(8)
    rows, cols = np.nonzero(np.isfinite(grid.loss_db))
    for i in rng.choice(rows.size, 40, replace=False):
        r, c = int(rows[i]) + grid.row_off, int(cols[i]) + grid.col_off
        d_km, h_m, r_m = engine_profile(dem, ORIGIN, CELL, SITE, RADIUS, r, c, layer)
        if d_km.size < 3:
            continue
        ref = p1812_profile_loss(d_km, h_m, HTX, HRX, 1.8, r_m=r_m, diffraction="deygout")
        assert float(grid.loss_db[rows[i], cols[i]]) == pytest.approx(ref["Lb_noduct"], abs=1e-4)
    assert np.nanmax(grid.loss_db - bull.loss_db) > 3.0


def test_unknown_diffraction_raises(terrain: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(ModelError, match="diffraction"):
        site_loss_grid(terrain[0], ORIGIN, CELL, SITE, HTX, HRX, 900.0, RADIUS,
                       diffraction="epstein")  # type: ignore[arg-type]
