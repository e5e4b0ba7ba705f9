"""The link plan from GeoDataFrames and a DEM: graph, hops, Steiner tree, ranking, the result.

:func:`plan_links` is the geo adapter around the numeric cores in :mod:`~netcover.links.graph`,
:mod:`~netcover.links.hops`, :mod:`~netcover.links.steiner` and :mod:`~netcover.links.ranking`;
its result tables (the ranked table, the links' lines, the hop profiles) are made by
:mod:`~netcover.links.plan_tables`; :func:`netcover.links.output.write_link_plan` writes the
:class:`LinkPlan` it returns.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from netcover.config.link_costs import Assumption
from netcover.config.links import LinkSettings
from netcover.core.textformat import fold_warnings
from netcover.data.entities import build_entities, check_layers, hilltop_entities
from netcover.errors import InputError
from netcover.links.graph import NetworkGraph, build_graph, snap_entities
from netcover.links.hops import HopSet, add_hop_edges, check_hops, hop_reason
from netcover.links.owners import fibre_edge_owners, link_owners
from netcover.links.plan_tables import HopProfile, link_tables
from netcover.links.ranking import phase_summary
from netcover.links.steiner import split_links
from netcover.links.technology import TERMINAL_COLUMNS, cost_assumptions, plan_terminals

__all__ = ["AVAILABILITY_CLASSES", "CURRENCY", "LinkPlan", "Unreachable", "plan_links",
           "required_availability"]

CURRENCY = "USD"


@dataclass(frozen=True)
class Unreachable:
    """A terminal the plan cannot connect, and why."""

    key: str
    name: str
    category: str
    reason: str


@dataclass
class LinkPlan:
    """Result of :func:`plan_links`.

    Attributes
    ----------
    links : GeoDataFrame
        One row per planned link, in build order (columns as :attr:`ranked` plus geometry).
    ranked : DataFrame
        The ranked table: rank, link_id, phase, type (fibre, microwave, or a terminal's standalone
        cellular / vsat / leo service), from/to, parent_link, cost (net present cost in
        ``currency``, see :mod:`netcover.links.technology`), capex, opex_per_year, cumulative cost,
        lengths, what the link serves directly (``serves``, ``*_direct``) and everything
        downstream of it (``people``, ``households``, ``institutions``, ``sites``), benefit per
        1,000 USD of everything the link unlocks, its subtree included (households-equivalent;
        NaN for a free link), and clearance (fraction of F1) and
        fade margin (dB) for hops (``benefit_per_kusd`` is per 1,000 USD of cost, a VND plan's
        costs converted at ``[links.costs] vnd_per_usd``; ``currency`` is the plan's);
        ``serves_key`` is the entity key of what the link serves ("candidate:C0042");
        ``network``, ``owner`` and ``shared_with`` say whose plan it is and
        whose fibre or towers it uses besides its owner's (``owner`` "Viettel+VNPT" when shared).
    unreachable : list of Unreachable
        Terminals that cannot be connected, with the reason.
    total_cost, naive_cost, saving : float
        Net present cost of the plan, of connecting every connected terminal by its own cheapest
        way (own network path or subscription), and the difference (``currency``).
    terminals : DataFrame
        One row per terminal: chosen technology, its net present cost, CAPEX, yearly OPEX, demand,
        limit and availability, the next option and its cost, why, refused options
        (:data:`netcover.links.technology.TERMINAL_COLUMNS`).
    """

    links: gpd.GeoDataFrame
    ranked: pd.DataFrame
    unreachable: list[Unreachable]
    total_cost: float
    naive_cost: float
    saving: float
    n_terminals: int
    hop_profiles: dict[str, HopProfile] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    currency: str = CURRENCY
    terminals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(TERMINAL_COLUMNS)))
    network: str = "all"
    owner: str = ""
    sharing_saving: float = float("nan")
    """Cost of this network's plan without sharing minus its cost with sharing (NaN: not
    compared, sharing is off)."""
    parts: list[LinkPlan] = field(default_factory=list)
    """The per-network plans this one combines (:func:`~netcover.links.networks.combine_plans`)."""
    notes: list[str] = field(default_factory=list)
    """Assumptions the plan rests on, said in :meth:`summary`."""
    assumptions: list[Assumption] = field(default_factory=list)
    """The cost and demand figures left at their default, with their source
    (:func:`~netcover.links.technology.cost_assumptions`): ``links_assumptions.csv``."""

    def title(self) -> str:
        """"Link plan" and, for one network of :func:`~netcover.links.networks.plan_networks`,
        the network and its owner."""
        if self.network == "all":
            return "Link plan"
        owner = f", {self.owner}" if self.owner and self.owner != self.network else ""
        return f"Link plan ({self.network}{owner})"

    def _short_summary(self) -> str:
        """A combined plan: each network's summary, the totals, the assumptions; an empty one."""
        if self.parts:
            n_conn = self.n_terminals - len(self.unreachable)
            return "\n".join([*(p.summary() for p in self.parts),
                              f"All networks: {n_conn} of {self.n_terminals} terminals connected, "
                              f"plan cost {self.total_cost:,.0f} {self.currency}.",
                              *(f"  assumption: {n}" for n in self.notes)])
        why = ("" if self.network in ("all", "government") else
               ": no new site, and every site is backhauled")
        return f"{self.title()}: nothing to connect{why}."

    def _sharing_lines(self) -> list[str]:
        if not np.isfinite(self.sharing_saving):
            return []
        r = self.ranked
        shared = int((r["shared_with"] != "").sum()) if len(r) else 0
        return [f"Sharing: {shared} link(s) use another owner's fibre or towers; the plan costs "
                f"{self.sharing_saving:,.0f} {self.currency} less than without sharing."]

    def summary(self) -> str:
        """A few lines for the console: what is connected, the cost, the saving, the phases (of
        each network in turn for a combined plan, then the totals)."""
        if self.parts or self.n_terminals == 0:
            return self._short_summary()
        n_conn = self.n_terminals - len(self.unreachable)
        r = self.ranked
        hops = int((r["type"] == "microwave").sum()) if len(r) else 0
        new_km = float(r["new_km"].sum()) if len(r) else 0.0
        reused_km = float(r["reused_km"].sum()) if len(r) else 0.0
        reused = f", {reused_km:.1f} km of unconnected fibre reused" if reused_km > 0 else ""
        lines = [f"{self.title()}: {n_conn} of {self.n_terminals} terminals connected, "
                 f"{len(self.unreachable)} unreachable.",
                 f"Plan cost {self.total_cost:,.0f} {self.currency}: {len(r)} links, "
                 f"{new_km:.1f} km new fibre{reused}, {hops} microwave hop(s)."]
        saving = self.saving if abs(self.saving) >= 0.5 else 0.0  # no "-0 USD"
        pct = 100.0 * saving / self.naive_cost if self.naive_cost > 0 else 0.0
        if len(self.terminals):
            counts = self.terminals["technology"].value_counts()
            lines.append("Technology per terminal: " + ", ".join(
                f"{t} {counts[t]}" for t in sorted(counts.index)) + " (net present cost).")
        lines.append(f"Naive plan (each terminal on its own path): {self.naive_cost:,.0f} "
                     f"{self.currency}; saving {saving:,.0f} {self.currency} ({pct:.0f}%).")
        lines += self._sharing_lines()
        if len(r):
            unlocked = phase_summary(r).set_index("phase")["people_unlocked"]
            for phase, grp in r.groupby("phase"):
                lines.append(f"  phase {phase}: {len(grp)} links, {grp['cost'].sum():,.0f} "
                             f"{self.currency}, connects {int(grp['n_served'].sum())} terminal(s), "
                             f"unlocks {unlocked[phase]:,.0f} people")
        lines += [f"  unreachable: {u.name} ({u.category}): {u.reason}" for u in self.unreachable]
        lines += [f"  warning: {w}" for w in fold_warnings(self.warnings)]
        return "\n".join(lines)


