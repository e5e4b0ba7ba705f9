"""Whose assets a planned link uses: the owner of each existing-fibre edge and of each link's ends.

Used by :func:`~netcover.links.plan.plan_links` for the ``network``, ``owner`` and ``shared_with``
columns (issue 14: links never cross owners unless the scenario allows sharing, and then shared
links carry both owners). A fibre edge belongs to the owner of the nearest fibre route (its
``owner`` column; "" unknown: nobody's); a tower to its site's operator; a link's root end to the
owner of the site or fibre it joins the existing network at.
"""

from __future__ import annotations

from itertools import pairwise

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from netcover.links.graph import NetworkGraph
from netcover.links.steiner import ROOT, TreeLink

__all__ = ["fibre_edge_owners", "link_owners"]


def fibre_edge_owners(net: NetworkGraph, fibre_routes: gpd.GeoDataFrame
                      ) -> dict[tuple[int, int], str]:
    """The owner of each existing-fibre edge of ``net``: the nearest fibre route's ``owner``.

    Returns
    -------
    dict
        ``(u, v)`` with ``u < v`` -> owner ("" unknown); empty without an ``owner`` column.
    """
    edges = [(u, v) for u, v, k in net.graph.edges(data="kind") if k == "fibre"]
    if not edges or "owner" not in fibre_routes.columns or not len(fibre_routes):
        return {}
    e = np.asarray(edges)
    mid = shapely.points((net.xy[e[:, 0]] + net.xy[e[:, 1]]) / 2.0)
    routes = fibre_routes.geometry.to_numpy()
    _, idx = shapely.STRtree(routes).query_nearest(mid, all_matches=False)
    owners = fibre_routes["owner"].fillna("").astype(str).str.strip().to_numpy()[idx]
    return {(min(u, v), max(u, v)): str(o) for (u, v), o in zip(edges, owners, strict=True)}


def link_owners(ranked: pd.DataFrame, links: list[TreeLink], tree: nx.Graph,
                entities: pd.DataFrame, net: NetworkGraph, node_entity: dict[int, int],
                fibre_owner: dict[tuple[int, int], str], network: str, owner: str
                ) -> pd.DataFrame:
    """``ranked`` with ``network``, ``owner`` and ``shared_with`` columns.

    Parameters
    ----------
    ranked : DataFrame
        One row per link of ``links`` (same order).
    links, tree : list of TreeLink, networkx.Graph
        The plan's links and Steiner tree (:data:`~netcover.links.steiner.ROOT` edges carry
        ``via``, the network node they leave from).
    entities, net, node_entity
        The entity table (column ``owner``), the graph and node -> entity row.
    fibre_owner : dict
        :func:`fibre_edge_owners`.
    network, owner : str
        The plan's network and its owner.

    Returns
    -------
    DataFrame
        ``shared_with``: the other owners ("+"-joined) whose fibre or towers a link uses, its
        root end included (where it joins the existing network); ``owner``: the plan's owner,
        "+" those.
    """
    ent_owner = entities["owner"].fillna("").astype(str).to_numpy()
    own = owner.casefold()  # "VIETTEL" fibre is Viettel's

    def node_owners(node: int) -> set[str]:
        i = node_entity.get(node)
        if i is not None:
            return {ent_owner[i]}
        return {fibre_owner.get((min(node, nb), max(node, nb)), "") for nb in net.graph[node]
                if net.graph.edges[node, nb].get("kind") == "fibre"}

    with_: list[str] = []
    for link in links:
        found: set[str] = set()
        for a, b in pairwise(link.nodes):
            data = tree.edges[a, b]
            u = data["via"] if a == ROOT else a
            if data.get("kind") == "fibre":
                found.add(fibre_owner.get((min(u, b), max(u, b)), ""))
            if a == ROOT:
                found |= node_owners(u)
            found |= {str(ent_owner[node_entity[n]]) for n in (u, b) if n in node_entity}
        with_.append("+".join(sorted(o for o in found if o.casefold() not in ("", own))))
    return ranked.assign(network=network, owner=[f"{owner}+{w}" if w else owner for w in with_],
                         shared_with=with_)
