"""The market view of scored proposals: purpose, capacity relief, tower sharing and the verdict.

:func:`market_view` takes the table :func:`~netcover.siting.proposals.score_proposals` made (one
row per proposal: new people, better place, advice...) and adds, in this order:

- ``purpose`` (coverage, capacity or both; :class:`~netcover.data.proposals.Proposal`);
- for capacity and both proposals, the relief columns of :mod:`netcover.siting.relief`
  (``users_offloaded``, ``cells_offloaded``, ``load_before``, ``load_after``,
  ``throughput_before_mbps``, ``throughput_after_mbps``, ``added_to_site``: the site
  :func:`~netcover.siting.relief.proposal_host` adds it to, whose addition is what its ``cost``
  prices, see :mod:`netcover.siting.proposals`); a capacity proposal's ``advice`` becomes the
  relief sentence and its better place is cleared (capacity sites are never told to move for
  coverage); a ``both`` proposal keeps its better place as information, but its verdict never asks
  it to move (the move would change its relief);
- the sharing columns of :mod:`netcover.siting.sharing` (``share_with``, ``share_distance_m``,
  ``sharing_saving``, ``sharing``); a better place within ``sharing_distance_m`` of another
  operator's proposal or mast gets that said in its ``advice`` ("...; that place is 30 m from
  MobiFone's proposal MBF-P01: share one tower");
- ``verdict`` and ``verdict_reason`` (:mod:`netcover.siting.verdict`), from all of the above.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.siting.relief import RELIEF_COLUMNS, capacity_relief, relief_sentence
from netcover.siting.sharing import SHARING_COLUMNS, masts_of, sharing_near, sharing_table
from netcover.siting.verdict import VerdictRule, verdicts

if TYPE_CHECKING:
    from netcover.core.executor import Executor
    from netcover.coverage.engine import Progress
    from netcover.coverage.losscache import LossCache
    from netcover.data.proposals import Proposal
    from netcover.siting.plan import SitingProblem

__all__ = ["MARKET_COLUMNS", "market_record", "market_view"]

#: The columns :func:`market_view` adds, in order.
MARKET_COLUMNS = ("purpose", *RELIEF_COLUMNS, *SHARING_COLUMNS, "verdict", "verdict_reason")

#: Better-place columns cleared for capacity proposals, and their empty values.
_NO_MOVE = {"better_lon": np.nan, "better_lat": np.nan, "better_distance_m": np.nan,
            "better_direction": "", "extra_people": 0.0}


def market_view(problem: SitingProblem, proposals: Sequence[Proposal], table: pd.DataFrame, *,
                cache: LossCache | None = None, progress: Progress | None = None,
                rule: VerdictRule | None = None,
                executor: Executor | None = None) -> pd.DataFrame:
    """``table`` (one row per proposal, ``proposal_id`` column) with :data:`MARKET_COLUMNS` added.

    Parameters
    ----------
    problem : SitingProblem
        Its inputs, coverage and settings (``sharing_distance_m``...).
    proposals : sequence of Proposal
        The proposals scored in ``table``.
    table : pandas.DataFrame
        The scores (:attr:`~netcover.siting.proposals.ProposalScores.table`).
    cache : LossCache, optional
        The loss cache for the coverage with each capacity proposal (default: the scenario's,
        :func:`~netcover.siting.footprints.footprint_cache`).
    progress : callable, optional
        Passed to the coverage engine.
    rule : VerdictRule, optional
        Thresholds of the verdict.
    executor : Executor, optional
        Where the capacity proposals' missing loss rasters are computed
        (:func:`~netcover.siting.relief.capacity_relief`).
    """
    from netcover.siting.footprints import footprint_cache

    inputs, settings = problem.inputs, problem.settings
    out = table.copy()
    by_id = {p.proposal_id: p for p in proposals}
    ids = out["proposal_id"].astype(str)
    out["purpose"] = [by_id[i].purpose if i in by_id else "coverage" for i in ids]
    relief = pd.DataFrame(columns=list(RELIEF_COLUMNS))
    if (out["purpose"] != "coverage").any():
        relief = capacity_relief(inputs, problem.coverage, proposals,
                                 capacity_settings=getattr(inputs.scenario, "capacity", None),
                                 reported=_reported(problem), progress=progress,
                                 cache=cache or footprint_cache(inputs.scenario),
                                 executor=executor)
    for col in RELIEF_COLUMNS:
        out[col] = ids.map(relief[col]) if len(relief) else np.nan
    for col in ("cells_offloaded", "added_to_site"):
        out[col] = out[col].astype(object).fillna("")
    _no_move_for_capacity(out)
    shares = sharing_table(proposals, settings, cells=inputs.cells)
    for col in SHARING_COLUMNS:
        out[col] = ids.map(shares[col])
    _say_sharing_at_better_places(out, proposals, problem)
    judged = verdicts(out, rule)
    out["verdict"], out["verdict_reason"] = judged["verdict"], judged["verdict_reason"]
    return out


def market_record(problem: SitingProblem, rule: VerdictRule | None = None) -> dict[str, object]:
    """What the scores assume, as ``assumed_*`` columns for ``proposals_scored.csv``'s record:
    the cost model behind ``cost`` (USD: base, per metre of mast, per km of access road and of
    backhaul), the sharing distance and saving share (also what an addition to an existing site
    costs), the verdict's thresholds and the capacity step's demand (smartphone share where none
    is reported, active share, busy-hour MB)."""
    import dataclasses

    s = problem.settings
    out: dict[str, object] = {
        "assumed_base_cost_usd": s.base_cost, "assumed_cost_per_mast_m_usd": s.cost_per_mast_m,
        "assumed_cost_per_road_km_usd": s.cost_per_road_km,
        "assumed_cost_per_backhaul_km_usd": s.cost_per_backhaul_km,
        "assumed_sharing_distance_m": s.sharing_distance_m,
        "assumed_sharing_base_saving_share": s.sharing_base_saving_share}
    out.update({f"assumed_verdict_{k}": v
                for k, v in dataclasses.asdict(rule or VerdictRule()).items()})
    cap = getattr(problem.inputs.scenario, "capacity", None)
    if cap is not None:
        out.update({"assumed_smartphone_share": cap.smartphone_share,
                    "assumed_active_share": cap.active_share,
                    "assumed_busy_hour_mb": cap.busy_hour_mb})
    return out


def _reported(problem: SitingProblem) -> pd.DataFrame | None:
    """The reported indicators the capacity step read (smartphone shares), if the scenario names
    them."""
    from netcover.data.reported import read_reported

    monitor = getattr(problem.inputs.scenario, "monitor", None)
    path = getattr(monitor, "reported", None)
    return read_reported(path) if path else None


def _no_move_for_capacity(out: pd.DataFrame) -> None:
    """Capacity proposals: the relief sentence as advice, no better place."""
    cap = out["purpose"] == "capacity"
    if not cap.any():
        return
    for col, empty in _NO_MOVE.items():
        if col in out.columns:
            out[col] = out[col].where(~cap, empty)
    if "better_new_people" in out.columns and "new_people" in out.columns:
        out["better_new_people"] = out["better_new_people"].where(~cap, out["new_people"])
    records = out[list(RELIEF_COLUMNS)].to_dict("records")
    sentences = [relief_sentence({str(k): v for k, v in r.items()}) for r in records]
    out["advice"] = [s if c else a for s, c, a in zip(sentences, cap, out["advice"], strict=True)]


def _say_sharing_at_better_places(out: pd.DataFrame, proposals: Sequence[Proposal],
                                  problem: SitingProblem) -> None:
    """Append to the advice of a better place near another operator's proposal or mast."""
    from pyproj import Transformer

    if "better_lon" not in out.columns:
        return
    masts = masts_of(proposals, problem.inputs.cells)
    to_xy = Transformer.from_crs("EPSG:4326", problem.inputs.crs, always_xy=True)
    advice = []
    for pid, op, lon, lat, text in zip(out["proposal_id"], out.get("operator", [""] * len(out)),
                                       out["better_lon"].to_numpy(float),
                                       out["better_lat"].to_numpy(float), out["advice"],
                                       strict=True):
        near = ""
        if np.isfinite(lon) and np.isfinite(lat):
            x, y = to_xy.transform(lon, lat)
            near = sharing_near(x, y, str(op), masts, problem.settings, exclude=str(pid))
        advice.append(f"{text}; {near}" if near else text)
    out["advice"] = advice
