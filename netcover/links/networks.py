"""One link plan per network: the government data network and each operator's backhaul.

Issue 14: the district's links belong to different owners, and a plan that chains them into one
network is misleading. :func:`plan_networks` runs :func:`~netcover.links.plan.plan_links` once per
network, each on what its owner may use:

- **government** (the specialised data network): the data-network points (offices, schools, health
  stations, agencies: terminals and, when on fibre, the network), the villages (by default, see
  ``LinkSettings.villages_network``), the fibre of ``LinkSettings.government_carrier`` (an
  **assumption**: VNPT runs Vietnam's specialised data network) and hilltop relays. No BTS tower:
  the government network does not hang on an operator's mast.
- **one network per operator**: its own sites (existing ones on air are its network unless their
  ``backhaul`` is "none"; those and its new sites are terminals), its own fibre and hilltop relays.
  Never another operator's site, never a data-network point (the District Party Committee office
  is no hub for commercial BTS).

Fibre routes without an ``owner`` (or a layer without the column) are nobody's: every network may
use them; owners are compared without regard to case ("VIETTEL" fibre is Viettel's). With
``LinkSettings.sharing`` every network may also use every owner's fibre and the other operators'
backhauled towers; each network is then planned twice, and the links of the shared plan that use
another owner's assets carry both owners (``owner`` "Viettel+VNPT", ``shared_with``) and
``sharing_saving``, the network's plan cost without sharing minus with it.

:func:`new_site_backhaul` gives each new site (a terminal of its operator's plan) its share of the
plan's cost: each link's cost split equally among the terminals behind it, summed along the path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from netcover.config.link_costs import Assumption
from netcover.config.links import LinkSettings
from netcover.core.textsafe import safe_name
from netcover.data.entities import build_entities, site_backhaul
from netcover.links.hops import HopSet
from netcover.links.microwave import hops_below_demand
from netcover.links.plan import CURRENCY, LinkPlan, plan_links
from netcover.links.ranking import subtree_sums

__all__ = [
    "GOVERNMENT",
    "MAX_CAPACITY_ROUNDS",
    "NetworkPlans",
    "combine_plans",
    "default_operator",
    "empty_plan",
    "new_site_backhaul",
    "overloaded_hops",
    "plan_networks",
]

#: Name of the government data network's plan.
GOVERNMENT = "government"


@dataclass
class NetworkPlans:
    """The plan of every network and all of them together.

    Attributes
    ----------
    plans : dict of str to LinkPlan
        Network name -> its plan (government first, then the operators by name). With sharing,
        the shared plans.
    combined : LinkPlan
        Every network's links and terminals in one plan (``network="all"``): what
        :func:`~netcover.links.output.write_link_plan` writes.
    unshared : dict of str to LinkPlan
        With sharing: each network's plan without it (empty otherwise).
    notes : list of str
        The assumptions the plans rest on (whose fibre the government network uses...).
    """

    plans: dict[str, LinkPlan]
    combined: LinkPlan
    unshared: dict[str, LinkPlan] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The summary of each network's plan, then the totals and the assumptions."""
        return self.combined.summary()


def default_operator(sites: gpd.GeoDataFrame, settings: LinkSettings, baseline: str = "") -> str:
    """Who builds new sites that name no operator: ``settings.new_sites_operator``, else
    ``baseline`` (the site plan's baseline operator), else the operator with the most sites."""
    if settings.new_sites_operator.strip():
        return settings.new_sites_operator.strip()
    if baseline.strip():
        return baseline.strip()
    ops = _operators(sites)
    if not len(ops):
        return ""
    counts = ops[ops != ""].value_counts()
    return str(counts.sort_index().idxmax()) if len(counts) else ""


def _operators(gdf: gpd.GeoDataFrame | None) -> pd.Series:
    if gdf is None or not len(gdf) or "operator" not in gdf.columns:
        return pd.Series([], dtype=object)
    return gdf["operator"].fillna("").astype(str).str.strip()


def _owners(fibre: gpd.GeoDataFrame) -> pd.Series:
    if "owner" not in fibre.columns:
        return pd.Series("", index=fibre.index)
    return fibre["owner"].fillna("").astype(str).str.strip()


