"""Coverage of candidate sites, on a screening grid, as a sparse demand-by-candidate matrix.

A candidate's coverage comes from the coverage engine (same propagation model, receiver and class
thresholds as the scenario; the plan's antenna from :class:`SitingSettings`), computed on a
*screening* DEM: the scenario's DEM block-averaged onto the population grid (100 m on the sample),
so that one loss raster costs about 0.03 s instead of about 1 s on the 30 m DEM at 15 km, and
demand cells and coverage cells coincide. A land-cover layer is coarsened with it (class: mode;
clutter height: mean) and used as the coverage engine uses it. A candidate covers a demand cell
when its best sector's level there reaches the usable class of the plan's technology.

:func:`coverage_matrix` evaluates each candidate on the demand cells only (each cell exactly as on
the whole grid: about a quarter of the CPU of a whole footprint on the sample), keeps the footprints
in the loss cache folder (:mod:`netcover.siting.footprints`: a re-run computes none) and farms the
rest out to an executor whose workers receive the screening grid once (a long-lived
:class:`~netcover.core.parallel.ProcessPool` keeps it for the next call on the same grid).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from affine import Affine

from netcover.config.radio import default_thresholds
from netcover.config.scenario import Scenario
from netcover.config.sections import CoverageSettings
from netcover.config.siting import SitingSettings
from netcover.core.executor import Executor
from netcover.core.parallel import InProcess
from netcover.coverage.engine import Progress
from netcover.coverage.losscache import CachedLoss, LossCache, grid_fingerprint
from netcover.coverage.losses import terminal_loss
from netcover.coverage.schedule import recorded_warnings
from netcover.coverage.sectors import SectorLevels
from netcover.data.terrain import Terrain
from netcover.errors import InputError
from netcover.radio.area import site_loss_grid
from netcover.siting.footprints import FootprintStore, footprint_cache, near_cells

__all__ = [
    "PARALLEL_MIN", "CandidateJob", "DemandLookup", "Footprint", "Screening", "coverage_matrix", "footprint",
    "screening",
]


@dataclass(frozen=True)
class Screening:
    """The grid and the radio model candidates are evaluated with.

    Attributes
    ----------
    terrain : Terrain
        The block-averaged DEM (no holes; cells outside the source DEM hold the nearest height).
    inside : numpy.ndarray
        bool grid: cells whose centre lies on the source DEM.
    coverage : CoverageSettings
        The scenario's propagation settings with the screening radius.
    threshold_dbm : float
        Level at which a cell counts as covered (usable class of the plan's technology).
    """

    terrain: Terrain
    inside: np.ndarray
    coverage: CoverageSettings
    threshold_dbm: float
    levels: SectorLevels

    @property
    def transform(self) -> Affine:
        """The grid's affine transform."""
        return self.terrain.transform


@dataclass(frozen=True)
class Footprint:
    """Cells of the screening grid one site covers: a boolean window and its offset."""

    covered: np.ndarray
    row_off: int
    col_off: int

    def flat_indices(self, n_cols: int) -> np.ndarray:
        """Flat (row * n_cols + col) indices of the covered cells on the whole grid."""
        rr, cc = np.nonzero(self.covered)
        return (rr + self.row_off) * n_cols + (cc + self.col_off)


def screening(scenario: Scenario, dem: Terrain, like: Affine, shape: tuple[int, int],
              settings: SitingSettings) -> Screening:
    """Block-average ``dem`` onto the cells of the grid ``like`` (or of a ``screening_cell_m`` grid).

    The screening grid covers the whole DEM whatever the extent of ``like``/``shape`` (the
    population grid): candidates anywhere on the DEM are evaluated, and a population raster
    smaller than the DEM only limits where demand is.
    """
    from rasterio.warp import Resampling, reproject
    from scipy.ndimage import distance_transform_edt

    if settings.screening_cell_m > 0 and not np.isclose(settings.screening_cell_m, like.a):
        size = settings.screening_cell_m
        left, bottom, right, top = dem.bounds
        shape = (int(np.ceil((top - bottom) / size)), int(np.ceil((right - left) / size)))
        like = Affine(size, 0, left, 0, -size, top)
    else:
        like, shape = _aligned_over(dem.bounds, like)
    out = np.full(shape, np.nan, dtype=np.float32)
    reproject(dem.heights, out, src_transform=dem.transform, src_crs=dem.crs, dst_transform=like,
              dst_crs=dem.crs, resampling=Resampling.average, src_nodata=np.nan, dst_nodata=np.nan)
    inside = np.isfinite(out)
    if not inside.any():
        msg = "the population grid does not overlap the DEM; check both files' extent and CRS"
        raise InputError(msg)
    layers = _coarse_landcover(dem, like, shape, footprint_cache(scenario))
    if not inside.all():
        idx = distance_transform_edt(~inside, return_distances=False, return_indices=True)
        out = out[tuple(idx)]
        layers = {k: v[tuple(idx)] for k, v in layers.items()}
    terrain = Terrain(out, like, dem.crs, clutter_m=layers.get("clutter_m"),
                      landcover=layers.get("landcover"),
                      landcover_classes=dem.landcover_classes if layers else None)
    cov = scenario.coverage
    if settings.screening_radius_km > 0:
        cov = dataclasses.replace(cov, radius_km=settings.screening_radius_km)
    thresholds = scenario.thresholds.get(settings.technology) or default_thresholds(
        settings.technology)
    return Screening(terrain, inside, cov, thresholds.bound(settings.usable_class),
                     SectorLevels(terrain, cov, scenario.receiver, calibration=scenario.calibration))


def _coarse_landcover(dem: Terrain, like: Affine, shape: tuple[int, int],
                      cache: LossCache) -> dict[str, np.ndarray]:
    """The DEM's land cover on the screening grid: each cell's class is the mode of the DEM cells'
    classes in it (the class a receiver there most likely stands in), its clutter height the mean
    of theirs (a half-forested 100 m cell is a lower canopy, not a full one nor open ground).
    Empty without land cover. Kept in ``cache`` under a key of the layers and both grids."""
    if dem.landcover is None or dem.clutter_m is None or dem.landcover_classes is None:
        return {}
    key = LossCache.key(
        grid_fingerprint(dem.clutter_m, dem), kind="screening_landcover",
        version=_LANDCOVER_VERSION, to=[*tuple(like)[:6], *shape],
        landcover=hashlib.sha256(np.ascontiguousarray(dem.landcover, dtype=np.int16)
                                 .tobytes()).hexdigest(),
        classes=dem.landcover_classes.fingerprint())
    kept = cache.kept_arrays(key, ["landcover", "clutter_m"],
                             lambda: _coarsened_landcover(dem, like, shape))
    return {"landcover": np.array(kept["landcover"], dtype=np.int16),
            "clutter_m": np.array(kept["clutter_m"], dtype=np.float32)}


#: Bump when :func:`_coarsened_landcover` changes.
_LANDCOVER_VERSION = "1"


def _coarsened_landcover(dem: Terrain, like: Affine, shape: tuple[int, int]
                         ) -> dict[str, np.ndarray]:
    """:func:`_coarse_landcover` computed (the DEM has land cover)."""
    from rasterio.warp import Resampling, reproject

    assert dem.landcover is not None and dem.clutter_m is not None
    assert dem.landcover_classes is not None
    codes = np.full(shape, -1, dtype=np.int16)
    reproject(dem.landcover, codes, src_transform=dem.transform, src_crs=dem.crs,
              dst_transform=like, dst_crs=dem.crs, resampling=Resampling.mode, src_nodata=-1,
              dst_nodata=-1)
    clutter = np.full(shape, np.nan, dtype=np.float32)
    reproject(dem.clutter_m, clutter, src_transform=dem.transform, src_crs=dem.crs,
              dst_transform=like, dst_crs=dem.crs, resampling=Resampling.average,
              src_nodata=np.nan, dst_nodata=np.nan)
    nodata = dem.landcover_classes.nodata_code
    codes = np.where(codes < 0, np.int16(nodata), codes).astype(np.int16)
    return {"landcover": codes, "clutter_m": np.nan_to_num(clutter, nan=0.0).astype(np.float32)}


def _aligned_over(bounds: tuple[float, float, float, float],
                  like: Affine) -> tuple[Affine, tuple[int, int]]:
    """The grid of ``like``'s cells (same size and alignment) that covers ``bounds``."""
    left, bottom, right, top = bounds
    w, h = like.a, -like.e
    tol = 1e-6
    x0 = like.c + np.floor((left - like.c) / w + tol) * w
    y0 = like.f - np.floor((like.f - top) / h + tol) * h
    cols = int(np.ceil((right - x0) / w - tol))
    rows = int(np.ceil((y0 - bottom) / h - tol))
    return Affine(w, 0, x0, 0, -h, y0), (rows, cols)


def footprint(screen: Screening, x: float, y: float, height_m: float,
              sectors: Sequence[pd.Series], *, cells: np.ndarray | None = None) -> Footprint:
    """Cells where the best of ``sectors`` (one mast at x, y) reaches the usable level.

    ``cells`` (bool, the screening grid's shape): evaluate only those cells (e.g. the demand
    cells, :attr:`DemandLookup.mask`); the others count as not covered and the window shrinks to
    the cells evaluated. A cell gets the same answer as without ``cells``.
    """
    t, cov = screen.terrain, screen.coverage
    freq = float(sectors[0]["frequency_mhz"])
    with recorded_warnings():  # Hata validity: reported by the coverage step already (dropped)
        sl = site_loss_grid(t.heights, t.origin_xy, t.cell_size, (x, y), height_m, cov.rx_height_m,
                            freq, cov.radius_km * 1000.0, model=cov.model, delta_n=cov.delta_n, n0=cov.n0,
                            pol=cov.polarization, hata_environment=cov.hata_environment,
                            clutter_m=t.clutter_m, diffraction=cov.diffraction, cells=cells)
    raw, row_off, col_off = sl.loss_db, sl.row_off, sl.col_off
    if cells is not None:
        raw, row_off, col_off = _finite_window(raw, row_off, col_off)
        if raw.size == 0:
            return Footprint(np.zeros((0, 0), dtype=bool), row_off, col_off)
    extra = terminal_loss(t, row_off, col_off, raw.shape, freq, cov)
    loss = CachedLoss(raw + extra, row_off, col_off)
    best = np.full_like(raw, -np.inf, dtype=np.float32)
    for level in screen.levels.levels(x, y, height_m, loss, sectors):
        np.fmax(best, level, out=best)
    rows, cols = raw.shape
    inside = screen.inside[row_off:row_off + rows, col_off:col_off + cols]
    return Footprint((best >= screen.threshold_dbm) & inside, row_off, col_off)


def _finite_window(loss: np.ndarray, row_off: int, col_off: int) -> tuple[np.ndarray, int, int]:
    """The smallest window of ``loss`` holding all its finite cells (empty if none)."""
    finite = np.isfinite(loss)
    rows, cols = np.flatnonzero(finite.any(axis=1)), np.flatnonzero(finite.any(axis=0))
    if rows.size == 0:
        return loss[:0, :0], row_off, col_off
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return loss[r0:r1, c0:c1], row_off + int(r0), col_off + int(c0)


class DemandLookup:
    """Maps screening cells to the demand rows whose centre falls in them."""

    def __init__(self, screen: Screening, x: np.ndarray, y: np.ndarray):
        t = screen.terrain
        rows, cols = t.shape
        c = np.floor((np.asarray(x) - t.transform.c) / t.cell_size).astype(np.int64)
        r = np.floor((t.transform.f - np.asarray(y)) / t.cell_size).astype(np.int64)
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        flat = np.where(ok, r * cols + c, rows * cols)  # outside: a bucket no window reaches
        self.order = np.argsort(flat, kind="stable")
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(flat, minlength=rows * cols + 1))])
        self.n_cols = cols
        self.n_demand = len(flat)
        #: Flat indices of the screening cells holding demand (sorted).
        self.cells = np.flatnonzero(np.diff(self.indptr)[:-1])
        self.shape = (rows, cols)

    @property
    def mask(self) -> np.ndarray:
        """bool grid: the screening cells holding demand."""
        out = np.zeros(self.shape[0] * self.shape[1], dtype=bool)
        out[self.cells] = True
        return out.reshape(self.shape)

    def rows_of(self, fp: Footprint) -> np.ndarray:
        """Demand rows covered by a footprint (sorted)."""
        return self.rows_at(fp.flat_indices(self.n_cols))

    def rows_at(self, flat: np.ndarray) -> np.ndarray:
        """Demand rows in the screening cells of flat indices ``flat`` (sorted)."""
        flat = np.asarray(flat, dtype=np.int64)
        starts = self.indptr[flat]
        lens = self.indptr[flat + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        pos = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens) + np.repeat(starts, lens)
        return np.sort(self.order[pos])


