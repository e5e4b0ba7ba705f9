"""The network graph: roads (where fibre is trenched), existing fibre, and the entities snapped on.

Nodes are integers; their coordinates are in :attr:`NetworkGraph.xy`. Every edge carries

- ``cost``: cost to build it in the plan currency (0 for existing fibre already on the network);
  :func:`price_edges` makes it the net present cost and keeps ``capex`` and yearly ``opex``,
- ``length_km``,
- ``kind``: "road" (new fibre along a road), "fibre" (existing fibre), "last_mile" (the drop from the
  road to an entity, or a splice from fibre to a road node) or "microwave" (added by
  :mod:`netcover.links.hops`),
- ``road_class`` for road edges.

Vertices of roads and fibre routes closer than ``node_merge_m`` are merged; crossing roads without a
shared vertex are not joined (inputs are expected to be noded, as OSM roads are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from netcover.config.link_costs import LinkCosts, annuity_factor
from netcover.config.links import LinkSettings

if TYPE_CHECKING:
    from affine import Affine

__all__ = ["NetworkGraph", "best_level_at", "build_graph", "entity_levels", "price_edges",
           "sample_dem", "snap_entities"]


@dataclass
class NetworkGraph:
    """The graph plus what is needed to read it back onto the map."""

    graph: nx.Graph
    xy: np.ndarray
    entity_node: dict[int, int]
    snap_m: np.ndarray
    root_nodes: set[int]
    warnings: list[str] = field(default_factory=list)

    def add_node(self, x: float, y: float) -> int:
        """Append a node at (x, y) and return its id (``xy`` grows by doubling)."""
        node = self.graph.number_of_nodes()
        if node >= len(self.xy):
            self.xy = np.vstack([self.xy, np.zeros((max(len(self.xy), 16), 2))])
        self.xy[node] = (x, y)
        self.graph.add_node(node)
        return node


def sample_dem(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
               xy: np.ndarray, crs: object = None) -> np.ndarray:
    """Bilinear DEM height at each point (:meth:`netcover.data.terrain.Terrain.sample`); NaN outside."""
    from affine import Affine
    from pyproj import CRS

    from netcover.data.terrain import Terrain

    transform = Affine(cell_size_m, 0.0, origin_xy[0], 0.0, -cell_size_m, origin_xy[1])
    terrain = Terrain(dem, transform, CRS.from_user_input(crs or "EPSG:32648"))
    if not len(xy):
        return np.zeros(0)
    return terrain.sample(xy[:, 0], xy[:, 1])


def best_level_at(levels: Mapping[tuple[str, str], np.ndarray], transform: Affine,
                  x: np.ndarray, y: np.ndarray, technology: str = "4G") -> np.ndarray:
    """Best signal level (dBm) of any operator's ``technology`` at each point; NaN outside/none.

    ``levels``: the coverage step's best-server level per (operator, technology)
    (``CoverageResult.operator_levels``) on the grid ``transform``.
    """
    out = np.full(len(x), np.nan)
    inv = ~transform
    x, y = np.asarray(x, float), np.asarray(y, float)
    col, row = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
    for (_, tech), grid in levels.items():
        if tech != technology:
            continue
        r, c = np.floor(row).astype(int), np.floor(col).astype(int)
        inside = (r >= 0) & (c >= 0) & (r < grid.shape[0]) & (c < grid.shape[1])
        value = np.full(len(x), np.nan)
        value[inside] = grid[r[inside], c[inside]]
        out = np.fmax(out, value)
    return out


def entity_levels(levels: Mapping[tuple[str, str], np.ndarray], transform: Affine,
                  points: gpd.GeoDataFrame | None = None,
                  settlements: gpd.GeoDataFrame | None = None) -> dict[str, float]:
    """Best 4G level (dBm) at each data-network point and settlement, by entity key.

    The keys are those of :func:`netcover.data.entities.build_entities` ("point:P01",
    "village:V7"); ``levels`` and ``transform`` as in :func:`best_level_at`. What
    ``plan_links(..., rsrp_dbm=...)`` takes for the cellular option.
    """
    out: dict[str, float] = {}
    for layer, prefix, col in ((points, "point", "point_id"),
                               (settlements, "village", "settlement_id")):
        if layer is None or not len(layer):
            continue
        level = best_level_at(levels, transform, layer.geometry.x.to_numpy(),
                              layer.geometry.y.to_numpy())
        out.update({f"{prefix}:{k}": float(v) for k, v in zip(layer[col].astype(str), level,
                                                              strict=True) if np.isfinite(v)})
    return out


def price_edges(graph: nx.Graph, costs: LinkCosts) -> None:
    """Put each network edge's net present cost in ``cost``; keep ``capex`` and yearly ``opex``.

    Fibre (new, reused, drops) costs ``fibre_opex_per_km_year`` per km, a hop
    ``hop_opex_per_year``. Pricing twice is a no-op (the graph remembers it).
    """
    if graph.graph.get("priced"):
        return
    factor = annuity_factor(costs.discount_rate, costs.years)
    per_km = float(costs.fibre_opex_per_km_year or 0.0)
    per_hop = float(costs.hop_opex_per_year or 0.0)
    for _, _, data in graph.edges(data=True):
        capex = float(data["cost"])
        if data.get("kind") == "microwave":
            opex = per_hop
        elif data.get("kind") == "fibre" and capex == 0:
            opex = 0.0  # existing fibre already on the network: its upkeep is not this plan's
        else:
            opex = per_km * float(data.get("length_km", 0.0))
        data.update(capex=capex, opex=opex, cost=capex + opex * factor)
    graph.graph["priced"] = True


def _line_coords(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices of all (multi)lines, per vertex its row position in ``gdf`` and its part number."""
    parts = gdf.geometry.reset_index(drop=True).explode(index_parts=False)
    coords, part = shapely.get_coordinates(parts.to_numpy(), return_index=True)
    row = parts.index.to_numpy()[part]
    return coords, row, part


