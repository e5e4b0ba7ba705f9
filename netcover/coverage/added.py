"""A run's operator/technology layers with cells added: folded again only where the change reaches.

A network with a few cells added (a proposal's sectors, e.g. for its capacity relief,
:mod:`netcover.siting.relief`) differs from the run's network only inside the added cells' loss
windows: every grid cell outside them sees the same sectors' levels, in the same order, and keeps
its best server, server count and SINR (the argument of :mod:`netcover.coverage.patch`). So each
group of the new sites table is the run's layers of that group with the **box** around the
changed cells' windows folded again from all the group's cells clipped to it
(:func:`~netcover.coverage.engine.fold_groups`): the same arrays, bit for bit, as a whole fold of
the new table (``tests/test_coverage_added.py`` checks it), on a fraction of the grid.

The new table's rows are rows of the run's table (kept in their order, e.g. one operator's cells
only) and new rows; its best-cell layers index the new table, so the run's best cells are renumbered.
A cell "changed" when it is new, was left out, or differs from its row of the run's table in any
column but its id, or in its loss job (mast position, height, band: the job's position is that of
its first row, which another operator's row may set). A group the run did not have, or whose box
is most of the grid, is folded whole.

With a cache, the added cells' losses are kept in it, and each group's box layers with the cells
they were folded from (those whose window meets the box, as :data:`~netcover.coverage.patch.CellPart`),
one record per group and box (the last one folded), under a key of all else a fold of the box
reads (the terrain, every layer; the coverage, receiver and calibration settings; the group's
carriers and noise; the bytes of the antenna patterns its cells name). The next call with that
box (e.g. the relief of the same proposal in the next run) reads them: as they are when none of
those cells changed (a change elsewhere, e.g. a tilt whose window misses the box, leaves the box
as it was), else with the part of the box that the changed cells' windows cover folded again (the
patch argument again, the recorded layers as the previous ones). No group layers under a group's
key and no group record (:func:`~netcover.coverage.patch.store_base`), so the run's records (what
a later run patches from) stay the run's.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.coverage.combine import GroupResult
from netcover.coverage.losscache import LossCache
from netcover.coverage.patch import MAX_BOX_SHARE, Box, CellPart, Patch, changed_box, intersects
from netcover.coverage.sectors import carrier_noise_dbm
from netcover.data.window import disc_window

if TYPE_CHECKING:
    from netcover.core.executor import Executor
    from netcover.coverage.engine import Progress
    from netcover.data.inputs import Inputs
    from netcover.data.terrain import Terrain

__all__ = ["added_groups"]

Group = tuple[str, str]
#: Columns that do not enter a cell's fold (its name only).
_NAMES = ("cell_id",)
_LAYERS = ("level", "best_cell", "count", "sinr")


def added_groups(inputs: Inputs, base_cells: pd.DataFrame, source: Sequence[int] | np.ndarray,
                 previous: Mapping[Group, GroupResult], *, cache: LossCache | None = None,
                 progress: Progress | None = None, threads: int | None = None,
                 executor: Executor | None = None) -> dict[Group, GroupResult]:
    """The layers of every operator/technology group of ``inputs.cells``, from ``previous``.

    Parameters
    ----------
    inputs : Inputs
        The inputs with the new sites table.
    base_cells : pandas.DataFrame
        The sites table ``previous`` was folded from (every row of its groups).
    source : sequence of int
        For each row of ``inputs.cells``: its row in ``base_cells``, -1 for a new row; the rows
        taken from ``base_cells`` in increasing order (else every group is folded whole).
    previous : mapping
        Layers of the run's groups (:class:`~netcover.coverage.combine.GroupResult`, best cells
        as rows of ``base_cells``). A layer the caller does not read may be a placeholder (e.g. a
        broadcast array): outside the box its values are returned as given. Never written to.
    cache, progress, threads
        As :func:`~netcover.coverage.engine.compute_coverage` (the cache: see the module
        docstring).

    Returns
    -------
    dict
        Group -> layers (best cells as rows of ``inputs.cells``), in sorted group order.
    """
    from netcover.coverage.engine import fold_groups
    from netcover.coverage.groups import group_frequencies
    from netcover.coverage.losses import terrain_digest

    cells = inputs.cells
    assert cells is not None, "coverage needs sites"
    src = np.asarray(source, dtype=np.int64).reshape(-1)
    kept = src[src >= 0]
    if len(src) != len(cells) or np.any(np.diff(kept) <= 0) or np.any(kept >= len(base_cells)):
        src, previous = np.full(len(cells), -1), {}  # not a subsequence: nothing to renumber by
    groups = list(group_frequencies(cells))
    wanted = {g: previous[g] for g in groups if g in previous}
    out, patches, parts = _patches(inputs, base_cells, src, wanted)
    side = LossCache(cache.folder if cache is not None else None)
    boxes = _Boxes(inputs, side, terrain_digest(inputs.terrain) if side.folder else "", parts)
    todo = boxes.plan([g for g in groups if g not in out], patches, out)
    if len(out) < len(groups):  # some group to fold (whole: neither made nor patched)
        for g, res in fold_groups(inputs, todo, cache=cache, progress=progress, threads=threads,
                                  skip=set(out), executor=executor):
            out[g] = res
            boxes.keep(g, res)
    return {g: out[g] for g in sorted(out)}


def _patches(inputs: Inputs, base_cells: pd.DataFrame, src: np.ndarray,
             previous: Mapping[Group, GroupResult]
             ) -> tuple[dict[Group, GroupResult], dict[Group, Patch], dict[Group, list[CellPart]]]:
    """The groups of ``previous`` unchanged (their layers, renumbered), those to patch (their
    box; a group whose box is most of the grid is in neither: folded whole) and what each group
    of the new table is made of (:func:`_parts`)."""
    cells = inputs.cells
    assert cells is not None
    kept = src[src >= 0]
    renumber = np.full(len(base_cells) + 1, -1, dtype=np.int32)  # the last: -1 (no server) stays
    renumber[kept] = np.flatnonzero(src >= 0)
    ids = np.arange(len(base_cells)) + len(cells)  # the run's rows left out: ids of their own
    ids[kept] = renumber[kept]
    terrain, radius = inputs.terrain, inputs.scenario.coverage.radius_km * 1000.0
    before = _parts(base_cells, ids, terrain, radius, set(previous))
    after = _parts(cells, np.arange(len(cells)), terrain, radius, None)
    same: dict[Group, GroupResult] = {}
    patches: dict[Group, Patch] = {}
    for g, old in previous.items():
        box = changed_box(before.get(g, []), after[g])
        moved = GroupResult(old.level, renumber[old.best_cell], old.count, old.sinr)
        if box is None:
            same[g] = moved
        elif box[2] * box[3] <= MAX_BOX_SHARE * math.prod(terrain.shape):
            patches[g] = Patch(_read_only(moved), box)
    return same, patches, after


class _Boxes:
    """Each group's box layers kept in the cache with the cells they were folded from (one record
    per group and box, the last one folded), and what a fold of the group needs of them."""

    def __init__(self, inputs: Inputs, side: LossCache, digest: str,
                 parts: Mapping[Group, list[CellPart]]) -> None:
        self.inputs, self.side, self.digest, self.parts = inputs, side, digest, parts
        self.made: dict[Group, tuple[Box, str, list[CellPart]]] = {}

    def plan(self, groups: list[Group], patches: Mapping[Group, Patch],
             out: dict[Group, GroupResult]) -> dict[Group, Patch]:
        """The patches to fold of ``groups`` (:meth:`reuse`); the groups read back go to ``out``,
        those in neither are folded whole."""
        todo: dict[Group, Patch] = {}
        for g in groups:
            found = self.reuse(g, patches.get(g))
            if isinstance(found, GroupResult):
                out[g] = found
            elif found is not None:
                todo[g] = found
        return todo

    def reuse(self, g: Group, patch: Patch | None) -> GroupResult | Patch | None:
        """The group's layers when its box's record holds them; else the patch to fold: the
        recorded box with the windows of the cells changed since folded again, or ``patch`` (the
        group's run layers with its box to fold) when there is no record; None: fold it whole.

        The box is ``patch``'s (the whole grid without one)."""
        shape = self.inputs.terrain.shape
        box = patch.box if patch is not None else (0, 0, *shape)
        mine = json.loads(json.dumps([c for c in self.parts[g] if intersects(c[3], box)],
                                     sort_keys=True))
        key = self._key(g, box, mine) if self.side.folder else ""
        self.made[g] = (box, key, mine)
        record = _record(self.side, key, box)
        if record is None:
            return patch
        layers = _pasted(patch.previous if patch is not None else None, record[1], box)
        changed = changed_box(record[0], mine)
        sub = None if changed is None else _meet(changed, box)
        if sub is None:
            return layers
        if sub[2] * sub[3] > MAX_BOX_SHARE * math.prod(shape):
            return patch
        return Patch(layers, sub)

    def keep(self, g: Group, layers: GroupResult) -> None:
        """Record the group's box of ``layers`` (as folded) and the cells it was folded from."""
        box, key, mine = self.made[g]
        if not key:
            return
        r0, c0, rows, cols = box
        arrays = {name: np.ascontiguousarray(getattr(layers, name)[r0:r0 + rows, c0:c0 + cols])
                  for name in _LAYERS}
        self.side.put_arrays(key, {**arrays, "cells": np.array(json.dumps(mine, sort_keys=True))})

    def _key(self, g: Group, box: Box, mine: list[CellPart]) -> str:
        """Key of the group's box record: all a fold of the box reads but its cells (the terrain,
        every layer; the settings; the group's carriers and noise; the antenna patterns that its
        cells name, their bytes)."""
        from netcover.coverage.groups import group_frequencies

        cells, sc = self.inputs.cells, self.inputs.scenario
        assert cells is not None
        named = cells.iloc[[int(c[0]) for c in mine]].get("pattern_file", pd.Series(dtype=object))
        patterns = sorted({str(p) for p in named if isinstance(p, str) and p})
        return LossCache.key(
            self.digest, kind="added_box", group=list(g), box=[int(v) for v in box],
            frequencies=group_frequencies(cells)[g], noise=repr(carrier_noise_dbm(sc, g, cells)),
            settings=repr((sc.coverage, sc.receiver, sorted(sc.calibration.items()))),
            patterns=[[p, hashlib.sha256(Path(p).read_bytes()).hexdigest()] for p in patterns])


def _record(side: LossCache, key: str, box: Box) -> tuple[list[CellPart], GroupResult] | None:
    """The cells and box layers recorded under ``key``; None without a whole record."""
    arrays = side.get_arrays(key) if key else None
    if arrays is None or not {*_LAYERS, "cells"} <= set(arrays):
        return None
    if any(arrays[name].shape != tuple(box[2:]) for name in _LAYERS):
        return None
    try:
        cells = json.loads(str(arrays["cells"]))
    except ValueError:
        return None
    return cells, GroupResult(*(arrays[name] for name in _LAYERS))


def _pasted(base: GroupResult | None, part: GroupResult, box: Box) -> GroupResult:
    """Writable layers: ``base`` (None: ``part``, the whole grid) with ``part`` in the box."""
    r0, c0, rows, cols = box
    out = []
    for name in _LAYERS:
        array = np.array(getattr(base if base is not None else part, name))
        if base is not None:
            array[r0:r0 + rows, c0:c0 + cols] = getattr(part, name)
        out.append(array)
    return GroupResult(*out)


def _meet(a: Box, b: Box) -> Box | None:
    """The rectangle two rectangles share (None: they do not meet)."""
    r0, c0 = max(a[0], b[0]), max(a[1], b[1])
    r1, c1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return (r0, c0, r1 - r0, c1 - c0) if r1 > r0 and c1 > c0 else None


def _geometry(cells: pd.DataFrame) -> str | None:
    """The name of a GeoDataFrame's geometry column (None: a plain table)."""
    return getattr(getattr(cells, "geometry", None), "name", None)


def _parts(cells: pd.DataFrame, ids: np.ndarray, terrain: Terrain, radius_m: float,
           groups: set[Group] | None) -> dict[Group, list[CellPart]]:
    """What each cell of ``groups`` (None: every group) is
    (:data:`~netcover.coverage.patch.CellPart`): its id, its loss job (position, height, band),
    its other columns and its job's window on the grid."""
    from netcover.coverage.losses import loss_jobs

    out: dict[Group, list[CellPart]] = {}
    names = [c for c in cells.columns if c not in _NAMES and c != _geometry(cells)]
    values = pd.DataFrame(cells[names]).to_numpy(dtype=object)
    of = list(zip(cells["operator"].astype(str), cells["technology"].astype(str), strict=True))
    for job in loss_jobs(cells):
        window = list(disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                                  terrain.shape, job.x, job.y, radius_m))
        for i in (i for i in job.cells if groups is None or of[i] in groups):
            out.setdefault(of[i], []).append([int(ids[i]), [job.x, job.y, job.height_m,
                                                             job.frequency_mhz],
                                              [_value(v) for v in values[i]], window])
    return out


def _value(value: object) -> object:
    """A cell's value, compared across tables: numbers as floats (an integer column may become
    a float one when rows are added), NaN and missing values as None, the rest as text."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    return str(value)


def _read_only(layers: GroupResult) -> GroupResult:
    """Read-only views of the layers: a patch copies them rather than writing into the run's."""
    views = []
    for name in _LAYERS:
        view = getattr(layers, name).view()
        view.flags.writeable = False
        views.append(view)
    return GroupResult(*views)
