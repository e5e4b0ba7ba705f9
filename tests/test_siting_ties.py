"""Ties between candidates go to the lower cost per new person (netcover.siting.ties)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from netcover.config.siting import SitingSettings
from netcover.errors import ScenarioError
from netcover.siting import solve
from netcover.siting.ties import better, pick


def _pairs() -> tuple[sp.csc_array, np.ndarray, np.ndarray]:
    """Candidates 0/1 cover one village (50 people), 0 also 0.5 more; 2/3 another (40), 3 also
    0.4 more; 1 and 2 are the cheaper of each pair."""
    a = sp.csc_array(np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]], float))
    return a, np.array([50.0, 0.5, 40.0, 0.4]), np.array([90_000.0, 70_000.0, 65_000.0, 80_000.0])


def _disjoint(gains: list[float]) -> tuple[sp.csc_array, np.ndarray]:
    """One demand row per candidate, weighing its gain (the candidates do not overlap)."""
    return sp.csc_array(np.eye(len(gains))), np.array(gains)


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_the_issue_case_the_cheaper_of_two_equal_sites(solver: str) -> None:
    # 100.03 vs 100.00 people, the first costs 17,500 USD more
    a, w = _disjoint([100.03, 100.00])
    costs = np.array([77_500.0, 60_000.0])
    tied = solve(a, w, n_sites=1, costs=costs, solver=solver, tie_weight=1.0)
    assert tied.chosen.tolist() == [1] and tied.total_cost == 60_000.0
    strict = solve(a, w, n_sites=1, costs=costs, solver=solver, tie_weight=0.0)
    assert strict.chosen.tolist() == [0]


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_more_than_the_tie_still_wins(solver: str) -> None:
    a, w = _disjoint([102.0, 100.0])
    r = solve(a, w, n_sites=1, costs=np.array([77_500.0, 60_000.0]), solver=solver, tie_weight=1.0)
    assert r.chosen.tolist() == [0]


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_two_sites_each_tie_to_the_cheaper(solver: str) -> None:
    a, w, costs = _pairs()
    r = solve(a, w, n_sites=2, costs=costs, solver=solver, tie_weight=1.0)
    assert sorted(r.chosen.tolist()) == [1, 2]  # 0.9 people fewer, 35,000 USD less
    assert r.covered_weight == pytest.approx(90.0)
    strict = solve(a, w, n_sites=2, costs=costs, solver=solver, tie_weight=0.0)
    assert sorted(strict.chosen.tolist()) == [0, 3]


def test_budget_exact_takes_the_cheaper_of_tied_choices() -> None:
    a, w = _disjoint([100.03, 100.00, 5.0])
    costs = np.array([77_500.0, 60_000.0, 10_000.0])
    r = solve(a, w, objective="budget", budget=80_000.0, costs=costs, solver="exact", tie_weight=1.0)
    assert sorted(r.chosen.tolist()) == [1, 2]  # the cheaper one leaves room for 5 more people


def test_pick_and_better() -> None:
    score = np.array([100.03, 100.0, 99.5, -np.inf])
    cost = np.array([77_500.0, 60_000.0, 50_000.0, 1.0])
    assert pick(score, score, cost, 0.0) == 0
    assert pick(score, score, cost, 0.1) == 1
    assert pick(score, score, cost, 1.0) == 2  # the lowest cost per person within 1 person
    assert better(100.0, 60_000.0, 100.03, 77_500.0, 1.0)
    assert not better(100.03, 77_500.0, 100.0, 60_000.0, 1.0)
    assert better(100.5, 60_000.0, 100.0, 60_000.0, 1.0)  # more people, same cost
    assert not better(98.0, 1.0, 100.0, 60_000.0, 1.0)  # beyond the tie: people first
    assert better(100.03, 77_500.0, 100.0, 60_000.0, 0.0)  # strict without ties


def test_tie_people_setting() -> None:
    assert SitingSettings().tie_people == 1.0
    with pytest.raises(ScenarioError, match="tie_people"):
        SitingSettings(tie_people=-1.0)
    with pytest.raises(ScenarioError, match="sharing_base_saving_share"):
        SitingSettings(sharing_base_saving_share=1.5)
