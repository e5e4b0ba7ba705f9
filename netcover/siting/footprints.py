"""On-disk cache of candidate footprints: which demand cells a mast at a place covers.

A candidate's footprint on the screening grid (:mod:`netcover.siting.matrix`) is the costly part of
site planning. It is kept in the loss cache folder (``[coverage] cache_dir`` /
``NETCOVER_CACHE_DIR``, the same size cap, ``netcover cache`` upkeep), through
:class:`~netcover.coverage.losscache.LossCache`: atomic writes, a key and checksum in every entry,
a damaged entry recomputed with a :class:`~netcover.coverage.losscache.CacheWarning`.

An entry's key holds everything the footprint depends on: the place and mast height, the sectors
(band, power, gains, azimuths, tilts, beamwidths, the pattern file's content), the screening grid
(heights, land cover, clutter heights, the cells on the source DEM), the propagation settings
(model, diffraction, radius, receiver height...), the receiver's link budget, the calibration, the
covered threshold and the code that made it (:meth:`~netcover.coverage.losscache.LossCache.key`,
:data:`FOOTPRINT_VERSION`). It does not hold the demand: an entry stores the demand cells it was
evaluated at (those near the mast when it was computed) and which of them are covered, and it
serves any later demand whose cells near the mast it evaluated, so a re-run, a changed siting
budget or objective, or a better existing network (less demand) read it back; new demand near the
mast computes it again. The footprints of one call of
:func:`~netcover.siting.matrix.coverage_matrix` are also kept together in one entry (keyed by their
keys and the demand cells each was needed at), which an unchanged re-run reads instead of one entry
per candidate.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.core.io import file_sha256, json_sha256
from netcover.coverage.losscache import (
    LossCache,
    default_cache_dir,
    dem_fingerprint,
    grid_fingerprint,
)
from netcover.coverage.sectors import SECTOR_COLUMNS, nr_key_part

if TYPE_CHECKING:
    from netcover.config.calibration import Calibration
    from netcover.config.scenario import Scenario
    from netcover.config.sections import CoverageSettings, ReceiverSettings
    from netcover.data.terrain import Terrain
    from netcover.siting.matrix import Screening

__all__ = ["FOOTPRINT_VERSION", "FootprintStore", "footprint_cache", "land_layers_digests",
           "levels_key_parts", "near_cells", "screening_digest", "sectors_digest"]

#: Bump when footprints change for a reason the key does not see (their definition).
FOOTPRINT_VERSION = "1"
#: Coverage settings that change no loss nor level (where the cache is, report choices).
_NOT_IN_KEY = ("cache_dir", "cache_max_mb", "usable_class", "headline_service", "indoor_service")


def footprint_cache(scenario: Scenario) -> LossCache:
    """The loss cache folder of ``scenario`` (``[coverage] cache_dir``, else
    :func:`~netcover.coverage.losscache.default_cache_dir`), where footprints are kept."""
    return LossCache(scenario.coverage.cache_dir or default_cache_dir())


def screening_digest(screen: Screening) -> str:
    """Digest of everything of a screening that changes a footprint (see the module docstring)."""
    t = screen.terrain
    layers = [grid_fingerprint(t.heights, t),
              hashlib.sha256(np.packbits(screen.inside).tobytes()).hexdigest(),
              *land_layers_digests(t)]
    levels = screen.levels
    return json_sha256([layers, *levels_key_parts(screen.coverage, levels.rx, levels.calibration),
                        float(screen.threshold_dbm)])


def land_layers_digests(t: Terrain) -> list[str]:
    """Digests of a terrain's clutter heights and land-cover classes (none without them)."""
    out = []
    if t.clutter_m is not None:
        out.append(dem_fingerprint(t.clutter_m, (), ""))
    if t.landcover is not None and t.landcover_classes is not None:
        out.append(hashlib.sha256(np.ascontiguousarray(t.landcover, dtype=np.int16)
                                  .tobytes()).hexdigest())
        out.append(t.landcover_classes.fingerprint())
    return out


def levels_key_parts(cov: CoverageSettings, rx: ReceiverSettings,
                     calibration: Mapping[str, Calibration]) -> list[Any]:
    """The parts of a cache key that the levels of sectors depend on besides the terrain and the
    sectors: the propagation settings (not where the cache is nor report choices), the receiver's
    link budget and the calibration."""
    cov_part = {k: v for k, v in dataclasses.asdict(cov).items() if k not in _NOT_IN_KEY}
    return [cov_part, dataclasses.asdict(rx), sorted((k, repr(v)) for k, v in calibration.items())]


def sectors_digest(sectors: Sequence[pd.Series]) -> str:
    """Digest of a mast's sectors: the columns that change their levels (with a 5G sector's
    subcarrier spacing), and the content of their antenna pattern files."""
    rows = []
    for row in sectors:
        values = {c: str(row.get(c, "")) for c in SECTOR_COLUMNS} | nr_key_part(row)
        pattern = str(row.get("pattern_file", "") or "")
        if pattern and Path(pattern).is_file():
            values["pattern_sha256"] = file_sha256(pattern)
        rows.append(values)
    return json_sha256([rows])


