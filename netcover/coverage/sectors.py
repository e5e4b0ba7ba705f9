"""Applying sectors to a mast's loss: antenna pattern, tilt and link budget on every cell.

Each sector's gain is tabulated over bearing and (asinh-spaced) elevation from the exact pattern
(:func:`netcover.radio.antenna.relative_gain_db`), then looked up for every cell of the window together
with the link budget in one numba pass (:func:`netcover.coverage._geometry_kernels.sector_level`): much
faster than evaluating the rotated 3-D pattern per cell, within 0.3 dB of it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.calibration import Calibration
from netcover.config.nr import cell_scs_khz
from netcover.config.scenario import Scenario
from netcover.config.sections import CoverageSettings, ReceiverSettings
from netcover.coverage._geometry_kernels import (
    BEARING_STEP_DEG,
    ELEVATION_SCALE_DEG,
    ELEVATION_STEP_T,
    mast_geometry,
    sector_level,
    table_axes,
)
from netcover.coverage.losscache import CachedLoss, LossCache, quantize
from netcover.errors import ModelError
from netcover.radio import budget as radio
from netcover.radio.antenna import AntennaPattern, relative_gain_db
from netcover.radio.basic import effective_earth_radius_km
from netcover.radio.msi import pattern_for_sector
from netcover.radio.servers import ServerAccumulator

if TYPE_CHECKING:
    from netcover.data.terrain import Terrain

__all__ = ["SECTOR_COLUMNS", "SectorLevels", "TabulatedLevels", "carrier_noise_dbm",
           "fixed_budget_db", "gain_table", "nr_key_part", "reference_noise", "sector_scs_khz"]

#: Sector columns that decide a sector's gain table and fixed link budget.
_TABLE_COLUMNS = ("h_beamwidth_deg", "v_beamwidth_deg", "pattern_file", "azimuth_deg",
                  "mech_tilt_deg", "elec_tilt_deg", "technology", "tx_power_dbm", "bandwidth_mhz",
                  "antenna_gain_dbi")
#: Sector columns that turn its antenna pattern (:func:`gain_table`).
_ANGLE_COLUMNS = ("azimuth_deg", "mech_tilt_deg", "elec_tilt_deg")
#: Sector columns that change a sector's levels (besides the mast and the loss).
SECTOR_COLUMNS = ("operator", "technology", "frequency_mhz", "bandwidth_mhz", "tx_power_dbm",
                  "antenna_gain_dbi", "azimuth_deg", "mech_tilt_deg", "elec_tilt_deg",
                  "h_beamwidth_deg", "v_beamwidth_deg", "pattern_file")


@dataclass(frozen=True)
class TabulatedLevels:
    """The levels of a mast's sectors on a loss window, before any calibration, as what they are
    made of: level = ``fixed_db[s]`` + the gain of ``tables[s]`` at each cell's bearing and
    elevation row - ``loss_db`` (:func:`~netcover.coverage._geometry_kernels.sector_level`)."""

    loss_db: np.ndarray
    bearing_deg: np.ndarray
    elevation_row: np.ndarray
    tables: list[np.ndarray]
    fixed_db: list[float]

    def levels(self) -> list[np.ndarray]:
        """Each sector's level window (dBm, float32, NaN where the loss is NaN)."""
        return [sector_level(self.loss_db, self.bearing_deg, self.elevation_row, table, fixed)
                for table, fixed in zip(self.tables, self.fixed_db, strict=True)]

    def add_to(self, acc: ServerAccumulator, cells: Sequence[int], frequency_mhz: float,
               row_off: int, col_off: int) -> None:
        """Add the sectors (as the accumulator's cells ``cells``) to ``acc`` at the window's place:
        the same as adding each of :meth:`levels` in turn, bit for bit, without making them."""
        if not self.tables:
            return
        acc.add_tabulated(cells, frequency_mhz, row_off, col_off, self.loss_db, self.bearing_deg,
                          self.elevation_row, np.stack(self.tables), self.fixed_db,
                          bearing_step_deg=BEARING_STEP_DEG)


#: Masts whose geometry a :class:`SectorLevels` keeps (a few per thread).
_MASTS_KEPT = 4


