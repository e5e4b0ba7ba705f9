"""The coverage engine: per-site loss over the DEM, sectors applied, best server, SINR and classes.

For every distinct (site position, antenna height, frequency) the basic transmission loss is
computed once on the DEM grid within the radius (or read from the :mod:`~netcover.losscache`), without
the antenna; each sector then applies its pattern, tilt and link budget to that loss and is folded
into a :class:`~netcover.radio.ServerAccumulator` per operator and technology (users of one operator
are served by its cells only; 4G RSRP and 3G RSCP are not on one scale). The per-operator results
are then combined: the overall best server, the class per operator, and the class of the district
(the best any operator offers).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS

from . import radio
from ._geometry_kernels import fmin_into, mast_geometry, sector_level, table_axes
from .antenna import AntennaPattern, pattern_for_sector, relative_gain_db
from .config import CoverageSettings, ReceiverSettings, Scenario
from .losscache import CachedLoss, LossCache, dem_fingerprint, quantize
from .propagation.area import site_loss_grid
from .propagation.basic import effective_earth_radius_km

if TYPE_CHECKING:
    import geopandas as gpd

    from .inputs import Inputs
    from .terrain import Terrain

T = TypeVar("T")
#: Wraps an iterable to show progress: ``progress(items, label)``.
Progress = Callable[[Sequence[T], str], Iterable[T]]

CELL_COLUMNS = ("cell_id", "site_id", "operator", "technology", "frequency_mhz", "azimuth_deg",
                "mech_tilt_deg", "elec_tilt_deg", "height_m", "tx_power_dbm")


@dataclass(frozen=True)
class LossJob:
    """Cells sharing one basic transmission loss raster (same mast position, height, frequency)."""

    site_id: str
    x: float
    y: float
    height_m: float
    frequency_mhz: float
    cells: tuple[int, ...]


@dataclass
class TechnologyLayers:
    """Best-server layers of one technology over all operators, on the DEM grid."""

    level_dbm: np.ndarray
    best_cell: np.ndarray
    server_count: np.ndarray
    sinr_db: np.ndarray
    classes: np.ndarray


@dataclass
class CoverageResult:
    """Everything the engine computed, on the DEM grid (``transform``, ``crs``)."""

    transform: Affine
    crs: CRS
    cells: pd.DataFrame
    technologies: dict[str, TechnologyLayers]
    operator_classes: dict[str, np.ndarray]
    classes: np.ndarray
    min_loss_db: np.ndarray
    operator_levels: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    jobs: int = 0
    notes: list[str] = field(default_factory=list)


def loss_jobs(cells: gpd.GeoDataFrame) -> list[LossJob]:
    """Group cells (with ``x``/``y`` in metres) into loss computations, in a stable order."""
    keys = cells.assign(_i=np.arange(len(cells)))
    jobs = []
    for (sid, h, f), g in keys.groupby(["site_id", "height_m", "frequency_mhz"], sort=True):
        jobs.append(LossJob(str(sid), float(g["x"].iloc[0]), float(g["y"].iloc[0]), float(h),
                            float(f), tuple(int(i) for i in g["_i"])))
    return jobs


def compute_coverage(
    inputs: Inputs, *, cache: LossCache | None = None, progress: Progress | None = None
) -> CoverageResult:
    """Run the coverage engine on a scenario's inputs.

    Parameters
    ----------
    inputs : Inputs
        Loaded, validated inputs (cells required).
    cache : LossCache, optional
        Per-site loss cache; None computes every loss.
    progress : callable, optional
        ``progress(items, label)`` returning an iterable over ``items`` (e.g. a progress bar).

    Returns
    -------
    CoverageResult
    """
    cells = inputs.cells
    assert cells is not None, "coverage needs sites"
    sc: Scenario = inputs.scenario
    terrain = inputs.terrain
    cache = cache or LossCache(None)
    wrap = progress or (lambda items, _label: items)
    jobs = loss_jobs(cells)
    digest = dem_fingerprint(terrain.heights, tuple(terrain.transform)[:6], terrain.crs.to_wkt())
    accumulators = _accumulators(cells, terrain.shape)
    min_loss = np.full(terrain.shape, np.nan, dtype=np.float32)
    notes: list[str] = []
    apply = SectorLevels(terrain, sc.coverage, sc.receiver, cache=LossCache(cache.folder),
                         dem_digest=digest)  # its own counters: hits and misses are of losses
    for job in wrap(jobs, "Coverage (sites x bands)"):
        loss = _job_loss(terrain, job, sc.coverage, digest, cache, notes)
        fmin_into(min_loss, loss.row_off, loss.col_off, loss.loss_db)
        rows = [cells.iloc[i] for i in job.cells]
        for i, row, level in zip(job.cells, rows, apply.levels(job.x, job.y, job.height_m, loss, rows),
                                 strict=True):
            accumulators[(str(row["operator"]), str(row["technology"]))].add(
                i, job.frequency_mhz, loss.row_off, loss.col_off, level)
    result = _combine(accumulators, sc, terrain, cells)
    result.min_loss_db = min_loss
    result.cache_hits, result.cache_misses, result.jobs = cache.hits, cache.misses, len(jobs)
    result.notes = notes
    return result


def _accumulators(
    cells: gpd.GeoDataFrame, shape: tuple[int, int]
) -> dict[tuple[str, str], radio.ServerAccumulator]:
    out = {}
    for (op, tech), g in cells.groupby(["operator", "technology"], sort=True):
        freqs = sorted({float(f) for f in g["frequency_mhz"]})
        out[(str(op), str(tech))] = radio.ServerAccumulator(shape, freqs)
    return out


def _job_loss(terrain: Terrain, job: LossJob, cov: CoverageSettings, digest: str,
              cache: LossCache, notes: list[str]) -> CachedLoss:
    """The job's loss from the cache, or computed (model validity warnings go to ``notes``)."""
    params = {"x": round(job.x, 3), "y": round(job.y, 3), "height_m": job.height_m,
              "frequency_mhz": job.frequency_mhz, "model": cov.model,
              "radius_m": cov.radius_km * 1000.0, "rx_height_m": cov.rx_height_m,
              "delta_n": cov.delta_n, "polarization": cov.polarization,
              "hata_environment": cov.hata_environment if cov.model == "hata" else ""}
    key = LossCache.key(digest, **params)
    hit = cache.get(key)
    if hit is not None:
        return hit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sl = site_loss_grid(terrain.heights, terrain.origin_xy, terrain.cell_size, (job.x, job.y),
                            job.height_m, cov.rx_height_m, job.frequency_mhz,
                            cov.radius_km * 1000.0, model=cov.model, delta_n=cov.delta_n,
                            pol=cov.polarization, hata_environment=cov.hata_environment)
    for w in caught:
        notes.append(f"site {job.site_id} ({job.frequency_mhz:g} MHz): {w.message}")
    loss = CachedLoss(quantize(sl.loss_db), sl.row_off, sl.col_off)
    cache.put(key, loss)
    return loss


