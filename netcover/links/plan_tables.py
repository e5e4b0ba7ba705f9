"""The tables of a link plan: the ranked table's rows, the links' lines and the hops' profiles.

:func:`link_tables` turns the links of a plan's tree (:func:`netcover.links.steiner.split_links`)
into the ranked table (:func:`~netcover.links.ranking.rank_links`, phases, what each link serves
and unlocks, the figures of each microwave hop), the links' lines on the map and the
:class:`HopProfile` of each hop (for :mod:`netcover.links.profile_plot`), in build order;
:func:`netcover.links.plan.plan_links` puts them in its :class:`~netcover.links.plan.LinkPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from netcover.config.link_costs import STANDALONE
from netcover.config.links import LinkSettings
from netcover.links.graph import NetworkGraph
from netcover.links.hops import HopSet
from netcover.links.ranking import assign_phases, rank_links, subtree_sums
from netcover.links.steiner import ROOT, TreeLink

__all__ = ["HopProfile", "link_tables"]

_COUNTS = ("people", "households", "institutions", "sites")


@dataclass(frozen=True)
class HopProfile:
    """What the profile plot of one planned hop needs."""

    link_id: str
    from_name: str
    to_name: str
    d_km: np.ndarray
    h_m: np.ndarray
    mast_a_m: float
    mast_b_m: float
    freq_ghz: float
    k_factor: float
    clearance_fraction: float
    clearance_ratio: float
    fade_margin_db: float
    availability_pct: float = np.nan
    required_availability_pct: float = np.nan
    margin_needed_db: float = np.nan
    capacity_mbps: float = np.nan
    clutter_m: np.ndarray | None = None
    """Clutter heights included in ``h_m`` (bare ground is ``h_m - clutter_m``); None: none."""


def _end_name(node: int, node_entity: dict[int, int], entities: pd.DataFrame,
              via: int | None = None) -> str:
    if node == ROOT:
        i = node_entity.get(via) if via is not None else None
        return "existing network" + (f" ({entities['name'].iat[i]!s})" if i is not None else "")
    i = node_entity.get(node)
    return str(entities.at[i, "name"]) if i is not None else "road junction"


def link_tables(links: list[TreeLink], tree: nx.Graph, entities: pd.DataFrame, net: NetworkGraph,
            node_entity: dict[int, int], hops: HopSet, settings: LinkSettings, id_prefix: str = "",
            ) -> tuple[pd.DataFrame, list[shapely.LineString], dict[str, HopProfile], list[int]]:
    """The ranked table, link lines and hop profiles, in build order (``order``: link indices)."""
    direct, benefit, served, n_served = _served(links, entities, node_entity)
    served_key = [str(entities.at[node_entity[lk.nodes[-1]], "key"]) if n_served[k] else ""
                  for k, lk in enumerate(links)]
    parents = [lk.parent for lk in links]
    down = subtree_sums(parents, direct)
    unlocked = subtree_sums(parents, benefit)  # a link's benefit: all it unlocks, downstream too
    order = rank_links([lk.parent for lk in links], [lk.cost for lk in links], benefit.tolist())
    phases = assign_phases([links[k].cost for k in order], n_phases=settings.n_phases,
                           phase_budget=settings.phase_budget)
    ids = {k: f"{id_prefix}L{r + 1:03d}" for r, k in enumerate(order)}
    costs = settings.costs
    usd = costs.rate("USD")  # plan currency per USD
    rows, geoms = [], []
    profiles: dict[str, HopProfile] = {}
    cum = 0.0
    for r, k in enumerate(order):
        link = links[k]
        cum += link.cost
        geoms.append(_link_line(link, tree, net))
        row = {"rank": r + 1, "link_id": ids[k], "phase": int(phases[r]), "type": link.kind,
               "from_name": _from_name(link, tree, node_entity, entities),
               "to_name": _end_name(link.nodes[-1], node_entity, entities),
               "parent_link": ids[link.parent] if link.parent is not None else "",
               "cost": link.cost, "currency": costs.currency, "capex": link.capex,
               "opex_per_year": link.opex,
               "cum_cost": cum, "length_km": link.new_km + link.reused_km,
               "new_km": link.new_km, "reused_km": link.reused_km, "serves": served[k],
               "serves_key": served_key[k], "n_served": int(n_served[k]),
               **{f"{c}_direct": direct[k, j] for j, c in enumerate(_COUNTS)},
               **{c: down[k, j] for j, c in enumerate(_COUNTS)},
               "benefit_per_kusd": _per_kusd(unlocked[k], link.cost, usd),
               "clearance_f1": np.nan, "fade_margin_db": np.nan, "freq_ghz": np.nan,
               "availability_pct": np.nan, "margin_needed_db": np.nan, "capacity_mbps": np.nan}
        if link.kind == "microwave":
            profiles[ids[k]] = _hop_row(row, ids[k], link, tree, entities, hops, settings)
        rows.append(row)
    columns = None if rows else ["rank", "link_id", "phase", "type", "from_name", "to_name",
                                 "parent_link", "cost", "currency", "capex", "opex_per_year",
                                 "cum_cost",
                                 "length_km", "new_km",
                                 "reused_km", "serves", "serves_key", "n_served", *_COUNTS]
    return pd.DataFrame(rows, columns=columns), geoms, profiles, order


def _from_name(link: TreeLink, tree: nx.Graph, node_entity: dict[int, int],
               entities: pd.DataFrame) -> str:
    """Where a link starts: a network end's name, or "cellular service" for a subscription."""
    if link.kind in STANDALONE:
        return f"{link.kind} service"
    via = tree.edges[link.nodes[0], link.nodes[1]].get("via")
    return _end_name(link.nodes[0], node_entity, entities, via)


