"""Option lists of the data layers and of the planning steps: the one definition of each.

Each list is a ``Literal`` type and its tuple (``get_args``); readers, settings, checks and the
sample generator import them from here. The radio lists (technologies, models, polarisations,
environments, coverage classes) live in :mod:`netcover.config.radio`; the report languages in
:mod:`netcover.core.i18n` and the scheduler words in :mod:`netcover.core.parallel` (the lowest
layer, which the configuration builds on).
"""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

__all__ = [
    "BACKHAULS",
    "CONNECTIONS",
    "OBJECTIVES",
    "POINT_TYPES",
    "ROAD_CLASSES",
    "SOLVERS",
    "Backhaul",
    "Connection",
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
Backhaul: TypeAlias = Literal["fibre", "microwave", "none", "unknown"]
BACKHAULS: tuple[Backhaul, ...] = get_args(Backhaul)

#: What the site selection optimises (``[siting] objective``).
Objective: TypeAlias = Literal["count", "budget", "target"]
OBJECTIVES: tuple[Objective, ...] = get_args(Objective)

#: Site selection solvers (``[siting] solver``).
SolverName: TypeAlias = Literal["greedy", "exact"]
SOLVERS: tuple[SolverName, ...] = get_args(SolverName)
