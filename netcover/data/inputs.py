"""All inputs of a scenario, read, checked and projected to the working CRS before any model runs.

:func:`check_inputs` reads every file the scenario names and collects every problem (all in one
report, not one per run); :func:`load_inputs` raises :class:`~netcover.errors.ValidationError`
with that report when any problem is an error.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from netcover.config.scenario import Scenario
from netcover.core.notes import Note
from netcover.core.tables import is_table, read_table
from netcover.data import layers
from netcover.data._file_checks import guard as _guard
from netcover.data._file_checks import monitor_problems
from netcover.data.population import (
    PopulationGrid,
    check_population,
    dense_units,
    grid_over,
    is_vector,
    population_from_census,
    population_from_points,
    read_population_raster,
)
from netcover.data.site_checks import outside_problems
from netcover.data.sites import read_sites, to_working_crs
from netcover.data.terrain import Terrain, dem_notes, read_dem
from netcover.errors import NetcoverError, Problem, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from netcover.data.window import DemSource

__all__ = ["EXCLUSIONS", "POINTS_GRID_M", "Inputs", "check_inputs", "load_inputs", "read_cells"]

POINTS_GRID_M = 100.0
#: ``[siting] exclusion_file``: polygons where no mast may stand.
EXCLUSIONS = layers.LayerSpec("exclusion areas", (), ("Polygon", "MultiPolygon"))


@dataclass(frozen=True)
class Inputs:
    """A scenario's data, all in the working CRS of :attr:`terrain`."""

    scenario: Scenario
    terrain: Terrain
    cells: gpd.GeoDataFrame | None = None
    population: PopulationGrid | None = None
    settlements: gpd.GeoDataFrame | None = None
    units: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    network_points: gpd.GeoDataFrame | None = None
    fibre_routes: gpd.GeoDataFrame | None = None
    warnings: list[Problem] = field(default_factory=list)
    #: What the figures assume because of the data given (see :mod:`netcover.core.notes`).
    notes: list[Note] = field(default_factory=list)

    @property
    def crs(self) -> CRS:
        """The working CRS (a UTM zone unless the scenario names another)."""
        return self.terrain.crs


def load_inputs(scenario: Scenario) -> Inputs:
    """Read and check everything; raise ValidationError listing every error found."""
    inputs, problems = check_inputs(scenario)
    if inputs is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return inputs


def check_inputs(scenario: Scenario) -> tuple[Inputs | None, list[Problem]]:
    """Read every input the scenario names; return what could be read and all problems."""
    files = scenario.inputs
    label = str(scenario.path or "<scenario>")
    if files.dem is None:
        return None, [Problem(label, "no DEM given; set inputs.dem to a GeoTIFF or .hgt file",
                              field="inputs.dem")]
    problems: list[Problem] = []
    sites = _sites_reader(scenario)
    try:
        terrain, warnings = read_dem(files.dem, crs_setting=scenario.scenario.crs,
                                     max_nodata_share=scenario.validation.max_nodata_share,
                                     area=_needed_area(scenario, sites),
                                     radius_m=scenario.coverage.radius_km * 1000.0)
    except ValidationError as exc:
        return None, exc.problems
    except NetcoverError as exc:
        return None, [Problem(str(files.dem), str(exc).removeprefix(f"{files.dem}: "))]
    problems += warnings
    terrain = _add_landcover(scenario, terrain, problems)
    notes = dem_notes(terrain)
    found = _read_files(scenario, terrain, problems, notes, sites)
    notes += _unit_notes(found, terrain, scenario, problems)
    changes = scenario.monitor.unit_changes
    if changes is not None:  # read again by monitoring; checked here so that validate says it
        from netcover.data.unit_changes import read_unit_changes

        _guard(changes, problems, lambda: (read_unit_changes(changes), []))
    inputs = Inputs(scenario=scenario, terrain=terrain, notes=notes, **found)  # type: ignore[arg-type]
    problems += _coded_value_problems(inputs)
    problems += _other_file_problems(inputs)
    warnings = [p for p in problems if p.severity == "warning"]
    return dataclasses.replace(inputs, warnings=warnings), problems


