"""Calibrating the model on measurements: an offset and a distance slope per technology.

As the Standard Propagation Model is tuned from drive tests (its K1 and K2), the correction of a
technology's predicted level is ``offset_db + slope_db_per_decade * log10(d / 1 km)``, ``d`` the
distance to the serving site, fitted by least squares to measured minus predicted. Its error is
estimated by k-fold cross-validation (folds drawn with a seeded generator) and reported next to
the error before calibration.

The calibrated scenario is the original with its paths made absolute and the fitted values in
``[calibration.<technology>]``, which the coverage engine adds to every predicted level.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.config.calibration import MIN_DISTANCE_KM, Calibration
from netcover.errors import InputError
from netcover.monitor.compare import error_stats

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario

__all__ = [
    "MIN_POINTS_FOR_SLOPE", "CalibrationResult", "calibrate", "calibrated_scenario_text",
    "cross_validated_residuals", "dumps_toml", "fit", "fold_ids", "rebase_paths", "write_calibrated_scenario",
]

#: Fewest measurements of a technology to fit both terms (fewer: offset only).
MIN_POINTS_FOR_SLOPE = 20


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


@dataclass
class CalibrationResult:
    """Fitted corrections per technology and the error before and after."""

    corrections: dict[str, Calibration]
    table: pd.DataFrame
    median_distance_km: dict[str, float]


def calibrate(compared: pd.DataFrame, *, folds: int = 5, seed: int = 7) -> CalibrationResult:
    """Fit a correction per technology of compared measurements (see :func:`~netcover.monitor.
    compare.predict`) and cross-validate it.

    The table has per technology: ``n``, ``offset_db``, ``slope_db_per_decade``, bias and RMSE
    before, after (in sample) and cross-validated.
    """
    ok = compared[np.isfinite(compared["error_db"]) & np.isfinite(compared["distance_m"])]
    if ok.empty:
        msg = "no measurement could be compared with a prediction; nothing to calibrate"
        raise InputError(msg)
    corrections, rows, medians = {}, [], {}
    for tech, g in ok.groupby("technology", sort=True):
        e, d = g["error_db"].to_numpy(), g["distance_m"].to_numpy() / 1000.0
        use_slope = len(e) >= MIN_POINTS_FOR_SLOPE and np.ptp(np.log10(np.maximum(d, 0.05))) > 0.1
        cal = fit(e, d, slope=use_slope)
        before, after = error_stats(e), error_stats(e - cal.correction(d))
        cv = error_stats(cross_validated_residuals(e, d, folds=folds, seed=seed, slope=use_slope))
        corrections[str(tech)] = cal
        medians[str(tech)] = float(np.median(d))
        rows.append({"technology": tech, "n": len(e), "offset_db": cal.offset_db,
                     "slope_db_per_decade": cal.slope_db_per_decade,
                     "bias_before_db": before["bias_db"], "rmse_before_db": before["rmse_db"],
                     "bias_after_db": after["bias_db"], "rmse_after_db": after["rmse_db"],
                     "rmse_cv_db": cv["rmse_db"], "std_cv_db": cv["std_db"]})
    return CalibrationResult(corrections, pd.DataFrame(rows), medians)


def calibrated_scenario_text(scenario: Scenario, result: CalibrationResult) -> str:
    """TOML of a scenario applying the calibration (see the module's doc)."""
    if scenario.path is None:
        msg = "the scenario has no file to calibrate; load it from a .toml file"
        raise InputError(msg)
    raw = tomllib.loads(scenario.path.read_text(encoding="utf-8"))
    rebase_paths(raw, scenario)
    head = [f"# Calibrated from measurements by netcover; original: {scenario.path}"]
    raw["calibration"] = {t: dataclasses.asdict(c) for t, c in result.corrections.items()}
    for tech, cal in result.corrections.items():
        head.append(f"# {tech}: correction {cal.offset_db:+.2f} dB "
                    f"{cal.slope_db_per_decade:+.2f} dB per decade of distance from the site")
    return "\n".join(head) + "\n\n" + dumps_toml(raw)


def rebase_paths(raw: dict[str, Any], scenario: Scenario, folder: Path | None = None) -> None:
    """Rewrite, in place, the paths of a scenario's parsed TOML: absolute, or relative to
    ``folder`` when given (for a scenario file written there)."""
    import os

    for section, table in raw.items():
        obj = getattr(scenario, section, None)
        if not isinstance(table, dict) or obj is None or not dataclasses.is_dataclass(obj):
            continue
        for key in table:
            value = getattr(obj, key, None)
            if isinstance(value, Path):
                table[key] = (Path(os.path.relpath(value, folder)).as_posix() if folder
                              else str(value))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else (
        '"' + key + '"')


def dumps_toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text of nested dicts of scalars and lists (enough for scenario files)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
            body = dumps_toml(v, name)
            has_scalars = any(not isinstance(x, dict) for x in v.values())
            out += ("\n" if out else "") + (f"[{name}]\n" if has_scalars or not v else "") + body
    return out


def write_calibrated_scenario(scenario: Scenario, result: CalibrationResult,
                              path: str | Path) -> Path:
    """Write :func:`calibrated_scenario_text` (atomically); return the path."""
    from netcover.core.io import write_text

    return write_text(path, calibrated_scenario_text(scenario, result))