def plan_links(roads: gpd.GeoDataFrame, fibre_routes: gpd.GeoDataFrame,
               points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
               settlements: gpd.GeoDataFrame, dem: np.ndarray, origin_xy: tuple[float, float],
               cell_size_m: float, settings: LinkSettings, *,
               candidates: gpd.GeoDataFrame | None = None,
               clutter: np.ndarray | None = None,
               required_availability_pct: float | None = None,
               rsrp_dbm: Mapping[str, float] | None = None,
               cell_mbps: Mapping[str, float] | None = None,
               network: str = "all", owner: str = "", id_prefix: str = "",
               allow_no_root: bool = False, skip_hops: Collection[frozenset[str]] = (),
               hop_memo: dict[str, HopSet] | None = None) -> LinkPlan:
    """Plan fibre and microwave links connecting every terminal to the existing network.

    Parameters
    ----------
    roads, fibre_routes, points, sites, settlements : GeoDataFrame
        Inputs in one projected (metric) CRS; fields as in the project's data description.
        ``sites`` has one row per mast (``netcover.data.sites.site_table`` turns a cell list into
        that); ``height_m`` is the tower's antenna height used for hops, ``backhaul`` is optional.
    dem : ndarray
        Float north-up heights (m), no NaN.
    origin_xy : (float, float)
        x of the DEM's left edge and y of its top edge.
    cell_size_m : float
        Square cell size (m).
    settings : LinkSettings
        Costs, radio parameters and what must be connected.
    candidates : GeoDataFrame, optional
        New sites of a site plan (shaped like ``sites``); they all need backhaul.
    clutter, required_availability_pct
        Passed to :func:`~netcover.links.hops.check_hops`: clutter heights on the DEM's grid and
        the availability the hops must reach.
    rsrp_dbm : mapping of str to float, optional
        Best 4G level (dBm) at terminals by entity key ("point:P01"), from the coverage step
        (:func:`netcover.links.graph.best_level_at`); absent: no cellular option.
    cell_mbps : mapping of str to float, optional
        Busy-hour 4G user throughput (Mbps) at terminals by entity key, from the coverage step's
        capacity estimate: cellular is refused where it is below the terminal's demand.
    network, owner : str
        The network planned and who owns it (columns ``network`` and ``owner`` of every link;
        see :func:`~netcover.links.networks.plan_networks`). A link that uses fibre (by the
        fibre routes' optional ``owner`` column) or a tower of another owner has that owner in
        ``shared_with`` and both in ``owner`` ("Viettel+VNPT"); owners "" are nobody's.
    hop_memo : dict, optional
        Kept by a caller that plans the same network again (same layers and settings, other
        ``skip_hops``): the hop checks are made on the first plan and read from it after.
    skip_hops : collection of frozenset of str
        Hops not to use, each the set of its two ends' entity keys (the ranked table's
        ``hop_ends``): hops an earlier plan found too small for the demand behind them.
    id_prefix : str
        Put before every link id ("Viettel-" gives "Viettel-L001").
    allow_no_root : bool
        Without an existing network to connect to, report every terminal unreachable instead of
        raising :class:`~netcover.errors.InputError`.

    Returns
    -------
    LinkPlan
    """
    layers = {"roads": roads, "fibre_routes": fibre_routes, "points": points, "sites": sites,
              "settlements": settlements}
    if candidates is not None:
        layers["candidates"] = candidates
    check_layers(layers)
    entities = build_entities(points, sites, settlements, settings, candidates)
    entities = pd.concat([entities, hilltop_entities(dem, origin_xy, cell_size_m, settings)],
                         ignore_index=True)
    net = build_graph(roads, fibre_routes, dem, origin_xy, cell_size_m, settings)
    snap_entities(net, entities, settings)
    if not net.root_nodes and not allow_no_root:
        msg = ("links: there is no existing network to connect to: no point has connection in "
               f"{list(settings.root_point_connections)}, no site has backhaul in "
               f"{list(settings.root_site_backhaul)} and fibre_routes is empty")
        raise InputError(msg)
    memo = hop_memo if hop_memo is not None else {}
    if "hops" not in memo:
        memo["hops"] = check_hops(entities, dem, origin_xy, cell_size_m, settings, clutter=clutter,
                                  required_availability_pct=required_availability_pct)
    hops = memo["hops"]
    add_hop_edges(net, entities, hops, settings, skip=skip_hops)
    term_idx = [int(i) for i in np.nonzero(entities["role"].to_numpy() == "terminal")[0]]
    terminals = [net.entity_node[i] for i in term_idx]
    tech = plan_terminals(net.graph, net.root_nodes, net.entity_node, entities, settings,
                          rsrp_dbm=rsrp_dbm, cell_mbps=cell_mbps,
                          required_availability=required_availability(settings))
    result = tech.result
    links = split_links(result.tree, terminals)
    node_entity = {node: i for i, node in net.entity_node.items()}
    unreached = set(result.unreached)
    unreachable = _no_root([_unreachable(i, entities, net, hops, settings)
                            for i in term_idx if net.entity_node[i] in unreached], net, owner)
    ranked, geoms, profiles, order = link_tables(links, result.tree, entities, net, node_entity,
                                             hops, settings, id_prefix)
    ranked = link_owners(ranked, [links[k] for k in order], result.tree, entities, net,
                         node_entity, fibre_edge_owners(net, fibre_routes), network, owner)
    warnings = net.warnings + _hub_warnings(profiles, settings)
    crs = next((g.crs for g in layers.values() if len(g) and g.crs is not None), None)
    gdf = gpd.GeoDataFrame(ranked.copy(), geometry=geoms, crs=crs)
    return LinkPlan(gdf, ranked, unreachable, result.cost, result.naive_cost,
                    result.naive_cost - result.cost, len(term_idx), profiles, warnings,
                    settings.costs.currency, tech.terminals, network=network, owner=owner,
                    assumptions=cost_assumptions(settings))


