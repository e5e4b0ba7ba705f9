"""The coverage engine: per-site loss over the DEM, sectors applied, best server, SINR and classes.

For every distinct (site position, antenna height, frequency) the basic transmission loss is
computed once on the DEM grid within the radius (or read from the
:mod:`~netcover.coverage.losscache`), without the antenna (with a land-cover layer on the terrain:
its clutter heights in the P.1812 profiles and the receiver's clutter loss of its class, see
:func:`terminal_loss`); each sector then applies its pattern, tilt and link budget to that loss and
is folded into a :class:`~netcover.radio.budget.ServerAccumulator` per operator and technology
(users of one operator are served by its cells only; 4G RSRP, 5G SS-RSRP and 3G RSCP are not on one
scale). A 5G group's SINR takes the noise of a resource element at the subcarrier spacing of the
best server's carrier (:func:`~netcover.coverage.sectors.carrier_noise_dbm`); the spacing is part
of a 5G sector's fixed budget and of its group's cache key, so 4G and 3G keys are unchanged. The
per-operator results are then combined (:mod:`netcover.coverage.combine`): the overall best server,
the class per operator, and the class of the district (the best any operator offers).

The jobs run several at a time on a thread pool of the usable cores and are folded one operator and
technology at a time, in a fixed order (:mod:`netcover.coverage.schedule`): the results do not
depend on the number of threads, and one accumulator is held at a time.

With a cache, a run after a change redoes only what the change reaches: each job's loss key is
remembered under a digest of the whole terrain (:func:`terrain_digest`), a group none of whose
cells changed is read, a group where some sectors changed (a tilt, an azimuth, a power) is folded
again only in the box around their windows (:mod:`netcover.coverage.patch`), and the combined
layers are read, or combined again in that box (:mod:`netcover.coverage.stored`): the same arrays,
bit for bit, as a cold run. A network with cells added to the run's (a capacity proposal's, for
its relief) is folded the same way from the run's layers, in the box around the added cells'
windows, by :func:`fold_groups` (:mod:`netcover.coverage.added`), which leaves the run's records in
the cache as they are.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from netcover.config.scenario import CoverageSettings, Scenario
from netcover.core.parallel import Executor, InProcess
from netcover.coverage._geometry_kernels import fmin_into
from netcover.coverage.combine import (
    CELL_COLUMNS,
    CoverageResult,
    GroupResult,
    TechnologyLayers,
    cells_table,
    combine_groups,
)
from netcover.coverage.losscache import (
    CachedLoss,
    LossCache,
    dem_fingerprint,
    grid_fingerprint,
    quantize,
)
from netcover.coverage.patch import (
    Box,
    CellPart,
    Patch,
    base_key,
    clip_of,
    find_patch,
    intersects,
    store_base,
)
from netcover.coverage.schedule import (
    Task,
    map_threads,
    plan_tasks,
    recorded_warnings,
    release_free_memory,
    run_tasks,
    thread_count,
)
from netcover.coverage.sectors import (
    SECTOR_COLUMNS,
    SectorLevels,
    TabulatedLevels,
    carrier_noise_dbm,
    nr_key_part,
    reference_noise,
)
from netcover.coverage.stored import combined
from netcover.data.window import disc_window
from netcover.errors import DataFileError
from netcover.radio import budget as radio
from netcover.radio.area import site_loss_grid
from netcover.radio.p2108 import landcover_terminal_loss

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs
    from netcover.data.terrain import Terrain

__all__ = [
    "CELL_COLUMNS", "CoverageResult", "GroupResult", "LossJob", "Progress", "TechnologyLayers",
    "accumulators", "carrier_noise_dbm", "cell_group", "cells_table", "combine_groups",
    "compute_coverage", "fill_loss_cache", "fold_groups", "fold_levels", "grid_loss",
    "group_frequencies", "group_noise_dbm", "job_loss", "loss_jobs",
    "p2108_terminal_loss", "site_loss_key", "site_terrain", "terminal_loss", "terrain_digest",
]

T = TypeVar("T")
#: Wraps an iterable to show progress: ``progress(items, label)``.
Progress = Callable[[Sequence[T], str], Iterable[T]]
Group = tuple[str, str]


@dataclass(frozen=True)
class LossJob:
    """Cells sharing one basic transmission loss raster (same mast position, height, frequency)."""

    site_id: str
    x: float
    y: float
    height_m: float
    frequency_mhz: float
    cells: tuple[int, ...]


def loss_jobs(cells: gpd.GeoDataFrame) -> list[LossJob]:
    """Group cells (with ``x``/``y`` in metres) into loss computations, in a stable order."""
    keys = cells.assign(_i=np.arange(len(cells)))
    jobs = []
    for (sid, h, f), g in keys.groupby(["site_id", "height_m", "frequency_mhz"], sort=True):
        jobs.append(LossJob(str(sid), float(g["x"].iloc[0]), float(g["y"].iloc[0]), float(h),
                            float(f), tuple(int(i) for i in g["_i"])))
    return jobs


def compute_coverage(
    inputs: Inputs, *, cache: LossCache | None = None, progress: Progress | None = None,
    executor: Executor | None = None, threads: int | None = None,
) -> CoverageResult:
    """Run the coverage engine on a scenario's inputs.

    With a cache, the best-server results of each operator and technology are cached too, keyed by
    every loss and sector parameter of its cells: when one sector changes, only its operator's
    layers of that technology are recomputed.

    Parameters
    ----------
    inputs : Inputs
        Loaded, validated inputs (cells required).
    cache : LossCache, optional
        Per-site loss cache; None computes everything.
    progress : callable, optional
        ``progress(items, label)`` returning an iterable over ``items`` (e.g. a progress bar).
    executor : Executor, optional
        Where the per-site losses are computed; None (or any single-worker executor) computes
        them here, on ``threads`` threads. With a cache and an executor of more than one worker,
        the missing losses are first computed by the workers and written into the cache folder,
        which must therefore be one folder that every worker reads and writes (on a cluster: a
        shared file system mounted at the same path). A script using a process pool or a local
        Dask cluster needs the ``if __name__ == "__main__":`` guard (the ``netcover`` command has
        it).
    threads : int, optional
        Jobs computed at the same time here, each on one thread (None: the usable cores). The
        results are the same, bit for bit, for any number.

    Returns
    -------
    CoverageResult
    """
    cells = inputs.cells
    assert cells is not None, "coverage needs sites"
    sc: Scenario = inputs.scenario
    terrain, cov = inputs.terrain, sc.coverage
    cache = cache or LossCache(None)
    side = LossCache(cache.folder)  # geometry and group results: hits and misses are of losses
    jobs = loss_jobs(cells)
    digest = grid_fingerprint(terrain.heights, terrain)
    whole = terrain_digest(terrain, digest)  # every layer
    loss_keys = _loss_keys(terrain, jobs, cov, side, whole, threads)
    windows = _job_windows(terrain, jobs, cov)
    group_keys, parts = _group_keys(cells, jobs, loss_keys, sc, windows)
    groups = _stored_groups(side, group_keys)
    min_key = LossCache.key(digest, kind="min_loss", losses=sorted(loss_keys.values()))
    stored_min = side.get_arrays(min_key)
    min_loss = (stored_min["min_loss"] if stored_min is not None
                else np.full(terrain.shape, np.nan, dtype=np.float32))
    todo = [g for g in sorted(group_keys) if g not in groups]
    bases = {g: _base_key(digest, g, terrain.shape, sc) for g in todo}
    plan = _plan(side, jobs, cells, windows, parts, todo, bases, terrain.shape,
                 whole_jobs=stored_min is None)
    notes: list[str] = []
    progress = progress or _no_progress
    filled = fill_loss_cache(terrain, plan.needed(jobs), loss_keys, cov, cache.folder,
                             executor or InProcess(), progress, notes)
    apply = SectorLevels(terrain, cov, sc.receiver, cache=side, dem_digest=digest,
                         calibration=sc.calibration, tables=_TABLES_KEPT)
    run = _Run(jobs, cells, apply,
               cache, loss_keys, notes, None if stored_min is not None else min_loss)
    made = plan.run(run, sc, progress, threads)
    patches = plan.patches
    groups.update(_computed_groups(made, side, group_keys,
                                   {g: (bases.get(g, ""), parts[g]) for g in group_keys}))
    if stored_min is None:
        side.put_arrays(min_key, {"min_loss": min_loss})
    result = combined(side, groups, group_keys, patches, sc, terrain, cells, whole)
    n_groups = len(groups)
    del groups  # their cache entries' buffers go with the views the result no longer holds
    if result.combined == "computed":
        _own_operator_layers(result)
    result.min_loss_db = min_loss
    result.cache_hits, result.cache_misses, result.jobs = cache.hits, cache.misses, len(jobs)
    result.losses_computed = cache.misses + filled  # here, or by the workers into the cache
    result.losses_cached = cache.hits - filled
    result.groups, result.groups_reused = n_groups, n_groups - len(todo)
    result.groups_patched = len(patches)
    result.notes = notes
    return result


def _no_progress(items: Sequence[T], _label: str) -> Iterable[T]:
    return items


def _own_operator_layers(result: CoverageResult) -> None:
    """The result's per-operator levels and best cells as arrays of their own, one group at a
    time, where they are views of the group's cache entry read whole (:func:`_read_back`,
    :func:`_stored_groups`): the entry's server count and SINR, which the result does not keep,
    are then freed with it (10 of its 26 MB per group on the sample) instead of being held for
    the rest of the run. The values are the same.

    Done where the layers were combined whole (a cold run, the one whose later steps hold the most
    memory), not where they were read or patched: the copies' fresh pages cost 0.04-0.6 s of CPU on
    the sample (the 2-core VM's page faults), a run of a few seconds' worth."""
    levels, best = result.operator_levels, result.operator_best_cell
    for g in levels:  # both layers of a group, then the next: one group's copies more at a time
        for layers in (levels, best):
            if g in layers and layers[g].base is not None:
                layers[g] = np.array(layers[g])


@dataclass
class _Plan:
    """What a run folds: whole groups (``tasks``) and groups patched in a box (``boxes``)."""

    tasks: list[Task]
    patches: dict[Group, Patch]
    boxes: dict[Group, list[Task]]  # the tasks of each patched group whose job meets its box

    def needed(self, jobs: list[LossJob]) -> list[LossJob]:
        """The jobs whose loss the run reads."""
        return [jobs[j] for j in sorted({t.job for t in itertools.chain(self.tasks,
                                                                         *self.boxes.values())})]

    def run(self, run: _Run, sc: Scenario, progress: Progress,
            threads: int | None) -> Iterator[tuple[Group, GroupResult]]:
        """The groups' layers, each as soon as it is made: whole groups, then patched ones."""
        count = thread_count(threads, max(len(self.tasks), *map(len, self.boxes.values()), 1))
        yield from run.groups(self.tasks, sc, progress, count)
        for g, p in self.patches.items():
            yield from _patched(dataclasses.replace(run, box=p.box), g, p, self.boxes[g], sc,
                                progress, count)


def _plan(side: LossCache, jobs: list[LossJob], cells: gpd.GeoDataFrame,
          windows: dict[LossJob, Box], parts: dict[Group, list[CellPart]], todo: list[Group],
          bases: dict[Group, str], shape: tuple[int, int], *, whole_jobs: bool) -> _Plan:
    """Which groups to fold whole and which to patch (:func:`~netcover.coverage.patch.find_patch`;
    none when every job's whole loss is read anyway, for the minimum-loss layer)."""
    patches = {} if whole_jobs else {
        g: p for g in todo if (p := find_patch(side, bases[g], parts[g], shape)) is not None}
    return _tasks(jobs, cells, windows, [g for g in todo if g not in patches], patches,
                  all_jobs=whole_jobs)


def _tasks(jobs: list[LossJob], cells: gpd.GeoDataFrame, windows: dict[LossJob, Box],
           whole: list[Group], patches: dict[Group, Patch], *, all_jobs: bool) -> _Plan:
    """The plan folding the groups ``whole`` whole and the ``patches`` in their boxes (the tasks
    of each patched group whose job's window meets its box)."""
    job_cells, cell_groups = [job.cells for job in jobs], _cell_groups(cells)
    tasks = plan_tasks(job_cells, cell_groups, whole, all_jobs=all_jobs)
    boxes = {g: [t for t in plan_tasks(job_cells, cell_groups, [g], all_jobs=False)
                 if intersects(windows[jobs[t.job]], p.box)] for g, p in patches.items()}
    return _Plan(tasks, patches, boxes)


def fold_groups(inputs: Inputs, patches: dict[Group, Patch], *, cache: LossCache | None = None,
                progress: Progress | None = None, threads: int | None = None,
                skip: Collection[Group] = (), executor: Executor | None = None,
                ) -> Iterator[tuple[Group, GroupResult]]:
    """The operator/technology groups of ``inputs.cells`` but those in ``skip``: the groups of
    ``patches`` as their previous layers with the box folded again
    (:class:`~netcover.coverage.patch.Patch`; the caller vouches that only the box changed), the
    others folded whole; each yielded as soon as it is made, the whole ones first.

    The same layers, bit for bit, as :func:`compute_coverage`'s groups, without its records: the
    losses are read from (or put into) ``cache``, but no group layers, group record
    (:func:`~netcover.coverage.patch.store_base`), minimum-loss or combined layers are read or
    stored, so a run's records stay those of the run (e.g. for a network with cells added to it,
    :mod:`netcover.coverage.added`).

    ``executor``: with a cache folder and more than one worker, the losses missing from the cache
    are computed by its workers (even one: this process then holds no kernel temporaries while it
    folds), else here on the fold's threads.
    """
    cells = inputs.cells
    assert cells is not None, "coverage needs sites"
    sc, terrain = inputs.scenario, inputs.terrain
    cov, cache = sc.coverage, cache or LossCache(None)
    jobs = loss_jobs(cells)
    whole = [g for g in group_frequencies(cells) if g not in patches and g not in skip]
    plan = _tasks(jobs, cells, _job_windows(terrain, jobs, cov), whole, patches, all_jobs=False)
    needed = plan.needed(jobs)
    loss_keys = dict(zip(needed, _hashed_loss_keys(terrain, needed, cov, threads), strict=True))
    digest = grid_fingerprint(terrain.heights, terrain)
    apply = SectorLevels(terrain, cov, sc.receiver, cache=LossCache(cache.folder),
                         dem_digest=digest, calibration=sc.calibration, tables=_TABLES_KEPT)
    notes: list[str] = []
    progress = progress or _no_progress
    fill_loss_cache(terrain, needed, loss_keys, cov, cache.folder, executor or InProcess(),
                    progress, notes, least=1)
    run = _Run(jobs, cells, apply, cache, loss_keys, notes, None)
    yield from plan.run(run, sc, progress, threads)


def _loss_keys(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings, side: LossCache,
               whole: str, threads: int | None) -> dict[LossJob, str]:
    """Each job's loss key (:func:`site_loss_key`), remembered in the cache under a key of the
    whole terrain (every layer), the jobs and the settings: a warm run hashes the grid once
    instead of every job's window (about 1 s on the sample). ``whole``: :func:`terrain_digest`."""
    memo = LossCache.key(whole, kind="loss_keys", settings=repr(cov),
                         jobs=[[j.x, j.y, j.height_m, j.frequency_mhz] for j in jobs])
    stored = side.get_arrays(memo)
    if stored is not None and stored["keys"].shape == (len(jobs),):
        return dict(zip(jobs, (str(k) for k in stored["keys"]), strict=True))
    keys = _hashed_loss_keys(terrain, jobs, cov, threads)
    side.put_arrays(memo, {"keys": np.array(keys, dtype="U32")})
    return dict(zip(jobs, keys, strict=True))


def _hashed_loss_keys(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings,
                      threads: int | None) -> list[str]:
    """Each job's :func:`site_loss_key`, hashing the DEM windows on threads."""
    return map_threads(lambda job: site_loss_key(site_terrain(terrain, job, cov), job, cov), jobs,
                       threads=thread_count(threads, len(jobs)))


def terrain_digest(terrain: Terrain, heights_digest: str | None = None) -> str:
    """Digest of every layer of a terrain and of its place in its grid: heights, grid, CRS, the
    window's origin and offset, clutter heights, land cover and its classes.

    ``heights_digest``: the heights' :func:`~netcover.coverage.losscache.dem_fingerprint` when
    already known.
    """
    h = hashlib.sha256()
    h.update((heights_digest or grid_fingerprint(terrain.heights, terrain)).encode())
    h.update(repr((terrain.index_origin, terrain.offset, terrain.shape)).encode())
    for layer in (terrain.clutter_m, terrain.landcover):
        h.update(b"-" if layer is None else
                 f"{layer.dtype.str}{layer.shape}".encode()
                 + hashlib.sha256(np.ascontiguousarray(layer).tobytes()).digest())
    if terrain.landcover_classes is not None:
        h.update(terrain.landcover_classes.fingerprint().encode())
    return h.hexdigest()


def _stored_groups(side: LossCache, group_keys: dict[Group, str]) -> dict[Group, GroupResult]:
    """The operator/technology groups whose results the cache holds."""
    groups: dict[Group, GroupResult] = {}
    for g, key in group_keys.items():
        stored = side.get_arrays(key)
        if stored is not None:
            groups[g] = GroupResult(**stored)
    return groups


def _computed_groups(computed: Iterable[tuple[Group, GroupResult]], side: LossCache,
                     group_keys: dict[Group, str],
                     bases: dict[Group, tuple[str, list[CellPart]]]) -> dict[Group, GroupResult]:
    """The groups a run computes, each stored as soon as it is made (with the record of what it
    is made of, :func:`~netcover.coverage.patch.store_base`) and, once all are made, read back
    (without a writable cache: held)."""
    held: dict[Group, GroupResult] = {}
    spilled: list[Group] = []
    for g, res in computed:
        side.put_arrays(group_keys[g], dataclasses.asdict(res))
        store_base(side, bases[g][0], group_keys[g], bases[g][1])
        if side.holds_arrays(group_keys[g]):
            spilled.append(g)
        else:
            held[g] = res
        del res
    return {**held, **_read_back(side, {g: group_keys[g] for g in spilled})}


def _read_back(side: LossCache, keys: dict[Group, str]) -> dict[Group, GroupResult]:
    """The groups this run computed and stored, read back (the run holds none while it computes
    the next: 13 bytes per grid cell each)."""
    found = _stored_groups(side, keys)
    if len(found) < len(keys):
        msg = (f"the loss cache {side.folder} lost the operator/technology layers written during "
               "this run; run again (a cache folder must not be cleared while a run uses it)")
        raise DataFileError(msg)
    return found


def _cell_groups(cells: pd.DataFrame) -> list[Group]:
    """The (operator, technology) of every row of the sites table."""
    return [(str(op), str(tech)) for op, tech in zip(cells["operator"], cells["technology"],
                                                      strict=True)]


#: Sector gain tables kept by a district run (each sector is applied once).
_TABLES_KEPT = 32
#: Resident memory a run may gain from freed blocks before they are given back (MB).
_TRIM_SLACK_MB = 64.0


@dataclass
class _Run:
    """The jobs of one run and what their tasks need: the loss, the sectors, the fold."""

    jobs: list[LossJob]
    cells: gpd.GeoDataFrame
    apply: SectorLevels
    cache: LossCache
    loss_keys: dict[LossJob, str]
    notes: list[str]
    fill_min: np.ndarray | None  # the minimum-loss layer, filled by the jobs (None: stored)
    box: Box | None = None  # fold only this rectangle of the grid (:mod:`netcover.coverage.patch`)

    def loss(self, j: int) -> tuple[CachedLoss, list[str]]:
        """Job ``j``'s loss window on the grid and its model notes (on a pool thread)."""
        job, notes = self.jobs[j], list[str]()
        loss = grid_loss(self.apply.terrain, job, self.apply.cov, self.cache, notes,
                         self.loss_keys[job])
        return loss, notes

    def levels(self, task: Task, got: tuple[CachedLoss, list[str]]
               ) -> list[np.ndarray] | TabulatedLevels:
        """The levels of the task's sectors on the job's loss window (on a pool thread): without
        a calibration of theirs, as what they are made of (:class:`TabulatedLevels`, folded
        without making them); [] when none or outside the box."""
        job, loss = self.jobs[task.job], got[0]
        rows = [self.cells.iloc[i] for i in task.cells]
        part = None
        if self.box is not None:
            clip = clip_of(loss.row_off, loss.col_off, loss.loss_db.shape, self.box)
            if clip is None:
                return []
            part = clip[0]
        if not rows:
            return []
        if self.apply.calibrated(rows):
            return self.apply.levels(job.x, job.y, job.height_m, loss, rows, clip=part)
        return self.apply.tabulated(job.x, job.y, job.height_m, loss, rows, clip=part)

    def _place(self, loss: CachedLoss) -> tuple[int, int]:
        """Where the levels of a loss window go in the accumulator (the grid's, or the box's)."""
        if self.box is None:
            return loss.row_off, loss.col_off
        return max(loss.row_off - self.box[0], 0), max(loss.col_off - self.box[1], 0)

    def groups(self, tasks: list[Task], sc: Scenario, progress: Progress,
               threads: int) -> Iterator[tuple[Group, GroupResult]]:
        """Fold the tasks in order, one accumulator at a time; yield each group's result as soon
        as its last task is folded."""
        freqs = group_frequencies(self.cells)
        shape = self.apply.terrain.shape if self.box is None else self.box[2:]
        seen: set[int] = set()
        current: Group | None = None
        acc: radio.ServerAccumulator | None = None
        with closing(run_tasks(tasks, self.loss, self.levels, threads=threads)) as results:
            for task in progress(tasks, "Coverage (sites x bands)") if tasks else ():
                (loss, notes), levels = next(results)
                if task.job not in seen:  # the job's first task: its notes and minimum loss
                    seen.add(task.job)
                    self.notes += notes
                    if self.fill_min is not None:
                        fmin_into(self.fill_min, loss.row_off, loss.col_off, loss.loss_db)
                if task.group != current:
                    if acc is not None and current is not None:
                        yield current, GroupResult.from_accumulator(
                            acc, carrier_noise_dbm(sc, current, self.cells))
                    current, acc = task.group, None
                    release_free_memory()
                    if current is not None:
                        acc = radio.ServerAccumulator(shape, freqs[current])
                if levels:  # []: no sector, or outside the box
                    assert acc is not None
                    _fold(acc, task.cells, self.jobs[task.job].frequency_mhz, self._place(loss),
                          levels)
                del loss, levels
                release_free_memory(above_mb=_TRIM_SLACK_MB)
        if acc is not None and current is not None:
            yield current, GroupResult.from_accumulator(acc, carrier_noise_dbm(sc, current,
                                                                               self.cells))
        release_free_memory()


def _fold(acc: radio.ServerAccumulator, cells: Sequence[int], frequency_mhz: float,
          place: tuple[int, int], levels: list[np.ndarray] | TabulatedLevels) -> None:
    """Add a task's levels (:meth:`_Run.levels`) to the accumulator."""
    if isinstance(levels, TabulatedLevels):
        levels.add_to(acc, cells, frequency_mhz, *place)
        return
    for i, level in zip(cells, levels, strict=True):
        acc.add(i, frequency_mhz, *place, level)


def group_frequencies(cells: pd.DataFrame) -> dict[Group, list[float]]:
    """The carrier frequencies (MHz, sorted) of each operator/technology group of the cells."""
    freqs: dict[Group, set[float]] = {}
    for g, f in zip(_cell_groups(cells), cells["frequency_mhz"], strict=True):
        freqs.setdefault(g, set()).add(float(f))
    return {g: sorted(v) for g, v in sorted(freqs.items())}


def fold_levels(apply: SectorLevels, todo: dict[tuple[str, str], radio.ServerAccumulator],
                job: LossJob, loss: CachedLoss, wanted: list[tuple[int, pd.Series]], *,
                ground_m: float | None = None) -> None:
    """Apply the sectors ``wanted`` (cell index, row) of a job to its loss window and add their
    levels to their operator/technology accumulators."""
    levels = apply.levels(job.x, job.y, job.height_m, loss, [r for _, r in wanted],
                          ground_m=ground_m)
    for (i, row), level in zip(wanted, levels, strict=True):
        todo[cell_group(row)].add(i, job.frequency_mhz, loss.row_off, loss.col_off, level)


def fill_loss_cache(terrain: Terrain, jobs: list[LossJob], keys: dict[LossJob, str],
                    cov: CoverageSettings, folder: Path | None, executor: Executor,
                    wrap: Progress, notes: list[str], *, least: int = 2) -> int:
    """Compute the jobs' losses missing from the cache ``folder`` on the executor's workers and
    write them there; return how many (0 with a single-worker executor, no folder or fewer than
    ``least`` missing: the caller then computes them itself, e.g. with :func:`grid_loss`).
    ``keys``: each job's :func:`site_loss_key`; the workers' model notes are added to ``notes``."""
    if executor.workers < 2 or folder is None:
        return 0
    missing = [(job, keys[job]) for job in jobs if not LossCache.has(folder, keys[job])]
    if len(missing) < max(least, 1):
        return 0
    per_job = executor.map(_worker_loss, missing, setup=_loss_state,
                           setup_args=(terrain, cov, folder), progress=wrap, label="Loss rasters")
    notes += [note for job_notes in per_job for note in job_notes]
    return len(missing)


def _loss_state(terrain: Terrain, cov: CoverageSettings, folder: Path) -> dict[str, object]:
    return {"terrain": terrain, "cov": cov, "cache": LossCache(folder)}


def _worker_loss(state: dict[str, Any], item: tuple[LossJob, str]) -> list[str]:
    notes: list[str] = []
    grid_loss(state["terrain"], item[0], state["cov"], state["cache"], notes, item[1])
    return notes


def cell_group(row: pd.Series) -> tuple[str, str]:
    return str(row["operator"]), str(row["technology"])


def group_noise_dbm(sc: Scenario, tech: str, scs_khz: float | None = None) -> float:
    """Noise (dBm) on the scale of a technology's levels: :func:`~netcover.coverage.sectors.reference_noise`
    (per resource element for 4G and 5G at ``scs_khz``, required for 5G; the pilot's for 3G)."""
    return reference_noise(sc.receiver, tech, scs_khz)


def _group_keys(cells: gpd.GeoDataFrame, jobs: list[LossJob], loss_keys: dict[LossJob, str],
                sc: Scenario, windows: dict[LossJob, Box]
                ) -> tuple[dict[Group, str], dict[Group, list[CellPart]]]:
    """Cache key of each operator/technology group (its cells' losses, sectors and the receiver)
    and what each of its cells is (:data:`~netcover.coverage.patch.CellPart`: row, loss key,
    sector, window)."""
    job_of = {i: job for job in jobs for i in job.cells}
    parts: dict[Group, list[CellPart]] = {}
    for i in range(len(cells)):
        row = cells.iloc[i]
        sector = [str(row[c]) for c in SECTOR_COLUMNS if c in row.index]
        sector += nr_key_part(row).values()  # 5G: the spacing (4G/3G keys as before)
        pattern = str(row.get("pattern_file", "") or "")
        if pattern:
            sector.append(hashlib.sha256(Path(pattern).read_bytes()).hexdigest())
        job = job_of[i]
        parts.setdefault(cell_group(row), []).append([i, loss_keys[job], sector,
                                                      list(windows[job])])
    receiver = dataclasses.asdict(sc.receiver)
    calibration = {t: dataclasses.asdict(c) for t, c in sorted(sc.calibration.items())}
    keys = {g: LossCache.key("", kind="group", cells=[p[:3] for p in v], receiver=receiver,
                             calibration=calibration.get(g[1])) for g, v in parts.items()}
    return keys, parts


def _base_key(digest: str, group: Group, shape: tuple[int, int], sc: Scenario) -> str:
    """Key of the record of the group's last layers: the DEM, grid, receiver and calibration."""
    cal = sc.calibration.get(group[1])
    return base_key(digest, group, shape, receiver=dataclasses.asdict(sc.receiver),
                    calibration=None if cal is None else dataclasses.asdict(cal))


def _job_windows(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings) -> dict[LossJob, Box]:
    """Each job's window on the grid (:func:`site_terrain`): where its loss may have values."""
    return {job: disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                             terrain.shape, job.x, job.y, cov.radius_km * 1000.0) for job in jobs}