def _add_landcover(scenario: Scenario, terrain: Terrain, problems: list[Problem]) -> Terrain:
    """``terrain`` with the scenario's land-cover layer on it (unchanged without one); the
    layer's problems are added to ``problems``."""
    from netcover.data.landcover import with_landcover

    files = scenario.inputs
    if files.landcover is None:
        if files.landcover_table is not None:
            problems.append(Problem(str(files.landcover_table), "a land-cover table without "
                                    "inputs.landcover is not used; name the class raster too",
                                    field="inputs.landcover_table", severity="warning"))
        return terrain
    try:
        terrain, found = with_landcover(terrain, files.landcover, files.landcover_table)
    except ValidationError as exc:
        problems += exc.problems
        return terrain
    except NetcoverError as exc:
        problems.append(Problem(str(files.landcover), str(exc).removeprefix(f"{files.landcover}: "),
                                field="inputs.landcover"))
        return terrain
    problems += found
    return terrain


#: Reads the scenario's site inventory: :func:`~netcover.data.sites.read_sites`'s answer.
SitesReader = Callable[[], "tuple[gpd.GeoDataFrame | None, list[Problem]]"]


def _sites_reader(scenario: Scenario) -> SitesReader | None:
    """Reads the scenario's sites once for the DEM window and the cells (None without sites).

    The answer is kept (the file is read and checked once per :func:`check_inputs`); a reader that
    raises is run again by the next caller, which reports the error.
    """
    path = scenario.inputs.sites
    if path is None:
        return None
    return functools.cache(
        lambda: read_sites(path, max_height_m=scenario.validation.max_site_height_m))


def _read_files(scenario: Scenario, terrain: Terrain, problems: list[Problem],
                notes: list[Note], sites: SitesReader | None = None) -> dict[str, object]:
    """Every input file but the DEM, by :class:`Inputs` field; problems and notes are added to."""
    files = scenario.inputs
    label = str(scenario.path or "<scenario>")
    crs = terrain.crs
    found: dict[str, object] = {}
    if files.sites is None:
        problems.append(Problem(label, "no sites given; set inputs.sites to the site inventory "
                                "(CSV with lon/lat, one row per cell)", field="inputs.sites"))
    else:
        found["cells"] = _guard(files.sites, problems,
                                lambda: read_cells(scenario, terrain, sites=sites))

    if files.units is not None:
        found["units"] = _guard(files.units, problems, lambda: _read_units(scenario, crs))
    for key, spec in (("settlements", layers.SETTLEMENTS), ("roads", layers.ROADS),
                      ("network_points", layers.NETWORK_POINTS)):
        path = files.network if key == "network_points" else getattr(files, key)
        if path is not None:
            found[key] = _guard(path, problems, _layer_reader(path, spec, crs))
    if files.network is not None and found.get("network_points") is not None:
        found["fibre_routes"] = _fibre_routes(files.network, crs, problems)
    if files.population is not None:
        found["population"] = _guard(files.population, problems,
                                     lambda: _read_population(scenario, terrain))
    else:
        found["population"] = _census_population(scenario, terrain, found, problems, notes)
    return found


def _coded_value_problems(inputs: Inputs) -> list[Problem]:
    """Unknown road classes, point types and connections; fields the link planner needs.

    Errors when the link planner runs (it refuses them), warnings otherwise.
    """
    from netcover.config.options import CONNECTIONS, POINT_TYPES, ROAD_CLASSES
    from netcover.data.entities import REQUIRED_COLUMNS, missing_link_inputs

    links = not missing_link_inputs(inputs)
    files = inputs.scenario.inputs
    severity = "error" if links else "warning"
    effect = "" if links else "the link planner does not run in this scenario"
    problems = []
    checks = (("roads", "class", ROAD_CLASSES, files.roads),
              ("network_points", "type", POINT_TYPES, files.network),
              ("network_points", "connection", CONNECTIONS, files.network))
    for name, column, allowed, path in checks:
        layer = getattr(inputs, name)
        if layer is not None:
            problems += layers.check_choices(layer, str(path), column, allowed, severity=severity,
                                             effect=effect)
    if not links:
        return problems
    for name, kind, path in (("roads", "roads", files.roads), ("fibre_routes", "fibre_routes",
                             files.network), ("network_points", "points", files.network),
                             ("settlements", "settlements", files.settlements)):
        layer = getattr(inputs, name)
        missing = [c for c in REQUIRED_COLUMNS[kind] if layer is not None and c not in layer]
        if missing:
            msg = (f"field(s) {', '.join(missing)} missing in the {kind} layer; the link planner "
                   "needs them (add them in QGIS)")
            problems.append(Problem(str(path), msg, field=",".join(missing)))
    return problems


