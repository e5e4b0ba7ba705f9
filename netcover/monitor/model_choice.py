"""Letting calibration pick the model: each coverage-model variant predicted, calibrated and
cross-validated on the same measurements.

A variant is the scenario's ``[coverage]`` settings with some fields replaced (e.g.
``{"model": "hata"}``); :func:`model_variants` lists one per propagation model, and one per
diffraction method of P.1812 when ``[coverage]`` has a ``diffraction`` setting. The best variant is
the one whose calibrated predictions have the smallest k-fold cross-validated RMSE (the error a
planner can expect after calibrating that model), pooled over technologies.
"""

from __future__ import annotations

import dataclasses
import typing
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.config.calibration import MIN_POINTS_PER_ENTRY
from netcover.config.radio import MODELS
from netcover.monitor.calibrate import calibrate
from netcover.monitor.compare import predict

if TYPE_CHECKING:
    from netcover.config.sections import CoverageSettings
    from netcover.data.inputs import Inputs
    from netcover.data.measurements import MeasurementSet

__all__ = ["compare_models", "model_variants", "variant_label"]

def model_variants(cov: CoverageSettings) -> list[dict[str, Any]]:
    """One variant per ``[coverage] model`` and, for P.1812, per ``diffraction`` method when the
    settings have that field (its choices read from the field's ``Literal`` type)."""
    hints = typing.get_type_hints(type(cov))
    methods = typing.get_args(hints["diffraction"]) if "diffraction" in hints else ()
    out: list[dict[str, Any]] = []
    for model in MODELS:
        if model == "p1812" and methods:
            out.extend({"model": model, "diffraction": m} for m in methods)
        else:
            out.append({"model": model})
    return out


def variant_label(variant: Mapping[str, Any]) -> str:
    """``p1812`` or ``p1812, diffraction=deygout``: the model, then the other replaced fields."""
    rest = [f"{k}={v}" for k, v in variant.items() if k != "model"]
    return ", ".join([str(variant.get("model", "scenario")), *rest])


def _pooled(table: pd.DataFrame, column: str) -> float:
    """RMSE over all technologies from their per-technology RMSE and counts."""
    n, r = table["n"].to_numpy(dtype=float), table[column].to_numpy(dtype=float)
    ok = np.isfinite(r)
    return float(np.sqrt(np.sum(n[ok] * r[ok] ** 2) / np.sum(n[ok]))) if ok.any() else np.nan


def compare_models(inputs: Inputs, ms: MeasurementSet, *,
                   variants: Sequence[Mapping[str, Any]] | None = None, folds: int = 5,
                   seed: int = 7, min_points: int = MIN_POINTS_PER_ENTRY) -> pd.DataFrame:
    """How well each coverage-model variant fits the measurements, best first.

    Parameters
    ----------
    inputs : Inputs
        The scenario's data; its ``[coverage]`` settings are the base of every variant.
    ms : MeasurementSet
        The measurements (:func:`~netcover.data.measurements.read_measurements`).
    variants : sequence of mappings, optional
        ``[coverage]`` fields to replace, one mapping per variant (default
        :func:`model_variants`).
    folds, seed, min_points
        As :func:`~netcover.monitor.calibrate.calibrate`.

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``variant``, ``n`` (points predicted), ``bias_before_db``,
        ``rmse_before_db``, ``rmse_cv_db`` (after calibration, cross-validated, pooled over
        technologies), ``scenario`` (True for the scenario's own settings) and ``best``; sorted by
        ``rmse_cv_db``.
    """
    sc = inputs.scenario
    rows = []
    for variant in variants if variants is not None else model_variants(sc.coverage):
        cov = dataclasses.replace(sc.coverage, **dict(variant))
        these = dataclasses.replace(inputs, scenario=dataclasses.replace(sc, coverage=cov))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # validity warnings of a model the user did not pick
            compared = predict(these, ms)
        result = calibrate(compared, folds=folds, seed=seed, min_points=min_points)
        t = result.table
        e = compared["error_db"].to_numpy(dtype=float)
        rows.append({"variant": variant_label(variant), "n": int(t["n"].sum()),
                     "bias_before_db": float(np.nanmean(e)),
                     "rmse_before_db": _pooled(t, "rmse_before_db"),
                     "rmse_cv_db": _pooled(t, "rmse_cv_db"),
                     "scenario": all(getattr(sc.coverage, k) == v for k, v in variant.items())})
    out = pd.DataFrame(rows).sort_values("rmse_cv_db", kind="stable").reset_index(drop=True)
    out["best"] = out.index == 0
    return out
