"""Option lists of the data layers and of the planning steps: the one definition of each.

Each list is a ``Literal`` type and its tuple (``get_args``); readers, settings, checks and the
sample generator import them from here. The radio lists (technologies, models, polarisations,
environments, coverage classes) live in :mod:`netcover.config.radio`. The report languages
(:data:`LANGS`) and the scheduler words (:data:`SCHEDULER_WORDS`) are defined by the lowest layer,
:mod:`netcover.core.i18n` and :mod:`netcover.core.parallel`, which cannot import this one; they are
re-exported here so that every option list can be found in one place.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

from netcover.core.i18n import LANGS, Lang
from netcover.core.parallel import SCHEDULER_WORDS

__all__ = [
    "BACKHAULS",
    "CONNECTIONS",
    "LANGS",
    "MAP_FORMATS",
    "MAP_KINDS",
    "OBJECTIVES",
    "POINT_TYPES",
    "ROAD_CLASSES",
    "SCHEDULER_WORDS",
    "SOLVERS",
    "Backhaul",
    "Connection",
    "Lang",
    "MapFormat",
    "MapKind",
    "Objective",
    "PointType",
    "RoadClass",
    "SolverName",
]

#: Classes of ``roads.gpkg`` (field ``class``), most important first.
RoadClass: TypeAlias = Literal["national", "provincial", "commune", "track"]
ROAD_CLASSES: tuple[RoadClass, ...] = get_args(RoadClass)

#: Types of the data network's points (field ``type``).
PointType: TypeAlias = Literal["district_agency", "commune_office", "school", "health_station",
                               "other"]
POINT_TYPES: tuple[PointType, ...] = get_args(PointType)

#: How a data-network point is connected (field ``connection``).
Connection: TypeAlias = Literal["fibre", "lan", "none"]
CONNECTIONS: tuple[Connection, ...] = get_args(Connection)

#: Backhaul of a site (``sites.csv`` field ``backhaul``).
Backhaul: TypeAlias = Literal["fibre", "microwave", "satellite", "none", "unknown"]
BACKHAULS: tuple[Backhaul, ...] = get_args(Backhaul)

#: What the site selection optimises (``[siting] objective``).
Objective: TypeAlias = Literal["count", "budget", "target"]
OBJECTIVES: tuple[Objective, ...] = get_args(Objective)

#: Site selection solvers (``[siting] solver``).
SolverName: TypeAlias = Literal["greedy", "exact"]
SOLVERS: tuple[SolverName, ...] = get_args(SolverName)

#: The print maps, in the order they appear in the report.
MapKind: TypeAlias = Literal["coverage", "gaps", "site_plan", "links"]
MAP_KINDS: tuple[MapKind, ...] = get_args(MapKind)

#: File formats of the print maps.
MapFormat: TypeAlias = Literal["png", "pdf"]
MAP_FORMATS: tuple[MapFormat, ...] = get_args(MapFormat)
