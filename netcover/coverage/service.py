"""Coverage at a service level: the median levels less the margin the level needs, with ranges.

The engine gives each operator's median level per technology (:attr:`CoverageResult.operator_levels`,
50% of locations, outdoors). A :class:`~netcover.config.service.ServiceLevel` needs a margin over
the class threshold (:func:`margin_db`), computed per grid cell at the frequency of that operator's
best server there (an operator may serve a cell on 900 MHz and its neighbour on 1800 MHz):

- the location correction of ITU-R P.1812-6 §4.8, ``F^-1(p) sigma_L`` with ``sigma_L`` from Eqs
  (66)-(67) (:mod:`netcover.radio.variability`), ``w_a`` = ``[coverage] location_area_m`` and ``R``
  the terrain's clutter height at the cell (0 over bare earth: no land-cover layer);
- indoors, the median building entry loss of ITU-R P.2109-2 (horizontal path) and its spread
  combined with ``sigma_L`` (P.1812-6 §4.9): ``L_BEL(50) + F^-1(p) sqrt(sigma_L^2 + sigma_b^2)``,
  ``sigma_b`` from :func:`~netcover.radio.p2109.building_entry_sd_db`;
- in a car, the same with the car's loss (median and spread of the level's ``in_car_*``).

Classes are then those of ``level - margin`` per operator and technology; an operator's class is the
best over its technologies, the district's the best over operators (as for the median classes).
With ``p`` = 50% outdoors the margin is 0 and the classes are the engine's own.

Ranges: each figure is also computed with every level shifted by ``-z sigma_m`` (low) and
``+z sigma_m`` (high), ``z`` = 1.2816 for the central 80% interval (:data:`RANGE_INTERVAL`) of a
model error common to all cells, ``sigma_m`` the residual spread of the technology's calibration
(``residual_sd_db``) when calibrated, else ``sigma_L``. A zero spread collapses the range to the
figure.

A village's probability of service (:func:`service_probability`) is
``Phi((level - median margin - threshold) / sigma_total)`` at its point, the best over operators and
technologies, ``sigma_total`` the spread of the level (``sqrt(sigma_L^2 + sigma_extra^2)``);
indoors it averages over P.2109's own distribution of the entry loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from netcover.config.radio import default_thresholds
from netcover.coverage._service_kernel import fold_service_classes
from netcover.radio.budget import classify
from netcover.radio.p2109 import building_entry_loss_db, building_entry_sd_db
from netcover.radio.variability import location_sd_db, normal_quantile

if TYPE_CHECKING:
    import pandas as pd

    from netcover.config.scenario import Scenario
    from netcover.config.service import ServiceLevel
    from netcover.data.terrain import Terrain

__all__ = [
    "BEL_QUANTILES", "RANGE_INTERVAL",
    "RANGE_Z",
    "ServiceClasses",
    "level_classes",
    "margin_db",
    "model_spread_db",
    "service_classes",
    "service_probability",
    "settlement_columns",
    "surroundings_db",
]

#: Central interval (%) of the low-high range of each figure.
RANGE_INTERVAL = 80.0
#: Its normal quantile: ``F^-1(0.9)`` = 1.2816.
RANGE_Z = float(ndtri(0.5 + RANGE_INTERVAL / 200.0))


@dataclass
class ServiceClasses:
    """Class rasters of one service level: ``"all"`` (best of any operator) and per operator,
    for the figure and for the low and high ends of its range."""

    level: ServiceLevel
    classes: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]


def _per_frequency(f_mhz: np.ndarray, fn: Callable[[float], float]) -> np.ndarray:
    """``fn`` of each distinct finite frequency, spread over ``f_mhz`` (NaN elsewhere)."""
    out = np.full(f_mhz.shape, np.nan)
    for f in np.unique(f_mhz[np.isfinite(f_mhz)]):
        out[f_mhz == f] = fn(float(f))
    return out


def surroundings_db(level: ServiceLevel, f_mhz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median loss, spread) in dB of the handset's surroundings: 0 outdoors, P.2109 indoors (its
    spread at the level's probability), the car's loss in a car."""
    f = np.asarray(f_mhz, dtype=float)
    if level.environment == "indoor":
        b, p = level.building, level.location_probability
        median = _per_frequency(f, lambda x: float(building_entry_loss_db(x / 1e3, 50.0,
                                                                          building=b)))
        spread = _per_frequency(f, lambda x: float(building_entry_sd_db(x / 1e3, p, building=b)))
        return median, spread
    if level.environment == "in_car":
        return np.full(f.shape, level.in_car_loss_db), np.full(f.shape, level.in_car_sd_db)
    return np.zeros(f.shape), np.zeros(f.shape)