def coverage_matrix(screen: Screening, lookup: DemandLookup, x: np.ndarray, y: np.ndarray,
                    height_m: np.ndarray, sectors: Sequence[Sequence[pd.Series]],
                    progress: Progress | None = None, *,
                    executor: Executor | None = None, cache: LossCache | None = None,
                    label: str = "Candidates", counts: dict[str, int] | None = None
                    ) -> sp.csc_array:
    """Boolean (n_demand, n_candidates) matrix: candidate j covers demand row i.

    ``sectors[j]`` are candidate j's sector rows (e.g. ``[plan_sectors(settings)] * n``). Only the
    demand cells are evaluated (:func:`footprint` with ``cells``), each as on the whole grid.

    With a ``cache`` (:func:`~netcover.siting.footprints.footprint_cache`), footprints found there
    are read back and those computed are stored
    (:class:`~netcover.siting.footprints.FootprintStore`); ``counts``, if given, receives how many
    were ``cached`` and ``computed``. With an ``executor`` of more than one worker and at least
    :data:`PARALLEL_MIN` footprints to compute, its workers share them (the screening grid and the
    demand lookup travel once per worker); otherwise, or with None, they are computed here.
    ``progress(items, label)`` sees the footprints computed, one item each. A script using a
    process pool or a local Dask cluster needs the ``if __name__ == "__main__":`` guard (spawned
    workers re-import ``__main__``).
    """
    n = len(x)
    store = FootprintStore(cache or LossCache(None), screen)
    needed = [near_cells(lookup.cells, screen, float(x[j]), float(y[j])) for j in range(n)]
    keys = [store.key(x[j], y[j], height_m[j], sectors[j]) for j in range(n)] if store.digest else []
    covered: list[np.ndarray | None] = [None] * n
    joint = ""
    if keys:
        joint, covered = store.get_all(keys, needed)
    todo = [j for j in range(n) if covered[j] is None]
    jobs = [(float(x[j]), float(y[j]), float(height_m[j]), list(sectors[j])) for j in todo]
    for j, cells in zip(todo, _computed_cells(screen, lookup, jobs, executor, progress, label),
                        strict=True):
        covered[j] = cells
        if keys:
            store.put(keys[j], needed[j], cells)
    store.put_all(joint, covered)  # kept together for the next run (unless read so)
    if counts is not None:
        counts.update(cached=store.cached, computed=len(todo))
    return _matrix(lookup, covered)


