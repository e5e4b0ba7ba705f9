"""``netcover.compute_coverage``: coverage of sites over a DEM, from objects or a scenario.

Sites and a DEM in (paths, a GeoDataFrame, a DataArray...), a :class:`~netcover.coverage.result.Coverage`
out. The inputs go through the checks of ``netcover run`` (:mod:`netcover.data.read`), the settings
through those of a scenario file (:func:`~netcover.config.scenario.scenario_from_dict`), and the
engine is the command's (:func:`netcover.coverage.engine.compute_coverage`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.config.scenario import Scenario, scenario_from_dict
from netcover.coverage.result import Coverage

if TYPE_CHECKING:
    from netcover.coverage.engine import Progress
    from netcover.coverage.losscache import LossCache
    from netcover.data.inputs import Inputs

__all__ = ["compute_coverage"]


def compute_coverage(sites: Any, dem: Any = None, *, radius_km: float | None = None,
                     model: str | None = None, population: Any = None,
                     units: Any = None, landcover: str | Path | None = None,
                     landcover_table: str | Path | None = None,
                     settings: dict[str, Any] | None = None,
                     cache: bool | str | Path = False, progress: Progress | None = None) -> Coverage:
    """Compute the radio coverage of sites over a DEM.

    Parameters
    ----------
    sites : path, GeoDataFrame, Scenario or Inputs
        The site inventory, one row per cell (see :func:`netcover.read_sites`); or a scenario
        (:func:`netcover.load_scenario`), whose DEM, sites, population, units and settlements are
        read; or inputs already loaded (:func:`netcover.load_inputs`).
    dem : path, rasterio dataset, xarray.DataArray or Terrain
        The DEM (see :func:`netcover.read_dem`); not given with a scenario.
    radius_km : float, optional
        Coverage is computed around each site up to this distance (default 15 km, or the
        scenario's).
    model : {"p1812", "hata", "fspl"}, optional
        The propagation model (default ITU-R P.1812, or the scenario's).
    population : optional
        People (see :func:`netcover.read_population`): tables by unit count them.
    units : GeoDataFrame, optional
        Unit polygons with ``name`` (and ``code``) columns, for :meth:`Coverage.by_unit`.
    landcover : path, optional
        A land-cover class raster (any CRS; ESA WorldCover codes unless ``landcover_table`` says
        otherwise): clutter heights at both ends of each path and the terminal clutter loss, as with
        a scenario's ``inputs.landcover``. Without it the coverage is over bare earth.
    landcover_table : path, optional
        A CSV of the raster's classes (``code,name,height_m,category``), for a scheme other than
        WorldCover.
    settings : dict, optional
        Other scenario settings by section, e.g. ``{"coverage": {"rx_height_m": 2},
        "thresholds": {"4G": {"good": -90, "fair": -100, "weak": -110}}}``; checked as in a
        scenario file.
    cache : bool, str or Path
        A folder for the per-site loss cache; True: the scenario's ``coverage.cache_dir`` or the
        default cache folder (``$NETCOVER_CACHE_DIR``); False: no cache.
    progress : callable, optional
        ``progress(items, label)`` wrapping the loop over sites (e.g. ``tqdm``-like).

    Returns
    -------
    Coverage
        Arrays on the DEM grid, :meth:`~Coverage.to_xarray`, :meth:`~Coverage.write`,
        :meth:`~Coverage.by_unit`.

    Raises
    ------
    ValidationError
        Listing every problem of the inputs (no sites, bad values, sites off the DEM...).
    ScenarioError
        Unknown or wrong settings.

    Examples
    --------
    >>> import netcover as nc
    >>> from netcover.data.examples import example_dem, example_sites
    >>> cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=2)
    >>> cov.shape, sorted(cov.result.operator_classes)
    ((100, 100), ['Op A', 'Op B'])
    >>> print(f"{cov.summary()['area_share_covered']:.0%} of the area has fair or better 4G")
    76% of the area has fair or better 4G
    """
    from netcover.coverage import engine

    overrides = {k: v for k, v in (("radius_km", radius_km), ("model", model)) if v is not None}
    if isinstance(sites, Scenario) or _is_inputs(sites):
        if any(v is not None for v in (dem, population, units, landcover, landcover_table)):
            msg = ("with a scenario or inputs, give no dem, population, units or land cover: they "
                   "come from it")
            raise TypeError(msg)
        inputs = _scenario_inputs(sites, overrides, settings or {})
    else:
        if dem is None:
            msg = "compute_coverage(sites, dem): give the DEM (a path, DataArray or rasterio dataset)"
            raise TypeError(msg)
        raw = {k: dict(v) for k, v in (settings or {}).items()}
        raw.setdefault("coverage", {}).update(overrides)
        inputs = inputs_from_objects(scenario_from_dict(raw), sites, dem, population=population,
                                     units=units, landcover=landcover,
                                     landcover_table=landcover_table)
    result = engine.compute_coverage(inputs, cache=_loss_cache(cache, inputs.scenario),
                                     progress=progress)
    return Coverage(result, inputs)


def _is_inputs(value: object) -> bool:
    from netcover.data.inputs import Inputs

    return isinstance(value, Inputs)


def _scenario_inputs(source: Scenario | Inputs, overrides: dict[str, Any], settings: dict[str, Any]
                     ) -> Inputs:
    """The inputs of a scenario (read) or of inputs already loaded, with the settings changed."""
    from netcover.data.inputs import load_inputs

    if isinstance(source, Scenario):
        return load_inputs(_with_settings(source, overrides, settings))
    if overrides or settings:
        return dataclasses.replace(source, scenario=_with_settings(source.scenario, overrides, settings))
    return source


def _loss_cache(cache: bool | str | Path, scenario: Scenario) -> LossCache | None:
    """The loss cache ``cache`` asks for: True the scenario's (or the default) folder, a path that
    folder, False none."""
    from netcover.coverage.losscache import LossCache, default_cache_dir

    if cache is True:
        return LossCache(scenario.coverage.cache_dir or default_cache_dir())
    return LossCache(Path(cache)) if cache else None


def inputs_from_objects(scenario: Scenario, sites: Any, dem: Any, *, population: Any = None,
                        units: Any = None, landcover: str | Path | None = None,
                        landcover_table: str | Path | None = None) -> Inputs:
    """:class:`~netcover.data.inputs.Inputs` of sites, a DEM, people, units and land cover given as
    objects or paths, each checked as ``netcover run`` checks the file (see
    :mod:`netcover.data.read`)."""
    from netcover.coverage.result import _units_frame
    from netcover.data.inputs import Inputs
    from netcover.data.read import read_dem, read_population, read_sites
    from netcover.data.terrain import Terrain, dem_notes

    terrain = dem if isinstance(dem, Terrain) else read_dem(
        dem, working_crs=scenario.scenario.crs,
        max_nodata_share=scenario.validation.max_nodata_share)
    notes = dem_notes(terrain)
    if landcover is not None:
        terrain = _with_landcover(terrain, landcover, landcover_table)
        files = dataclasses.replace(scenario.inputs, landcover=Path(landcover), landcover_table=(
            None if landcover_table is None else Path(landcover_table)))
        scenario = dataclasses.replace(scenario, inputs=files)  # the assumptions name the layer
    elif landcover_table is not None:
        msg = "compute_coverage(landcover_table=...) without landcover=: give the class raster too"
        raise TypeError(msg)
    cells = read_sites(sites, dem=terrain, max_height_m=scenario.validation.max_site_height_m)
    people = read_population(population, dem=terrain) if population is not None else None
    unit_frame = _units_frame(units, terrain.crs, "name", "code") if units is not None else None
    return Inputs(scenario=scenario, terrain=terrain, cells=cells, population=people,
                  units=unit_frame, notes=notes)


def _with_landcover(terrain: Any, path: str | Path, table: str | Path | None) -> Any:
    """``terrain`` with the land cover of ``path``; its errors raised together, warnings shown."""
    import warnings

    from netcover.data.landcover import with_landcover
    from netcover.errors import ValidationError

    terrain, problems = with_landcover(terrain, Path(path), None if table is None else Path(table))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    for problem in problems:
        warnings.warn(str(problem), stacklevel=3)
    return terrain


def _with_settings(scenario: Scenario, coverage: dict[str, Any], settings: dict[str, Any]
                   ) -> Scenario:
    """``scenario`` with coverage settings (and other sections' settings) replaced.

    The changes are first checked as a scenario file's sections would be (types, allowed values).
    """
    if not coverage and not settings:
        return scenario
    raw = {k: dict(v) for k, v in settings.items()}
    raw.setdefault("coverage", {}).update(coverage)
    scenario_from_dict(raw)  # raises ScenarioError listing every bad setting
    changes: dict[str, Any] = {}
    for section, values in raw.items():
        current = getattr(scenario, section)
        if not (dataclasses.is_dataclass(current) and not isinstance(current, type)):
            msg = f"settings[{section!r}]: only sections of settings can be changed here"
            raise TypeError(msg)
        changes[section] = dataclasses.replace(current, **values)
    return dataclasses.replace(scenario, **changes)