class SectorLevels:
    """Applies sectors (rows of a sites table) to a mast's loss window: received level per sector.

    Keeps the antenna patterns it has read and the geometry of the last mast, so sectors of one
    mast share the bearing/elevation computation. Works on any :class:`~netcover.terrain.Terrain`,
    e.g. a coarsened one for screening candidate sites.
    """

    def __init__(self, terrain: Terrain, cov: CoverageSettings, rx: ReceiverSettings, *,
                 cache: LossCache | None = None, dem_digest: str = ""):
        self.terrain, self.cov, self.rx = terrain, cov, rx
        self.cache, self.dem_digest = cache or LossCache(None), dem_digest
        self._patterns: dict[tuple[float, float, str], AntennaPattern] = {}
        self._geometry: tuple[tuple[float, ...], tuple[np.ndarray, np.ndarray]] | None = None

    def levels(self, x: float, y: float, height_m: float, loss: CachedLoss,
               sectors: Sequence[pd.Series]) -> list[np.ndarray]:
        """Level (dBm, float32, NaN where the loss is NaN) of each sector on the loss window."""
        key = (x, y, height_m, loss.row_off, loss.col_off, *loss.loss_db.shape)
        if self._geometry is None or self._geometry[0] != key:
            self._geometry = (key, self._directions(x, y, height_m, loss))
        bearing, elev_idx = self._geometry[1]
        out = []
        for row in sectors:
            pkey = (float(row["h_beamwidth_deg"]), float(row["v_beamwidth_deg"]),
                    str(row.get("pattern_file", "") or ""))
            if pkey not in self._patterns:
                self._patterns[pkey] = pattern_for_sector(*pkey[:2], pkey[2] or None)
            out.append(sector_level(loss.loss_db, bearing, elev_idx,
                                    _gain_table(self._patterns[pkey], row),
                                    _fixed_budget_db(row, self.rx)))
        return out

    def _directions(self, x: float, y: float, height_m: float,
                    loss: CachedLoss) -> tuple[np.ndarray, np.ndarray]:
        """Bearing and gain-table row of every cell of the window (cached like losses)."""
        t = self.terrain
        rows, cols = loss.loss_db.shape
        r0, c0 = loss.row_off, loss.col_off
        key = LossCache.key(self.dem_digest, kind="geometry", x=round(x, 3), y=round(y, 3),
                            height_m=height_m, rx_height_m=self.cov.rx_height_m,
                            delta_n=self.cov.delta_n, window=[r0, c0, rows, cols])
        found = self.cache.get_layers(key, 2) if self.dem_digest else None
        if found is not None:
            return found[0][0], found[0][1]
        ground = np.ascontiguousarray(t.heights[r0:r0 + rows, c0:c0 + cols])
        left, top = t.origin_xy
        site_row = (top - y) / t.cell_size - 0.5 - r0
        site_col = (x - left) / t.cell_size - 0.5 - c0
        site_amsl = float(t.sample(np.array([x]), np.array([y]))[0]) + height_m
        ae_m = effective_earth_radius_km(self.cov.delta_n) * 1000.0
        bearing, elev_row = mast_geometry(ground, site_row, site_col, site_amsl,
                                          self.cov.rx_height_m, t.cell_size, ae_m)
        bearing, elev_row = quantize(bearing), quantize(elev_row)
        if self.dem_digest:
            self.cache.put_layers(key, [bearing, elev_row], r0, c0)
        return bearing, elev_row