def _matrix(lookup: DemandLookup, covered: list[np.ndarray | None]) -> sp.csc_array:
    """The boolean csc matrix of the demand rows in the covered cells of each candidate."""
    cols = [lookup.rows_at(c) for c in covered if c is not None]
    if len(cols) != len(covered):
        msg = "a candidate's footprint was neither read nor computed"
        raise RuntimeError(msg)
    lengths = np.array([len(c) for c in cols], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(len(indices), dtype=bool)
    return sp.csc_array((data, indices, indptr), shape=(lookup.n_demand, len(cols)))


#: Fewest footprints to compute for which :func:`coverage_matrix` farms them out to the executor.
PARALLEL_MIN = 32

#: One candidate: x, y, mast height and its sector rows.
CandidateJob = tuple[float, float, float, list[pd.Series]]


def _init_worker(screen: Screening, lookup: DemandLookup) -> dict[str, Any]:
    return {"screen": screen, "lookup": lookup, "mask": lookup.mask}


def _worker_cells(state: dict[str, Any], job: CandidateJob) -> np.ndarray:
    """Covered demand cells (sorted flat indices on the screening grid) of one candidate."""
    screen, lookup = state["screen"], state["lookup"]
    fp = footprint(screen, *job, cells=state["mask"])
    return fp.flat_indices(lookup.n_cols).astype(np.int64)


def _without_memos(screen: Screening) -> Screening:
    """``screen`` with a new :class:`SectorLevels` (without the patterns and geometry it has
    memoised): equal screenings then pickle to equal payloads, which a process pool's workers
    find already made (:class:`~netcover.core.parallel.ProcessPool`)."""
    lv = screen.levels
    return dataclasses.replace(screen, levels=SectorLevels(screen.terrain, lv.cov, lv.rx,
                                                           calibration=lv.calibration))


def _computed_cells(screen: Screening, lookup: DemandLookup, jobs: list[CandidateJob],
                    executor: Executor | None, progress: Progress | None,
                    label: str) -> Iterator[np.ndarray]:
    """Covered demand cells of each job, in order, on the executor's workers or here; progress
    advances once per job."""
    if not jobs:
        return
    if executor is None or executor.workers <= 1 or len(jobs) < PARALLEL_MIN:
        executor = InProcess()
    size = max(1, -(-len(jobs) // (executor.chunks_per_worker * executor.workers)))
    results = executor.imap(_worker_cells, jobs, setup=_init_worker,
                            setup_args=(_without_memos(screen), lookup), chunk_size=size)
    wrap = progress or (lambda items, _label: items)
    for _ in wrap(jobs, label):
        yield next(results)
    next(results, None)  # the executor sees the call end
