"""The synthetic land cover: ESA WorldCover classes on the DEM grid, from the terrain and villages.

Rules, in this order (later ones win), with a seeded smooth noise to break the class edges:

- tree cover (10) everywhere to start with: the karst slopes and hills;
- shrubland (20) or grassland (30) on high bare karst: fengcong cells above 1,200 m and any ground
  above 1,400 m (the noise picks which of the two);
- cropland (40) on flat low ground (slope under 10 degrees below 1,100 m), on the valley floors
  (within 250 m of a river, slope under 15 degrees) and within 400 m of every village, whatever
  the slope: maize and rice terraces, gardens;
- permanent water (80) on the main rivers' cells;
- built-up (50) at the commune seats (500 m around the district town of Tam Sơn, 200 m elsewhere)
  and a patch at every village, its area about 300 m2 per household.

The shares are printed by ``gis_data/generate.py`` (``summarize``) and written in the README.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from netcover.samplegen.facts import COMMUNES
from netcover.samplegen.grid import Grid, smooth_noise, stream, to_utm
from netcover.samplegen.rivers import distance_to_rivers
from netcover.samplegen.terrain import Terrain

__all__ = ["BARE_KARST_M", "CLASS_NAMES", "FIELDS_M", "class_shares", "make_landcover"]

_LAYER = 11
TREE, SHRUB, GRASS, CROP, BUILT, WATER = 10, 20, 30, 40, 50, 80
#: WorldCover names of the classes the sample uses.
CLASS_NAMES = {TREE: "tree cover", SHRUB: "shrubland", GRASS: "grassland", CROP: "cropland",
               BUILT: "built-up", WATER: "permanent water bodies"}
#: Cropland (maize and rice terraces, gardens) around every village, out to this distance (m).
FIELDS_M = 400.0
#: Karst above this height (m) is bare (shrub or grass); any ground 200 m higher too.
BARE_KARST_M = 1200.0


def make_landcover(terr: Terrain, villages: gpd.GeoDataFrame, seed: int) -> NDArray[np.uint8]:
    """WorldCover class of every DEM cell (uint8, codes 10-80), reproducible for a seed."""
    grid = terr.grid
    z = terr.dem.astype(np.float64)
    gy, gx = np.gradient(z, grid.cell)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    noise = smooth_noise(stream(seed, _LAYER), grid, 1200.0)
    river = distance_to_rivers(grid, terr.rivers)
    out = np.full(grid.shape, TREE, dtype=np.uint8)
    bare = (terr.karst & (z > BARE_KARST_M + 100.0 * noise)) | (z > BARE_KARST_M + 200.0)
    out[bare] = np.where(noise[bare] > 0.0, SHRUB, GRASS)
    crop = ((slope < 10.0 + 3.0 * noise) & (z < 1100.0)) | ((river < 250.0) & (slope < 15.0))
    out[crop] = CROP
    x, y = grid.mesh()
    for geom in villages.geometry:  # the fields and gardens a village farms around it
        _disc(out, grid, x, y, geom.x, geom.y, FIELDS_M, CROP)
    out[distance_to_rivers(grid, terr.rivers, main_only=True) < 0.5 * grid.cell] = WATER
    for c in COMMUNES:
        sx, sy = to_utm(c.lon, c.lat)
        out[np.hypot(x - sx, y - sy) < (500.0 if c.is_town else 200.0)] = BUILT
    for geom, households in zip(villages.geometry, villages["households"], strict=True):
        radius = max(np.sqrt(300.0 * float(households) / np.pi), 0.5 * grid.cell)
        _disc(out, grid, x, y, geom.x, geom.y, radius, BUILT)
    return out


def _disc(out: NDArray[np.uint8], grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64],
          cx: float, cy: float, radius: float, code: int) -> None:
    """Set the cells of ``out`` within ``radius`` (m) of (cx, cy) to ``code``, in place."""
    r0, c0 = grid.index(np.array([cx]), np.array([cy]))
    reach = int(np.ceil(radius / grid.cell)) + 1
    rs = slice(max(int(r0[0]) - reach, 0), int(r0[0]) + reach + 1)
    cs = slice(max(int(c0[0]) - reach, 0), int(c0[0]) + reach + 1)
    near = np.hypot(x[rs, cs] - cx, y[rs, cs] - cy) <= radius
    out[rs, cs][near] = code


def class_shares(classes: NDArray[np.uint8]) -> dict[str, float]:
    """Share (%) of the grid in each class, by WorldCover name."""
    codes, counts = np.unique(classes, return_counts=True)
    return {CLASS_NAMES.get(int(k), str(int(k))): round(100.0 * float(n) / classes.size, 1)
            for k, n in zip(codes, counts, strict=True)}
