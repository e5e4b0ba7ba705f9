"""``netcover run`` records its monitoring snapshot only once its results are in place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.monitor.store import audit_log, list_snapshots

from .conftest import snapshot, write_mini_district


def _history(store: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return list_snapshots(store, include_replaced=True), audit_log(store)


def test_a_run_failing_after_the_monitoring_step_leaves_the_history_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(write_mini_district(tmp_path / "inputs"))
    out = tmp_path / "out"
    run(scenario, out)
    store = out / "history.sqlite"
    before, results = _history(store), snapshot(out)
    assert len(before[0]) == 1

    def fail(*_args: object, **_kwargs: object) -> list[Path]:
        raise RuntimeError("maps failed")

    monkeypatch.setattr("netcover.app.pipeline.build_outputs", fail)
    with pytest.raises(RuntimeError, match="maps failed"):
        run(scenario, out)
    snapshots, audit = _history(store)
    pd.testing.assert_frame_equal(snapshots, before[0])  # no new snapshot, none marked replaced
    pd.testing.assert_frame_equal(audit, before[1])
    assert snapshots["replaced_by"].isna().all()
    assert snapshot(out) == results

    monkeypatch.undo()
    lines: list[str] = []
    run(scenario, out, report=lines.append)
    snapshots, audit = _history(store)
    assert len(snapshots) == 2 and snapshots["replaced_by"].notna().sum() == 1
    assert len(audit) == 1
    recorded = [line for line in lines if line.startswith("Monitoring: snapshot")]
    assert recorded and lines.index(recorded[0]) > 0
