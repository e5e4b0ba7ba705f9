"""The coverage of a set of sites as one object: arrays, an xarray Dataset, files, tables by unit.

:class:`Coverage` is what :func:`netcover.compute_coverage` returns. It holds the engine's
:class:`~netcover.coverage.engine.CoverageResult` and the inputs it was computed from, and turns them
into what an analyst uses next: :meth:`Coverage.to_xarray` (named variables on the DEM grid, CRS
attached the way rioxarray and GDAL read it), :meth:`Coverage.write` (the GeoTIFFs, tables and
GeoPackage of ``netcover run``'s ``coverage/`` folder), :meth:`Coverage.by_unit` and
:meth:`Coverage.by_settlement` (people, households and villages by class, as the command's tables).

Class rasters use 0 none, 1 weak, 2 fair, 3 good.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.coverage import people as covered
from netcover.coverage.write import (
    CLASS_LEVELS,
    class_layers,
    coverage_tables,
    raster_layers,
    raster_spec,
    settlement_service_columns,
    shown_levels,
    unit_service_columns,
    write_coverage,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import xarray as xr
    from affine import Affine
    from pyproj import CRS

    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs
    from netcover.data.population import PopulationGrid

__all__ = ["Coverage"]

#: Units of each variable of :meth:`Coverage.to_xarray`, by the name's first part.
_UNITS = {"signal": "dBm", "sinr": "dB", "loss_min": "dB", "class": "1", "best_server": "1",
          "servers_within_6db": "1", "service_class": "1"}


@dataclass(frozen=True)
class Coverage:
    """Coverage of a set of sites on a DEM grid (see :func:`netcover.compute_coverage`).

    Attributes
    ----------
    result : CoverageResult
        The engine's layers: per technology, per operator, and the best class of any operator.
    inputs : Inputs
        What it was computed from: the terrain, the cells (in the working CRS), the population,
        units and settlements when known, and the scenario's settings.
    """

    result: CoverageResult
    inputs: Inputs

    @property
    def crs(self) -> CRS:
        """The working CRS (a UTM zone unless the scenario names another)."""
        return self.result.crs

    @property
    def transform(self) -> Affine:
        """Maps (col, row) to the upper-left corner of a cell, as rasterio's ``transform``."""
        return self.result.transform

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the grid."""
        rows, cols = self.result.classes.shape
        return int(rows), int(cols)

    @property
    def classes(self) -> np.ndarray:
        """The best class any operator offers (0 none, 1 weak, 2 fair, 3 good), per cell."""
        return self.result.classes

    @property
    def cells(self) -> gpd.GeoDataFrame:
        """The cells (sectors) the coverage was computed for, in the working CRS."""
        assert self.inputs.cells is not None
        return self.inputs.cells

    @property
    def usable_class(self) -> str:
        """The class people need to count as covered ("fair" unless the scenario says)."""
        return self.inputs.scenario.coverage.usable_class

    def to_xarray(self) -> xr.Dataset:
        """The rasters as an :class:`xarray.Dataset` with the CRS attached.

        Variables are named as the files of :meth:`write` (``class``, ``class_<operator>``,
        ``signal_4G``, ``sinr_4G``, ``best_server_4G``, ``loss_min``...). Coordinates ``x``/``y``
        are cell centres in metres; a ``spatial_ref`` coordinate carries the CRS (``crs_wkt``,
        ``spatial_ref``, CF grid-mapping attributes) and GDAL's ``GeoTransform``, and every
        variable names it in ``grid_mapping``: rioxarray (``ds.rio.crs``), GDAL and QGIS read it.

        Returns
        -------
        xarray.Dataset

        Examples
        --------
        >>> import netcover as nc
        >>> from netcover.data.examples import example_dem, example_sites
        >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
        >>> ds = cov.to_xarray()
        >>> list(ds.data_vars)[:3], ds["class"].dims
        (['signal_4G', 'best_server_4G', 'servers_within_6db_4G'], ('y', 'x'))
        >>> ds["class"].attrs["grid_mapping"], ds.spatial_ref.attrs["GeoTransform"]
        ('spatial_ref', '500000.0 30.0 0.0 2560000.0 0.0 -30.0')
        >>> float(ds.x[0]), float(ds.y[0])  # cell centres
        (500015.0, 2559985.0)
        """
        import xarray as xr

        t = self.transform
        rows, cols = self.shape
        x = t.c + t.a * (np.arange(cols) + 0.5)
        y = t.f + t.e * (np.arange(rows) + 0.5)
        ref = dict(self.crs.to_cf())
        ref.update(crs_wkt=self.crs.to_wkt(), spatial_ref=self.crs.to_wkt(),
                   GeoTransform=" ".join(f"{v!r}" for v in (t.c, t.a, t.b, t.f, t.d, t.e)))
        coords = {
            "y": ("y", y, {"standard_name": "projection_y_coordinate", "units": "metre",
                           "long_name": "y of the cell centre"}),
            "x": ("x", x, {"standard_name": "projection_x_coordinate", "units": "metre",
                           "long_name": "x of the cell centre"}),
            "spatial_ref": ((), np.int32(0), ref),
        }
        variables = {}
        for stem, array in raster_layers(self.result).items():
            nodata, description = raster_spec(stem)
            var_attrs = {"long_name": description, "units": _UNITS[_prefix(stem)],
                     "grid_mapping": "spatial_ref"}
            var = xr.Variable(("y", "x"), array, var_attrs)
            if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
                var.encoding["_FillValue"] = nodata
            variables[stem] = var
        sc = self.inputs.scenario
        attrs: dict[str, object] = {"title": "netcover coverage", "model": sc.coverage.model,
                 "radius_km": sc.coverage.radius_km, "rx_height_m": sc.coverage.rx_height_m,
                 "usable_class": sc.coverage.usable_class,
                 "classes": "0 none, 1 weak, 2 fair, 3 good",
                 "Conventions": "CF-1.8"}
        return xr.Dataset(variables, coords=coords, attrs=attrs)

    def write(self, folder: str | Path) -> list[Path]:
        """Write the coverage files into ``folder``, all at once (a staged folder).

        The files of ``netcover run``'s ``coverage/`` folder: one GeoTIFF per layer with the CRS
        (``class.tif``, ``class_<operator>.tif``, ``signal_<tech>.tif``,
        ``service_class_<level>.tif``...), ``cells.csv``, and when units or settlements are known
        ``coverage_by_unit.csv``, ``coverage_by_settlement.csv`` and ``coverage.gpkg``; with a
        population ``coverage_by_service.csv`` (people covered at each service level). Files of
        ``folder`` that this does not write are kept.

        Parameters
        ----------
        folder : str or Path
            Created if needed.

        Returns
        -------
        list of Path
            The files written.

        Examples
        --------
        >>> import tempfile, rasterio
        >>> import netcover as nc
        >>> from netcover.data.examples import example_dem, example_sites
        >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
        >>> folder = Path(tempfile.mkdtemp()) / "coverage"
        >>> files = cov.write(folder)
        >>> with rasterio.open(folder / "class.tif") as src:
        ...     print(src.crs, src.shape)
        EPSG:32648 (100, 100)
        """
        from netcover.core._staging import staged_output

        out = Path(folder)
        tables = coverage_tables(self.result, self.inputs, usable=self.usable_class)
        with staged_output(out) as stage:
            staged = write_coverage(self.result, self.inputs, tables, stage)
        return [out / p.relative_to(stage) for p in staged]

    def by_unit(self, units: gpd.GeoDataFrame | None = None, population: Any = None, *,
                name: str = "name", code: str = "code", census: str = "population",
                usable: str | None = None) -> pd.DataFrame:
        """People (and households, with settlements) by coverage class in each unit.

        The table of ``coverage_by_unit.csv``: ``people``, ``<layer>_people_<class>`` for the
        layers ``all`` and each operator, ``<layer>_share_covered`` (people at the usable class or
        better).

        Parameters
        ----------
        units : GeoDataFrame, optional
            Polygons in any CRS (communes, districts); default: the scenario's units.
        population : path, DataArray, rasterio dataset, GeoDataFrame or PopulationGrid, optional
            People (see :func:`netcover.read_population`); default: the scenario's population,
            else the units' census totals (column ``census``) spread as ``netcover run`` spreads
            them (over the settlements, then the unit's area without steep slopes).
        name, code : str
            Columns of the units' name and code (codes are numbered 001... when absent).
        census : str
            Column of the units' census totals, used when there is no population.
        usable : {"weak", "fair", "good"}, optional
            The class that counts as covered (default: the scenario's).

        Returns
        -------
        pandas.DataFrame
            One row per unit.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> import netcover as nc
        >>> from netcover.data.examples import example_dem, example_population, example_sites
        >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2,
        ...                           population=example_population())
        >>> west = box(500_000, 2_557_000, 501_500, 2_560_000)
        >>> east = box(501_500, 2_557_000, 503_000, 2_560_000)
        >>> halves = gpd.GeoDataFrame({"name": ["west", "east"]}, geometry=[west, east],
        ...                           crs="EPSG:32648")
        >>> table = cov.by_unit(halves)
        >>> table[["code", "name", "people"]]
          code  name  people
        0  001  west  1122.0
        1  002  east  1056.0
        >>> by_class = table.filter(regex="^all_people_").to_numpy().sum()  # none, weak, fair, good
        >>> round(float(by_class)), round(cov.inputs.population.total)
        (2178, 2178)
        """
        from netcover.data.read import read_population

        units = self.inputs.units if units is None else _units_frame(units, self.crs, name, code)
        if units is None:
            msg = "no units: give a GeoDataFrame of unit polygons (or a scenario with inputs.units)"
            raise ValueError(msg)
        grid: PopulationGrid | None = self.inputs.population
        if population is not None:
            grid = read_population(population, dem=self.inputs.terrain)
        elif grid is None:
            grid = self._census_grid(units, census)
        level = CLASS_LEVELS[usable or self.usable_class]
        settlements = self.inputs.settlements if units is self.inputs.units else None
        table = covered.unit_table(units, grid, settlements, class_layers(self.result),
                                   self.transform, usable=level)
        if not self.result.service:
            return table
        service = covered.service_table(units, grid, self.result.service, self.transform,
                                        usable=level)
        return unit_service_columns(table, service, shown_levels(self.inputs.scenario))

    def _census_grid(self, units: gpd.GeoDataFrame, census: str) -> PopulationGrid:
        """People from the units' census totals, spread as ``netcover run`` spreads them; an error
        saying what to give when the units carry no such column."""
        from netcover.data.population import population_from_census

        if census not in units.columns:
            msg = (f"no people to count: the coverage has no population and the units have no "
                   f"{census!r} column; give population= (a raster or points) or census= (the "
                   "units' column of census totals)")
            raise ValueError(msg)
        sc = self.inputs.scenario
        grid, _, _ = population_from_census(units, census, self.inputs.terrain, self.inputs.settlements,
                                            max_slope_deg=sc.inputs.census_max_slope_deg)
        return grid

    def by_settlement(self, settlements: gpd.GeoDataFrame | None = None, *,
                      usable: str | None = None) -> pd.DataFrame:
        """The class of each settlement (village) from every operator and from any.

        Parameters
        ----------
        settlements : GeoDataFrame, optional
            Points in any CRS with ``name`` (and ``population``, ``households`` when known);
            default: the scenario's settlements.
        usable : {"weak", "fair", "good"}, optional
            The class that counts as service (default: the scenario's).

        Returns
        -------
        pandas.DataFrame
            The table of ``coverage_by_settlement.csv`` (``all_class``, ``usable_service``...).

        Examples
        --------
        >>> import geopandas as gpd
        >>> import netcover as nc
        >>> from netcover.data.examples import example_dem, example_sites
        >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
        >>> villages = gpd.GeoDataFrame({"name": ["Na", "Pa"], "population": [120, 80]},
        ...     geometry=gpd.points_from_xy([500_300, 502_950], [2_558_500, 2_557_050]),
        ...     crs="EPSG:32648")
        >>> cov.by_settlement(villages)[["name", "all_class", "usable_service"]]
          name all_class  usable_service
        0   Na      fair            True
        1   Pa      weak           False
        """
        points = self.inputs.settlements if settlements is None else settlements.to_crs(self.crs)
        if points is None:
            msg = "no settlements: give a GeoDataFrame of points (or a scenario with settlements)"
            raise ValueError(msg)
        level = CLASS_LEVELS[usable or self.usable_class]
        table = covered.settlement_table(points, class_layers(self.result), self.transform,
                                         usable=level)
        settlement_service_columns(table, self.result, self.inputs, points)
        return table

    def summary(self) -> dict[str, float | str]:
        """District figures: area share covered, people by class and share covered (with a
        population), villages without service (with settlements); see ``summary.json``. The key
        ``assumes`` says what the figures without a service level in their key assume (model,
        diffraction, outdoor receiver height, 50% of locations and time, land cover used or bare
        earth, calibration), as the report does.

        The headline is given at its service level (``[coverage] headline_service``, default
        outdoor at 90% of locations) with the indoor level beside it: ``headline_service``,
        ``headline_label`` and, with a population, ``headline_share_people_covered`` with its
        range ``headline_low``-``headline_high``; the same with ``indoor_``. The district's share
        at every level is ``share_people_covered_<level>`` (``_low``, ``_high``);
        ``share_people_covered`` is the median prediction's (``outdoor_50``).

        Examples
        --------
        >>> import netcover as nc
        >>> from netcover.data.examples import example_dem, example_sites
        >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
        >>> figures = cov.summary()
        >>> figures["area_share_covered"]
        0.7632
        >>> figures["assumes"][:60]
        'The coverage figures assume: the ITU-R P.1812 model, outdoor'
        """
        from netcover.config.service import MEDIAN_SERVICE
        from netcover.coverage.assumptions import Assumptions

        tables = coverage_tables(self.result, self.inputs, usable=self.usable_class)
        figures: dict[str, float | str] = dict(tables.district)
        for key, fig in tables.headline.items():
            figures[f"{key}_service"], figures[f"{key}_label"] = fig["service"], fig["label"]
            for name in ("share_people_covered", "low", "high"):
                if name in fig:
                    figures[f"{key}_{name}"] = fig[name]
        # the figures without a service level in their name are the median prediction's
        figures["assumes"] = Assumptions.of_inputs(self.inputs, service=MEDIAN_SERVICE).sentence("en")
        return figures


def _prefix(stem: str) -> str:
    for prefix in sorted(_UNITS, key=len, reverse=True):
        if stem.startswith(prefix):
            return prefix
    return stem


def _units_frame(units: gpd.GeoDataFrame, crs: CRS, name: str, code: str) -> gpd.GeoDataFrame:
    """Units in ``crs`` with ``name`` and ``code`` columns (codes numbered when absent)."""
    if units.crs is None:
        msg = "the units have no CRS; set one with units.set_crs(...)"
        raise ValueError(msg)
    out = units.to_crs(crs).reset_index(drop=True)
    if name not in out.columns:
        msg = f"the units have no column {name!r}; name the units' name column with name="
        raise ValueError(msg)
    out = out.rename(columns={name: "name"})
    if code in out.columns:
        out = out.rename(columns={code: "code"})
        out["code"] = out["code"].astype(str).str.strip()
    else:
        out["code"] = [f"{i + 1:03d}" for i in range(len(out))]
    return out
