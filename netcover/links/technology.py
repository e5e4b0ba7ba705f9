"""Technology and cost per terminal: net present cost of every option, the cheapest plan, why.

Each terminal can be connected by the network (fibre on roads, microwave hops; the Steiner tree of
:mod:`netcover.links.steiner`) or alone, by a subscription: cellular (4G fixed wireless, where the
coverage step gives the terminal good 4G coverage and its demand fits), GEO VSAT or LEO satellite.
Every option has a CAPEX and a yearly OPEX in the plan currency (:class:`~netcover.config.link_costs.
LinkCosts`); they are compared by their net present cost over ``years`` at ``discount_rate``::

    NPV = CAPEX + OPEX * A,   A = (1 - (1 + r) ** -N) / r   (A = N when r = 0),

the OPEX paid at the end of each year (an ordinary annuity). :func:`price_edges` puts the NPV of
each network edge in its ``cost`` (keeping ``capex`` and ``opex``), so the Steiner tree minimises
the net present cost; :func:`plan_terminals` then alternates the exact pruning of the tree
(:func:`~netcover.links.steiner.prune_tree`: a trunk stays when the terminals behind it together pay
for it), a re-plan for the terminals kept, and the return of terminals whose way to the tree became
cheaper than their subscription, until nothing changes. A standalone terminal never carries
another's traffic. Options below a terminal's demand (Mbps) or required availability are refused,
and the terminal table says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
from netcover.links.steiner import ROOT, SteinerResult, contract_root, prune_tree, steiner_plan

if TYPE_CHECKING:
    from affine import Affine

__all__ = [
    "TERMINAL_COLUMNS", "TechnologyPlan", "annuity_factor", "best_level_at", "cost_assumptions",
    "npv", "plan_terminals", "price_edges", "standalone_options", "terminal_demand",
]

#: Columns of :attr:`TechnologyPlan.terminals` (``LinkPlan.terminals``, ``links_terminals.csv``).
TERMINAL_COLUMNS = ("key", "name", "category", "technology", "npv", "capex", "opex_per_year",
                    "demand_mbps", "max_mbps", "availability_pct", "rsrp_dbm", "alternative",
                    "alternative_npv", "why", "refused")
#: Network edge kinds and the technology each belongs to.
_EDGE_TECH = {"road": "fibre", "fibre": "fibre", "last_mile": "fibre", "microwave": "microwave"}
_ROUNDS = 8


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 paid at the end of each of ``years`` years at ``rate`` (``years`` if 0)."""
    if rate == 0:
        return float(years)
    return (1.0 - (1.0 + rate) ** -years) / rate


def npv(capex: float | np.ndarray, opex_per_year: float | np.ndarray, *, rate: float,
        years: int) -> float | np.ndarray:
    """Net present cost: ``capex`` now plus ``opex_per_year`` over ``years`` at ``rate``."""
    return capex + opex_per_year * annuity_factor(rate, years)


def price_edges(graph: nx.Graph, costs: LinkCosts) -> None:
    """Put each network edge's net present cost in ``cost``; keep ``capex`` and yearly ``opex``.

    Fibre (new, reused, drops) costs ``fibre_opex_per_km_year`` per km, a hop
    ``hop_opex_per_year``. Pricing twice is a no-op (the graph remembers it).
    """
    if graph.graph.get("priced"):
        return
    factor = annuity_factor(costs.discount_rate, costs.years)
    per_km = float(costs.fibre_opex_per_km_year or 0.0)
    per_hop = float(costs.hop_opex_per_year or 0.0)
    for _, _, data in graph.edges(data=True):
        capex = float(data["cost"])
        if data.get("kind") == "microwave":
            opex = per_hop
        elif data.get("kind") == "fibre" and capex == 0:
            opex = 0.0  # existing fibre already on the network: its upkeep is not this plan's
        else:
            opex = per_km * float(data.get("length_km", 0.0))
        data.update(capex=capex, opex=opex, cost=capex + opex * factor)
    graph.graph["priced"] = True


def terminal_demand(entities: pd.DataFrame, costs: LinkCosts) -> np.ndarray:
    """Demand (Mbps) of each entity from its category (``[links.costs.demand]``)."""
    return np.array([costs.demand.of(str(c)) for c in entities["category"]], dtype=float)


