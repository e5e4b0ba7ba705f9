"""Best-server accumulation and SINR, one cell window at a time.

The coverage engine adds every cell's level raster (:mod:`netcover.radio.budget`), window by
window, to a :class:`ServerAccumulator`, which keeps the best server, the number of servers within a
margin of it and, per carrier frequency, the total received power for SINR. One accumulator should
hold the cells of one operator and one technology: users of one operator are not served by
another's cells, and 4G, 5G and 3G levels are not on the same scale (cells of different operators
never share a carrier, so they would not interfere in any case). A 5G accumulator may hold carriers
of different subcarrier spacings: its SINR takes one noise per carrier
(:meth:`ServerAccumulator.sinr_db`). Cells whose level is a fixed budget plus a tabulated antenna
gain minus the loss are folded without making their level windows
(:meth:`ServerAccumulator.add_tabulated`, :func:`table_position`, :func:`table_gain`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from netcover.errors import InputError, ModelError

__all__ = ["ServerAccumulator", "table_gain", "table_position"]

#: ln(10) / 10: 10 ** (x / 10) == exp(x * _LN10_OVER_10), and exp is the faster of the two.
_LN10_OVER_10 = math.log(10.0) / 10.0


@njit(inline="always")  # into the calling kernel, with its floating-point flags
def _fold_level(lv: float | np.float32, r: int, c: int, cell: int, freq: int, margin: float,
                best: np.ndarray, best_cell: np.ndarray, best_freq: np.ndarray, top: np.ndarray,
                total: np.ndarray) -> None:
    """Fold one level (not NaN) of one cell into grid cell ``(r, c)`` of the accumulator arrays.

    ``top[r, c, :]`` keeps the largest levels that were within ``margin`` of the best level when
    they arrived; since the best only rises, it holds every level within ``margin`` of the final
    best as long as there are at most ``top.shape[2]`` of them.
    """
    total[freq, r, c] += math.exp(lv * _LN10_OVER_10)
    b = best[r, c]
    if lv > b or (lv == b and cell < best_cell[r, c]):
        best[r, c] = lv
        best_cell[r, c] = cell
        best_freq[r, c] = freq
        b = lv
    if lv < b - margin:
        return
    slot = 0
    low = top[r, c, 0]
    for q in range(1, top.shape[2]):
        if top[r, c, q] < low:
            low = top[r, c, q]
            slot = q
    if lv > low:
        top[r, c, slot] = lv


@njit(cache=True, parallel=True, nogil=True, fastmath={"afn", "contract"})
def _accumulate(level: np.ndarray, row_off: int, col_off: int, cell: int, freq: int,
                margin: float, best: np.ndarray, best_cell: np.ndarray, best_freq: np.ndarray,
                top: np.ndarray, total: np.ndarray) -> None:
    """Fold one cell's window of levels into the accumulator arrays (modified in place)."""
    rows, cols = level.shape
    for i in prange(rows):  # rows are independent: each grid cell is touched by one row only
        r = row_off + i
        for j in range(cols):
            lv = level[i, j]
            if not math.isnan(lv):
                _fold_level(lv, r, col_off + j, cell, freq, margin, best, best_cell, best_freq,
                            top, total)


@njit(inline="always")
def table_position(fb: float, fe: float, n_e: int, n_b: int) -> tuple[int, float, int, float]:
    """Node and weight of a point on a gain table of ``n_e`` elevation x ``n_b`` bearing nodes:
    ``fb``, ``fe`` are the point's fractional bearing column and elevation row; the bearing is
    clamped to the last interval, the elevation to the table (for :func:`table_gain`; inlined
    into the numba kernel calling it, with that kernel's floating-point flags)."""
    b0 = min(int(fb), n_b - 2)
    wb = fb - b0
    e0 = min(max(int(fe), 0), n_e - 2)
    we = min(max(fe - e0, 0.0), 1.0)
    return b0, wb, e0, we


@njit(inline="always")
def table_gain(table: np.ndarray, b0: int, wb: float, e0: int, we: float) -> float:
    """The gain table's bilinear value at a :func:`table_position` (numba, inlined)."""
    return ((1.0 - we) * ((1.0 - wb) * table[e0, b0] + wb * table[e0, b0 + 1])
            + we * ((1.0 - wb) * table[e0 + 1, b0] + wb * table[e0 + 1, b0 + 1]))


