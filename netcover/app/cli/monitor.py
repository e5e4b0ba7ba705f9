"""``netcover monitor``: option parsing only; the jobs are in :mod:`netcover.monitor.workflow`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from netcover.app.cli._tools import echo_err, handle_errors, progress_bar
from netcover.core.textsafe import safe_name

__all__ = ["calibrate", "import_reported", "measurements", "monitor", "report", "snapshot"]

_SCENARIO = click.argument("scenario", type=click.Path(path_type=Path))
_STORE = click.option("--store", type=click.Path(path_type=Path),
                      help="History store (default: the scenario's [monitor] store, else "
                           "reports/<slug>/history.sqlite).")


def _out(scenario: Any, out_dir: Path | None, name: str) -> Path:
    return out_dir or Path("reports") / safe_name(scenario.scenario.slug, fallback="scenario") / name


def _load(path: Path) -> Any:
    from netcover.config.scenario import load_scenario

    return load_scenario(path)


@click.group("monitor")
def monitor() -> None:
    """Indicator history against targets, and predictions checked against measurements."""


@monitor.command()
@_SCENARIO
@click.option("--period", required=True, help="Period of the snapshot: 2024-Q3, 2024-09 or 2024.")
@click.option("--replace", is_flag=True,
              help="Take the period again (the old snapshot is kept in the audit table).")
@_STORE
@click.option("--fibre-history", type=click.Path(path_type=Path),
              help="CSV settlement_id,period,fibre_households giving the period's fibre households.")
@click.option("--reported", type=click.Path(path_type=Path),
              help="CSV of reported indicators to import with the snapshot.")
@handle_errors
def snapshot(scenario: Path, period: str, replace: bool, store: Path | None,
             fibre_history: Path | None, reported: Path | None) -> None:
    """Compute SCENARIO's indicators and record them as period --period."""
    from netcover.monitor.workflow import resolve_store, take_snapshot

    sc = _load(scenario)
    snap = take_snapshot(sc, period, replace=replace, store=store, fibre_history=fibre_history,
                         reported=reported, progress=progress_bar)
    for note in snap.meta.notes:
        echo_err(f"note: {note}")
    click.echo(f"Snapshot {snap.meta.id} of {period} recorded in {resolve_store(sc, store)}")


@monitor.command("import-reported")
@_SCENARIO
@click.argument("csv", type=click.Path(path_type=Path))
@_STORE
@handle_errors
def import_reported(scenario: Path, csv: Path, store: Path | None) -> None:
    """Import reported indicators (CSV per unit and period) into the history store."""
    from netcover.monitor.workflow import import_reported as run

    n = run(_load(scenario), csv, store=store)
    click.echo(f"Imported {n} reported values from {csv}")


@monitor.command()
@_SCENARIO
@_STORE
@click.option("--from", "before", help="Earlier period of a comparison (with --to).")
@click.option("--to", "after", help="Later period of a comparison (with --from).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<slug>/monitoring).")
@handle_errors
def report(scenario: Path, store: Path | None, before: str | None, after: str | None,
           out_dir: Path | None) -> None:
    """Latest values against targets, trends, charts, and changes --from P --to Q."""
    from netcover.monitor.workflow import report as run

    if (before is None) != (after is None):
        raise click.UsageError("give both --from and --to, or neither")
    sc = _load(scenario)
    result = run(sc, _out(sc, out_dir, "monitoring"), store=store, before=before, after=after)
    click.echo(result.text)
    click.echo(f"Wrote {len(result.files)} files to {_out(sc, out_dir, 'monitoring')}")


@monitor.command()
@_SCENARIO
@click.argument("csv", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<slug>/measurements).")
@click.option("--site", "sites", multiple=True, metavar="SITE_ID",
              help="Compare only the points this built site serves with its own cells' predictions; "
                   "writes <out>/site_<id>/ (site_comparison.csv, site_summary.json, "
                   "site_discrepancy.gpkg, site_errors.png). Repeatable.")
@handle_errors
def measurements(scenario: Path, csv: Path, out_dir: Path | None, sites: tuple[str, ...]) -> None:
    """Compare measurements in CSV with SCENARIO's predictions; write the discrepancy layer
    (with --site: predicted against measured around one built site)."""
    from netcover.monitor.workflow import measurements as run
    from netcover.monitor.workflow import site_measurements_job

    sc = _load(scenario)
    out = _out(sc, out_dir, "measurements")
    if sites:
        result = site_measurements_job(sc, csv, out, list(dict.fromkeys(sites)))
        click.echo(result.text)
        folders = sorted({str(p.parent) for p in result.files})
        click.echo(f"Wrote {len(result.files)} files to {', '.join(folders)}")
        return
    result = run(sc, csv, out, progress=progress_bar)
    click.echo(result.text)
    click.echo(f"Wrote {len(result.files)} files to {out}")


@monitor.command()
@_SCENARIO
@click.argument("csv", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Output folder (default: reports/<slug>/calibration).")
@click.option("--compare-models", is_flag=True,
              help="Also predict with every coverage model, calibrate each and rank them by "
                   "cross-validated error (model_comparison.csv).")
@handle_errors
def calibrate(scenario: Path, csv: Path, out_dir: Path | None, compare_models: bool) -> None:
    """Fit an offset and a distance slope per technology, band and land-cover class to
    measurements; write a calibrated scenario."""
    from netcover.monitor.workflow import calibration

    sc = _load(scenario)
    result, _ = calibration(sc, csv, _out(sc, out_dir, "calibration"), progress=progress_bar,
                            compare_models=compare_models)
    click.echo(result.text)
    click.echo(f"Wrote {len(result.files)} files to {_out(sc, out_dir, 'calibration')}; run the "
               "calibrated_scenario.toml there with netcover run")