def _other_file_problems(inputs: Inputs) -> list[Problem]:
    """Proposals and exclusion areas, checked now, not when siting reads them."""
    from netcover.data.proposals import check_proposals

    sc = inputs.scenario
    problems: list[Problem] = []
    if sc.inputs.proposals is not None:
        path = sc.inputs.proposals
        _guard(path, problems, lambda: check_proposals(path, sc.siting, inputs.crs,
                                                        terrain=inputs.terrain),
               key="inputs.proposals")
    if sc.siting.exclusion_file:
        excl = Path(sc.siting.exclusion_file)
        excl = excl if excl.is_absolute() else sc.base_dir / excl
        _guard(excl, problems, _layer_reader(excl, EXCLUSIONS, inputs.crs),
               key="siting.exclusion_file")
    return problems + monitor_problems(inputs)


def _layer_reader(
    path: Path, spec: layers.LayerSpec, crs: CRS
) -> Callable[[], tuple[gpd.GeoDataFrame | None, list[Problem]]]:
    return lambda: layers.read_layer(path, spec, crs)


def read_cells(scenario: Scenario, terrain: Terrain | DemSource, *,
               sites: SitesReader | None = None) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """The scenario's cells in the working CRS (``x``/``y`` columns), each site inside the grid.

    ``sites``: reads the site inventory (default: :func:`~netcover.data.sites.read_sites` of the
    scenario's file), for a caller that has read it already.
    """
    path = scenario.inputs.sites
    assert path is not None
    if sites is None:
        cells, problems = read_sites(path, max_height_m=scenario.validation.max_site_height_m)
    else:
        cells, found = sites()
        problems = list(found)  # the reader's answer is kept: add to a copy
    if cells is None:
        if is_table(path):
            # the positions are still checked, so that every problem is reported at once and
            # lon/lat that look swapped (lat 105 in Vietnam) are said to be
            table = read_table(path, "sites")
            if {"site_id", "lon", "lat"} <= set(table.columns):
                problems += outside_problems(table, "site_id", str(path), terrain)
        return None, problems
    problems += outside_problems(cells, "site_id", str(path), terrain)
    return to_working_crs(cells, terrain.crs), problems


def _read_units(scenario: Scenario, crs: CRS) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    files = scenario.inputs
    assert files.units is not None
    spec = dataclasses.replace(layers.UNITS, fields=(files.unit_name_field,))
    units, problems = layers.read_layer(files.units, spec, crs, layer=files.units_layer or None)
    if units is None:
        return None, problems
    units = units.rename(columns={files.unit_name_field: "name"})
    if files.unit_code_field in units.columns:
        units = units.rename(columns={files.unit_code_field: "code"})
    else:
        units["code"] = [f"{i + 1:03d}" for i in range(len(units))]
    units["code"] = units["code"].astype(object).where(units["code"].notna(), "")
    units["code"] = units["code"].astype(str).str.strip()
    problems += _code_problems(units, str(files.units), files.unit_code_field)
    problems += layers.check_units_tiling(units, str(files.units))
    return units, problems


def _code_problems(units: gpd.GeoDataFrame, label: str, field: str) -> list[Problem]:
    """Every unit needs its own code: tables, history and attribution are keyed by it."""
    problems = []
    codes = units["code"]
    for i in np.flatnonzero((codes == "").to_numpy()):
        problems.append(Problem(label, "the unit has no code; give every unit its own code",
                                f"feature {i + 1}", field))
    for code in sorted(set(codes[codes.duplicated() & (codes != "")])):
        idx = np.flatnonzero((codes == code).to_numpy())
        which = ", ".join(f"feature {i + 1} ({units['name'].iloc[i]})" for i in idx)
        msg = (f"code {code!r} is used by more than one unit ({which}); give every unit its own "
               "code, or dissolve the parts into one feature")
        problems.append(Problem(label, msg, field=field))
    return problems


