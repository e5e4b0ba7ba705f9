"""Technology and cost per terminal (issue 14): NPV, standalone options, the shared-trunk choice."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from affine import Affine

from netcover.config.link_costs import LinkCosts, annuity_factor, npv
from netcover.config.links import LinkSettings
from netcover.config.scenario import scenario_from_dict
from netcover.errors import ScenarioError
from netcover.links.graph import best_level_at, price_edges
from netcover.links.ranking import assign_phases, rank_links
from netcover.links.steiner import ROOT, prune_tree, split_links
from netcover.links.technology import cost_assumptions, plan_terminals

#: Cellular NPV 1,000 + 10 years x 12 x 100 = 13,000 (no discounting); satellites out of reach.
CHEAP_4G = LinkCosts(discount_rate=0.0, years=10, fibre_opex_per_km_year=0.0,
                     hop_opex_per_year=0.0, cellular_capex=1_000.0, cellular_fee_per_month=100.0,
                     vsat_capex=1e9, leo_capex=1e9)
CELLULAR_NPV = 1_000.0 + 10 * 12 * 100.0


def _entities(*rows: tuple[str, str]) -> pd.DataFrame:
    """Entities (key, category); the first is the root (the existing network)."""
    return pd.DataFrame({"key": [k for k, _ in rows], "name": [k.split(":")[1] for k, _ in rows],
                         "category": [c for _, c in rows],
                         "role": ["root"] + ["terminal"] * (len(rows) - 1)})


def _road(edges: list[tuple[int, int, float]]) -> nx.Graph:
    g = nx.Graph()
    g.add_edges_from((u, v, {"cost": c, "length_km": 1.0, "kind": "road", "road_class": "commune"})
                     for u, v, c in edges)
    return g


def _plan(graph: nx.Graph, entities: pd.DataFrame, costs: LinkCosts,
          rsrp: dict[str, float] | None = None):
    nodes = {i: i for i in range(len(entities))}  # entity i sits on node i
    for n in nodes.values():
        graph.add_node(n)
    return plan_terminals(graph, {0}, nodes, entities, LinkSettings(costs=costs), rsrp_dbm=rsrp)


def test_annuity_and_npv_by_hand() -> None:
    # (1 - 1.08**-10) / 0.08 = 6.710081399...; no discounting: the number of years
    assert annuity_factor(0.08, 10) == pytest.approx(6.710081399, rel=1e-9)
    assert annuity_factor(0.0, 7) == 7.0
    assert npv(100.0, 10.0, rate=0.08, years=10) == pytest.approx(167.10081399, rel=1e-9)


def test_price_edges_adds_discounted_opex_once() -> None:
    g = nx.Graph()
    g.add_edge(0, 1, cost=1_000.0, length_km=2.0, kind="road")
    g.add_edge(1, 2, cost=500.0, length_km=9.0, kind="microwave")
    g.add_edge(2, 3, cost=0.0, length_km=4.0, kind="fibre")  # existing network fibre
    costs = LinkCosts(discount_rate=0.1, years=5, fibre_opex_per_km_year=50.0,
                      hop_opex_per_year=30.0)
    price_edges(g, costs)
    price_edges(g, costs)  # no-op
    a5 = (1 - 1.1 ** -5) / 0.1  # 3.790787
    assert g.edges[0, 1]["cost"] == pytest.approx(1_000.0 + 2 * 50.0 * a5)
    assert g.edges[0, 1]["capex"] == 1_000.0 and g.edges[0, 1]["opex"] == 100.0
    assert g.edges[1, 2]["cost"] == pytest.approx(500.0 + 30.0 * a5)
    assert g.edges[2, 3]["cost"] == 0.0


def test_vnd_by_default_and_usd_figures_converted() -> None:
    vnd = LinkCosts()
    assert vnd.currency == "VND"
    assert vnd.vsat_capex == pytest.approx(2_500.0 * 26_000.0)  # a USD-sourced default
    assert vnd.cellular_capex == pytest.approx(3_000_000.0)  # a VND-sourced default
    assert LinkCosts(vnd_per_usd=25_000.0).leo_capex == pytest.approx(500.0 * 25_000.0)
    usd = LinkCosts(currency="USD", vnd_per_usd=25_000.0)
    assert usd.vsat_capex == pytest.approx(2_500.0)
    assert usd.cellular_capex == pytest.approx(3_000_000.0 / 25_000.0)
    # the money fields of [links]: former USD defaults converted; a VND value kept as given
    assert LinkSettings().cost_per_km_national == pytest.approx(12_000.0 * 26_000.0)
    assert LinkSettings(costs=usd).hop_equipment_cost == pytest.approx(15_000.0)
    assert LinkSettings(cost_per_km_track=1.5e8).cost_per_km_track == 1.5e8


def test_old_usd_scenario_fails_with_the_field_and_the_fix() -> None:
    with pytest.raises(ScenarioError, match=r"cost_per_km_commune = 9,000.*234,000,000.*"
                                            r"currency = \"USD\""):
        LinkSettings(cost_per_km_commune=9_000.0)
    ok = LinkSettings(cost_per_km_commune=9_000.0, costs=LinkCosts(currency="USD"))
    assert ok.cost_per_km_commune == 9_000.0


def test_cost_table_from_the_scenario() -> None:
    s = scenario_from_dict({"links": {"costs": {
        "currency": "USD", "years": 15, "technologies": ["fibre", "leo"],
        "leo_fee_per_month": 80, "demand": {"school": 50}}}})
    c = s.links.costs
    assert (c.currency, c.years, c.technologies, c.leo_fee_per_month) == (
        "USD", 15, ("fibre", "leo"), 80.0)
    assert c.demand.school == 50.0 and c.demand.site == 150.0
    keys = {a.key for a in cost_assumptions(s.links)}
    assert "links.costs.demand.site" in keys and "links.costs.demand.school" not in keys
    assert "links.costs.leo_capex" in keys and "links.costs.leo_fee_per_month" not in keys
    assert "links.cost_per_km_national" in keys
    with pytest.raises(ScenarioError, match="technologies"):
        scenario_from_dict({"links": {"costs": {"technologies": ["pigeon"]}}})


def test_good_4g_terminal_alone_gets_cellular_when_cheapest() -> None:
    # network: 20,000 of trunk + 1,000 of drop; cellular 13,000
    ent = _entities(("point:NET", "district_agency"), ("point:A", "school"))
    graph = _road([(0, 2, 20_000.0), (2, 1, 1_000.0)])
    plan = _plan(graph, ent, CHEAP_4G, rsrp={"point:A": -80.0})
    row = plan.terminals.set_index("key").loc["point:A"]
    assert row["technology"] == "cellular"
    assert row["npv"] == pytest.approx(CELLULAR_NPV)
    assert row["alternative"] == "fibre/microwave"
    assert row["alternative_npv"] == pytest.approx(21_000.0)
    assert plan.result.cost == pytest.approx(CELLULAR_NPV)
    # weak 4G: no cellular option, so the network
    weak = _plan(_road([(0, 2, 20_000.0), (2, 1, 1_000.0)]), ent, CHEAP_4G,
                 rsrp={"point:A": -100.0})
    row = weak.terminals.iloc[0]
    assert row["technology"] == "fibre"
    assert "4G level -100 dBm < -95 dBm" in row["refused"]
    # no coverage input at all: no cellular option either
    none = _plan(_road([(0, 2, 20_000.0), (2, 1, 1_000.0)]), ent, CHEAP_4G)
    assert none.terminals["technology"].tolist() == ["fibre"]


def test_shared_trunk_makes_fibre_cheaper_than_cellular() -> None:
    # three schools behind one 20,000 trunk, 1,000 each: 23,000 < 3 x 13,000
    ent = _entities(("point:NET", "district_agency"), ("point:A", "school"),
                    ("point:B", "school"), ("point:C", "school"))
    graph = _road([(0, 4, 20_000.0), (4, 1, 1_000.0), (4, 2, 1_000.0), (4, 3, 1_000.0)])
    good = {k: -80.0 for k in ("point:A", "point:B", "point:C")}
    plan = _plan(graph, ent, CHEAP_4G, rsrp=good)
    assert plan.terminals["technology"].tolist() == ["fibre"] * 3
    assert plan.result.cost == pytest.approx(23_000.0)
    assert (plan.terminals["alternative"] == "cellular").all()
    # a 40,000 trunk is not worth it: 43,000 > 39,000, all three go cellular
    dear = _road([(0, 4, 40_000.0), (4, 1, 1_000.0), (4, 2, 1_000.0), (4, 3, 1_000.0)])
    plan = _plan(dear, ent, CHEAP_4G, rsrp=good)
    assert plan.terminals["technology"].tolist() == ["cellular"] * 3
    assert plan.result.cost == pytest.approx(3 * CELLULAR_NPV)


def test_satellite_for_a_terminal_far_from_roads() -> None:
    ent = _entities(("point:NET", "district_agency"), ("point:D", "health_station"),
                    ("site:S9", "site"))
    graph = _road([(0, 3, 5_000.0)])  # nodes 1 and 2 have no road at all
    costs = LinkCosts()
    plan = _plan(graph, ent, costs)
    t = plan.terminals.set_index("key")
    a = annuity_factor(0.08, 10)
    leo = 500 * 26_000 + 12 * 100 * 26_000 * a
    vsat = 2_500 * 26_000 + 12 * 200 * 26_000 * a
    assert t.at["point:D", "technology"] == "leo"
    assert t.at["point:D", "npv"] == pytest.approx(leo)
    assert (t.at["point:D", "alternative"], t.at["point:D", "alternative_npv"]) == (
        "vsat", pytest.approx(vsat))
    assert t.at["point:D", "availability_pct"] == 99.5
    # a BTS needs 150 Mbps: more than either satellite gives, and no cell backhauls a site
    assert t.at["site:S9", "technology"] == "none"
    assert "leo: demand 150 Mbps > 100 Mbps" in t.at["site:S9", "refused"]
    assert plan.result.unreached == [2]
    # required availability above the satellites': no option left
    strict = plan_terminals(_road([(0, 3, 5_000.0)]), {0}, {0: 0, 1: 1, 2: 2}, ent,
                            LinkSettings(), required_availability=lambda c: 99.9)
    assert strict.terminals["technology"].tolist() == ["none", "none"]


def test_phases_keep_the_trunk_before_its_branches() -> None:
    # a costly trunk with two schools behind it (fibre), one off-road school (satellite)
    ent = _entities(("point:NET", "district_agency"), ("point:A", "school"),
                    ("point:B", "school"), ("point:C", "school"))
    graph = _road([(0, 4, 30e6), (4, 1, 1e6), (4, 5, 2e6), (5, 2, 1e6)])
    plan = _plan(graph, ent, LinkCosts(fibre_opex_per_km_year=0.0))
    tree = plan.result.tree
    links = split_links(tree, [1, 2, 3])
    kinds = sorted(lk.kind for lk in links)
    assert kinds == ["fibre", "fibre", "fibre", "leo"]  # trunk, A, B (via a bend), C alone
    order = rank_links([lk.parent for lk in links], [lk.cost for lk in links],
                       [1.0 if lk.nodes[-1] in (1, 2, 3) else 0.0 for lk in links])
    rank = {k: r for r, k in enumerate(order)}
    phases = assign_phases([links[k].cost for k in order], n_phases=3)
    for lk in links:
        if lk.parent is not None:
            assert rank[lk.parent] < rank[lk.link_id]
            assert phases[rank[lk.parent]] <= phases[rank[lk.link_id]]
    sat = next(lk for lk in links if lk.kind == "leo")
    assert sat.parent is None and sat.nodes == [ROOT, 3] and sat.opex > 0


def test_prune_tree_is_the_exact_best_split() -> None:
    rng = np.random.default_rng(14)
    for _ in range(30):
        n = 9
        tree = nx.Graph()
        for v in range(1, n):
            tree.add_edge(int(rng.integers(0, v)), v, cost=float(rng.uniform(1, 10)))
        tree = nx.relabel_nodes(tree, {0: ROOT})
        terms = [int(v) for v in rng.choice(np.arange(1, n), size=5, replace=False)]
        alone = {t: float(rng.uniform(1, 15)) for t in terms if rng.random() < 0.8}
        cut = prune_tree(tree, terms, alone)
        best = min(_split_cost(tree, terms, alone, set(k))
                   for r in range(len(terms) + 1) for k in itertools.combinations(terms, r))
        assert _split_cost(tree, terms, alone, set(terms) - cut) == pytest.approx(best)


def _split_cost(tree: nx.Graph, terms: list[int], alone: dict[int, float], kept: set[int]
                ) -> float:
    """Edges on the paths from ROOT to the kept terminals, plus the others' standalone costs."""
    edges = {frozenset(e) for t in kept for e in nx.utils.pairwise(nx.shortest_path(tree, ROOT, t))}
    return sum(tree.edges[tuple(e)]["cost"] for e in edges) + sum(
        alone.get(t, np.inf) for t in terms if t not in kept)


