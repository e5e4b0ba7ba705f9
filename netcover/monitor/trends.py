"""Progress against targets, trends over periods, and what changed between two periods.

Status of an indicator with a target:

- ``met``: the latest value reaches the target;
- ``on track`` / ``off track``: not yet, and the straight line fitted through every period's
  value (least squares against the periods' mid-points in decimal years) does / does not reach the
  target by the end of the target year;
- ``not met``: the target has no year (0: due now) and is not reached;
- ``no trend``: one period only and a target year still ahead.

Indicators without a target get ``no target``. The trend is that line's slope per year.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.monitor import MonitorSettings, Targets, parse_period, store_path
from netcover.data.reported import REPORTED
from netcover.monitor.indicators import DISTRICT
from netcover.monitor.store import indicator_history, read_snapshot

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario

__all__ = [
    "FLAT", "HEADLINE", "SETTING_BY_INDICATOR", "Changes", "changes", "history_of", "monitoring_summary",
    "status", "summary_table", "target_table", "trend_word",
]

#: Indicators of the monitoring summary besides the targeted ones, in report order.
HEADLINE: tuple[str, ...] = ("share_people_covered", "share_households_covered", "sites",
                             "sectors", "fibre_households", "share_institutions_connected",
                             "gaps", "people_in_gaps")
#: Relative slope (per year, of the latest value's size) under which a trend counts as flat.
FLAT = 1e-3
SETTING_BY_INDICATOR = {
    "share_fibre_households": "fibre_households",
    "share_communes_with_fibre": "communes_with_fibre",
    "share_electrified_villages_served": "electrified_villages_served",
    "share_people_4g": "people_4g",
    "share_commune_offices_connected": "commune_offices_connected",
}


def target_table(targets: Targets) -> dict[str, tuple[float, int]]:
    """Indicator -> (target share, year; 0 = now)."""
    return {ind: (getattr(targets, f"{key}_share"), getattr(targets, f"{key}_year"))
            for ind, key in SETTING_BY_INDICATOR.items()}


def status(periods: np.ndarray, values: np.ndarray, target: float | None,
           year: int) -> tuple[str, float]:
    """Status (see the module's doc) and slope per year of one indicator's history.

    ``periods`` are decimal years in increasing order, ``values`` the values at them.
    """
    slope = float(np.polyfit(periods, values, 1)[0]) if len(periods) >= 2 else float("nan")
    if target is None:
        return "no target", slope
    latest = float(values[-1])
    if latest >= target - 1e-9:
        return "met", slope
    if year == 0:
        return "not met", slope
    if not np.isfinite(slope):
        return "no trend", slope
    intercept = float(np.mean(values) - slope * np.mean(periods))
    projected = intercept + slope * (year + 1.0)
    return ("on track" if projected >= target else "off track"), slope


def trend_word(slope: float, latest: float) -> str:
    """``rising``, ``falling``, ``flat`` or ``-`` (one period)."""
    if not np.isfinite(slope):
        return "-"
    if abs(slope) <= FLAT * max(abs(latest), 1e-9):
        return "flat"
    return "rising" if slope > 0 else "falling"


def summary_table(history: pd.DataFrame, targets: Targets, *,
                  indicators: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per indicator and unit: latest period and value, target, status, trend.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`~netcover.monitor.store.indicator_history`; with a ``reaggregated`` column
        (:func:`~netcover.monitor.unitmap.reaggregate`) the table gets one too: the periods of
        each row re-aggregated from old units.
    targets : Targets
        Targets of the targeted indicators.
    indicators : tuple of str, optional
        Indicators to include (default: the targeted ones, :data:`HEADLINE` and every reported one).
    """
    goals = target_table(targets)
    chosen = indicators or (*goals, *HEADLINE, *REPORTED)
    h = history[history["indicator"].isin(chosen)].copy()
    regrouped = "reaggregated" in h  # see netcover.monitor.unitmap
    h["t"] = h["period"].map(parse_period)
    rows = []
    for (ind, code), g in h.groupby(["indicator", "unit_code"], sort=False):
        g = g.sort_values("t")
        target, year = goals.get(str(ind), (None, 0))
        st, slope = status(g["t"].to_numpy(), g["value"].to_numpy(dtype=float), target, year)
        latest = float(g["value"].iloc[-1])
        rows.append({"indicator": ind, "unit_code": code, "unit": g["unit_name"].iloc[-1],
                     "periods": len(g), "latest_period": g["period"].iloc[-1], "latest": latest,
                     "target": target, "target_year": year or None, "status": st,
                     "trend_per_year": slope, "trend": trend_word(slope, latest)})
        if regrouped:
            rows[-1]["reaggregated"] = "; ".join(g.loc[g["reaggregated"].astype(bool), "period"])
    out = pd.DataFrame(rows, columns=["indicator", "unit_code", "unit", "periods", "latest_period",
                                      "latest", "target", "target_year", "status",
                                      "trend_per_year", "trend",
                                      *(["reaggregated"] if regrouped else [])])
    rank = {name: i for i, name in enumerate(chosen)}
    out["_i"] = out["indicator"].map(rank)
    out["_d"] = out["unit_code"] != DISTRICT
    return out.sort_values(["_i", "_d", "unit_code"]).drop(columns=["_i", "_d"]).reset_index(
        drop=True)


def monitoring_summary(settings: MonitorSettings, targets: Targets | None = None, *,
                       scenario: Scenario | None = None, store: Path | None = None) -> pd.DataFrame:
    """The summary table (:func:`summary_table`) of a history store.

    The store is ``store``, else the one ``settings`` name, else that of ``scenario``'s slug
    (:func:`~netcover.config.monitor.store_path`); ``targets`` default to :class:`Targets`.
    With ``settings.unit_changes`` the history is first re-aggregated (:func:`history_of`).
    """
    path = store or store_path(settings, scenario)
    return summary_table(history_of(path, settings)[0], targets or Targets())


def history_of(store: Path, settings: MonitorSettings) -> tuple[pd.DataFrame, list[str]]:
    """The store's indicator history, re-aggregated to the new units when ``settings`` name
    ``unit_changes``; and the periods re-aggregated."""
    history = indicator_history(store)
    if settings.unit_changes is None:
        return history, []
    from netcover.data.unit_changes import read_unit_changes
    from netcover.monitor.unitmap import reaggregate

    return reaggregate(history, read_unit_changes(settings.unit_changes))


@dataclass
class Changes:
    """What changed between two periods.

    Attributes
    ----------
    sites : pandas.DataFrame
        ``change`` (site added, site removed, cell added, cell removed, re-tilted, re-aimed,
        raised/lowered, power changed), ``site_id``, ``cell_id``, ``operator``, ``detail``.
    coverage : pandas.DataFrame
        Per unit: people covered and their share at both periods, and the differences.
    fibre : pandas.DataFrame
        Per settlement with more (or fewer) fibre households: before, after, difference.
    """

    sites: pd.DataFrame
    coverage: pd.DataFrame
    fibre: pd.DataFrame


_CELL_CHANGES = (("mech_tilt_deg", "re-tilted"), ("elec_tilt_deg", "re-tilted"),
                 ("azimuth_deg", "re-aimed"), ("height_m", "height changed"),
                 ("tx_power_dbm", "power changed"))


def changes(store: str | Path, before: str, after: str) -> Changes:
    """Compare the current snapshots of periods ``before`` and ``after``."""
    a, b = read_snapshot(store, before), read_snapshot(store, after)
    return Changes(_site_changes(a.data.cells, b.data.cells),
                   _coverage_changes(a.data.indicators, b.data.indicators),
                   _fibre_changes(a.data.settlements, b.data.settlements))


def _site_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    old_sites, new_sites = set(old["site_id"]), set(new["site_id"])
    for label, sites, frame in (("site added", new_sites - old_sites, new),
                                ("site removed", old_sites - new_sites, old)):
        for sid in sorted(sites):
            part = frame[frame["site_id"] == sid]
            techs = "/".join(sorted(set(part["technology"])))
            rows.append({"change": label, "site_id": sid, "cell_id": "",
                         "operator": part["operator"].iloc[0],
                         "detail": f"{len(part)} cells ({techs})"})
    both = old.merge(new, on="cell_id", suffixes=("_old", "_new"))
    for label, left, right in (("cell added", new, old), ("cell removed", old, new)):
        extra = left[~left["cell_id"].isin(right["cell_id"]) & left["site_id"].isin(
            old_sites & new_sites)]
        rows += [{"change": label, "site_id": r.site_id, "cell_id": r.cell_id,
                  "operator": r.operator, "detail": f"{r.technology} {r.frequency_mhz:g} MHz"}
                 for r in extra.itertuples()]
    for _, r in both.iterrows():
        for col, label in _CELL_CHANGES:
            o, n = float(r[f"{col}_old"]), float(r[f"{col}_new"])
            if abs(o - n) > 1e-6:
                rows.append({"change": label, "site_id": r["site_id_new"], "cell_id": r["cell_id"],
                             "operator": r["operator_new"], "detail": f"{col} {o:g} -> {n:g}"})
    return pd.DataFrame(rows, columns=["change", "site_id", "cell_id", "operator", "detail"])


def _coverage_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    keys = ["people_covered", "share_people_covered", "households_covered"]

    def wide(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame[frame["indicator"].isin(keys)]
        return part.pivot_table(index=["unit_code", "unit_name"], columns="indicator",
                                values="value", aggfunc="first")

    joined = wide(old).add_suffix("_before").join(wide(new).add_suffix("_after"), how="outer")
    for k in keys:
        if f"{k}_before" in joined and f"{k}_after" in joined:
            joined[f"{k}_change"] = joined[f"{k}_after"] - joined[f"{k}_before"]
    out = joined.reset_index()
    out["_d"] = out["unit_code"] == DISTRICT
    return out.sort_values(["_d", "unit_code"]).drop(columns="_d").reset_index(drop=True)


def _fibre_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    cols = ["settlement_id", "name", "unit_code", "fibre_households"]
    j = old[cols].merge(new[cols], on=["settlement_id"], how="outer", suffixes=("_before", "_after"))
    j["name"] = j["name_after"].fillna(j["name_before"])
    j["unit_code"] = j["unit_code_after"].fillna(j["unit_code_before"])
    j["fibre_before"] = j["fibre_households_before"].fillna(0.0)
    j["fibre_after"] = j["fibre_households_after"].fillna(0.0)
    j["newly_on_fibre"] = j["fibre_after"] - j["fibre_before"]
    out = j[j["newly_on_fibre"] != 0][["settlement_id", "name", "unit_code", "fibre_before",
                                       "fibre_after", "newly_on_fibre"]]
    return out.sort_values(["unit_code", "settlement_id"]).reset_index(drop=True)