class _Geometry:
    """One mast's bearing and elevation rows, made by the first thread that asks."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: tuple[np.ndarray, np.ndarray] | None = None


class SectorLevels:
    """Applies sectors (rows of a sites table) to a mast's loss window: received level per sector.

    Keeps the antenna patterns it has read and the geometry of the last few masts, so sectors of
    one mast share the bearing/elevation computation. Works on any
    :class:`~netcover.data.terrain.Terrain`, e.g. a coarsened one for screening candidate sites.
    Threads may share one: each mast's geometry is computed once, whichever thread asks first.

    ``tables`` bounds the sector gain tables kept (260 kB each; the least recently used go
    first; None keeps all): a run that applies each sector once needs few.
    """

    def __init__(self, terrain: Terrain, cov: CoverageSettings, rx: ReceiverSettings, *,
                 cache: LossCache | None = None, dem_digest: str = "",
                 calibration: Mapping[str, Calibration] | None = None,
                 tables: int | None = None):
        self.terrain, self.cov, self.rx = terrain, cov, rx
        self.cache, self.dem_digest = cache or LossCache(None), dem_digest
        self.calibration = dict(calibration or {})
        self._patterns: dict[tuple[float, float, str], AntennaPattern] = {}
        self._sectors: OrderedDict[tuple[str, ...], tuple[np.ndarray, float]] = OrderedDict()
        self._tables = tables
        self._geometry: OrderedDict[tuple[float, ...], _Geometry] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its lock and mast memo (it travels to worker processes)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_geometry")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._geometry = OrderedDict()
        self._lock = threading.Lock()

    def on(self, terrain: Terrain) -> SectorLevels:
        """The same settings, patterns and gain tables on another terrain (the next tile)."""
        other = SectorLevels(terrain, self.cov, self.rx, calibration=self.calibration,
                             tables=self._tables)
        other._patterns, other._sectors = self._patterns, self._sectors
        return other

    def levels(self, x: float, y: float, height_m: float, loss: CachedLoss,
               sectors: Sequence[pd.Series], *, ground_m: float | None = None,
               clip: tuple[slice, slice] | None = None) -> list[np.ndarray]:
        """Level (dBm, float32, NaN where the loss is NaN) of each sector on the loss window.

        A calibration of the sector's technology adds, at each cell, the correction of the
        sector's band (``frequency_mhz``) and of the cell's land-cover class (the terrain's
        ``landcover``; class-agnostic without it): see
        :meth:`netcover.config.calibration.Calibration.correction`.

        ``ground_m`` is the ground height at the mast; None samples it from the terrain (give it
        when the terrain is a tile that need not hold the mast).

        ``clip`` (rows, columns of the loss window): the levels of that part of the window only,
        the same values, bit for bit, as that part of the whole window's levels.
        """
        tabulated = self.tabulated(x, y, height_m, loss, sectors, ground_m=ground_m, clip=clip)
        out = []
        corrections: dict[tuple[str, float], np.ndarray] = {}  # sectors of a band share theirs
        for row, level in zip(sectors, tabulated.levels(), strict=True):
            tech, band = str(row["technology"]), float(row["frequency_mhz"])
            cal = self.calibration.get(tech)
            if cal is not None:
                if (tech, band) not in corrections:
                    distance, landcover = self._distance_km(x, y, loss), self._landcover(loss)
                    if clip is not None:
                        distance = distance[clip]
                        landcover = None if landcover is None else landcover[clip]
                    corrections[tech, band] = cal.correction(distance, band_mhz=band,
                                                             landcover=landcover)
                level = (level + corrections[tech, band]).astype(np.float32)
            out.append(level)
        return out

    def calibrated(self, sectors: Sequence[pd.Series]) -> bool:
        """Whether a calibration corrects the levels of any of the sectors (then only
        :meth:`levels` gives them: :meth:`tabulated` leaves the correction out)."""
        return any(str(row["technology"]) in self.calibration for row in sectors)

    def tabulated(self, x: float, y: float, height_m: float, loss: CachedLoss,
                  sectors: Sequence[pd.Series], *, ground_m: float | None = None,
                  clip: tuple[slice, slice] | None = None) -> TabulatedLevels:
        """What the sectors' levels on the loss window are made of, before any calibration
        (arguments as :meth:`levels`): folded into an accumulator by
        :meth:`TabulatedLevels.add_to` without making the level windows."""
        bearing, elev_idx = self._mast(x, y, height_m, loss, ground_m)
        loss_db = loss.loss_db
        if clip is not None:  # every value is a function of its cell's alone
            loss_db, bearing, elev_idx = (np.ascontiguousarray(a[clip])
                                          for a in (loss_db, bearing, elev_idx))
        made = [self._sector(row) for row in sectors]
        return TabulatedLevels(loss_db, bearing, elev_idx, [m[0] for m in made],
                               [m[1] for m in made])

    def _mast(self, x: float, y: float, height_m: float, loss: CachedLoss,
              ground_m: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Bearing and gain-table row of the window's cells, made once per mast and window."""
        key = (x, y, height_m, loss.row_off, loss.col_off, *loss.loss_db.shape)
        with self._lock:
            slot = self._geometry.get(key)
            if slot is None:
                slot = self._geometry[key] = _Geometry()
                while len(self._geometry) > _MASTS_KEPT:
                    self._geometry.popitem(last=False)
        with slot.lock:
            if slot.value is None:
                slot.value = self._directions(x, y, height_m, loss, ground_m)
            return slot.value

    def _landcover(self, loss: CachedLoss) -> np.ndarray | None:
        """Land-cover class of every cell of the loss window (None without a land-cover layer)."""
        lc = self.terrain.landcover
        if lc is None:
            return None
        rows, cols = loss.loss_db.shape
        return lc[loss.row_off:loss.row_off + rows, loss.col_off:loss.col_off + cols]

    def _sector(self, row: pd.Series) -> tuple[np.ndarray, float]:
        """Gain table and fixed link budget of a sector, computed once per configuration."""
        key = (*(str(row.get(c, "")) for c in _TABLE_COLUMNS), *nr_key_part(row).values())
        with self._lock:
            found = self._sectors.get(key)
            if found is not None:
                self._sectors.move_to_end(key)
                return found
        made = (self._gain_table(row), fixed_budget_db(row, self.rx))
        with self._lock:
            self._sectors[key] = made
            while self._tables is not None and len(self._sectors) > max(self._tables, 1):
                self._sectors.popitem(last=False)
        return made

    def _gain_table(self, row: pd.Series) -> np.ndarray:
        """The sector's :func:`gain_table`, kept in the cache with the engine's other windows
        (10 ms to make, 0.3 ms to read: a run after a change reads those of unchanged sectors)."""
        pkey = (float(row["h_beamwidth_deg"]), float(row["v_beamwidth_deg"]),
                str(row.get("pattern_file", "") or ""))
        key = None
        if self.dem_digest and self.cache.folder is not None:
            pattern = hashlib.sha256(Path(pkey[2]).read_bytes()).hexdigest() if pkey[2] else ""
            key = LossCache.key("", kind="gain_table", beamwidths=list(pkey[:2]), pattern=pattern,
                                axes=[BEARING_STEP_DEG, ELEVATION_STEP_T, ELEVATION_SCALE_DEG],
                                angles=[float(row[c]) for c in _ANGLE_COLUMNS])
            found = self.cache.get_arrays(key)
            if found is not None and "gain" in found:
                return found["gain"]
        if pkey not in self._patterns:
            self._patterns[pkey] = pattern_for_sector(*pkey[:2], pkey[2] or None)
        table = gain_table(self._patterns[pkey], row)
        if key is not None:
            self.cache.put_arrays(key, {"gain": table})
        return table

    def _distance_km(self, x: float, y: float, loss: CachedLoss) -> np.ndarray:
        """Horizontal distance from the mast to every cell of the window (km)."""
        t = self.terrain
        rows, cols = loss.loss_db.shape
        left, top = t.index_origin
        r0, c0 = t.offset[0] + loss.row_off, t.offset[1] + loss.col_off
        cx = left + (c0 + np.arange(cols) + 0.5) * t.cell_size - x
        cy = top - (r0 + np.arange(rows) + 0.5) * t.cell_size - y
        return np.hypot(cx[None, :], cy[:, None]) / 1000.0

    def _directions(self, x: float, y: float, height_m: float, loss: CachedLoss,
                    ground_m: float | None) -> tuple[np.ndarray, np.ndarray]:
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
        grid_row, grid_col = t.grid_position(np.array([x]), np.array([y]))
        site_row = float(grid_row[0]) - (t.offset[0] + r0)
        site_col = float(grid_col[0]) - (t.offset[1] + c0)
        if ground_m is None:
            ground_m = float(t.sample(np.array([x]), np.array([y]))[0])
        site_amsl = ground_m + height_m
        ae_m = effective_earth_radius_km(self.cov.delta_n) * 1000.0
        bearing, elev_row = mast_geometry(ground, site_row, site_col, site_amsl,
                                          self.cov.rx_height_m, t.cell_size, ae_m)
        bearing, elev_row = quantize(bearing), quantize(elev_row)
        if self.dem_digest:
            self.cache.put_layers(key, [bearing, elev_row], r0, c0)
        return bearing, elev_row


