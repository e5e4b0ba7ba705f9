"""The coverage engine: per-site loss over the DEM, sectors applied, best server, SINR and classes.

For every distinct (site position, antenna height, frequency) the basic transmission loss is
computed once on the DEM grid within the radius, or read from the cache
(:mod:`netcover.coverage.losses`); each sector then applies its pattern, tilt and link budget to
that loss and is folded into a best-server accumulator per operator and technology
(:mod:`netcover.coverage.groups`). The per-operator results are then combined
(:mod:`netcover.coverage.combine`): the overall best server, the class per operator, and the class
of the district (the best any operator offers).

The jobs run several at a time on a thread pool of the usable cores and are folded one operator and
technology at a time, in a fixed order (:mod:`netcover.coverage.schedule`): the results do not
depend on the number of threads, and one accumulator is held at a time.

With a cache, a run after a change redoes only what the change reaches: each job's loss key is
remembered under a digest of the whole terrain (:func:`~netcover.coverage.losses.terrain_digest`),
a group none of whose cells changed is read, a group where some sectors changed (a tilt, an
azimuth, a power) is folded again only in the box around their windows
(:mod:`netcover.coverage.patch`), and the combined layers are read, or combined again in that box
(:mod:`netcover.coverage.stored`): the same arrays, bit for bit, as a cold run. A network with
cells added to the run's (a capacity proposal's, for its relief) is folded the same way from the
run's layers, in the box around the added cells' windows, by :func:`fold_groups`
(:mod:`netcover.coverage.added`), which leaves the run's records in the cache as they are.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from netcover.config.scenario import Scenario
from netcover.core.executor import Executor
from netcover.core.parallel import InProcess
from netcover.coverage.combine import (
    CoverageResult,
    GroupResult,
)
from netcover.coverage.groups import (
    Run,
    cell_groups,
    computed_groups,
    group_base_key,
    group_cache_keys,
    group_frequencies,
    stored_groups,
)
from netcover.coverage.losscache import LossCache, grid_fingerprint
from netcover.coverage.losses import (
    LossJob,
    cached_loss_keys,
    fill_loss_cache,
    hashed_loss_keys,
    job_windows,
    loss_jobs,
    terrain_digest,
)
from netcover.coverage.patch import Box, CellPart, Patch, find_patch, intersects
from netcover.coverage.schedule import Progress, Task, plan_tasks, thread_count
from netcover.coverage.sectors import SectorLevels, carrier_noise_dbm
from netcover.coverage.stored import combined
from netcover.radio.servers import ServerAccumulator

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs

__all__ = ["CoverageResult", "Progress", "compute_coverage", "fold_groups"]

T = TypeVar("T")
Group = tuple[str, str]
#: Sector gain tables kept by a district run (each sector is applied once).
_TABLES_KEPT = 32


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
    loss_keys = cached_loss_keys(terrain, jobs, cov, side, whole, threads)
    windows = job_windows(terrain, jobs, cov)
    group_keys, parts = group_cache_keys(cells, jobs, loss_keys, sc, windows)
    groups = stored_groups(side, group_keys)
    min_key = LossCache.key(digest, kind="min_loss", losses=sorted(loss_keys.values()))
    stored_min = side.get_arrays(min_key)
    min_loss = (stored_min["min_loss"] if stored_min is not None
                else np.full(terrain.shape, np.nan, dtype=np.float32))
    todo = [g for g in sorted(group_keys) if g not in groups]
    bases = {g: group_base_key(digest, g, terrain.shape, sc) for g in todo}
    plan = _plan(side, jobs, cells, windows, parts, todo, bases, terrain.shape,
                 whole_jobs=stored_min is None)
    notes: list[str] = []
    progress = progress or _no_progress
    filled = fill_loss_cache(terrain, plan.needed(jobs), loss_keys, cov, cache.folder,
                             executor or InProcess(), progress, notes)
    apply = SectorLevels(terrain, cov, sc.receiver, cache=side, dem_digest=digest,
                         calibration=sc.calibration, tables=_TABLES_KEPT)
    run = Run(jobs, cells, apply,
              cache, loss_keys, notes, None if stored_min is not None else min_loss)
    made = plan.run(run, sc, progress, threads)
    patches = plan.patches
    groups.update(computed_groups(made, side, group_keys,
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
    time, where they are views of the group's cache entry read whole
    (:func:`~netcover.coverage.groups._read_back`, :func:`~netcover.coverage.groups.stored_groups`):
    the entry's server count and SINR, which the result does not keep, are then freed with it (10
    of its 26 MB per group on the sample) instead of being held for the rest of the run. The
    values are the same.

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

    def run(self, run: Run, sc: Scenario, progress: Progress,
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
    job_cells, row_groups = [job.cells for job in jobs], cell_groups(cells)
    tasks = plan_tasks(job_cells, row_groups, whole, all_jobs=all_jobs)
    boxes = {g: [t for t in plan_tasks(job_cells, row_groups, [g], all_jobs=False)
                 if intersects(windows[jobs[t.job]], p.box)] for g, p in patches.items()}
    return _Plan(tasks, patches, boxes)


def _patched(run: Run, g: Group, patch: Patch, tasks: list[Task], sc: Scenario,
             progress: Progress, threads: int) -> Iterator[tuple[Group, GroupResult]]:
    """The group's layers: its previous ones with the patch's box folded again."""
    made = dict(run.groups(tasks, sc, progress, threads))
    part = made.get(g) or GroupResult.from_accumulator(  # no sector reaches the box any more
        ServerAccumulator(patch.box[2:], group_frequencies(run.cells)[g]),
        carrier_noise_dbm(sc, g, run.cells))
    yield g, patch.apply(part)


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
    plan = _tasks(jobs, cells, job_windows(terrain, jobs, cov), whole, patches, all_jobs=False)
    needed = plan.needed(jobs)
    loss_keys = dict(zip(needed, hashed_loss_keys(terrain, needed, cov, threads), strict=True))
    digest = grid_fingerprint(terrain.heights, terrain)
    apply = SectorLevels(terrain, cov, sc.receiver, cache=LossCache(cache.folder),
                         dem_digest=digest, calibration=sc.calibration, tables=_TABLES_KEPT)
    notes: list[str] = []
    progress = progress or _no_progress
    fill_loss_cache(terrain, needed, loss_keys, cov, cache.folder, executor or InProcess(),
                    progress, notes, least=1)
    run = Run(jobs, cells, apply, cache, loss_keys, notes, None)
    yield from plan.run(run, sc, progress, threads)
