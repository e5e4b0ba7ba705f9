"""Fibre households per settlement and period (the fibre history CSV): reading and checking."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from netcover.config.monitor import period_problems
from netcover.core.io import require_file
from netcover.core.tables import read_table
from netcover.data.site_checks import check_numbers
from netcover.errors import Problem

__all__ = ["FIBRE_HISTORY_COLUMNS", "check_fibre_history"]

FIBRE_HISTORY_COLUMNS = ("settlement_id", "period", "fibre_households")


def check_fibre_history(path: str | Path, *, settlement_ids: set[str] | None = None,
                       period: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check a settlement fibre history (``settlement_id, period, fibre_households``).

    Parameters
    ----------
    path : str or Path
        CSV or Excel table (see :mod:`netcover.core.tables`).
    settlement_ids : set of str, optional
        The settlements layer's ids; rows of other ids are a warning (they change nothing).
    period : str, optional
        The period a run records: it must have rows.

    Returns
    -------
    (pandas.DataFrame, list of Problem)
        Rows with ``fibre_households`` as float; the problems (errors make the table unusable).
    """
    p = require_file(path, "fibre history")
    label = str(p)
    table = read_table(p, "fibre history")
    missing = [c for c in FIBRE_HISTORY_COLUMNS if c not in table.columns]
    if missing:
        found = ", ".join(table.columns) or "none"
        return table, [Problem(label, f"column(s) missing: {', '.join(missing)} (found: {found}); "
                               "the header must be settlement_id,period,fibre_households",
                               field=",".join(missing))]
    problems = period_problems(table["period"], label)
    problems += check_numbers(table, label, [("fibre_households", 0.0, math.inf, True, False,
                                              "households on fibre, a count >= 0")])
    if settlement_ids is not None:
        unknown = sorted(set(table["settlement_id"]) - settlement_ids)
        if unknown:
            msg = (f"settlement_id(s) {', '.join(map(repr, unknown[:10]))} are not in the "
                   "settlements layer; their rows are not used")
            problems.append(Problem(label, msg, field="settlement_id", severity="warning"))
    if period is not None and not (table["period"] == period).any():
        msg = (f"no rows for period {period}, the period the run records; add them or leave out "
               "[monitor] fibre_history")
        problems.append(Problem(label, msg, field="period"))
    return table, problems