#: Terminal categories held to an availability class of ``[links.microwave]``: a BTS site's
#: backhaul, an office of the government data network. Schools, health stations and villages have
#: none: any option may serve them, with its availability in the terminal table.
AVAILABILITY_CLASSES = {"site": "backhaul", "candidate": "backhaul", "district_agency": "office",
                        "commune_office": "office"}


def required_availability(settings: LinkSettings) -> Callable[[str], float]:
    """The availability (%) a terminal of a category needs (0: none); a standalone option below
    it (a 99.5% cellular or satellite service for a BTS or an office) is refused with the figure."""
    mw = settings.microwave
    pct = {"backhaul": mw.availability_backhaul_pct, "office": mw.availability_office_pct}

    def needed(category: str) -> float:
        return pct[AVAILABILITY_CLASSES[category]] if category in AVAILABILITY_CLASSES else 0.0

    return needed


def _no_root(unreachable: list[Unreachable], net: NetworkGraph, owner: str) -> list[Unreachable]:
    """Without any existing network (``allow_no_root``) say that, not what the roads do."""
    if net.root_nodes:
        return unreachable
    whose = f"{owner} has" if owner else "there is"
    return [dataclasses.replace(u, reason=f"{whose} no existing network here to connect to (no "
                                          "backhauled site, no fibre on the network)")
            for u in unreachable]


