"""The history store: snapshots of indicators in one SQLite file (standard library ``sqlite3``).

Tables:

- ``snapshots``: one row per snapshot (period, time taken, netcover version, scenario text, input
  checksums as JSON, notes); ``replaced_by`` is NULL for the current snapshot of a period;
- ``indicators``, ``cells``, ``settlements``: the snapshot's data (see
  :class:`~netcover.monitor.indicators.SnapshotData`);
- ``reported``: indicators reported per unit and period (not computed by any model);
- ``audit``: one row per replacement (period, old and new snapshot ids, when).

A snapshot is written in one transaction: an error or an interruption mid-way leaves the store as
it was. Re-taking a period needs ``replace=True``; the old snapshot stays in the file, marked
replaced, and the audit table says when and by which snapshot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from netcover.errors import DataFileError, InputError, OutputError
from netcover.monitor.indicators import CELL_FIELDS, SnapshotData

__all__ = [
    "SCHEMA_VERSION", "Snapshot", "SnapshotMeta", "audit_log", "connect", "indicator_history",
    "list_snapshots", "read_snapshot", "transaction", "write_reported", "write_snapshot",
]

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, period TEXT NOT NULL, taken_at TEXT NOT NULL,
    netcover_version TEXT NOT NULL, scenario_name TEXT, scenario_path TEXT, scenario_text TEXT,
    checksums TEXT NOT NULL, notes TEXT NOT NULL, replaced_by INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS snapshots_current ON snapshots(period) WHERE replaced_by IS NULL;
CREATE TABLE IF NOT EXISTS indicators (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id), unit_code TEXT NOT NULL,
    unit_name TEXT, indicator TEXT NOT NULL, value REAL,
    PRIMARY KEY (snapshot_id, unit_code, indicator));
CREATE TABLE IF NOT EXISTS cells (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id), cell_id TEXT NOT NULL, site_id TEXT,
    operator TEXT, technology TEXT, lon REAL, lat REAL, height_m REAL, azimuth_deg REAL,
    mech_tilt_deg REAL, elec_tilt_deg REAL, frequency_mhz REAL, tx_power_dbm REAL, unit_code TEXT,
    PRIMARY KEY (snapshot_id, cell_id));
CREATE TABLE IF NOT EXISTS settlements (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id), settlement_id TEXT NOT NULL, name TEXT,
    unit_code TEXT, households REAL, fibre_households REAL, electrified INTEGER,
    service_class INTEGER, PRIMARY KEY (snapshot_id, settlement_id));
CREATE TABLE IF NOT EXISTS reported (
    unit_code TEXT NOT NULL, period TEXT NOT NULL, indicator TEXT NOT NULL, value REAL,
    source TEXT, imported_at TEXT NOT NULL, PRIMARY KEY (unit_code, period, indicator));
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, period TEXT NOT NULL,
    old_snapshot_id INTEGER, new_snapshot_id INTEGER, netcover_version TEXT);
"""
_SETTLEMENT_FIELDS = ("settlement_id", "name", "unit_code", "households", "fibre_households",
                      "electrified", "service_class")


@dataclass
class SnapshotMeta:
    """Where a snapshot came from."""

    period: str
    netcover_version: str
    scenario_name: str = ""
    scenario_path: str = ""
    scenario_text: str = ""
    checksums: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    taken_at: str = ""
    id: int | None = None


