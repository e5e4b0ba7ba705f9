"""Technology and cost per terminal: net present cost of every option, the cheapest plan, why.

A terminal is connected by the network (fibre on roads, microwave hops: the Steiner tree of
:mod:`netcover.links.steiner`) or alone by a subscription: cellular (4G fixed wireless, in good 4G
coverage of the coverage step), GEO VSAT or LEO satellite. Options are compared by their net present
cost (:func:`netcover.config.link_costs.npv`: CAPEX + yearly OPEX x the annuity factor of ``years``
at ``discount_rate``, in the plan currency). :func:`~netcover.links.graph.price_edges` puts each
network edge's NPV in its ``cost``; :func:`plan_terminals` alternates the exact pruning of the tree
(:func:`~netcover.links.steiner.prune_tree`: a trunk stays when the terminals behind it together pay
for it), a re-plan, and the return of terminals whose way to the tree became cheaper than their
subscription. A standalone terminal never carries another's traffic; the options a terminal may
take alone, and why the others are refused, are :mod:`netcover.links.standalone`'s; the terminal
table says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from netcover.config.link_costs import (
    LEGACY_MONEY,
    STANDALONE,
    Assumption,
    LinkCosts,
    link_money_defaults,
    money_defaults,
)
from netcover.config.links import LinkSettings
from netcover.links.graph import price_edges
from netcover.links.standalone import standalone_options, terminal_demand
from netcover.links.steiner import ROOT, SteinerResult, contract_root, prune_tree, steiner_plan

__all__ = ["TERMINAL_COLUMNS", "TechnologyPlan", "cost_assumptions", "plan_terminals"]

#: Columns of :attr:`TechnologyPlan.terminals` (``LinkPlan.terminals``, ``links_terminals.csv``).
TERMINAL_COLUMNS = ("key", "name", "category", "technology", "npv", "capex", "opex_per_year",
                    "demand_mbps", "max_mbps", "availability_pct", "rsrp_dbm", "alternative",
                    "alternative_npv", "behind", "why", "refused")
#: Network edge kinds and the technology each belongs to.
_EDGE_TECH = {"road": "fibre", "fibre": "fibre", "last_mile": "fibre", "microwave": "microwave"}
_ROUNDS = 8


@dataclass
class TechnologyPlan:
    """What :func:`plan_terminals` chose.

    Attributes
    ----------
    result : SteinerResult
        The plan's tree: the network links plus one edge from ROOT to each standalone terminal
        (kind "cellular", "vsat" or "leo"); ``cost`` and ``naive_cost`` are net present costs,
        ``reached`` every connected terminal, ``unreached`` those with no option at all.
    alone : dict of int to str
        Standalone terminal node -> its technology.
    terminals : DataFrame
        One row per terminal, columns :data:`TERMINAL_COLUMNS` (connected ones; unreachable ones
        with technology "none").
    """

    result: SteinerResult
    alone: dict[int, str] = field(default_factory=dict)
    terminals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(TERMINAL_COLUMNS)))


def plan_terminals(graph: nx.Graph, root_nodes: set[int], entity_node: Mapping[int, int],
                   entities: pd.DataFrame, settings: LinkSettings, *,
                   rsrp_dbm: Mapping[str, float] | None = None,
                   cell_mbps: Mapping[str, float] | None = None,
                   required_availability: Callable[[str], float] | None = None) -> TechnologyPlan:
    """Choose each terminal's technology and plan the network at least net present cost.

    Parameters
    ----------
    graph : networkx.Graph
        The network graph with hop edges (``NetworkGraph.graph``); priced here
        (:func:`~netcover.links.graph.price_edges`).
    root_nodes, entity_node : set, mapping
        ``NetworkGraph.root_nodes`` and ``NetworkGraph.entity_node``.
    entities : DataFrame
        The entity table (terminals have role "terminal").
    settings : LinkSettings
        ``settings.costs`` holds the cost table.
    rsrp_dbm : mapping of str to float, optional
        Best 4G level (dBm) at each terminal by entity key
        (:func:`netcover.links.graph.best_level_at`); absent: no cellular option.
    cell_mbps : mapping of str to float, optional
        Busy-hour user throughput (Mbps) of the coverage step's capacity estimate at each
        terminal by entity key; cellular is refused where it is below the demand.
    required_availability : callable, optional
        Availability (%) a terminal of a category needs (None: no requirement).

    Returns
    -------
    TechnologyPlan
    """
    costs = settings.costs
    contracted = _network(graph, costs, root_nodes, entity_node)
    rows = [int(i) for i in np.nonzero(entities["role"].to_numpy() == "terminal")[0]]
    options, refused = standalone_options(entities, rows, costs, rsrp_dbm=rsrp_dbm,
                                          cell_mbps=cell_mbps,
                                          required_availability=required_availability)
    best = options.drop_duplicates("entity").set_index("entity")
    best.index = [entity_node[int(e)] for e in best.index]  # by terminal node
    alone_cost = {int(t): float(c) for t, c in zip(best.index, best["npv"], strict=True)}
    terminals = [entity_node[i] for i in rows]
    result, alone = _choose(contracted, terminals, alone_cost)
    tree = result.tree
    for t in sorted(alone):
        opt = best.loc[t].to_dict()
        tree.add_edge(ROOT, t, kind=str(opt["technology"]), cost=float(opt["npv"]),
                      capex=float(opt["capex"]), opex=float(opt["opex_per_year"]), length_km=0.0,
                      road_class="", via=t)
    plan = SteinerResult(tree, float(tree.size(weight="cost")),
                         _naive(contracted, result.reached, alone_cost),
                         [t for t in terminals if t in tree], [t for t in terminals if t not in tree])
    table = _table(plan, rows, entities, entity_node, options, refused,
                   _distances(contracted, tree, alone), rsrp_dbm, costs)
    return TechnologyPlan(plan, {t: str(best.at[t, "technology"]) for t in alone}, table)


def _network(graph: nx.Graph, costs: LinkCosts, root_nodes: set[int],
             entity_node: Mapping[int, int]) -> nx.Graph:
    """The priced graph of the allowed network technologies, root contracted, every entity in."""
    price_edges(graph, costs)
    allowed = {k for k, t in _EDGE_TECH.items() if t in costs.technologies}
    net = graph.edge_subgraph((u, v) for u, v, k in graph.edges(data="kind") if k in allowed)
    contracted = contract_root(nx.Graph(net), root_nodes)
    contracted.add_nodes_from(entity_node.values())
    return contracted


def _choose(contracted: nx.Graph, terminals: list[int], alone_cost: Mapping[int, float]
            ) -> tuple[SteinerResult, set[int]]:
    """The network tree and the standalone terminals, by prune / re-plan / return rounds.

    Each round plans the tree of the terminals on the network, cuts the subtrees cheaper alone
    (:func:`prune_tree`) and plans again; terminals now on the tree, or whose way to it costs less
    than their subscription, return for the next round. The cheapest state seen is kept.
    """
    component = nx.node_connected_component(contracted, ROOT)
    wired = [t for t in terminals if t in component]
    alone = set(alone_cost) - component
    best: tuple[float, SteinerResult, set[int]] | None = None
    seen: set[frozenset[int]] = set()
    for _ in range(_ROUNDS):
        result, wired, alone = _prune_round(contracted, wired, alone, alone_cost)
        total, kept_alone, back = _score(contracted, result, alone, component, alone_cost)
        if best is None or total < best[0]:
            best = (total, result, kept_alone)
        if not back or frozenset(wired) in seen:
            break
        seen.add(frozenset(wired))
        wired = [t for t in terminals if t in wired or t in back]
        alone -= back
    assert best is not None
    return best[1], set(best[2])


def _score(contracted: nx.Graph, result: SteinerResult, alone: set[int], component: set[int],
           alone_cost: Mapping[int, float]) -> tuple[float, set[int], set[int]]:
    """Total cost of a round, its standalone terminals, and those that return to the network.

    A standalone terminal the tree passes anyway is connected for free; one whose way to the tree
    costs less than its subscription returns for the next round.
    """
    free = {t for t in alone if t in result.tree}
    kept = alone - free
    total = result.cost + sum(alone_cost[t] for t in kept)
    return total, kept, free | _cheaper_on_network(contracted, result.tree, kept & component,
                                                   alone_cost)


def _prune_round(contracted: nx.Graph, wired: list[int], alone: set[int],
                 alone_cost: Mapping[int, float]) -> tuple[SteinerResult, list[int], set[int]]:
    """Plan the tree of ``wired``, cut what is cheaper alone, plan again for the rest."""
    result = steiner_plan(contracted, wired)
    cut = prune_tree(result.tree, wired, alone_cost)
    if not cut:
        return result, wired, alone
    kept = [t for t in wired if t not in cut]
    return steiner_plan(contracted, kept), kept, alone | cut


def _cheaper_on_network(contracted: nx.Graph, tree: nx.Graph, nodes: set[int],
                        alone_cost: Mapping[int, float]) -> set[int]:
    """Those of ``nodes`` whose way to the tree costs less than their subscription."""
    return {t for t, d in _distances(contracted, tree, nodes).items() if d < alone_cost[t]}


def _distances(contracted: nx.Graph, tree: nx.Graph, nodes: set[int]) -> dict[int, float]:
    """Least network cost from each of ``nodes`` to the tree (ROOT included); absent: no way."""
    if not nodes:
        return {}
    sources = {n for n in tree if n in contracted and n not in nodes} | {ROOT}
    dist = nx.multi_source_dijkstra_path_length(contracted, sources, weight="cost")
    return {n: float(dist[n]) for n in nodes if n in dist}


def _naive(contracted: nx.Graph, reached: list[int], alone_cost: Mapping[int, float]) -> float:
    """Each connected terminal by its own cheapest way: its own network path or subscription."""
    dist = nx.single_source_dijkstra_path_length(contracted, ROOT, weight="cost")
    total = 0.0
    for t in set(reached) | set(alone_cost):
        own = min(dist.get(t, math.inf), alone_cost.get(t, math.inf))
        total += own if math.isfinite(own) else 0.0
    return float(total)


def _upward(tree: nx.Graph, t: int, parent: Mapping[int, int], wired: set[int]
            ) -> tuple[str, float, float, float]:
    """Technology of the edge reaching ``t`` and the NPV, CAPEX, OPEX of the link ending at ``t``.

    That link runs from ``t`` towards ROOT up to the first branch point, other terminal, hop end
    or ROOT (a link of :func:`~netcover.links.steiner.split_links`).
    """
    kind = str(tree.edges[parent[t], t].get("kind"))
    total = capex = opex = 0.0
    node = t
    while node != ROOT:
        data = tree.edges[parent[node], node]
        if (data.get("kind") == "microwave") != (kind == "microwave"):
            break
        total += data["cost"]
        capex += data.get("capex", data["cost"])
        opex += data.get("opex", 0.0)
        node = parent[node]
        if node in wired or tree.degree(node) != 2 or kind == "microwave":
            break
    return _EDGE_TECH.get(kind, "fibre"), total, capex, opex


def _table(plan: SteinerResult, rows: list[int], entities: pd.DataFrame,
           entity_node: Mapping[int, int], options: pd.DataFrame, refused: dict[int, list[str]],
           wired_dist: Mapping[int, float], rsrp_dbm: Mapping[str, float] | None,
           costs: LinkCosts) -> pd.DataFrame:
    """One row per terminal: technology, its NPV, the next option and why (:data:`TERMINAL_COLUMNS`)."""
    tree = plan.tree
    parent = dict(nx.bfs_predecessors(tree, ROOT)) if ROOT in tree else {}
    down = nx.bfs_tree(tree, ROOT) if ROOT in tree else nx.DiGraph()
    wired = {entity_node[i] for i in rows}
    demand = terminal_demand(entities, costs)
    by_entity = {i: options[options["entity"] == i] for i in set(options["entity"].tolist())}
    cur = costs.currency
    out = []
    for i in rows:
        t = entity_node[i]
        opts = by_entity.get(i, options.iloc[0:0])
        row: dict[str, object] = {"key": entities.at[i, "key"], "name": entities.at[i, "name"],
               "category": entities.at[i, "category"], "demand_mbps": float(demand[i]),
               "rsrp_dbm": (rsrp_dbm or {}).get(str(entities.at[i, "key"]), math.nan),
               "refused": "; ".join(refused.get(i, [])), "max_mbps": math.nan,
               "availability_pct": math.nan, "alternative": "", "alternative_npv": math.nan,
               "behind": len(nx.descendants(down, t) & wired) if t in down else 0}
        kind = tree.edges[ROOT, t]["kind"] if t in tree and tree.has_edge(ROOT, t) else ""
        if t not in tree:
            row.update(technology="none", npv=math.nan, capex=math.nan, opex_per_year=math.nan,
                       why="no network path and no standalone option")
        elif kind in STANDALONE:
            row.update(_alone_row(opts, kind, wired_dist.get(t)))
        else:
            tech, total, capex, opex = _upward(tree, t, parent, wired - {t})
            row.update(technology=tech, npv=total, capex=capex, opex_per_year=opex)
            if len(opts):
                row.update(alternative=str(opts["technology"].iloc[0]),
                           alternative_npv=float(opts["npv"].iloc[0]))
        if row["technology"] != "none":
            row["why"] = _why(row, cur)
        out.append(row)
    return pd.DataFrame(out, columns=list(TERMINAL_COLUMNS))


def _alone_row(opts: pd.DataFrame, kind: str, network: float | None) -> dict[str, object]:
    """Columns of a standalone terminal: its option, and the network or the next option beside."""
    chosen = opts[opts["technology"] == kind].iloc[0]
    others = opts[opts["technology"] != kind]
    alt: tuple[str, float] = ("", math.nan)
    if network is not None:
        alt = ("fibre/microwave", network)
    elif len(others):
        alt = (str(others["technology"].iloc[0]), float(others["npv"].iloc[0]))
    return {"technology": kind, "alternative": alt[0], "alternative_npv": alt[1],
            **{c: float(chosen[c]) for c in ("npv", "capex", "opex_per_year", "max_mbps",
                                              "availability_pct")}}


def _why(row: Mapping[str, object], cur: str) -> str:
    """``fibre 1,200 VND <= cellular 3,400 VND`` or ``vsat: the only option``; a network link
    dearer than the terminal's subscription says what else it carries."""
    tech, alt = str(row["technology"]), str(row["alternative"])
    if not alt:
        return f"{tech}: the only option"
    own, other = float(row["npv"]), float(row["alternative_npv"])  # type: ignore[arg-type]
    text = f"{tech} {own:,.0f} {cur} {'<=' if own <= other else '>'} {alt} {other:,.0f} {cur}"
    if own > other:
        text += (f", but the link also carries {row['behind']} terminal(s) behind it"
                 if row["behind"] else ", but the network plan as a whole costs less")
    return text


def cost_assumptions(settings: LinkSettings) -> list[Assumption]:
    """Every cost and demand figure of the plan left at its default, with its source."""
    values = {n: float(getattr(settings, n)) for n in LEGACY_MONEY}
    left = link_money_defaults(values, money_defaults(type(settings)), settings.costs)
    return settings.costs.assumptions({n: values[n] for n in left if values[n]})