def _fibre_routes(path: Path, crs: CRS, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    import pyogrio

    if "fibre_routes" not in [str(r[0]) for r in pyogrio.list_layers(path)]:
        return None
    return _guard(path, problems, lambda: layers.read_layer(path, layers.FIBRE_ROUTES, crs))


def _read_population(
    scenario: Scenario, terrain: Terrain
) -> tuple[PopulationGrid | None, list[Problem]]:
    path = scenario.inputs.population
    assert path is not None
    if not is_vector(path):
        grid, problems = read_population_raster(path, terrain.crs, over=terrain.bounds)
        return grid, problems + check_population(grid, str(path))
    spec = dataclasses.replace(layers.POPULATION_POINTS, fields=(scenario.inputs.population_field,),
                               numeric=(scenario.inputs.population_field,))
    points, problems = layers.read_layer(path, spec, terrain.crs)
    if points is None:
        return None, problems
    transform, shape = grid_over(terrain.bounds, POINTS_GRID_M)
    grid = population_from_points(points, scenario.inputs.population_field, transform, shape,
                                  terrain.crs)
    lost = float(points[scenario.inputs.population_field].sum()) - grid.total
    if lost > 0.5:
        problems.append(Problem(str(path), f"{lost:.0f} people lie outside the DEM and are not "
                                "counted", severity="warning"))
    return grid, problems + check_population(grid, str(path))


def _needed_area(scenario: Scenario, sites: SitesReader | None
                 ) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds of the sites (read by ``sites``) and the units: the part of the DEM a run
    reads (with the radius); None (read the whole DEM) when the sites cannot be read."""
    import pyogrio
    from pyproj import Transformer

    files = scenario.inputs
    try:
        cells = sites()[0] if sites is not None else None
        if cells is None or cells.crs is None:
            return None
        boxes = [cells.to_crs("EPSG:4326").total_bounds]
        if files.units is not None:
            info = pyogrio.read_info(files.units, layer=files.units_layer or None)
            to_ll = Transformer.from_crs(info["crs"], "EPSG:4326", always_xy=True)
            west, south, east, north = (float(v) for v in info["total_bounds"])
            boxes.append(to_ll.transform_bounds(west, south, east, north, densify_pts=21))
    except (NetcoverError, OSError, ValueError, RuntimeError):  # reported by the checks below
        return None
    b = np.array(boxes, dtype=float)
    if not np.isfinite(b).all():
        return None
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _census_population(scenario: Scenario, terrain: Terrain, found: dict[str, object],
                       problems: list[Problem], notes: list[Note]) -> PopulationGrid | None:
    """People from the units' census field when no population input is named (notes say how)."""
    files, units = scenario.inputs, cast("gpd.GeoDataFrame | None", found.get("units"))
    field = files.unit_population_field
    has_field = units is not None and field in units.columns
    if not has_field:
        if units is not None and field != "population":
            problems.append(Problem(str(files.units), f"no field {field!r} (inputs."
                                    "unit_population_field) in the units layer; name the census "
                                    "field or remove the key", field=field))
        notes.append(Note("population_none", "No population raster, points or census field: "
                          "tables carry no people; gaps and site plans are skipped."))
        return None
    assert units is not None
    bad = layers.check_counts(units, field, str(files.units))
    bad += dense_units(units, field, str(files.units))
    problems += bad
    if bad:
        return None
    grid, note, found_problems = population_from_census(
        units, field, terrain, cast("gpd.GeoDataFrame | None", found.get("settlements")),
        max_slope_deg=files.census_max_slope_deg, cell_m=POINTS_GRID_M)
    problems += [dataclasses.replace(p, source=str(files.units)) for p in found_problems]
    problems += check_population(grid, str(files.units))
    problems.append(Problem(str(files.units), f"no inputs.population; {note.text[0].lower()}"
                            f"{note.text[1:]}",
                            field=field, severity="warning"))
    notes.append(note)
    return grid


def _unit_notes(found: dict[str, object], terrain: Terrain, scenario: Scenario,
                problems: list[Problem]) -> list[Note]:
    """Units outside the DEM, points naming unknown units (problems); overlapping units (a note)."""
    from netcover.data.units import unknown_unit_codes

    units = cast("gpd.GeoDataFrame | None", found.get("units"))
    if units is None:
        return []
    problems += layers.check_units_on_dem(units, terrain.bounds, str(scenario.inputs.units))
    for key, path in (("settlements", scenario.inputs.settlements),
                      ("network_points", scenario.inputs.network)):
        points = cast("gpd.GeoDataFrame | None", found.get(key))
        for row, code in unknown_unit_codes(points, units) if points is not None else []:
            problems.append(Problem(str(path), f"unit code {code!r} is not a code of the units "
                                    "layer; the point is counted in the unit it lies in (fix the "
                                    "code to attribute it by code)", f"feature {row + 1}",
                                    severity="warning"))
    return layers.units_overlap_notes(units)

