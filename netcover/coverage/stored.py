"""The combined coverage layers kept in the cache: read whole when nothing changed, patched in a box.

:func:`~netcover.coverage.combine.combine_groups` (best operator per technology, classes per
operator and for the district, classes at every service level) takes about a second of CPU on the
sample, every run. Its layers are a function of the groups' layers, the scenario's classes and
service levels, and the terrain's clutter, cell by cell; so they are kept in the cache under a key
of all of these (:func:`combined`): a run where nothing changed reads them, and a run where some
groups were patched (:mod:`netcover.coverage.patch`) combines the patched box only and puts it into
the layers of the run before (the same values, bit for bit, as a whole combination).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from netcover.coverage._service_kernel import unpack_classes
from netcover.coverage.combine import (
    CoverageResult,
    GroupResult,
    TechnologyLayers,
    cells_table,
    combine_groups,
)
from netcover.coverage.losscache import LossCache
from netcover.coverage.patch import Box, Patch
from netcover.coverage.service import ServiceClasses

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.config.scenario import Scenario
    from netcover.data.terrain import Terrain

__all__ = ["combined", "flat_layers"]

Group = tuple[str, str]
_SEP = "\x1f"  # between the parts of a layer's name (operator names may hold any other text)
#: Layout of the stored layers: a service level's classes, low and high in one byte per cell
#: (``classes | low << 2 | high << 4``), a third of the bytes to read and check.
_LAYOUT = "service-packed"


def combined(side: LossCache, groups: dict[Group, GroupResult], group_keys: dict[Group, str],
             patches: dict[Group, Patch], sc: Scenario, terrain: Terrain,
             cells: gpd.GeoDataFrame, digest: str) -> CoverageResult:
    """:func:`~netcover.coverage.combine.combine_groups`, from the cache when it holds the
    result, else patched into the last one where only patched groups changed, else whole."""
    settings = repr((sc.thresholds, sc.service_levels, sc.calibration, sc.coverage))
    keys = {_SEP.join(g): group_keys[g] for g in sorted(group_keys)}
    key = LossCache.key(digest, kind="combined", groups=keys, settings=settings, layout=_LAYOUT)
    base = LossCache.key(digest, kind="combined_base", settings=settings, layout=_LAYOUT)
    stored = side.get_arrays(key)
    if stored is not None:
        try:
            found = _result(stored, groups, sc, terrain, cells)
        except (KeyError, ValueError):
            found = None
        if found is not None:
            found.combined = "cached"
            return found
    box = _patch_box(side, base, keys, patches)
    result = None if box is None else _patched(side, *box, groups, sc, terrain, cells)
    if result is None:
        result = combine_groups(groups, sc, terrain, cells)
    side.put_arrays(key, flat_layers(result))
    side.put_arrays(base, {"combined_key": np.array(key), "groups": np.array(json.dumps(keys))})
    return result


def _patch_box(side: LossCache, base: str, keys: dict[str, str],
               patches: dict[Group, Patch]) -> tuple[str, Box] | None:
    """The last stored combination's key and the box around the groups changed since, when each
    of them was patched from that combination's layers; None otherwise."""
    record = side.get_arrays(base) if patches else None
    if record is None:
        return None
    try:
        before, previous = json.loads(str(record["groups"])), str(record["combined_key"])
    except (KeyError, ValueError):
        return None
    if set(before) != set(keys):
        return None
    boxes = []
    for name, key in keys.items():
        if before[name] == key:
            continue
        op, tech = name.split(_SEP)
        patch = patches.get((op, tech))
        if patch is None or patch.previous_key != before[name]:
            return None
        boxes.append(patch.box)
    if not boxes:
        return None
    r0, c0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    r1, c1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return previous, (r0, c0, r1 - r0, c1 - c0)


def _patched(side: LossCache, previous_key: str, box: Box, groups: dict[Group, GroupResult],
             sc: Scenario, terrain: Terrain, cells: gpd.GeoDataFrame) -> CoverageResult | None:
    """The last stored combination with the box combined again (None: it is gone)."""
    previous = side.get_arrays(previous_key)
    if previous is None:
        return None
    r0, c0, rows, cols = box
    window = np.s_[r0:r0 + rows, c0:c0 + cols]
    part = combine_groups(
        {g: GroupResult(*(np.ascontiguousarray(a[window])
                          for a in (res.level, res.best_cell, res.count, res.sinr)))
         for g, res in groups.items()}, sc, terrain.window(r0, c0, rows, cols), cells)
    layers = flat_layers(part)
    if list(layers) != list(previous):
        return None
    for name, array in layers.items():
        previous[name][window] = array
    result = _result(previous, groups, sc, terrain, cells)
    result.combined = "patched"
    return result


def flat_layers(result: CoverageResult) -> dict[str, np.ndarray]:
    """Every combined layer of a result by a flat name, in the result's order."""
    out: dict[str, np.ndarray] = {}
    for tech, lay in result.technologies.items():
        for name, array in vars(lay).items():
            out[_SEP.join(("tech", tech, name))] = array
    for op, cls in result.operator_classes.items():
        out[_SEP.join(("op", op))] = cls
    out["classes"] = result.classes
    for level, s in result.service.items():
        for layer, array in s.classes.items():  # classes 0-3: the three in one byte, 2 bits each
            out[_SEP.join(("service", level, layer))] = array | (s.low[layer] << 2) | (
                s.high[layer] << 4)
    return out


def _result(flat: dict[str, np.ndarray], groups: dict[Group, GroupResult], sc: Scenario,
            terrain: Terrain, cells: gpd.GeoDataFrame) -> CoverageResult:
    """The result of :func:`flat_layers`' layers (and the groups' own layers)."""
    techs: dict[str, dict[str, np.ndarray]] = {}
    ops: dict[str, np.ndarray] = {}
    service: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for name, array in flat.items():
        parts = name.split(_SEP)
        if parts[0] == "tech":
            techs.setdefault(parts[1], {})[parts[2]] = array
        elif parts[0] == "op":
            ops[parts[1]] = array
        elif parts[0] == "service":
            kinds = service.setdefault(parts[1], {})
            for kind, unpacked in zip(("classes", "low", "high"), unpack_classes(array),
                                      strict=True):
                kinds.setdefault(kind, {})[parts[2]] = unpacked
    levels = {lv.name: lv for lv in sc.service_levels}
    order = sorted(groups, key=lambda g: (g[1], g[0]))  # as combine_groups: by technology
    return CoverageResult(
        terrain.transform, terrain.crs, cells_table(cells),
        {t: TechnologyLayers(**v) for t, v in techs.items()}, ops, flat["classes"],
        np.full(terrain.shape, np.nan, dtype=np.float32),
        {g: groups[g].level for g in order}, {g: groups[g].best_cell for g in order},
        {name: ServiceClasses(levels[name], v["classes"], v["low"], v["high"])
         for name, v in service.items()})
