"""Helpers of ``bench_vs_splat.py``: a projected DEM as SRTM-1 tiles and SPLAT! files, and back.

* :func:`write_hgt_tiles` reprojects a DEM (any projected CRS) to EPSG:4326 at 1 arc-second onto the
  1 x 1 degree SRTM-1 tiles it touches (3601 x 3601 big-endian int16 samples, named by the SW corner,
  e.g. ``N23E104.hgt``); samples outside the DEM take the nearest DEM value, so the tiles have no
  voids (``srtm2sdf-hd`` would otherwise fill them by its own rules).
* :func:`write_qth`, :func:`write_lrp`: SPLAT!'s site file and Longley-Rice parameter file.
* :func:`read_ano`: SPLAT!'s alphanumeric output (``-ano``) of a path-loss map, as arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from rasterio.crs import CRS
from rasterio.transform import Affine

#: Samples per degree of SRTM-1 (a tile has one more per side: its edges are shared).
SRTM1_PER_DEGREE = 3600
_NODATA = -32768.0


def tile_name(lat_sw: int, lon_sw: int) -> str:
    """SRTM file name of the tile whose south-west corner is (``lat_sw``, ``lon_sw``), e.g. N23E104."""
    ns = "N" if lat_sw >= 0 else "S"
    ew = "E" if lon_sw >= 0 else "W"
    return f"{ns}{abs(lat_sw):02d}{ew}{abs(lon_sw):03d}.hgt"


def _geographic_grid(heights: NDArray[np.float32], transform: Affine, crs: CRS,
                     bounds: tuple[float, float, float, float], lat_top: float, lon_left: float,
                     rows: int, cols: int) -> NDArray[np.float32]:
    """The DEM on the 1" grid whose sample (0, 0) is at (``lat_top``, ``lon_left``), gaps filled.

    Bilinear resampling; grid samples outside the DEM take the value of the nearest sample inside.
    """
    from rasterio.warp import Resampling, reproject
    from scipy.ndimage import distance_transform_edt

    step = 1.0 / SRTM1_PER_DEGREE
    dst_transform = Affine(step, 0.0, lon_left - step / 2.0, 0.0, -step, lat_top + step / 2.0)
    out = np.full((rows, cols), _NODATA, dtype=np.float32)
    reproject(np.asarray(heights, dtype=np.float32), out, src_transform=transform, src_crs=crs,
              src_nodata=_NODATA, dst_transform=dst_transform, dst_crs=CRS.from_epsg(4326),
              dst_nodata=_NODATA, resampling=Resampling.bilinear)
    holes = out == _NODATA
    if holes.all():
        msg = f"the DEM (bounds {bounds}) does not overlap the geographic grid it was reprojected to"
        raise ValueError(msg)
    if holes.any():
        nearest = distance_transform_edt(holes, return_distances=False, return_indices=True)
        out = out[nearest[0], nearest[1]]
    return out


def write_hgt_tiles(heights: NDArray[np.float32], transform: Affine, crs: CRS,
                    out_dir: Path) -> list[Path]:
    """Write the SRTM-1 ``.hgt`` tiles covering a DEM; returns their paths.

    Parameters
    ----------
    heights : numpy.ndarray
        Ground heights (m), north-up, no holes.
    transform, crs
        The DEM's rasterio affine transform and CRS.
    out_dir : pathlib.Path
        Existing directory for the tiles.
    """
    from rasterio.transform import array_bounds
    from rasterio.warp import transform_bounds

    bounds = array_bounds(heights.shape[0], heights.shape[1], transform)  # (west, south, east, north)
    west, south, east, north = transform_bounds(crs, "EPSG:4326", *bounds, densify_pts=51)
    # the 1" samples around the DEM (two of margin), as global indices from (lat_top, lon_left)
    lat_top, lon_left = math.floor(north) + 1, math.floor(west)
    per = SRTM1_PER_DEGREE
    r0 = max(math.floor((lat_top - north) * per) - 2, 0)
    r1 = math.ceil((lat_top - south) * per) + 3
    c0 = max(math.floor((west - lon_left) * per) - 2, 0)
    c1 = math.ceil((east - lon_left) * per) + 3
    sub = _geographic_grid(heights, transform, crs, bounds, lat_top - r0 / per, lon_left + c0 / per,
                           r1 - r0, c1 - c0)
    sub = np.rint(sub).astype(">i2")
    paths = []
    for lat_sw in range(math.floor(south), math.floor(north) + 1):
        for lon_sw in range(math.floor(west), math.floor(east) + 1):
            rows = (lat_top - (lat_sw + 1)) * per + np.arange(per + 1) - r0
            cols = (lon_sw - lon_left) * per + np.arange(per + 1) - c0
            tile = sub[np.clip(rows, 0, sub.shape[0] - 1)][:, np.clip(cols, 0, sub.shape[1] - 1)]
            path = out_dir / tile_name(lat_sw, lon_sw)
            path.write_bytes(np.ascontiguousarray(tile, dtype=">i2").tobytes())
            paths.append(path)
    return paths


def write_qth(path: Path, name: str, lat: float, lon_east: float, height_m: float) -> None:
    """SPLAT! site file: name, latitude (N), longitude (degrees West), antenna height in metres."""
    path.write_text(f"{name}\n{lat:.7f}\n{-lon_east:.7f}\n{height_m:.2f} meters\n", encoding="ascii")


@dataclass(frozen=True)
class LongleyRice:
    """Parameters of a SPLAT! ``.lrp`` file (no ERP line: SPLAT! then maps path loss)."""

    f_mhz: float
    dielectric: float = 13.0  # mountain
    conductivity_s_m: float = 0.002
    refractivity_n: float = 301.0
    climate: int = 5  # continental temperate (SPLAT!'s default)
    polarisation: int = 1  # vertical
    location_fraction: float = 0.5
    time_fraction: float = 0.5


def write_lrp(path: Path, p: LongleyRice) -> None:
    """Write the Longley-Rice parameter file SPLAT! reads next to the site's ``.qth``."""
    lines = [
        f"{p.dielectric:.3f} ; Earth Dielectric Constant (Relative permittivity)",
        f"{p.conductivity_s_m:.3f} ; Earth Conductivity (Siemens per meter)",
        f"{p.refractivity_n:.3f} ; Atmospheric Bending Constant (N-units)",
        f"{p.f_mhz:.3f} ; Frequency in MHz (20 MHz to 20 GHz)",
        f"{p.climate} ; Radio Climate",
        f"{p.polarisation} ; Polarization (0 = Horizontal, 1 = Vertical)",
        f"{p.location_fraction:.2f} ; Fraction of situations",
        f"{p.time_fraction:.2f} ; Fraction of time",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


@dataclass(frozen=True)
class AnoPoints:
    """Points of a SPLAT! path-loss ``.ano`` file."""

    lat: NDArray[np.float64]
    lon_east: NDArray[np.float64]
    loss_db: NDArray[np.float64]
    obstructed: NDArray[np.bool_]


def read_ano(path: Path) -> AnoPoints:
    """Read ``lat, lon_west, azimuth, elevation, loss [*]`` lines (``;`` starts a comment)."""
    lat, lon, loss, blocked = [], [], [], []
    with path.open(encoding="ascii", errors="replace") as fh:
        for line in fh:
            data = line.split(";", 1)[0].strip()
            if not data:
                continue
            fields = [f.strip() for f in data.split(",")]
            if len(fields) < 5:
                continue
            lat.append(float(fields[0]))
            lon.append(float(fields[1]))
            last = fields[4]
            blocked.append(last.endswith("*"))
            loss.append(float(last.rstrip("*").strip()))
    lon_east = -np.asarray(lon, dtype=np.float64)
    lon_east = (lon_east + 180.0) % 360.0 - 180.0
    return AnoPoints(np.asarray(lat, dtype=np.float64), lon_east, np.asarray(loss, dtype=np.float64),
                     np.asarray(blocked, dtype=np.bool_))
