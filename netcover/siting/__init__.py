"""Coverage gaps, ranked new sites, and scoring of operators' site proposals.

Public API
----------
- :class:`SitingSettings`: demand, candidates, the plan's antenna, costs (USD), objective, solver.
- :func:`run_siting`: gaps + candidates + plan of a scenario, written into a folder (``netcover run``,
  ``netcover plan-sites``).
- :func:`evaluate_proposals`: scores of an operator's proposals file (``netcover evaluate``).
- Steps for reuse: :func:`prepare` (-> :class:`SitingProblem`), :func:`plan_sites`
  (-> :class:`SitePlan`), :func:`read_proposals`, :func:`check_proposals`, :func:`with_proposals`,
  :func:`score_proposals`, :func:`proposal_footprints` (for maps).
- Numeric cores: :func:`solve` (greedy + 1-swap or exact MILP on a sparse matrix, -> :class:`SolveResult`),
  :func:`rank_order`, :func:`cluster_labels`, :func:`thin`.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> submodule. Loaded on first use, so that ``netcover.siting.settings`` (which the
#: scenario loader needs) imports without the solvers and the coverage engine.
_EXPORTS = {
    "generate_candidates": "candidates",
    "thin": "candidates",
    "Demand": "gaps",
    "cluster_labels": "gaps",
    "uncovered_demand": "gaps",
    "plan_lines": "output",
    "write_plan": "output",
    "write_proposals": "output",
    "SitePlan": "plan",
    "SitingProblem": "plan",
    "plan_sites": "plan",
    "prepare": "plan",
    "Proposal": "proposals",
    "ProposalScores": "proposals",
    "proposal_footprints": "proposals",
    "read_proposals": "proposals",
    "check_proposals": "proposals",
    "with_proposals": "proposals",
    "score_proposals": "proposals",
    "SitingSettings": "settings",
    "SolveResult": "solvers",
    "rank_order": "solvers",
    "solve": "solvers",
    "run_siting": "step",
    "evaluate_proposals": "step",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
