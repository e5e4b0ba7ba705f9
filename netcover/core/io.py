"""Reading and writing geodata safely.

Writers never leave a half-written file under the final name: they write to a temporary name in
the same folder and rename it into place. :func:`staged_output` extends that to a whole run: files
are written to a staging folder beside the output folder, which replaces the output folder in
renames only when the run succeeds, so a failed or killed run leaves earlier results intact
(:func:`recover_output` tidies up after a kill). Every raster and vector written carries its CRS.
Contents are identified by SHA-256 digests of files (:func:`file_sha256`) and of JSON-like values
(:func:`json_sha256`), one definition each for the caches, the snapshots and the reused outputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.core._staging import after_results, recover_output, staged_output
from netcover.errors import CRSError, DataFileError, OutputError

__all__ = [
    "GPKG_TIMESTAMP", "after_results", "atomic_path", "file_identity", "file_sha256", "json_sha256",
    "open_raster",
    "place_file", "read_vector", "recover_output", "require_file", "staged_output", "write_layers",
    "write_raster", "write_table", "write_text",
]

_CHUNK = 1 << 20

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from affine import Affine
    from pyproj import CRS


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def file_identity(path: str | Path) -> tuple[str, int, int, int, int]:
    """(resolved path, device, inode, size, modification time in ns) of a file: a key for what a
    process remembers of it (results are replaced by renames, never changed in place, so a new
    file is a new inode). Raises :class:`OSError` when there is no such file."""
    p = Path(path)
    st = p.stat()
    return (str(p.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def json_sha256(value: Any) -> str:
    """Hex SHA-256 of ``value`` as canonical JSON (keys sorted; other objects by ``str``)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it to ``final`` if the block succeeds.

    The temporary name keeps the suffix (drivers pick formats by it). On an exception the
    temporary file is removed and ``final`` is untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}",
                                    dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers such as GPKG refuse to open an existing empty file
    try:
        yield tmp
        if not tmp.exists():
            msg = f"{final}: nothing was written"
            raise OutputError(msg)
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()


