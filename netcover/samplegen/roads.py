"""Roads routed over the terrain as least-cost paths, split into segments between junctions.

On the 100 m analysis grid (8-connected), an edge costs its length times ``1 + (grade / g0)^2``:
with a small ``g0`` (national road) routes take valleys, long traverses and switchbacks. QL4C runs
from the southern edge through Quyết Tiến, over the Quản Bạ pass, through Tam Sơn and on north-east
past Cán Tỷ; provincial roads join Tùng Vài, Cao Mã Pờ, Tả Ván and Nghĩa Thuận; commune roads join
the other seats to the nearest road; tracks join every village farther than ``_ON_ROAD_M`` from a
road, all from one multi-source search so tracks merge into trees. All paths start on the network,
so the result is one connected component; segments meet at shared end points.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse import csgraph

from netcover.config.options import ROAD_CLASSES, RoadClass
from netcover.samplegen.facts import COMMUNES, CRS_UTM, PASS_LONLAT
from netcover.samplegen.grid import FloatArray, Grid, to_utm

__all__ = ["RoadNetwork", "cost_graph", "route_roads", "segments"]

# ROAD_CLASSES: most important first (a shared segment takes the first).
#: Grade scale g0 of the cost ``1 + (grade / g0)^2`` per road class.
_GRADE_SCALE = {"national": 0.05, "provincial": 0.07, "commune": 0.09, "track": 0.13}
_SIMPLIFY_M = 20.0
_ON_ROAD_M = 150.0

_QL4C_LONLAT = ((104.9720, 22.9050), (104.9669, 23.0044), PASS_LONLAT, (104.9703, 23.0711),
                (105.0436, 23.1019), (105.0950, 23.1120), (105.1750, 23.1180))
#: Provincial roads as chains of commune codes.
_PROVINCIAL = (("00874", "00892", "00886"), ("00892", "00907"), ("00889", "00880"))
_PROVINCIAL_NAMES = ("ĐT Tam Sơn - Tùng Vài - Cao Mã Pờ", "ĐT Tùng Vài - Tả Ván",
                     "ĐT Thanh Vân - Nghĩa Thuận")


@dataclass
class RoadNetwork:
    """Road cells and edges on the analysis grid while routing.

    Attributes
    ----------
    grid : Grid
        The routing grid.
    edges : dict
        (cell a, cell b) with a < b -> (class rank, name) of the best road using that edge.
    """

    grid: Grid
    edges: dict[tuple[int, int], tuple[int, str]]

    def cells(self) -> NDArray[np.int64]:
        """Sorted flat indices of every cell on a road."""
        return np.unique(np.array(list(self.edges), dtype=np.int64).ravel())

    def add_path(self, path: list[int], cls: RoadClass, name: str) -> None:
        rank = ROAD_CLASSES.index(cls)
        for a, b in pairwise(path):
            key = (min(a, b), max(a, b))
            if key not in self.edges or self.edges[key][0] > rank:
                self.edges[key] = (rank, name)


def cost_graph(grid: Grid, elevation: FloatArray, grade_scale: float) -> sparse.csr_matrix:
    """8-connected travel-cost graph of ``grid`` (symmetric CSR matrix)."""
    ny, nx_ = grid.shape
    idx = np.arange(ny * nx_).reshape(grid.shape)
    rows, cols, vals = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0 = slice(0, ny - dr)
        c0 = slice(max(0, -dc), nx_ - max(0, dc))
        r1 = slice(dr, ny)
        c1 = slice(max(0, dc), nx_ - max(0, -dc) if dc < 0 else nx_)
        a = idx[r0, c0].ravel()
        b = idx[r1, c1].ravel()
        length = grid.cell * float(np.hypot(dr, dc))
        grade = np.abs(elevation[r1, c1] - elevation[r0, c0]).ravel() / length
        w = length * (1.0 + (grade / grade_scale) ** 2)
        rows += [a, b]
        cols += [b, a]
        vals += [w, w]
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows),
                              np.concatenate(cols))), shape=(ny * nx_, ny * nx_))


def _trace(pred: NDArray[np.int32], target: int) -> list[int]:
    path = [target]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def _route(graph: sparse.csr_matrix, grid: Grid, sources: NDArray[np.int64],
           target: int) -> list[int]:
    """Least-cost path from the nearest of ``sources`` to ``target`` (source first).

    The search from ``target`` is limited to a cost of a few times the straight distance to the
    nearest source (doubled until a source is reached), which keeps it local and fast.
    """
    sr, sc = np.divmod(sources, grid.nx)
    tr, tc = divmod(target, grid.nx)
    limit = 8.0 * grid.cell * (float(np.min(np.hypot(sr - tr, sc - tc))) + 5.0)
    while True:
        dist, pred = csgraph.dijkstra(graph, directed=True, indices=[target],
                                      return_predecessors=True, limit=limit)
        reach = dist[0, sources]
        if np.isfinite(reach).any():
            best = int(sources[int(np.argmin(reach))])
            return _trace(pred[0], best)[::-1]
        limit *= 2.0


def _seat_cell(grid: Grid, code: str) -> int:
    com = next(c for c in COMMUNES if c.code == code)
    x, y = to_utm(com.lon, com.lat)
    r, c = grid.index(np.array([x]), np.array([y]))
    return int(r[0] * grid.nx + c[0])


def route_roads(grid: Grid, elevation: FloatArray, villages: gpd.GeoDataFrame) -> RoadNetwork:
    """Route QL4C, provincial roads, commune roads and tracks to ``villages``."""
    graphs = {cls: cost_graph(grid, elevation, _GRADE_SCALE[cls]) for cls in ROAD_CLASSES}
    net = RoadNetwork(grid, {})
    wx, wy = to_utm(np.array([p[0] for p in _QL4C_LONLAT]), np.array([p[1] for p in _QL4C_LONLAT]))
    wr, wc = grid.index(wx, wy)
    way = (wr * grid.nx + wc).astype(np.int64)
    for a, b in pairwise(way):
        net.add_path(_route(graphs["national"], grid, np.array([a]), int(b)), "national", "QL4C")
    for chain, name in zip(_PROVINCIAL, _PROVINCIAL_NAMES, strict=True):
        for a_code, b_code in pairwise(chain):
            src = np.array([_seat_cell(grid, a_code)])
            if a_code == chain[0]:
                src = net.cells()
            path = _route(graphs["provincial"], grid, src, _seat_cell(grid, b_code))
            net.add_path(path, "provincial", name)
    on = set(net.cells().tolist())
    for com in COMMUNES:
        cell = _seat_cell(grid, com.code)
        if cell in on:
            continue
        path = _route(graphs["commune"], grid, net.cells(), cell)
        net.add_path(path, "commune", f"Đường xã {com.name}")
        on.update(path)
    _add_tracks(net, graphs["track"], villages)
    return net


def _add_tracks(net: RoadNetwork, graph: sparse.csr_matrix, villages: gpd.GeoDataFrame) -> None:
    grid = net.grid
    sources = net.cells()
    dist, pred, _ = csgraph.dijkstra(graph, directed=True, indices=sources, min_only=True,
                                     return_predecessors=True)
    sx, sy = grid.xy(*np.divmod(sources, grid.nx))
    xs = villages.geometry.x.to_numpy()
    ys = villages.geometry.y.to_numpy()
    vr, vc = grid.index(xs, ys)
    for i in np.argsort(-villages["households"].to_numpy(), kind="stable"):
        near = np.min(np.hypot(sx - xs[i], sy - ys[i]))
        if near <= _ON_ROAD_M:
            continue
        target = int(vr[i] * grid.nx + vc[i])
        path = _trace(pred, target)
        if len(path) > 1 and np.isfinite(dist[target]):
            net.add_path(path, "track", f"Đường vào {villages['name'].iloc[i]}")


def segments(net: RoadNetwork) -> gpd.GeoDataFrame:
    """The ``roads`` layer: one LineString per stretch between junctions with the same class/name."""
    g = nx.Graph()
    for (a, b), (rank, name) in sorted(net.edges.items()):
        g.add_edge(a, b, rank=rank, name=name)
    def is_node(n: int) -> bool:
        if g.degree[n] != 2:
            return True
        e1, e2 = (g.edges[n, m] for m in g.neighbors(n))
        return (e1["rank"], e1["name"]) != (e2["rank"], e2["name"])
    stops = {n for n in g.nodes if is_node(n)}
    seen: set[tuple[int, int]] = set()
    rows = []
    for start in sorted(stops):
        for nxt in sorted(g.neighbors(start)):
            if (min(start, nxt), max(start, nxt)) in seen:
                continue
            chain = [start, nxt]
            while chain[-1] not in stops:
                a, b = chain[-2], chain[-1]
                chain.append(next(m for m in g.neighbors(b) if m != a))
            for a, b in pairwise(chain):
                seen.add((min(a, b), max(a, b)))
            attrs = g.edges[chain[0], chain[1]]
            rows.append((chain, attrs["rank"], attrs["name"]))
    # loops with no junction (not expected) are left out
    return _to_frame(net.grid, rows)


def _to_frame(grid: Grid, rows: list[tuple[list[int], int, str]]) -> gpd.GeoDataFrame:
    geoms, classes, names = [], [], []
    for chain, rank, name in rows:
        r, c = np.divmod(np.array(chain), grid.nx)
        x, y = grid.xy(r, c)
        line = shapely.LineString(np.column_stack([x, y]))
        geoms.append(line.simplify(_SIMPLIFY_M, preserve_topology=False))
        classes.append(ROAD_CLASSES[rank])
        names.append(name)
    order = sorted(range(len(geoms)), key=lambda i: (ROAD_CLASSES.index(classes[i]), names[i],
                                                      geoms[i].coords[0]))
    return gpd.GeoDataFrame(
        {
            "road_id": [f"R{k + 1:04d}" for k in range(len(order))],
            "name": [names[i] for i in order],
            "class": [classes[i] for i in order],
        },
        geometry=[geoms[i] for i in order], crs=CRS_UTM,
    )
