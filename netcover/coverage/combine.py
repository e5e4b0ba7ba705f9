"""The coverage engine's result: per-operator best-server layers combined over operators.

Each operator and technology has its :class:`GroupResult` (best level, best cell, server count, SINR,
read off a :class:`~netcover.radio.servers.ServerAccumulator`); :func:`combine_groups` picks, cell by
cell, the operator with the highest level per technology (ties to the first operator in sorted
order), the class per operator (best over its technologies) and the district's (best over
operators), and the classes at every service level (:mod:`netcover.coverage.service`).

The combination runs operator by operator with running maxima, without stacking the operators'
rasters: memory is a few rasters, whatever the number of operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS

from netcover.config.scenario import Scenario
from netcover.coverage.service import ServiceClasses, level_classes, service_classes
from netcover.radio.servers import ServerAccumulator

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.terrain import Terrain

__all__ = ["CELL_COLUMNS", "CoverageResult", "GroupResult", "TechnologyLayers", "cells_table",
           "combine_groups"]

CELL_COLUMNS = ("cell_id", "site_id", "operator", "technology", "frequency_mhz", "azimuth_deg",
                "mech_tilt_deg", "elec_tilt_deg", "height_m", "tx_power_dbm")


@dataclass
class TechnologyLayers:
    """Best-server layers of one technology over all operators, on the DEM grid."""

    level_dbm: np.ndarray
    best_cell: np.ndarray
    server_count: np.ndarray
    sinr_db: np.ndarray
    classes: np.ndarray


@dataclass
class CoverageResult:
    """Everything the engine computed, on the DEM grid (``transform``, ``crs``)."""

    transform: Affine
    crs: CRS
    cells: pd.DataFrame
    technologies: dict[str, TechnologyLayers]
    operator_classes: dict[str, np.ndarray]
    classes: np.ndarray
    min_loss_db: np.ndarray
    operator_levels: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    #: Best-server cell (row of ``cells``, -1 none) of each operator and technology: its frequency
    #: sets the margin of a service level (:mod:`netcover.coverage.service`).
    operator_best_cell: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    #: Classes at each service level of the scenario, by its name.
    service: dict[str, ServiceClasses] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    losses_computed: int = 0  # loss rasters computed by this run (here or by workers)
    losses_cached: int = 0  # loss rasters found in the cache
    jobs: int = 0
    groups_reused: int = 0
    groups_patched: int = 0  # folded again only where a sector changed (coverage.patch)
    #: How the combined layers were made: "computed", "patched" (a box) or "cached".
    combined: str = "computed"
    groups: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class GroupResult:
    """Best-server layers of one operator and technology."""

    level: np.ndarray
    best_cell: np.ndarray
    count: np.ndarray
    sinr: np.ndarray

    @classmethod
    def from_accumulator(cls, acc: ServerAccumulator,
                         noise_dbm: float | Sequence[float]) -> GroupResult:
        """Read the layers off a filled accumulator (``noise_dbm``: one value, or one per carrier
        of the accumulator, see :meth:`~netcover.radio.servers.ServerAccumulator.sinr_db`)."""
        sinr = acc.sinr_db(noise_dbm)  # its float64 temporaries first, while no layer is held
        return cls(acc.best_level_dbm(), acc.best_cell(), acc.server_count(), sinr)


def cells_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The ``cells.csv`` table: ``index`` (the value of the best-server rasters) and the cells'
    radio columns."""
    table = pd.DataFrame(cells[[c for c in CELL_COLUMNS if c in cells.columns]]).reset_index(drop=True)
    table.insert(0, "index", np.arange(len(table)))
    return table


def _best_over(members: list[GroupResult], sc: Scenario, tech: str) -> TechnologyLayers:
    """The layers of the member with the highest level at each cell; ties and cells no member
    reaches go to the first member (as ``argmax`` over the stacked levels would)."""
    first = members[0]
    level, cell = first.level.copy(), first.best_cell.copy()
    count, sinr = first.count.copy(), first.sinr.copy()
    top = np.where(np.isnan(level), np.float32(-np.inf), level)
    for res in members[1:]:
        better = np.greater(res.level, top)  # NaN never wins
        for out, values in ((level, res.level), (cell, res.best_cell), (count, res.count),
                            (sinr, res.sinr), (top, res.level)):
            np.copyto(out, values, where=better)
    return TechnologyLayers(level, cell, count, sinr, level_classes(level, sc, tech))


def combine_groups(groups: dict[tuple[str, str], GroupResult], sc: Scenario,
                   terrain: Terrain, cells: gpd.GeoDataFrame) -> CoverageResult:
    """The engine's result from every operator/technology group's layers (see module doc)."""
    shape = terrain.shape
    technologies: dict[str, TechnologyLayers] = {}
    operator_classes: dict[str, np.ndarray] = {}
    operator_levels: dict[tuple[str, str], np.ndarray] = {}
    best_cells: dict[tuple[str, str], np.ndarray] = {}
    for tech in sorted({t for _, t in groups}):
        members = [(op, res) for (op, t), res in sorted(groups.items()) if t == tech]
        technologies[tech] = _best_over([res for _, res in members], sc, tech)
        for op, res in members:
            operator_levels[(op, tech)] = res.level
            best_cells[(op, tech)] = res.best_cell
            cls = level_classes(res.level, sc, tech)
            prev = operator_classes.get(op)
            operator_classes[op] = cls if prev is None else np.maximum(prev, cls)
    overall = np.zeros(shape, dtype=np.uint8)
    for cls in operator_classes.values():
        np.maximum(overall, cls, out=overall)
    table = cells_table(cells)
    service = service_classes(operator_levels, best_cells, table, sc, terrain)
    return CoverageResult(terrain.transform, terrain.crs, table, technologies, operator_classes,
                          overall, np.full(shape, np.nan, dtype=np.float32), operator_levels,
                          best_cells, service)
