"""Full-resolution coverage of new sites: what the coverage step would give a mast not built yet.

Screening (:mod:`netcover.siting.matrix`, 100 m cells) chooses where to look; the people a proposal
or a planned site adds, and its footprint on maps, come from here, with the coverage step's own
engine, grid and settings:

- the loss of the mast on the scenario's DEM grid within ``[coverage] radius_km``, per band
  (:func:`~netcover.coverage.losses.grid_loss`: the loss cache entry a cell of an existing site at
  that place would use, so a re-run reads it), the same model, receiver height and land cover;
- each sector applied by :class:`~netcover.coverage.sectors.SectorLevels` (pattern, tilt, link
  budget, receiver, ``[calibration]``);
- a grid cell is covered when a sector's level reaches the lower bound of the usable class of that
  sector's technology (``[thresholds]``, else :func:`~netcover.config.radio.default_thresholds`):
  the bound the coverage classes use (:func:`~netcover.coverage.service.level_classes`; a class
  depends on the level only, not on SINR). The best-server level after adding a site is the
  higher of the two, so the class of a cell becomes the higher of its class before and the site's.

People newly covered against a *baseline* class raster (the district's classes for the market
view, one operator's for its own view): each population cell's people times the share of its
area that is below the usable class before and covered by the site, the area arithmetic of
:func:`~netcover.coverage.people.class_shares` (:class:`~netcover.coverage.people.GridOverlap`).
:meth:`FullResolution.gains_in_order` gives the incremental figures of an ordered list of sites
(site k beyond the baseline and sites 1..k-1): adding them as cells and running the coverage step
again gives the same people.

A site's cover is kept in the loss cache folder (:meth:`FullResolution.cover_key`: its place,
height and sectors, the thresholds, the DEM and its land cover, the propagation settings, the
receiver and the calibration; not the existing network's coverage, which only the gains use), so
that a re-run, or one after another sector changed, reads it back instead of reading its loss
rasters and applying its sectors again.
:meth:`FullResolution.greedy` orders sites incrementally: after a site is taken only the gains of
sites whose windows meet its window are stale, and a stale gain is an upper bound (gains only
fall), recomputed when it reaches the top.

The loss rasters of several sites are independent: with an executor of more than one worker the
missing ones are computed by its workers into the loss cache folder
(:func:`~netcover.coverage.losses.fill_loss_cache`), then read here.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.radio import default_thresholds
from netcover.core.io import json_sha256
from netcover.core.parallel import InProcess
from netcover.coverage.losscache import LossCache, grid_fingerprint
from netcover.coverage.losses import LossJob, fill_loss_cache, grid_loss, site_loss_key, site_terrain
from netcover.coverage.people import GridOverlap
from netcover.coverage.sectors import SectorLevels
from netcover.errors import InputError
from netcover.siting.footprints import (
    footprint_cache,
    land_layers_digests,
    levels_key_parts,
    sectors_digest,
)

if TYPE_CHECKING:
    from netcover.config.siting import SitingSettings
    from netcover.core.executor import Executor
    from netcover.coverage.engine import CoverageResult, Progress
    from netcover.data.inputs import Inputs
    from netcover.data.population import PopulationGrid

__all__ = ["COVER_VERSION", "FullResolution", "Gain", "NewSite", "SiteCover", "population_cells"]

#: Bump when a site's cover changes for a reason its key (:meth:`FullResolution.cover_key`) does
#: not see.
COVER_VERSION = "1"


@dataclass(frozen=True)
class NewSite:
    """A mast not built yet: place (m, working CRS), height and sector rows (as
    :func:`~netcover.data.proposals.plan_sectors` makes them; sectors may differ in band and
    technology)."""

    x: float
    y: float
    height_m: float
    sectors: Sequence[pd.Series]
    site_id: str = "new"


@dataclass(frozen=True)
class SiteCover:
    """Coverage-grid cells a new site covers: a boolean window and its offset on the grid."""

    covered: np.ndarray
    row_off: int
    col_off: int

    @property
    def window(self) -> tuple[slice, slice]:
        """Rows and columns of the window on the coverage grid."""
        rows, cols = self.covered.shape
        return (slice(self.row_off, self.row_off + rows), slice(self.col_off, self.col_off + cols))


@dataclass(frozen=True)
class Gain:
    """People a site newly covers, per population cell (flat indices, sorted; others none)."""

    cells: np.ndarray
    people: np.ndarray = field(repr=False)

    @property
    def total(self) -> float:
        """All the people it newly covers."""
        return float(self.people.sum())

    def at(self, flat: np.ndarray) -> np.ndarray:
        """People newly covered in the population cells of flat indices ``flat`` (0 elsewhere)."""
        flat = np.asarray(flat, dtype=np.int64)
        out = np.zeros(len(flat))
        if len(self.cells) == 0 or len(flat) == 0:
            return out
        pos = np.clip(np.searchsorted(self.cells, flat), 0, len(self.cells) - 1)
        hit = self.cells[pos] == flat
        out[hit] = self.people[pos[hit]]
        return out


class FullResolution:
    """The coverage step's engine, grid and thresholds, for new sites (see the module docstring).

    Parameters
    ----------
    inputs : Inputs
        The scenario's inputs (terrain, population).
    coverage : CoverageResult
        The coverage step's result on ``inputs.terrain``'s grid.
    settings : SitingSettings
        ``usable_class``.
    cache : LossCache, optional
        Where the losses are read and kept (default: the scenario's loss cache folder,
        :func:`~netcover.siting.footprints.footprint_cache`).
    """

    def __init__(self, inputs: Inputs, coverage: CoverageResult, settings: SitingSettings, *,
                 cache: LossCache | None = None):
        terrain, sc = inputs.terrain, inputs.scenario
        if coverage.classes.shape != terrain.shape:
            msg = (f"the coverage grid {coverage.classes.shape} is not the DEM grid "
                   f"{terrain.shape}: full-resolution siting figures need the district engine's "
                   "coverage of these inputs")
            raise InputError(msg)
        pop = inputs.population
        if pop is None:
            msg = "full-resolution siting figures need a population"
            raise InputError(msg)
        self.inputs, self.coverage, self.settings = inputs, coverage, settings
        self.cache = cache or footprint_cache(sc)
        digest = grid_fingerprint(terrain.heights, terrain)
        self.apply = SectorLevels(terrain, sc.coverage, sc.receiver,
                                  cache=LossCache(self.cache.folder), dem_digest=digest,
                                  calibration=sc.calibration)
        self._digest = json_sha256([digest, *land_layers_digests(terrain),
                                    *levels_key_parts(sc.coverage, sc.receiver, sc.calibration)])
        self.counts = pop.counts.astype(np.float64)
        self.overlap = GridOverlap(terrain.shape, coverage.transform, pop.transform,
                                   self.counts.shape)
        #: Model notes of the losses computed (validity warnings; the coverage step has its own).
        self.notes: list[str] = []

    def threshold_dbm(self, technology: str) -> float:
        """Lower bound (dBm) of the usable class of ``technology``, as the coverage classes."""
        sc = self.inputs.scenario
        t = sc.thresholds.get(technology) or default_thresholds(technology)
        return float(t.bound(self.settings.usable_class))

    def open_cells(self, classes: np.ndarray | None) -> np.ndarray:
        """bool coverage grid: cells below the usable class of ``classes`` (None: every cell, as
        for an operator without sites)."""
        if classes is None:
            return np.ones(self.coverage.classes.shape, dtype=bool)
        return np.asarray(classes) < self.settings.usable_level

    def people_in(self, cells: np.ndarray) -> float:
        """People in the area of the coverage-grid cells ``cells`` (bool, the whole grid)."""
        return float((self.counts * self.overlap.share(cells)).sum())

    def covers(self, sites: Sequence[NewSite], *, executor: Executor | None = None,
               progress: Progress | None = None) -> list[SiteCover]:
        """The cells each site covers (see the module docstring), in order.

        A site's cover is kept in the loss cache folder under a key of everything it depends on
        (:meth:`cover_key`) and read back when found: its loss rasters are then not read.
        ``executor``: where missing loss rasters are computed (None or one worker: here).
        ``progress(items, label)`` sees the loss rasters the workers compute.
        """
        cover_keys = [self.cover_key(site) for site in sites]
        found = [_read_cover(self.cache, key) for key in cover_keys]
        made = iter(self._made([site for site, hit in zip(sites, found, strict=True) if hit is None],
                               executor, progress))
        out = []
        for key, hit in zip(cover_keys, found, strict=True):
            if hit is None:
                hit = next(made)
                _write_cover(self.cache, key, hit)
            out.append(hit)
        return out

    def _made(self, sites: Sequence[NewSite], executor: Executor | None,
              progress: Progress | None) -> list[SiteCover]:
        """The covers of ``sites`` computed: their loss rasters (the missing ones on the
        executor's workers, see :meth:`covers`) with their sectors applied."""
        t, cov = self.inputs.terrain, self.inputs.scenario.coverage
        jobs = [_jobs(site) for site in sites]
        unique = list(dict.fromkeys(job for per in jobs for job, _ in per))
        keys = {job: site_loss_key(site_terrain(t, job, cov), job, cov) for job in unique}
        if unique:
            fill_loss_cache(t, unique, keys, cov, self.cache.folder, executor or InProcess(),
                            progress or _no_progress, self.notes)
        return [self._cover(site, per, keys) for site, per in zip(sites, jobs, strict=True)]

    def cover_key(self, site: NewSite) -> str:
        """Cache key of a site's cover: its place, height and sectors (with their pattern files'
        content), the thresholds of its technologies, and what every loss and level depends on:
        the whole DEM and its land cover, the propagation settings, the receiver and the
        calibration (and the code: :meth:`~netcover.coverage.losscache.LossCache.key`)."""
        techs = sorted({str(row["technology"]) for row in site.sectors})
        return LossCache.key(self._digest, kind="fullres_cover", version=COVER_VERSION,
                             x=round(float(site.x), 3), y=round(float(site.y), 3),
                             height_m=float(site.height_m), sectors=sectors_digest(site.sectors),
                             thresholds=[[tech, self.threshold_dbm(tech)] for tech in techs])

    def _cover(self, site: NewSite, jobs: list[tuple[LossJob, list[pd.Series]]],
               keys: dict[LossJob, str]) -> SiteCover:
        """One site's covered window: the union of its bands' windows."""
        t, cov = self.inputs.terrain, self.inputs.scenario.coverage
        parts = []
        for job, rows in jobs:
            loss = grid_loss(t, job, cov, self.cache, self.notes, keys[job])
            hit = np.zeros(loss.loss_db.shape, dtype=bool)
            for row, level in zip(rows, self.apply.levels(site.x, site.y, site.height_m, loss, rows),
                                  strict=True):
                hit |= level >= self.threshold_dbm(str(row["technology"]))  # NaN: not covered
            parts.append(SiteCover(hit, loss.row_off, loss.col_off))
        return _union(parts)

    def gain(self, cover: SiteCover, open_cells: np.ndarray) -> Gain:
        """People the site newly covers where ``open_cells`` (bool, the whole grid) are true."""
        hit = cover.covered & open_cells[cover.window]
        if not hit.any():
            return Gain(np.zeros(0, dtype=np.int64), np.zeros(0))
        people = (self.counts * self.overlap.window_share(hit, cover.row_off, cover.col_off)).ravel()
        cells = np.flatnonzero(people > 0)
        return Gain(cells, people[cells])

    def gains_in_order(self, covers: Sequence[SiteCover], open_cells: np.ndarray) -> list[Gain]:
        """Each site's people beyond ``open_cells``' baseline and the sites before it."""
        still = open_cells.copy()
        out = []
        for cover in covers:
            out.append(self.gain(cover, still))
            still[cover.window] &= ~cover.covered
        return out

    def greedy_order(self, covers: Sequence[SiteCover], open_cells: np.ndarray) -> list[int]:
        """The sites' order by full-resolution people added: at each step the site adding the
        most people beyond ``open_cells``' baseline and the sites before it (the first on a tie)."""
        return self.greedy(covers, open_cells)[0]

    def greedy(self, covers: Sequence[SiteCover], open_cells: np.ndarray
               ) -> tuple[list[int], list[Gain]]:
        """:meth:`greedy_order` and each site's gain in that order (as :meth:`gains_in_order` of
        the sites in that order gives them).

        Incremental and exact: a site's gain changes only when a chosen site's window meets its
        own, and gains only fall, so a gain made before is an upper bound; the site on top of the
        bounds (the most people, then the lowest index) is taken once its gain is up to date.
        """
        still = open_cells.copy()
        gains: dict[int, Gain] = {k: self.gain(c, still) for k, c in enumerate(covers)}
        fresh = set(gains)
        heap = [(-g.total, k) for k, g in gains.items()]
        heapq.heapify(heap)
        order: list[int] = []
        while heap:
            _, k = heapq.heappop(heap)
            if k not in fresh:
                gains[k] = self.gain(covers[k], still)
                fresh.add(k)
                heapq.heappush(heap, (-gains[k].total, k))
                continue
            order.append(k)
            fresh.discard(k)
            still[covers[k].window] &= ~covers[k].covered
            fresh -= {j for j in fresh if _meet(covers[j], covers[k])}
        return order, [gains[k] for k in order]

    def outline(self, cover: SiteCover) -> object:
        """The covered cells as one (multi)polygon in the working CRS (empty if none)."""
        import shapely
        from rasterio.features import shapes
        from rasterio.windows import Window
        from rasterio.windows import transform as window_transform

        rows, cols = cover.covered.shape
        where = window_transform(Window(cover.col_off, cover.row_off, cols, rows),
                                 self.coverage.transform)
        parts = [shapely.geometry.shape(g) for g, _ in shapes(cover.covered.astype("uint8"),
                                                              mask=cover.covered, transform=where)]
        return shapely.union_all(parts) if parts else shapely.Polygon()


def population_cells(pop: PopulationGrid, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Flat indices on the population grid of the cells holding points ``x``, ``y`` (-1 outside
    the grid): where :attr:`Gain.cells` are looked up."""
    tr, (rows, cols) = pop.transform, pop.counts.shape
    c = np.floor((np.asarray(x) - tr.c) / tr.a).astype(np.int64)
    r = np.floor((np.asarray(y) - tr.f) / tr.e).astype(np.int64)
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    return np.where(ok, r * cols + c, -1)


def _jobs(site: NewSite) -> list[tuple[LossJob, list[pd.Series]]]:
    """One loss computation per band of the site, with the sectors on it."""
    bands: dict[float, list[pd.Series]] = {}
    for row in site.sectors:
        bands.setdefault(float(row["frequency_mhz"]), []).append(row)
    return [(LossJob(site.site_id, float(site.x), float(site.y), float(site.height_m), f, ()), rows)
            for f, rows in sorted(bands.items())]


def _meet(a: SiteCover, b: SiteCover) -> bool:
    """Whether the windows of two covers share a cell."""
    (ar, ac), (br, bc) = a.window, b.window
    return ar.start < br.stop and br.start < ar.stop and ac.start < bc.stop and bc.start < ac.stop


def _read_cover(cache: LossCache, key: str) -> SiteCover | None:
    """A cover kept by :func:`_write_cover` (None: not there, or not one)."""
    found = cache.get_arrays(key)
    if found is None or not {"packed", "shape", "offset"} <= set(found):
        return None
    rows, cols = (int(v) for v in found["shape"])
    covered = np.unpackbits(found["packed"], count=rows * cols).reshape(rows, cols).astype(bool)
    return SiteCover(covered, int(found["offset"][0]), int(found["offset"][1]))


def _write_cover(cache: LossCache, key: str, cover: SiteCover) -> None:
    """Keep a cover in the cache, its cells packed eight to a byte."""
    cache.put_arrays(key, {"packed": np.packbits(cover.covered.ravel()),
                           "shape": np.array(cover.covered.shape, dtype=np.int64),
                           "offset": np.array([cover.row_off, cover.col_off], dtype=np.int64)})


def _union(parts: list[SiteCover]) -> SiteCover:
    """The covered cells of several windows on one grid, in the box holding them all."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return SiteCover(np.zeros((0, 0), dtype=bool), 0, 0)
    r0, c0 = min(p.row_off for p in parts), min(p.col_off for p in parts)
    r1 = max(p.row_off + p.covered.shape[0] for p in parts)
    c1 = max(p.col_off + p.covered.shape[1] for p in parts)
    out = np.zeros((r1 - r0, c1 - c0), dtype=bool)
    for p in parts:
        rows, cols = p.covered.shape
        out[p.row_off - r0:p.row_off - r0 + rows, p.col_off - c0:p.col_off - c0 + cols] |= p.covered
    return SiteCover(out, r0, c0)


def _no_progress(items: Sequence[LossJob], _label: str) -> Sequence[LossJob]:
    return items
