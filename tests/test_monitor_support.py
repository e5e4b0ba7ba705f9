"""Helpers of the monitoring tests (no tests here): the mini district with its coverage, and
small snapshots built by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from netcover.config.scenario import Scenario, load_scenario
from netcover.coverage.engine import CoverageResult, compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.data.inputs import Inputs, load_inputs
from netcover.monitor.indicators import CELL_FIELDS, DISTRICT, SnapshotData
from netcover.monitor.store import SnapshotMeta

from .conftest import write_mini_district


@dataclass
class Mini:
    """The mini district, loaded, with its coverage (loss cache private to the test module)."""

    folder: Path
    scenario: Scenario
    inputs: Inputs
    coverage: CoverageResult


def build_mini(folder: Path) -> Mini:
    """Write the mini district into ``folder`` with a private loss cache and compute its coverage."""
    path = write_mini_district(folder)
    path.write_text(path.read_text(encoding="utf-8")
                    + f'cache_dir = "{(folder / "cache").as_posix()}"\n', encoding="utf-8")
    sc = load_scenario(path)
    inputs = load_inputs(sc)
    coverage = compute_coverage(inputs, cache=LossCache(folder / "cache"))
    return Mini(folder, sc, inputs, coverage)


def hand_snapshot(*, sites: int = 2, fibre: float = 10.0, covered: float = 0.5,
                  tilt: float = 2.0) -> SnapshotData:
    """A small snapshot: two communes and the district, ``sites`` sites of one cell each."""
    rows = []
    for code, name, people in (("001", "Tây", 300.0), ("002", "Đông", 200.0)):
        for ind, value in (("people", people), ("people_covered", covered * people),
                           ("share_people_covered", covered), ("fibre_households", fibre),
                           ("share_fibre_households", fibre / 50.0)):
            rows.append((code, name, ind, value))
    for ind, value in (("people", 500.0), ("people_covered", covered * 500.0),
                       ("share_people_covered", covered), ("fibre_households", 2 * fibre),
                       ("share_fibre_households", fibre / 50.0)):
        rows.append((DISTRICT, "District", ind, value))
    indicators = pd.DataFrame(rows, columns=["unit_code", "unit_name", "indicator", "value"])
    cells = pd.DataFrame([{c: 0.0 for c in CELL_FIELDS} for _ in range(sites)])
    cells["cell_id"] = [f"C{i}" for i in range(sites)]
    cells["site_id"] = [f"S{i}" for i in range(sites)]
    cells["operator"], cells["technology"], cells["unit_code"] = "Viettel", "4G", "001"
    cells["frequency_mhz"], cells["mech_tilt_deg"] = 1800.0, tilt
    settlements = pd.DataFrame({"settlement_id": ["V1", "V2"], "name": ["Một", "Hai"],
                                "unit_code": ["001", "002"], "households": [50.0, 50.0],
                                "fibre_households": [fibre, fibre], "electrified": [True, False],
                                "service_class": [3, 0]})
    return SnapshotData(indicators, cells, settlements, ["gaps: not given"])


def hand_meta(period: str) -> SnapshotMeta:
    return SnapshotMeta(period=period, netcover_version="9.9", scenario_name="hand",
                        scenario_text="[scenario]\nname = 'hand'\n", checksums={"dem": "ab" * 32})


def frames_equal(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> bool:
    """Same rows (in any order) and values, within float rounding."""
    a2 = a.sort_values(keys).reset_index(drop=True)
    b2 = b[a.columns].sort_values(keys).reset_index(drop=True)
    for col in a2.columns:
        x, y = a2[col].to_numpy(), b2[col].to_numpy()
        if np.issubdtype(np.asarray(x).dtype, np.number):
            if not np.allclose(x.astype(float), y.astype(float), equal_nan=True):
                return False
        elif list(map(str, x)) != list(map(str, y)):
            return False
    return True
