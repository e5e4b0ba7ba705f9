"""The market view of scored proposals (netcover.siting.market) on the miniature district."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from netcover.config.capacity import CapacitySettings
from netcover.config.scenario import load_scenario
from netcover.config.siting import SitingSettings
from netcover.coverage.engine import compute_coverage
from netcover.data.inputs import load_inputs
from netcover.data.proposals import Proposal, plan_sectors
from netcover.siting.market import MARKET_COLUMNS, market_record, market_view
from netcover.siting.plan import SitingProblem, prepare
from netcover.siting.proposals import score_proposals

from .conftest import CRS, X0, Y0
from .test_siting_relief import two_villages_north

PLAN = SitingSettings(frequency_mhz=900.0, proposal_search_radius_m=600.0)


@pytest.fixture(scope="module")
def problem(tmp_path_factory: pytest.TempPathFactory) -> SitingProblem:
    path = two_villages_north(tmp_path_factory.mktemp("market") / "mini")
    text = path.read_text(encoding="utf-8") + "\n[capacity]\nbusy_hour_mb = 170.0\n"
    path.write_text(text, encoding="utf-8")
    inputs = load_inputs(load_scenario(path))
    assert inputs.scenario.capacity == CapacitySettings(busy_hour_mb=170.0)
    return prepare(inputs, compute_coverage(inputs), PLAN, with_matrix=False)


def test_market_view_columns_relief_sharing_and_verdict(problem: SitingProblem) -> None:
    proposals = [
        Proposal("CAP", "Viettel", X0 + 650, Y0 - 350, 30.0, plan_sectors(PLAN, azimuths=[0.0]),
                 purpose="capacity"),
        Proposal("MBF", "MobiFone", X0 + 2000, Y0 - 1700, 30.0, plan_sectors(PLAN)),
        Proposal("VNP", "VNPT", X0 + 2030, Y0 - 1740, 25.0, plan_sectors(PLAN)),
    ]
    out = score_proposals(problem, proposals).table  # the scores carry the market view
    base = [c for c in out.columns if c not in MARKET_COLUMNS]
    assert list(out.columns) == [*base, *MARKET_COLUMNS]
    cap = out.set_index("proposal_id").loc["CAP"]
    assert cap["purpose"] == "capacity" and cap["cells_offloaded"] == "S1-1"
    assert cap["load_after"] < cap["load_before"]
    assert cap["advice"].startswith("capacity site: it takes")
    assert np.isnan(cap["better_lon"]) and cap["extra_people"] == 0
    assert cap["verdict"] == "recommended"
    mbf = out.set_index("proposal_id").loc["MBF"]
    assert mbf["share_with"] == "VNP" and mbf["share_distance_m"] == 50.0
    assert np.isnan(mbf["users_offloaded"]) and mbf["cells_offloaded"] == ""
    assert mbf["verdict"] in ("recommended with changes", "not recommended")
    assert "VNPT's proposal VNP is 50 m away" in (mbf["verdict_reason"] + mbf["sharing"])


def test_a_better_place_next_to_another_operator_is_said(problem: SitingProblem) -> None:
    proposals = [Proposal("MBF", "MobiFone", X0 + 1200, Y0 - 1200, 30.0, plan_sectors(PLAN)),
                 Proposal("VTL", "Viettel", X0 + 1040, Y0 - 600, 30.0, plan_sectors(PLAN))]
    table = score_proposals(problem, proposals).table.drop(columns=list(MARKET_COLUMNS))
    # a better place for MBF 40 m from VTL (as the search may report it)
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 1000, Y0 - 600)
    table.loc[0, ["better_lon", "better_lat", "advice"]] = [lon, lat, "move it 600 m west"]
    out = market_view(problem, proposals, table)
    assert out.loc[0, "advice"] == ("move it 600 m west; that place is 40 m from Viettel's "
                                    "proposal VTL: share one tower")
    assert not out.loc[1, "advice"].endswith("share one tower")


def test_the_record_says_what_the_market_view_assumes(problem: SitingProblem) -> None:
    record = market_record(problem)
    assert record["assumed_sharing_distance_m"] == PLAN.sharing_distance_m
    # the cost model behind every proposal's cost (an addition to a site: base less the share)
    assert (record["assumed_base_cost_usd"], record["assumed_cost_per_mast_m_usd"]) == (
        PLAN.base_cost, PLAN.cost_per_mast_m)
    assert record["assumed_cost_per_backhaul_km_usd"] == PLAN.cost_per_backhaul_km
    assert record["assumed_verdict_min_new_people"] == 50.0
    assert record["assumed_busy_hour_mb"] == 170.0


def test_a_capacity_proposal_added_to_its_operators_site_costs_the_addition(
        problem: SitingProblem) -> None:
    from netcover.siting.sharing import site_addition_cost

    # 20 m from S1, Viettel's mast (see tests/test_siting_relief.py)
    cap = plan_sectors(PLAN, azimuths=[10.0], frequency_mhz=1800.0, tx_power_dbm=37.0)
    proposals = [Proposal("CAP", "Viettel", X0 + 620, Y0 - 1200, 30.0, cap, purpose="capacity"),
                 Proposal("COV", "Viettel", X0 + 620, Y0 - 1200, 30.0, cap)]
    scores = score_proposals(problem, proposals).table.set_index("proposal_id")
    added, alone = scores.loc["CAP"], scores.loc["COV"]
    assert added["added_to_site"] == "S1" and alone["added_to_site"] == ""
    assert site_addition_cost(PLAN) == 30_000.0  # half the 60,000 USD base: no mast, road, backhaul
    assert added["cost"] == 30_000.0
    # the same mast as a coverage proposal is a new site: base, the 30 m mast, road, backhaul
    assert alone["cost"] >= PLAN.base_cost + 30.0 * PLAN.cost_per_mast_m
    if added["new_people"] > 0:
        assert added["cost_per_new_person"] == round(30_000.0 / added["new_people"])
    else:
        assert np.isnan(added["cost_per_new_person"])
