"""The history store: round trip, replace with audit, interrupted writes, reported indicators."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from netcover.data.reported import read_reported
from netcover.errors import DataFileError, InputError, ValidationError
from netcover.monitor import store
from netcover.monitor.store import (
    audit_log,
    indicator_history,
    list_snapshots,
    read_snapshot,
    write_reported,
    write_snapshot,
)

from .conftest import snapshot as folder_bytes
from .test_monitor_support import frames_equal, hand_meta, hand_snapshot


def test_snapshot_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    data = hand_snapshot()
    written = write_snapshot(path, hand_meta("2024-Q3"), data)
    assert written.meta.id == 1 and written.meta.taken_at
    back = read_snapshot(path, "2024-Q3")
    assert back.meta.netcover_version == "9.9"
    assert back.meta.checksums == {"dem": "ab" * 32}
    assert back.meta.scenario_text.startswith("[scenario]")
    assert back.meta.notes == ["gaps: not given"]
    assert frames_equal(data.indicators, back.data.indicators, ["unit_code", "indicator"])
    assert frames_equal(data.cells, back.data.cells, ["cell_id"])
    assert frames_equal(data.settlements, back.data.settlements, ["settlement_id"])
    assert back.data.settlements["electrified"].tolist() == [True, False]


def test_periods_are_listed_in_time_order(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    for period in ("2024-Q3", "2023-12", "2024"):
        write_snapshot(path, hand_meta(period), hand_snapshot())
    assert list_snapshots(path)["period"].tolist() == ["2023-12", "2024", "2024-Q3"]


def test_retaking_a_period_needs_replace_and_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    write_snapshot(path, hand_meta("2024-Q3"), hand_snapshot(fibre=10))
    with pytest.raises(InputError, match="--replace"):
        write_snapshot(path, hand_meta("2024-Q3"), hand_snapshot(fibre=20))
    assert audit_log(path).empty
    new = write_snapshot(path, hand_meta("2024-Q3"), hand_snapshot(fibre=20), replace=True)
    log = audit_log(path)
    assert len(log) == 1
    assert (log["old_snapshot_id"].iloc[0], log["new_snapshot_id"].iloc[0]) == (1, new.meta.id)
    assert log["period"].iloc[0] == "2024-Q3" and log["action"].iloc[0] == "replace"
    current = read_snapshot(path, "2024-Q3")
    old = read_snapshot(path, snapshot_id=1)
    fib = "indicator == 'fibre_households' and unit_code == '001'"
    assert current.data.indicators.query(fib)["value"].item() == 20
    assert old.data.indicators.query(fib)["value"].item() == 10
    replaced_by = list_snapshots(path, include_replaced=True).set_index("id")["replaced_by"]
    assert replaced_by[1] == new.meta.id and replaced_by.isna()[new.meta.id]
    history = indicator_history(path)
    assert len(history.query(fib)) == 1  # the replaced snapshot is not in the history


@pytest.mark.parametrize("table", ["indicators", "cells", "settlements"])
def test_interrupted_write_leaves_the_store_as_it_was(tmp_path: Path, table: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite"
    write_snapshot(path, hand_meta("2024-Q2"), hand_snapshot())
    before_bytes = folder_bytes(tmp_path)
    before = read_snapshot(path, "2024-Q2")
    real = store._insert_rows

    def failing(con, name, sid, frame, columns):  # type: ignore[no-untyped-def]
        real(con, name, sid, frame, columns)  # some rows are in before the failure
        if name == table:
            raise KeyboardInterrupt("simulated interruption")

    monkeypatch.setattr(store, "_insert_rows", failing)
    for period, replace in (("2024-Q3", False), ("2024-Q2", True)):
        with pytest.raises(KeyboardInterrupt):
            write_snapshot(path, hand_meta(period), hand_snapshot(fibre=40), replace=replace)
    monkeypatch.undo()
    assert folder_bytes(tmp_path) == before_bytes
    assert list_snapshots(path)["period"].tolist() == ["2024-Q2"]
    after = read_snapshot(path, "2024-Q2")
    assert frames_equal(before.data.indicators, after.data.indicators, ["unit_code", "indicator"])
    assert audit_log(path).empty
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_missing_store_and_unknown_period_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="take a snapshot first"):
        read_snapshot(tmp_path / "none.sqlite", "2024-Q3")
    write_snapshot(tmp_path / "h.sqlite", hand_meta("2024-Q3"), hand_snapshot())
    with pytest.raises(InputError, match=r"periods: 2024-Q3"):
        read_snapshot(tmp_path / "h.sqlite", "2023-Q1")


def test_not_a_store(tmp_path: Path) -> None:
    bad = tmp_path / "h.sqlite"
    bad.write_text("not a database at all, just text" * 100)
    with pytest.raises(DataFileError, match="not a netcover history store"):
        write_snapshot(bad, hand_meta("2024-Q3"), hand_snapshot())


def test_reported_indicators_import_and_history(tmp_path: Path) -> None:
    csv = tmp_path / "reported.csv"
    csv.write_text("unit_code,period,share_adults_with_smartphone,officials_trained\n"
                   "001,2024-Q2,0.61,10\n001,2024-Q3,0.65,\ndistrict,2024-Q3,0.69,1253\n",
                   encoding="utf-8")
    frame = read_reported(csv, unit_codes={"001", "002"})
    assert len(frame) == 5  # the empty cell is skipped
    path = tmp_path / "h.sqlite"
    write_snapshot(path, hand_meta("2024-Q3"), hand_snapshot())
    assert write_reported(path, frame, source=str(csv)) == 5
    assert write_reported(path, frame) == 5  # re-importing updates, no duplicates
    history = indicator_history(path)
    rep = history[history["source"] == "reported"]
    assert len(rep) == 5
    assert rep.query("unit_code == '001' and period == '2024-Q3'")["unit_name"].item() == "Tây"


def test_reported_csv_problems_are_listed_together(tmp_path: Path) -> None:
    csv = tmp_path / "reported.csv"
    csv.write_text("unit_code,period,share_internet_user,share_adults_with_smartphone\n"
                   "001,2024-Q5,1,1.4\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_reported(csv)
    text = info.value.report()
    assert "did you mean 'share_internet_users'" in text
    csv.write_text("unit_code,period,share_adults_with_smartphone,officials_trained\n"
                   "001,2024-Q5,1.4,x\n009,2024-Q3,0.5,1\n009,2024-Q3,0.5,1\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_reported(csv, unit_codes={"001"})
    text = info.value.report()
    for expected in ("2024-Q5", "1.4 is out of range", "'x' is not a number",
                     "'009' is not a unit", "more than once"):
        assert expected in text, text
