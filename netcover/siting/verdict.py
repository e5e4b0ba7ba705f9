"""A verdict on each scored proposal: recommended, recommended with changes, or not recommended.

:func:`verdicts` reads a row of the scored proposals (``proposals_scored.csv``) and gives
``verdict`` (one of :data:`VERDICTS`) and ``verdict_reason`` (one sentence). The rule, with the
thresholds of :class:`VerdictRule` (planning assumptions of this tool, not regulation; give your
own):

1. **Coverage** (``purpose`` coverage or both) passes when the proposal newly covers at least
   ``min_new_people`` (50: about ten households, a hamlet of the karst valleys) people of the
   market (``new_people``, against every operator's coverage) at no more than
   ``max_cost_per_new_person`` (1,000 USD) each (``cost_per_new_person``, or ``cost`` /
   ``new_people``; not checked when neither column is there).
2. **Capacity** (``purpose`` capacity or both) passes when it takes busy-hour users off its
   operator's cells (``users_offloaded``), the busiest of them was loaded
   (``load_before`` >= ``loaded_share``, 0.7 PRB load, where user throughput starts to fall fast)
   and its load falls by at least ``min_load_drop`` (0.05: 5 points of PRB load) or below
   ``loaded_share``. The users' throughput (``throughput_before_mbps``/``_after_mbps``) is said,
   not judged: a few users moved to an empty sector gain much while the loaded cell stays loaded.
3. A proposal passing (either test for ``both``) is **recommended**, or **recommended with
   changes** when it should share another operator's tower (``share_with``, see
   :mod:`netcover.siting.sharing`) or, for coverage, when a better place adds at least
   ``min_move_share`` (10 %) and ``min_move_people`` (10) more people (``extra_people``).
   Capacity (and both) proposals are never told to move for coverage.
4. A coverage proposal failing here but whose better place would pass (``better_new_people``) is
   **recommended with changes** (move it); any other failing proposal is **not recommended**.

Columns missing from the table (a step that did not run) are treated as unknown: the test that
needs them is skipped, never failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["VERDICTS", "VerdictRule", "verdict_of", "verdicts"]

#: The verdicts, best first.
VERDICTS = ("recommended", "recommended with changes", "not recommended")


@dataclass(frozen=True)
class VerdictRule:
    """Thresholds of the verdict (see the module docstring)."""

    min_new_people: float = 50.0
    max_cost_per_new_person: float = 1_000.0
    loaded_share: float = 0.7
    min_load_drop: float = 0.05
    min_move_share: float = 0.10
    min_move_people: float = 10.0


def verdicts(table: pd.DataFrame, rule: VerdictRule | None = None) -> pd.DataFrame:
    """``verdict`` and ``verdict_reason`` of each row of ``table`` (same index)."""
    rule = rule or VerdictRule()
    rows = [verdict_of({str(k): v for k, v in row.items()}, rule)
            for row in table.to_dict("records")]
    return pd.DataFrame(rows, index=table.index, columns=["verdict", "verdict_reason"])


def verdict_of(row: Mapping[str, object], rule: VerdictRule | None = None) -> tuple[str, str]:
    """(verdict, reason) of one scored proposal (see the module docstring)."""
    rule = rule or VerdictRule()
    purpose = _text(row, "purpose") or "coverage"
    tests = []
    if purpose in ("coverage", "both"):
        tests.append(_coverage(row, rule, "new_people"))
    if purpose in ("capacity", "both"):
        tests.append(_capacity(row, rule))
    passed = [reason for ok, reason in tests if ok]
    if passed:
        changes = _changes(row, rule, move=purpose == "coverage")
        verdict = VERDICTS[1] if changes else VERDICTS[0]
        return verdict, _sentence(passed + changes)
    failed = [reason for _, reason in tests]
    advice = _text(row, "advice")
    if purpose == "coverage" and _move_worth_it(row, rule) and _coverage(
            row, rule, "better_new_people")[0]:
        return VERDICTS[1], _sentence([*failed[:1], f"but {advice}"])
    return VERDICTS[2], _sentence(failed)


def _coverage(row: Mapping[str, object], rule: VerdictRule, column: str) -> tuple[bool, str]:
    """The coverage test on ``column`` (new people here, or at the better place)."""
    new = _number(row, column)
    if not np.isfinite(new):
        return False, "its new people are not known"
    if new < rule.min_new_people:
        return False, (f"it newly covers only {new:,.0f} people (fewer than "
                       f"{rule.min_new_people:,.0f})")
    per = _number(row, "cost_per_new_person") if column == "new_people" else np.nan
    cost = _number(row, "cost")
    if not np.isfinite(per) and np.isfinite(cost):
        per = cost / new
    if np.isfinite(per) and per > rule.max_cost_per_new_person:
        return False, (f"each of its {new:,.0f} new people costs {per:,.0f} USD (more than "
                       f"{rule.max_cost_per_new_person:,.0f})")
    at = f" at {per:,.0f} USD each" if np.isfinite(per) else ""
    return True, f"it newly covers {new:,.0f} people{at}"


def _capacity(row: Mapping[str, object], rule: VerdictRule) -> tuple[bool, str]:
    users = _number(row, "users_offloaded")
    if not users > 0:
        return False, "it takes no busy-hour users off its operator's existing cells"
    before, after = _number(row, "load_before"), _number(row, "load_after")
    busiest = _text(row, "cells_offloaded").split(";")[0]
    if before < rule.loaded_share:
        return False, (f"the busiest cell it offloads ({busiest}) is only {before:.0%} loaded in the "
                       f"busy hour (under {rule.loaded_share:.0%}): no capacity need yet")
    t0, t1 = _number(row, "throughput_before_mbps"), _number(row, "throughput_after_mbps")
    if not (after <= before - rule.min_load_drop or after < rule.loaded_share):
        return False, (f"it takes only {users:,.0f} busy-hour users: {busiest} stays at "
                       f"{after:.0%} PRB load ({before:.0%} before)")
    speed = f", users there get {t1:,.1f} instead of {t0:,.1f} Mb/s" if t1 > t0 else ""
    return True, (f"it takes {users:,.0f} busy-hour users off {busiest} and its neighbours "
                  f"(PRB load {before:.0%} to {after:.0%}{speed})")


def _changes(row: Mapping[str, object], rule: VerdictRule, *, move: bool) -> list[str]:
    out = []
    if move and _move_worth_it(row, rule):
        out.append(_text(row, "advice"))
    if _text(row, "share_with") and _text(row, "sharing"):
        out.append(_text(row, "sharing"))
    return out


def _move_worth_it(row: Mapping[str, object], rule: VerdictRule) -> bool:
    extra, new = _number(row, "extra_people"), _number(row, "new_people")
    if not (extra > 0 and np.isfinite(_number(row, "better_lon")) and _text(row, "advice")):
        return False
    return extra >= rule.min_move_people and extra >= rule.min_move_share * max(new, 0.0)


def _sentence(parts: list[str]) -> str:
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "." if text else ""


def _number(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    try:
        return float(str(value)) if value is not None and value != "" else float("nan")
    except ValueError:
        return float("nan")


def _text(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()
