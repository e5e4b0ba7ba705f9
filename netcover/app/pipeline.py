"""The main job: read and check a scenario's inputs, then run every step and write the results.

Results are written through :func:`netcover.core.io.staged_output`: they appear in the output folder
only when the whole run has succeeded, so a failed run leaves earlier results intact.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from netcover.app.summary import section_notes, summarize, write_summary
from netcover.config.scenario import Scenario, scenario_from_dict
from netcover.core.io import staged_output, write_text
from netcover.core.parallel import DaskExecutor, Executor, InProcess, local_pool
from netcover.core.textformat import fold_warnings, markdown_table
from netcover.core.textsafe import safe_name
from netcover.coverage.engine import CoverageResult, Progress, compute_coverage
from netcover.coverage.losscache import (
    CacheWarning,
    LossCache,
    cache_info,
    cache_limit_mb,
    default_cache_dir,
    trim_cache,
)
from netcover.coverage.write import coverage_tables, unit_summary_table, write_coverage
from netcover.data.inputs import Inputs, load_inputs
from netcover.links.step import run_links
from netcover.monitor.step import run_monitoring
from netcover.outputs.report import build_outputs
from netcover.outputs.results import RunFolder
from netcover.siting import evaluate_proposals, run_siting

__all__ = [
    "Reporter", "RunResult", "default_out_dir", "interactive_maps", "quick_scenario", "run", "run_coverage",
    "run_step",
]

#: Receives one line of progress text.
Reporter = Callable[[str], None]


@dataclass
class RunResult:
    """What a run produced."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def default_out_dir(scenario: Scenario) -> Path:
    """``reports/<slug>`` under the current directory (the slug made a safe folder name)."""
    return Path("reports") / safe_name(scenario.scenario.slug, fallback="scenario")


def run(scenario: Scenario, out_dir: str | Path | None = None, *,
        report: Reporter | None = None, progress: Progress | None = None,
        executor: Executor | None = None) -> RunResult:
    """Run the scenario and write its results.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    out_dir : str or Path, optional
        Where results go (default :func:`default_out_dir`).
    report : callable, optional
        Receives progress lines.
    progress : callable, optional
        ``progress(items, label)`` wrapping long loops (e.g. a progress bar).
    executor : Executor, optional
        Where per-site losses and candidate coverage are computed (see
        :func:`~netcover.coverage.engine.compute_coverage`). None: losses in this process, candidate
        coverage on a process pool of the usable cores (:func:`~netcover.core.parallel.local_pool`).

    Returns
    -------
    RunResult
        The output folder and the files written in it.
    """
    say = report or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else default_out_dir(scenario)
    say(f"Reading and checking the inputs of {scenario.path or 'the scenario'}")
    inputs = load_inputs(scenario)
    for w in inputs.warnings:
        say(str(w))
    result = RunResult(out_dir=out, summary=summarize(inputs))
    with staged_output(out) as stage:
        staged = write_summary(result.summary, stage)
        staged += _run_steps(inputs, stage, out, say, progress, executor)
        say("Maps, report and exports")
        staged += build_outputs(RunFolder.open(stage), stage, map_builder=interactive_maps)
    result.files = [out / p.relative_to(stage) for p in staged]
    say(f"Wrote {len(result.files)} files to {out}")
    return result


def run_step(step: str, scenario: Scenario, out_dir: str | Path | None = None, *,
             report: Reporter | None = None, progress: Progress | None = None,
             executor: Executor | None = None) -> RunResult:
    """One step ("coverage" or "links") with its input checks, into ``out_dir/<step>``.

    ``executor``: where the coverage step's per-site losses are computed (None: here).
    """
    say = report or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else default_out_dir(scenario)
    inputs = load_inputs(scenario)
    for w in inputs.warnings:
        say(str(w))
    with staged_output(out) as stage:
        if step == "coverage":
            staged, _result = run_coverage(inputs, stage / "coverage", say, progress,
                                           executor=executor)
        else:
            staged = run_links(inputs, stage / "links", say)
        staged += write_summary(summarize(inputs), stage)  # `netcover report` reads it
    return RunResult(out_dir=out, files=[out / p.relative_to(stage) for p in staged])


def quick_scenario(dem: Path, sites: Path, *, radius_km: float | None = None,
                   model: str | None = None) -> Scenario:
    """A scenario made of a DEM and a site list only, for quick coverage checks."""
    coverage: dict[str, object] = {}
    if radius_km is not None:
        coverage["radius_km"] = radius_km
    if model is not None:
        coverage["model"] = model
    raw = {"scenario": {"name": f"Coverage of {sites.name}", "slug": "coverage"},
           "inputs": {"dem": str(dem.resolve()), "sites": str(sites.resolve())},
           "coverage": coverage}
    return scenario_from_dict(raw)


def interactive_maps(run: RunFolder, out_dir: Path) -> list[Path]:
    """The offline map in every language and the KMZ for Google Earth."""
    from netcover.core.i18n import LANGS
    from netcover.outputs.maps import build_map, write_kmz

    files = [build_map(run, out_dir / f"map_{lang}.html", lang=lang) for lang in LANGS]
    kmz = out_dir / "exports" / f"netcover_{safe_name(run.slug, fallback='scenario')}.kmz"
    return [*files, write_kmz(run, kmz)]


