"""Who is covered: class shares per population cell, sums per unit, households per settlement."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from netcover.covered import (
    NODATA_CLASS,
    class_at_points,
    class_shares,
    people_by_zone_and_class,
    settlement_table,
    unit_table,
)
from netcover.population import PopulationGrid

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