def gain_table(pattern: AntennaPattern, row: pd.Series) -> np.ndarray:
    """The sector's relative gain (dB) on the nodes of :func:`table_axes` (elevation x bearing)."""
    bearings, elevations = table_axes()
    return relative_gain_db(pattern, bearings[None, :], elevations[:, None],
                            azimuth_deg=float(row["azimuth_deg"]),
                            mech_tilt_deg=float(row["mech_tilt_deg"]),
                            elec_tilt_deg=float(row["elec_tilt_deg"])).astype(np.float32)


def sector_scs_khz(row: pd.Series) -> float | None:
    """The subcarrier spacing (kHz) of a 5G sector: its ``scs_khz``, or where empty or absent (a
    planned sector) the band's usual one (:func:`~netcover.config.nr.cell_scs_khz`); None for
    other technologies."""
    if str(row["technology"]) != "5G":
        return None
    return cell_scs_khz(row.get("scs_khz"), float(row["frequency_mhz"]))


def nr_key_part(row: pd.Series) -> dict[str, str]:
    """What a 5G sector adds to the cache keys of its levels: its subcarrier spacing (the power and
    noise per resource element depend on it); nothing for other technologies (their keys stay as
    they were)."""
    scs = sector_scs_khz(row)
    return {} if scs is None else {"scs_khz": f"{scs:g}"}