@dataclass
class Snapshot:
    """A stored snapshot: its metadata and data."""

    meta: SnapshotMeta
    data: SnapshotData


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def connect(path: str | Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """Open the store (creating it and its tables when ``create``); close it afterwards."""
    path = Path(path)
    if not create and not path.is_file():
        msg = (f"{path}: no history store here; take a snapshot first "
               "(netcover monitor snapshot SCENARIO --period 2024-Q3) or give --store")
        raise DataFileError(msg)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        msg = f"{path}: cannot open the history store ({exc}); check the path and permissions"
        raise OutputError(msg) from exc
    try:
        con.execute("PRAGMA foreign_keys = ON")
        if create:
            _ensure_schema(con, path)
        yield con
    finally:
        con.close()


def _ensure_schema(con: sqlite3.Connection, path: Path) -> None:
    try:
        with transaction(con):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    except sqlite3.DatabaseError as exc:
        msg = f"{path}: not a netcover history store ({exc}); give another --store path"
        raise DataFileError(msg) from exc


@contextlib.contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; any exception rolls everything back."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def write_snapshot(path: str | Path, meta: SnapshotMeta, data: SnapshotData, *,
                   replace: bool = False, reported: pd.DataFrame | None = None,
                   source: str = "") -> Snapshot:
    """Store a snapshot in one transaction; return it with its id and time.

    ``reported`` indicators (as :func:`write_reported` takes them, from ``source``) are stored in
    the same transaction.

    Raises
    ------
    InputError
        The period already has a snapshot and ``replace`` is False.
    """
    with connect(path, create=True) as con, transaction(con):
        old = con.execute("SELECT id, taken_at FROM snapshots WHERE period = ? AND replaced_by IS NULL",
                          (meta.period,)).fetchone()
        if old is not None and not replace:
            msg = (f"{path}: period {meta.period} was already taken on {old[1]}; give --replace "
                   "to take it again (the old snapshot is kept and the replacement audited)")
            raise InputError(msg)
        taken = _now()
        if old is not None:
            con.execute("UPDATE snapshots SET replaced_by = -1 WHERE id = ?", (old[0],))
        cur = con.execute(
            "INSERT INTO snapshots (period, taken_at, netcover_version, scenario_name, scenario_path,"
            " scenario_text, checksums, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (meta.period, taken, meta.netcover_version, meta.scenario_name, meta.scenario_path,
             meta.scenario_text, json.dumps(meta.checksums, sort_keys=True),
             json.dumps(meta.notes or data.missing)))
        new_id = int(cur.lastrowid or 0)
        _insert_rows(con, "indicators", new_id, data.indicators,
                     ("unit_code", "unit_name", "indicator", "value"))
        _insert_rows(con, "cells", new_id, data.cells, (*CELL_FIELDS, "unit_code"))
        _insert_rows(con, "settlements", new_id, data.settlements, _SETTLEMENT_FIELDS)
        if old is not None:
            con.execute("UPDATE snapshots SET replaced_by = ? WHERE id = ?", (new_id, old[0]))
            con.execute("INSERT INTO audit (at, action, period, old_snapshot_id, new_snapshot_id,"
                        " netcover_version) VALUES (?, 'replace', ?, ?, ?, ?)",
                        (taken, meta.period, old[0], new_id, meta.netcover_version))
        if reported is not None:
            _insert_reported(con, reported, source, taken)
    meta.id, meta.taken_at = new_id, taken
    meta.notes = meta.notes or list(data.missing)
    return Snapshot(meta, data)


def _insert_rows(con: sqlite3.Connection, table: str, snapshot_id: int, frame: pd.DataFrame,
                 columns: tuple[str, ...]) -> None:
    present = [c for c in columns if c in frame.columns]
    rows = frame[present].astype(object).where(frame[present].notna(), None)
    placeholders = ", ".join("?" * (len(present) + 1))
    con.executemany(f"INSERT INTO {table} (snapshot_id, {', '.join(present)}) "
                    f"VALUES ({placeholders})",
                    ((snapshot_id, *(_plain(v) for v in rec))
                     for rec in rows.itertuples(index=False, name=None)))


