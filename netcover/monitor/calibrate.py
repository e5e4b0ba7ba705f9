"""Calibrating the model on measurements: an offset and a distance slope per technology, band and
land-cover class.

As the Standard Propagation Model is tuned from drive tests (its K1 and K2), the correction of a
predicted level is ``offset_db + slope_db_per_decade * log10(d / 1 km)``, ``d`` the distance to the
serving site, fitted by least squares to measured minus predicted: once over all of a technology's
measurements, then per band (the serving cell's frequency, when the technology has several) and per
land-cover class of the measured point within each band. The slope is fitted only where the data
allow it (:data:`MIN_POINTS_FOR_SLOPE` points over a spread of distances), else the offset only. A
band or class with fewer than ``min_points`` measurements (default
:data:`~netcover.config.calibration.MIN_POINTS_PER_ENTRY`) is refused, with a note: the band-wide
or technology-wide correction applies there.

Its error is estimated by k-fold cross-validation (folds drawn with a seeded generator; in each
fold the whole calibration, refusals included, is fitted on the other folds) and reported next to
the error before calibration, per technology, band and class.

The calibrated scenario is the original with its paths made absolute and the fitted values in
``[calibration.<technology>]`` and its ``entries`` (see :mod:`netcover.config.calibration`),
which the coverage engine adds to every predicted level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netcover.config.calibration import (
    MIN_DISTANCE_KM,
    MIN_POINTS_PER_ENTRY,
    Calibration,
    CalibrationEntry,
)
from netcover.errors import InputError
from netcover.monitor.calibrated_toml import (
    calibrated_scenario_text,
    dumps_toml,
    rebase_paths,
    write_calibrated_scenario,
)
from netcover.monitor.compare import error_stats

__all__ = [
    "MIN_POINTS_FOR_SLOPE", "Calibration", "CalibrationResult", "MeasuredErrors", "calibrate",
    "calibrated_scenario_text", "cross_validated_residuals", "dumps_toml", "fit", "fit_calibration",
    "fold_ids", "rebase_paths", "write_calibrated_scenario",
]

#: Fewest measurements of a technology to fit both terms (fewer: offset only).
MIN_POINTS_FOR_SLOPE = 20
#: Spread of log10(distance) the slope needs (decades between the nearest and farthest point).
_MIN_LOG_SPREAD = 0.1


def fit(errors: np.ndarray, distance_km: np.ndarray, *, slope: bool = True) -> Calibration:
    """Least-squares correction of ``errors`` (measured minus predicted, dB) against distance."""
    e = np.asarray(errors, dtype=float)
    if len(e) == 0:
        msg = "no measurements to calibrate with; check the measurements file and its operators"
        raise InputError(msg)
    if not slope:
        return Calibration(float(e.mean()), 0.0)
    logd = np.log10(np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM))
    design = np.column_stack([np.ones_like(logd), logd])
    (a, b), *_ = np.linalg.lstsq(design, e, rcond=None)
    return Calibration(float(a), float(b))


def _use_slope(distance_km: np.ndarray) -> bool:
    """Whether the data allow a slope: enough points over a spread of distances."""
    logd = np.log10(np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM))
    return len(logd) >= MIN_POINTS_FOR_SLOPE and float(np.ptp(logd)) > _MIN_LOG_SPREAD


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Fold of each of ``n`` samples: a seeded permutation split into ``folds`` near-equal parts."""
    k = min(folds, n)
    out = np.empty(n, dtype=np.int64)
    out[np.random.default_rng(seed).permutation(n)] = np.arange(n) % max(k, 1)
    return out


def cross_validated_residuals(errors: np.ndarray, distance_km: np.ndarray, *, folds: int = 5,
                              seed: int = 7, slope: bool = True) -> np.ndarray:
    """Residual of each sample under a correction fitted without its fold."""
    e, d = np.asarray(errors, dtype=float), np.asarray(distance_km, dtype=float)
    ids = fold_ids(len(e), folds, seed)
    out = np.full(len(e), np.nan)
    for f in np.unique(ids):
        test = ids == f
        if test.all():
            out[test] = e[test] - e[test].mean()
            continue
        cal = fit(e[~test], d[~test], slope=slope)
        out[test] = e[test] - cal.correction(d[test])
    return out


