"""Operator/technology groups: the sectors' levels folded into one best server each, and their records.

Each sector applies its pattern, tilt and link budget to its job's loss
(:mod:`netcover.coverage.losses`) and is folded into a
:class:`~netcover.radio.servers.ServerAccumulator` per operator and technology (:class:`Run`; users
of one operator are served by its cells only; 4G RSRP, 5G SS-RSRP and 3G RSCP are not on one
scale). A 5G group's SINR takes the noise of a resource element at the subcarrier spacing of the
best server's carrier (:func:`~netcover.coverage.sectors.carrier_noise_dbm`); the spacing is part
of a 5G sector's fixed budget and of its group's cache key (:func:`group_cache_keys`), so 4G and 3G
keys are unchanged.

With a cache, a group none of whose cells changed is read (:func:`stored_groups`), and the groups a
run computes are stored as soon as they are made, with the record of what they are made of
(:func:`group_base_key`), then read back (:func:`computed_groups`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.scenario import Scenario
from netcover.coverage._geometry_kernels import fmin_into
from netcover.coverage.combine import GroupResult
from netcover.coverage.losscache import CachedLoss, LossCache
from netcover.coverage.losses import LossJob, grid_loss
from netcover.coverage.patch import Box, CellPart, base_key, clip_of, store_base
from netcover.coverage.schedule import Progress, Task, release_free_memory, run_tasks
from netcover.coverage.sectors import (
    SECTOR_COLUMNS,
    SectorLevels,
    TabulatedLevels,
    carrier_noise_dbm,
    nr_key_part,
    reference_noise,
)
from netcover.errors import DataFileError
from netcover.radio.servers import ServerAccumulator

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "Run", "accumulators", "cell_group", "cell_groups", "computed_groups", "fold_levels",
    "group_base_key", "group_cache_keys", "group_frequencies", "group_noise_dbm", "stored_groups",
]

Group = tuple[str, str]
#: Resident memory a run may gain from freed blocks before they are given back (MB).
_TRIM_SLACK_MB = 64.0


@dataclass
class Run:
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
        acc: ServerAccumulator | None = None
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
                        acc = ServerAccumulator(shape, freqs[current])
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


def _fold(acc: ServerAccumulator, cells: Sequence[int], frequency_mhz: float,
          place: tuple[int, int], levels: list[np.ndarray] | TabulatedLevels) -> None:
    """Add a task's levels (:meth:`Run.levels`) to the accumulator."""
    if isinstance(levels, TabulatedLevels):
        levels.add_to(acc, cells, frequency_mhz, *place)
        return
    for i, level in zip(cells, levels, strict=True):
        acc.add(i, frequency_mhz, *place, level)


def group_frequencies(cells: pd.DataFrame) -> dict[Group, list[float]]:
    """The carrier frequencies (MHz, sorted) of each operator/technology group of the cells."""
    freqs: dict[Group, set[float]] = {}
    for g, f in zip(cell_groups(cells), cells["frequency_mhz"], strict=True):
        freqs.setdefault(g, set()).add(float(f))
    return {g: sorted(v) for g, v in sorted(freqs.items())}


def cell_groups(cells: pd.DataFrame) -> list[Group]:
    """The (operator, technology) of every row of the sites table."""
    return [(str(op), str(tech)) for op, tech in zip(cells["operator"], cells["technology"],
                                                      strict=True)]


def cell_group(row: pd.Series) -> tuple[str, str]:
    return str(row["operator"]), str(row["technology"])


def accumulators(
    cells: gpd.GeoDataFrame, shape: tuple[int, int], *, skip: set[tuple[str, str]]
) -> dict[tuple[str, str], ServerAccumulator]:
    """An empty accumulator for each operator/technology group of the cells but those in ``skip``."""
    return {g: ServerAccumulator(shape, f) for g, f in group_frequencies(cells).items()
            if g not in skip}


def fold_levels(apply: SectorLevels, todo: dict[tuple[str, str], ServerAccumulator],
                job: LossJob, loss: CachedLoss, wanted: list[tuple[int, pd.Series]], *,
                ground_m: float | None = None) -> None:
    """Apply the sectors ``wanted`` (cell index, row) of a job to its loss window and add their
    levels to their operator/technology accumulators."""
    levels = apply.levels(job.x, job.y, job.height_m, loss, [r for _, r in wanted],
                          ground_m=ground_m)
    for (i, row), level in zip(wanted, levels, strict=True):
        todo[cell_group(row)].add(i, job.frequency_mhz, loss.row_off, loss.col_off, level)


def group_noise_dbm(sc: Scenario, tech: str, scs_khz: float | None = None) -> float:
    """Noise (dBm) on the scale of a technology's levels: :func:`~netcover.coverage.sectors.reference_noise`
    (per resource element for 4G and 5G at ``scs_khz``, required for 5G; the pilot's for 3G)."""
    return reference_noise(sc.receiver, tech, scs_khz)


def group_cache_keys(cells: gpd.GeoDataFrame, jobs: list[LossJob], loss_keys: dict[LossJob, str],
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


def group_base_key(digest: str, group: Group, shape: tuple[int, int], sc: Scenario) -> str:
    """Key of the record of the group's last layers: the DEM, grid, receiver and calibration."""
    cal = sc.calibration.get(group[1])
    return base_key(digest, group, shape, receiver=dataclasses.asdict(sc.receiver),
                    calibration=None if cal is None else dataclasses.asdict(cal))


def stored_groups(side: LossCache, group_keys: dict[Group, str]) -> dict[Group, GroupResult]:
    """The operator/technology groups whose results the cache holds."""
    groups: dict[Group, GroupResult] = {}
    for g, key in group_keys.items():
        stored = side.get_arrays(key)
        if stored is not None:
            groups[g] = GroupResult(**stored)
    return groups


def computed_groups(computed: Iterable[tuple[Group, GroupResult]], side: LossCache,
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
    found = stored_groups(side, keys)
    if len(found) < len(keys):
        msg = (f"the loss cache {side.folder} lost the operator/technology layers written during "
               "this run; run again (a cache folder must not be cleared while a run uses it)")
        raise DataFileError(msg)
    return found