@njit(cache=True, parallel=True, nogil=True, fastmath={"afn"})
def _accumulate_tabulated(loss: np.ndarray, bearing: np.ndarray, elevation_row: np.ndarray,
                          bearing_step: float, tables: np.ndarray, fixed: np.ndarray,
                          cells: np.ndarray, row_off: int, col_off: int, freq: int,
                          margin: float, best: np.ndarray, best_cell: np.ndarray,
                          best_freq: np.ndarray, top: np.ndarray, total: np.ndarray) -> None:
    """Fold the levels ``fixed[s] + gain of tables[s] - loss`` of the cells ``cells[s]`` (one mast,
    one carrier) into the accumulator arrays without making them: for each grid cell the same
    levels, folded in the same order, as ``sector_level`` then :func:`_accumulate` cell by cell.

    No ``contract`` flag here (unlike :func:`_accumulate`): the level's products and sums are
    rounded one by one, as in a kernel without fast-math; the fold has no product to contract.
    """
    rows, cols = loss.shape
    n_e, n_b = tables.shape[1], tables.shape[2]
    for i in prange(rows):
        r = row_off + i
        for j in range(cols):
            lv = loss[i, j]
            if math.isnan(lv):
                continue
            b0, wb, e0, we = table_position(bearing[i, j] / bearing_step, elevation_row[i, j],
                                            n_e, n_b)
            for s in range(cells.size):
                level = np.float32(fixed[s] + table_gain(tables[s], b0, wb, e0, we) - lv)
                _fold_level(level, r, col_off + j, cells[s], freq, margin, best, best_cell,
                            best_freq, top, total)