@dataclass(frozen=True)
class MeasuredErrors:
    """One technology's measured minus predicted (dB) with what the calibration groups them by.

    ``band_mhz`` is the serving cell's frequency (NaN: unknown), ``landcover`` the class code of
    the measured point's cell (negative: no land-cover layer or outside it).
    """

    error_db: np.ndarray
    distance_km: np.ndarray
    band_mhz: np.ndarray
    landcover: np.ndarray

    @classmethod
    def of(cls, compared: pd.DataFrame) -> MeasuredErrors:
        """From rows of :func:`~netcover.monitor.compare.predict` (band and class optional)."""
        n = len(compared)
        band = (compared["band_mhz"].to_numpy(dtype=float) if "band_mhz" in compared
                else np.full(n, np.nan))
        lc = (compared["landcover"].fillna(-1).to_numpy(dtype=np.int64) if "landcover" in compared
              else np.full(n, -1, dtype=np.int64))
        return cls(compared["error_db"].to_numpy(dtype=float),
                   compared["distance_m"].to_numpy(dtype=float) / 1000.0, band, lc)

    def subset(self, mask: np.ndarray) -> MeasuredErrors:
        """The measurements where ``mask`` holds."""
        return MeasuredErrors(self.error_db[mask], self.distance_km[mask], self.band_mhz[mask],
                              self.landcover[mask])

    def groups(self) -> list[tuple[float | None, int | None]]:
        """(band, class) of every correction the data could give, technology-wide first: bands
        (when several), then classes within each band (None: every band / class)."""
        bands = sorted({float(b) for b in self.band_mhz[np.isfinite(self.band_mhz)]})
        out: list[tuple[float | None, int | None]] = [(None, None)]
        for b in bands if bands else [None]:
            if len(bands) > 1:
                out.append((b, None))
            codes = sorted({int(c) for c in self.landcover[self.mask(b, None)] if c >= 0})
            out.extend((b, c) for c in codes)
        return out

    def mask(self, band: float | None, landcover: int | None) -> np.ndarray:
        """The measurements of a band (None: every band) and class (None: every class)."""
        m = np.ones(len(self.error_db), dtype=bool)
        if band is not None:
            m &= self.band_mhz == band
        if landcover is not None:
            m &= self.landcover == landcover
        return m

    def corrected(self, cal: Calibration) -> np.ndarray:
        """Errors left after ``cal`` (each point: its band's and class's correction)."""
        out = np.empty(len(self.error_db))
        for b in np.unique(self.band_mhz):  # NaN (unknown band) comes once
            m = (self.band_mhz == b) if np.isfinite(b) else ~np.isfinite(self.band_mhz)
            out[m] = self.error_db[m] - cal.correction(
                self.distance_km[m], band_mhz=float(b) if np.isfinite(b) else None,
                landcover=self.landcover[m])
        return out


def fit_calibration(pts: MeasuredErrors, *, min_points: int = MIN_POINTS_PER_ENTRY,
                    labels: Mapping[int, str] | None = None
                    ) -> tuple[Calibration, list[tuple[float | None, int | None]]]:
    """The technology-wide correction with an entry per band and class that has ``min_points``
    measurements; also the (band, class) groups refused for having fewer."""
    base = fit(pts.error_db, pts.distance_km, slope=_use_slope(pts.distance_km))
    entries, refused = [], []
    refused_bands: set[float | None] = set()
    for band, code in pts.groups()[1:]:
        if code is not None and band in refused_bands:
            continue  # its band was refused: so are its classes (the band's points fall back)
        m = pts.mask(band, code)
        if m.sum() < min_points:
            refused.append((band, code))
            if code is None:
                refused_bands.add(band)
            continue
        one = fit(pts.error_db[m], pts.distance_km[m], slope=_use_slope(pts.distance_km[m]))
        label = (labels or {}).get(code, "") if code is not None else ""
        entries.append(CalibrationEntry(band, code, label, one.offset_db, one.slope_db_per_decade))
    return dataclasses.replace(base, entries=tuple(entries)), refused


def _cv_residuals(pts: MeasuredErrors, *, folds: int, seed: int, min_points: int) -> np.ndarray:
    """Error left at each point by the whole calibration fitted without the point's fold."""
    ids = fold_ids(len(pts.error_db), folds, seed)
    out = np.full(len(pts.error_db), np.nan)
    for f in np.unique(ids):
        test = ids == f
        if test.all():
            out[test] = pts.error_db[test] - pts.error_db[test].mean()
            continue
        cal, _ = fit_calibration(pts.subset(~test), min_points=min_points)
        out[test] = pts.subset(test).corrected(cal)
    return out


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _summary(e: np.ndarray, cv: np.ndarray) -> dict[str, Any]:
    """n, RMSE before, cross-validated RMSE and spread of the residuals (None where undefined)."""
    before, after = error_stats(e), error_stats(cv)
    return {"n": len(e), "rmse_before_db": _finite(before["rmse_db"]),
            "rmse_cv_db": _finite(after["rmse_db"]), "residual_sd_db": _finite(after["std_db"])}


def _with_stats(cal: Calibration, pts: MeasuredErrors, cv: np.ndarray) -> Calibration:
    """``cal`` with the error of the calibrated model over each entry's measurements."""
    entries = tuple(dataclasses.replace(e, **_summary(pts.error_db[m], cv[m]))
                    for e in cal.entries for m in [pts.mask(e.band_mhz, e.landcover)])
    return dataclasses.replace(cal, **_summary(pts.error_db, cv), entries=entries)