def _patched(run: _Run, g: Group, patch: Patch, tasks: list[Task], sc: Scenario,
             progress: Progress, threads: int) -> Iterator[tuple[Group, GroupResult]]:
    """The group's layers: its previous ones with the patch's box folded again."""
    made = dict(run.groups(tasks, sc, progress, threads))
    part = made.get(g) or GroupResult.from_accumulator(  # no sector reaches the box any more
        radio.ServerAccumulator(patch.box[2:], group_frequencies(run.cells)[g]),
        carrier_noise_dbm(sc, g, run.cells))
    yield g, patch.apply(part)


def accumulators(
    cells: gpd.GeoDataFrame, shape: tuple[int, int], *, skip: set[tuple[str, str]]
) -> dict[tuple[str, str], radio.ServerAccumulator]:
    """An empty accumulator for each operator/technology group of the cells but those in ``skip``."""
    return {g: radio.ServerAccumulator(shape, f) for g, f in group_frequencies(cells).items()
            if g not in skip}


def site_terrain(terrain: Terrain, job: LossJob, cov: CoverageSettings) -> Terrain:
    """The window of ``terrain`` a job's loss is computed on (a view, see :func:`disc_window`)."""
    r0, c0, rows, cols = disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                                     terrain.shape, job.x, job.y, cov.radius_km * 1000.0)
    return terrain.window(r0, c0, rows, cols)