def _gain_table(pattern: AntennaPattern, row: pd.Series) -> np.ndarray:
    """The sector's relative gain (dB) on the nodes of :func:`table_axes` (elevation x bearing)."""
    bearings, elevations = table_axes()
    return relative_gain_db(pattern, bearings[None, :], elevations[:, None],
                            azimuth_deg=float(row["azimuth_deg"]),
                            mech_tilt_deg=float(row["mech_tilt_deg"]),
                            elec_tilt_deg=float(row["elec_tilt_deg"])).astype(np.float32)


def _fixed_budget_db(row: pd.Series, rx: ReceiverSettings) -> float:
    """Reference power + antenna gain + receiver gain - feeder and body losses (dBm)."""
    ref = radio.cell_reference_power_dbm(str(row["technology"]), float(row["tx_power_dbm"]),
                                         float(row["bandwidth_mhz"]),
                                         pilot_fraction_db=rx.pilot_fraction_db)
    return float(radio.received_level_dbm(ref, float(row["antenna_gain_dbi"]), 0.0, 0.0,
                                          rx_gain_dbi=rx.gain_dbi,
                                          feeder_loss_db=rx.tx_feeder_loss_db,
                                          body_loss_db=rx.body_loss_db))


def _classes(level: np.ndarray, sc: Scenario, tech: str) -> np.ndarray:
    thresholds = sc.thresholds.get(tech) or radio.default_thresholds(tech)
    cls = radio.classify(level, thresholds)
    return np.where(cls == radio.CoverageClass.NODATA, np.uint8(0), cls).astype(np.uint8)


def _combine(accumulators: dict[tuple[str, str], radio.ServerAccumulator], sc: Scenario,
             terrain: Terrain, cells: gpd.GeoDataFrame) -> CoverageResult:
    shape = terrain.shape
    technologies: dict[str, TechnologyLayers] = {}
    operator_classes: dict[str, np.ndarray] = {}
    operator_levels: dict[tuple[str, str], np.ndarray] = {}
    for tech in sorted({t for _, t in accumulators}):
        members = [(op, acc) for (op, t), acc in accumulators.items() if t == tech]
        levels = np.stack([acc.best_level_dbm() for _, acc in members])
        filled = np.where(np.isnan(levels), -np.inf, levels)
        winner = np.argmax(filled, axis=0)
        pick = winner[None]
        level = np.take_along_axis(levels, pick, 0)[0]
        noise = radio.reference_noise_dbm(tech, sc.receiver.noise_figure_db,
                                          pilot_fraction_db=sc.receiver.pilot_fraction_db)
        stack_cell = np.stack([acc.best_cell() for _, acc in members])
        stack_count = np.stack([acc.server_count() for _, acc in members])
        stack_sinr = np.stack([acc.sinr_db(noise) for _, acc in members])
        technologies[tech] = TechnologyLayers(
            level_dbm=level,
            best_cell=np.take_along_axis(stack_cell, pick, 0)[0],
            server_count=np.take_along_axis(stack_count, pick, 0)[0],
            sinr_db=np.take_along_axis(stack_sinr, pick, 0)[0],
            classes=_classes(level, sc, tech),
        )
        for k, (op, _acc) in enumerate(members):
            operator_levels[(op, tech)] = levels[k]
            cls = _classes(levels[k], sc, tech)
            prev = operator_classes.get(op)
            operator_classes[op] = cls if prev is None else np.maximum(prev, cls)
    overall = np.zeros(shape, dtype=np.uint8)
    for cls in operator_classes.values():
        overall = np.maximum(overall, cls)
    table = pd.DataFrame(cells[[c for c in CELL_COLUMNS if c in cells.columns]]).reset_index(drop=True)
    table.insert(0, "index", np.arange(len(table)))
    return CoverageResult(terrain.transform, terrain.crs, table, technologies, operator_classes,
                          overall, np.full(shape, np.nan, dtype=np.float32), operator_levels)