def place_file(src: str | Path, dst: str | Path) -> Path:
    """``src`` at ``dst`` (a result of an earlier run reused): a hard link (results are replaced by
    renames, never changed in place), else a copy; through a temporary name, so that ``dst`` is
    never half a file. Nothing is done when they are already the same file."""
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists() and os.path.samefile(src, dst):
        return dst
    tmp = dst.with_name(f".{dst.name}.reuse-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return dst


def require_file(path: str | Path, what: str) -> Path:
    """Return ``path`` as a Path if it is a non-empty file, else raise :class:`DataFileError`."""
    p = Path(path)
    if not p.exists():
        msg = f"{p}: {what} file not found; check the path (relative paths are relative to the scenario)"
        raise DataFileError(msg)
    if p.is_dir() and p.suffix.lower() != ".gdb":
        msg = f"{p}: is a folder, expected a {what} file"
        raise DataFileError(msg)
    if p.is_file() and p.stat().st_size == 0:
        msg = f"{p}: the {what} file is empty; export it again"
        raise DataFileError(msg)
    return p


#: How to give a raster a CRS, by what it is (the end of a missing-CRS message).
_CRS_FIX = {
    "DEM": "gdal_edit.py -a_srs EPSG:xxxx, or QGIS: Raster > Projections > Assign Projection",
    "population raster": "WorldPop is EPSG:4326",
}
#: What an unreadable raster probably should have been.
_READ_HINT = {"DEM": "; is it a GeoTIFF or an SRTM .hgt file?"}


@contextlib.contextmanager
def open_raster(path: str | Path, what: str) -> Iterator[Any]:
    """Open a raster input that must have a CRS (``what``: "DEM", "population raster").

    Raises
    ------
    DataFileError
        The file is missing or GDAL cannot read it (also while the caller reads it).
    CRSError
        The raster has no CRS (the message says how to assign one).
    """
    import rasterio

    p = require_file(path, what.removesuffix(" raster"))
    try:
        with rasterio.open(p) as src:
            if src.crs is None:
                msg = f"{p}: the {what} has no CRS; assign one ({_CRS_FIX.get(what, 'in QGIS')})"
                raise CRSError(msg)
            yield src
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{p}: cannot read the {what} ({exc}){_READ_HINT.get(what, '')}"
        raise DataFileError(msg) from exc


def read_vector(path: str | Path, what: str, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer GDAL understands, with errors that name the file.

    In KML (GDAL's KML or LIBKML driver) a placemark's ``<name>`` is the ``name`` field.

    Raises
    ------
    DataFileError
        Missing, empty or unreadable file, or a layer that does not exist.
    CRSError
        The layer has no coordinate reference system.
    """
    import geopandas as gpd
    import pyogrio

    p = require_file(path, what)
    kml = p.suffix.lower() in (".kml", ".kmz")
    if kml and not {"KML", "LIBKML"} & set(pyogrio.list_drivers()):
        msg = (f"{p}: this GDAL has no KML driver; export the {what} layer as GeoPackage "
               "(QGIS: Export > Save Features As... > GeoPackage)")
        raise DataFileError(msg)
    kwargs: dict[str, Any] = {"layer": layer} if layer else {}
    try:
        gdf = gpd.read_file(p, engine="pyogrio", **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        layers = _layers_of(p)
        extra = f" (layers in the file: {', '.join(layers)})" if layers else ""
        msg = f"{p}: cannot read the {what} layer{extra}: {exc}"
        raise DataFileError(msg) from exc
    if gdf.crs is None:
        msg = (f"{p}: the {what} layer has no CRS; assign one in QGIS "
               "(Layer > Set CRS) or with ogr2ogr -a_srs, then save it again")
        raise CRSError(msg)
    if kml and "name" not in gdf.columns and "Name" in gdf.columns:
        gdf = gdf.rename(columns={"Name": "name"})  # a placemark's <name>
    return gdf


def _layers_of(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception:
        return []


def write_raster(
    path: str | Path,
    array: np.ndarray,
    transform: Affine,
    crs: CRS | str,
    *,
    nodata: float | int | None = None,
    descriptions: tuple[str, ...] = (),
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Write a 2-D (or band-first 3-D) array as a tiled, compressed GeoTIFF with its CRS.

    Written atomically; float rasters use DEFLATE with the floating-point predictor; ``tags`` become
    dataset tags (metadata).
    """
    import numpy as np
    import rasterio

    if crs is None:
        msg = f"{path}: refusing to write a raster without a CRS"
        raise CRSError(msg)
    data = array[np.newaxis] if array.ndim == 2 else array
    count, height, width = data.shape
    predictor = 3 if np.issubdtype(data.dtype, np.floating) else 2
    profile = {
        "driver": "GTiff", "height": height, "width": width, "count": count,
        "dtype": data.dtype, "crs": crs, "transform": transform, "nodata": nodata,
        "compress": "deflate", "predictor": predictor, "zlevel": 6,
    }
    if height >= 256 and width >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data)
        for i, text in enumerate(descriptions, start=1):
            dst.set_band_description(i, text)
        if tags:
            dst.update_tags(**tags)
    return Path(path)


#: Timestamp GDAL writes into GeoPackage metadata: fixed, so the same layers give the same bytes.
GPKG_TIMESTAMP = "2024-10-01T00:00:00.000Z"


def write_layers(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], *,
                 metadata: Mapping[str, str] | None = None) -> Path:
    """Write several layers into one GeoPackage, atomically (all or nothing), reproducibly;
    ``metadata`` (text items) is written as every layer's metadata.

    SQLite does not wait for the disk after each layer (``OGR_SQLITE_SYNCHRONOUS=OFF``): the file
    is written under a temporary name and renamed into place, like every other output, so a crash
    leaves at most a temporary file; the bytes are the same, the writing about 5 times faster."""
    import pyogrio

    for name, gdf in layers.items():
        if gdf.crs is None:
            msg = f"{path}: layer {name!r} has no CRS; set it before writing"
            raise CRSError(msg)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP,
                                     "OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        with atomic_path(path) as tmp:
            for i, (name, gdf) in enumerate(layers.items()):
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", append=i > 0,
                                        layer_metadata=dict(metadata) if metadata else None,
                                        SPATIAL_INDEX="YES")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None, "OGR_SQLITE_SYNCHRONOUS": None})
    return Path(path)


def write_table(path: str | Path, df: pd.DataFrame, *, float_format: str | None = None) -> Path:
    """Write a DataFrame as UTF-8 CSV (with BOM, so spreadsheets show Vietnamese text), atomically.

    Every CSV netcover writes goes through here: text cells that a spreadsheet would run as a
    formula are neutralised (:func:`netcover.core.textsafe.csv_safe_frame`); numbers are written as
    numbers (``float_format``: as pandas' ``to_csv``).
    """
    from netcover.core.textsafe import csv_safe_frame

    with atomic_path(path) as tmp:
        csv_safe_frame(df).to_csv(tmp, index=False, encoding="utf-8-sig", float_format=float_format)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
