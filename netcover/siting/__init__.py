"""Coverage gaps, ranked new sites, and scoring of operators' site proposals.

Public API
----------
- :class:`SitingSettings`: demand, candidates, the plan's antenna, costs (USD), objective, solver.
- :func:`run_siting`: gaps + candidates + plan of a scenario, written into a folder (``netcover run``,
  ``netcover plan-sites``).
- :func:`evaluate_proposals`: scores of an operator's proposals file (``netcover evaluate``).
- Steps for reuse: :func:`prepare` (-> :class:`SitingProblem`), :func:`plan_sites`
  (-> :class:`SitePlan`), :func:`read_proposals`, :func:`check_proposals`, :func:`with_proposals`,
  :func:`score_proposals`, :func:`proposal_footprints` (for maps), :func:`footprint_cache` (where
  candidate footprints are kept: the scenario's loss cache folder).
- Proposals' market view: :func:`capacity_relief` (capacity proposals: load and throughput relief;
  one on its own operator's mast is added to that site, :mod:`netcover.siting.colocate`),
  :func:`sharing_table` and :func:`sharing_near` (tower sharing between operators),
  :func:`verdicts` (recommended / with changes / not recommended, with the reason).
- Full-resolution figures of new sites (the coverage step's engine and grid):
  :class:`FullResolution` (:mod:`netcover.siting.fullres`).
- Numeric cores: :func:`solve` (greedy + 1-swap or exact MILP on a sparse matrix, -> :class:`SolveResult`),
  :func:`rank_order`, :func:`cluster_labels`, :func:`thin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.config.siting import SitingSettings
    from netcover.data.proposals import Proposal, check_proposals, read_proposals, with_proposals
    from netcover.siting.candidates import generate_candidates, thin
    from netcover.siting.footprints import footprint_cache
    from netcover.siting.fullres import FullResolution
    from netcover.siting.gaps import Demand, cluster_labels, uncovered_demand
    from netcover.siting.output import plan_lines, write_plan, write_proposals
    from netcover.siting.plan import SitePlan, SitingProblem, plan_sites, prepare
    from netcover.siting.proposals import ProposalScores, proposal_footprints, score_proposals
    from netcover.siting.relief import capacity_relief
    from netcover.siting.sharing import masts_of, sharing_near, sharing_table
    from netcover.siting.solvers import SolveResult, rank_order, solve
    from netcover.siting.step import evaluate_proposals, run_siting
    from netcover.siting.verdict import verdicts

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "generate_candidates": "netcover.siting.candidates",
    "thin": "netcover.siting.candidates",
    "footprint_cache": "netcover.siting.footprints",
    "FullResolution": "netcover.siting.fullres",
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
    "capacity_relief": "netcover.siting.relief",
    "masts_of": "netcover.siting.sharing",
    "sharing_near": "netcover.siting.sharing",
    "sharing_table": "netcover.siting.sharing",
    "verdicts": "netcover.siting.verdict",
}

__all__ = [
    "Demand",
    "FullResolution",
    "Proposal",
    "ProposalScores",
    "SitePlan",
    "SitingProblem",
    "SitingSettings",
    "SolveResult",
    "capacity_relief",
    "check_proposals",
    "cluster_labels",
    "evaluate_proposals",
    "footprint_cache",
    "generate_candidates",
    "masts_of",
    "plan_lines",
    "plan_sites",
    "prepare",
    "proposal_footprints",
    "rank_order",
    "read_proposals",
    "run_siting",
    "score_proposals",
    "sharing_near",
    "sharing_table",
    "solve",
    "thin",
    "uncovered_demand",
    "verdicts",
    "with_proposals",
    "write_plan",
    "write_proposals",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
