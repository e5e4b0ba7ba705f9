"""The synthetic history generator on the mini district: valid, consistent, deterministic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from netcover.config.scenario import load_scenario
from netcover.data.inputs import load_inputs
from netcover.data.measurements import read_measurements
from netcover.data.reported import read_reported
from netcover.samplegen.history import CURRENT, EARLIER, generate_history

from .conftest import snapshot as folder_bytes
from .conftest import write_mini_district


def test_history_files_are_valid_consistent_and_deterministic(tmp_path: Path) -> None:
    folder = tmp_path / "a"
    write_mini_district(folder)
    shutil.copytree(folder, tmp_path / "b")
    generate_history(folder, seed=5)
    generate_history(tmp_path / "b", seed=5)
    assert folder_bytes(folder) == folder_bytes(tmp_path / "b")

    history = folder / "history"
    now = pd.read_csv(folder / "sites.csv")
    previous = set(now["cell_id"])
    for period in sorted(EARLIER, reverse=True):  # later to earlier: never more cells
        sc = load_scenario(history / f"scenario_{period}.toml")
        inputs = load_inputs(sc)
        assert sc.inputs.dem == (folder / "dem.tif").resolve()
        cells = set(inputs.cells["cell_id"])  # type: ignore[index]
        assert cells <= previous and len(cells) < len(set(now["cell_id"]))
        previous = cells

    fibre = pd.read_csv(history / "fibre_households.csv", dtype={"settlement_id": str})
    wide = fibre.pivot(index="settlement_id", columns="period", values="fibre_households")
    periods = [*sorted(EARLIER), CURRENT]
    assert (wide[periods].diff(axis=1).iloc[:, 1:] >= 0).all().all()

    reported = read_reported(history / "reported_indicators.csv", unit_codes={"001", "002"})
    assert set(reported["period"]) == set(periods)
    assert "district" in set(reported["unit_code"])

    ms = read_measurements(folder / "drive_test.csv", load_inputs(load_scenario(
        folder / "scenario.toml")))
    assert len(ms.dropped) == 7 and len(ms.points) > 0
    text = (history / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text and f"| {CURRENT} | 2 | 4 | 30 |" in text
