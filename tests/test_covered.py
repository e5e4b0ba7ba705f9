"""Who is covered: class shares per population cell, sums per unit, households per settlement."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from netcover.coverage.people import (
    NODATA_CLASS,
    GridOverlap,
    class_at_points,
    class_shares,
    people_by_zone_and_class,
    settlement_table,
    unit_table,
)
from netcover.data.population import PopulationGrid

CLS_T = Affine(30, 0, 0, 0, -30, 180)   # 6 x 6 cells of 30 m
POP_T = Affine(90, 0, 0, 0, -90, 180)   # 2 x 2 cells of 90 m: 3 x 3 class cells each


def test_shares_of_aligned_grids() -> None:
    classes = np.zeros((6, 6), dtype=np.uint8)
    classes[:3, :3] = 3                  # top-left population cell all good
    classes[:3, 3:] = [[3, 2, 1]] * 3    # top-right: a third each good, fair, weak
    classes[3:, :] = NODATA_CLASS        # bottom row outside the DEM
    shares = class_shares(classes, CLS_T, POP_T, (2, 2))
    np.testing.assert_allclose(shares[0, 0], [0, 0, 0, 1])
    np.testing.assert_allclose(shares[0, 1], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(shares[1, 0], [1, 0, 0, 0])  # nothing computed: counts as none


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_people_are_conserved(seed: int) -> None:
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, 4, (6, 6)).astype(np.uint8)
    people = rng.uniform(0, 100, (2, 2))
    shares = class_shares(classes, CLS_T, POP_T, (2, 2))
    assert np.all((shares >= 0) & (shares <= 1))
    zones = np.array([[0, 0], [1, -1]])
    by = people_by_zone_and_class(people, shares, zones, 2)
    assert by.sum() == pytest.approx(people[zones >= 0].sum())
    assert by[0].sum() == pytest.approx(people[0].sum())


def test_class_at_points_outside_is_nodata() -> None:
    classes = np.full((6, 6), 2, dtype=np.uint8)
    out = class_at_points(classes, CLS_T, np.array([15.0, -5.0, 179.0]), np.array([165.0, 10, 1]))
    assert list(out) == [2, NODATA_CLASS, 2]


def test_unit_and_settlement_tables() -> None:
    crs = "EPSG:32648"
    units = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["West", "East"]},
                             geometry=[box(0, 0, 90, 180), box(90, 0, 180, 180)], crs=crs)
    classes = np.zeros((6, 6), dtype=np.uint8)
    classes[:, :3] = 3  # west good, east none
    pop = PopulationGrid(np.array([[10, 20], [30, 40]], dtype="float32"), POP_T, crs)
    villages = gpd.GeoDataFrame(
        {"settlement_id": ["v1", "v2"], "name": ["Thôn A", "Bản B"], "population": [50, 60],
         "households": [10, 12], "fibre_households": [5, 0]},
        geometry=[Point(40, 100), Point(150, 100)], crs=crs)
    table = unit_table(units, pop, villages, {"all": classes}, CLS_T, usable=2)
    assert list(table["people"]) == [40, 60]
    assert list(table["all_share_covered"]) == [1.0, 0.0]
    assert list(table["all_households_covered"]) == [10, 0]
    assert list(table["all_fibre_households_covered"]) == [5, 0]
    assert list(table["all_villages_without_service"]) == [0, 1]
    assert list(table["all_households_good"]) == [10, 0]
    assert list(table["all_households_none"]) == [0, 12]
    assert list(table["all_fibre_households_good"]) == [5, 0]
    assert list(table["villages"]) == [1, 1]
    st_table = settlement_table(villages, {"all": classes}, CLS_T, usable=2)
    assert list(st_table["all_class"]) == ["good", "none"]
    assert list(st_table["usable_service"]) == [True, False]


def _recount(classes: np.ndarray, cls_t: Affine, people: np.ndarray, pop_t: Affine,
             fine: float) -> np.ndarray:
    """People per class counted on a common grid of ``fine`` m squares (both grids' edges on it)."""
    rep = round(pop_t.a / fine)
    fine_people = np.repeat(np.repeat(people, rep, axis=0), rep, axis=1) / rep**2
    rows, cols = fine_people.shape
    x = pop_t.c + (np.arange(cols) + 0.5) * fine
    y = pop_t.f - (np.arange(rows) + 0.5) * fine
    c = np.floor((x - cls_t.c) / cls_t.a).astype(int)
    r = np.floor((cls_t.f - y) / -cls_t.e).astype(int)
    fine_class = classes[np.ix_(r, c)]
    return np.bincount(fine_class.ravel(), weights=fine_people.ravel(), minlength=4)


@pytest.mark.parametrize("cell_m", [30.0, 100.0, 250.0, 1000.0, 2400.0])
def test_people_per_class_do_not_depend_on_which_grid_is_finer(cell_m: float) -> None:
    """A DEM averaged to 30 m-2.4 km under a 100 m population grid on another origin: the people
    per class equal a cell-by-cell recount on a common 10 m grid (issue 12)."""
    crs = "EPSG:32648"
    rng = np.random.default_rng(12)
    pop_t = Affine(100, 0, 474_320, 0, -100, 2_570_670)  # 20 m east, 30 m south of the DEM corner
    people = rng.gamma(0.4, 6.0, (96, 110))
    cls_t = Affine(cell_m, 0, 474_300, 0, -cell_m, 2_570_700)
    n_rows = int(np.ceil((30 + 96 * 100) / cell_m))
    n_cols = int(np.ceil((20 + 110 * 100) / cell_m))
    yy, xx = np.mgrid[0:n_rows, 0:n_cols] * cell_m  # distance from two sites, in classes 0-3
    d = np.minimum(np.hypot(xx - 3_000, yy - 4_000), np.hypot(xx - 9_000, yy - 7_000))
    classes = np.clip(3 - (d // 2_000), 0, 3).astype(np.uint8)
    expected = _recount(classes, cls_t, people, pop_t, 10.0)
    pop = PopulationGrid(people.astype("float32"), pop_t, crs)
    units = gpd.GeoDataFrame({"code": ["A"], "name": ["all"]},
                             geometry=[box(474_320, 2_561_070, 485_320, 2_570_670)], crs=crs)
    table = unit_table(units, pop, None, {"all": classes}, cls_t, usable=2)
    got = table[[f"all_people_{c}" for c in ("none", "weak", "fair", "good")]].to_numpy()[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert got[2:].sum() / got.sum() == pytest.approx(expected[2:].sum() / expected.sum(),
                                                      abs=1e-6)


@pytest.mark.parametrize("cell_m", [30.0, 100.0, 250.0, 2400.0])
@pytest.mark.parametrize("usable", [1, 2, 3])
def test_share_at_least_is_the_scipy_share_to_the_bit(cell_m: float, usable: int) -> None:
    """The kernels of :meth:`GridOverlap.share_at_least` give, bit for bit, the straightforward
    share: scipy's sparse products of the float raster of the comparison, then numpy's division
    (the service table's figures must not move), finer or coarser than the population grid, with
    nodata cells and a population grid reaching past the raster."""
    rng = np.random.default_rng(int(cell_m) + usable)
    pop_t = Affine(100, 0, 474_320, 0, -100, 2_570_670)
    cls_t = Affine(cell_m, 0, 474_300, 0, -cell_m, 2_570_700)
    shape = (int(np.ceil(4_000 / cell_m)) + 1, int(np.ceil(5_000 / cell_m)) + 2)
    classes = rng.integers(0, 4, shape).astype(np.uint8)
    classes[rng.random(shape) < 0.05] = NODATA_CLASS
    overlap = GridOverlap(shape, cls_t, pop_t, (45, 52))
    hit = (classes >= usable).astype(np.float64)
    area = np.asarray((overlap.ox @ (overlap.oy @ hit).T).T)
    reference = np.divide(area, overlap.total, out=np.zeros(area.shape), where=overlap.total > 0)
    got = overlap.share_at_least(classes, usable)
    assert got.dtype == reference.dtype and got.shape == reference.shape
    assert np.array_equal(got, reference)
    assert np.array_equal(got, overlap.share(classes >= usable))
    assert 0 < np.count_nonzero(got) < got.size  # the case is not trivial
