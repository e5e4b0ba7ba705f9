"""Cell load with load-weighted interference: the load-coupling fixed point (pure numpy).

The coverage step's SINR assumes every cell transmits on all its resources (full load). In the busy
hour a cell ``c`` uses the share ``rho_c`` of its resource blocks (PRB load), and a user at a place
``p`` it serves sees interference from its neighbours only while they transmit. With ``S_p`` the
serving level, ``I_p`` the interference at full load and ``N`` the noise (linear, on the level
scale), the model is (Siomina and Yuan, "Analysis of cell load coupling for LTE network planning
and optimization", IEEE Trans. Wireless Commun. 11(6), 2012):

    SINR_p(rho) = S_p / (rhobar_c * I_p + N),      rhobar_c = sum_j w_cj min(rho_j, 1)
    R_p(rho)    = SE(SINR_p) * rate per unit efficiency of c    (peak rate of a lone user, Mb/s)
    rho_c       = sum_{p in c} d_p / R_p(rho)                   (d_p: offered traffic, Mb/s)

``w_cj`` (rows summing to 1, or 0 for a cell without neighbours) says how much of cell ``c``'s
interference comes from cell ``j``. The coverage result keeps only the total interference at each
place, so ``rhobar`` is one weighted mean per serving cell: :func:`coupling_from_best_cell` takes
``w_cj`` as the share of ``c``'s best-server boundary shared with ``j`` on the same carrier (the
neighbours whose edge users it interferes with most). The load map is monotone and concave in
``rho`` (a standard interference function), so iterating from full load (``rho = 1``) decreases to
the unique fixed point; :func:`load_fixed_point` stops when no capped load moves by more than the
tolerance. Places whose peak rate is 0 (SINR below SINR_MIN) carry no load: their users are
unserved. Offered loads above 1 mean an overloaded cell (reported as such, capped at 1 for the
interference it causes). :func:`full_load_sinr` gives an operator's ``I_p`` from a coverage result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from netcover.errors import ModelError
from netcover.radio.throughput import AttenuatedShannon

if TYPE_CHECKING:
    from netcover.coverage.combine import CoverageResult

__all__ = ["LoadResult", "coupling_from_best_cell", "full_load_sinr", "load_fixed_point",
           "median_by_cell", "row_blocks", "sinr_at_load_db"]


@dataclass(frozen=True)
class LoadResult:
    """The load fixed point: per cell ``load`` (offered, may exceed 1), per place SINR and rate."""

    load: np.ndarray
    sinr_db: np.ndarray
    peak_mbps: np.ndarray
    iterations: int
    converged: bool


def sinr_at_load_db(signal_mw: np.ndarray, interference_mw: np.ndarray, noise_mw: np.ndarray,
                    neighbour_load: np.ndarray) -> np.ndarray:
    """SINR (dB) with the full-load interference scaled by the serving cell's neighbours' load."""
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(signal_mw / (neighbour_load * interference_mw + noise_mw))


def load_fixed_point(cell: np.ndarray, signal_mw: np.ndarray, interference_mw: np.ndarray,
                     noise_mw: np.ndarray, demand_mbps: np.ndarray, rate_per_se: np.ndarray,
                     coupling: np.ndarray, model: AttenuatedShannon, *, iterations: int = 20,
                     tolerance: float = 1e-4) -> LoadResult:
    """Iterate the cells' loads from full load to the fixed point (see the module notes).

    Parameters
    ----------
    cell : (n,) int array
        Serving cell (0..m-1) of each place.
    signal_mw, interference_mw, noise_mw : (n,) float arrays
        Serving level, full-load interference and noise of each place (linear, same scale).
    demand_mbps : (n,) float array
        Busy-hour offered traffic of each place.
    rate_per_se : (m,) float array
        Rate (Mb/s) of each cell per bit/s/Hz of spectral efficiency (its bandwidth).
    coupling : (m, m) float array
        ``w_cj``, rows summing to 1 or 0 (see :func:`coupling_from_best_cell`).
    model : AttenuatedShannon
        SINR to spectral efficiency.
    iterations, tolerance
        Most iterations; stop when no load capped at 1 moves by more than ``tolerance``.

    Returns
    -------
    LoadResult
    """
    cell = np.asarray(cell, dtype=np.intp)
    m = len(rate_per_se)
    if coupling.shape != (m, m) or (cell.size and (cell.min() < 0 or cell.max() >= m)):
        msg = f"load_fixed_point: coupling must be {m} x {m} and cells in 0..{m - 1}"
        raise ModelError(msg)
    load = np.ones(m)
    done, it = False, 0
    sinr: np.ndarray
    peak: np.ndarray
    sinr = peak = np.zeros(cell.shape, dtype=np.float64)
    for it in range(1, iterations + 1):  # noqa: B007 - the count is returned
        neighbour = coupling @ np.minimum(load, 1.0)
        sinr = sinr_at_load_db(signal_mw, interference_mw, noise_mw, neighbour[cell])
        peak = model.efficiency(sinr) * rate_per_se[cell]
        share = np.divide(demand_mbps, peak, out=np.zeros(cell.shape), where=peak > 0.0)
        new = np.bincount(cell, weights=share, minlength=m).astype(np.float64)
        done = bool(np.all(np.abs(np.minimum(new, 1.0) - np.minimum(load, 1.0)) <= tolerance))
        load = new
        if done:
            break
    return LoadResult(load, sinr, peak, it, done)


def coupling_from_best_cell(best_cell: np.ndarray, carrier: np.ndarray) -> np.ndarray:
    """``w_cj``: the share of cell ``c``'s best-server boundary it shares with cell ``j``.

    Parameters
    ----------
    best_cell : (rows, cols) int array
        Serving cell index (0..m-1), -1 where none.
    carrier : (m,) float array
        Carrier frequency of each cell: only cells on the same carrier interfere.

    Returns
    -------
    (m, m) float array
        Rows summing to 1 (0 for a cell with no neighbour on its carrier); the diagonal is 0.
    """
    m = len(carrier)
    counts = np.zeros((m, m))
    for a, b in ((best_cell[:, :-1], best_cell[:, 1:]), (best_cell[:-1, :], best_cell[1:, :])):
        edge = (a != b) & (a >= 0) & (b >= 0)
        i, j = a[edge].astype(np.intp), b[edge].astype(np.intp)
        np.add.at(counts, (i, j), 1.0)
        np.add.at(counts, (j, i), 1.0)
    same = np.isclose(carrier[:, None], carrier[None, :])
    counts = np.where(same, counts, 0.0)
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


def median_by_cell(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each key's (serving cell's) median of its values (interference), as pandas' group median:
    NaN left out (NaN when all are), of an even count the mean of the two middle values; the keys
    sorted once, then each key's values, without pandas' copies.

    Returns
    -------
    tuple of arrays
        The keys (sorted, intp) and their medians (float64; NaN for a key whose values are all
        NaN).
    """
    order = np.argsort(keys, kind="stable")  # a radix sort of the (integer) keys
    keys, values = keys[order], values[order]
    del order
    if len(keys) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    for s, e in zip(starts, [*starts[1:], len(keys)], strict=True):
        values[s:e].sort()  # each key's values in order, NaN last
    counts = np.add.reduceat((~np.isnan(values)).astype(np.int64), starts)
    upper = values[starts + counts // 2]
    lower = values[starts + np.maximum(counts - 1, 0) // 2]
    median = np.where(counts % 2 == 1, upper, (upper + lower) / 2)
    return keys[starts].astype(np.intp), np.where(counts > 0, median, np.nan)


def full_load_sinr(result: CoverageResult, op: str, tech: str, noise_mw: np.ndarray,
                   notes: list[str]) -> np.ndarray:
    """Operator ``op``'s full-load SINR (dB) of ``tech`` on the grid, as the notes of
    :mod:`netcover.coverage.capacity` say: ``result.operator_sinr`` when the result carries it,
    else the technology's SINR where ``op`` is its best server, and elsewhere ``op``'s level over
    the median full-load interference of its serving cell (noise alone where never known; a
    note in ``notes`` then). ``noise_mw``: noise of each row of ``result.cells``.

    Computed a block of rows at a time: the same values, without a dozen float64 rasters of the
    grid at once.
    """
    stored = getattr(result, "operator_sinr", None)
    if stored and (op, tech) in stored:
        return np.asarray(stored[(op, tech)])
    layers = result.technologies[tech]
    best, level = result.operator_best_cell[(op, tech)], result.operator_levels[(op, tech)]

    def known_in(rows: slice) -> np.ndarray:
        return (best[rows] >= 0) & (layers.best_cell[rows] == best[rows])

    def block(rows: slice) -> tuple[np.ndarray, ...]:
        signal = 10.0 ** (level[rows].astype(np.float64) / 10.0)
        cell = np.where(best[rows] >= 0, best[rows], 0)
        return known_in(rows), signal, cell, noise_mw[cell]

    size = int(sum(int(known_in(rows).sum()) for rows in row_blocks(best.shape[0])))
    interference, serving, at = np.empty(size), np.empty(size, dtype=best.dtype), 0
    for rows in row_blocks(best.shape[0]):
        known, signal, cell, noise = block(rows)
        n = int(known.sum())
        interference[at:at + n] = (signal[known] / 10.0 ** (layers.sinr_db[rows][known] / 10.0)
                                   - noise[known])
        serving[at:at + n], at = cell[known], at + n
    cells, median = median_by_cell(serving, interference)
    del interference, serving
    fill = np.zeros(len(noise_mw))
    fill[cells] = np.maximum(median, 0.0)
    out, guessed = np.empty(best.shape, dtype=np.float32), False
    for rows in row_blocks(best.shape[0]):
        known, signal, cell, noise = block(rows)
        estimate = sinr_at_load_db(signal, fill[cell], noise, np.ones(signal.shape))
        out[rows] = np.where(known, layers.sinr_db[rows], estimate)
        guessed = guessed or bool(((best[rows] >= 0) & ~known).any())
    if guessed:
        notes.append(f"{op} {tech}: SINR where another operator is the best server estimated from "
                     "the median interference of the serving cell (the coverage result has no "
                     "per-operator SINR)")
    return out


def row_blocks(rows: int, size: int = 128) -> list[slice]:
    """Blocks of ``size`` rows of a raster: its cell-by-cell arithmetic done a block at a time."""
    return [slice(r, min(r + size, rows)) for r in range(0, rows, size)]
