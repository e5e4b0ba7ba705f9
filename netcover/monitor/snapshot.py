"""Taking a snapshot: compute a period's indicators and store them with where they came from.

Each snapshot records the scenario file's text, the SHA-256 checksum of every input file the
scenario names and ``netcover.__version__``, so a figure in the history can be traced back to the
data it was computed from. The reported indicators CSV (``[monitor] reported``) is imported too.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import __version__
from ..errors import DataFileError, InputError, ValidationError
from .indicators import compute_snapshot_data
from .reported import read_reported
from .settings import MonitorSettings, parse_period, period_problems, store_path
from .store import Snapshot, SnapshotMeta, write_reported, write_snapshot

if TYPE_CHECKING:
    from ..config import Scenario
    from ..coverage import CoverageResult
    from ..inputs import Inputs

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


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

    The CSV has ``settlement_id``, ``period``, ``fibre_households``; settlements it does not list
    for the period keep their value.
    """
    return apply_fibre_history(inputs, read_fibre_history(fibre_csv, period))


def read_fibre_history(fibre_csv: str | Path, period: str) -> pd.Series:
    """Fibre households by ``settlement_id`` for ``period`` from a fibre history CSV.

    Raises
    ------
    InputError, DataFileError, ValidationError
        ``period`` not understood, missing columns, periods of the file not understood (every row
        listed), or no rows for ``period``.
    """
    parse_period(period)
    table = pd.read_csv(fibre_csv, dtype={"settlement_id": str, "period": str})
    missing = {"settlement_id", "period", "fibre_households"} - set(table.columns)
    if missing:
        msg = (f"{fibre_csv}: column(s) {', '.join(sorted(missing))} missing; the header must be "
               "settlement_id,period,fibre_households")
        raise DataFileError(msg)
    if problems := period_problems(table["period"].fillna(""), str(fibre_csv)):
        raise ValidationError(problems)
    rows = table[table["period"].str.strip() == period]
    if rows.empty:
        msg = f"{fibre_csv}: no rows for period {period}; add them or leave out the fibre history"
        raise InputError(msg)
    return rows.set_index("settlement_id")["fibre_households"].astype(float)


def apply_fibre_history(inputs: Inputs, by_id: pd.Series) -> Inputs:
    """The inputs with the fibre households of the settlements ``by_id`` (see
    :func:`read_fibre_history`) lists; the others keep theirs."""
    if inputs.settlements is None or "settlement_id" not in inputs.settlements:
        msg = "settlement fibre history needs settlements with a settlement_id field"
        raise InputError(msg)
    s = inputs.settlements.copy()
    ids = s["settlement_id"].astype(str)
    s["fibre_households"] = ids.map(by_id).fillna(s["fibre_households"]).to_numpy()
    return dataclasses.replace(inputs, settlements=s)


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
    meta = snapshot_meta(inputs.scenario, period)
    data = compute_snapshot_data(inputs, coverage, usable=inputs.scenario.coverage.usable_class,
                                 gaps=gaps)
    path = store_path(settings, inputs.scenario)
    reported = None
    if settings.reported is not None:
        codes = set(data.indicators["unit_code"])
        reported = read_reported(settings.reported, unit_codes=codes)
    snap = write_snapshot(path, meta, data, replace=replace)
    if reported is not None:
        write_reported(path, reported, source=str(settings.reported))
    return snap
