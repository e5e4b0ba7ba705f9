"""Taking a snapshot: compute a period's indicators and store them with where they came from.

Each snapshot records the scenario file's text, the SHA-256 checksum of every input file the
scenario names and ``netcover.__version__``, so a figure in the history can be traced back to the
data it was computed from. The reported indicators CSV (``[monitor] reported``) is imported too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netcover._version import __version__
from netcover.config.monitor import MonitorSettings, parse_period, store_path
from netcover.core.io import file_sha256
from netcover.data.fibre_history import check_fibre_history
from netcover.data.reported import read_reported
from netcover.errors import InputError, ValidationError
from netcover.monitor.indicators import SnapshotData, compute_snapshot_data
from netcover.monitor.store import Snapshot, SnapshotMeta, write_snapshot

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs

__all__ = [
    "PendingSnapshot", "file_sha256", "input_checksums", "prepare_snapshot", "record_snapshot",
    "snapshot_meta", "with_fibre_history",
]

def input_checksums(scenario: Scenario) -> dict[str, str]:
    """SHA-256 of every input file the scenario names, by its ``inputs`` key."""
    out = {}
    for f in dataclasses.fields(scenario.inputs):
        value = getattr(scenario.inputs, f.name)
        if isinstance(value, Path) and value.is_file():
            out[f.name] = file_sha256(value)
    return out


def snapshot_meta(scenario: Scenario, period: str) -> SnapshotMeta:
    """Metadata of a snapshot of ``scenario``: its text, its inputs' checksums, the version."""
    parse_period(period)
    text = ""
    if scenario.path is not None and scenario.path.is_file():
        text = scenario.path.read_text(encoding="utf-8")
    return SnapshotMeta(period=period, netcover_version=__version__,
                        scenario_name=scenario.scenario.name,
                        scenario_path=str(scenario.path or ""), scenario_text=text,
                        checksums=input_checksums(scenario))


def with_fibre_history(inputs: Inputs, fibre_csv: str | Path, period: str) -> Inputs:
    """The inputs with each settlement's fibre households as ``fibre_csv`` gives them for ``period``.

    The table has ``settlement_id``, ``period``, ``fibre_households``; settlements it does not list
    for the period keep their value.

    Raises
    ------
    ValidationError
        The table or the settlements do not fit (see :func:`check_fibre_history`).
    """
    if inputs.settlements is None or "settlement_id" not in inputs.settlements:
        msg = "settlement fibre history needs settlements with a settlement_id field"
        raise InputError(msg)
    table, problems = check_fibre_history(fibre_csv, period=period)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    rows = table[table["period"] == period]
    by_id = rows.set_index("settlement_id")["fibre_households"].astype(float)
    s = inputs.settlements.copy()
    ids = s["settlement_id"].astype(str)
    s["fibre_households"] = ids.map(by_id).fillna(s["fibre_households"]).to_numpy()
    return dataclasses.replace(inputs, settlements=s)


@dataclasses.dataclass
class PendingSnapshot:
    """A computed snapshot not yet in the store: :meth:`commit` writes it in one transaction."""

    store: Path
    meta: SnapshotMeta
    data: SnapshotData
    reported: pd.DataFrame | None = None
    source: str = ""

    def commit(self, store: Path | None = None, *, replace: bool = False) -> Snapshot:
        """Write the snapshot (and the reported indicators) into ``store`` (default: its own)."""
        meta = dataclasses.replace(self.meta)
        return write_snapshot(store or self.store, meta, self.data, replace=replace,
                              reported=self.reported, source=self.source)


def prepare_snapshot(inputs: Inputs, coverage: CoverageResult, settings: MonitorSettings,
                     period: str, *, gaps: pd.DataFrame | None = None) -> PendingSnapshot:
    """Compute a period's indicators and read the reported ones, without writing anything.

    Arguments as :func:`record_snapshot`.
    """
    meta = snapshot_meta(inputs.scenario, period)
    data = compute_snapshot_data(inputs, coverage, usable=inputs.scenario.coverage.usable_class,
                                 gaps=gaps)
    pending = PendingSnapshot(store_path(settings, inputs.scenario), meta, data)
    if settings.reported is not None:
        codes = set(data.indicators["unit_code"])
        pending.reported = read_reported(settings.reported, unit_codes=codes)
        pending.source = str(settings.reported)
    return pending


def record_snapshot(inputs: Inputs, coverage: CoverageResult, settings: MonitorSettings,
                    period: str, *, replace: bool = False,
                    gaps: pd.DataFrame | None = None) -> Snapshot:
    """Compute a period's indicators and write them to the history store in one transaction.

    Parameters
    ----------
    inputs : Inputs
        The scenario's inputs (units required).
    coverage : CoverageResult
        Their coverage.
    settings : MonitorSettings
        Store path and the reported indicators CSV (imported as well when given).
    period : str
        ``2024-Q3``, ``2024-09`` or ``2024``.
    replace : bool
        Take the period again if it is in the store (the old snapshot is kept and audited).
    gaps : pandas.DataFrame, optional
        Coverage gaps (``unit_code``, ``people``); None records the gap indicators as missing.

    Returns
    -------
    Snapshot
        With its id and time.
    """
    return prepare_snapshot(inputs, coverage, settings, period, gaps=gaps).commit(replace=replace)
