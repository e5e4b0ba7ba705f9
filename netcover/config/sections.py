"""The scenario's own sections, one frozen dataclass each: ``[scenario]`` (:class:`ScenarioInfo`),
``[inputs]`` (:class:`InputFiles`), ``[validation]``, ``[coverage]``, ``[receiver]`` and
``[execution]``, with their defaults. The sections of a step live with it (``[links]`` in
:mod:`netcover.config.links`, ``[siting]`` in :mod:`netcover.config.siting`...); the whole file,
read and checked, is :class:`netcover.config.scenario.Scenario`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netcover.config.landcover import TerminalClutter
from netcover.config.radio import Diffraction, Environment, Model, Polarisation, UsableClass
from netcover.config.service import DEFAULT_HEADLINE, DEFAULT_INDOOR
from netcover.core.parallel import check_scheduler
from netcover.errors import ScenarioError

__all__ = [
    "CENSUS_MAX_SLOPE_DEG", "TILE_STEP", "CoverageSettings", "ExecutionSettings", "InputFiles",
    "ReceiverSettings", "ScenarioInfo", "ValidationSettings",
]

#: Census totals spread over a unit's area leave out slopes steeper than this (degrees) by default.
CENSUS_MAX_SLOPE_DEG = 30.0


@dataclass(frozen=True)
class ScenarioInfo:
    """``[scenario]``: what the scenario is and where its results go."""

    name: str = "netcover scenario"
    slug: str = "scenario"
    crs: str = "auto"
    description: str = ""


@dataclass(frozen=True)
class InputFiles:
    """``[inputs]``: the data files, relative to the scenario file."""

    dem: Path | None = None
    sites: Path | None = None
    population: Path | None = None
    population_field: str = "population"
    settlements: Path | None = None
    units: Path | None = None
    units_layer: str = ""
    unit_name_field: str = "name"
    unit_code_field: str = "code"
    unit_population_field: str = "population"
    census_max_slope_deg: float = CENSUS_MAX_SLOPE_DEG
    roads: Path | None = None
    network: Path | None = None
    proposals: Path | None = None
    #: Land-cover class raster (ESA WorldCover codes unless ``landcover_table`` maps the codes).
    landcover: Path | None = None
    #: CSV of the land-cover classes (:func:`netcover.config.landcover.read_landcover_table`).
    landcover_table: Path | None = None


@dataclass(frozen=True)
class ValidationSettings:
    """``[validation]``: how strict input checks are."""

    max_nodata_share: float = 0.02
    max_site_height_m: float = 300.0


@dataclass(frozen=True)
class CoverageSettings:
    """``[coverage]``: the propagation model and the area it is computed over.

    ``usable_class`` is the one setting of the class from which people count as covered: coverage
    tables, monitoring and siting (:attr:`SitingSettings.usable_class`) all use it. ``diffraction``
    (model ``p1812`` only): ``"bullington"`` P.1812's delta-Bullington, ``"deygout"`` the three-edge
    Deygout construction of :mod:`netcover.radio.deygout`.

    ``headline_service`` names the service level (``[[service_levels]]``) of the headline figure,
    ``indoor_service`` the indoor level given beside it (``"auto"``: the first indoor level listed,
    if any; ``"none"``: no indoor figure); ``location_area_m`` is
    ``w_a`` of ITU-R P.1812-6 Eq (66), the width of the square area the location probability
    applies to (default 100 m, the population grid's cells).
    """

    model: Model = "p1812"
    radius_km: float = 15.0
    rx_height_m: float = 1.5
    delta_n: float = 45.0
    n0: float = 325.0
    polarization: Polarisation = "vertical"
    diffraction: Diffraction = "bullington"
    hata_environment: Environment = "rural"
    terminal_clutter: TerminalClutter = "auto"
    usable_class: UsableClass = "fair"
    cache_dir: Path | None = None
    cache_max_mb: float | None = None
    headline_service: str = DEFAULT_HEADLINE
    indoor_service: str = DEFAULT_INDOOR
    location_area_m: float = 100.0


@dataclass(frozen=True)
class ReceiverSettings:
    """``[receiver]``: the handset side of the link budget."""

    gain_dbi: float = 0.0
    body_loss_db: float = 3.0
    noise_figure_db: float = 7.0
    tx_feeder_loss_db: float = 0.5
    pilot_fraction_db: float = -10.0


#: ``[execution] tile_size`` is a multiple of this many cells (GeoTIFF blocks).
TILE_STEP = 256


@dataclass(frozen=True)
class ExecutionSettings:
    """``[execution]``: where independent jobs run (per-site losses, candidate coverage, tiles).

    ``scheduler``: ``""`` (the command's default), ``"inprocess"``, ``"processes"`` (a local process
    pool of ``workers``), ``"local"`` (a Dask ``LocalCluster`` of ``workers``) or a Dask scheduler
    address (``tcp://10.0.0.5:8786``). ``tile_size``: cells per side of a large-area tile.
    """

    scheduler: str = ""
    workers: int = 1
    tile_size: int = 1024

    def __post_init__(self) -> None:
        if not (isinstance(self.scheduler, str) and type(self.workers) is int
                and type(self.tile_size) is int):
            return  # wrong types are reported by the loader
        if self.workers < 1:
            msg = f"[execution] workers = {self.workers!r} must be >= 1"
            raise ScenarioError(msg)
        if self.tile_size < TILE_STEP or self.tile_size % TILE_STEP:
            msg = (f"[execution] tile_size = {self.tile_size!r} must be a multiple of {TILE_STEP} "
                   f"and >= {TILE_STEP}, e.g. 1024")
            raise ScenarioError(msg)
        try:
            check_scheduler(self.scheduler, "[execution] scheduler")
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
