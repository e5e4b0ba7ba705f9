"""The ``netcover`` command line: argument parsing only; the work is done by library functions.

Errors end the command with a one-line message and a non-zero exit code; ``--debug`` shows the
full traceback instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from netcover._version import __version__
from netcover.app.cli._tools import echo_err, execution_options, handle_errors, named_executor, progress_bar
from netcover.config.options import LANGS
from netcover.config.radio import MODELS
from netcover.config.scenario import load_scenario
from netcover.errors import format_problems

__all__ = [
    "cache", "cache_clear", "cache_info", "cli", "coverage", "main", "plan_links", "report", "run",
    "sample_data", "validate",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netcover")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def cli(debug: bool) -> None:
    """Plan and monitor mobile coverage and network links for rural, mountainous districts.

    Without arguments, `netcover run` runs the bundled Quản Bạ sample.
    """


def _scenario_path(scenario: Path | None) -> Path:
    if scenario is not None:
        return scenario
    from netcover.app.sample import sample_scenario

    return sample_scenario()


@cli.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<scenario slug> in the current directory).")
@click.option("--profile", is_flag=True,
              help="Print the wall and CPU time of each stage and the peak memory, and write them "
                   "to timings.json in the output folder (also: NETCOVER_TIMINGS=1).")
@execution_options
@handle_errors
def run(scenario: Path | None, out_dir: Path | None, profile: bool, scheduler: str | None,
        workers: int | None) -> None:
    """Run the whole job on SCENARIO (default: the bundled Quản Bạ sample)."""
    from netcover.app.pipeline import run as run_pipeline
    from netcover.core.timings import collect, stage

    with collect(profile or None, since_start=True):  # None: as NETCOVER_TIMINGS says
        with stage("read scenario"):
            sc = load_scenario(_scenario_path(scenario))
        with named_executor(sc.execution, scheduler, workers) as executor:
            result = run_pipeline(sc, out_dir, report=echo_err, progress=progress_bar,
                                  executor=executor)
    click.echo(f"Results in {result.out_dir}")


@cli.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--dem", type=click.Path(path_type=Path), help="DEM file (without a scenario).")
@click.option("--sites", type=click.Path(path_type=Path), help="Sites file (without a scenario).")
@click.option("--radius-km", type=float, help="Computation radius around each site (km).")
@click.option("--model", type=click.Choice(list(MODELS)), help="Propagation model.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
@execution_options
@handle_errors
def coverage(scenario: Path | None, dem: Path | None, sites: Path | None, radius_km: float | None,
             model: str | None, out_dir: Path | None, scheduler: str | None,
             workers: int | None) -> None:
    """Radio coverage of SCENARIO, or of --dem and --sites alone."""
    from netcover.app.pipeline import quick_scenario, run_step

    if scenario is not None and (dem or sites):
        raise click.UsageError("give either SCENARIO or --dem and --sites, not both")
    if scenario is None:
        if not (dem and sites):
            raise click.UsageError("give a SCENARIO, or both --dem and --sites")
        if out_dir is None:
            raise click.BadParameter("is required with --dem/--sites", param_hint="--out")
        sc = quick_scenario(dem, sites, radius_km=radius_km, model=model)
    else:
        sc = load_scenario(scenario)
        if radius_km is not None or model is not None:
            raise click.UsageError("--radius-km and --model go with --dem/--sites; "
                                   "set them in the scenario's [coverage] section")
    with named_executor(sc.execution, scheduler, workers) as executor:
        result = run_step("coverage", sc, out_dir, report=echo_err, progress=progress_bar,
                          executor=executor)
    click.echo(f"Results in {result.out_dir / 'coverage'}")


@cli.command("plan-links")
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Output folder.")
@handle_errors
def plan_links(scenario: Path, out_dir: Path | None) -> None:
    """Rank the fibre and microwave links that connect SCENARIO's offices, sites and villages."""
    from netcover.app.pipeline import run_step

    result = run_step("links", load_scenario(scenario), out_dir, report=echo_err)
    click.echo(f"Results in {result.out_dir / 'links'}")


