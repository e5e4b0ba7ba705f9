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

#: Public name -> submodule. Loaded on first use, so that ``netcover.config.siting`` (which the
#: scenario loader needs) imports without the solvers and the coverage engine.
_EXPORTS = {
    "generate_candidates": "netcover.siting.candidates",
    "thin": "netcover.siting.candidates",
    "Demand": "netcover.siting.gaps",
    "cluster_labels": "netcover.siting.gaps",
    "uncovered_demand": "netcover.siting.gaps",
    "plan_lines": "netcover.siting.output",
    "write_plan": "netcover.siting.output",
    "write_proposals": "netcover.siting.output",
    "SitePlan": "netcover.siting.plan",
    "SitingProblem": "netcover.siting.plan",
    "plan_sites": "netcover.siting.plan",
    "prepare": "netcover.siting.plan",
    "Proposal": "netcover.data.proposals",
    "ProposalScores": "netcover.siting.proposals",
    "proposal_footprints": "netcover.siting.proposals",
    "read_proposals": "netcover.data.proposals",
    "check_proposals": "netcover.data.proposals",
    "with_proposals": "netcover.data.proposals",
    "score_proposals": "netcover.siting.proposals",
    "SitingSettings": "netcover.config.siting",
    "SolveResult": "netcover.siting.solvers",
    "rank_order": "netcover.siting.solvers",
    "solve": "netcover.siting.solvers",
    "run_siting": "netcover.siting.step",
    "evaluate_proposals": "netcover.siting.step",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(_EXPORTS[name]), name)
