"""All inputs of a scenario, read, checked and projected to the working CRS before any model runs.

:func:`check_inputs` reads every file the scenario names and collects every problem (all in one
report, not one per run); :func:`load_inputs` raises :class:`~netcover.errors.ValidationError`
with that report when any problem is an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from . import layers
from .config import Scenario
from .errors import NetcoverError, Problem, ValidationError
from .notes import Note
from .population import (
    PopulationGrid,
    grid_over,
    is_vector,
    population_from_points,
    read_population_raster,
)
from .sites import read_sites, to_working_crs
from .terrain import Terrain, read_dem

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from .tiling.grid import DemSource

POINTS_GRID_M = 100.0
T = TypeVar("T")


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
    #: What the figures assume because of the data given (see :mod:`netcover.notes`).
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
    try:
        terrain, warnings = read_dem(files.dem, crs_setting=scenario.scenario.crs,
                                     max_nodata_share=scenario.validation.max_nodata_share)
    except ValidationError as exc:
        return None, exc.problems
    except NetcoverError as exc:
        return None, [Problem(str(files.dem), str(exc).removeprefix(f"{files.dem}: "))]
    problems += warnings
    crs = terrain.crs
    found: dict[str, object] = {}

    if files.sites is None:
        problems.append(Problem(label, "no sites given; set inputs.sites to the site inventory "
                                "(CSV with lon/lat, one row per cell)", field="inputs.sites"))
    else:
        found["cells"] = _guard(files.sites, problems, lambda: read_cells(scenario, terrain))

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
    changes = scenario.monitor.unit_changes
    if changes is not None:  # read again by monitoring; checked here so that validate says it
        from .monitor.unitmap import read_unit_changes

        _guard(changes, problems, lambda: (read_unit_changes(changes), []))
    inputs = Inputs(scenario=scenario, terrain=terrain,
                    warnings=[p for p in problems if p.severity == "warning"],
                    **found)  # type: ignore[arg-type]
    return inputs, problems


def _guard(path: Path, problems: list[Problem], read: Callable[[], tuple[T, list[Problem]]]) -> T | None:
    """Run a reader returning (value, problems); turn a raised NetcoverError into a problem."""
    try:
        value, found = read()
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None
    except NetcoverError as exc:
        problems.append(Problem(str(path), str(exc).removeprefix(f"{path}: ")))
        return None
    problems.extend(found)
    return value


def _layer_reader(
    path: Path, spec: layers.LayerSpec, crs: CRS
) -> Callable[[], tuple[gpd.GeoDataFrame | None, list[Problem]]]:
    return lambda: layers.read_layer(path, spec, crs)


def read_cells(scenario: Scenario, terrain: Terrain | DemSource
               ) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """The scenario's cells in the working CRS (``x``/``y`` columns), each site inside the grid."""
    path = scenario.inputs.sites
    assert path is not None
    cells, problems = read_sites(path, max_height_m=scenario.validation.max_site_height_m)
    if cells is None:
        return None, problems
    cells = to_working_crs(cells, terrain.crs)
    inside = terrain.contains(cells["x"].to_numpy(), cells["y"].to_numpy())
    left, bottom, right, top = terrain.bounds
    for sid, group in cells[~inside].groupby("site_id"):
        rows = ", ".join(f"row {int(i) + 2}" for i in group.index)
        msg = (f"site {sid!r} ({group['lon'].iloc[0]:.5f}, {group['lat'].iloc[0]:.5f}) lies outside "
               f"the DEM (x {left:.0f}-{right:.0f}, y {bottom:.0f}-{top:.0f} in {terrain.crs.name}); "
               "use a DEM that covers every site plus the coverage radius, or fix lon/lat")
        problems.append(Problem(str(path), msg, rows, "lon,lat"))
    return cells, problems


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
    units["code"] = units["code"].astype(str)
    problems += layers.check_units_tiling(units, str(files.units))
    return units, problems


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
        return read_population_raster(path, terrain.crs)
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
    return grid, problems