@cli.command()
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(list(LANGS)), help="Only this language (default: both).")
@handle_errors
def report(results: Path, lang: str | None) -> None:
    """Make the maps, report and exports from a RESULTS folder of `netcover run`, `coverage`,
    `plan-sites` or `evaluate` (the sections its results allow)."""
    from netcover.app.pipeline import interactive_maps
    from netcover.outputs.report import LANGS, build_outputs
    from netcover.outputs.results import RunFolder

    run = RunFolder.open(results)
    files = build_outputs(run, results, langs=(lang,) if lang else LANGS,
                          map_builder=interactive_maps, progress=progress_bar)
    click.echo(f"Wrote {len(files)} files to {results}")


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@handle_errors
def validate(scenario: Path) -> None:
    """Check every input of SCENARIO and print a summary (exit 1 on problems)."""
    from netcover.app.summary import format_summary, summarize
    from netcover.data.inputs import check_inputs
    from netcover.errors import Problem

    sc = load_scenario(scenario)
    inputs, problems = check_inputs(sc)
    errors: list[Problem] = [p for p in problems if p.severity == "error"]
    if problems:
        echo_err(format_problems(problems))
    if inputs is not None:
        click.echo(format_summary(summarize(inputs)))
    if errors or inputs is None:
        echo_err(f"error: {len(errors)} input problem(s) found; fix them and run again")
        sys.exit(1)
    click.echo("OK: the inputs are valid")


@cli.command("sample-data")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--regenerate", is_flag=True,
              help="Run the seeded generator instead of copying the bundled files.")
@click.option("--seed", type=int, default=None, help="Generator seed (with --regenerate).")
@handle_errors
def sample_data(dest: Path, regenerate: bool, seed: int | None) -> None:
    """Write the Quản Bạ sample data set into DEST."""
    from netcover.app.sample import copy_sample, regenerate_sample

    files = regenerate_sample(dest, seed=seed) if regenerate else copy_sample(dest)
    click.echo(f"Wrote {len(files)} files to {dest}")


@cli.group("cache")
def cache() -> None:
    """The loss cache: what it holds, and clearing it."""


_CACHE_DIR = click.option("--cache-dir", type=click.Path(path_type=Path),
                          help="Cache folder (default: $NETCOVER_CACHE_DIR, else ~/.cache/netcover/loss).")


@cache.command("info")
@_CACHE_DIR
@handle_errors
def cache_info(cache_dir: Path | None) -> None:
    """Show the cache folder, its number of entries and its size."""
    from netcover.coverage.cacheupkeep import cache_info as info
    from netcover.coverage.losscache import default_cache_dir

    click.echo(info(cache_dir or default_cache_dir()).describe())


@cache.command("clear")
@_CACHE_DIR
@handle_errors
def cache_clear(cache_dir: Path | None) -> None:
    """Delete every entry of the loss cache (the next run computes the losses again)."""
    from netcover.coverage.cacheupkeep import clear_cache
    from netcover.coverage.losscache import default_cache_dir

    removed = clear_cache(cache_dir or default_cache_dir())
    click.echo(f"Removed {removed.entries + removed.old_entries} entries "
               f"({(removed.bytes + removed.old_bytes) / 1e6:.1f} MB) from {removed.folder}")


def _register_groups() -> None:
    from netcover.app.cli.monitor import monitor
    from netcover.app.cli.siting import evaluate, plan_sites
    from netcover.app.cli.tiled import large_area

    for command in (plan_sites, evaluate, monitor, large_area):
        cli.add_command(command)


_register_groups()


def main() -> None:
    """Entry point of the ``netcover`` script (SIGTERM ends it as Ctrl-C does, workers included;
    the process ends without tearing the interpreter down: :func:`~._tools.exit_now`)."""
    from netcover.app.cli._tools import exit_now, stop_on_sigterm

    stop_on_sigterm()
    try:
        cli(prog_name="netcover")
    except SystemExit as stop:  # click's standalone mode always ends with it
        exit_now(stop.code)
    exit_now(0)
