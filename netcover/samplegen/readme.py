"""Figures of a generated sample, read back from its files, and the sample's README.

:func:`summarize` opens the written files (not the generator's arrays), so every number in the
README is what a user will find in the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio import features

from netcover.samplegen.facts import COMMUNES, PASS_LONLAT, TOWN_LONLAT
from netcover.samplegen.grid import to_utm
from netcover.samplegen.landcover import class_shares

__all__ = ["DATA_FILES", "summarize", "write_readme"]

#: The files the generator writes (besides ``scenario.toml`` and ``README.md``).
DATA_FILES = ("dem.tif", "communes.gpkg", "settlements.gpkg", "population.tif", "roads.gpkg",
              "sites.csv", "network.gpkg", "landcover.tif")


def _dem_figures(dest: Path, outline: shapely.Geometry) -> dict[str, Any]:
    with rasterio.open(dest / "dem.tif") as src:
        dem = src.read(1)
        inside = features.geometry_mask([outline], out_shape=dem.shape,
                                        transform=src.transform, invert=True)
        cell = src.res[0]
        vals = dem[inside].astype(float)
        tx, ty = to_utm(TOWN_LONLAT[0], TOWN_LONLAT[1])
        px, py = to_utm(PASS_LONLAT[0], PASS_LONLAT[1])
        town, pas = (int(v[0]) for v in src.sample([(float(tx), float(ty)),
                                                     (float(px), float(py))]))
        return {
            "dem_shape": f"{src.width} x {src.height}", "dem_cell_m": cell,
            "dem_min": int(dem.min()), "dem_max": int(dem.max()),
            "district_min": int(vals.min()), "district_max": int(vals.max()),
            "district_mean": round(float(vals.mean())), "district_p05": int(np.percentile(vals, 5)),
            "district_p95": int(np.percentile(vals, 95)), "town_m": town, "pass_m": pas,
            "dem_nodata_cells": int((dem == src.nodata).sum()),
        }


def summarize(dest: Path) -> dict[str, Any]:
    """Key figures of the sample in ``dest`` (read from its files)."""
    dest = Path(dest)
    com = gpd.read_file(dest / "communes.gpkg", layer="communes")
    vil = gpd.read_file(dest / "settlements.gpkg", layer="settlements")
    rds = gpd.read_file(dest / "roads.gpkg", layer="roads")
    pts = gpd.read_file(dest / "network.gpkg", layer="points")
    fib = gpd.read_file(dest / "network.gpkg", layer="fibre_routes")
    cells = pd.read_csv(dest / "sites.csv", dtype={"pattern_file": str})
    outline = shapely.union_all(com.geometry.to_numpy())
    fig: dict[str, Any] = _dem_figures(dest, outline)
    with rasterio.open(dest / "population.tif") as src:
        pop = src.read(1)
        labels = features.rasterize([(g, k) for k, g in enumerate(com.geometry)],
                                    out_shape=pop.shape, transform=src.transform, fill=-1)
    per = vil.groupby("commune_code").agg(villages=("settlement_id", "size"),
                                          fibre=("fibre_households", "sum"))
    table = []
    for k, row in com.iterrows():
        table.append({
            "code": row["code"], "name": row["name"], "area_km2": row["area_km2"],
            "population": int(row["population"]), "households": int(row["households"]),
            "villages": int(per.loc[row["code"], "villages"]),
            "fibre": int(per.loc[row["code"], "fibre"]),
            "raster": round(float(pop[labels == k].sum())),
        })
    fig["communes"] = table
    with rasterio.open(dest / "landcover.tif") as src:
        fig["landcover_shares"] = class_shares(src.read(1))
    fig["district_km2"] = round(outline.area / 1e6, 1)
    fig["population"] = int(vil["population"].sum())
    fig["households"] = int(vil["households"].sum())
    fig["fibre_households"] = int(vil["fibre_households"].sum())
    fig["raster_people"] = round(float(pop[pop > 0].sum()))
    fig["villages"] = len(vil)
    fig["not_electrified"] = int((~vil["electrified"].astype(bool)).sum())
    quarter = vil["name"].str.startswith("Tổ ")
    fig["village_hh_min"] = int(vil.loc[~quarter, "households"].min())
    fig["village_hh_max"] = int(vil.loc[~quarter, "households"].max())
    fig["quarters"] = int(quarter.sum())
    fig["quarter_hh_min"] = int(vil.loc[quarter, "households"].min())
    fig["quarter_hh_max"] = int(vil.loc[quarter, "households"].max())
    fig["village_elev_min"] = int(vil["elevation_m"].min())
    fig["village_elev_max"] = int(vil["elevation_m"].max())
    fig["road_km"] = {c: round(float(g.length.sum()) / 1000.0, 1)
                      for c, g in rds.groupby("class", sort=False)}
    fig["road_segments"] = len(rds)
    fig["sites"] = {op: int(g["site_id"].nunique())
                    for op, g in cells.groupby("operator", sort=False)}
    fig["cells"] = len(cells)
    layer = (cells["technology"] + " " + cells["frequency_mhz"].astype(int).astype(str)
             + " MHz")
    fig["cells_by_layer"] = {str(k): int(v) for k, v in layer.value_counts().sort_index().items()}
    fig["points_by_type"] = pts["type"].value_counts().to_dict()
    fig["points_by_connection"] = pts["connection"].value_counts().to_dict()
    fig["fibre_km"] = {o: round(float(g.length.sum()) / 1000.0, 1)
                       for o, g in fib.groupby("owner")}
    fig["fibre_routes"] = len(fib)
    fig["sizes_kb"] = {name: round((dest / name).stat().st_size / 1024)
                       for name in sorted((*DATA_FILES, "scenario.toml"))
                       if (dest / name).is_file()}
    return fig


def _commune_rows(fig: dict[str, Any]) -> str:
    lines = ["| code | commune | area km² | population | households | villages | fibre households |"
             " people in population.tif |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in fig["communes"]:
        lines.append(f"| {r['code']} | {r['name']} | {r['area_km2']:.2f} | {r['population']:,} | "
                     f"{r['households']:,} | {r['villages']} | {r['fibre']:,} | {r['raster']:,} |")
    return "\n".join(lines)


def _kv(d: dict[str, Any], unit: str = "") -> str:
    return ", ".join(f"{k} {v:,}{unit}" for k, v in d.items())


def write_readme(dest: Path, fig: dict[str, Any]) -> Path:
    """Write ``dest/README.md`` from the figures of :func:`summarize`."""
    from netcover.samplegen._readme_text import TEMPLATE

    total_kb = sum(fig["sizes_kb"].values())
    text = TEMPLATE.format(
        commune_table=_commune_rows(fig),
        road_km=_kv(fig["road_km"], " km"),
        sites=_kv(fig["sites"]),
        cells_by_layer=_kv(fig["cells_by_layer"]),
        points_by_type=_kv(fig["points_by_type"]),
        points_by_connection=_kv(fig["points_by_connection"]),
        fibre_km=_kv(fig["fibre_km"], " km"),
        landcover_shares=_kv(fig["landcover_shares"], " %"),
        sizes="\n".join(f"| {k} | {v:,} |" for k, v in fig["sizes_kb"].items()),
        total_kb=f"{total_kb:,}",
        n_communes=len(COMMUNES),
        **{k: (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) and k != "seed"
               else v)
           for k, v in fig.items() if not isinstance(v, dict | list)},
    )
    path = Path(dest) / "README.md"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
