"""The verdict on scored proposals (netcover.siting.verdict): every branch of the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netcover.siting.verdict import VERDICTS, VerdictRule, verdict_of, verdicts

GOOD = {"purpose": "coverage", "new_people": 400.0, "cost_per_new_person": 250.0,
        "extra_people": 0.0, "better_lon": np.nan, "advice": "no place within 2,000 m adds more people",
        "share_with": "", "sharing": ""}
MOVE = {"extra_people": 120.0, "better_lon": 105.0, "better_new_people": 520.0,
        "advice": "move it 800 m west (105.00000, 23.10000) and it reaches 120 more people"}
RELIEF = {"purpose": "capacity", "new_people": 0.0, "users_offloaded": 63.0,
          "cells_offloaded": "S1-1;S1-4", "load_before": 1.0, "load_after": 0.49,
          "throughput_before_mbps": 0.4, "throughput_after_mbps": 20.0}


def test_coverage_recommended() -> None:
    verdict, reason = verdict_of(GOOD)
    assert verdict == "recommended"
    assert reason == "It newly covers 400 people at 250 USD each."


@pytest.mark.parametrize(("change", "text"), [
    ({"new_people": 12.0}, "It newly covers only 12 people (fewer than 50)."),
    ({"cost_per_new_person": 4_000.0}, "Each of its 400 new people costs 4,000 USD"),
    ({"cost_per_new_person": np.nan, "cost": 800_000.0}, "costs 2,000 USD (more than 1,000)"),
])
def test_coverage_not_recommended(change: dict, text: str) -> None:
    verdict, reason = verdict_of({**GOOD, **change})
    assert verdict == "not recommended" and text in reason


def test_a_worthwhile_move_is_a_change_a_small_one_is_not() -> None:
    verdict, reason = verdict_of({**GOOD, **MOVE})
    assert verdict == "recommended with changes" and "move it 800 m west" in reason
    small = {**MOVE, "extra_people": 30.0}  # under 10 % of 400
    assert verdict_of({**GOOD, **small})[0] == "recommended"


def test_a_poor_place_with_a_good_better_place_is_a_change() -> None:
    verdict, reason = verdict_of({**GOOD, "new_people": 20.0, "cost_per_new_person": np.nan, **MOVE})
    assert verdict == "recommended with changes"
    assert reason.startswith("It newly covers only 20 people") and "but move it 800 m west" in reason


def test_sharing_is_a_change() -> None:
    shared = {**GOOD, "share_with": "MBF-P01", "sharing": "MobiFone's proposal MBF-P01 is 50 m away"}
    verdict, reason = verdict_of(shared)
    assert verdict == "recommended with changes" and reason.endswith("is 50 m away.")


def test_capacity_recommended_and_never_moved() -> None:
    verdict, reason = verdict_of({**RELIEF, **MOVE})
    assert verdict == "recommended"
    assert "63 busy-hour users off S1-1" in reason and "PRB load 100% to 49%" in reason
    assert "move" not in reason and "20.0 instead of 0.4 Mb/s" in reason


@pytest.mark.parametrize(("change", "text"), [
    ({"users_offloaded": 0.0}, "takes no busy-hour users"),
    ({"load_before": 0.4, "load_after": 0.2}, "only 40% loaded"),
    ({"load_after": 0.98}, "only 63 busy-hour users: S1-1 stays at 98% PRB load (100% before)"),
])
def test_capacity_not_recommended(change: dict, text: str) -> None:
    verdict, reason = verdict_of({**RELIEF, **change})
    assert verdict == "not recommended" and text in reason


def test_a_load_under_the_loaded_share_passes() -> None:
    assert verdict_of({**RELIEF, "load_before": 0.72, "load_after": 0.69})[0] == "recommended"


def test_both_passes_on_either_test() -> None:
    row = {**GOOD, **RELIEF, "purpose": "both", "new_people": 5.0}
    verdict, reason = verdict_of(row)
    assert verdict == "recommended" and "busy-hour users" in reason
    assert verdict_of({**row, "users_offloaded": 0.0})[0] == "not recommended"


def test_missing_columns_skip_their_test_and_the_table_helper() -> None:
    bare = {"new_people": 80.0}  # no purpose, cost, sharing or better place columns
    assert verdict_of(bare) == ("recommended", "It newly covers 80 people.")
    table = pd.DataFrame([GOOD, {**GOOD, "new_people": 1.0}], index=["A", "B"])
    out = verdicts(table, VerdictRule(min_new_people=0.5))
    assert list(out.index) == ["A", "B"] and list(out["verdict"]) == ["recommended"] * 2
    assert list(verdicts(table)["verdict"]) == [VERDICTS[0], VERDICTS[2]]
