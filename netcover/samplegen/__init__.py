"""Deterministic generator of the bundled, synthetic Quản Bạ sample (``gis_data/quan_ba``).

>>> from netcover.samplegen import generate
>>> paths = generate(Path("gis_data/quan_ba"))          # doctest: +SKIP

Same seed, same files, byte for byte. The layers are calibrated to the published figures in
:mod:`netcover.samplegen.facts`; they are synthetic, not survey data.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray
from rasterio import features
from scipy import ndimage

from netcover.config.options import ROAD_CLASSES
from netcover.errors import InputError
from netcover.samplegen import communes as communes
from netcover.samplegen import landcover as landcover
from netcover.samplegen import network as network
from netcover.samplegen import population as population
from netcover.samplegen import roads as roads
from netcover.samplegen import settlements as settlements
from netcover.samplegen import sites as sites
from netcover.samplegen import terrain as terrain
from netcover.samplegen._io import write_csv, write_gpkg, write_raster
from netcover.samplegen.grid import Grid
from netcover.samplegen.readme import DATA_FILES, summarize, write_readme
from netcover.samplegen.rivers import distance_to_rivers

__all__ = [
    "ANALYSIS_CELL_M", "DATA_FILES", "DEM_CELL_M", "SCALES", "SCENARIO_TEMPLATE", "generate", "summarize",
]

#: DEM cell size at ``scale=1`` (m).
DEM_CELL_M = 30.0
#: Cell size of the population raster and of the routing/placement grid (m).
ANALYSIS_CELL_M = 100.0
#: Allowed ``scale`` values (DEM cell = 30 m x scale); 5 makes a quick run for tests.
SCALES = (1, 2, 5)
#: The template scenario copied next to the data (written by the lead, not generated).
SCENARIO_TEMPLATE = Path(__file__).with_name("scenario.toml")



def generate(dest: Path, *, seed: int = 2024, scale: int = 1) -> list[Path]:
    """Generate the sample into ``dest`` and return the paths written.

    Parameters
    ----------
    dest : Path
        Output folder (created if missing); existing sample files are replaced.
    seed : int
        Random seed; the bundled sample uses 2024.
    scale : int
        DEM cell size multiplier, one of :data:`SCALES` (1 = 30 m, the bundled sample; 5 = 150 m, a
        run of a few seconds for tests). The other layers use a 100 m grid at every scale.

    Returns
    -------
    list of Path
        The data files, ``scenario.toml`` when its template exists, and ``README.md``.
    """
    if scale not in SCALES:
        msg = f"generate: scale={scale!r} is not one of {SCALES}; use 1 for the bundled sample"
        raise InputError(msg)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    dem_grid = Grid.on_extent(DEM_CELL_M * scale)
    grid = Grid.on_extent(ANALYSIS_CELL_M)
    terr = terrain.make_terrain(dem_grid, seed)
    x, y = grid.mesh()
    elev = dem_grid.sample(terr.dem.astype(np.float64), x, y)

    com, _ = communes.make_communes(grid, elev, seed)
    label = _label(grid, com)
    stream_dist = distance_to_rivers(grid, terr.rivers)
    villages = settlements.make_settlements(grid, elev, stream_dist, label, com, seed)
    people = population.population_raster(grid, elev, label, villages)
    net = roads.route_roads(grid, elev, villages)
    road_layer = roads.segments(net)
    site_rows = sites.place_sites(grid, elev, label, _main_road_distance(net),
                                  villages, seed)
    cells = sites.cells_table(site_rows, seed)
    fibre = network.fibre_routes(net)
    classes = landcover.make_landcover(terr, villages, seed)
    points = network.network_points(villages, fibre, seed)

    paths = [
        write_raster(dest / "dem.tif", dem_grid, terr.dem, -32768, "elevation", "m"),
        write_gpkg(dest / "communes.gpkg", {"communes": com}),
        write_gpkg(dest / "settlements.gpkg", {"settlements": villages}),
        write_raster(dest / "population.tif", grid, people, -1.0, "population", "people per cell"),
        write_gpkg(dest / "roads.gpkg", {"roads": road_layer}),
        write_csv(dest / "sites.csv", cells),
        write_gpkg(dest / "network.gpkg", {"points": points, "fibre_routes": fibre}),
        write_raster(dest / "landcover.tif", dem_grid, classes, 0, "land cover (ESA WorldCover "
                     "classes)", "class"),
    ]
    if SCENARIO_TEMPLATE.exists():
        paths.append(Path(shutil.copyfile(SCENARIO_TEMPLATE, dest / "scenario.toml")))
    else:
        warnings.warn(f"{SCENARIO_TEMPLATE} does not exist yet; scenario.toml not copied",
                      stacklevel=2)
    figures = summarize(dest)
    figures["seed"] = seed
    figures["scale"] = scale
    figures["proxy_served_share"] = round(100.0 * site_rows.attrs["served_share"], 1)
    figures["proxy_unserved_villages"] = site_rows.attrs["unserved_villages"]
    paths.append(write_readme(dest, figures))
    return paths


def _label(grid: Grid, com: gpd.GeoDataFrame) -> NDArray[np.int64]:
    """Commune index of every cell centre of ``grid`` (-1 outside), from the final polygons."""
    shapes = [(geom, k) for k, geom in enumerate(com.geometry)]
    return features.rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=-1,
                              dtype="int32").astype(np.int64)


def _main_road_distance(net: roads.RoadNetwork) -> NDArray[np.float64]:
    """Distance (m) from every analysis cell to the nearest non-track road cell."""
    grid = net.grid
    mask = np.ones(grid.shape, dtype=bool)
    track = ROAD_CLASSES.index("track")
    for (a, b), (rank, _name) in net.edges.items():
        if rank < track:
            for cell in (a, b):
                mask[divmod(cell, grid.nx)] = False
    return ndimage.distance_transform_edt(mask, sampling=grid.cell)
