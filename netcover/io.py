"""Reading and writing geodata safely.

Writers never leave a half-written file under the final name: they write to a temporary name in
the same folder and rename it into place. :func:`staged_output` extends that to a whole run: files
are written to a staging folder beside the output folder, which replaces the output folder in
renames only when the run succeeds, so a failed or killed run leaves earlier results intact
(:func:`recover_output` tidies up after a kill). Every raster and vector written carries its CRS.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CRSError, DataFileError, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from affine import Affine
    from pyproj import CRS


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


#: Names of a run's staging and backup folders beside the output folder ``<name>``:
#: ``.<name>.staging-<pid>-<random>`` and ``.<name>.backup-<pid>-<random>``.
_STAGING, _BACKUP = "staging", "backup"
#: What to do when the output folder cannot be written, by errno.
_OUTPUT_FIX = {
    errno.ENOSPC: "free some space on that disk or choose another folder with --out",
    errno.EDQUOT: "free some space (disk quota) or choose another folder with --out",
    errno.EROFS: "the disk is read-only: choose another folder with --out",
    errno.EACCES: "make the folder writable (chmod u+w) or choose another with --out",
    errno.EPERM: "make the folder writable (chmod u+w) or choose another with --out",
}


#: Actions waiting for the results of a staging folder to be in place (see :func:`after_results`).
_AFTER_RESULTS: dict[Path, list[Callable[[], object]]] = {}


@contextlib.contextmanager
def staged_output(out_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success make it the output folder ``out_dir``, all at once.

    The staging folder is ``.<name>.staging-<pid>-<random>`` beside ``out_dir``. When the block
    succeeds, entries of ``out_dir`` that the run did not produce are carried over into it (hard
    links, or copies across devices), then the whole folder is replaced by renames: ``out_dir`` to
    ``.<name>.backup-...``, staging to ``out_dir``, backup deleted. Entries the run produced
    replace the old ones whatever they were (a folder, a file or a symlink). On an exception the
    staging folder is removed and ``out_dir`` is as it was.

    A run killed part-way is recovered at the next start (:func:`recover_output`). Read-only
    folders and full disks raise one :class:`~netcover.errors.OutputError` naming the path and
    the fix.
    """
    out = Path(out_dir).resolve()  # a symlinked output folder: its target is replaced
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        recover_output(out)
        stage = _sibling(out, _STAGING)
        stage.mkdir()
        if out.is_dir():
            shutil.copymode(out, stage)
    except OSError as exc:
        raise _output_error(exc, out) from exc
    actions = _AFTER_RESULTS.setdefault(stage, [])
    try:
        yield stage
        _carry_over(out, stage)
        _replace(out, stage)
    except OSError as exc:
        if isinstance(exc, OutputError) or not _writing_results(exc, out):
            raise
        raise _output_error(exc, out) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        _AFTER_RESULTS.pop(stage, None)
    for action in actions:
        action()


def after_results(path: str | Path, action: Callable[[], object]) -> None:
    """Run ``action`` once the results that ``path`` is part of are in place.

    Inside :func:`staged_output` (``path`` in its staging folder) the action runs after the
    staging folder has replaced the output folder, and not at all if the run fails; elsewhere it
    runs now. ``netcover run`` commits its monitoring snapshot this way.
    """
    p = Path(path).resolve()
    for stage in (p, *p.parents):
        if stage in _AFTER_RESULTS:
            _AFTER_RESULTS[stage].append(action)
            return
    action()


def recover_output(out_dir: str | Path) -> list[Path]:
    """Clean up after runs into ``out_dir`` that were killed; return the folders removed or restored.

    A backup left by a run killed between its renames is restored when ``out_dir`` is missing,
    else deleted; staging folders of runs that are no longer alive are deleted (also the
    ``.staging-*`` folders older versions made inside ``out_dir``). Folders of a run still alive
    (same machine) are left alone.
    """
    out = Path(out_dir)
    done: list[Path] = []
    backups = sorted(_leftovers(out, _BACKUP), key=lambda p: p.stat().st_mtime)
    if backups and not out.exists():
        _move(backups.pop(), out)
        done.append(out)
    stale = [*backups, *_leftovers(out, _STAGING)]
    if out.is_dir() and not out.is_symlink():
        stale += [p for p in out.glob(".staging-*") if p.is_dir()]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
        done.append(folder)
    return done


