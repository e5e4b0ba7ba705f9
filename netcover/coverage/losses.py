"""Per-site loss jobs: the basic transmission loss of each mast position, height and band, and its key.

For every distinct (site position, antenna height, frequency) the basic transmission loss is
computed once on the DEM grid within the radius (or read from the
:mod:`~netcover.coverage.losscache`), without the antenna (with a land-cover layer on the terrain:
its clutter heights in the P.1812 profiles and the receiver's clutter loss of its class, see
:func:`terminal_loss`): one :class:`LossJob` each (:func:`loss_jobs`), computed on its window of the
DEM (:func:`site_terrain`) and cached under a key of that window and of the propagation settings
(:func:`site_loss_key`).

With a cache, each job's loss key is remembered under a digest of the whole terrain
(:func:`terrain_digest`, :func:`cached_loss_keys`), and with an executor of more than one worker
the losses missing from the cache are computed by its workers (:func:`fill_loss_cache`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.config.sections import CoverageSettings
from netcover.core.executor import Executor
from netcover.coverage.losscache import CachedLoss, LossCache, dem_fingerprint, grid_fingerprint, quantize
from netcover.coverage.patch import Box
from netcover.coverage.schedule import Progress, map_threads, recorded_warnings, thread_count
from netcover.data.window import disc_window
from netcover.radio.area import site_loss_grid
from netcover.radio.p2108 import landcover_terminal_loss

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.terrain import Terrain

__all__ = [
    "LossJob", "cached_loss_keys", "fill_loss_cache", "grid_loss", "hashed_loss_keys", "job_loss",
    "job_windows", "loss_jobs", "p2108_terminal_loss", "site_loss_key", "site_terrain",
    "terminal_loss", "terrain_digest",
]


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


def site_terrain(terrain: Terrain, job: LossJob, cov: CoverageSettings) -> Terrain:
    """The window of ``terrain`` a job's loss is computed on (a view, see :func:`disc_window`)."""
    r0, c0, rows, cols = disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                                     terrain.shape, job.x, job.y, cov.radius_km * 1000.0)
    return terrain.window(r0, c0, rows, cols)


def job_windows(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings) -> dict[LossJob, Box]:
    """Each job's window on the grid (:func:`site_terrain`): where its loss may have values."""
    return {job: disc_window(terrain.index_origin, terrain.cell_size, terrain.offset,
                             terrain.shape, job.x, job.y, cov.radius_km * 1000.0) for job in jobs}


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


def cached_loss_keys(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings, side: LossCache,
                     whole: str, threads: int | None) -> dict[LossJob, str]:
    """Each job's loss key (:func:`site_loss_key`), remembered in the cache under a key of the
    whole terrain (every layer), the jobs and the settings: a warm run hashes the grid once
    instead of every job's window (about 1 s on the sample). ``whole``: :func:`terrain_digest`."""
    memo = LossCache.key(whole, kind="loss_keys", settings=repr(cov),
                         jobs=[[j.x, j.y, j.height_m, j.frequency_mhz] for j in jobs])
    stored = side.get_arrays(memo)
    if stored is not None and stored["keys"].shape == (len(jobs),):
        return dict(zip(jobs, (str(k) for k in stored["keys"]), strict=True))
    keys = hashed_loss_keys(terrain, jobs, cov, threads)
    side.put_arrays(memo, {"keys": np.array(keys, dtype="U32")})
    return dict(zip(jobs, keys, strict=True))


def hashed_loss_keys(terrain: Terrain, jobs: list[LossJob], cov: CoverageSettings,
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
