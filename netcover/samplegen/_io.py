"""Deterministic writers for the sample files (GeoTIFF, GeoPackage, CSV).

Same data in, same bytes out: GeoTIFFs carry no timestamp, GeoPackages are written by
:func:`netcover.core.io.write_layers` (a fixed ``OGR_CURRENT_DATE``), CSVs use ``\\n`` line ends
and fixed float formats.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
from numpy.typing import NDArray

from netcover.core.io import write_layers
from netcover.errors import OutputError
from netcover.samplegen.facts import CRS_UTM
from netcover.samplegen.grid import Grid


def _replace(tmp: Path, dest: Path) -> Path:
    os.replace(tmp, dest)
    return dest


def write_raster(path: Path, grid: Grid, values: NDArray[np.generic], nodata: float,
                 description: str, units: str) -> Path:
    """Write a one-band tiled, DEFLATE-compressed GeoTIFF in EPSG:32648."""
    tmp = path.with_name(path.name + ".tmp")
    profile = {
        "driver": "GTiff", "width": grid.nx, "height": grid.ny, "count": 1,
        "dtype": values.dtype.name, "crs": CRS_UTM, "transform": grid.transform,
        "nodata": nodata, "tiled": True, "blockxsize": 256, "blockysize": 256,
        "compress": "deflate", "zlevel": 9,
        "predictor": 2 if np.issubdtype(values.dtype, np.integer) else 3,
    }
    try:
        with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(tmp, "w", **profile) as dst:
            dst.write(values, 1)
            dst.set_band_description(1, description)
            dst.update_tags(1, units=units)
    except (OSError, rasterio.errors.RasterioError) as exc:
        msg = f"cannot write {path}: {exc}; check that the folder exists and is writable"
        raise OutputError(msg) from exc
    return _replace(tmp, path)


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write GeoDataFrames as named layers of one GeoPackage (replacing the file)."""
    try:
        return write_layers(path, layers)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"cannot write {path}: {exc}; check that the folder exists and is writable"
        raise OutputError(msg) from exc


def write_csv(path: Path, table: pd.DataFrame) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line ends."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        table.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")
    except OSError as exc:
        msg = f"cannot write {path}: {exc}; check that the folder exists and is writable"
        raise OutputError(msg) from exc
    return _replace(tmp, path)
