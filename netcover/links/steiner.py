"""Least-cost connection of the terminals: Steiner tree, naive plan, and the tree cut into links.

The existing network (every root node) is contracted into one node :data:`ROOT`; the Steiner tree
spans ROOT and every terminal it can reach, by networkx's Mehlhorn approximation (within a factor
``2 - 2/l`` of the optimum, ``l`` the number of leaves; Kou's method is far slower on road graphs).
The naive plan connects each terminal by its own shortest path to the network, sharing nothing.

:func:`prune_tree` decides, on a planned tree, which terminals are cheaper alone (a standalone
subscription: cellular, satellite) than on the network: an exact dynamic programme over the tree, so
a costly trunk is kept when the terminals behind it together pay for it, and cut when their
subscriptions cost less. A standalone terminal hangs on ROOT by one edge of its own kind, which
:func:`split_links` turns into a link of that kind; it never carries another terminal's traffic.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx
from networkx.algorithms.approximation import steiner_tree

from netcover.config.link_costs import STANDALONE

__all__ = ["ROOT", "SINGLE_EDGE_KINDS", "SteinerResult", "TreeLink", "contract_root", "prune_tree",
           "split_links", "steiner_plan"]

ROOT = -1
"""Node id of the contracted existing network."""

#: Edge kinds that are a link of their own: a microwave hop, a standalone subscription.
SINGLE_EDGE_KINDS = ("microwave", *STANDALONE)


def contract_root(graph: nx.Graph, root_nodes: Collection[int], weight: str = "cost") -> nx.Graph:
    """A copy of ``graph`` with ``root_nodes`` merged into :data:`ROOT`.

    Of parallel edges from the root to a node the cheapest is kept; its ``via`` attribute names the
    root node it came from.
    """
    roots = set(root_nodes) & set(graph)
    best: dict[int, tuple[int, dict]] = {}
    for r in roots:
        for nb, data in graph[r].items():
            if nb not in roots and (nb not in best or data[weight] < best[nb][1][weight]):
                best[nb] = (r, data)
    contracted = graph.copy()
    contracted.remove_nodes_from(roots)
    contracted.add_node(ROOT)
    contracted.add_edges_from((ROOT, nb, {**data, "via": r}) for nb, (r, data) in best.items())
    return contracted


@dataclass
class SteinerResult:
    """The Steiner tree on the contracted graph and what it reached.

    Attributes
    ----------
    tree : networkx.Graph
        Edges of the plan with their data (ROOT = -1 stands for the existing network).
    cost : float
        Total cost of the tree.
    naive_cost : float
        Sum over reached terminals of their own shortest-path cost to the network.
    reached, unreached : list of int
        Terminal nodes connected, and those in no component with the network.
    """

    tree: nx.Graph
    cost: float
    naive_cost: float
    reached: list[int] = field(default_factory=list)
    unreached: list[int] = field(default_factory=list)


def steiner_plan(contracted: nx.Graph, terminals: Iterable[int],
                 weight: str = "cost") -> SteinerResult:
    """Connect every terminal reachable from :data:`ROOT` at (approximately) least cost.

    Parameters
    ----------
    contracted : networkx.Graph
        Output of :func:`contract_root`; edge attribute ``weight`` is the cost (>= 0).
    terminals : iterable of int
        Nodes that must be connected.

    Returns
    -------
    SteinerResult
    """
    terms = list(dict.fromkeys(t for t in terminals if t != ROOT))
    component = nx.node_connected_component(contracted, ROOT)
    reached = [t for t in terms if t in component]
    unreached = [t for t in terms if t not in component]
    tree = nx.Graph()
    tree.add_node(ROOT)
    if not reached:
        return SteinerResult(tree, 0.0, 0.0, reached, unreached)
    sub = contracted if len(component) == len(contracted) else contracted.subgraph(component)
    if len(reached) == 1:
        path = nx.shortest_path(sub, ROOT, reached[0], weight=weight)
        tree = sub.edge_subgraph(pairwise(path)).copy()
    else:
        tree = nx.Graph(steiner_tree(sub, [ROOT, *reached], weight=weight, method="mehlhorn"))
    dist = nx.single_source_dijkstra_path_length(sub, ROOT, weight=weight)
    naive = float(sum(dist[t] for t in reached))
    cost = float(tree.size(weight=weight))
    return SteinerResult(tree, cost, naive, reached, unreached)


@dataclass
class TreeLink:
    """One link of the plan: a maximal run of fibre between key nodes, one microwave hop, or one
    terminal's standalone subscription (kind "cellular", "vsat", "leo": ROOT to the terminal).

    ``nodes`` run from the end nearer the network (``nodes[0]``, possibly ROOT) outwards. ``cost``
    is the sum of the edges' ``cost`` (the net present cost once
    :func:`netcover.links.technology.price_edges` priced them), ``capex`` and ``opex`` (per year)
    the sums of the edges' ``capex`` (their ``cost`` when absent) and ``opex`` (0 when absent).
    """

    link_id: int
    kind: str
    nodes: list[int]
    parent: int | None
    cost: float
    new_km: float
    reused_km: float
    children: list[int] = field(default_factory=list)
    capex: float = 0.0
    opex: float = 0.0


def split_links(tree: nx.Graph, terminals: Collection[int]) -> list[TreeLink]:
    """Cut a tree rooted at ROOT into links; each link knows its parent (the link it hangs on).

    Key nodes are ROOT, terminals, branch points (degree other than 2) and hop ends. A fibre link
    runs between consecutive key nodes; a microwave link is a single hop. Links are numbered in
    breadth-first order from the network outwards, so a parent's id is below its children's.
    """
    if ROOT not in tree or tree.number_of_edges() == 0:
        return []
    key = _key_nodes(tree, terminals)
    children: dict[int, list[int]] = {}
    for child, par in nx.bfs_predecessors(tree, ROOT):
        children.setdefault(par, []).append(child)
    links: list[TreeLink] = []
    end_link: dict[int, int] = {}
    queue = deque([ROOT])
    while queue:
        start = queue.popleft()
        for first in children.get(start, []):
            link = _link(tree, len(links), _walk(tree, start, first, key, children),
                         end_link.get(start))
            links.append(link)
            if link.parent is not None:
                links[link.parent].children.append(link.link_id)
            end_link[link.nodes[-1]] = link.link_id
            queue.append(link.nodes[-1])
    return links


def _key_nodes(tree: nx.Graph, terminals: Collection[int]) -> set[int]:
    """ROOT, terminals, branch points (degree other than 2) and hop ends: where links end."""
    term = set(terminals)
    hop_ends = {n for u, v, k in tree.edges(data="kind") if k in SINGLE_EDGE_KINDS for n in (u, v)}
    return {n for n in tree if n == ROOT or n in term or n in hop_ends or tree.degree(n) != 2}


def _walk(tree: nx.Graph, start: int, first: int, key: set[int],
          children: dict[int, list[int]]) -> list[int]:
    """Nodes of the link leaving ``start`` towards ``first``: one hop, or fibre to a key node."""
    nodes = [start, first]
    if tree.edges[start, first].get("kind") in SINGLE_EDGE_KINDS:
        return nodes
    while nodes[-1] not in key:
        nxt = children[nodes[-1]][0]
        if tree.edges[nodes[-1], nxt].get("kind") in SINGLE_EDGE_KINDS:
            break
        nodes.append(nxt)
    return nodes


def _link(tree: nx.Graph, lid: int, nodes: list[int], parent: int | None) -> TreeLink:
    """The link ``lid`` along ``nodes`` (a hop or a subscription when its first edge is one)."""
    first = tree.edges[nodes[0], nodes[1]].get("kind")
    edges = [tree.edges[a, b] for a, b in pairwise(nodes)]
    new_km = sum(e["length_km"] for e in edges if e["kind"] in ("road", "last_mile"))
    reused = sum(e["length_km"] for e in edges if e["kind"] == "fibre")
    return TreeLink(lid, first if first in SINGLE_EDGE_KINDS else "fibre", nodes, parent,
                    float(sum(e["cost"] for e in edges)), float(new_km), float(reused),
                    capex=float(sum(e.get("capex", e["cost"]) for e in edges)),
                    opex=float(sum(e.get("opex", 0.0) for e in edges)))


def prune_tree(tree: nx.Graph, terminals: Collection[int], alone_cost: Mapping[int, float],
               weight: str = "cost") -> set[int]:
    """Terminals of ``tree`` that are cheaper alone than on the network, by an exact tree DP.

    Rooted at :data:`ROOT`, every node ``v`` has ``keep(v)`` = the cost of the edge to its parent
    plus, for each child, the cheaper of keeping and cutting it; and ``cut(v)`` = the standalone
    cost of every terminal in its subtree (``alone_cost``, infinite when a terminal has none). A
    subtree is cut where cutting is strictly cheaper (ties keep the network link, which outlives
    a subscription). The result is the least-cost split of the given tree; re-planning the tree
    for the terminals kept may lower it further (:func:`netcover.links.technology.plan_terminals`).

    Parameters
    ----------
    tree : networkx.Graph
        A tree containing ROOT (e.g. :attr:`SteinerResult.tree`); edge attribute ``weight``.
    terminals : collection of int
        Terminal nodes of the tree.
    alone_cost : mapping of int to float
        Standalone cost of each terminal that has a standalone option.

    Returns
    -------
    set of int
        Terminals to connect alone (every terminal in the cut subtrees).
    """
    if ROOT not in tree:
        return set()
    term = set(terminals)
    kids: dict[int, list[int]] = {}
    order = [ROOT]
    for par, child in nx.bfs_edges(tree, ROOT):
        kids.setdefault(par, []).append(child)
        order.append(child)
    keep: dict[int, float] = {}
    cut: dict[int, float] = {}
    up: dict[int, float] = {c: tree.edges[p, c][weight] for p, cs in kids.items() for c in cs}
    for v in reversed(order):  # children before parents
        below = kids.get(v, [])
        own = alone_cost.get(v, math.inf) if v in term else 0.0
        cut[v] = own + sum(cut[c] for c in below)
        keep[v] = up.get(v, 0.0) + sum(min(keep[c], cut[c]) for c in below)
    alone: set[int] = set()
    stack = list(kids.get(ROOT, []))
    while stack:
        v = stack.pop()
        if cut[v] < keep[v]:
            sub = [v]
            while sub:
                n = sub.pop()
                if n in term:
                    alone.add(n)
                sub.extend(kids.get(n, []))
        else:
            stack.extend(kids.get(v, []))
    return alone