@dataclass(frozen=True)
class _Inputs:
    """The district's layers, common to every network's plan."""

    roads: gpd.GeoDataFrame
    fibre: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame | None
    dem: np.ndarray
    origin_xy: tuple[float, float]
    cell_size_m: float
    clutter: np.ndarray | None = None
    rsrp_dbm: Mapping[str, float] | None = None
    cell_mbps: Mapping[str, float] | None = None

    def layers(self, network: str, owner: str, settings: LinkSettings, *, shared: bool
               ) -> dict[str, gpd.GeoDataFrame | None]:
        """What the plan of ``network`` may use (module docstring)."""
        gov = network == GOVERNMENT
        fibre_owner = _owners(self.fibre)
        own_fibre = fibre_owner.str.casefold().isin(["", owner.casefold()]).to_numpy()
        fibre = self.fibre if shared else self.fibre[own_fibre]
        ops = _operators(self.sites)
        own = self.sites.iloc[0:0] if gov else self.sites[(ops == network).to_numpy()]
        if shared:
            others = self.sites[(ops != network).to_numpy()]
            others = others[site_backhaul(others).isin(settings.root_site_backhaul).to_numpy()]
            own = pd.concat([own, others]) if len(others) else own
        cands = self.candidates
        if cands is not None:
            cands = cands[(_operators(cands) == network).to_numpy()] if not gov else cands.iloc[0:0]
        villages = settings.villages_network == network
        return {"fibre_routes": fibre, "points": self.points if gov else self.points.iloc[0:0],
                "sites": own, "candidates": cands,
                "settlements": self.settlements if villages else self.settlements.iloc[0:0]}


def plan_networks(roads: gpd.GeoDataFrame, fibre_routes: gpd.GeoDataFrame,
                  points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                  settlements: gpd.GeoDataFrame, dem: np.ndarray, origin_xy: tuple[float, float],
                  cell_size_m: float, settings: LinkSettings, *,
                  candidates: gpd.GeoDataFrame | None = None, clutter: np.ndarray | None = None,
                  rsrp_dbm: Mapping[str, float] | None = None,
                  cell_mbps: Mapping[str, float] | None = None) -> NetworkPlans:
    """Plan the government data network and each operator's backhaul separately.

    Parameters
    ----------
    roads, fibre_routes, points, sites, settlements, dem, origin_xy, cell_size_m, settings
        As :func:`~netcover.links.plan.plan_links`; ``sites`` one row per mast with its
        ``operator`` (and optionally ``backhaul``), ``fibre_routes`` optionally with ``owner``.
    candidates : GeoDataFrame, optional
        New sites (the site plan's, accepted proposals), shaped like ``sites``; each is a terminal
        of the plan of its ``operator`` (empty: :func:`default_operator`).
    clutter, rsrp_dbm, cell_mbps
        As :func:`~netcover.links.plan.plan_links` (land-cover heights on the hop paths; the best
        4G level at the terminals, for the cellular option). Hops of the government network must
        reach ``[links.microwave] availability_office_pct``, an operator's backhaul
        ``availability_backhaul_pct``.

    Returns
    -------
    NetworkPlans
    """
    notes = []
    if candidates is not None and len(candidates):
        ops = _operators(candidates).reindex(candidates.index, fill_value="")
        if (ops == "").any():
            who = default_operator(sites, settings)
            notes.append(f"{int((ops == '').sum())} new site(s) without an operator are built by "
                         f"{who} ([links] new_sites_operator, else the operator with most sites)")
            candidates = candidates.assign(operator=ops.where(ops != "", who))
    data = _Inputs(roads, fibre_routes, points, sites, settlements, candidates, dem, origin_xy,
                   cell_size_m, clutter, rsrp_dbm, cell_mbps)
    unknown = int((site_backhaul(sites) == "unknown").sum()) if len(sites) else 0
    if unknown and "unknown" in settings.root_site_backhaul:
        notes.append(f"{unknown} of {len(sites)} existing sites have no backhaul value: taken as "
                     "backhauled, on their operator's network (sites column backhaul)")
    carrier = settings.government_carrier.strip()
    notes.append(f"the government data network uses {carrier or 'no operator'}'s fibre "
                 "([links] government_carrier) and fibre without an owner, and no BTS tower")
    others = set(_operators(sites)) | set(_operators(candidates)) | {settings.villages_network}
    names = [GOVERNMENT, *sorted(others - {"", GOVERNMENT})]
    plans: dict[str, LinkPlan] = {}
    unshared: dict[str, LinkPlan] = {}
    for name in names:
        owner = (carrier or GOVERNMENT) if name == GOVERNMENT else name
        plans[name] = _plan_one(data, name, owner, settings, shared=False)
        if settings.sharing:
            unshared[name] = plans[name]
            plans[name] = _with_sharing(_plan_one(data, name, owner, settings, shared=True),
                                        unshared[name])
    if settings.sharing:
        notes.append("sharing is on: every network may use every owner's fibre and the "
                     "operators' backhauled towers; shared links carry both owners")
    combined = combine_plans(list(plans.values()))
    combined.notes = notes
    return NetworkPlans(plans, combined, unshared, notes)