def _run_steps(inputs: Inputs, stage: Path, out_dir: Path, say: Reporter,
               progress: Progress | None = None, executor: Executor | None = None) -> list[Path]:
    """The modelling steps after input checks; each returns the files it wrote under ``stage``.

    Sections the inputs cannot feed are skipped, each with the line of its note (see
    :func:`~netcover.core.notes.section_notes`); the notes of the inputs (census population, no
    population...) are said too. The same notes are in ``input_summary.json``.
    """
    notes = section_notes(inputs)
    for note in [*inputs.notes, *notes]:
        say(note.text)
    skip = {str(n.params["section"]) for n in notes if n.code == "skipped"}
    files: list[Path] = []
    if inputs.cells is None:
        return [] if "links" in skip else run_links(inputs, stage / "links", say)
    written, coverage = run_coverage(inputs, stage / "coverage", say, progress,
                                     executor=executor)
    files += written
    gaps = None
    if "siting" not in skip:
        siting = inputs.scenario.siting
        pool = executor or local_pool()
        files += run_siting(inputs, coverage, siting, stage / "siting", say, progress,
                            executor=pool)
        gaps = pd.read_csv(stage / "siting" / "gaps.csv", encoding="utf-8-sig",
                           dtype={"commune_code": str})
        if "proposals" not in skip and inputs.scenario.inputs.proposals is not None:
            files += evaluate_proposals(inputs, coverage, siting, inputs.scenario.inputs.proposals,
                                        stage / "proposals", say, executor=pool)
    if "links" not in skip:
        files += run_links(inputs, stage / "links", say)
    if "monitoring" not in skip:
        files += run_monitoring(inputs, coverage, out_dir, stage / "monitoring", say, gaps=gaps)
    return files


def run_coverage(inputs: Inputs, folder: Path, say: Reporter, progress: Progress | None = None,
                 *, executor: Executor | None = None) -> tuple[list[Path], CoverageResult]:
    """Coverage step: compute, tabulate, write; prints the per-unit table."""
    cov = inputs.scenario.coverage
    cache = LossCache(cov.cache_dir or default_cache_dir())
    executor = executor or InProcess()
    where = f", losses on {executor.describe()}" if executor.workers > 1 else ""
    say(f"Coverage: model {cov.model}, radius {cov.radius_km:g} km, loss cache {cache.folder}{where}")
    if isinstance(executor, DaskExecutor) and executor.address is not None and cov.cache_dir is None:
        say(f"warning: the loss cache {cache.folder} is the default folder: workers on other "
            "machines write their losses to their own disks and this machine computes them again; "
            "set [coverage] cache_dir to a folder they all mount at the same path")
    limit = cache_limit_mb(cov.cache_max_mb)  # a bad cap is refused before the model runs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CacheWarning)
        result = compute_coverage(inputs, cache=cache, progress=progress, executor=executor)
    for w in caught:  # damaged cache entries, an unwritable cache: said; other warnings: again
        if issubclass(w.category, CacheWarning):
            say(f"warning: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    read = result.losses_computed + result.losses_cached
    losses = (f"{result.losses_computed} computed, {result.losses_cached} from the cache" if read
              else "none needed: every layer is unchanged")
    say(f"Coverage: {result.jobs} loss rasters ({losses}), "
        f"{result.groups} operator/technology layers ({result.groups_reused} unchanged, from the cache)")
    say(_cache_line(cache.folder, limit))
    for note in fold_warnings(result.notes):
        say(f"warning: {note}")
    tables = coverage_tables(result, inputs, usable=cov.usable_class)
    files = write_coverage(result, inputs, tables, folder)
    if tables.units is not None:
        text = markdown_table(unit_summary_table(tables))
        files.append(write_text(folder / "coverage_by_unit.md", text + "\n"))
        say(text)
    d = tables.district
    if "share_people_covered" in d:
        say(f"People covered ({cov.usable_class} or better): {d['share_people_covered']:.1%} "
            f"of {d['people']:,.0f}")
    if tables.settlements is not None:
        without = tables.settlements[~tables.settlements["usable_service"]]
        names = ", ".join(f"{r['name']} ({r.get('commune', '')})".replace(" ()", "")
                          for _, r in without.head(12).iterrows())
        more = f" and {len(without) - 12} more" if len(without) > 12 else ""
        say(f"Villages without usable service: {len(without)}"
            + (f": {names}{more}" if len(without) else ""))
    return files, result


def _cache_line(folder: Path | None, limit: float | None) -> str:
    """The loss cache's size after trimming it to ``limit`` MB (None: no cap)."""
    if folder is None:
        return "Loss cache: off"
    trimmed = ""
    if limit is not None:
        removed, freed = trim_cache(folder, int(limit * 1e6))
        if removed:
            trimmed = f"; {removed} least recently used entries ({freed / 1e6:.1f} MB) removed"
        trimmed = f", cap {limit:g} MB{trimmed}"
    return f"Loss cache {cache_info(folder).describe()}{trimmed}"