def test_best_level_at_takes_the_best_operator() -> None:
    transform = Affine(100.0, 0.0, 0.0, 0.0, -100.0, 300.0)  # 3 x 3 cells of 100 m
    a = np.full((3, 3), -110.0)
    b = np.full((3, 3), np.nan)
    b[0, 2] = -80.0
    levels = {("A", "4G"): a, ("B", "4G"): b, ("B", "3G"): np.zeros((3, 3))}
    got = best_level_at(levels, transform, np.array([250.0, 50.0, 900.0]),
                        np.array([250.0, 50.0, 50.0]))
    assert got[0] == -80.0 and got[1] == -110.0 and np.isnan(got[2])


def test_entity_levels_are_keyed_like_the_entities() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from netcover.links.graph import entity_levels

    transform = Affine(100.0, 0.0, 0.0, 0.0, -100.0, 300.0)
    levels = {("A", "4G"): np.array([[-90.0, -100.0, -110.0]] * 3)}
    points = gpd.GeoDataFrame({"point_id": ["P1", "P2"]},
                              geometry=[Point(50, 250), Point(5_000, 250)], crs="EPSG:32648")
    villages = gpd.GeoDataFrame({"settlement_id": [7]}, geometry=[Point(150, 50)],
                                crs="EPSG:32648")
    assert entity_levels(levels, transform, points, villages) == {"point:P1": -90.0,
                                                                  "village:7": -100.0}


