"""Reported indicators: figures no model computes, imported from a CSV per unit and period.

The CSV has one row per unit and period, a ``unit_code`` column (the commune code, or
``district`` for the district's own figure), a ``period`` column (``2024-Q3``, ``2024-09`` or
``2024``) and any of the indicator columns of :data:`REPORTED`; empty cells are skipped. Shares are
fractions in [0, 1] (0.69 = 69%). Every problem of the file is reported at once.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from netcover.config.monitor import period_problems
from netcover.core.io import require_file
from netcover.core.tables import read_table, row_label
from netcover.errors import Problem, ValidationError

__all__ = ["KEY_COLUMNS", "REPORTED", "read_reported"]

#: Reported indicator -> (label, is a share in [0, 1]).
REPORTED: dict[str, tuple[str, bool]] = {
    "share_adults_with_smartphone": ("adults with a smartphone", True),
    "share_internet_users": ("Internet users", True),
    "share_dossiers_online": ("administrative dossiers received online", True),
    "officials_trained": ("officials trained in digital skills", False),
    "lan_security_approvals": ("LANs approved at a security level", False),
}
KEY_COLUMNS = ("unit_code", "period")


def read_reported(path: str | Path, *, unit_codes: set[str] | None = None) -> pd.DataFrame:
    """Read a reported-indicators CSV into a long table.

    Parameters
    ----------
    path : str or Path
        The CSV or Excel table (see :mod:`netcover.core.tables`), header row.
    unit_codes : set of str, optional
        Known unit codes; others (except ``district``) are errors.

    Returns
    -------
    pandas.DataFrame
        ``unit_code``, ``period``, ``indicator``, ``value``.

    Raises
    ------
    ValidationError
        Unknown columns, bad periods or values, duplicate rows (all listed at once).
    """
    p = require_file(path, "reported indicators")
    label = str(p)
    df = read_table(p, "reported indicators")
    problems = _column_problems(df, label)
    if problems:
        raise ValidationError(problems)
    problems += _key_problems(df, label, unit_codes)
    long = _values(df, label, problems)
    if any(pr.severity == "error" for pr in problems):
        raise ValidationError(problems)
    return long


def _column_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    problems = []
    for col in KEY_COLUMNS:
        if col not in df.columns:
            problems.append(Problem(label, f"column {col!r} is missing; the header needs "
                                    f"{', '.join(KEY_COLUMNS)} and indicator columns", field=col))
    for col in df.columns:
        if col not in KEY_COLUMNS and col not in REPORTED:
            close = difflib.get_close_matches(col, list(REPORTED), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(REPORTED)}"
            problems.append(Problem(label, f"unknown indicator column {col!r}; {hint}", field=col))
    if not problems and not [c for c in df.columns if c in REPORTED]:
        problems.append(Problem(label, f"no indicator columns; add some of {', '.join(REPORTED)}"))
    return problems


def _key_problems(df: pd.DataFrame, label: str, unit_codes: set[str] | None) -> list[Problem]:
    problems = period_problems(df["period"], label)
    codes = df["unit_code"].str.strip()
    for k in np.flatnonzero((codes == "").to_numpy()):
        problems.append(Problem(label, "is empty; give a unit code or 'district'", row_label(k),
                                "unit_code"))
    known = sorted(unit_codes or ())
    listed = ", ".join(known[:15]) + (", ..." if len(known) > 15 else "")
    unknown = ~codes.isin([*known, "district", ""]) if unit_codes is not None else codes != codes
    for code in dict.fromkeys(codes[unknown]):
        found = np.flatnonzero((codes == code).to_numpy())
        where = ", ".join(row_label(i) for i in found[:5]) + (
            f" and {len(found) - 5} more" if len(found) > 5 else "")
        msg = (f"unit code {code!r} is not a unit of the scenario's units layer (its codes: "
               f"{listed}); use one of its codes or 'district', or remove the rows")
        problems.append(Problem(label, msg, where, "unit_code"))
    keys = codes + "|" + df["period"].str.strip()
    for key in sorted(set(keys[keys.duplicated()])):
        rows = ", ".join(row_label(i) for i in np.flatnonzero((keys == key).to_numpy()))
        problems.append(Problem(label, f"unit and period {key.replace('|', ' ')} appear more "
                                f"than once ({rows}); keep one row per unit and period"))
    return problems


def _values(df: pd.DataFrame, label: str, problems: list[Problem]) -> pd.DataFrame:
    out = []
    for col in [c for c in df.columns if c in REPORTED]:
        share = REPORTED[col][1]
        raw = df[col].str.strip()
        values = pd.to_numeric(raw, errors="coerce")
        for i in np.flatnonzero((raw != "").to_numpy() & values.isna().to_numpy()):
            problems.append(Problem(label, f"{raw.iloc[i]!r} is not a number", row_label(i), col))
        v = values.to_numpy(dtype=float)
        bad = np.isfinite(v) & ((v < 0) | (v > 1) if share else v < 0)
        advice = "a share in [0, 1] (0.69 = 69%)" if share else "a count >= 0"
        for i in np.flatnonzero(bad):
            problems.append(Problem(label, f"{v[i]:g} is out of range; give {advice}",
                                    row_label(i), col))
        keep = np.isfinite(v) & ~bad
        out.append(pd.DataFrame({"unit_code": df["unit_code"].str.strip()[keep],
                                 "period": df["period"].str.strip()[keep],
                                 "indicator": col, "value": v[keep]}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["unit_code", "period", "indicator", "value"])
