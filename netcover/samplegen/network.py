"""The government data network: its 58 points and the existing fibre along the roads.

Fibre: Viettel along the whole of QL4C; VNPT from Tam Sơn along the roads to every commune seat but
the ``_N_UNFIBRED`` farthest by road; Viettel also to a few more seats. Points: district agencies in
Tam Sơn, the 13 commune offices at the seats, schools and health stations at commune centres, two
others. A point within ``_FIBRE_NEAR_M`` of a fibre route is connected by fibre; offices and schools
away from fibre have a LAN with another uplink ("lan"); the health stations farthest from fibre have
no connection ("none").
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from netcover.config.options import Connection, PointType
from netcover.samplegen.facts import COMMUNES, CRS_UTM, N_NETWORK_POINTS
from netcover.samplegen.grid import Grid, stream, to_utm
from netcover.samplegen.roads import ROAD_CLASSES, RoadNetwork

__all__ = ["fibre_routes", "network_points"]

_LAYER = 9
_N_UNFIBRED = 2
_N_NO_CONNECTION = 3
_FIBRE_NEAR_M = 400.0
_SIMPLIFY_M = 20.0
_VIETTEL_EXTRA = ("00892", "00889", "00901", "00895")

_AGENCIES = (
    "Huyện ủy Quản Bạ", "HĐND - UBND huyện Quản Bạ", "Văn phòng HĐND và UBND huyện",
    "Phòng Nội vụ", "Phòng Tài chính - Kế hoạch", "Phòng Tài nguyên và Môi trường",
    "Phòng Tư pháp", "Phòng Kinh tế và Hạ tầng", "Phòng Nông nghiệp và PTNT",
    "Phòng Giáo dục và Đào tạo", "Phòng Văn hóa và Thông tin", "Phòng Lao động - TB và XH",
    "Phòng Dân tộc", "Thanh tra huyện", "Trung tâm Y tế huyện", "Trung tâm Chính trị huyện",
    "Bộ phận Một cửa huyện",
)


def _graph(net: RoadNetwork) -> nx.Graph:
    g = nx.Graph()
    for (a, b), (rank, _name) in sorted(net.edges.items()):
        ra, ca = divmod(a, net.grid.nx)
        rb, cb = divmod(b, net.grid.nx)
        g.add_edge(a, b, weight=float(np.hypot(ra - rb, ca - cb)), rank=rank)
    return g


def _line(grid: Grid, path: list[int]) -> shapely.LineString:
    r, c = np.divmod(np.array(path), grid.nx)
    x, y = grid.xy(r, c)
    return shapely.LineString(np.column_stack([x, y])).simplify(_SIMPLIFY_M,
                                                                preserve_topology=False)


def _nearest_node(g: nx.Graph, grid: Grid, x: float, y: float) -> int:
    nodes = np.array(sorted(g.nodes), dtype=np.int64)
    r, c = np.divmod(nodes, grid.nx)
    nx_, ny_ = grid.xy(r, c)
    return int(nodes[int(np.argmin(np.hypot(nx_ - x, ny_ - y)))])


def fibre_routes(net: RoadNetwork) -> gpd.GeoDataFrame:
    """The ``fibre_routes`` layer."""
    grid = net.grid
    g = _graph(net)
    rows = [{"route_id": "F01", "owner": "Viettel", "year": 2011, "geometry": _trunk(g, grid)}]
    town = next(c for c in COMMUNES if c.is_town)
    tx, ty = to_utm(town.lon, town.lat)
    hub = _nearest_node(g, grid, float(tx), float(ty))
    lengths, paths = nx.single_source_dijkstra(g, hub, weight="weight")
    seats = _seat_nodes(g, grid)
    by_length = sorted(seats, key=lambda code: lengths[seats[code]])
    fibred = by_length[: len(by_length) - _N_UNFIBRED]
    for k, code in enumerate(sorted(fibred)):
        rows.append({"route_id": f"F{len(rows) + 1:02d}", "owner": "VNPT", "year": 2013 + k % 8,
                     "geometry": _line(grid, paths[seats[code]])})
    for k, code in enumerate(_VIETTEL_EXTRA):
        if code in fibred:
            rows.append({"route_id": f"F{len(rows) + 1:02d}", "owner": "Viettel",
                         "year": 2016 + k, "geometry": _line(grid, paths[seats[code]])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_UTM)


def _trunk(g: nx.Graph, grid: Grid) -> shapely.LineString:
    """The national road from one end to the other (Viettel's fibre along QL4C)."""
    national = [n for n in g.nodes
                if any(g.edges[n, m]["rank"] == ROAD_CLASSES.index("national")
                       for m in g.neighbors(n))]
    ends = [n for n in national
            if sum(g.edges[n, m]["rank"] == 0 for m in g.neighbors(n)) == 1]
    sub = g.edge_subgraph([(a, b) for a, b, d in g.edges(data=True) if d["rank"] == 0])
    ends = sorted(ends, key=lambda n: divmod(n, grid.nx)[0])
    return _line(grid, nx.shortest_path(sub, ends[0], ends[-1], weight="weight"))


def _seat_nodes(g: nx.Graph, grid: Grid) -> dict[str, int]:
    """Road node nearest each commune seat but the town's, by commune code."""
    seats = {}
    for com in COMMUNES:
        if com.is_town:
            continue
        sx, sy = to_utm(com.lon, com.lat)
        seats[com.code] = _nearest_node(g, grid, float(sx), float(sy))
    return seats


def network_points(settlements: gpd.GeoDataFrame, fibre: gpd.GeoDataFrame, seed: int
                   ) -> gpd.GeoDataFrame:
    """The ``points`` layer of ``network.gpkg`` (58 points)."""
    rng = stream(seed, _LAYER)
    town = next(c for c in COMMUNES if c.is_town)
    tx, ty = (float(v) for v in to_utm(town.lon, town.lat))
    rows: list[dict[str, object]] = []

    def add(name: str, kind: PointType, code: str, x: float, y: float) -> None:
        rows.append({"name": name, "type": kind, "commune_code": code,
                     "geometry": shapely.Point(x, y)})

    def near(x: float, y: float, lo: float, hi: float) -> tuple[float, float]:
        d = rng.uniform(lo, hi)
        a = rng.uniform(0.0, 2.0 * np.pi)
        return x + d * np.cos(a), y + d * np.sin(a)

    for name in _AGENCIES:
        add(name, "district_agency", town.code, *near(tx, ty, 60.0, 650.0))
    for com in COMMUNES:
        sx, sy = (float(v) for v in to_utm(com.lon, com.lat))
        office = "UBND thị trấn Tam Sơn" if com.is_town else f"UBND xã {com.name}"
        add(office, "commune_office", com.code, sx, sy)
    rural = [c for c in COMMUNES if not c.is_town]
    for com in rural:
        centre = settlements[settlements["commune_code"] == com.code].iloc[0].geometry
        add(f"Trường PTDTBT THCS {com.name}", "school", com.code,
            *near(centre.x, centre.y, 120.0, 300.0))
    add("Trường THPT Quản Bạ", "school", town.code, *near(tx, ty, 300.0, 800.0))
    add("Trường PTDT Nội trú huyện Quản Bạ", "school", town.code, *near(tx, ty, 300.0, 800.0))
    for com in rural:
        villages = settlements[settlements["commune_code"] == com.code]
        pick = villages.iloc[min(1, len(villages) - 1)].geometry
        add(f"Trạm Y tế xã {com.name}", "health_station", com.code,
            *near(pick.x, pick.y, 50.0, 200.0))
    add("Bưu điện huyện Quản Bạ", "other", town.code, *near(tx, ty, 100.0, 400.0))
    add("Trung tâm Văn hóa - Thể thao huyện", "other", town.code, *near(tx, ty, 200.0, 700.0))
    if len(rows) != N_NETWORK_POINTS:
        msg = f"network points: {len(rows)} built, {N_NETWORK_POINTS} expected"
        raise ValueError(msg)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_UTM)
    gdf.insert(0, "point_id", [f"P{k + 1:02d}" for k in range(len(gdf))])
    gdf["connection"] = _connections(gdf, fibre)
    return gdf[["point_id", "name", "type", "commune_code", "connection", "geometry"]]


def _connections(points: gpd.GeoDataFrame, fibre: gpd.GeoDataFrame) -> list[Connection]:
    lines = shapely.union_all(fibre.geometry.to_numpy())
    dist = np.array([lines.distance(p) for p in points.geometry])
    out: list[Connection] = ["fibre" if d <= _FIBRE_NEAR_M else "lan" for d in dist]
    health = np.flatnonzero(points["type"].to_numpy() == "health_station")
    far = health[np.argsort(-dist[health], kind="stable")][:_N_NO_CONNECTION]
    for i in far:
        if out[i] == "lan":
            out[i] = "none"
    return out