def test_why_names_the_terminals_a_dear_link_carries() -> None:
    # school M on the trunk (20,000 > cellular 13,000) carries A and B (1,000 each) behind it
    ent = _entities(("point:NET", "district_agency"), ("point:M", "school"),
                    ("point:A", "school"), ("point:B", "school"))
    graph = _road([(0, 1, 20_000.0), (1, 2, 1_000.0), (1, 3, 1_000.0)])
    plan = _plan(graph, ent, CHEAP_4G, rsrp=dict.fromkeys(("point:M", "point:A", "point:B"), -70.0))
    t = plan.terminals.set_index("key")
    assert t["technology"].tolist() == ["fibre"] * 3
    assert t["npv"].tolist() == [20_000.0, 1_000.0, 1_000.0]
    assert t["behind"].tolist() == [2, 0, 0]
    assert t.at["point:M", "why"] == ("fibre 20,000 VND > cellular 13,000 VND, but the link also "
                                      "carries 2 terminal(s) behind it")
    assert t.at["point:A", "why"] == "fibre 1,000 VND <= cellular 13,000 VND"


def test_an_office_needs_its_class_availability_a_school_does_not() -> None:
    """Offices are held to [links.microwave] availability_office_pct (99.9%): a 99.5% cellular
    subscription is refused with the figure however good the 4G; a school in the same place takes it."""
    from netcover.links.plan import required_availability

    settings = LinkSettings(costs=CHEAP_4G)
    need = required_availability(settings)
    assert (need("commune_office"), need("site"), need("school")) == (99.9, 99.99, 0.0)
    ent = _entities(("point:NET", "district_agency"), ("point:A", "school"),
                    ("point:O", "commune_office"))
    graph = _road([(0, 3, 20_000.0), (3, 1, 1_000.0), (0, 4, 20_000.0), (4, 2, 1_000.0)])
    for n in range(len(ent)):
        graph.add_node(n)
    plan = plan_terminals(graph, {0}, {i: i for i in range(len(ent))}, ent, settings,
                          rsrp_dbm={"point:A": -80.0, "point:O": -80.0}, required_availability=need)
    t = plan.terminals.set_index("key")
    assert t.at["point:A", "technology"] == "cellular"
    assert t.at["point:O", "technology"] == "fibre"
    assert "availability 99.5% < 99.9% required" in t.at["point:O", "refused"]