def _plan_one(data: _Inputs, network: str, owner: str, settings: LinkSettings, *,
              shared: bool) -> LinkPlan:
    """One network's plan (an empty one when it has no terminal: nothing to build)."""
    layers = data.layers(network, owner, settings, shared=shared)
    ents = build_entities(layers["points"], layers["sites"], layers["settlements"],
                          settings, layers["candidates"])
    if not (ents["role"] == "terminal").any():
        return empty_plan(network, owner, data.roads.crs, settings.costs.currency)
    skip: set[frozenset[str]] = set()
    memo: dict[str, HopSet] = {}  # the hops are checked once for all the re-plans
    for _ in range(MAX_CAPACITY_ROUNDS):
        plan = plan_links(data.roads, layers["fibre_routes"], layers["points"], layers["sites"],
                          layers["settlements"], data.dem, data.origin_xy, data.cell_size_m,
                          settings, candidates=layers["candidates"], network=network,
                          owner=owner, id_prefix=f"{safe_name(network, fallback='net', max_length=20)}-",
                          allow_no_root=True, clutter=data.clutter, rsrp_dbm=data.rsrp_dbm,
                          cell_mbps=data.cell_mbps,
                          required_availability_pct=_availability(network, settings),
                          skip_hops=frozenset(skip), hop_memo=memo)
        small = overloaded_hops(plan)
        if not small:
            break
        skip |= small
    else:
        plan.warnings.append(f"{len(overloaded_hops(plan))} hop(s) still carry more than their "
                             f"capacity after {MAX_CAPACITY_ROUNDS} re-plans ([links.microwave] "
                             "modulation or channel width)")
    if skip:
        plan.warnings.append(f"{len(skip)} hop(s) left out: too small for the demand behind them "
                             "([links.costs.demand], [links.microwave] capacity)")
        ends = {key for pair in skip for key in pair}
        plan.unreachable = [dataclasses.replace(u, reason=f"{u.reason}; its hop(s) left out: too "
                                                "small for the demand behind them")
                            if u.key in ends else u for u in plan.unreachable]
    return plan


#: Plans of one network at most, each without the hops the one before found too small.
MAX_CAPACITY_ROUNDS = 30


def overloaded_hops(plan: LinkPlan) -> set[frozenset[str]]:
    """The hops of ``plan`` whose capacity is below the demand (Mbps) of every terminal behind
    them (:func:`~netcover.links.microwave.hops_below_demand`), each as the set of its two ends'
    entity keys."""
    r = plan.ranked
    if not len(r) or "hop_ends" not in r.columns:
        return set()
    index = {str(k): i for i, k in enumerate(r["link_id"])}
    parents = [index.get(str(p)) if isinstance(p, str) and p else None for p in r["parent_link"]]
    demand_of = dict(zip(plan.terminals["key"].astype(str),
                         plan.terminals["demand_mbps"].astype(float), strict=True))
    demand = [demand_of.get(str(k), 0.0) for k in r["serves_key"]]
    capacity = np.where(r["type"] == "microwave", r["capacity_mbps"].astype(float), np.inf)
    return {frozenset(str(r["hop_ends"].iat[i]).split("|"))
            for i in hops_below_demand(parents, capacity, demand)}


def _availability(network: str, settings: LinkSettings) -> float:
    """The availability the hops of ``network`` must reach: an office link's for the government
    data network, a backhaul link's for an operator's."""
    mw = settings.microwave
    return mw.availability_office_pct if network == GOVERNMENT else mw.availability_backhaul_pct


def _with_sharing(plan: LinkPlan, alone: LinkPlan) -> LinkPlan:
    """The shared plan with its saving against ``alone`` (on its shared links and the plan)."""
    saving = alone.total_cost - plan.total_cost
    plan.sharing_saving = saving
    for table in (plan.ranked, plan.links):
        table["sharing_saving"] = np.where(table["shared_with"] != "", saving, np.nan)
    reached = (plan.n_terminals - len(plan.unreachable)) - (alone.n_terminals - len(alone.unreachable))
    if reached:
        plan.warnings.append(f"sharing connects {reached:+d} terminal(s) against the plan without "
                             "it, so the saving compares plans of different reach")
    return plan


def empty_plan(network: str, owner: str, crs: object = None, currency: str = CURRENCY) -> LinkPlan:
    """A plan with nothing to connect (costs in ``currency``)."""
    cols = ["rank", "link_id", "phase", "type", "from_name", "to_name", "parent_link", "cost",
            "capex", "opex_per_year", "cum_cost", "length_km", "new_km", "reused_km", "serves",
            "serves_key", "n_served", "people", "households", "institutions", "sites", "network",
            "owner", "shared_with"]
    ranked = pd.DataFrame(columns=cols)
    return LinkPlan(gpd.GeoDataFrame(ranked.copy(), geometry=[], crs=crs), ranked, [], 0.0, 0.0,
                    0.0, 0, currency=currency, network=network, owner=owner)


