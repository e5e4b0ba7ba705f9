"""Units that change: a history of three communes merged into one and one split in two, shown on
the new units (``[monitor] unit_changes``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netcover.config.scenario import scenario_from_dict
from netcover.data.unit_changes import read_unit_changes
from netcover.errors import ValidationError
from netcover.monitor.indicators import DISTRICT, SnapshotData
from netcover.monitor.store import indicator_history, write_reported, write_snapshot
from netcover.monitor.unitmap import reaggregate
from netcover.monitor.workflow import report

from .test_monitor_support import hand_meta

#: Old units: A1-A3 merged into N1, B split 60/40 into N2/N3, C unchanged.
OLD = {"A1": ("An 1", 1000.0, 0.5), "A2": ("An 2", 3000.0, 0.9), "A3": ("An 3", 2000.0, 0.2),
       "B": ("Bình", 1500.0, 0.6), "C": ("Cao", 800.0, 0.75)}
NEW = {"N1": ("An Mới", 6000.0, 0.7), "N2": ("Bình Bắc", 900.0, 0.65),
       "N3": ("Bình Nam", 600.0, 0.65), "C": ("Cao", 800.0, 0.8)}
MAPPING = ("old_code,new_code,share,new_name\nA1,N1,,An Mới\nA2,N1,,\nA3,N1,1,\n"
           "B,N2,0.6,Bình Bắc\nB,N3,0.4,Bình Nam\n")


def _snapshot(units: dict[str, tuple[str, float, float]], lift: float,
              without: tuple[str, ...] = ()) -> SnapshotData:
    rows = []
    for code, (name, people, share) in units.items():
        share = min(share + lift, 1.0)
        hh = people / 5.0
        for ind, value in (("people", people), ("people_covered", share * people),
                           ("share_people_covered", share), ("households", hh),
                           ("households_covered", 0.5 * hh), ("share_households_covered", 0.5)):
            if not (without and code == without[0] and ind in without[1:]):
                rows.append((code, name, ind, value))
    total = sum(u[1] for u in units.values())
    rows.append((DISTRICT, "District", "people", total))
    frame = pd.DataFrame(rows, columns=["unit_code", "unit_name", "indicator", "value"])
    return SnapshotData(frame, pd.DataFrame(columns=["cell_id", "site_id", "unit_code"]),
                        pd.DataFrame(columns=["settlement_id", "unit_code", "fibre_households"]))


@pytest.fixture
def history_store(tmp_path: Path) -> Path:
    store = tmp_path / "history.sqlite"
    no_households = ("A3", "households", "share_households_covered")
    write_snapshot(store, hand_meta("2023-Q4"), _snapshot(OLD, 0.0, without=no_households))
    write_snapshot(store, hand_meta("2024-Q4"), _snapshot(OLD, 0.05))
    write_snapshot(store, hand_meta("2025-Q4"), _snapshot(NEW, 0.0))
    reported = pd.DataFrame({"unit_code": ["A1", "A2", "A3", "B", "C"], "period": "2024-Q4",
                             "indicator": "share_internet_users",
                             "value": [0.2, 0.4, 0.1, 0.5, 0.3]})
    write_reported(store, reported)
    (tmp_path / "unit_changes.csv").write_text(MAPPING, encoding="utf-8")
    return store


def _value(h: pd.DataFrame, period: str, code: str, ind: str, source: str = "model") -> float:
    row = h[(h["period"] == period) & (h["unit_code"] == code) & (h["indicator"] == ind)
            & (h["source"] == source)]
    assert len(row) == 1, (period, code, ind, len(row))
    return float(row["value"].iloc[0])


def test_counts_are_summed_with_shares_and_shares_recomputed(history_store: Path) -> None:
    changes = read_unit_changes(history_store.parent / "unit_changes.csv")
    h, periods = reaggregate(indicator_history(history_store), changes)
    assert periods == ["2023-Q4", "2024-Q4"]
    assert not h["unit_code"].isin(list(OLD.keys() - {"C"})).any()
    # merge: counts summed, the share from the summed counts (not the mean of 0.5, 0.9, 0.2)
    assert _value(h, "2023-Q4", "N1", "people") == 6000.0
    covered = 1000 * 0.5 + 3000 * 0.9 + 2000 * 0.2
    assert _value(h, "2023-Q4", "N1", "share_people_covered") == pytest.approx(covered / 6000)
    # split: counts times the share, the share of the old unit kept
    assert _value(h, "2024-Q4", "N2", "people") == pytest.approx(900.0)
    assert _value(h, "2024-Q4", "N3", "people_covered") == pytest.approx(0.4 * 1500 * 0.65)
    assert _value(h, "2024-Q4", "N3", "share_people_covered") == pytest.approx(0.65)
    # a reported share without counts: weighted by people
    weighted = (1000 * 0.2 + 3000 * 0.4 + 2000 * 0.1) / 6000
    assert _value(h, "2024-Q4", "N1", "share_internet_users", "reported") == pytest.approx(weighted)
    # A3 had no households in 2023: N1's households are no data then, not a part-sum
    assert h[(h["period"] == "2023-Q4") & (h["unit_code"] == "N1")
             & h["indicator"].isin(["households", "share_households_covered"])].empty
    assert _value(h, "2024-Q4", "N1", "households") == pytest.approx(1200.0)
    # untouched: the new period, the district row; names from the mapping, else the latest
    assert not h.loc[h["period"] == "2025-Q4", "reaggregated"].any()
    assert _value(h, "2023-Q4", DISTRICT, "people") == 8300.0
    names = h.drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    assert (names["N1"], names["N3"], names["C"]) == ("An Mới", "Bình Nam", "Cao")


def test_monitor_report_shows_trends_across_the_change(history_store: Path) -> None:
    folder = history_store.parent
    scenario = scenario_from_dict({
        "scenario": {"name": "Merged", "slug": "merged"}, "inputs": {},
        "monitor": {"store": str(history_store), "unit_changes": str(folder / "unit_changes.csv")}})
    result = report(scenario, folder / "out")
    assert "Re-aggregated to the new units" in result.text and "2023-Q4, 2024-Q4" in result.text
    summary = pd.read_csv(folder / "out" / "summary.csv", encoding="utf-8-sig", dtype=str)
    row = summary[(summary["indicator"] == "share_people_covered") & (summary["unit_code"] == "N1")]
    assert len(row) == 1
    assert row["periods"].iloc[0] == "3" and row["reaggregated"].iloc[0] == "2023-Q4; 2024-Q4"
    assert row["trend"].iloc[0] in ("rising", "falling", "flat")
    unchanged = summary[(summary["indicator"] == "share_people_covered")
                        & (summary["unit_code"] == "C")]
    assert unchanged["reaggregated"].isna().all()  # C was not merged nor split
    assert "reaggregated" in (folder / "out" / "monitoring.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "expected"), [
    ("old_code,share\nA,1\n", ["column 'new_code' is missing"]),
    ("old_code,new_code,share\nB,N2,0.6\nB,N3,0.3\nA,,1\nC,N1,0\nC,N1,0\n",
     ["add up to 0.9", "empty code", "must be a number in (0, 1]", "appears more than once"]),
])
def test_bad_mappings_are_refused_with_every_problem(tmp_path: Path, text: str,
                                                     expected: list[str]) -> None:
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_unit_changes(path)
    message = "\n".join(str(p) for p in err.value.problems)
    for part in expected:
        assert part in message


def test_validate_checks_the_mapping_before_any_model_runs(mini_scenario: Path) -> None:
    from netcover.config.scenario import load_scenario
    from netcover.data.inputs import check_inputs

    (mini_scenario.parent / "changes.csv").write_text("old_code,new_code,share\n001,009,0.5\n",
                                                      encoding="utf-8")
    mini_scenario.write_text(mini_scenario.read_text(encoding="utf-8")
                             + '\n[monitor]\nunit_changes = "changes.csv"\n', encoding="utf-8")
    _, problems = check_inputs(load_scenario(mini_scenario))
    assert any("changes.csv" in p.source and "add up to 0.5" in p.message for p in problems)
