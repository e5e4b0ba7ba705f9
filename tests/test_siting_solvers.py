"""Greedy + 1-swap and the exact MILP on tiny instances whose optimum is found by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import ModelError
from netcover.siting import rank_order, solve


def _instance(seed: int, rows: int = 14, cols: int = 7, density: float = 0.3):
    rng = np.random.default_rng(seed)
    a = (rng.random((rows, cols)) < density).astype(float)
    w = rng.integers(1, 50, rows).astype(float)
    c = rng.integers(1, 6, cols).astype(float)
    return sp.csc_array(a), w, c


def _value(a: sp.csc_array, w: np.ndarray, cols) -> float:
    dense = a.toarray()
    return float(w[dense[:, list(cols)].sum(axis=1) > 0].sum()) if len(cols) else 0.0


def _brute(a, w, c, *, n=None, budget=None, fixed=()):
    """Best value over all subsets of the free candidates within the count or the budget."""
    free = [j for j in range(a.shape[1]) if j not in fixed]
    best = 0.0
    for k in range(len(free) + 1):
        for sub in itertools.combinations(free, k):
            if n is not None and k > n:
                continue
            if budget is not None and c[list(sub)].sum() > budget + 1e-9:
                continue
            best = max(best, _value(a, w, [*sub, *fixed]))
    return best


def _fewest(a, w, target, required=None):
    """Fewest candidates reaching ``target`` and covering every coverable required row."""
    dense = a.toarray() > 0
    need = np.zeros(len(w), bool) if required is None else required & dense.any(axis=1)
    for k in range(a.shape[1] + 1):
        for sub in itertools.combinations(range(a.shape[1]), k):
            hit = dense[:, list(sub)].any(axis=1) if k else np.zeros(len(w), bool)
            if w[hit].sum() >= target - 1e-9 and not (need & ~hit).any():
                return k
    return None


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 4))
def test_count_exact_is_the_brute_force_optimum_and_greedy_is_close(seed, n) -> None:
    a, w, c = _instance(seed)
    best = _brute(a, w, c, n=n)
    exact = solve(a, w, n_sites=n, solver="exact")
    greedy = solve(a, w, n_sites=n, solver="greedy")
    assert exact.covered_weight == pytest.approx(best)
    assert exact.optimal and not exact.time_limited and exact.gap <= 0.005
    assert len(exact.chosen) <= n and len(greedy.chosen) <= n
    assert greedy.covered_weight <= best + 1e-9
    assert greedy.covered_weight >= (1 - 1 / np.e) * best - 1e-9  # greedy's guarantee
    assert greedy.covered_weight == pytest.approx(_value(a, w, greedy.chosen))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), budget=st.integers(1, 12))
def test_budget_is_honoured_and_exact_is_optimal(seed, budget) -> None:
    a, w, c = _instance(seed)
    best = _brute(a, w, c, budget=budget)
    for solver in ("greedy", "exact"):
        r = solve(a, w, objective="budget", costs=c, budget=budget, solver=solver)
        assert r.total_cost <= budget + 1e-9
        assert r.total_cost == pytest.approx(c[r.chosen].sum())
        assert r.covered_weight <= best + 1e-9
    assert solve(a, w, objective="budget", costs=c, budget=budget,
                 solver="exact").covered_weight == pytest.approx(best)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.floats(0.1, 1.0))
def test_target_reaches_the_target_with_the_fewest_sites(seed, share) -> None:
    a, w, _ = _instance(seed, density=0.35)
    coverable = float(w[np.asarray(a.sum(axis=1)).ravel() > 0].sum())
    target = share * coverable
    required = np.zeros(len(w), bool)
    required[seed % len(w)] = True
    fewest = _fewest(a, w, target, required)
    exact = solve(a, w, objective="target", target_weight=target, required=required,
                  solver="exact")
    greedy = solve(a, w, objective="target", target_weight=target, required=required)
    assert len(exact.chosen) == fewest
    for r in (exact, greedy):
        assert r.feasible
        assert r.covered_weight >= target - 1e-6
        if a.toarray()[seed % len(w)].any():  # a required row some candidate covers is covered
            assert (a.toarray()[seed % len(w), r.chosen] > 0).any()
    assert len(greedy.chosen) >= fewest


def test_unreachable_target_is_reported() -> None:
    a = sp.csc_array(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    w = np.array([1.0, 1.0, 5.0])  # the third row is not coverable
    for solver in ("greedy", "exact"):
        r = solve(a, w, objective="target", target_weight=6.0, solver=solver)
        assert not r.feasible
        assert sorted(r.chosen.tolist()) == [0, 1]


def test_one_swap_repairs_the_greedy_trap() -> None:
    # A covers rows 1-4 (weight 4), B rows 0-2, C rows 3-5: greedy takes A, then B or C (5);
    # swapping A for the other reaches all six rows.
    a = np.zeros((6, 3))
    a[1:5, 0] = 1
    a[0:3, 1] = 1
    a[3:6, 2] = 1
    r = solve(sp.csc_array(a), np.ones(6), n_sites=2)
    assert sorted(r.chosen.tolist()) == [1, 2]
    assert r.covered_weight == 6.0


@pytest.mark.parametrize("solver", ["greedy", "exact"])
def test_fixed_candidates_are_respected(solver) -> None:
    a, w, c = _instance(7)
    fixed = (2, 5)
    best = _brute(a, w, c, n=2, fixed=fixed)
    r = solve(a, w, n_sites=2, fixed=fixed, solver=solver)
    assert not set(r.chosen.tolist()) & set(fixed)
    assert len(r.chosen) <= 2
    assert r.covered_weight == pytest.approx(_value(a, w, [*r.chosen, *fixed]))
    assert r.covered_weight <= best + 1e-9
    if solver == "exact":
        assert r.covered_weight == pytest.approx(best)
    assert r.gains.sum() == pytest.approx(r.covered_weight - _value(a, w, fixed))


def test_ranking_gains_add_up_and_do_not_increase() -> None:
    a, w, _ = _instance(11, rows=40, cols=12)
    r = solve(a, w, n_sites=6, solver="exact")
    assert np.all(np.diff(r.gains) <= 1e-9)
    assert r.gains.sum() == pytest.approx(r.covered_weight)
    order, gains = rank_order(a, w, r.chosen[::-1])
    assert order.tolist() == r.chosen.tolist() and gains == pytest.approx(r.gains)


def test_bad_problems_are_refused() -> None:
    a, w, _ = _instance(1)
    with pytest.raises(ModelError, match="weights"):
        solve(a, w[:-1])
    with pytest.raises(ModelError, match="objective"):
        solve(a, w, objective="most")  # type: ignore[arg-type]


def test_a_time_limited_exact_run_says_so_and_keeps_the_better_answer() -> None:
    rng = np.random.default_rng(3)
    a = sp.csc_array((rng.random((3_000, 300)) < 0.02).astype(float))
    w = rng.lognormal(1.0, 1.0, 3_000)
    greedy = solve(a, w, n_sites=25)
    r = solve(a, w, n_sites=25, solver="exact", time_limit_s=0.01, mip_gap=0.0)
    assert r.covered_weight >= greedy.covered_weight - 1e-9  # never worse than greedy
    assert len(r.chosen) <= 25
    if r.time_limited:  # the usual case: 10 ms is far too short for this instance
        assert not r.optimal
        assert "time limit" in r.message or "no solution" in r.message
    else:
        assert r.optimal and r.gap <= 1e-9


def test_greedy_set_cover_drops_a_site_made_redundant() -> None:
    # A covers rows 0-3; B rows 0, 1, 4; C rows 2, 3, 5: greedy takes A, B, C, but B and C
    # alone reach every row.
    a = np.zeros((6, 3))
    a[0:4, 0] = 1
    a[[0, 1, 4], 1] = 1
    a[[2, 3, 5], 2] = 1
    r = solve(sp.csc_array(a), np.ones(6), objective="target", target_weight=6.0)
    assert sorted(r.chosen.tolist()) == [1, 2]
    assert r.feasible and r.covered_weight == 6.0


@pytest.mark.parametrize("solver", ["greedy", "exact"])
@pytest.mark.parametrize("objective", ["count", "budget", "target"])
@pytest.mark.parametrize("shape", [(0, 0), (6, 0), (0, 4)])
def test_nothing_to_plan_is_a_clear_empty_result(solver, objective, shape) -> None:
    """No demand rows (no gaps) or no candidates: an empty plan that says why, not a ValueError."""
    rows, cols = shape
    r = solve(sp.csc_array((rows, cols)), np.ones(rows), objective=objective, solver=solver,
              costs=np.ones(cols), budget=10.0, target_weight=0.0)
    assert len(r.chosen) == 0 and len(r.gains) == 0 and r.total_cost == 0.0
    assert r.message.startswith("nothing to plan: no ")
    assert ("no gaps" in r.message) == (rows == 0)


@pytest.mark.parametrize("solver", ["greedy", "exact"])
@pytest.mark.parametrize("objective", ["count", "budget"])
def test_no_solver_returns_sites_that_add_nobody(solver, objective) -> None:
    """More sites allowed than useful: every site returned adds people (k=1000 used to return
    hundreds of sites adding 0)."""
    a, w, c = _instance(7, rows=20, cols=30, density=0.05)
    r = solve(a, w, objective=objective, solver=solver, n_sites=1000, costs=c, budget=1e6)
    assert len(r.chosen) > 0
    assert np.all(r.gains > 0)
    assert r.covered_weight == pytest.approx(_value(a, w, range(a.shape[1])))
    assert r.total_cost == pytest.approx(float(c[r.chosen].sum()))
