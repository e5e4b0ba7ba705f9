"""Folding a group again only where it changed (a sector's tilt, azimuth or power).

A sector's levels reach its mast's loss window only: when some sectors of an operator/technology
group change, every grid cell outside their windows (before and after the change) sees the same
levels, in the same order, as before, and keeps its best server, server count and SINR. The group's
new layers are therefore its previous layers (from the cache) with one rectangle, the **box**
around the changed sectors' windows, folded again from all the group's sectors clipped to it, in
the order of a whole fold. Every step of the fold (the sector's level, the accumulator, the layers
read off it) is a function of one grid cell's values alone, so the patched layers equal those of a
whole fold bit for bit (tests/test_coverage_patch.py checks it on every array).

What a group was made of is kept in the cache beside its layers (:func:`store_base`), under a key of
what a patch cannot change (the DEM, the grid, the group, the receiver and the calibration): one
entry per group, the last one computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from netcover.coverage.combine import GroupResult
from netcover.coverage.losscache import LossCache

__all__ = ["Box", "CellPart", "Patch", "base_key", "changed_box", "clip_of", "find_patch",
           "intersects", "store_base"]

#: A rectangle of the grid: first row, first column, rows, columns.
Box = tuple[int, int, int, int]
#: What one cell (row of the sites table) of a group is: its row, loss key, sector values and
#: its mast's window on the grid (a :data:`Box`).
CellPart = list[Any]
Group = tuple[str, str]

#: A patch is folded only when its box is at most this share of the grid (else: a whole fold).
MAX_BOX_SHARE = 0.75


@dataclass
class Patch:
    """A group's previous layers and the box to fold again."""

    previous: GroupResult
    box: Box
    previous_key: str = ""  # the group key of ``previous``

    def apply(self, part: GroupResult) -> GroupResult:
        """The previous layers with the box replaced by ``part`` (the box's fold)."""
        r0, c0, rows, cols = self.box
        out = {}
        for name, layer in vars(self.previous).items():
            array = layer if layer.flags.writeable else layer.copy()
            array[r0:r0 + rows, c0:c0 + cols] = getattr(part, name)
            out[name] = array
        return GroupResult(**out)


def base_key(dem_digest: str, group: Group, shape: tuple[int, int], **fixed: object) -> str:
    """Cache key of the record of a group's last layers (``fixed``: what a patch cannot change,
    e.g. the receiver and the calibration)."""
    return LossCache.key(dem_digest, kind="group_base", group=list(group), shape=list(shape),
                         **fixed)


def store_base(side: LossCache, key: str, group_key: str, cells: list[CellPart]) -> None:
    """Record that the layers stored under ``group_key`` are made of ``cells``."""
    side.put_arrays(key, {"group_key": np.array(group_key),
                          "cells": np.array(json.dumps(cells, sort_keys=True))})


def find_patch(side: LossCache, key: str, cells: list[CellPart],
               shape: tuple[int, int]) -> Patch | None:
    """The patch that turns the group's recorded layers into those of ``cells``; None when there
    is no record, its layers are gone, or the box is too large to be worth it."""
    record = side.get_arrays(key)
    if record is None:
        return None
    try:
        before = json.loads(str(record["cells"]))
        group_key = str(record["group_key"])
    except (KeyError, ValueError):
        return None
    box = changed_box(before, json.loads(json.dumps(cells, sort_keys=True)))
    if box is None or box[2] * box[3] > MAX_BOX_SHARE * shape[0] * shape[1]:
        return None
    stored = side.get_arrays(group_key)
    if stored is None or set(stored) != {"level", "best_cell", "count", "sinr"}:
        return None
    previous = GroupResult(**stored)
    if previous.level.shape != tuple(shape):
        return None
    return Patch(previous, box, group_key)


def changed_box(before: list[CellPart], after: list[CellPart]) -> Box | None:
    """The rectangle around the windows of the cells that differ (added, removed or changed:
    their windows before and after); None when none differs."""
    old = {int(c[0]): c for c in before}
    new = {int(c[0]): c for c in after}
    windows = [c[3] for i in sorted(old.keys() | new.keys()) if old.get(i) != new.get(i)
               for c in (old.get(i), new.get(i)) if c is not None]
    if not windows:
        return None
    r0 = min(w[0] for w in windows)
    c0 = min(w[1] for w in windows)
    r1 = max(w[0] + w[2] for w in windows)
    c1 = max(w[1] + w[3] for w in windows)
    return int(r0), int(c0), int(r1 - r0), int(c1 - c0)


def intersects(a: Box, b: Box) -> bool:
    """Whether two rectangles share a cell."""
    return (a[0] < b[0] + b[2] and b[0] < a[0] + a[2]
            and a[1] < b[1] + b[3] and b[1] < a[1] + a[3])


def clip_of(row_off: int, col_off: int, shape: tuple[int, int],
            box: Box) -> tuple[tuple[slice, slice], int, int] | None:
    """The part of a window (at ``row_off``, ``col_off`` on the grid, of ``shape``) inside the box:
    its slices of the window and its offset in the box; None when they do not meet."""
    r0, c0 = max(row_off, box[0]), max(col_off, box[1])
    r1 = min(row_off + shape[0], box[0] + box[2])
    c1 = min(col_off + shape[1], box[1] + box[3])
    if r1 <= r0 or c1 <= c0:
        return None
    return ((slice(r0 - row_off, r1 - row_off), slice(c0 - col_off, c1 - col_off)),
            r0 - box[0], c0 - box[1])
