"""Units that change: re-aggregating a history recorded on old units to the new ones.

Communes are merged and split (in 2025 Hà Giang was merged into Tuyên Quang and its communes
merged). A history of snapshots per old commune survives that through a mapping table, the
``[monitor] unit_changes`` CSV, one row per (old unit, new unit):

- ``old_code``: the unit's code in the earlier snapshots;
- ``new_code``: the code of the unit it became (part of);
- ``share`` (optional): the part of the old unit that went to the new one, in (0, 1] (an area
  or population share, as the planner has it); empty or absent means 1. The shares of one old
  unit add up to 1;
- ``new_name`` (optional): the new unit's name (default: its name in the latest snapshot that
  has it, else its code).

Codes the table does not list are taken as unchanged. Every period whose snapshot has an old code
is *re-aggregated* to the new units (the district row is left as it is); the others are kept.
The rule, per period, new unit and indicator:

- counts (``people``, ``households_covered``, ``sites``...) are summed over the old units, each
  times its share;
- shares (``share_*``) are re-computed from the aggregated counts where the history has their
  numerator and denominator (:data:`~netcover.monitor.indicators.SHARES`); otherwise (reported
  shares) they are averaged weighted by each old unit's people times its share;
- a figure one of the old units lacks (or, for a weighted share, whose people are unknown) is
  left out (no data) rather than summed from a part of the new unit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netcover.config.monitor import parse_period
from netcover.monitor.indicators import DISTRICT, SHARES

__all__ = ["reaggregate", "reaggregated_line"]

_KEYS = ["period", "unit_code", "indicator", "source"]


def reaggregate(history: pd.DataFrame, changes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``history`` with every period recorded on old units re-aggregated to the new units.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`~netcover.monitor.store.indicator_history` (``period``, ``unit_code``,
        ``unit_name``, ``indicator``, ``value``, ``source``).
    changes : pandas.DataFrame
        :func:`read_unit_changes`.

    Returns
    -------
    (pandas.DataFrame, list of str)
        The history with a bool column ``reaggregated`` (True on the rows of new units computed
        from old units), and the periods re-aggregated, in time order.
    """
    old = set(changes["old_code"])
    periods = sorted(set(history.loc[history["unit_code"].isin(old), "period"]), key=parse_period)
    moved = history["period"].isin(periods) & (history["unit_code"] != DISTRICT)
    kept = history[~moved].assign(reaggregated=False)
    part = history[moved]
    if part.empty:
        return kept.reset_index(drop=True), []
    m = part.merge(changes[["old_code", "new_code", "share"]], how="left", left_on="unit_code",
                   right_on="old_code")
    m["new_code"] = m["new_code"].fillna(m["unit_code"])
    m["share"] = m["share"].fillna(1.0)
    expected = m.groupby(["period", "new_code"])["unit_code"].nunique()
    counts = _summed_counts(m, expected)
    shares = _shares(m, counts, expected)
    new = pd.concat([counts, shares], ignore_index=True).rename(columns={"new_code": "unit_code"})
    new["unit_name"] = new["unit_code"].map(_names(history, changes))
    new["reaggregated"] = new["unit_code"].isin(changes["new_code"])  # not an unchanged unit
    out = pd.concat([kept, new[[*history.columns, "reaggregated"]]], ignore_index=True)
    return out, periods


def _complete(frame: pd.DataFrame, expected: pd.Series, keys: list[str]) -> pd.Series:
    """Which groups have a row from every old unit of their new unit (bool per group)."""
    got = frame.groupby(keys)["unit_code"].nunique()
    need = expected.reindex(pd.MultiIndex.from_arrays(
        [got.index.get_level_values("period"), got.index.get_level_values("new_code")]))
    return pd.Series(got.to_numpy() == need.to_numpy(), index=got.index)


def _summed_counts(m: pd.DataFrame, expected: pd.Series) -> pd.DataFrame:
    keys = ["period", "new_code", "indicator", "source"]
    c = m[~m["indicator"].str.startswith("share_")].assign(value=lambda f: f["value"] * f["share"])
    sums = c.groupby(keys)["value"].sum()
    return sums[_complete(c, expected, keys)].reset_index()


def _shares(m: pd.DataFrame, counts: pd.DataFrame, expected: pd.Series) -> pd.DataFrame:
    """Share indicators of the new units: from aggregated counts, else people-weighted."""
    keys = ["period", "new_code", "indicator", "source"]
    s = m[m["indicator"].str.startswith("share_")]
    if s.empty:
        return pd.DataFrame(columns=[*keys, "value"])
    by = counts.set_index(keys)["value"]
    people = m[(m["indicator"] == "people") & (m["source"] == "model")]
    weight = people.drop_duplicates(["period", "unit_code"]).set_index(["period", "unit_code"])[
        "value"]  # an old unit's own people (a split unit appears once per new unit)
    rows = []
    complete = _complete(s, expected, keys).to_dict()
    for key, g in s.groupby(keys):
        period, code, indicator, source = key
        base, _, op = str(indicator).partition(":")
        num_den = SHARES.get(base)
        value = np.nan
        if num_den is not None:
            num = f"{num_den[0]}:{op}" if op else num_den[0]
            n, d = by.get((period, code, num, source)), by.get((period, code, num_den[1], source))
            if n is not None and d is not None:
                value = n / d if d > 0 else np.nan
        if num_den is None or not np.isfinite(value):
            w = weight.reindex(pd.MultiIndex.from_arrays([g["period"], g["unit_code"]])).to_numpy()
            w = w * g["share"].to_numpy()
            if complete.get(key, False) and np.isfinite(w).all() and w.sum() > 0:
                value = float(np.sum(w * g["value"].to_numpy()) / w.sum())
        rows.append({**dict(zip(keys, key, strict=True)), "value": value})
    return pd.DataFrame(rows).dropna(subset=["value"])


def _names(history: pd.DataFrame, changes: pd.DataFrame) -> dict[str, str]:
    """Name of each unit code: the mapping's ``new_name``, else its latest name, else the code."""
    h = history.dropna(subset=["unit_name"])
    h = h.assign(t=h["period"].map(parse_period)).sort_values("t")
    names = {str(k): str(v) for k, v in h.drop_duplicates("unit_code", keep="last")
             .set_index("unit_code")["unit_name"].items()}
    for code in set(changes["new_code"]) | set(history["unit_code"]):
        names.setdefault(code, code)
    given = changes[changes["new_name"] != ""].drop_duplicates("new_code", keep="last")
    names.update(dict(zip(given["new_code"], given["new_name"], strict=True)))
    return names


def reaggregated_line(periods: list[str], source: str | Path) -> str:
    """The sentence of the report saying which periods were re-aggregated."""
    if not periods:
        return f"Unit changes ({source}): no period recorded on the old units"
    return (f"Re-aggregated to the new units with {source}: {', '.join(periods)} (counts summed "
            "with their shares; shares from the summed counts, else weighted by people)")