@dataclass
class CalibrationResult:
    """Fitted corrections per technology and the error before and after.

    ``table`` has a row per technology, ``detail`` a row per technology, band and class (refused
    ones too, with their ``status``), ``notes`` says what was refused and what applies instead.
    """

    corrections: dict[str, Calibration]
    table: pd.DataFrame
    median_distance_km: dict[str, float]
    detail: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def _where(tech: str, band: float | None, code: int | None, labels: Mapping[int, str]) -> str:
    parts = [tech] + ([f"{band:g} MHz"] if band is not None else [])
    if code is not None:
        parts.append(f"land cover {code}" + (f" ({labels[code]})" if code in labels else ""))
    return " ".join(parts)


def _refusal_note(tech: str, band: float | None, code: int | None, n: int, min_points: int,
                  labels: Mapping[int, str], *, band_fitted: bool) -> str:
    instead = (f"the {band:g} MHz correction" if code is not None and band is not None
               and band_fitted else "the technology-wide correction")
    return (f"calibration of {_where(tech, band, code, labels)} refused: {n} measurements, fewer "
            f"than {min_points}; {instead} applies there")


def _detail_row(tech: str, band: float | None, code: int | None, term: Calibration |
                CalibrationEntry | None, pts: MeasuredErrors, cv: np.ndarray,
                labels: Mapping[int, str]) -> dict[str, Any]:
    m = pts.mask(band, code)
    before, after = error_stats(pts.error_db[m]), error_stats(cv[m])
    return {"technology": tech, "band_mhz": np.nan if band is None else band,
            "landcover": "" if code is None else code, "label": labels.get(code, "") if
            code is not None else "", "status": "fitted" if term is not None else "refused",
            "n": int(m.sum()), "offset_db": term.offset_db if term else np.nan,
            "slope_db_per_decade": term.slope_db_per_decade if term else np.nan,
            "bias_before_db": before["bias_db"], "rmse_before_db": before["rmse_db"],
            "rmse_cv_db": after["rmse_db"], "residual_sd_db": after["std_db"]}


def calibrate(compared: pd.DataFrame, *, folds: int = 5, seed: int = 7,
              min_points: int = MIN_POINTS_PER_ENTRY,
              labels: Mapping[int, str] | None = None) -> CalibrationResult:
    """Fit a correction per technology, band and land-cover class of compared measurements (see
    :func:`~netcover.monitor.compare.predict`) and cross-validate it.

    ``labels`` names land-cover class codes (for the table and the scenario). ``table`` has per
    technology: ``n``, ``offset_db``, ``slope_db_per_decade``, bias and RMSE before, after (in
    sample) and cross-validated, and ``residual_sd_db``; ``detail`` the same per band and class.
    """
    ok = compared[np.isfinite(compared["error_db"]) & np.isfinite(compared["distance_m"])]
    if ok.empty:
        msg = "no measurement could be compared with a prediction; nothing to calibrate"
        raise InputError(msg)
    names = dict(labels or {})
    corrections, rows, detail, medians, notes = {}, [], [], {}, []
    for tech, g in ok.groupby("technology", sort=True):
        pts, t = MeasuredErrors.of(g), str(tech)
        cal, refused = fit_calibration(pts, min_points=min_points, labels=names)
        cv = _cv_residuals(pts, folds=folds, seed=seed, min_points=min_points)
        cal = corrections[t] = _with_stats(cal, pts, cv)
        medians[t] = float(np.median(pts.distance_km))
        before, after = error_stats(pts.error_db), error_stats(pts.corrected(cal))
        cv_stats = error_stats(cv)
        rows.append({"technology": t, "n": len(pts.error_db), "offset_db": cal.offset_db,
                     "slope_db_per_decade": cal.slope_db_per_decade,
                     "bias_before_db": before["bias_db"], "rmse_before_db": before["rmse_db"],
                     "bias_after_db": after["bias_db"], "rmse_after_db": after["rmse_db"],
                     "rmse_cv_db": cv_stats["rmse_db"], "std_cv_db": cv_stats["std_db"],
                     "residual_sd_db": cv_stats["std_db"], "entries": len(cal.entries)})
        found = {(e.band_mhz, e.landcover): e for e in cal.entries}
        for band, code in pts.groups():
            term = cal if (band, code) == (None, None) else found.get((band, code))
            if term is None and (band, code) not in refused:
                continue  # a class of a refused band
            detail.append(_detail_row(t, band, code, term, pts, cv, names))
            if term is None:
                notes.append(_refusal_note(t, band, code, int(pts.mask(band, code).sum()),
                                           min_points, names, band_fitted=(band, None) in found))
    return CalibrationResult(corrections, pd.DataFrame(rows), medians, pd.DataFrame(detail), notes)
