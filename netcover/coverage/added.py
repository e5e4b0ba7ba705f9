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

With a cache, the added cells' losses are kept in it, and the layers made under a key of
everything they are made of (the previous layers' bytes, both tables, the terrain, the settings:
a run where none of it changed reads them); no group layers under a group's key and no group
record (:func:`~netcover.coverage.patch.store_base`), so the run's records (what a later run
patches from) stay the run's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.coverage.combine import GroupResult
from netcover.coverage.losscache import LossCache
from netcover.coverage.patch import MAX_BOX_SHARE, CellPart, Patch, changed_box
from netcover.data.window import disc_window

if TYPE_CHECKING:
    from netcover.core.parallel import Executor
    from netcover.coverage.engine import Progress
    from netcover.data.inputs import Inputs
    from netcover.data.terrain import Terrain

__all__ = ["added_groups"]

Group = tuple[str, str]
#: Columns that do not enter a cell's fold (its name only).
_NAMES = ("cell_id",)


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
    from netcover.coverage.engine import fold_groups, group_frequencies

    cells = inputs.cells
    assert cells is not None, "coverage needs sites"
    src = np.asarray(source, dtype=np.int64).reshape(-1)
    kept = src[src >= 0]
    if len(src) != len(cells) or np.any(np.diff(kept) <= 0) or np.any(kept >= len(base_cells)):
        src, previous = np.full(len(cells), -1), {}  # not a subsequence: nothing to renumber by
    groups = list(group_frequencies(cells))
    wanted = [g for g in groups if g in previous]
    side = LossCache(cache.folder if cache is not None else None)
    key = _key(inputs, base_cells, src, {g: previous[g] for g in wanted}) if side.folder else ""
    stored = _stored(side, key, groups)
    if stored is not None:
        return stored
    same, patches = _patches(inputs, base_cells, src, {g: previous[g] for g in wanted})
    made = dict(fold_groups(inputs, patches, cache=cache, progress=progress, threads=threads,
                            skip=set(same), executor=executor))
    out = {g: same[g] if g in same else made[g] for g in sorted({*same, *made})}
    for g, res in out.items():
        side.put_arrays(LossCache.key(key, group=list(g)), dataclasses.asdict(res))
    return out


def _patches(inputs: Inputs, base_cells: pd.DataFrame, src: np.ndarray,
             previous: Mapping[Group, GroupResult]
             ) -> tuple[dict[Group, GroupResult], dict[Group, Patch]]:
    """The groups of ``previous`` unchanged (their layers, renumbered) and those to patch (their
    box); a group whose box is most of the grid is in neither (folded whole)."""
    cells = inputs.cells
    assert cells is not None
    kept = src[src >= 0]
    renumber = np.full(len(base_cells) + 1, -1, dtype=np.int32)  # the last: -1 (no server) stays
    renumber[kept] = np.flatnonzero(src >= 0)
    ids = np.arange(len(base_cells)) + len(cells)  # the run's rows left out: ids of their own
    ids[kept] = renumber[kept]
    terrain, radius = inputs.terrain, inputs.scenario.coverage.radius_km * 1000.0
    before = _parts(base_cells, ids, terrain, radius, set(previous))
    after = _parts(cells, np.arange(len(cells)), terrain, radius, set(previous))
    same: dict[Group, GroupResult] = {}
    patches: dict[Group, Patch] = {}
    for g, old in previous.items():
        box = changed_box(before.get(g, []), after[g])
        moved = GroupResult(old.level, renumber[old.best_cell], old.count, old.sinr)
        if box is None:
            same[g] = moved
        elif box[2] * box[3] <= MAX_BOX_SHARE * math.prod(terrain.shape):
            patches[g] = Patch(_read_only(moved), box)
    return same, patches


def _key(inputs: Inputs, base_cells: pd.DataFrame, source: np.ndarray,
         previous: Mapping[Group, GroupResult]) -> str:
    """Cache key of the layers :func:`added_groups` makes: everything they are made of (the
    previous layers' bytes, both sites tables and the antenna patterns they name, the mapping,
    every layer of the terrain, the coverage, receiver and calibration settings)."""
    from netcover.coverage.engine import terrain_digest

    h = hashlib.sha256(source.astype(np.int64).tobytes())
    for g, res in sorted(previous.items()):
        h.update(repr(g).encode())
        for array in dataclasses.astuple(res):
            h.update(f"{array.dtype.str}{array.shape}".encode())
            h.update(np.ascontiguousarray(array).data)
    patterns: set[str] = set()
    assert inputs.cells is not None
    for table in (base_cells, inputs.cells):
        frame = pd.DataFrame(table).drop(columns=_geometry(table) or [], errors="ignore")
        h.update(repr(frame.dtypes.to_dict()).encode() + frame.to_csv(index=False).encode())
        if "pattern_file" in frame.columns:
            patterns |= {str(p) for p in frame["pattern_file"] if isinstance(p, str) and p}
    for path in sorted(patterns):
        h.update(path.encode() + hashlib.sha256(Path(path).read_bytes()).digest())
    sc = inputs.scenario
    return LossCache.key(terrain_digest(inputs.terrain), kind="added_groups", made=h.hexdigest(),
                         settings=repr((sc.coverage, sc.receiver, sorted(sc.calibration.items()))))


def _stored(side: LossCache, key: str, groups: list[Group]) -> dict[Group, GroupResult] | None:
    """The layers stored under ``key``, when every group's are there."""
    if not key:
        return None
    found = {}
    for g in groups:
        arrays = side.get_arrays(LossCache.key(key, group=list(g)))
        if arrays is None or set(arrays) != {"level", "best_cell", "count", "sinr"}:
            return None
        found[g] = GroupResult(**arrays)
    return found


def _geometry(cells: pd.DataFrame) -> str | None:
    """The name of a GeoDataFrame's geometry column (None: a plain table)."""
    return getattr(getattr(cells, "geometry", None), "name", None)


def _parts(cells: pd.DataFrame, ids: np.ndarray, terrain: Terrain, radius_m: float,
           groups: set[Group]) -> dict[Group, list[CellPart]]:
    """What each cell of ``groups`` is (:data:`~netcover.coverage.patch.CellPart`): its id, its
    loss job (position, height, band), its other columns and its job's window on the grid."""
    from netcover.coverage.engine import loss_jobs

    out: dict[Group, list[CellPart]] = {}
    names = [c for c in cells.columns if c not in _NAMES and c != _geometry(cells)]
    values = pd.DataFrame(cells[names]).to_numpy(dtype=object)
    of = list(zip(cells["operator"].astype(str), cells["technology"].astype(str), strict=True))
    for job in loss_jobs(cells):
        window = list(disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                                  terrain.shape, job.x, job.y, radius_m))
        for i in (i for i in job.cells if of[i] in groups):
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
    for array in (layers.level, layers.best_cell, layers.count, layers.sinr):
        view = array.view()
        view.flags.writeable = False
        views.append(view)
    return GroupResult(*views)