def combine_plans(plans: Sequence[LinkPlan]) -> LinkPlan:
    """Every plan's links, terminals and costs in one :class:`LinkPlan` (``network="all"``).

    Link ids stay unique when each plan has its own ``id_prefix``; warnings are prefixed with their
    network; the sharing saving is the sum of the plans' (NaN when none compared).
    """
    gdf, table = _joined_tables(plans)
    savings = [p.sharing_saving for p in plans if np.isfinite(p.sharing_saving)]
    return LinkPlan(
        gdf, table, [u for p in plans for u in p.unreachable],
        float(sum(p.total_cost for p in plans)), float(sum(p.naive_cost for p in plans)),
        float(sum(p.saving for p in plans)), int(sum(p.n_terminals for p in plans)),
        {k: v for p in plans for k, v in p.hop_profiles.items()},
        [f"{p.network}: {w}" for p in plans for w in p.warnings],
        _currency(plans), _joined_terminals(plans),
        sharing_saving=float(sum(savings)) if savings else float("nan"), parts=list(plans),
        assumptions=_assumptions(plans))


def _currency(plans: Sequence[LinkPlan]) -> str:
    return plans[0].currency if plans else CURRENCY


def _assumptions(plans: Sequence[LinkPlan]) -> list[Assumption]:
    """The cost and demand defaults of the plans (one scenario: the same for every plan)."""
    return next((p.assumptions for p in plans if p.assumptions), [])


def _joined_terminals(plans: Sequence[LinkPlan]) -> pd.DataFrame:
    """The plans' per-terminal tables, one after the other, each with its ``network``."""
    parts = [p.terminals.assign(network=p.network) for p in plans if len(p.terminals)]
    if not parts:
        return empty_plan("all", "").terminals
    return pd.concat(parts, ignore_index=True)


def _joined_tables(plans: Sequence[LinkPlan]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The plans' links layers and ranked tables, one after the other."""
    ranked = [p.ranked for p in plans if len(p.ranked)]
    links = [p.links for p in plans if len(p.links)]
    crs = next((p.links.crs for p in plans if p.links.crs is not None), None)
    table = pd.concat(ranked, ignore_index=True) if ranked else empty_plan("all", "").ranked
    if not links:
        return gpd.GeoDataFrame(table.copy(), geometry=[], crs=crs), table
    return gpd.GeoDataFrame(pd.concat(links, ignore_index=True), crs=crs), table


def new_site_backhaul(plan: LinkPlan, keys: Sequence[str]) -> pd.DataFrame:
    """The link plan's cost of bringing backhaul to each terminal in ``keys``.

    Each link's cost is split equally among the terminals behind it (the one at its end and every
    one downstream); a terminal's backhaul cost is the sum of its shares along its path to the
    network, so the costs of all terminals add up to the plan's cost.

    Parameters
    ----------
    plan : LinkPlan
        A plan (one network's, or :attr:`NetworkPlans.combined`).
    keys : sequence of str
        Entity keys of the terminals ("candidate:C0042").

    Returns
    -------
    DataFrame
        One row per key: ``key``, ``network``, ``backhaul_cost`` (NaN: not connected),
        ``backhaul_links`` (link ids from the network outwards, ";"-joined) and ``note`` (the
        reason when unreachable, "" otherwise).
    """
    r = plan.ranked.reset_index(drop=True)
    row_of = {lid: i for i, lid in enumerate(r["link_id"])} if len(r) else {}
    parent = [row_of.get(p) if p else None for p in r.get("parent_link", pd.Series([], dtype=str))
              .fillna("").astype(str)]
    behind = subtree_sums(parent, r["n_served"].to_numpy(float)) if len(r) else np.zeros(0)
    share = np.divide(r["cost"].to_numpy(float), behind, out=np.zeros(len(r)), where=behind > 0)
    at = {k: i for i, k in enumerate(r["serves_key"].astype(str))} if len(r) else {}
    why = {u.key: u.reason for u in plan.unreachable}
    rows = []
    for key in keys:
        i = at.get(key)
        if i is None:
            rows.append({"key": key, "network": "", "backhaul_cost": np.nan, "backhaul_links": "",
                         "note": why.get(key, "not a terminal of the plan")})
            continue
        path: list[int] = []
        j: int | None = i
        while j is not None:
            path.append(j)
            j = parent[j]
        rows.append({"key": key, "network": str(r.at[i, "network"]) if "network" in r else "",
                     "backhaul_cost": float(share[path].sum()),
                     "backhaul_links": ";".join(str(r.at[k, "link_id"]) for k in reversed(path)),
                     "note": ""})
    return pd.DataFrame(rows, columns=["key", "network", "backhaul_cost", "backhaul_links", "note"])