def site_loss_key(site: Terrain, job: LossJob, cov: CoverageSettings) -> str:
    """Cache key of a job's loss on ``site``, its DEM window (:func:`site_terrain`): the window's
    heights and place in the whole grid, and everything the propagation model uses.

    Not the whole DEM: the district engine and the tiled engine (:mod:`netcover.coverage.tiled`) find each
    other's losses, and a change of the DEM elsewhere does not invalidate the site. The diffraction
    method enters the key only when it is not the default ``"bullington"``.
    """
    place = (*site.index_origin, site.cell_size, *site.offset)
    p1812: dict[str, float | str] = {"n0": cov.n0} if cov.model == "p1812" else {}
    if cov.model == "p1812" and cov.diffraction != "bullington":  # the default keeps older keys
        p1812["diffraction"] = cov.diffraction
    return LossCache.loss_key(
        dem_fingerprint(site.heights, place, site.crs.to_wkt()), x=round(job.x, 3),
        y=round(job.y, 3), height_m=job.height_m, frequency_mhz=job.frequency_mhz, model=cov.model,
        radius_m=cov.radius_km * 1000.0, rx_height_m=cov.rx_height_m, delta_n=cov.delta_n,
        polarization=cov.polarization, **p1812,
        hata_environment=cov.hata_environment if cov.model == "hata" else "",
        **_landcover_key(site, cov))


