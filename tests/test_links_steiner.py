"""Steiner plan against brute-force optima; contraction of the existing network; ranking laws."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.links import ROOT, assign_phases, contract_root, rank_links, split_links, steiner_plan


def _brute_force_steiner(graph: nx.Graph, terminals: list[int]) -> float:
    """Exact minimum Steiner tree cost: best MST over terminals plus any set of Steiner nodes."""
    others = [n for n in graph if n not in terminals]
    best = np.inf
    for k in range(len(others) + 1):
        for extra in combinations(others, k):
            sub = graph.subgraph([*terminals, *extra])
            if nx.is_connected(sub):
                best = min(best, nx.minimum_spanning_tree(sub, weight="cost").size(weight="cost"))
    return float(best)


def _random_graph(seed: int, n: int = 9, p: float = 0.35) -> nx.Graph:
    rng = np.random.default_rng(seed)
    while True:
        g = nx.gnp_random_graph(n, p, seed=int(rng.integers(1 << 30)))
        if nx.is_connected(g):
            break
    for u, v in g.edges:
        g.edges[u, v]["cost"] = float(rng.integers(1, 20))
        g.edges[u, v]["length_km"] = 1.0
        g.edges[u, v]["kind"] = "road"
    return g


def _check_tree(tree: nx.Graph, terminals: list[int]) -> None:
    assert nx.is_tree(tree)
    assert set(terminals) <= set(tree)
    leaves = [n for n in tree if tree.degree(n) == 1]
    assert set(leaves) <= set(terminals)  # no dangling non-terminal leaf


@pytest.mark.parametrize("seed", range(12))
def test_steiner_within_two_approximation_of_brute_force(seed: int) -> None:
    g = _random_graph(seed)
    rng = np.random.default_rng(seed + 100)
    chosen = [int(t) for t in rng.choice(9, size=4, replace=False)]
    root, terms = chosen[0], chosen[1:]
    contracted = contract_root(g, [root])
    res = steiner_plan(contracted, terms)
    opt = _brute_force_steiner(contracted, [ROOT, *terms])
    _check_tree(res.tree, [ROOT, *terms])
    assert opt - 1e-9 <= res.cost <= 2.0 * opt + 1e-9
    assert res.cost <= res.naive_cost + 1e-9  # the naive plan is a feasible star
    assert res.unreached == []


@pytest.mark.parametrize("seed", range(8))
def test_steiner_is_exact_on_a_tree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = nx.random_labeled_tree(14, seed=seed)
    for u, v in g.edges:
        g.edges[u, v].update(cost=float(rng.uniform(1, 10)), length_km=1.0, kind="road")
    chosen = [int(t) for t in rng.choice(14, size=5, replace=False)]
    contracted = contract_root(g, [chosen[0]])
    res = steiner_plan(contracted, chosen[1:])
    # on a tree the only Steiner tree is the union of the paths to the root
    union = nx.Graph()
    for t in chosen[1:]:
        nx.add_path(union, nx.shortest_path(contracted, ROOT, t))
    expected = sum(contracted.edges[e]["cost"] for e in union.edges)
    assert res.cost == pytest.approx(expected)
    assert {frozenset(e) for e in res.tree.edges} == {frozenset(e) for e in union.edges}


def test_contract_root_keeps_cheapest_parallel_edge_and_remembers_it() -> None:
    g = nx.Graph()
    g.add_edge(0, 2, cost=5.0)
    g.add_edge(1, 2, cost=3.0)
    g.add_edge(0, 1, cost=1.0)
    g.add_edge(2, 3, cost=4.0)
    c = contract_root(g, [0, 1])
    assert set(c) == {ROOT, 2, 3}
    assert c.edges[ROOT, 2]["cost"] == 3.0 and c.edges[ROOT, 2]["via"] == 1
    assert g.number_of_nodes() == 4  # the input is not changed


def test_disconnected_terminal_is_reported_not_dropped() -> None:
    g = nx.Graph()
    g.add_edge(0, 1, cost=1.0, length_km=1.0, kind="road")
    g.add_edge(1, 2, cost=1.0, length_km=1.0, kind="road")
    g.add_edge(5, 6, cost=1.0, length_km=1.0, kind="road")  # an island
    res = steiner_plan(contract_root(g, [0]), [2, 6])
    assert res.reached == [2] and res.unreached == [6]
    assert res.cost == pytest.approx(2.0)
    empty = steiner_plan(contract_root(g, [0]), [6])
    assert empty.cost == 0.0 and empty.unreached == [6]


def _chain_tree() -> nx.Graph:
    """ROOT - 1 - 2 (branch point) - 3 (terminal) and 2 - 4 =hop= 5 (terminal)."""
    t = nx.Graph()
    for u, v, kind in ((ROOT, 1, "road"), (1, 2, "road"), (2, 3, "road"), (2, 4, "road"),
                       (4, 5, "microwave")):
        t.add_edge(u, v, cost=1.0, length_km=1.0, kind=kind)
    return t


def test_split_links_cuts_at_branches_terminals_and_hops() -> None:
    links = split_links(_chain_tree(), terminals=[3, 5])
    paths = [(lk.kind, lk.nodes) for lk in links]
    assert paths[0] == ("fibre", [ROOT, 1, 2])
    assert sorted(paths[1:]) == [("fibre", [2, 3]), ("fibre", [2, 4]), ("microwave", [4, 5])]
    by_end = {lk.nodes[-1]: lk for lk in links}
    assert by_end[3].parent == by_end[2].link_id
    assert by_end[5].parent == by_end[4].link_id
    assert all(lk.parent is None or lk.parent < lk.link_id for lk in links)


def test_ranking_builds_the_trunk_for_the_villages_behind_it() -> None:
    # link 0: cheap spur to a small village; link 1: costly trunk to a junction (no benefit);
    # links 2 and 3 hang on the trunk and reach big villages
    order = rank_links([None, None, 1, 1], [10.0, 50.0, 5.0, 5.0], [5.0, 0.0, 200.0, 100.0])
    assert order == [1, 2, 3, 0]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_ranking_and_phases_never_put_a_branch_before_its_parent(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    parent: list[int | None] = [None if i == 0 or rng.random() < 0.2 else int(rng.integers(i))
                                for i in range(n)]
    cost = rng.uniform(0.0, 100.0, n).tolist()
    benefit = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0, 500, n)).tolist()
    order = rank_links(parent, cost, benefit)
    assert sorted(order) == list(range(n))
    pos = {link: r for r, link in enumerate(order)}
    phases = assign_phases([cost[k] for k in order], n_phases=3)
    assert phases.min() >= 1 and phases.max() <= 3
    assert np.all(np.diff(phases) >= 0)
    for link, p in enumerate(parent):
        if p is not None:
            assert pos[p] < pos[link]
            assert phases[pos[p]] <= phases[pos[link]]


def test_phases_by_budget() -> None:
    assert assign_phases([40.0, 40.0, 40.0], phase_budget=50.0).tolist() == [1, 1, 2]
    assert assign_phases([0.0, 0.0]).tolist() == [1, 1]
    assert assign_phases([]).size == 0