def _segments(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, i + 1) of consecutive vertices of the same line part."""
    same = part[1:] == part[:-1]
    i = np.nonzero(same)[0]
    return i, i + 1


def _merge_vertices(coords: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Label vertices closer than ``tol`` with one node id; return labels and node coordinates."""
    n = len(coords)
    pairs = cKDTree(coords).query_pairs(tol, output_type="ndarray")
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    _, first = np.unique(labels, return_index=True)
    return labels, coords[first]


def build_graph(roads: gpd.GeoDataFrame, fibre_routes: gpd.GeoDataFrame, dem: np.ndarray,
                origin_xy: tuple[float, float], cell_size_m: float,
                settings: LinkSettings) -> NetworkGraph:
    """Graph of roads (cost by class and grade) and existing fibre (cost ``reuse_cost_factor``)."""
    rc, rrow, rpart = _line_coords(roads)
    fc, frow, fpart = _line_coords(fibre_routes)
    coords = np.vstack([rc.reshape(-1, 2), fc.reshape(-1, 2)])
    labels, xy = _merge_vertices(coords, settings.node_merge_m) if len(coords) else (
        np.zeros(0, np.int64), np.zeros((0, 2)))
    z = sample_dem(dem, origin_xy, cell_size_m, xy, roads.crs)
    warnings = []
    if np.isnan(z).any():
        warnings.append(f"{int(np.isnan(z).sum())} road/fibre vertices lie outside the DEM; "
                        "their grade is taken as 0")
    frames = []
    nr = len(rc)
    for offset, part, rows, kind in ((0, rpart, rrow, "road"), (nr, fpart, frow, "fibre")):
        a, b = _segments(part)
        u, v = labels[a + offset], labels[b + offset]
        keep = u != v
        u, v, line = u[keep], v[keep], rows[a[keep]]
        length_km = np.hypot(*(xy[u] - xy[v]).T) / 1e3
        if kind == "road":
            cls = roads["class"].astype(str).to_numpy()[line] if len(line) else np.zeros(0, str)
            rate = np.array([settings.road_cost_per_km(c) for c in cls]) if len(cls) else (
                np.zeros(0))
            dz = np.nan_to_num(np.abs(z[u] - z[v]))
            grade = np.where(length_km > 0, dz / np.maximum(length_km * 1e3, 1e-9) * 100.0, 0.0)
            surcharge = settings.slope_surcharge_per_pct * np.maximum(
                grade - settings.slope_free_grade_pct, 0.0)
            cost = length_km * rate * (1.0 + surcharge)
        else:
            cls = np.full(len(u), "", dtype=object)
            cost = length_km * settings.reuse_cost_factor * settings.cost_per_km_commune
        frames.append(pd.DataFrame({"u": np.minimum(u, v), "v": np.maximum(u, v), "cost": cost,
                                    "length_km": length_km, "kind": kind, "road_class": cls}))
    edges = pd.concat(frames, ignore_index=True).sort_values("cost", kind="stable")
    edges = edges.drop_duplicates(["u", "v"])
    graph = nx.Graph()
    graph.add_nodes_from(range(len(xy)))
    graph.add_edges_from(
        (u, v, {"cost": c, "length_km": lk, "kind": k, "road_class": rc_})
        for u, v, c, lk, k, rc_ in edges.itertuples(index=False, name=None))
    net = NetworkGraph(graph, xy, {}, np.zeros(0), set(), warnings)
    _join_fibre_to_roads(net, labels[:nr], labels[nr:], settings)
    return net