def best_level_at(levels: Mapping[tuple[str, str], np.ndarray], transform: Affine,
                  x: np.ndarray, y: np.ndarray, technology: str = "4G") -> np.ndarray:
    """Best signal level (dBm) of any operator's ``technology`` at each point; NaN outside/none.

    ``levels``: the coverage step's best-server level per (operator, technology)
    (``CoverageResult.operator_levels``) on the grid ``transform``.
    """
    out = np.full(len(x), np.nan)
    inv = ~transform
    x, y = np.asarray(x, float), np.asarray(y, float)
    col, row = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
    for (_, tech), grid in levels.items():
        if tech != technology:
            continue
        r, c = np.floor(row).astype(int), np.floor(col).astype(int)
        inside = (r >= 0) & (c >= 0) & (r < grid.shape[0]) & (c < grid.shape[1])
        value = np.full(len(x), np.nan)
        value[inside] = grid[r[inside], c[inside]]
        out = np.fmax(out, value)
    return out


def standalone_options(entities: pd.DataFrame, rows: list[int], costs: LinkCosts, *,
                       rsrp_dbm: Mapping[str, float] | None = None,
                       required_availability: Callable[[str], float] | None = None,
                       ) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Every standalone option of the entities ``rows`` that meets demand and availability.

    Cellular needs the terminal's 4G level (``rsrp_dbm`` by entity key) at least
    ``cellular_min_rsrp_dbm`` and is not offered to BTS sites (a site's backhaul does not ride on a
    cell); villages get none unless ``standalone_villages``. ``required_availability(category)``
    gives the availability (%) an option must reach (None: no requirement).

    Returns
    -------
    DataFrame
        One row per (entity, option) offered: ``entity``, ``technology``, ``capex``,
        ``opex_per_year``, ``npv``, ``max_mbps``, ``availability_pct``, cheapest first per entity.
    dict
        Per entity, the options refused and why.
    """
    demand = terminal_demand(entities, costs)
    factor = annuity_factor(costs.discount_rate, costs.years)
    offered: list[dict[str, object]] = []
    refused: dict[int, list[str]] = {}
    for i in rows:
        why = _refusals(entities.iloc[i], float(demand[i]), costs, rsrp_dbm, required_availability)
        refused[i] = [f"{t}: {w}" for t, w in why.items() if w]
        for tech in (t for t in STANDALONE if not why.get(t)):
            capex = float(getattr(costs, f"{tech}_capex"))
            opex = 12.0 * float(getattr(costs, f"{tech}_fee_per_month"))
            offered.append({"entity": i, "technology": tech, "capex": capex, "opex_per_year": opex,
                            "npv": capex + opex * factor,
                            "max_mbps": float(getattr(costs, f"{tech}_max_mbps")),
                            "availability_pct": float(getattr(costs, f"{tech}_availability_pct"))})
    table = pd.DataFrame(offered, columns=["entity", "technology", "capex", "opex_per_year", "npv",
                                           "max_mbps", "availability_pct"])
    return table.sort_values(["entity", "npv"], kind="stable").reset_index(drop=True), refused


def _refusals(row: pd.Series, demand: float, costs: LinkCosts,
              rsrp_dbm: Mapping[str, float] | None,
              required: Callable[[str], float] | None) -> dict[str, str]:
    """Why each standalone technology is refused for one entity ("" where it is offered)."""
    category = str(row["category"])
    need = required(category) if required is not None else None
    out: dict[str, str] = {}
    for tech in STANDALONE:
        limit = float(getattr(costs, f"{tech}_max_mbps"))
        avail = float(getattr(costs, f"{tech}_availability_pct"))
        if tech not in costs.technologies:
            out[tech] = "not in [links.costs] technologies"
        elif category == "village" and not costs.standalone_villages:
            out[tech] = "villages are connected by the network (standalone_villages = false)"
        elif demand > limit:
            out[tech] = f"demand {demand:g} Mbps > {limit:g} Mbps"
        elif need is not None and avail < need:
            out[tech] = f"availability {avail:g}% < {need:g}% required"
        else:
            out[tech] = ""
    if not out["cellular"]:
        out["cellular"] = _cellular_refusal(row, category, costs, rsrp_dbm)
    return out


def _cellular_refusal(row: pd.Series, category: str, costs: LinkCosts,
                      rsrp_dbm: Mapping[str, float] | None) -> str:
    if category in ("site", "candidate"):
        return "a BTS site is not backhauled over a cell"
    level = (rsrp_dbm or {}).get(str(row["key"]))
    if level is None or not math.isfinite(level):
        return "no 4G coverage given for the terminal"
    if level < costs.cellular_min_rsrp_dbm:
        return f"4G level {level:.0f} dBm < {costs.cellular_min_rsrp_dbm:g} dBm"
    return ""


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
                   required_availability: Callable[[str], float] | None = None) -> TechnologyPlan:
    """Choose each terminal's technology and plan the network at least net present cost.

    Parameters
    ----------
    graph : networkx.Graph
        The network graph with hop edges (``NetworkGraph.graph``); priced here (:func:`price_edges`).
    root_nodes, entity_node : set, mapping
        ``NetworkGraph.root_nodes`` and ``NetworkGraph.entity_node``.
    entities : DataFrame
        The entity table (terminals have role "terminal").
    settings : LinkSettings
        ``settings.costs`` holds the cost table.
    rsrp_dbm : mapping of str to float, optional
        Best 4G level (dBm) at each terminal by entity key (:func:`best_level_at`); absent: no
        cellular option.
    required_availability : callable, optional
        Availability (%) a terminal of a category needs (None: no requirement).

    Returns
    -------
    TechnologyPlan
    """
    costs = settings.costs
    price_edges(graph, costs)
    allowed = {k for k, t in _EDGE_TECH.items() if t in costs.technologies}
    net = graph.edge_subgraph((u, v) for u, v, k in graph.edges(data="kind") if k in allowed)
    contracted = contract_root(nx.Graph(net), root_nodes)
    for n in set(entity_node.values()) - set(contracted):
        contracted.add_node(n)
    rows = [int(i) for i in np.nonzero(entities["role"].to_numpy() == "terminal")[0]]
    options, refused = standalone_options(entities, rows, costs, rsrp_dbm=rsrp_dbm,
                                          required_availability=required_availability)
    best = options.drop_duplicates("entity")
    alone_cost = {entity_node[int(e)]: float(c) for e, c in zip(best["entity"], best["npv"],
                                                                  strict=True)}
    terminals = [entity_node[i] for i in rows]
    result, alone = _choose(contracted, terminals, alone_cost)
    tech = {entity_node[int(e)]: str(t) for e, t in zip(best["entity"], best["technology"],
                                                         strict=True)}
    tree = result.tree
    node_entity = {n: i for i, n in entity_node.items()}
    for t in sorted(alone):
        opt = best[best["entity"] == node_entity[t]].iloc[0]
        tree.add_edge(ROOT, t, kind=tech[t], cost=float(opt["npv"]), capex=float(opt["capex"]),
                      opex=float(opt["opex_per_year"]), length_km=0.0, road_class="", via=t)
    wired_dist = _distances(contracted, tree, alone)
    naive = _naive(contracted, result.reached, alone_cost)
    reached = [t for t in terminals if t in tree]
    unreached = [t for t in terminals if t not in tree]
    plan = SteinerResult(tree, float(tree.size(weight="cost")), naive, reached, unreached)
    table = _table(plan, rows, entities, entity_node, options, refused, wired_dist, rsrp_dbm,
                   costs)
    return TechnologyPlan(plan, {t: tech[t] for t in alone}, table)


def _choose(contracted: nx.Graph, terminals: list[int], alone_cost: Mapping[int, float]
            ) -> tuple[SteinerResult, set[int]]:
    """The network tree and the standalone terminals, by prune / re-plan / return rounds."""
    component = nx.node_connected_component(contracted, ROOT)
    wired = [t for t in terminals if t in component]
    alone = {t for t in terminals if t not in component and t in alone_cost}
    best: tuple[float, SteinerResult, set[int]] | None = None
    seen: set[frozenset[int]] = set()
    for _ in range(_ROUNDS):
        result = steiner_plan(contracted, wired)
        cut = prune_tree(result.tree, wired, alone_cost)
        if cut:
            wired = [t for t in wired if t not in cut]
            alone |= cut
            result = steiner_plan(contracted, wired)
        free = {t for t in alone if t in result.tree}  # on the tree anyway: connected for free
        total = result.cost + sum(alone_cost[t] for t in alone - free)
        if best is None or total < best[0]:
            best = (total, result, alone - free)
        dist = _distances(contracted, result.tree, (alone & component) - free)
        back = free | {t for t, d in dist.items() if d < alone_cost[t]}
        state = frozenset(wired)
        if not back or state in seen:
            break
        seen.add(state)
        wired = [t for t in terminals if t in wired or t in back]
        alone -= back
    assert best is not None
    return best[1], set(best[2])


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
    """Technology of the edge reaching ``t`` and the NPV, CAPEX, OPEX of its own branch.

    The own branch runs from ``t`` towards ROOT up to the first branch point, terminal or ROOT:
    what connecting ``t`` adds to the plan (0 when other terminals hang behind ``t``).
    """
    tech = _EDGE_TECH.get(str(tree.edges[parent[t], t].get("kind")), "fibre")
    total = capex = opex = 0.0
    node = t
    if tree.degree(t) == 1:
        while node != ROOT:
            data = tree.edges[parent[node], node]
            total += data["cost"]
            capex += data.get("capex", data["cost"])
            opex += data.get("opex", 0.0)
            node = parent[node]
            if node == ROOT or node in wired or tree.degree(node) != 2:
                break
    return tech, total, capex, opex


def _table(plan: SteinerResult, rows: list[int], entities: pd.DataFrame,
           entity_node: Mapping[int, int], options: pd.DataFrame, refused: dict[int, list[str]],
           wired_dist: Mapping[int, float], rsrp_dbm: Mapping[str, float] | None,
           costs: LinkCosts) -> pd.DataFrame:
    """One row per terminal: technology, its NPV, the next option and why (:data:`TERMINAL_COLUMNS`)."""
    tree = plan.tree
    parent = dict(nx.bfs_predecessors(tree, ROOT)) if ROOT in tree else {}
    wired = {entity_node[i] for i in rows}
    demand = terminal_demand(entities, costs)
    by_entity = {i: options[options["entity"] == i] for i in set(options["entity"].tolist())}
    cur = costs.currency
    out = []
    for i in rows:
        t = entity_node[i]
        opts = by_entity.get(i, options.iloc[0:0])
        row = {"key": entities.at[i, "key"], "name": entities.at[i, "name"],
               "category": entities.at[i, "category"], "demand_mbps": float(demand[i]),
               "rsrp_dbm": (rsrp_dbm or {}).get(str(entities.at[i, "key"]), math.nan),
               "refused": "; ".join(refused.get(i, [])), "max_mbps": math.nan,
               "availability_pct": math.nan, "alternative": "", "alternative_npv": math.nan}
        kind = tree.edges[ROOT, t]["kind"] if t in tree and tree.has_edge(ROOT, t) else ""
        if t not in tree:
            row.update(technology="none", npv=math.nan, capex=math.nan, opex_per_year=math.nan,
                       why="no network path and no standalone option")
        elif kind in STANDALONE:
            chosen = opts[opts["technology"] == kind].iloc[0]
            others = opts[opts["technology"] != kind]
            alt = ("fibre/microwave", wired_dist[t]) if t in wired_dist else (
                (str(others["technology"].iloc[0]), float(others["npv"].iloc[0]))
                if len(others) else ("", math.nan))
            row.update(technology=kind, npv=float(chosen["npv"]), capex=float(chosen["capex"]),
                       opex_per_year=float(chosen["opex_per_year"]),
                       max_mbps=float(chosen["max_mbps"]),
                       availability_pct=float(chosen["availability_pct"]),
                       alternative=alt[0], alternative_npv=alt[1])
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


def _why(row: Mapping[str, object], cur: str) -> str:
    """``fibre 1,200 VND <= cellular 3,400 VND`` or ``vsat: the only option``."""
    alt = row["alternative"]
    if not alt:
        return f"{row['technology']}: the only option"
    shared = " (shares a trunk)" if row["technology"] in _EDGE_TECH.values() else ""
    return (f"{row['technology']}{shared} {float(row['npv']):,.0f} {cur} <= {alt} "  # type: ignore[arg-type]
            f"{float(row['alternative_npv']):,.0f} {cur}")  # type: ignore[arg-type]


def cost_assumptions(settings: LinkSettings) -> list[Assumption]:
    """Every cost and demand figure of the plan left at its default, with its source."""
    values = {n: float(getattr(settings, n)) for n in LEGACY_MONEY}
    left = link_money_defaults(values, money_defaults(type(settings)), settings.costs)
    return settings.costs.assumptions({n: values[n] for n in left if values[n]})