def _landcover_key(site: Terrain, cov: CoverageSettings) -> dict[str, object]:
    """Key parts of a window's land cover: only the layers present (none: keys as before)."""
    parts: dict[str, object] = {}
    if site.clutter_m is not None:
        parts["clutter_m"] = dem_fingerprint(site.clutter_m, (), "")
    if site.landcover is not None and site.landcover_classes is not None:
        parts["landcover"] = hashlib.sha256(
            np.ascontiguousarray(site.landcover, dtype=np.int16).tobytes()).hexdigest()
        parts["landcover_classes"] = site.landcover_classes.fingerprint()
        parts["p2108_terminal_loss"] = p2108_terminal_loss(site, cov)
    return parts


def grid_loss(terrain: Terrain, job: LossJob, cov: CoverageSettings, cache: LossCache,
              notes: list[str], key: str | None = None) -> CachedLoss:
    """The job's loss on ``terrain``'s array: :func:`job_loss` on its window, offsets shifted."""
    site = site_terrain(terrain, job, cov)
    loss = job_loss(site, job, key or site_loss_key(site, job, cov), cov, cache, notes)
    return CachedLoss(loss.loss_db, loss.row_off + site.offset[0] - terrain.offset[0],
                      loss.col_off + site.offset[1] - terrain.offset[1])


