"""The two kinds of job of a tiled run, as the workers run them.

1. :func:`site_loss_job`: one mast position, height and band. Reads the DEM window around the site,
   computes the basic transmission loss over the disc into the shared :class:`LossCache` (unless it
   is there already) and returns a small :class:`SiteLossInfo`. The cache key is the district
   engine's (:func:`netcover.coverage.losses.site_loss_key`): a digest of that window and its place in
   the grid, so a change of the DEM elsewhere does not invalidate the site, and losses a district
   run cached on the same DEM and settings are found here (and the other way round).
2. :func:`tile_job`: one tile. Reads the tile's heights, applies every sector whose disc reaches the
   tile to its cached loss cropped to the tile, folds the levels into per-operator/technology
   :class:`~netcover.radio.servers.ServerAccumulator` objects of the tile's shape and combines them exactly as
   :func:`netcover.coverage.engine.compute_coverage` does on a whole grid: every step is per cell, so the
   tile of a mosaic equals the same cells of a one-piece run.

Both run wherever the executor sends them; what they need besides the item travels once per worker
in the ``state`` made by :func:`loss_state` / :func:`tile_state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcover.config.scenario import Scenario
from netcover.config.sections import CoverageSettings
from netcover.coverage._geometry_kernels import fmin_into
from netcover.coverage.combine import GroupResult, combine_groups
from netcover.coverage.groups import accumulators, fold_levels
from netcover.coverage.losscache import CachedLoss, LossCache
from netcover.coverage.losses import LossJob, job_loss, site_loss_key
from netcover.coverage.sectors import SectorLevels, carrier_noise_dbm
from netcover.coverage.tiled.people import PeopleSource, people_per_class
from netcover.coverage.write import raster_layers
from netcover.data.window import DemSource, Window
from netcover.errors import DataFileError

__all__ = ["SiteLossInfo", "TileLayers", "loss_state", "site_loss_job", "tile_job", "tile_state"]


@dataclass(frozen=True)
class SiteLossInfo:
    """Where a job's loss lies: its cache ``key``, the DEM ``window`` it was computed on (the loss
    window's offsets are relative to it), the ground height at the mast and the model's notes."""

    key: str
    window: Window
    ground_m: float
    computed: bool
    notes: tuple[str, ...]


@dataclass
class TileLayers:
    """The rasters of one tile by file stem (:func:`netcover.coverage.write.raster_layers`), and
    the people in each class of every class layer (empty without a population input)."""

    window: Window
    arrays: dict[str, np.ndarray]
    people: dict[str, np.ndarray] = field(default_factory=dict)


def loss_state(dem: DemSource, cov: CoverageSettings, cache_dir: Path) -> dict[str, Any]:
    """State of the loss jobs: the DEM source, the model settings, the shared cache."""
    return {"dem": dem, "cov": cov, "cache": LossCache(cache_dir)}


def site_loss_job(state: dict[str, Any], job: LossJob) -> SiteLossInfo:
    """Compute (or find) one job's loss in the shared cache."""
    dem: DemSource = state["dem"]
    cov: CoverageSettings = state["cov"]
    cache: LossCache = state["cache"]
    window = dem.around(job.x, job.y, cov.radius_km * 1000.0)
    terrain = dem.terrain(window)
    key = site_loss_key(terrain, job, cov)  # the district engine's key of the same window
    ground = float(terrain.sample(np.array([job.x]), np.array([job.y]))[0])
    notes: list[str] = []
    computed = cache.folder is None or not LossCache.has(cache.folder, key)
    if computed:
        job_loss(terrain, job, key, cov, cache, notes)
    return SiteLossInfo(key, window, ground, computed, tuple(notes))


def tile_state(dem: DemSource, scenario: Scenario, cells: pd.DataFrame, jobs: list[LossJob],
               infos: list[SiteLossInfo], cache_dir: Path,
               people: PeopleSource | None = None) -> dict[str, Any]:
    """State of the tile jobs: everything but the tile."""
    return {"dem": dem, "sc": scenario, "cells": cells, "jobs": jobs, "infos": infos,
            "cache": LossCache(cache_dir), "people": people}


def tile_job(state: dict[str, Any], item: tuple[Window, list[int]]) -> TileLayers:
    """The best-server layers of a tile from the jobs (indices) whose window reaches it."""
    tile, job_ids = item
    dem: DemSource = state["dem"]
    sc: Scenario = state["sc"]
    cells: pd.DataFrame = state["cells"]
    cache: LossCache = state["cache"]
    terrain = dem.terrain(tile)
    todo = accumulators(cells, tile.shape, skip=set())
    min_loss = np.full(tile.shape, np.nan, dtype=np.float32)
    shared: SectorLevels | None = state.get("levels")
    apply = (shared.on(terrain) if shared is not None
             else SectorLevels(terrain, sc.coverage, sc.receiver, calibration=sc.calibration))
    state["levels"] = apply  # gain tables are made once per worker, not once per tile
    for j in job_ids:
        job, info = state["jobs"][j], state["infos"][j]
        part = _cropped_loss(cache, info, tile)
        if part is None:
            continue
        fmin_into(min_loss, part.row_off, part.col_off, part.loss_db)
        fold_levels(apply, todo, job, part, [(i, cells.iloc[i]) for i in job.cells],
                    ground_m=info.ground_m)
    groups = {g: GroupResult.from_accumulator(acc, carrier_noise_dbm(sc, g, cells))
              for g, acc in todo.items()}
    result = combine_groups(groups, sc, terrain, cells)
    result.min_loss_db = min_loss
    arrays = raster_layers(result)
    found: dict[str, np.ndarray] = {}
    if state["people"] is not None:
        rows_, cols_, people = state["people"].in_tile(dem, tile)
        found = {name: people_per_class(a, rows_, cols_, people)
                 for name, a in arrays.items() if name.startswith("class")}
    return TileLayers(tile, arrays, found)


def _cropped_loss(cache: LossCache, info: SiteLossInfo, tile: Window) -> CachedLoss | None:
    """The part of a job's cached loss inside the tile, with offsets relative to the tile."""
    if info.window.intersection(tile) is None:
        return None
    loss = cache.get(info.key)
    if loss is None:
        msg = (f"the loss cache {cache.folder} lost entry {info.key} during the run; every worker "
               "must see the same cache folder ([coverage] cache_dir on a shared disk)")
        raise DataFileError(msg)
    rows, cols = loss.loss_db.shape
    held = Window(info.window.row_off + loss.row_off, info.window.col_off + loss.col_off, rows, cols)
    part = held.intersection(tile)
    if part is None:
        return None
    r, c = part.row_off - held.row_off, part.col_off - held.col_off
    values = np.ascontiguousarray(loss.loss_db[r:r + part.rows, c:c + part.cols])
    return CachedLoss(values, part.row_off - tile.row_off, part.col_off - tile.col_off)