def test_cellular_needs_the_busy_hour_throughput_the_terminal_demands() -> None:
    """Good 4G is not enough where the capacity estimate gives users less than the school's
    20 Mbps in the busy hour: cellular is refused with both figures, and taken where it gives more."""
    ent = _entities(("point:NET", "district_agency"), ("point:A", "school"))
    graph = _road([(0, 2, 20_000.0), (2, 1, 1_000.0)])
    for n in range(len(ent)):
        graph.add_node(n)
    nodes = {i: i for i in range(len(ent))}
    settings = LinkSettings(costs=CHEAP_4G)
    slow = plan_terminals(graph, {0}, nodes, ent, settings, rsrp_dbm={"point:A": -80.0},
                          cell_mbps={"point:A": 5.5})
    row = slow.terminals.set_index("key").loc["point:A"]
    assert row["technology"] == "fibre"
    assert "busy-hour 4G throughput there 5.5 Mbps < demand 20 Mbps" in row["refused"]
    fast = plan_terminals(_road([(0, 2, 20_000.0), (2, 1, 1_000.0)]), {0}, nodes, ent, settings,
                          rsrp_dbm={"point:A": -80.0}, cell_mbps={"point:A": 31.0})
    assert fast.terminals.set_index("key").at["point:A", "technology"] == "cellular"
