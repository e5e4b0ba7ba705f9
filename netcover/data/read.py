"""Reading inputs for the library: files or in-memory objects, through the checks of the command.

``netcover.read_dem``, ``netcover.read_sites`` and ``netcover.read_population`` accept what an analyst
has in a notebook (a path, a rasterio dataset, an xarray DataArray, a GeoDataFrame) and put it through
exactly the checks ``netcover run`` applies to files: a DataArray DEM is handed to the same reader as a
GeoTIFF (a temporary one), a GeoDataFrame of sites to the same row checks as a CSV. Errors raise
:class:`~netcover.errors.ValidationError` listing every problem; warnings are issued as Python
warnings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine

from netcover.errors import CRSError, InputError, NetcoverError, Problem, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import xarray as xr

    from netcover.config.scenario import Scenario
    from netcover.data.inputs import Inputs
    from netcover.data.population import PopulationGrid
    from netcover.data.terrain import Terrain

__all__ = ["load_inputs", "read_dem", "read_population", "read_sites"]

#: The CRS fix named when an in-memory raster has none.
_CRS_HINT = ("give crs= (e.g. crs='EPSG:4326' for lon/lat), or attach one to the DataArray "
             "(rioxarray: da.rio.write_crs('EPSG:4326'), or a 'crs' attribute)")


def load_inputs(scenario: Scenario | str | Path) -> Inputs:
    """Read and check every input a scenario names, as ``netcover validate`` does.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario (:func:`netcover.load_scenario`) or its file.

    Returns
    -------
    Inputs
        ``terrain``, ``cells``, ``population``, ``units``, ``settlements``, ``roads``,
        ``network_points``, ``fibre_routes``, all in the working CRS; ``warnings``.

    Raises
    ------
    ValidationError
        Listing every error of every file.

    Examples
    --------
    >>> import netcover as nc
    >>> inputs = nc.load_inputs(nc.sample_scenario())
    >>> len(inputs.units), inputs.crs.to_epsg()
    (13, 32648)
    """
    from netcover.config.scenario import load_scenario
    from netcover.data import inputs as scenario_inputs

    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    return scenario_inputs.load_inputs(scenario)


def read_dem(source: str | Path | Any, *, crs: Any = None, working_crs: str = "auto",
             max_nodata_share: float = 0.02) -> Terrain:
    """Read a DEM into the working UTM grid, checked as ``netcover run`` checks ``inputs.dem``.

    Parameters
    ----------
    source : str, Path, rasterio dataset or xarray.DataArray
        A GeoTIFF, SRTM ``.hgt`` or any raster GDAL reads; an open rasterio dataset; or a 2-D
        DataArray of heights with ``y``/``x`` cell-centre coordinates (any names, rows first).
    crs : str or pyproj.CRS, optional
        CRS of an in-memory raster without one (a DataArray's CRS is taken from ``.rio.crs``,
        a ``spatial_ref`` coordinate or a ``crs`` attribute when present).
    working_crs : str
        "auto" (the UTM zone of the DEM's centre) or a projected CRS in metres.
    max_nodata_share : float
        Holes up to this share of the cells are filled (with a warning); above it, an error.

    Returns
    -------
    Terrain
        Heights (float32, no holes) on square cells in metres, with ``transform`` and ``crs``.

    Raises
    ------
    ValidationError, CRSError, DataFileError
        As for a file: not heights, too many holes, no CRS (the message says how to give one).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import netcover as nc
    >>> x = 500_000 + 30.0 * np.arange(100) + 15
    >>> y = 2_560_000 - 30.0 * np.arange(100) - 15
    >>> dem = xr.DataArray(np.full((100, 100), 400.0), coords={"y": y, "x": x}, dims=("y", "x"),
    ...                    attrs={"crs": "EPSG:32648"})
    >>> terrain = nc.read_dem(dem)
    >>> terrain.shape, terrain.cell_size, terrain.crs.to_epsg()
    ((100, 100), 30.0, 32648)
    """
    from netcover.data import terrain as terrain_module

    with _raster_file(source, "DEM", crs) as (path, label):
        terrain, problems = _relabelled(lambda: terrain_module.read_dem(
            path, crs_setting=working_crs, max_nodata_share=max_nodata_share), path, label)
        if label != str(path):
            terrain = dataclasses.replace(terrain, source=None)
    _warn(problems)
    return terrain


def read_sites(source: str | Path | pd.DataFrame, *, dem: Terrain | None = None,
               max_height_m: float = 300.0) -> gpd.GeoDataFrame:
    """Read and check a site inventory (one row per cell), from a file or a (Geo)DataFrame.

    The checks are those of ``netcover validate``: the columns of
    :data:`~netcover.data.sites.SITE_COLUMNS`, every value in range, unique cell ids, pattern
    files that parse. Common technology spellings are accepted and stored as "4G" (LTE, lte, 4g,
    E-UTRA), "5G" (NR, 5G NR, 5g) or "3G" (UMTS, WCDMA, HSPA, 3g); an empty or NaN ``pattern_file``
    means "no pattern".

    Parameters
    ----------
    source : str, Path, GeoDataFrame or DataFrame
        A CSV/Excel table with WGS84 ``lon``/``lat``, a point layer, a GeoDataFrame of points in
        any CRS (``lon``/``lat`` columns optional), or a DataFrame with ``lon``/``lat``.
    dem : Terrain, optional
        When given, every site must lie on it and the result is in its CRS, with ``x``/``y``
        columns in metres (what :func:`netcover.compute_coverage` does).
    max_height_m : float
        Largest antenna height accepted.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell, in the source's CRS (EPSG:4326 for a table) or the DEM's.

    Raises
    ------
    ValidationError
        Listing every problem (no rows, missing columns, bad values, sites off the DEM).

    Examples
    --------
    >>> import geopandas as gpd
    >>> import netcover as nc
    >>> cells = gpd.GeoDataFrame(
    ...     {"site_id": ["S1"], "cell_id": ["S1-1"], "operator": ["Op"], "technology": ["LTE"],
    ...      "height_m": [30], "azimuth_deg": [0], "mech_tilt_deg": [2], "elec_tilt_deg": [2],
    ...      "frequency_mhz": [1800], "bandwidth_mhz": [10], "tx_power_dbm": [43],
    ...      "antenna_gain_dbi": [17], "h_beamwidth_deg": [65], "v_beamwidth_deg": [7]},
    ...     geometry=gpd.points_from_xy([105.0], [23.1]), crs="EPSG:4326")
    >>> sites = nc.read_sites(cells)
    >>> sites.loc[0, "technology"], sites.loc[0, "pattern_file"]
    ('4G', '')
    >>> try:
    ...     nc.read_sites(cells.iloc[:0])
    ... except nc.ValidationError as exc:
    ...     print(exc.report())
    error: <GeoDataFrame>: the sites table has no rows; add one row per cell
    """
    from netcover.data import site_checks
    from netcover.data import sites as sites_module

    if isinstance(source, str | Path):
        label = str(source)
        cells, problems = sites_module.read_sites(source, max_height_m=max_height_m)
    else:
        import geopandas as gpd

        label = "<GeoDataFrame>" if isinstance(source, gpd.GeoDataFrame) else "<DataFrame>"
        cells, problems = sites_module.check_sites(source, label=label, max_height_m=max_height_m)
    if cells is not None and dem is not None:
        problems += site_checks.outside_problems(cells, "site_id", label, dem)
    if cells is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    _warn(problems)
    return sites_module.to_working_crs(cells, dem.crs) if dem is not None else cells


def read_population(source: str | Path | Any, *, dem: Terrain, crs: Any = None,
                    field: str = "population") -> PopulationGrid:
    """Read people per cell over a DEM, checked as ``inputs.population`` is.

    Parameters
    ----------
    source : str, Path, rasterio dataset, xarray.DataArray, GeoDataFrame or PopulationGrid
        A count raster (people per cell, e.g. WorldPop; warped keeping the total), or points with
        people in ``field`` (summed into 100 m cells).
    dem : Terrain
        The grid of the study (:func:`read_dem`): its CRS, and the area read.
    crs : str or pyproj.CRS, optional
        CRS of an in-memory raster without one.
    field : str
        Column of people, for points.

    Returns
    -------
    PopulationGrid
        ``counts`` (float32, 0 where nobody lives), ``transform``, ``crs`` (the DEM's).

    Raises
    ------
    ValidationError, CRSError
        Nobody on the grid, no CRS.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> import netcover as nc
    >>> x = 500_000 + 30.0 * np.arange(100) + 15
    >>> y = 2_560_000 - 30.0 * np.arange(100) - 15
    >>> dem = nc.read_dem(xr.DataArray(np.full((100, 100), 400.0), coords={"y": y, "x": x},
    ...                                dims=("y", "x"), attrs={"crs": "EPSG:32648"}))
    >>> people = xr.DataArray(np.full((30, 30), 2.0), dims=("y", "x"), attrs={"crs": "EPSG:32648"},
    ...                       coords={"y": y[1::3][:30], "x": x[1::3][:30]})  # 90 m cells
    >>> round(nc.read_population(people, dem=dem).total)
    1800
    """
    from netcover.data import population as pop

    problems: list[Problem] = []
    if isinstance(source, pop.PopulationGrid):
        grid = source
    elif _is_frame(source):
        grid, problems = _population_points(source, dem, field)
    else:
        with _raster_file(source, "population raster", crs) as (path, label):
            grid, problems = _relabelled(
                lambda: pop.read_population_raster(path, dem.crs, over=dem.bounds), path, label)
    problems = [*problems, *pop.check_population(grid, _label_of(source))]
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    _warn(problems)
    return grid


def _population_points(points: gpd.GeoDataFrame, dem: Terrain, field: str
                       ) -> tuple[PopulationGrid, list[Problem]]:
    from netcover.data import population as pop
    from netcover.data.inputs import POINTS_GRID_M

    label = "<GeoDataFrame>"
    if points.crs is None:
        raise CRSError(f"{label}: the population points have no CRS; set one with gdf.set_crs()")
    if field not in points.columns:
        raise InputError(f"{label}: no column {field!r} of people; name it with field=")
    transform, shape = pop.grid_over(dem.bounds, POINTS_GRID_M)
    grid = pop.population_from_points(points.to_crs(dem.crs), field, transform, shape, dem.crs)
    return grid, []


def _is_frame(obj: object) -> bool:
    import pandas as pd

    return isinstance(obj, pd.DataFrame)


def _label_of(source: object) -> str:
    if isinstance(source, str | Path):
        return str(source)
    return f"<{type(source).__name__}>"


def _warn(problems: Sequence[Problem]) -> None:
    for p in problems:
        if p.severity == "warning":
            warnings.warn(str(p), UserWarning, stacklevel=3)


def _relabelled(read: Any, path: Path, label: str) -> Any:
    """Call ``read()``; in its problems and errors, name ``label`` instead of a temporary ``path``."""
    if label == str(path):
        return read()
    try:
        value, problems = read()
    except ValidationError as exc:
        raise ValidationError([_relabel(p, path, label) for p in exc.problems]) from None
    except NetcoverError as exc:
        raise type(exc)(str(exc).replace(str(path), label)) from None
    return value, [_relabel(p, path, label) for p in problems]


def _relabel(problem: Problem, path: Path, label: str) -> Problem:
    return dataclasses.replace(problem, source=problem.source.replace(str(path), label),
                               message=problem.message.replace(str(path), label))


@contextlib.contextmanager
def _raster_file(source: Any, what: str, crs: Any) -> Iterator[tuple[Path, str]]:
    """(a raster file holding ``source``, the label naming it): the file itself, or a temporary
    GeoTIFF of an in-memory raster (a DataArray, an in-memory rasterio dataset)."""
    if isinstance(source, str | Path):
        yield Path(source), str(source)
        return
    name = getattr(source, "name", None)
    if hasattr(source, "read") and hasattr(source, "transform"):  # a rasterio dataset
        if isinstance(name, str) and Path(name).is_file():
            yield Path(name), name
            return
        data, transform, src_crs, nodata = _dataset_arrays(source)
        label = f"<rasterio dataset {name}>" if name else "<rasterio dataset>"
    elif hasattr(source, "dims") and hasattr(source, "coords"):
        label = f"<DataArray {name!r}>" if name else "<DataArray>"
        data, transform, src_crs, nodata = _dataarray_arrays(source, label, what)
    else:
        raise InputError(f"a {what} must be a file path, a rasterio dataset or an xarray "
                         f"DataArray, not {type(source).__name__}")
    src_crs = crs if crs is not None else src_crs
    if src_crs is None:
        raise CRSError(f"{label}: the {what} has no CRS; {_CRS_HINT}")
    if hasattr(src_crs, "to_wkt"):  # pyproj or rasterio CRS
        src_crs = src_crs.to_wkt()
    with tempfile.TemporaryDirectory(prefix="netcover-") as tmp:
        path = Path(tmp) / "raster.tif"
        _write_plain(path, data, transform, src_crs, nodata)
        yield path, label


def _dataset_arrays(src: Any) -> tuple[np.ndarray, Affine, Any, Any]:
    return src.read(), src.transform, src.crs, src.nodata


def _dataarray_arrays(da: xr.DataArray, label: str, what: str
                      ) -> tuple[np.ndarray, Affine, Any, Any]:
    """Band-first values, transform, CRS (or None) and nodata of a DataArray on a regular grid."""
    if da.ndim == 3 and da.shape[0] == 1:
        da = da[0]
    if da.ndim != 2:
        raise InputError(f"{label}: a {what} DataArray must be 2-D (rows, columns), not "
                         f"{da.ndim}-D {tuple(da.dims)}")
    ydim, xdim = da.dims
    if ydim not in da.coords or xdim not in da.coords:
        raise InputError(f"{label}: the {what} needs coordinates of cell centres on both "
                         f"dimensions {tuple(da.dims)}")
    x = np.asarray(da[xdim].values, dtype=float)
    y = np.asarray(da[ydim].values, dtype=float)
    data = np.asarray(da.values)
    if len(x) < 2 or len(y) < 2:
        raise InputError(f"{label}: the {what} needs at least 2 x 2 cells")
    for v, dim in ((x, xdim), (y, ydim)):
        step = np.diff(v)
        if not np.allclose(step, step[0], rtol=1e-6, atol=0) or step[0] == 0:
            raise InputError(f"{label}: the {dim!r} coordinates are not evenly spaced; "
                             "resample the raster to a regular grid")
    if x[1] < x[0]:
        x, data = x[::-1], data[:, ::-1]
    if y[1] > y[0]:  # south-up: rows from the north
        y, data = y[::-1], data[::-1]
    dx, dy = x[1] - x[0], y[0] - y[1]
    transform = Affine(dx, 0.0, x[0] - dx / 2, 0.0, -dy, y[0] + dy / 2)
    return data[np.newaxis], transform, _dataarray_crs(da), _dataarray_nodata(da)


def _dataarray_crs(da: xr.DataArray) -> Any:
    """The CRS attached to a DataArray (rioxarray, a CF grid mapping, a ``crs`` attribute) or None."""
    with contextlib.suppress(AttributeError, ImportError):
        crs = da.rio.crs  # only with rioxarray imported
        if crs is not None:
            return crs
    mapping = da.attrs.get("grid_mapping") or da.encoding.get("grid_mapping") or "spatial_ref"
    if mapping in da.coords:
        attrs = da.coords[mapping].attrs
        for key in ("crs_wkt", "spatial_ref"):
            if attrs.get(key):
                return attrs[key]
    return da.attrs.get("crs")


def _dataarray_nodata(da: xr.DataArray) -> Any:
    for where in (da.encoding, da.attrs):
        for key in ("_FillValue", "nodata", "missing_value"):
            if where.get(key) is not None:
                return where[key]
    return None


def _write_plain(path: Path, data: np.ndarray, transform: Affine, crs: Any, nodata: Any) -> None:
    import rasterio

    if data.dtype == bool:
        data = data.astype("uint8")
    count, height, width = data.shape
    with rasterio.open(path, "w", driver="GTiff", height=height, width=width, count=count,
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data)