def near_cells(cells: np.ndarray, screen: Screening, x: float, y: float) -> np.ndarray:
    """The flat indices among ``cells`` (sorted) whose centre lies within the screening radius
    plus one cell of (x, y): every cell of a mast's disc there, and a few more."""
    t = screen.terrain
    n_cols = t.shape[1]
    cx = t.transform.c + (cells % n_cols + 0.5) * t.cell_size
    cy = t.transform.f - (cells // n_cols + 0.5) * t.cell_size
    reach = screen.coverage.radius_km * 1000.0 + t.cell_size
    return cells[np.hypot(cx - x, cy - y) <= reach]


class FootprintStore:
    """Footprints of one screening in a :class:`~netcover.coverage.losscache.LossCache`.

    Attributes
    ----------
    cached, computed : int
        Footprints read back, and footprints stored after being computed.
    read_at_once : bool
        Whether :meth:`get_all` read them all from one joint entry.
    """

    def __init__(self, cache: LossCache, screen: Screening):
        self.cache = cache
        self.screen = screen
        self.digest = screening_digest(screen) if cache.folder is not None else ""
        self.cached = 0
        self.computed = 0
        #: Whether :meth:`get_all` found its joint entry.
        self.read_at_once = False
        self._sectors: dict[int, str] = {}

    def key(self, x: float, y: float, height_m: float, sectors: Sequence[pd.Series]) -> str:
        """Key of a mast's footprint (sector lists are digested once per list object)."""
        if id(sectors) not in self._sectors:
            self._sectors[id(sectors)] = sectors_digest(sectors)
        return LossCache.key(self.digest, kind="footprint", version=FOOTPRINT_VERSION,
                             x=round(float(x), 3), y=round(float(y), 3),
                             height_m=float(height_m), sectors=self._sectors[id(sectors)])

    def get(self, key: str, needed: np.ndarray) -> np.ndarray | None:
        """Covered cells (sorted flat indices) of the entry ``key`` if it evaluated every cell of
        ``needed``; None otherwise (then it is computed again)."""
        if self.cache.folder is None:
            return None
        found = self.cache.get_arrays(key)
        if found is None or not {"evaluated", "covered"} <= set(found):
            return None
        evaluated = found["evaluated"]
        pos = np.searchsorted(evaluated, needed)
        if np.any(pos >= len(evaluated)) or np.any(evaluated[np.minimum(pos, len(evaluated) - 1)]
                                                  != needed):
            return None
        self.cached += 1
        return found["covered"].astype(np.int64)

    def get_all(self, keys: Sequence[str], needed: Sequence[np.ndarray]
                ) -> tuple[str, list[np.ndarray | None]]:
        """Covered cells of every footprint of ``keys`` (each evaluated on ``needed``), read at
        once from the entry :meth:`put_all` wrote for the same keys and cells, else one by one
        (:meth:`get`; None for those missing); and the key of that joint entry."""
        joint = LossCache.key(self.digest, kind="footprints", version=FOOTPRINT_VERSION,
                              keys=json_sha256(list(keys)),
                              needed=_arrays_sha256([np.asarray(c, dtype=np.int64)
                                                     for c in needed]))
        found = self.cache.get_arrays(joint) if self.cache.folder is not None else None
        if found is not None and {"covered", "indptr"} <= set(found) \
                and len(found["indptr"]) == len(keys) + 1:
            cells, ends = found["covered"].astype(np.int64), found["indptr"]
            self.cached += len(keys)
            self.read_at_once = True
            return joint, [cells[ends[j]:ends[j + 1]] for j in range(len(keys))]
        return joint, [self.get(key, cells) for key, cells in zip(keys, needed, strict=True)]

    def put_all(self, joint: str, covered: Sequence[np.ndarray | None]) -> None:
        """Keep the covered cells of several footprints in one entry (see :meth:`get_all`), unless
        :meth:`get_all` read them from it (or there is no key, or one is missing)."""
        if not joint or self.read_at_once or any(c is None for c in covered):
            return
        cells = [np.asarray(c, dtype=np.int32) for c in covered]
        self.cache.put_arrays(joint, {
            "covered": np.concatenate(cells) if cells else np.zeros(0, dtype=np.int32),
            "indptr": np.concatenate([[0], np.cumsum([len(c) for c in cells])]).astype(np.int64)})

    def put(self, key: str, evaluated: np.ndarray, covered: np.ndarray) -> None:
        """Store the cells a footprint was evaluated at and those it covers (sorted flat)."""
        self.computed += 1
        self.cache.put_arrays(key, {"evaluated": np.asarray(evaluated, dtype=np.int32),
                                    "covered": np.asarray(covered, dtype=np.int32)})


def _arrays_sha256(arrays: Sequence[np.ndarray]) -> str:
    """Digest of a list of integer arrays: their lengths and their values."""
    h = hashlib.sha256(np.array([len(a) for a in arrays], dtype=np.int64).tobytes())
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()
