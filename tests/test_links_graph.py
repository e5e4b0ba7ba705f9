"""Network graph: road costs by class and grade, vertex merging, snapping, hilltops."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from netcover.data.entities import hilltop_entities
from netcover.links import LinkSettings
from netcover.links.graph import build_graph, sample_dem, snap_entities

CRS = "EPSG:32648"
X0, Y0, CELL = 500_000.0, 2_560_000.0, 100.0


def _roads(*rows: tuple[str, list[tuple[float, float]]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"road_id": [f"R{i}" for i in range(len(rows))],
                             "class": [r[0] for r in rows]},
                            geometry=[LineString(r[1]) for r in rows], crs=CRS)


def _no_fibre() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"route_id": []}, geometry=[], crs=CRS)


def _entities(xy: list[tuple[float, float]], role: str = "terminal") -> pd.DataFrame:
    return pd.DataFrame({"x": [p[0] for p in xy], "y": [p[1] for p in xy],
                         "category": "school", "role": role})


def test_cost_by_class_and_grade() -> None:
    dem = np.full((50, 50), 1000.0)
    dem[:, 25:] = 1100.0  # a 100 m step at x = X0 + 2.5 km
    s = LinkSettings()
    y = Y0 - 1000.0
    roads = _roads(("national", [(X0 + 500, y), (X0 + 1500, y)]),
                   ("track", [(X0 + 2000, y), (X0 + 3000, y)]))
    g = build_graph(roads, _no_fibre(), dem, (X0, Y0), CELL, s).graph
    costs = sorted(c for _, _, c in g.edges(data="cost"))
    flat = 1.0 * s.cost_per_km_national
    steep = 1.0 * s.cost_per_km_track * (1 + s.slope_surcharge_per_pct * (10.0 - 5.0))
    assert costs == pytest.approx(sorted([flat, steep]))


def test_close_vertices_merge_and_fibre_joins_roads() -> None:
    dem = np.zeros((50, 50))
    s = LinkSettings(node_merge_m=1.0, fibre_join_m=50.0)
    y = Y0 - 1000.0
    roads = _roads(("commune", [(X0 + 500, y), (X0 + 1500, y)]),
                   ("commune", [(X0 + 1500.4, y), (X0 + 2500, y)]))  # 0.4 m gap: one node
    fibre = gpd.GeoDataFrame({"route_id": ["F"]},
                             geometry=[LineString([(X0 + 2500, y + 30), (X0 + 2500, y + 900)])],
                             crs=CRS)
    net = build_graph(roads, fibre, dem, (X0, Y0), CELL, s)
    assert nx.is_connected(net.graph)
    kinds = sorted(k for _, _, k in net.graph.edges(data="kind"))
    assert kinds == ["fibre", "last_mile", "road", "road"]


def test_snapping_splits_edges_and_reports_far_points() -> None:
    dem = np.zeros((50, 50))
    s = LinkSettings(max_snap_m=300.0)
    y = Y0 - 1000.0
    roads = _roads(("commune", [(X0 + 500, y), (X0 + 2500, y)]))
    net = build_graph(roads, _no_fibre(), dem, (X0, Y0), CELL, s)
    ents = _entities([(X0 + 1000, y + 100), (X0 + 2000, y - 200), (X0 + 1500, y + 2000)])
    snap_entities(net, ents, s)
    assert net.snap_m[:2] == pytest.approx([100.0, 200.0])
    assert net.snap_m[2] == pytest.approx(2000.0)
    g = net.graph
    assert nx.has_path(g, net.entity_node[0], net.entity_node[1])
    assert g.degree(net.entity_node[2]) == 0  # too far: left unattached
    # the road was split in three; its total cost is unchanged
    road_cost = sum(c for _, _, k, c in _edge_rows(g) if k == "road")
    assert road_cost == pytest.approx(2.0 * s.cost_per_km_commune)
    drop = g.edges[net.entity_node[0], next(iter(g[net.entity_node[0]]))]
    assert drop["kind"] == "last_mile"
    assert drop["cost"] == pytest.approx(0.1 * s.last_mile_cost_per_km)


def _edge_rows(g: nx.Graph) -> list[tuple[int, int, str, float]]:
    return [(u, v, d["kind"], d["cost"]) for u, v, d in g.edges(data=True)]


def test_root_takes_the_fibre_it_touches() -> None:
    dem = np.zeros((50, 50))
    s = LinkSettings()
    y = Y0 - 1000.0
    fibre = gpd.GeoDataFrame({"route_id": ["F1", "F2"]}, geometry=[
        LineString([(X0 + 500, y), (X0 + 1500, y), (X0 + 2500, y)]),
        LineString([(X0 + 500, y - 2000), (X0 + 2500, y - 2000)])], crs=CRS)
    net = build_graph(_roads(), fibre, dem, (X0, Y0), CELL, s)
    snap_entities(net, _entities([(X0 + 1500, y + 20)], role="root"), s)
    fibre_nodes = {n for u, v in net.graph.edges for n in (u, v)}
    f1 = {n for n in fibre_nodes if abs(net.xy[n, 1] - y) < 1}
    assert f1 <= net.root_nodes  # the route the root touches is the network
    assert not ({n for n in fibre_nodes if abs(net.xy[n, 1] - (y - 2000)) < 1} & net.root_nodes)


def test_sample_dem_outside_is_nan() -> None:
    dem = np.arange(12.0).reshape(3, 4)
    xy = np.array([[X0 + 50, Y0 - 50], [X0 + 350, Y0 - 250], [X0 - 1, Y0 - 50]])
    out = sample_dem(dem, (X0, Y0), CELL, xy)
    assert out[:2].tolist() == [0.0, 11.0] and np.isnan(out[2])  # cell centres: exact
    between = sample_dem(dem, (X0, Y0), CELL, np.array([[X0 + 100, Y0 - 50]]))
    assert between[0] == pytest.approx(0.5)  # halfway between cells 0 and 1: bilinear


def test_hilltops_are_the_highest_peaks_apart() -> None:
    yy, xx = np.mgrid[0:100, 0:100]
    dem = 1000.0 + 500.0 * np.exp(-((xx - 20) ** 2 + (yy - 30) ** 2) / 50.0) + 300.0 * np.exp(
        -((xx - 70) ** 2 + (yy - 60) ** 2) / 50.0) + 290.0 * np.exp(
        -((xx - 73) ** 2 + (yy - 60) ** 2) / 50.0)
    hills = hilltop_entities(dem, (X0, Y0), CELL, LinkSettings(n_hilltops=5,
                                                               hilltop_spacing_m=2000.0))
    assert len(hills) == 2  # the twin bumps at x = 70 and 73 make one hill; plateaus none
    # the twin hill (about 1,560 m) is higher than the single one (1,500 m at col 20, row 30)
    assert 70 * CELL < hills["x"].iloc[0] - X0 < 74 * CELL
    assert hills["x"].iloc[1] == pytest.approx(X0 + 20.5 * CELL)
    assert hills["y"].iloc[1] == pytest.approx(Y0 - 30.5 * CELL)
    assert (hills["role"] == "relay").all() and hills["key"].is_unique
    assert len(hilltop_entities(dem, (X0, Y0), CELL, LinkSettings(n_hilltops=0))) == 0