class ServerAccumulator:
    """Best server, servers within a margin and SINR, built one cell window at a time.

    Memory: per grid cell 4 + 4 + 2 + 4 K bytes, plus 8 bytes per carrier frequency (for a
    1,500 x 1,300 grid, K = 8 and 3 frequencies: 129 MB); nothing per cell.

    Parameters
    ----------
    shape : (int, int)
        Grid shape (rows, cols).
    frequencies_mhz : sequence of float
        The distinct carrier frequencies of the cells to be added. Cells interfere only with cells on
        the same carrier frequency.
    overlap_margin_db : float
        A cell counts as a server of a grid cell when its level is within this margin of the best.
    max_counted : int
        Server counts saturate at this value (1..255), which bounds memory: a count of
        ``max_counted`` means "that many or more".

    Notes
    -----
    Everything is decided in one pass: ``add`` every cell's window once (windows of one cell may be
    split into non-overlapping tiles), then read :meth:`best_level_dbm`, :meth:`best_cell`,
    :meth:`server_count` and :meth:`sinr_db`. The results do not depend on the order of the
    ``add`` calls; a tie in level goes to the lower cell index.
    """

    def __init__(self, shape: tuple[int, int], frequencies_mhz: Sequence[float], *,
                 overlap_margin_db: float = 6.0, max_counted: int = 8):
        rows, cols = (int(n) for n in shape)
        if rows <= 0 or cols <= 0:
            msg = f"ServerAccumulator: grid shape {shape!r} must be two positive sizes"
            raise InputError(msg)
        freqs = np.array([float(f) for f in frequencies_mhz], dtype=np.float64)
        if freqs.size == 0 or not np.all(np.isfinite(freqs) & (freqs > 0.0)):
            msg = f"frequencies_mhz={list(frequencies_mhz)!r} must be one or more positive numbers"
            raise InputError(msg)
        if np.unique(freqs).size != freqs.size:
            msg = f"frequencies_mhz={list(frequencies_mhz)!r} lists a frequency twice"
            raise InputError(msg)
        if not (math.isfinite(overlap_margin_db) and overlap_margin_db >= 0.0):
            msg = f"overlap_margin_db={overlap_margin_db!r} must be >= 0"
            raise InputError(msg)
        if not 1 <= max_counted <= 255:
            msg = f"max_counted={max_counted!r} must lie in 1..255"
            raise InputError(msg)
        self.shape = (rows, cols)
        self.frequencies_mhz = tuple(float(f) for f in freqs)
        self.overlap_margin_db = float(overlap_margin_db)
        self._best = np.full((rows, cols), -np.inf, dtype=np.float32)
        self._best_cell = np.full((rows, cols), -1, dtype=np.int32)
        self._best_freq = np.full((rows, cols), -1, dtype=np.int16)
        self._top = np.full((rows, cols, max_counted), -np.inf, dtype=np.float32)
        self._total = np.zeros((freqs.size, rows, cols), dtype=np.float64)
        self._cell_freq: dict[int, int] = {}

    def _frequency_index(self, frequency_mhz: float) -> int:
        for k, f in enumerate(self.frequencies_mhz):
            if math.isclose(frequency_mhz, f, rel_tol=0.0, abs_tol=1e-6):
                return k
        msg = (f"frequency_mhz={frequency_mhz!r} is not one of the accumulator's frequencies "
               f"{list(self.frequencies_mhz)}: list every carrier when creating it")
        raise InputError(msg)

    def add(self, cell_index: int, frequency_mhz: float, row_off: int, col_off: int,
            level_dbm: np.ndarray) -> None:
        """Add one cell's received levels (dBm, NaN where it does not reach) on a grid window.

        ``level_dbm[i, j]`` is the level at grid cell ``(row_off + i, col_off + j)``; the window
        must lie inside the grid. ``cell_index`` >= 0 identifies the cell in :meth:`best_cell`.
        """
        level = np.ascontiguousarray(level_dbm, dtype=np.float32)
        self._check_window(cell_index, level, row_off, col_off)
        if np.isinf(level).any() and np.isposinf(level).any():  # one pass when none is
            msg = f"cell {cell_index}: level_dbm holds +inf; use NaN where the cell does not reach"
            raise InputError(msg)
        freq = self._register([cell_index], frequency_mhz)
        _accumulate(level, int(row_off), int(col_off), int(cell_index), freq,
                    self.overlap_margin_db, self._best, self._best_cell, self._best_freq,
                    self._top, self._total)

    def add_tabulated(self, cell_indices: Sequence[int], frequency_mhz: float, row_off: int,
                      col_off: int, loss_db: np.ndarray, bearing_deg: np.ndarray,
                      elevation_row: np.ndarray, tables: np.ndarray, fixed_db: Sequence[float],
                      *, bearing_step_deg: float) -> None:
        """Add the cells of one mast and carrier whose level is a fixed budget plus a tabulated
        antenna gain minus the loss, without making their level windows.

        Cell ``cell_indices[s]`` has, at window cell ``(i, j)`` (grid cell ``(row_off + i,
        col_off + j)``), the level ``fixed_db[s] + g - loss_db[i, j]`` rounded to float32, with
        ``g`` the bilinear value of ``tables[s]`` (elevation x bearing nodes) at bearing column
        ``bearing_deg[i, j] / bearing_step_deg`` and row ``elevation_row[i, j]``
        (:func:`table_position`, :func:`table_gain`); NaN losses do not reach. The same as
        :meth:`add` of each cell's level window in turn, bit for bit, in one pass over the window.
        """
        loss = np.asarray(loss_db, dtype=np.float32)
        shape = loss.shape
        tabs = np.ascontiguousarray(tables, dtype=np.float32)
        fixed = np.array([float(f) for f in fixed_db], dtype=np.float64)
        cells = np.array([int(i) for i in cell_indices], dtype=np.int64)
        if (np.shape(bearing_deg) != shape or np.shape(elevation_row) != shape or tabs.ndim != 3
                or not cells.size == fixed.size == tabs.shape[0] or min(tabs.shape[1:]) < 2):
            msg = (f"cells {cells.tolist()}: the loss, bearing and elevation windows must share "
                   "one shape, with one gain table (at least 2 x 2) and fixed budget per cell")
            raise InputError(msg)
        if not (np.all(np.isfinite(fixed)) and np.all(np.isfinite(tabs))
                and math.isfinite(bearing_step_deg) and bearing_step_deg > 0.0):
            msg = f"cells {cells.tolist()}: gain tables, budgets and bearing step must be finite"
            raise InputError(msg)
        for i in cells:
            self._check_window(int(i), loss, row_off, col_off)
        freq = self._register(cells.tolist(), frequency_mhz)
        _accumulate_tabulated(loss, np.asarray(bearing_deg, dtype=np.float32),
                              np.asarray(elevation_row, dtype=np.float32),
                              float(bearing_step_deg), tabs, fixed, cells, int(row_off),
                              int(col_off), freq, self.overlap_margin_db, self._best,
                              self._best_cell, self._best_freq, self._top, self._total)

    def _check_window(self, cell_index: int, level: np.ndarray, row_off: int, col_off: int) -> None:
        """Refuse a window that is not 2-D or leaves the grid, and a bad cell index."""
        if level.ndim != 2:
            msg = f"cell {cell_index}: level_dbm must be a 2-D window, got {level.ndim} dimension(s)"
            raise InputError(msg)
        h, w = level.shape
        rows, cols = self.shape
        if row_off < 0 or col_off < 0 or row_off + h > rows or col_off + w > cols:
            msg = (f"cell {cell_index}: window rows {row_off}..{row_off + h - 1}, cols "
                   f"{col_off}..{col_off + w - 1} leaves the {rows} x {cols} grid: clip the window "
                   "(and its levels) to the grid first")
            raise InputError(msg)
        if cell_index < 0 or cell_index > np.iinfo(np.int32).max:
            msg = f"cell_index={cell_index!r} must be a non-negative 32-bit integer"
            raise InputError(msg)

    def _register(self, cell_indices: Sequence[int], frequency_mhz: float) -> int:
        """The carrier's index; each cell is kept on the carrier it was first added on."""
        freq = self._frequency_index(frequency_mhz)
        for cell_index in cell_indices:
            known = self._cell_freq.setdefault(cell_index, freq)
            if known != freq:
                msg = (f"cell {cell_index} was added on {self.frequencies_mhz[known]:g} MHz "
                       f"before, now on {frequency_mhz:g} MHz: one cell index per (cell, carrier)")
                raise InputError(msg)
        return freq

    def _covered(self) -> np.ndarray:
        return self._best_cell >= 0

    def best_level_dbm(self) -> np.ndarray:
        """Level of the best server (float32 dBm), NaN where no cell reaches."""
        return np.where(self._covered(), self._best, np.float32(np.nan))

    def best_cell(self) -> np.ndarray:
        """Index of the best server (int32), -1 where no cell reaches."""
        return self._best_cell.copy()

    def best_frequency_mhz(self) -> np.ndarray:
        """Carrier frequency of the best server (float32 MHz), NaN where no cell reaches."""
        table = np.array([*self.frequencies_mhz, np.nan], dtype=np.float32)
        return table[self._best_freq]  # index -1 picks the trailing NaN

    def server_count(self) -> np.ndarray:
        """Number of cells within ``overlap_margin_db`` of the best, the best included (uint8).

        0 where no cell reaches, 1 where one cell dominates; saturates at ``max_counted``.
        """
        floor = self._best.astype(np.float64) - self.overlap_margin_db
        count = (self._top >= floor[:, :, None]).sum(axis=2, dtype=np.uint8)
        return np.where(self._covered(), count, np.uint8(0))

    def total_power_dbm(self, frequency_mhz: float) -> np.ndarray:
        """Total received reference power of all cells on one carrier (float32 dBm), NaN if none."""
        total = self._total[self._frequency_index(frequency_mhz)]
        with np.errstate(divide="ignore"):
            out = 10.0 * np.log10(total)
        return np.where(total > 0.0, out, np.nan).astype(np.float32)

    def sinr_db(self, noise_dbm: float | Sequence[float]) -> np.ndarray:
        """SINR of the best server (float32 dB), NaN where no cell reaches.

        S / (I + N) with S the best level, I the sum of the other cells on the best server's carrier
        and N = ``noise_dbm`` on the same scale as the levels (see :func:`reference_noise_dbm`):
        one value, or one per carrier of :attr:`frequencies_mhz` (5G cells of different subcarrier
        spacings: the noise of a resource element differs), the best server's carrier's then.
        """
        noise = self._noise_mw(noise_dbm)
        covered = self._covered()
        idx = np.where(covered, self._best_freq, 0).astype(np.intp)
        total = np.take_along_axis(self._total, idx[None], axis=0)[0]
        signal = np.where(covered, 10.0 ** (self._best.astype(np.float64) / 10.0), 0.0)
        interference = np.maximum(total - signal, 0.0)
        if not isinstance(noise, float):
            noise = noise[idx]
        with np.errstate(divide="ignore"):
            sinr = 10.0 * np.log10(signal / (interference + noise))
        return np.where(covered, sinr, np.nan).astype(np.float32)

    def _noise_mw(self, noise_dbm: float | Sequence[float]) -> float | np.ndarray:
        """The noise (mW) of :meth:`sinr_db`: a float, or an array with one value per carrier."""
        one = isinstance(noise_dbm, (int, float, np.floating))
        values = np.atleast_1d(np.asarray(noise_dbm, dtype=np.float64))
        if not np.all(np.isfinite(values)):
            msg = f"noise_dbm={noise_dbm!r} must be finite numbers"
            raise ModelError(msg)
        if one:
            return float(10.0 ** (float(values[0]) / 10.0))
        if values.shape != (len(self.frequencies_mhz),):
            msg = (f"noise_dbm: {values.size} value(s) for {len(self.frequencies_mhz)} carrier(s) "
                   f"{list(self.frequencies_mhz)}: give one number, or one per carrier")
            raise ModelError(msg)
        return 10.0 ** (values / 10.0)