def _hub_warnings(profiles: dict[str, HopProfile], settings: LinkSettings) -> list[str]:
    """A warning for every place that ends more planned hops than ``max_hops_per_end``."""
    count = Counter(name for p in profiles.values() for name in (p.from_name, p.to_name))
    return [f"{name} ends {n} microwave hops (more than max_hops_per_end = "
            f"{settings.max_hops_per_end}); check mast space and backhaul capacity there"
            for name, n in sorted(count.items()) if n > settings.max_hops_per_end]


def _unreachable(i: int, entities: pd.DataFrame, net: NetworkGraph, hops: HopSet,
                 settings: LinkSettings) -> Unreachable:
    row = entities.iloc[i]
    snap = float(net.snap_m[i])
    if not np.isfinite(snap):
        road = "no road or fibre route at all"
    elif snap > settings.max_snap_m:
        road = (f"no road within {settings.max_snap_m:g} m (nearest road or fibre "
                f"{snap:,.0f} m away)")
    else:
        road = f"the road it joins ({snap:,.0f} m away) does not lead to the existing network"
    radio = hop_reason(i, hops, settings) if row["hop_end"] else (
        "villages are connected by fibre only")
    return Unreachable(str(row["key"]), str(row["name"]), str(row["category"]),
                       f"{road}; {radio}")