def margin_db(level: ServiceLevel, f_mhz: np.ndarray, sigma_l_db: np.ndarray) -> np.ndarray:
    """Margin (dB) over the median level for ``level`` at these frequencies and ``sigma_L``:
    ``median surroundings loss + F^-1(p) sqrt(sigma_L^2 + sigma_extra^2)``; 0 where there is no
    frequency (no server)."""
    median, spread = surroundings_db(level, f_mhz)
    total = np.sqrt(np.asarray(sigma_l_db, dtype=float) ** 2 + spread**2)
    margin = median + normal_quantile(level.location_probability) * total
    return np.where(np.isfinite(margin), margin, 0.0)


def _frequencies(cells: pd.DataFrame, best_cell: np.ndarray) -> np.ndarray:
    """Frequency (MHz) of each grid cell's best server, NaN where there is none."""
    table = np.append(cells["frequency_mhz"].to_numpy(dtype=float), np.nan)
    best = np.asarray(best_cell)
    n = len(table) - 1
    return table[np.where((best >= 0) & (best < n), best, n)]


def _sigma_l(f_mhz: np.ndarray, sc: Scenario, clutter_m: np.ndarray | None) -> np.ndarray:
    return location_sd_db(f_mhz, rx_height_m=sc.coverage.rx_height_m,
                          clutter_height_m=0.0 if clutter_m is None else clutter_m,
                          area_width_m=sc.coverage.location_area_m)


def model_spread_db(sc: Scenario, tech: str, sigma_l_db: np.ndarray) -> np.ndarray:
    """``sigma_m``: the calibration's residual spread of ``tech`` when it has one, else sigma_L."""
    sd = sc.calibration_spread_db(tech)
    return sigma_l_db if sd is None else np.full(np.shape(sigma_l_db), float(sd))


def level_classes(level: np.ndarray, sc: Scenario, tech: str) -> np.ndarray:
    """Classes (uint8, 0 none to 3 good) of levels of ``tech`` with the scenario's thresholds; no
    level (NaN) is class 0."""
    cls = classify(level, sc.thresholds.get(tech) or default_thresholds(tech))
    return np.where(cls == 255, np.uint8(0), cls).astype(np.uint8)


def service_classes(levels: dict[tuple[str, str], np.ndarray],
                    best_cells: dict[tuple[str, str], np.ndarray], cells: pd.DataFrame,
                    sc: Scenario, terrain: Terrain) -> dict[str, ServiceClasses]:
    """The classes of every service level of the scenario, by level name.

    Parameters
    ----------
    levels, best_cells : dict
        Median level (dBm) and best-server cell (row of ``cells``) per (operator, technology).
    cells : pandas.DataFrame
        The cells table (``frequency_mhz`` by row).
    sc : Scenario
        Service levels, thresholds, calibration, receiver height, ``location_area_m``.
    terrain : Terrain
        The grid; its ``clutter_m`` (when present) is ``R`` of P.1812-6 Eq (67).
    """
    shape = terrain.shape
    ops = sorted({op for op, _ in levels})
    out = {lv.name: ServiceClasses(lv, *({layer: np.zeros(shape, dtype=np.uint8)
                                          for layer in ("all", *ops)} for _ in range(3)))
           for lv in sc.service_levels}
    clutter = None if terrain.clutter_m is None else _ClutterCodes.of(terrain.clutter_m)
    for (op, tech), level in sorted(levels.items()):
        index, margins, shift = _margins(cells, best_cells[(op, tech)], sc, tech, clutter)
        t = sc.thresholds.get(tech) or default_thresholds(tech)
        for s in out.values():
            fold_service_classes(level, index, margins[s.level.name], shift, t.weak, t.fair,
                                 t.good, s.classes[op], s.low[op], s.high[op])
    for s in out.values():
        for layers in (s.classes, s.low, s.high):
            for op in ops:
                np.maximum(layers["all"], layers[op], out=layers["all"])
    return out