def _sibling(out: Path, kind: str) -> Path:
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _leftovers(out: Path, kind: str) -> list[Path]:
    """Staging or backup folders beside ``out`` whose run (process id in the name) has ended."""
    found = []
    for path in out.parent.glob(f".{glob.escape(out.name)}.{kind}-*"):
        pid = path.name.rsplit(f".{kind}-", 1)[1].split("-", 1)[0]
        if path.is_dir() and not (pid.isdigit() and _alive(int(pid))):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier run of this process (e.g. tests) cannot still be running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _carry_over(out: Path, stage: Path) -> None:
    """Link (or copy) into ``stage`` the entries of ``out`` that the run did not produce."""
    if not out.is_dir():
        return
    for entry in sorted(out.iterdir()):
        target = stage / entry.name
        if target.exists() or target.is_symlink() or entry.name.startswith(".staging-"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    if Path(src).is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _replace(out: Path, stage: Path) -> None:
    """``out`` -> backup, ``stage`` -> ``out``, backup deleted (each step a rename or a delete).

    A process working in ``out`` (``--out .``) keeps working in the new ``out``.
    """
    backup = _sibling(out, _BACKUP) if out.exists() or out.is_symlink() else None
    try:
        inside = Path.cwd().relative_to(out)
    except (ValueError, OSError):
        inside = None
    if backup is not None:
        _move(out, backup)
    _move(stage, out)
    if inside is not None:
        os.chdir(out / inside if (out / inside).is_dir() else out)
    if backup is not None:
        _remove(backup)


def _move(src: Path, dst: Path) -> None:
    """One rename of the replacement (tests interrupt the replacement here)."""
    os.rename(src, dst)


def _remove(path: Path) -> None:
    """Delete the old results (tests interrupt the replacement here); what is left is deleted by
    the next run's :func:`recover_output`."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _writing_results(exc: OSError, out: Path) -> bool:
    """Whether ``exc`` is a failure to write the results (into ``out``, its staging or backup
    folders), as opposed to e.g. an unreadable input."""
    if exc.errno not in _OUTPUT_FIX:
        return False
    if not isinstance(exc.filename, str | os.PathLike):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    try:
        first = Path(os.path.abspath(exc.filename)).relative_to(out.parent).parts[0]
    except (ValueError, IndexError):
        return False
    return first == out.name or first.startswith(f".{out.name}.")


def _output_error(exc: OSError, out: Path) -> OutputError:
    where = exc.filename if isinstance(exc.filename, str | os.PathLike) else out
    fix = _OUTPUT_FIX.get(exc.errno or 0, "check the folder and choose another with --out if needed")
    msg = f"{where}: cannot write the results into {out} ({exc.strerror or exc}); {fix}"
    return OutputError(msg)


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
) -> Path:
    """Write a 2-D (or band-first 3-D) array as a tiled, compressed GeoTIFF with its CRS.

    Written atomically; float rasters use DEFLATE with the floating-point predictor.
    """
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
    return Path(path)


#: Timestamp GDAL writes into GeoPackage metadata: fixed, so the same layers give the same bytes.
GPKG_TIMESTAMP = "2024-10-01T00:00:00.000Z"


def write_layers(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage, atomically (all or nothing), reproducibly."""
    import pyogrio

    for name, gdf in layers.items():
        if gdf.crs is None:
            msg = f"{path}: layer {name!r} has no CRS; set it before writing"
            raise CRSError(msg)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    try:
        with atomic_path(path) as tmp:
            for i, (name, gdf) in enumerate(layers.items()):
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", append=i > 0,
                                        SPATIAL_INDEX="YES")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    return Path(path)


def write_table(path: str | Path, df: pd.DataFrame, *, float_format: str | None = None) -> Path:
    """Write a DataFrame as UTF-8 CSV (with BOM, so spreadsheets show Vietnamese text), atomically.

    Every CSV netcover writes goes through here: text cells that a spreadsheet would run as a
    formula are neutralised (:func:`netcover.textsafe.csv_safe_frame`); numbers are written as
    numbers (``float_format``: as pandas' ``to_csv``).
    """
    from .textsafe import csv_safe_frame

    with atomic_path(path) as tmp:
        csv_safe_frame(df).to_csv(tmp, index=False, encoding="utf-8-sig", float_format=float_format)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
