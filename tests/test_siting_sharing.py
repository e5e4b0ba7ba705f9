"""Tower sharing between operators' proposals and masts (netcover.siting.sharing)."""

from __future__ import annotations

import pandas as pd
import pytest

from netcover.config.siting import SitingSettings
from netcover.data.proposals import Proposal, plan_sectors
from netcover.siting.sharing import masts_of, sharing_near, sharing_table

S = SitingSettings()


def prop(pid: str, operator: str, x: float, y: float = 0.0, height: float = 30.0) -> Proposal:
    return Proposal(pid, operator, x, y, height, plan_sectors(S))


def test_two_operators_50_m_apart_both_get_the_saving() -> None:
    table = sharing_table([prop("A", "Viettel", 0.0), prop("B", "MobiFone", 30.0, 40.0, 20.0)], S)
    assert list(table["share_with"]) == ["B", "A"]
    assert list(table["share_distance_m"]) == [50.0, 50.0]
    # each would not build its own mast: 1,000 USD/m x height + 0.5 x 60,000
    assert list(table["sharing_saving"]) == [30 * 1000 + 30_000, 20 * 1000 + 30_000]
    assert "MobiFone's proposal B is 50 m away: share one tower" in table.loc["A", "sharing"]
    assert "60,000 USD" in table.loc["A", "sharing"]


@pytest.mark.parametrize(("second", "reason"), [(prop("B", "Viettel", 50.0), "same operator"),
                                                (prop("B", "MobiFone", 500.0), "500 m apart"),
                                                (prop("B", "", 10.0), "no operator")])
def test_no_suggestion(second: Proposal, reason: str) -> None:
    table = sharing_table([prop("A", "Viettel", 0.0), second], S)
    assert (table["share_with"] == "").all(), reason
    assert (table["sharing_saving"] == 0).all() and table["share_distance_m"].isna().all()


def test_another_operators_existing_mast_and_the_setting() -> None:
    cells = pd.DataFrame({"site_id": ["VNP-1", "VNP-1", "VTL-9"], "operator": ["VNPT", "VNPT", "Viettel"],
                          "x": [0.0, 0.0, 5000.0], "y": [80.0, 80.0, 0.0]})
    table = sharing_table([prop("A", "Viettel", 0.0)], S, cells=cells)
    assert table.loc["A", "share_with"] == "VNP-1"
    assert "put the antennas on its tower" in table.loc["A", "sharing"]
    narrow = SitingSettings(sharing_distance_m=50.0, sharing_base_saving_share=0.0)
    assert sharing_table([prop("A", "Viettel", 0.0)], narrow, cells=cells).loc["A", "share_with"] == ""
    near = sharing_table([prop("A", "Viettel", 0.0, 60.0)], narrow, cells=cells)
    assert near.loc["A", "sharing_saving"] == 30 * 1000  # the mast only


def test_a_proposal_on_its_own_operators_mast_is_not_told_to_share() -> None:
    cells = pd.DataFrame({"site_id": ["VTL-4", "MBF-4"], "operator": ["Viettel", "MobiFone"],
                          "x": [0.0, 60.0], "y": [0.0, 0.0]})
    table = sharing_table([prop("A", "Viettel", 0.0)], S, cells=cells)
    assert table.loc["A", "share_with"] == "" and table.loc["A", "sharing"] == ""
    other = sharing_table([prop("B", "VNPT", 0.0)], S, cells=cells)
    assert other.loc["B", "share_with"] == "VTL-4;MBF-4"


def test_a_better_place_next_to_another_operator_is_named() -> None:
    masts = masts_of([prop("A", "Viettel", 0.0), prop("B", "MobiFone", 1000.0)])
    text = sharing_near(1030.0, 0.0, "Viettel", masts, S, exclude="A")
    assert text == "that place is 30 m from MobiFone's proposal B: share one tower"
    assert sharing_near(1030.0, 0.0, "MobiFone", masts, S, exclude="B") == ""
    assert sharing_near(0.0, 0.0, "MobiFone", masts, S, exclude="B").startswith("that place is 0 m")
