"""Benchmark of the link planner; prints figures and the machine, asserts nothing.

1. A synthetic road graph of about 100,000 nodes with 200 terminals: contraction of the existing
   network plus the Steiner plan and the naive plan (target: at most 10 s on 2 cores), then cutting
   the tree into links and ranking them.
2. The bundled Quản Bạ sample (``gis_data/quan_ba``), when present: the whole link plan from loaded
   layers to written outputs (target: at most 15 s on 2 cores).

Run: ``python benchmarks/bench_links.py [--nodes 100000] [--terminals 200] [--seed 7]``
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from netcover.links import (
    LinkSettings,
    contract_root,
    plan_links,
    rank_links,
    split_links,
    steiner_plan,
    write_link_plan,
)

SAMPLE = Path(__file__).resolve().parent.parent / "gis_data" / "quan_ba"


def machine() -> str:
    """CPU model, core count and library versions."""
    import numba
    import scipy

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cpu}, {cores} cores usable; Python {platform.python_version()}, numpy "
            f"{np.__version__}, numba {numba.__version__}, scipy {scipy.__version__}, networkx "
            f"{nx.__version__}")


def road_like_graph(n_nodes: int, seed: int) -> nx.Graph:
    """A jittered grid with a quarter of its edges removed (largest component), road-class costs."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes / 0.93)))  # the largest component keeps ~93 % of nodes
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.concatenate([np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
                            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1)])
    pairs = pairs[rng.random(len(pairs)) > 0.25]
    xy = np.stack(np.divmod(np.arange(side * side), side), 1) * 400.0
    xy += rng.uniform(-120.0, 120.0, xy.shape)
    length_km = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) / 1e3
    rate = rng.choice([12_000.0, 10_000.0, 8_000.0, 6_000.0], len(pairs), p=[.05, .1, .35, .5])
    cost = length_km * rate * rng.uniform(1.0, 1.3, len(pairs))
    g = nx.Graph()
    g.add_edges_from((int(u), int(v), {"cost": c, "length_km": lk, "kind": "road"})
                     for (u, v), c, lk in zip(pairs, cost, length_km, strict=True))
    return g.subgraph(max(nx.connected_components(g), key=len)).copy()


def bench_synthetic(n_nodes: int, n_terminals: int, seed: int) -> None:
    g = road_like_graph(n_nodes, seed)
    rng = np.random.default_rng(seed + 1)
    nodes = np.array(list(g.nodes))
    chosen = rng.choice(nodes, n_terminals + 10, replace=False).tolist()
    roots, terminals = chosen[:10], chosen[10:]
    t0 = time.perf_counter()
    contracted = contract_root(g, roots)
    t1 = time.perf_counter()
    res = steiner_plan(contracted, terminals)
    t2 = time.perf_counter()
    links = split_links(res.tree, terminals)
    benefit = [1.0 if lk.nodes[-1] in set(terminals) else 0.0 for lk in links]
    rank_links([lk.parent for lk in links], [lk.cost for lk in links], benefit)
    t3 = time.perf_counter()
    print(f"synthetic road graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges, "
          f"{len(terminals)} terminals, {len(roots)} network nodes contracted")
    print(f"  contract root      {t1 - t0:6.2f} s")
    print(f"  Steiner + naive    {t2 - t1:6.2f} s")
    print(f"  Steiner plan total {t2 - t0:6.2f} s  (target <= 10 s)")
    print(f"  links + ranking    {t3 - t2:6.2f} s  ({len(links)} links)")
    print(f"  cost {res.cost:,.0f} USD vs naive {res.naive_cost:,.0f} USD: saving "
          f"{res.naive_cost - res.cost:,.0f} USD ({100 * (1 - res.cost / res.naive_cost):.0f}%)")


def load_sample(folder: Path) -> dict[str, object]:
    """The bundled sample's layers in the DEM's working CRS, sites one row per site."""
    import geopandas as gpd
    import pandas as pd

    from netcover.data.sites import site_table
    from netcover.data.terrain import read_dem

    terrain, _ = read_dem(folder / "dem.tif")
    crs = terrain.crs
    net = folder / "network.gpkg"
    cells = pd.read_csv(folder / "sites.csv")
    cells = gpd.GeoDataFrame(cells, geometry=gpd.points_from_xy(cells["lon"], cells["lat"]),
                             crs="EPSG:4326").to_crs(crs)
    sites = site_table(cells)  # one row per mast, tallest antenna as its height
    return {
        "roads": gpd.read_file(folder / "roads.gpkg").to_crs(crs),
        "fibre_routes": gpd.read_file(net, layer="fibre_routes").to_crs(crs),
        "points": gpd.read_file(net, layer="points").to_crs(crs),
        "sites": sites,
        "settlements": gpd.read_file(folder / "settlements.gpkg").to_crs(crs),
        "dem": terrain.heights, "origin_xy": terrain.origin_xy,
        "cell_size_m": terrain.cell_size,
    }


def bench_sample(folder: Path) -> None:
    needed = ["dem.tif", "roads.gpkg", "network.gpkg", "settlements.gpkg", "sites.csv"]
    missing = [f for f in needed if not (folder / f).exists()]
    if missing:
        print(f"sample: {folder} lacks {missing}; skipped")
        return
    t0 = time.perf_counter()
    data = load_sample(folder)
    t1 = time.perf_counter()
    plan = plan_links(**data, settings=LinkSettings())  # type: ignore[arg-type]
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_link_plan(plan, tmp)
    t3 = time.perf_counter()
    dem = data["dem"]
    print(f"sample {folder.name}: DEM {dem.shape[0]}x{dem.shape[1]} "  # type: ignore[attr-defined]
          f"cells of {data['cell_size_m']:g} m, {len(data['roads'])} roads, "  # type: ignore[arg-type]
          f"{len(data['points'])} points, {len(data['sites'])} sites")  # type: ignore[arg-type]
    print(f"  load layers        {t1 - t0:6.2f} s")
    print(f"  plan_links         {t2 - t1:6.2f} s")
    print(f"  write outputs      {t3 - t2:6.2f} s  ({len(files)} files)")
    print(f"  whole link plan    {t3 - t0:6.2f} s  (target <= 15 s)")
    print("  " + plan.summary().replace("\n", "\n  "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    print(machine())
    bench_synthetic(args.nodes, args.terminals, args.seed)
    bench_sample(args.sample)


if __name__ == "__main__":
    main()