def fixed_budget_db(row: pd.Series, rx: ReceiverSettings) -> float:
    """Reference power + antenna gain + receiver gain - feeder and body losses (dBm).

    The reference power is per resource element for 4G (15 kHz) and 5G (at the sector's
    subcarrier spacing, :func:`sector_scs_khz`), the pilot's for 3G
    (:func:`~netcover.radio.budget.cell_reference_power_dbm`).
    """
    ref = radio.cell_reference_power_dbm(str(row["technology"]), float(row["tx_power_dbm"]),
                                         float(row["bandwidth_mhz"]),
                                         pilot_fraction_db=rx.pilot_fraction_db,
                                         scs_khz=sector_scs_khz(row))
    return float(radio.received_level_dbm(ref, float(row["antenna_gain_dbi"]), 0.0, 0.0,
                                          rx_gain_dbi=rx.gain_dbi,
                                          feeder_loss_db=rx.tx_feeder_loss_db,
                                          body_loss_db=rx.body_loss_db))


def reference_noise(rx: ReceiverSettings, tech: str, scs_khz: float | None = None) -> float:
    """Noise (dBm) on the scale of a technology's levels
    (:func:`~netcover.radio.budget.reference_noise_dbm` with the receiver's noise figure)."""
    return radio.reference_noise_dbm(tech, rx.noise_figure_db,
                                     pilot_fraction_db=rx.pilot_fraction_db, scs_khz=scs_khz)


def carrier_noise_dbm(sc: Scenario, group: tuple[str, str],
                      cells: pd.DataFrame) -> float | list[float]:
    """The noise of an operator/technology group's SINR
    (:meth:`~netcover.radio.servers.ServerAccumulator.sinr_db`): one value for 4G and 3G; for 5G
    one per carrier of the group (sorted by frequency), per resource element at the subcarrier
    spacing of the group's cells on that carrier (:func:`sector_scs_khz`).

    Raises
    ------
    ModelError
        An operator's 5G cells of one carrier with different subcarrier spacings (the sites table's
        check refuses them first).
    """
    if group[1] != "5G":
        return reference_noise(sc.receiver, group[1])
    mine = ((cells["operator"].astype(str) == group[0])
            & (cells["technology"].astype(str) == "5G")).to_numpy()
    spacing: dict[float, set[float]] = {}
    for i in np.flatnonzero(mine):
        row = cells.iloc[int(i)]
        spacing.setdefault(float(row["frequency_mhz"]), set()).add(float(sector_scs_khz(row) or 0))
    mixed = sorted((f, v) for f, v in spacing.items() if len(v) > 1)
    if mixed:
        f, v = mixed[0]
        msg = (f"{group[0]}'s 5G cells on {f:g} MHz have subcarrier spacings "
               f"{', '.join(f'{x:g}' for x in sorted(v))} kHz: give the cells of one carrier one "
               "scs_khz (the SS-RSRP and its noise are per resource element of that spacing)")
        raise ModelError(msg)
    return [reference_noise(sc.receiver, "5G", min(spacing[f])) for f in sorted(spacing)]
