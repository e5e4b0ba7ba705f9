"""A coverage run over a large area: per-site losses, then tiles, on any executor.

:func:`run_tiled` is the large-area counterpart of :func:`netcover.coverage.engine.compute_coverage`: the
same model, sectors, best server, SINR and classes, but the DEM is read by window and the layers are
computed and written tile by tile, so memory is bounded by the tile size and the radius, not by the
area. The per-site losses go through the shared loss cache (``[coverage] cache_dir``), which every
worker must see: on a cluster, a shared disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from netcover.config.radio import CLASS_LEVELS
from netcover.config.scenario import Scenario
from netcover.config.service import MEDIAN_SERVICE
from netcover.core.executor import Executor, ProgressFn, peak_rss_mb
from netcover.core.io import staged_output, write_table, write_text
from netcover.core.parallel import InProcess
from netcover.core.record import stamp_table
from netcover.core.textformat import fold_warnings, markdown_table
from netcover.coverage.assumptions import Assumptions
from netcover.coverage.combine import cells_table
from netcover.coverage.losscache import default_cache_dir
from netcover.coverage.losses import loss_jobs
from netcover.coverage.tiled.jobs import SiteLossInfo, loss_state, site_loss_job, tile_job, tile_state
from netcover.coverage.tiled.output import ClassAreas, TileWriter
from netcover.coverage.tiled.people import PeopleSource
from netcover.data.inputs import read_cells
from netcover.data.window import DemSource, Window
from netcover.errors import ScenarioError, ValidationError

__all__ = ["TiledRun", "reaching_jobs", "run_summary", "run_tiled"]


@dataclass
class TiledRun:
    """What a tiled run did and where it wrote."""

    out_dir: Path
    shape: tuple[int, int]
    cell_size_m: float
    crs: CRS
    tiles: int
    jobs: int
    cells: int
    losses_computed: int
    executor: str
    seconds: dict[str, float]
    areas: pd.DataFrame
    client_peak_mb: float
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_tiled(scenario: Scenario, out_dir: str | Path, *, executor: Executor | None = None,
              tile_size: int | None = None, progress: ProgressFn | None = None) -> TiledRun:
    """Compute and write the coverage layers of a scenario tile by tile.

    Parameters
    ----------
    scenario : Scenario
        Needs ``inputs.dem`` and ``inputs.sites``; ``inputs.population`` (raster, read by window,
        or points) adds people per class to ``coverage_area.csv``. Other inputs are not read.
    out_dir : str or Path
        Results go to ``out_dir/coverage/`` (written in a staging folder, moved into place at
        the end: a failed run leaves earlier results as they were).
    executor : Executor, optional
        Where the site and tile jobs run (default: in this process).
    tile_size : int, optional
        Tile side in cells; default ``[execution] tile_size`` (a multiple of 256 keeps writes
        block-aligned).
    progress : callable, optional
        ``progress(items, label)`` returning an iterable over ``items``.

    Returns
    -------
    TiledRun
    """
    if scenario.inputs.dem is None or scenario.inputs.sites is None:
        msg = f"{scenario.path or '<scenario>'}: a tiled run needs inputs.dem and inputs.sites"
        raise ScenarioError(msg)
    size = tile_size or scenario.execution.tile_size
    executor = executor or InProcess()
    started = time.perf_counter()
    dem = DemSource.open(scenario.inputs.dem, crs_setting=scenario.scenario.crs).with_landcover(
        scenario.inputs.landcover, scenario.inputs.landcover_table)
    cells = _read_cells(scenario, dem)
    jobs = loss_jobs(cells)
    cov = scenario.coverage
    cache_dir = cov.cache_dir or default_cache_dir()
    infos: list[SiteLossInfo] = executor.map(site_loss_job, jobs, setup=loss_state,
                                             setup_args=(dem, cov, cache_dir), progress=progress,
                                             label="Site losses")
    losses_done = time.perf_counter()
    tiles = dem.tiles(size)
    items = list(zip(tiles, reaching_jobs(tiles, [i.window for i in infos]), strict=True))
    people = PeopleSource.from_scenario(scenario, dem.crs)
    table = cells_table(cells)
    areas = ClassAreas()
    usable = CLASS_LEVELS[cov.usable_class]
    with staged_output(out_dir) as stage:
        with TileWriter(stage / "coverage", dem) as writer:
            for layers in executor.imap(tile_job, items, setup=tile_state,
                                        setup_args=(dem, scenario, cells, jobs, infos, cache_dir,
                                                    people),
                                        progress=progress, label="Tiles"):
                writer.write(layers)
                areas.add(layers)
            files = writer.paths()
        area_table = areas.table(dem.cell_size, usable)
        files.append(write_table(stage / "coverage" / "cells.csv", table))
        record = Assumptions.from_scenario(scenario, service=MEDIAN_SERVICE).csv_columns()
        files.append(write_table(stage / "coverage" / "coverage_area.csv", stamp_table(area_table, record)))
        notes = sorted({n for info in infos for n in info.notes})
        run = TiledRun(Path(out_dir), dem.shape, dem.cell_size, dem.crs, len(tiles), len(jobs),
                       len(cells), sum(i.computed for i in infos), executor.describe(),
                       {"losses": losses_done - started,
                        "tiles": time.perf_counter() - losses_done}, area_table,
                       peak_rss_mb(), [], notes)
        files.append(write_text(stage / "coverage" / "run.md", run_summary(run)))
    run.seconds["total"] = time.perf_counter() - started
    run.files = [Path(out_dir) / p.relative_to(stage) for p in files]
    return run


def _read_cells(scenario: Scenario, dem: DemSource) -> gpd.GeoDataFrame:
    """The scenario's cells, numbered from 0; :class:`ValidationError` on any error."""
    cells, problems = read_cells(scenario, dem)
    if cells is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return cells.reset_index(drop=True)


def reaching_jobs(tiles: list[Window], windows: list[Window]) -> list[list[int]]:
    """For each tile, the indices of the job windows that overlap it (in job order)."""
    if not windows:
        return [[] for _ in tiles]
    r0 = np.array([w.row_off for w in windows])
    c0 = np.array([w.col_off for w in windows])
    r1, c1 = r0 + np.array([w.rows for w in windows]), c0 + np.array([w.cols for w in windows])
    out = []
    for t in tiles:
        hit = ((r0 < t.row_off + t.rows) & (r1 > t.row_off)
               & (c0 < t.col_off + t.cols) & (c1 > t.col_off))
        out.append([int(i) for i in np.flatnonzero(hit)])
    return out


def run_summary(run: TiledRun) -> str:
    """Markdown facts of a run (no timings: the same inputs give the same file)."""
    rows, cols = run.shape
    km2 = rows * cols * run.cell_size_m**2 / 1e6
    lines = [
        "# Tiled coverage run", "",
        f"- Grid: {rows:,} x {cols:,} cells of {run.cell_size_m:g} m ({km2:,.0f} km2), "
        f"{run.crs.name}",
        f"- Tiles: {run.tiles:,}; cells (sectors): {run.cells:,}; loss jobs: {run.jobs:,}",
        "", "## Area (km2) and people per class", "",
        markdown_table(run.areas), "",
    ]
    if run.notes:
        lines += ["## Model notes", "", *[f"- {n}" for n in fold_warnings(run.notes)], ""]
    return "\n".join(lines)