def job_loss(site: Terrain, job: LossJob, key: str, cov: CoverageSettings,
             cache: LossCache, notes: list[str]) -> CachedLoss:
    """The job's loss on ``site`` (its DEM window), from the cache or computed (model validity
    warnings go to ``notes``); offsets relative to ``site``."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    with recorded_warnings() as caught:
        sl = site_loss_grid(site.heights, site.index_origin, site.cell_size,
                            (job.x, job.y), job.height_m, cov.rx_height_m, job.frequency_mhz,
                            cov.radius_km * 1000.0, model=cov.model, delta_n=cov.delta_n,
                            n0=cov.n0, pol=cov.polarization, hata_environment=cov.hata_environment,
                            grid_offset=site.offset, clutter_m=site.clutter_m,
                            diffraction=cov.diffraction)
    for w in caught:
        notes.append(f"site {job.site_id} ({job.frequency_mhz:g} MHz): {w.message}")
    loss_db = sl.loss_db + terminal_loss(site, sl.row_off, sl.col_off, sl.loss_db.shape,
                                         job.frequency_mhz, cov)
    loss = CachedLoss(quantize(loss_db), sl.row_off, sl.col_off)
    cache.put(key, loss)
    return loss


def terminal_loss(site: Terrain, row_off: int, col_off: int, shape: tuple[int, int],
                  frequency_mhz: float, cov: CoverageSettings) -> np.ndarray | float:
    """Terminal clutter loss (dB) of a receiver in each cell of a loss window (offsets relative to
    ``site``): ITU-R P.2108-1 section 3.1 for the cell's land-cover class when
    :func:`p2108_terminal_loss` says so, plus the class's extra loss for the band
    (:func:`~netcover.radio.p2108.landcover_terminal_loss`); 0 without land cover."""
    if site.landcover is None or site.landcover_classes is None:
        return 0.0
    classes = site.landcover[row_off:row_off + shape[0], col_off:col_off + shape[1]]
    return landcover_terminal_loss(classes, site.landcover_classes, frequency_mhz,
                                   cov.rx_height_m, p2108=p2108_terminal_loss(site, cov))


def p2108_terminal_loss(site: Terrain, cov: CoverageSettings) -> bool:
    """Whether the P.2108 terminal loss is added (``[coverage] terminal_clutter``): "auto" adds it
    unless the P.1812 profile already carries clutter heights (see
    :data:`~netcover.config.landcover.TERMINAL_CLUTTER`)."""
    if cov.terminal_clutter == "auto":
        return cov.model != "p1812" or site.clutter_m is None
    return cov.terminal_clutter == "p2108"
