"""The monitoring step of ``netcover run``: record the period's snapshot, summarise the history.

The history store lives beside the run's results (``<out>/history.sqlite``) unless the scenario's
``[monitor] store`` names another; re-running a period replaces its snapshot and keeps the old one
in the store's audit table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..io import write_table
from ..textformat import markdown_table
from .indicators import DISTRICT
from .settings import DEFAULT_STORE_NAME, current_period, parse_period, settings_from_scenario
from .snapshot import record_snapshot, with_fibre_history
from .trends import monitoring_summary
from .unitmap import reaggregated_line
from .workflow import readable_summary

if TYPE_CHECKING:
    import pandas as pd

    from ..coverage import CoverageResult
    from ..inputs import Inputs


def run_monitoring(inputs: Inputs, coverage: CoverageResult, out_dir: Path, folder: Path,
                   say: Callable[[str], None], *, gaps: pd.DataFrame | None = None) -> list[Path]:
    """Record this run's snapshot and write ``monitoring_summary.csv`` into ``folder``."""
    if inputs.units is None:
        say("Monitoring: skipped (the scenario has no units layer to report per unit)")
        return []
    settings, targets = settings_from_scenario(inputs.scenario)
    if settings.store is None:
        settings = dataclasses.replace(settings, store=out_dir / DEFAULT_STORE_NAME)
    period = settings.period or current_period()
    if settings.fibre_history is not None:
        inputs = with_fibre_history(inputs, settings.fibre_history, period)
    snap = record_snapshot(inputs, coverage, settings, period, replace=True, gaps=gaps)
    summary = readable_summary(monitoring_summary(settings, targets, scenario=inputs.scenario))
    say(f"Monitoring: snapshot {period} recorded in {settings.store} (id {snap.meta.id})")
    if settings.unit_changes is not None:
        periods = sorted({p for cell in summary["reaggregated"] for p in cell.split("; ") if p},
                         key=parse_period)
        say(f"Monitoring: {reaggregated_line(periods, settings.unit_changes)}")
    district = summary[summary["unit"].str.lower() == DISTRICT]
    if len(district):
        say(markdown_table(district))
    return [write_table(folder / "monitoring_summary.csv", summary)]
