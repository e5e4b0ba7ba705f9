"""Gap clustering, candidate thinning and hilltops, the demand lookup and the settings."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS as ProjCRS

from netcover.data.terrain import Terrain
from netcover.errors import ScenarioError
from netcover.siting import SitingSettings, cluster_labels, thin
from netcover.siting.candidates import high_points, site_cost
from netcover.siting.matrix import DemandLookup, Footprint

from .conftest import CRS, X0, Y0

points = st.lists(st.tuples(st.floats(0, 5_000), st.floats(0, 5_000)), min_size=1, max_size=40)


def test_clusters_are_numbered_by_people() -> None:
    x = np.array([0.0, 300.0, 600.0, 3_000.0, 3_200.0])
    y = np.zeros(5)
    labels = cluster_labels(x, y, np.array([1.0, 1.0, 1.0, 5.0, 5.0]), 500.0)
    assert labels.tolist() == [1, 1, 1, 0, 0]  # the eastern pair has more people
    assert cluster_labels(x, y, np.ones(5), 250.0).tolist() == [1, 2, 3, 0, 0]
    assert cluster_labels(x, y, np.ones(5), 199.0).tolist() == [0, 1, 2, 3, 4]
    assert cluster_labels(np.zeros(0), np.zeros(0), np.zeros(0), 500.0).size == 0


@settings(max_examples=40, deadline=None)
@given(pts=points, d=st.floats(50, 1_500))
def test_single_linkage_law(pts, d) -> None:
    x, y = (np.array(v) for v in zip(*pts, strict=True))
    labels = cluster_labels(x, y, np.ones(len(x)), d)
    dist = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    assert np.all(labels[:, None] == labels[None, :], where=dist <= d)  # close points share a gap
    for g in np.unique(labels):  # and every gap is connected through close points
        members = np.flatnonzero(labels == g)
        reached = {members[0]}
        frontier = [members[0]]
        while frontier:
            i = frontier.pop()
            for j in members[dist[i, members] <= d * (1 + 1e-9)]:
                if j not in reached:
                    reached.add(j)
                    frontier.append(j)
        assert reached == set(members.tolist())


@settings(max_examples=40, deadline=None)
@given(pts=points, spacing=st.floats(10, 2_000))
def test_thinning_keeps_points_apart_and_covers_the_rest(pts, spacing) -> None:
    x, y = (np.array(v) for v in zip(*pts, strict=True))
    pri = np.arange(len(x), dtype=float)[::-1]
    kept = thin(x, y, pri, spacing)
    d = np.hypot(x[kept][:, None] - x[kept][None, :], y[kept][:, None] - y[kept][None, :])
    assert np.all(d[~np.eye(len(kept), dtype=bool)] >= spacing * (1 - 1e-6))
    assert 0 in kept  # the first point has the highest priority
    away = np.hypot(x[:, None] - x[kept][None, :], y[:, None] - y[kept][None, :]).min(axis=1)
    assert np.all(away < spacing)  # every dropped point has a kept neighbour


def test_high_points_find_the_hilltop_and_not_the_plain() -> None:
    yy, xx = np.mgrid[0:60, 0:60]
    heights = 800.0 + 120.0 * np.exp(-((xx - 40) ** 2 + (yy - 20) ** 2) / 30.0)
    t = Terrain(heights.astype("float32"), Affine(30, 0, X0, 0, -30, Y0), ProjCRS(CRS))
    rows, cols, rise = high_points(t, 600.0, 10.0)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(20, 40)]
    assert rise[0] > 50.0
    flat = Terrain(np.full((60, 60), 800.0, dtype="float32"), t.transform, t.crs)
    assert high_points(flat, 600.0, 10.0)[0].size == 0


def test_site_cost_adds_its_parts() -> None:
    s = SitingSettings(base_cost=100.0, cost_per_mast_m=2.0, cost_per_road_km=1_000.0,
                       cost_per_backhaul_km=10.0)
    cost = site_cost(np.array([500.0, 0.0]), np.array([2_000.0, np.inf]), np.array([30.0, 10.0]), s)
    assert cost.tolist() == [100 + 60 + 500 + 20, 100 + 20]


def test_demand_lookup_finds_rows_under_a_footprint() -> None:
    heights = np.zeros((10, 10), dtype="float32")
    terrain = Terrain(heights, Affine(100, 0, 0, 0, -100, 1000), ProjCRS(CRS))

    class _Screen:  # the lookup only reads the screening terrain
        pass

    screen = _Screen()
    screen.terrain = terrain  # type: ignore[attr-defined]
    x = np.array([50.0, 150.0, 150.0, 950.0, -50.0])
    y = np.array([950.0, 950.0, 940.0, 50.0, 950.0])
    lookup = DemandLookup(screen, x, y)  # type: ignore[arg-type]
    covered = np.zeros((2, 3), bool)
    covered[0, 1] = True  # cell (0, 1): rows 1 and 2
    assert lookup.rows_of(Footprint(covered, 0, 0)).tolist() == [1, 2]
    corner = np.ones((1, 1), bool)
    assert lookup.rows_of(Footprint(corner, 9, 9)).tolist() == [3]
    assert lookup.rows_of(Footprint(np.zeros((2, 2), bool), 0, 0)).size == 0


def test_settings_are_validated() -> None:
    s = SitingSettings(azimuths_deg=[0, 180], candidate_point_types=["school"])  # type: ignore[arg-type]
    assert s.azimuths_deg == (0, 180) and s.candidate_point_types == ("school",)
    assert SitingSettings(usable_class="good").usable_level == 3
    for bad, match in (({"objective": "most"}, "objective"), ({"solver": "cplex"}, "solver"),
                       ({"n_sites": 0}, "n_sites"), ({"target_share": 1.5}, "target_share"),
                       ({"candidate_point_types": ("church",)}, "church"),
                       ({"base_cost": -1.0}, "base_cost"), ({"azimuths_deg": ()}, "azimuths")):
        with pytest.raises(ScenarioError, match=match):
            SitingSettings(**bad)  # type: ignore[arg-type]
    assert "proposal_search_radius_m" in SitingSettings.field_names()
