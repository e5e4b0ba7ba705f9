"""The siting steps of a run: gaps, candidates and the plan; scoring of proposals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.config.siting import SitingSettings
from netcover.siting.output import (
    access_text,
    gap_table,
    plan_lines,
    target_text,
    write_plan,
    write_proposals,
)
from netcover.siting.plan import SitePlan, plan_sites, prepare, without_candidates
from netcover.siting.proposals import ProposalScores, read_proposals, score_proposals

if TYPE_CHECKING:
    import pandas as pd

    from netcover.core.executor import Executor
    from netcover.coverage.engine import CoverageResult, Progress
    from netcover.data.inputs import Inputs
    from netcover.siting.better import ProposalSearch
    from netcover.siting.plan import SitingProblem
    from netcover.siting.proposals import Proposal

__all__ = ["evaluate_proposals", "run_siting"]


@dataclass
class SitingRun:
    """What the siting step made: the plan, its gap table and the files written."""

    plan: SitePlan
    gaps: pd.DataFrame
    files: list[Path] = field(default_factory=list)


@dataclass
class ProposalRun:
    """What the scoring of proposals made: the scores and the files written; the problem and the
    proposals scored (for a dossier: :func:`netcover.outputs.dossier.write_dossier`)."""

    scores: ProposalScores
    files: list[Path] = field(default_factory=list)
    problem: SitingProblem | None = None
    proposals: list[Proposal] = field(default_factory=list)


def run_siting(inputs: Inputs, coverage: CoverageResult, settings: SitingSettings, folder: Path,
               say: Callable[[str], None], progress: Progress | None = None, *,
               executor: Executor | None = None) -> SitingRun:
    """Gaps, candidates and the site plan of a scenario, written into ``folder``.

    ``executor``: where the candidates' coverage is computed (None: here; a process pool or a
    local Dask cluster needs the ``if __name__ == "__main__":`` guard in the calling script; the
    ``netcover`` command has it).

    Returns
    -------
    SitingRun
        The plan, its gap table (as in ``gaps.csv``) and the files written.
    """
    problem = prepare(inputs, coverage, settings, progress=progress, executor=executor)
    d = problem.demand
    say(f"Gaps: {d.people.sum():,.0f} people below the {settings.usable_class} class "
        f"in {len(problem.gaps):,} gap areas, "
        f"{d.total_people - d.covered_people - d.people.sum():,.0f} more scattered outside them")
    say(f"Candidates: {len(problem.candidates):,}; coverage matrix {len(d):,} demand cells x "
        f"{problem.matrix.shape[1]:,} candidates in {problem.seconds['matrix']:.1f} s")
    if problem.context.access == "straight_line":
        say(f"Candidates: {access_text(problem.context.access_from)}")
    plan = plan_sites(problem, executor=executor)
    say(f"Site plan ({settings.objective}): {plan.result.message}")
    for line in plan_lines(plan):
        say(line)
    if (target := target_text(plan.summary)):
        say(f"Site plan: {target}")
    gaps = gap_table(problem)
    return SitingRun(plan, gaps, write_plan(plan, folder, gaps=gaps))


def evaluate_proposals(inputs: Inputs, coverage: CoverageResult, settings: SitingSettings,
                       proposals_path: Path, folder: Path, say: Callable[[str], None], *,
                       executor: Executor | None = None, progress: Progress | None = None,
                       search: ProposalSearch = "coarse_to_fine",
                       siting: SitingRun | None = None) -> ProposalRun:
    """Score the proposals in ``proposals_path`` and write the scores into ``folder``.

    ``executor``: where the places tried around the proposals are evaluated (see
    :func:`run_siting`). ``progress``: shows each stage of the better-place search
    ("Proposals, places 800 m apart: 40% (...)"). ``search``: ``"coarse_to_fine"`` (default) or
    ``"exhaustive"`` (every place within the radius; see :mod:`netcover.siting.better`).
    ``siting``: the site plan of the same inputs, coverage and settings (:func:`run_siting`), whose
    demand, gaps and screening grid are then reused instead of made again.

    Returns
    -------
    ProposalRun
        The scores and the files written.
    """
    proposals = read_proposals(proposals_path, settings, inputs.crs, terrain=inputs.terrain)
    problem = (without_candidates(siting.plan.problem) if siting is not None
               else prepare(inputs, coverage, settings, with_matrix=False))
    scores = score_proposals(problem, proposals, executor=executor, progress=progress,
                             search=search)
    for rec in scores.table.itertuples(index=False):
        say(f"{rec.proposal_id} ({rec.operator}, {rec.purpose}): {rec.verdict}; "
            f"{rec.new_people:,.0f} new people ({rec.new_people_own:,.0f} for its operator), "
            f"{rec.overlap_share:.0%} of its footprint already covered; {rec.advice}")
    c = scores.combined
    say(f"All {c['proposals']} proposals together: {c['new_people']:,.0f} new people, "
        f"{c['share_covered_before']:.2%} -> {c['share_covered_after']:.2%} covered")
    say(f"Proposals: {scores.search_text()}")
    return ProposalRun(scores, write_proposals(problem, scores, folder), problem, proposals)