def _join_fibre_to_roads(net: NetworkGraph, road_labels: np.ndarray, fibre_labels: np.ndarray,
                         settings: LinkSettings) -> None:
    """Splice each fibre vertex that is not a road node to the nearest road node within reach."""
    road_nodes = np.unique(road_labels)
    fibre_only = np.setdiff1d(np.unique(fibre_labels), road_nodes)
    if not len(road_nodes) or not len(fibre_only) or settings.fibre_join_m <= 0:
        return
    dist, idx = cKDTree(net.xy[road_nodes]).query(net.xy[fibre_only],
                                                  distance_upper_bound=settings.fibre_join_m)
    ok = np.isfinite(dist)
    for f, r, d in zip(fibre_only[ok], road_nodes[idx[ok]], dist[ok], strict=True):
        km = d / 1e3
        net.graph.add_edge(int(f), int(r), cost=km * settings.last_mile_cost_per_km,
                           length_km=km, kind="last_mile", road_class="")


def snap_entities(net: NetworkGraph, entities: pd.DataFrame, settings: LinkSettings) -> None:
    """Give every entity a node; join it to the nearest road/fibre edge within ``max_snap_m``.

    Edges are split where an entity projects onto their interior. Sets ``net.entity_node``,
    ``net.snap_m`` (distance to the nearest road or fibre, ``inf`` when there is none) and
    ``net.root_nodes`` (root entities plus the existing fibre they touch).
    """
    n_ent = len(entities)
    pts = entities[["x", "y"]].to_numpy(float)
    for i in range(n_ent):
        net.entity_node[i] = net.add_node(float(pts[i, 0]), float(pts[i, 1]))
    net.snap_m = np.full(n_ent, np.inf)
    edges = [(u, v) for u, v, k in net.graph.edges(data="kind") if k in ("road", "fibre")]
    snappable = np.nonzero(entities["category"].to_numpy() != "hilltop")[0]
    splits: dict[tuple[int, int], list[tuple[float, int]]] = {}
    if edges and len(snappable):
        e = np.asarray(edges)
        tree = shapely.STRtree(shapely.linestrings(np.stack([net.xy[e[:, 0]], net.xy[e[:, 1]]], 1)))
        (pi, ei), dist = tree.query_nearest(shapely.points(pts[snappable]), return_distance=True,
                                            all_matches=False)
        net.snap_m[snappable[pi]] = dist
        for p, j in zip(snappable[pi].tolist(), ei.tolist(), strict=True):
            if net.snap_m[p] > settings.max_snap_m:
                continue
            u, v = int(e[j, 0]), int(e[j, 1])
            a, b = net.xy[u], net.xy[v]
            ab = b - a
            t = float(np.clip(np.dot(pts[p] - a, ab) / max(np.dot(ab, ab), 1e-12), 0.0, 1.0))
            splits.setdefault((u, v), []).append((t, p))
    for (u, v), items in splits.items():
        _split_edge(net, u, v, sorted(items), settings)
    _mark_root(net, entities)


def _split_edge(net: NetworkGraph, u: int, v: int, items: list[tuple[float, int]],
                settings: LinkSettings) -> None:
    """Insert nodes where entities project onto edge (u, v) (cost split pro rata), attach them."""
    data = net.graph.edges[u, v]
    length_m = data["length_km"] * 1e3
    chain = [u]
    ts = [0.0]
    attach: list[tuple[int, int]] = []
    for t, p in items:
        if t * length_m <= settings.node_merge_m:
            node = u
        elif (1.0 - t) * length_m <= settings.node_merge_m:
            node = v
        elif ts[-1] != t:
            q = net.xy[u] + t * (net.xy[v] - net.xy[u])
            node = net.add_node(float(q[0]), float(q[1]))
            chain.append(node)
            ts.append(t)
        else:
            node = chain[-1]
        attach.append((node, p))
    if len(chain) > 1:
        net.graph.remove_edge(u, v)
        chain.append(v)
        ts.append(1.0)
        for k in range(len(chain) - 1):
            frac = ts[k + 1] - ts[k]
            net.graph.add_edge(chain[k], chain[k + 1], **{
                **data, "cost": data["cost"] * frac, "length_km": data["length_km"] * frac})
    for node, p in attach:
        km = float(np.hypot(*(net.xy[node] - net.xy[net.entity_node[p]]))) / 1e3
        net.graph.add_edge(net.entity_node[p], node, cost=km * settings.last_mile_cost_per_km,
                           length_km=km, kind="last_mile", road_class="")


def _mark_root(net: NetworkGraph, entities: pd.DataFrame) -> None:
    roles = entities["role"].to_numpy()
    root_ent = {net.entity_node[int(i)] for i in np.nonzero(roles == "root")[0]}
    fibre = nx.Graph((u, v) for u, v, k in net.graph.edges(data="kind") if k == "fibre")
    touched: set[int] = set()
    for node in root_ent:
        for nb in net.graph.neighbors(node):
            if nb in fibre and nb not in touched:
                touched |= nx.node_connected_component(fibre, nb)
    if not root_ent:
        touched = set(fibre.nodes)
        if touched:
            net.warnings.append("no point or site is marked as connected; all existing fibre "
                                "routes are taken as the existing network")
    net.root_nodes = root_ent | touched