def _plain(value: object) -> object:
    """numpy scalars -> Python scalars (sqlite3 binds only the latter)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def list_snapshots(path: str | Path, *, include_replaced: bool = False) -> pd.DataFrame:
    """Snapshots in the store (id, period, taken_at, version, scenario, replaced_by), by period."""
    where = "" if include_replaced else "WHERE replaced_by IS NULL"
    with connect(path) as con:
        frame = pd.read_sql_query(
            "SELECT id, period, taken_at, netcover_version, scenario_name, replaced_by "
            f"FROM snapshots {where} ORDER BY period, id", con)
    from netcover.config.monitor import parse_period

    order = frame["period"].map(parse_period).sort_values(kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def read_snapshot(path: str | Path, period: str | None = None, *,
                  snapshot_id: int | None = None) -> Snapshot:
    """The current snapshot of ``period`` (or the snapshot ``snapshot_id``, replaced or not)."""
    with connect(path) as con:
        if snapshot_id is not None:
            row = con.execute("SELECT * FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        else:
            row = con.execute("SELECT * FROM snapshots WHERE period = ? AND replaced_by IS NULL",
                              (period,)).fetchone()
        if row is None:
            what = f"snapshot {snapshot_id}" if snapshot_id is not None else f"period {period}"
            known = ", ".join(r[0] for r in con.execute(
                "SELECT period FROM snapshots WHERE replaced_by IS NULL ORDER BY period"))
            msg = f"{path}: no {what} in the store (periods: {known or 'none'})"
            raise InputError(msg)
        names = [d[0] for d in con.execute("SELECT * FROM snapshots LIMIT 0").description]
        rec = dict(zip(names, row, strict=True))
        sid = int(rec["id"])
        frames = {t: pd.read_sql_query(f"SELECT * FROM {t} WHERE snapshot_id = ?", con,
                                       params=(sid,)).drop(columns="snapshot_id")
                  for t in ("indicators", "cells", "settlements")}
    meta = SnapshotMeta(period=rec["period"], netcover_version=rec["netcover_version"],
                        scenario_name=rec["scenario_name"] or "",
                        scenario_path=rec["scenario_path"] or "",
                        scenario_text=rec["scenario_text"] or "",
                        checksums=json.loads(rec["checksums"]), notes=json.loads(rec["notes"]),
                        taken_at=rec["taken_at"], id=sid)
    frames["settlements"]["electrified"] = frames["settlements"]["electrified"].astype(bool)
    return Snapshot(meta, SnapshotData(frames["indicators"], frames["cells"],
                                       frames["settlements"], list(meta.notes)))


def indicator_history(path: str | Path) -> pd.DataFrame:
    """Every current snapshot's indicators and every reported indicator, in one long table.

    Columns ``period``, ``unit_code``, ``unit_name``, ``indicator``, ``value``, ``source``
    ("model" or "reported").
    """
    with connect(path) as con:
        model = pd.read_sql_query(
            "SELECT s.period, i.unit_code, i.unit_name, i.indicator, i.value, 'model' AS source "
            "FROM indicators i JOIN snapshots s ON s.id = i.snapshot_id "
            "WHERE s.replaced_by IS NULL", con)
        reported = pd.read_sql_query(
            "SELECT period, unit_code, NULL AS unit_name, indicator, value, 'reported' AS source "
            "FROM reported", con)
    names = model.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    reported["unit_name"] = reported["unit_code"].map(names)
    return pd.concat([model, reported], ignore_index=True)


def write_reported(path: str | Path, frame: pd.DataFrame, *, source: str = "") -> int:
    """Insert or update reported indicators (``unit_code``, ``period``, ``indicator``,
    ``value``) in one transaction; return the number of rows written."""
    with connect(path, create=True) as con, transaction(con):
        _insert_reported(con, frame, source, _now())
    return len(frame)


def _insert_reported(con: sqlite3.Connection, frame: pd.DataFrame, source: str, now: str) -> None:
    con.executemany(
        "INSERT OR REPLACE INTO reported VALUES (?, ?, ?, ?, ?, ?)",
        ((str(code), str(period), str(ind), float(value), source, now)
         for code, period, ind, value in zip(
             frame["unit_code"], frame["period"], frame["indicator"],
             frame["value"].to_numpy(dtype=float), strict=True)))


def audit_log(path: str | Path) -> pd.DataFrame:
    """The audit table: one row per replaced snapshot."""
    with connect(path) as con:
        return pd.read_sql_query("SELECT * FROM audit ORDER BY id", con)