@dataclass(frozen=True)
class _ClutterCodes:
    """A clutter raster as codes into its distinct heights (land cover has a few)."""

    heights: np.ndarray  # distinct clutter heights (m), sorted
    codes: np.ndarray  # int32, the grid's shape: index into ``heights``

    @classmethod
    def of(cls, clutter_m: np.ndarray) -> _ClutterCodes:
        heights = np.unique(clutter_m)  # a sort, cheaper than return_inverse's stable argsort
        codes = np.searchsorted(heights, clutter_m).astype(np.int32)
        return cls(heights, codes)


def _margins(cells: pd.DataFrame, best_cell: np.ndarray, sc: Scenario, tech: str,
             clutter: _ClutterCodes | None
             ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The margin of each service level and the range's shift ``z sigma_m`` as tables (dB), with
    each grid cell's index (int32) into them.

    sigma_L depends on the best server's frequency and the cell's clutter height only: without a
    clutter layer the tables have a row per row of ``cells`` (and a last row of zeros for no
    server), indexed by the best server; with one, a row per (distinct frequency or none, distinct
    clutter height), so that they stay small whatever the grid.
    """
    best = np.asarray(best_cell)
    n = len(cells)
    row = np.where((best >= 0) & (best < n), best, n).astype(np.int32)
    f = np.append(cells["frequency_mhz"].to_numpy(dtype=float), np.nan)
    if clutter is None:
        index, height = row, None
    else:
        freqs, row_freq = np.unique(f, return_inverse=True)  # NaN (no server) last
        k = len(clutter.heights)
        index = row_freq.astype(np.int32)[row] * np.int32(k) + clutter.codes
        f, height = np.repeat(freqs, k), np.tile(clutter.heights, len(freqs))
    sigma_l = _sigma_l(f, sc, height)
    shift = RANGE_Z * np.nan_to_num(model_spread_db(sc, tech, sigma_l))
    return index, {lv.name: margin_db(lv, f, sigma_l) for lv in sc.service_levels}, shift


def _at_points(array: np.ndarray, terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = terrain.transform
    col = np.floor((np.asarray(x) - t.c) / t.a).astype(np.int64)
    row = np.floor((np.asarray(y) - t.f) / t.e).astype(np.int64)
    inside = (row >= 0) & (row < array.shape[0]) & (col >= 0) & (col < array.shape[1])
    out = np.full(len(col), np.nan)
    out[inside] = array[row[inside], col[inside]]
    return out


def service_probability(levels: dict[tuple[str, str], np.ndarray],
                        best_cells: dict[tuple[str, str], np.ndarray], cells: pd.DataFrame,
                        sc: Scenario, terrain: Terrain, level: ServiceLevel,
                        x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Probability of usable service at points (e.g. villages), per operator and ``"all"``.

    Outdoors and in a car ``Phi((L - M50 - T) / sigma_total)`` per operator and technology, ``L``
    the median level at the point, ``M50`` the median loss of the surroundings
    (:func:`surroundings_db`), ``T`` the threshold of ``[coverage] usable_class`` and
    ``sigma_total = sqrt(sigma_L^2 + sigma_extra^2)``. Indoors the entry loss keeps P.2109's own
    distribution (not its normal stand-in, whose far tail would make a hopeless village likelier
    to be served indoors than out): the mean of ``Phi((L - T - L_BEL(q)) / sigma_L)`` over
    :data:`BEL_QUANTILES` mid-point quantiles ``q``. An operator's probability is the best over its
    technologies, ``"all"`` the best over operators. With no spread it is 1 where the level
    (less the median loss) reaches ``T``, else 0; 0 where there is no level.
    """
    usable = sc.coverage.usable_class
    clutter = terrain.clutter_m
    out: dict[str, np.ndarray] = {"all": np.zeros(len(np.asarray(x)))}
    for (op, tech), grid in sorted(levels.items()):
        lv = _at_points(grid, terrain, x, y)
        best = _at_points(best_cells[(op, tech)], terrain, x, y)
        f = _frequencies(cells, np.where(np.isfinite(best), best, -1).astype(np.int64))
        sigma_l = _sigma_l(f, sc, None if clutter is None else _at_points(clutter, terrain, x, y))
        threshold = (sc.thresholds.get(tech) or default_thresholds(tech)).bound(usable)
        if level.environment == "indoor":
            prob = _indoor_probability(lv - threshold, f, sigma_l, level.building)
        else:
            median, spread = surroundings_db(level, f)
            prob = _normal_probability(lv - median - threshold, np.sqrt(sigma_l**2 + spread**2))
        prob = np.where(np.isfinite(lv - threshold) & np.isfinite(prob), prob, 0.0)
        out[op] = np.maximum(out.get(op, prob), prob)
        out["all"] = np.maximum(out["all"], prob)
    return out


#: Quantiles of the building entry loss averaged over for an indoor probability of service.
BEL_QUANTILES = 400


def _normal_probability(excess: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``P(excess + N(0, sigma) >= 0)``; a step where sigma is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(sigma > 0, ndtr(excess / sigma), (excess >= 0).astype(float)))


def _indoor_probability(excess: np.ndarray, f_mhz: np.ndarray, sigma_l: np.ndarray,
                        building: str) -> np.ndarray:
    """``P(excess - L_BEL + N(0, sigma_L) >= 0)``, L_BEL of P.2109 at its own frequency."""
    out = np.full(excess.shape, np.nan)
    for f in np.unique(f_mhz[np.isfinite(f_mhz)]):
        at = f_mhz == f
        bel = _bel_quantiles(float(f), building)
        out[at] = _normal_probability(excess[at][:, None] - bel[None, :],
                                      sigma_l[at][:, None]).mean(axis=1)
    return out


@lru_cache(maxsize=64)
def _bel_quantiles(f_mhz: float, building: str) -> np.ndarray:
    """P.2109's entry loss at the :data:`BEL_QUANTILES` mid-point quantiles, at ``f_mhz``: kept
    per (frequency, building), as operators share frequencies and a re-tilt reuses them. Scalar
    calls, one per quantile: a call over an array of quantiles takes numpy's SIMD log10 and power,
    which differ from the scalar ones in the last bit."""
    q = 100.0 * (np.arange(BEL_QUANTILES) + 0.5) / BEL_QUANTILES
    bel = np.array([float(building_entry_loss_db(f_mhz / 1e3, p, building=building)) for p in q])
    bel.flags.writeable = False
    return bel


def settlement_columns(levels: dict[tuple[str, str], np.ndarray],
                       best_cells: dict[tuple[str, str], np.ndarray], cells: pd.DataFrame,
                       sc: Scenario, terrain: Terrain, x: np.ndarray,
                       y: np.ndarray) -> dict[str, np.ndarray]:
    """Probability of service at points for each environment of the scenario's levels.

    ``probability_<environment>`` (any operator) and ``<operator>_probability_<environment>``,
    from the first level of each environment (the spread of a building's entry loss depends on
    the level's probability; outdoors and in a car it does not).
    """
    out: dict[str, np.ndarray] = {}
    seen: set[str] = set()
    for level in sc.service_levels:
        if level.environment in seen:
            continue
        seen.add(level.environment)
        probs = service_probability(levels, best_cells, cells, sc, terrain, level, x, y)
        for layer, values in probs.items():
            prefix = "" if layer == "all" else f"{layer}_"
            out[f"{prefix}probability_{level.environment}"] = values
    return out
