"""The ``plan-sites`` and ``evaluate`` commands: parse options, call the library, print.

The lead registers them on the CLI group (``cli.add_command(plan_sites)``,
``cli.add_command(evaluate)``). Errors are reported by :func:`netcover.app.cli._tools.handle_errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from netcover.app.cli._tools import echo_err, execution_options, handle_errors, named_executor, progress_bar
from netcover.config.options import OBJECTIVES, SOLVERS
from netcover.config.siting import SitingSettings
from netcover.siting.better import PROPOSAL_SEARCHES

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.core.executor import Executor
    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs
    from netcover.siting.better import ProposalSearch
    from netcover.siting.step import ProposalRun

__all__ = ["evaluate", "plan_sites", "scenario_settings"]

def scenario_settings(scenario: Scenario) -> SitingSettings:
    """The scenario's ``[siting]`` settings, or the defaults while the scenario has none."""
    found = getattr(scenario, "siting", None)
    return found if isinstance(found, SitingSettings) else SitingSettings()


def _pool(named: Executor | None) -> contextlib.AbstractContextManager[Executor]:
    """``named`` (closed by its owner), else a thread pool of the usable cores closed at the end."""
    from netcover.core.parallel import local_pool

    return contextlib.nullcontext(named) if named is not None else local_pool()


def _coverage(scenario: Scenario, executor: Executor | None) -> tuple[Inputs, CoverageResult]:
    """Inputs and existing coverage (through the loss cache), warnings printed."""
    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.losscache import LossCache, default_cache_dir
    from netcover.data.inputs import load_inputs

    inputs = load_inputs(scenario)
    for w in inputs.warnings:
        echo_err(str(w))
    cache = LossCache(scenario.coverage.cache_dir or default_cache_dir())
    return inputs, compute_coverage(inputs, cache=cache, progress=progress_bar, executor=executor)


@click.command("plan-sites")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<scenario slug>); results go to its siting/.")
@click.option("--objective", type=click.Choice(OBJECTIVES),
              help="count: N sites; budget: most people for the money; target: fewest sites.")
@click.option("--n-sites", type=click.IntRange(min=1), help="Sites to choose (objective count).")
@click.option("--budget", type=click.FloatRange(min=0), help="USD available (objective budget).")
@click.option("--target-share", type=click.FloatRange(0, 1, min_open=True),
              help="Share of people to reach (objective target), e.g. 0.99.")
@click.option("--solver", type=click.Choice(SOLVERS), help="greedy (+1-swap) or exact (MILP).")
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, min_open=True),
              help="Seconds the exact solver may use.")
@execution_options
@handle_errors
def plan_sites(scenario: Path, out_dir: Path | None, scheduler: str | None, workers: int | None,
               **overrides: Any) -> None:
    """Uncovered people, gap areas and a ranked plan of new sites for SCENARIO."""
    from netcover.app.pipeline import default_out_dir
    from netcover.app.summary import summarize, write_summary
    from netcover.config.scenario import load_scenario
    from netcover.core.io import staged_output
    from netcover.siting import run_siting

    sc = load_scenario(scenario)
    given = {k: v for k, v in overrides.items() if v is not None}
    settings = dataclasses.replace(scenario_settings(sc), **given)
    out = out_dir or default_out_dir(sc)
    with named_executor(sc.execution, scheduler, workers) as named:
        inputs, coverage = _coverage(sc, named)
        with staged_output(out) as stage, _pool(named) as pool:
            run_siting(inputs, coverage, settings, stage / "siting", echo_err, progress_bar,
                       executor=pool)
            write_summary(summarize(inputs), stage)  # for `netcover report`
    click.echo(f"Results in {out / 'siting'}")


def _dossier(scored: ProposalRun, folder: Path, out: Path) -> None:
    """Write the dossier of ``scored`` into ``folder`` (the staging folder), pointing its pages
    at ``out``'s ``measurements`` folder (where ``netcover monitor measurements`` writes)."""
    from netcover.outputs.dossier import write_dossier

    assert scored.problem is not None
    path = write_dossier(scored.problem, scored.scores, folder, proposals=scored.proposals,
                         measurements_folder=out / "measurements")
    echo_err(f"Dossier: {len(scored.scores.table)} pages in {out / 'proposals' / path.name}")


@click.command("evaluate")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.argument("proposals", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<scenario slug>); results go to its proposals/.")
@click.option("--radius", "radius_m", type=click.FloatRange(min=0, min_open=True),
              help="Search radius (m) for a better place around each proposal.")
@click.option("--search", type=click.Choice(PROPOSAL_SEARCHES), default="coarse_to_fine",
              show_default=True,
              help="How better places are searched: coarse to fine (places 1,600, 800, 400, "
                   "200 m apart at the default radius and spacing, refined around the best), or "
                   "every place within the radius (several times slower).")
@click.option("--dossier", is_flag=True,
              help="Also write proposals/dossier.pdf: one bilingual (Vietnamese/English) A4 page "
                   "per proposal (map, terrain profile, scores, verdict).")
@execution_options
@handle_errors
def evaluate(scenario: Path, proposals: Path, out_dir: Path | None, radius_m: float | None,
             search: ProposalSearch, dossier: bool, scheduler: str | None,
             workers: int | None) -> None:
    """Score the site PROPOSALS (CSV or point layer) against SCENARIO's network."""
    from netcover.app.pipeline import default_out_dir
    from netcover.app.summary import summarize, write_summary
    from netcover.config.scenario import load_scenario
    from netcover.core.io import staged_output
    from netcover.siting import evaluate_proposals, with_proposals

    sc = with_proposals(load_scenario(scenario), proposals)  # checked with the inputs
    settings = scenario_settings(sc)
    if radius_m is not None:
        settings = dataclasses.replace(settings, proposal_search_radius_m=radius_m)
    out = out_dir or default_out_dir(sc)
    with named_executor(sc.execution, scheduler, workers) as named:
        inputs, coverage = _coverage(sc, named)
        with staged_output(out) as stage, _pool(named) as pool:
            scored = evaluate_proposals(inputs, coverage, settings, proposals, stage / "proposals",
                                        echo_err, executor=pool, progress=progress_bar,
                                        search=search)
            if dossier:
                _dossier(scored, stage / "proposals", out)
            write_summary(summarize(inputs), stage)  # for `netcover report`
    click.echo(f"Results in {out / 'proposals'}")