def _per_kusd(benefit: float, cost: float, per_usd: float) -> float:
    """Benefit per 1,000 USD of ``cost`` (in a currency of ``per_usd`` units a dollar); NaN for a
    free link."""
    return benefit / cost * per_usd * 1e3 if cost > 0 else float("nan")


def _hop_row(row: dict[str, object], link_id: str, link: TreeLink, tree: nx.Graph,
             entities: pd.DataFrame, hops: HopSet, settings: LinkSettings) -> HopProfile:
    """Put a hop's figures into its ranked-table ``row`` (``hop_ends``: the entity keys of its two
    ends); return its profile."""
    prof = _hop_profile(link_id, link, tree, entities, hops, settings)
    a, b = tree.edges[link.nodes[0], link.nodes[1]]["hop"]
    row["hop_ends"] = "|".join(str(entities.at[e, "key"]) for e in (a, b))
    row.update(clearance_f1=prof.clearance_ratio, fade_margin_db=prof.fade_margin_db,
               freq_ghz=settings.freq_ghz, length_km=float(prof.d_km[-1]),
               availability_pct=prof.availability_pct, margin_needed_db=prof.margin_needed_db,
               capacity_mbps=prof.capacity_mbps)
    return prof


def _served(links: list[TreeLink], entities: pd.DataFrame, node_entity: dict[int, int]
            ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """What each link serves itself (the terminal at its far end): counts, benefit, name, 0/1."""
    n = len(links)
    ent_benefit = entities["benefit"].to_numpy(float)
    direct = np.zeros((n, len(_COUNTS)))
    benefit = np.zeros(n)
    served = [""] * n
    n_served = np.zeros(n, dtype=np.int64)
    for k, link in enumerate(links):
        i = node_entity.get(link.nodes[-1])
        if i is not None and entities.at[i, "role"] == "terminal":
            direct[k] = entities.loc[i, list(_COUNTS)].to_numpy(float)
            benefit[k] = ent_benefit[i]
            served[k] = str(entities.at[i, "name"])
            n_served[k] = 1
    return direct, benefit, served, n_served


def _link_line(link: TreeLink, tree: nx.Graph, net: NetworkGraph) -> shapely.LineString:
    xy = [_node_xy(nd, nxt, tree, net) for nd, nxt in zip(link.nodes, [*link.nodes[1:], 0],
                                                          strict=True)]
    return shapely.LineString(xy)


def _node_xy(node: int, nxt: int, tree: nx.Graph, net: NetworkGraph) -> tuple[float, float]:
    if node == ROOT:  # the root end sits on the network node the edge came from
        node = tree.edges[ROOT, nxt]["via"]
    return float(net.xy[node, 0]), float(net.xy[node, 1])


def _hop_profile(link_id: str, link: TreeLink, tree: nx.Graph, entities: pd.DataFrame,
                 hops: HopSet, settings: LinkSettings) -> HopProfile:
    a, b = tree.edges[link.nodes[0], link.nodes[1]]["hop"]
    d_km, h_m = hops.profiles[(a, b)]
    check = next(c for c in hops.checks if (c.a, c.b) == (a, b))
    mast = entities["mast_m"].to_numpy(float)
    terrain = hops.terrain.get((a, b))
    clutter = terrain.clutter_m if terrain is not None and terrain.clutter_m.any() else None
    return HopProfile(link_id, str(entities.at[a, "name"]), str(entities.at[b, "name"]), d_km, h_m,
                      float(mast[a]), float(mast[b]),
                      settings.freq_ghz, settings.k_factor, settings.clearance_fraction,
                      check.clearance_ratio, check.fade_margin_db, check.availability_pct,
                      check.required_availability_pct, check.margin_needed_db,
                      check.capacity_mbps, clutter)
