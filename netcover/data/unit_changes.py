"""Units that change between periods (``[monitor] unit_changes``): old code, new code, share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netcover.core.io import require_file
from netcover.errors import DataFileError, Problem, ValidationError

__all__ = ["COLUMNS", "SHARE_TOLERANCE", "read_unit_changes"]

#: Columns of the mapping table (the last two optional).
COLUMNS = ("old_code", "new_code", "share", "new_name")


#: Shares of one old unit must add up to 1 within this.
SHARE_TOLERANCE = 0.01


def read_unit_changes(path: str | Path) -> pd.DataFrame:
    """Read and check a unit mapping table (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        ``old_code``, ``new_code``, ``share`` (float), ``new_name`` ("" when not given).

    Raises
    ------
    ValidationError
        Missing columns, empty codes, shares outside (0, 1] or not adding up to 1, repeated
        pairs (all listed at once, with their rows).
    """
    p = require_file(path, "unit changes")
    label = str(p)
    df = _read_csv(p)
    problems = [Problem(label, f"column {c!r} is missing; the header needs old_code,new_code "
                        "and optionally share,new_name", field=c)
                for c in COLUMNS[:2] if c not in df.columns]
    if problems:
        raise ValidationError(problems)
    out = pd.DataFrame({c: df[c].str.strip() if c in df else "" for c in COLUMNS})
    raw = out["share"].replace("", "1")
    share = pd.to_numeric(raw, errors="coerce")
    problems += _row_problems(out, raw, share, label)
    problems += _repeated_pairs(out, label)
    out["share"] = share
    problems += _total_problems(out, label)
    if problems:
        raise ValidationError(problems)
    return out


def _read_csv(p: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read the unit changes ({exc}); save it as UTF-8 CSV"
        raise DataFileError(msg) from exc
    df.columns = [c.strip() for c in df.columns]
    return df


def _row_problems(out: pd.DataFrame, raw: pd.Series, share: pd.Series,
                  label: str) -> list[Problem]:
    """Empty codes and shares outside (0, 1], row by row."""
    problems: list[Problem] = []
    for i in range(len(out)):
        row = f"row {i + 2}"
        for c in COLUMNS[:2]:
            if not out[c].iloc[i]:
                problems.append(Problem(label, "empty code; give the unit's code", row, c))
        v = share.iloc[i]
        if not (np.isfinite(v) and 0 < v <= 1):
            problems.append(Problem(label, f"share {raw.iloc[i]!r} must be a number in (0, 1] "
                                    "(0.4 = 40% of the old unit)", row, "share"))
    return problems


def _repeated_pairs(out: pd.DataFrame, label: str) -> list[Problem]:
    pairs = out["old_code"] + " -> " + out["new_code"]
    problems: list[Problem] = []
    for pair in sorted(set(pairs[pairs.duplicated()])):
        rows = ", ".join(f"row {i + 2}" for i in np.flatnonzero((pairs == pair).to_numpy()))
        problems.append(Problem(label, f"{pair} appears more than once ({rows}); keep one row"))
    return problems


def _total_problems(out: pd.DataFrame, label: str) -> list[Problem]:
    """Old units whose shares do not add up to 1."""
    problems: list[Problem] = []
    for code, total in out.groupby("old_code")["share"].sum().items():
        if code and np.isfinite(total) and abs(total - 1.0) > SHARE_TOLERANCE:
            problems.append(Problem(label, f"the shares of old unit {code!r} add up to "
                                    f"{total:g}; they must add up to 1", field="share"))
    return problems
