"""The main job: read and check a scenario's inputs, then run every step and write the results.

Results are written through :func:`netcover.core.io.staged_output`: they appear in the output folder
only when the whole run has succeeded, so a failed run leaves earlier results intact.
"""

from __future__ import annotations

import dataclasses
import gc
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcover.app.summary import section_notes, summarize, write_summary
from netcover.config.scenario import Scenario, scenario_from_dict
from netcover.config.service import MEDIAN_SERVICE
from netcover.core import files as files_registry
from netcover.core import timings
from netcover.core.executor import Executor
from netcover.core.io import staged_output
from netcover.core.parallel import DaskExecutor, InProcess, local_pool
from netcover.core.textformat import fold_warnings, markdown_table
from netcover.core.textsafe import safe_name
from netcover.coverage.assumptions import Assumptions
from netcover.coverage.cacheupkeep import cache_info, cache_limit_mb, trim_cache
from netcover.coverage.capacity import CapacityResult
from netcover.coverage.engine import CoverageResult, Progress, compute_coverage
from netcover.coverage.kept import KeptFiles
from netcover.coverage.losscache import CacheWarning, LossCache, default_cache_dir
from netcover.coverage.schedule import release_free_memory
from netcover.coverage.write import (
    CoverageTables,
    coverage_rasters,
    coverage_tables,
    unit_summary_table,
    write_coverage,
)
from netcover.data.inputs import Inputs, load_inputs
from netcover.links.step import LinksRun, run_links
from netcover.monitor.step import MonitoringRun, run_monitoring
from netcover.outputs.report import build_outputs
from netcover.outputs.results import RunFolder, RunResults
from netcover.siting.step import ProposalRun, SitingRun, evaluate_proposals, run_siting

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
        executor: Executor | None = None, profile: bool | None = None) -> RunResult:
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
        coverage on a thread pool of the usable cores (:func:`~netcover.core.parallel.local_pool`).
    profile : bool, optional
        Time each stage (:mod:`netcover.core.timings`): ``report`` gets the table of wall and CPU
        time per stage and the peak memory at the end, and ``timings.json`` is written into the
        output folder. None: as the environment variable ``NETCOVER_TIMINGS`` says; off, nothing
        is timed or written. A collector already active (``netcover run --profile``) is used.

    Returns
    -------
    RunResult
        The output folder and the files written in it.
    """
    say = report or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else default_out_dir(scenario)
    with timings.collect(profile) as clock:
        result = _run(scenario, out, say, progress, executor)
        if clock is not None:  # only when asked: a run without it writes the same files as before
            result.files.append(files_registry.by_key("timings").write_in_run(out, clock.as_dict()))
            say(f"Time per stage (also in {result.files[-1].name}):\n{clock.table()}")
    say(f"Wrote {len(result.files)} files to {out}")
    return result


def _run(scenario: Scenario, out: Path, say: Reporter, progress: Progress | None,
         executor: Executor | None) -> RunResult:
    """:func:`run` without its timings: each step timed as a stage when they are on."""
    say(f"Reading and checking the inputs of {scenario.path or 'the scenario'}")
    with timings.stage("read inputs"):
        inputs = load_inputs(scenario)
    for w in inputs.warnings:
        say(str(w))
    result = RunResult(out_dir=out, summary=summarize(inputs))
    with staged_output(out) as stage:
        steps = _run_steps(inputs, stage, out, say, progress, executor)
        if steps.coverage is not None:  # the headline figures, at their service levels
            result.summary["coverage_headline"] = steps.coverage.tables.headline
        staged = write_summary(result.summary, stage) + steps.files
        results = steps.results(stage, result.summary)
        # the outputs read the files and the coverage rasters only: the rest of what the steps
        # made (per-operator layers, loss windows, candidate footprints) is freed before drawing
        del steps, inputs
        gc.collect()
        release_free_memory()
        say("Maps, report and exports")
        with timings.stage("maps, report, print maps"):
            staged += build_outputs(results, stage, map_builder=interactive_maps, previous=out,
                                    progress=progress)
    result.files = [out / p.relative_to(stage) for p in staged]
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
        summary = summarize(inputs)
        if step == "coverage":
            done = run_coverage(inputs, stage / "coverage", say, progress, executor=executor,
                                previous=out / "coverage")
            summary["coverage_headline"] = done.tables.headline
            staged = done.files
        else:
            staged = run_links(inputs, stage / "links", say, previous=out / "links").files
        staged += write_summary(summary, stage)  # `netcover report` reads it
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

    files = [build_map(run, files_registry.by_key("map").of(lang=lang).in_run(out_dir), lang=lang)
             for lang in LANGS]
    kmz = files_registry.by_key("kmz").of(slug=safe_name(run.slug, fallback="scenario"))
    return [*files, write_kmz(run, kmz.in_run(out_dir))]


@dataclass
class StepResults:
    """What the modelling steps of a run made, as objects (None: the step was skipped)."""

    coverage: CoverageRun | None = None
    siting: SitingRun | None = None
    proposals: ProposalRun | None = None
    links: LinksRun | None = None
    monitoring: MonitoringRun | None = None

    def results(self, folder: Path, summary: dict[str, Any]) -> RunResults:
        """The results as maps and reports read them (:class:`~netcover.outputs.results.RunResults`):
        the input summary and the coverage rasters they draw (:data:`_DRAWN_RASTERS`) from memory,
        the rest from ``folder``."""
        memory: dict[str, Any] = {files_registry.by_key("input_summary").relative: summary}
        if self.coverage is not None:
            memory.update({path: raster for path, raster in coverage_rasters(self.coverage.result)
                           .items() if Path(path).name.startswith(_DRAWN_RASTERS)})
        return RunResults(folder, memory)

    @property
    def files(self) -> list[Path]:
        """The files the steps wrote, in the order they ran."""
        steps = (self.coverage, self.siting, self.proposals, self.links, self.monitoring)
        return [p for step in steps if step is not None for p in step.files]


#: The coverage rasters the maps, charts and reports draw (classes, signal, best server), by the
#: start of their file name: held in memory for them. The others (SINR, servers within 6 dB,
#: minimum loss, service classes: 40 MB on the sample, held while the run draws beside its worker,
#: its largest memory) are read from their files by whatever reads them.
_DRAWN_RASTERS = ("class", "signal_", "best_server_")


def _run_steps(inputs: Inputs, stage: Path, out_dir: Path, say: Reporter,
               progress: Progress | None = None, executor: Executor | None = None) -> StepResults:
    """The modelling steps after input checks; each returns what it made and the files it wrote.

    Sections the inputs cannot feed are skipped, each with the line of its note (see
    :func:`~netcover.core.notes.section_notes`); the notes of the inputs (census population, no
    population...) are said too. The same notes are in ``input_summary.json``. Each step gets the
    objects of the steps before it (the gap table of the siting step for the monitoring step),
    never a file read back.
    """
    notes = section_notes(inputs)
    for note in [*inputs.notes, *notes]:
        say(note.text)
    skip = {str(n.params["section"]) for n in notes if n.code == "skipped"}
    steps = StepResults()
    if inputs.cells is None:
        if "links" not in skip:
            with timings.stage("links"):
                steps.links = run_links(inputs, stage / "links", say, previous=out_dir / "links")
        return steps
    with timings.stage("coverage"):
        steps.coverage = run_coverage(inputs, stage / "coverage", say, progress, executor=executor,
                                  previous=out_dir / "coverage")
    coverage = steps.coverage.result
    _without_service_ranges(coverage)
    if "siting" not in skip:
        _run_siting_steps(inputs, coverage, stage, say, progress, executor, steps,
                          proposals="proposals" not in skip)
    if "links" not in skip:  # the new sites and proposals are terminals of their operator's plan
        with timings.stage("links"):
            steps.links = run_links(
                inputs, stage / "links", say, previous=out_dir / "links",
                site_plan=steps.siting.plan if steps.siting is not None else None,
                proposals=steps.proposals.scores if steps.proposals is not None else None,
                siting_folder=stage / "siting", proposals_folder=stage / "proposals",
                coverage=coverage, capacity=steps.coverage.capacity.result
                if steps.coverage.capacity is not None else None)
    if "monitoring" not in skip:
        gaps = steps.siting.gaps if steps.siting is not None else None
        with timings.stage("monitoring"):
            steps.monitoring = run_monitoring(inputs, coverage, out_dir, stage / "monitoring",
                                              say, gaps=gaps)
    return steps


def _without_service_ranges(result: CoverageResult) -> None:
    """Drop the low and high ends of the service levels' class ranges from ``result``, whose only
    reader is the coverage step's service table (written already): the later steps and the maps
    read the service classes themselves. On the sample, 64 MB the run held from the siting to the
    maps, while it holds its largest memory."""
    result.service = {name: dataclasses.replace(s, low={}, high={})
                      for name, s in result.service.items()}


def _run_siting_steps(inputs: Inputs, coverage: CoverageResult, stage: Path, say: Reporter,
                      progress: Progress | None, executor: Executor | None, steps: StepResults, *,
                      proposals: bool) -> None:
    """The site plan and (with ``proposals`` and a proposals file) the scoring of proposals, into
    ``steps``, on one worker pool for both, closed here (a given ``executor``: by its owner)."""
    siting = inputs.scenario.siting
    with nullcontext(executor) if executor is not None else local_pool() as pool:
        with timings.stage("siting"):
            steps.siting = run_siting(inputs, coverage, siting, stage / "siting", say, progress,
                                      executor=pool)
        if proposals and inputs.scenario.inputs.proposals is not None:
            with timings.stage("proposals"):
                steps.proposals = evaluate_proposals(inputs, coverage, siting,
                                                     inputs.scenario.inputs.proposals,
                                                     stage / "proposals", say, executor=pool,
                                                     progress=progress, siting=steps.siting)


@dataclass
class CapacityRun:
    """The busy-hour load estimate of the coverage step and the files it wrote."""

    result: CapacityResult
    files: list[Path] = field(default_factory=list)


@dataclass
class CoverageRun:
    """What the coverage step made: the result, its statistics, the files written and, with a
    population, the capacity estimate."""

    result: CoverageResult
    tables: CoverageTables
    files: list[Path] = field(default_factory=list)
    capacity: CapacityRun | None = None


def run_coverage(inputs: Inputs, folder: Path, say: Reporter, progress: Progress | None = None,
                 *, executor: Executor | None = None, previous: Path | None = None) -> CoverageRun:
    """Coverage step: compute, tabulate, write; prints the per-unit table.

    ``previous``: the coverage folder of the run the new results replace: its rasters whose
    content is unchanged are kept instead of written again (:mod:`netcover.coverage.kept`).
    """
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
    with timings.stage("losses, sectors, layers"):
        result = _computed(inputs, cache, progress, executor, say)
    with timings.stage("loss cache trim"):
        say(_cache_line(cache.folder, limit))
    for note in fold_warnings(result.notes):
        say(f"warning: {note}")
    with timings.stage("statistics"):
        tables = coverage_tables(result, inputs, usable=cov.usable_class)
    kept = KeptFiles(folder, previous)
    with timings.stage("writing"):
        files = write_coverage(result, inputs, tables, folder, kept=kept)
    capacity = None
    if inputs.population is not None:
        with timings.stage("capacity"):
            capacity = _capacity(result, inputs, folder, say, kept)
            files += capacity.files
    files.append(kept.finish())
    # the class columns are the median's; the headline and indoor columns carry their own level
    assumes = Assumptions.of_inputs(inputs, service=MEDIAN_SERVICE).sentence("en")
    if tables.units is not None:
        text = f"{markdown_table(unit_summary_table(tables))}\n\n{assumes}"
        files.append(files_registry.by_key("coverage_by_unit_md").write(folder, text + "\n"))
        say(text)
    else:
        say(assumes)
    for line in _coverage_lines(tables, cov.usable_class):
        say(line)
    return CoverageRun(result, tables, files, capacity)


def _capacity(result: CoverageResult, inputs: Inputs, folder: Path, say: Reporter,
              kept: KeptFiles | None = None) -> CapacityRun:
    """Busy-hour load and user throughput per cell and commune (:mod:`netcover.coverage.capacity`),
    written beside the coverage files; its notes are said."""
    from netcover.coverage.capacity import capacity_tables, write_capacity
    from netcover.data.reported import read_reported

    reported = inputs.scenario.monitor.reported
    cap = capacity_tables(result, inputs, reported=read_reported(reported) if reported else None)
    record = Assumptions.of_inputs(inputs, service=MEDIAN_SERVICE).csv_columns()
    for note in cap.notes:
        say(f"note: {note}")
    return CapacityRun(cap, write_capacity(folder, cap, record=record, kept=kept))


def _computed(inputs: Inputs, cache: LossCache, progress: Progress | None, executor: Executor,
              say: Reporter) -> CoverageResult:
    """:func:`compute_coverage` saying what the loss cache did (damaged entries, an unwritable
    cache) and how many loss rasters were computed or read."""
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
    return result


def _coverage_lines(tables: CoverageTables, usable: str) -> list[str]:
    """The district's share of people covered (the median prediction's, then the headline and
    indoor service levels' with their ranges and per operator) and the villages without usable
    service."""
    lines = []
    d = tables.district
    if "share_people_covered" in d:
        lines.append(f"People covered ({usable} or better), median prediction (outdoor, 50% of "
                     f"locations): {d['share_people_covered']:.1%} of {d['people']:,.0f}")
    for key, fig in tables.headline.items():
        if "share_people_covered" in fig:
            ops = "; ".join(f"{op} {v[0]:.1%} ({v[1]:.1%}-{v[2]:.1%})"
                            for op, v in fig["per_operator"].items())
            lines.append(f"People covered, {fig['label']} ({key}): {fig['share_people_covered']:.1%}"
                         f" ({fig['low']:.1%}-{fig['high']:.1%}); per operator: {ops}")
    if tables.settlements is not None:
        without = tables.settlements[~tables.settlements["usable_service"]]
        names = ", ".join(f"{r['name']} ({r.get('commune', '')})".replace(" ()", "")
                          for _, r in without.head(12).iterrows())
        more = f" and {len(without) - 12} more" if len(without) > 12 else ""
        lines.append(f"Villages without usable service: {len(without)}"
                     + (f": {names}{more}" if len(without) else ""))
    return lines


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
