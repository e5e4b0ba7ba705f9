"""The monitoring step of ``netcover run``: record the period's snapshot, summarise the history.

The snapshot is committed only when the run's results are in place (after the output folder has
been replaced, see :func:`netcover.core.io.after_results`): a failed or killed run leaves the history
as it was.

The history store lives beside the run's results (``<out>/history.sqlite``) unless the scenario's
``[monitor] store`` names another; re-running a period replaces its snapshot and keeps the old one
in the store's audit table.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.config.monitor import current_period, parse_period, settings_from_scenario
from netcover.core.files import by_key
from netcover.core.io import after_results
from netcover.core.textformat import markdown_table
from netcover.monitor.indicators import DISTRICT
from netcover.monitor.snapshot import PendingSnapshot, prepare_snapshot, with_fibre_history
from netcover.monitor.trends import monitoring_summary
from netcover.monitor.unitmap import reaggregated_line
from netcover.monitor.workflow import readable_summary

if TYPE_CHECKING:
    import pandas as pd

    from netcover.config.monitor import MonitorSettings, Targets
    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs

__all__ = ["run_monitoring"]


@dataclass
class MonitoringRun:
    """What the monitoring step made: the summary table (None: skipped) and the files written."""

    summary: pd.DataFrame | None
    files: list[Path] = field(default_factory=list)


def run_monitoring(inputs: Inputs, coverage: CoverageResult, out_dir: Path, folder: Path,
                   say: Callable[[str], None], *, gaps: pd.DataFrame | None = None) -> MonitoringRun:
    """Record this run's snapshot and write ``monitoring_summary.csv`` into ``folder``.

    The history store defaults to ``history.sqlite`` (:mod:`netcover.core.files`) in ``out_dir``.
    """
    if inputs.units is None:
        say("Monitoring: skipped (the scenario has no units layer to report per unit)")
        return MonitoringRun(None)
    settings, targets = settings_from_scenario(inputs.scenario)
    if settings.store is None:
        settings = dataclasses.replace(settings, store=by_key("history").in_run(out_dir))
    period = settings.period or current_period()
    if settings.fibre_history is not None:
        inputs = with_fibre_history(inputs, settings.fibre_history, period)
    pending = prepare_snapshot(inputs, coverage, settings, period, gaps=gaps)
    summary = readable_summary(_summary_with(pending, settings, targets, folder))
    if settings.unit_changes is not None:
        periods = sorted({p for cell in summary["reaggregated"] for p in cell.split("; ") if p},
                         key=parse_period)
        say(f"Monitoring: {reaggregated_line(periods, settings.unit_changes)}")
    district = summary[summary["unit"].str.lower() == DISTRICT]
    if len(district):
        say(markdown_table(district))

    def commit() -> None:
        snap = pending.commit(replace=True)
        say(f"Monitoring: snapshot {period} recorded in {pending.store} (id {snap.meta.id})")

    after_results(folder, commit)
    return MonitoringRun(summary, [by_key("monitoring_summary").write(folder, summary)])


def _summary_with(pending: PendingSnapshot, settings: MonitorSettings, targets: Targets,
                  folder: Path) -> pd.DataFrame:
    """The history's summary table as it will be once ``pending`` is committed.

    The snapshot is committed into a copy of the store under ``folder`` (deleted afterwards), so
    the real store changes only when the results are in place (:func:`netcover.core.io.after_results`).
    """
    import sqlite3

    folder.mkdir(parents=True, exist_ok=True)
    preview = folder / ".history_preview.sqlite"
    try:
        if pending.store.is_file():
            with contextlib.closing(sqlite3.connect(pending.store)) as src, \
                    contextlib.closing(sqlite3.connect(preview)) as dst:
                src.backup(dst)
        pending.commit(preview, replace=True)
        return monitoring_summary(settings, targets, store=preview)
    finally:
        preview.unlink(missing_ok=True)
