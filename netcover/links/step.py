"""The link-planning step of a run: scenario inputs in, one plan per network out.

Adapts :class:`~netcover.data.inputs.Inputs` to :func:`~netcover.links.networks.plan_networks`: one
row per mast from the cell list, with the sites table's optional ``backhaul`` column (a site without
it is taken as backhauled: issue 14 replaced the guess "on fibre when within 200 m of a fibre
route, else a terminal"). The site plan's new sites and the scored proposals are terminals of their
operator's backhaul plan; the link plan's cost of bringing each of them backhaul is joined to the
site plan's table (``site_plan.csv``) and the proposals' (``proposals_scored.csv``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.links import LinkSettings
from netcover.core.files import by_key
from netcover.data.entities import missing_link_inputs
from netcover.data.sites import site_table
from netcover.links.graph import entity_levels
from netcover.links.networks import new_site_backhaul, plan_networks
from netcover.links.output import write_link_plan
from netcover.links.plan import LinkPlan
from netcover.links.reuse import PlanRecord, inputs_key, record_plan, reuse_plan
from netcover.links.standalone import throughput_decisions

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.coverage.capacity import CapacityResult
    from netcover.coverage.combine import CoverageResult
    from netcover.data.inputs import Inputs
    from netcover.siting.plan import SitePlan
    from netcover.siting.proposals import ProposalScores

__all__ = ["BACKHAUL_COLUMNS", "LinksRun", "new_sites", "plan_scenario_links", "run_links",
           "terminal_keys", "with_backhaul_costs"]

#: Columns the link step adds to the site plan's and the proposals' tables.
BACKHAUL_COLUMNS = ("backhaul_network", "backhaul_cost_link_plan", "backhaul_currency",
                    "backhaul_links", "backhaul_note")


def new_sites(inputs: Inputs, settings: LinkSettings, *, site_plan: SitePlan | None = None,
              proposals: ProposalScores | None = None) -> gpd.GeoDataFrame | None:
    """The site plan's chosen sites and the scored proposals as new sites needing backhaul.

    Every scored proposal counts (each is a site its operator intends to build; the scores say
    where it would do better, not whether it is built), at its proposed position. The site plan's
    sites are built by ``[links] new_sites_operator``, else the siting step's baseline operator,
    else ("" here) the one :func:`~netcover.links.networks.plan_networks` picks.

    Returns
    -------
    GeoDataFrame or None
        ``site_id`` (candidate or proposal id), ``operator``, ``height_m``, ``source`` ("site plan"
        or "proposal"), points in the working CRS; None when there is none.
    """
    import geopandas as gpd

    frames = []
    if site_plan is not None and len(site_plan.ranked):
        chosen = site_plan.problem.candidates.iloc[site_plan.result.chosen]
        # "" when neither setting names one: plan_networks picks one and says so
        who = (settings.new_sites_operator.strip()
               or inputs.scenario.siting.baseline_operator.strip())
        frames.append(gpd.GeoDataFrame(
            {"site_id": site_plan.ranked["candidate_id"].astype(str).to_numpy(), "operator": who,
             "height_m": site_plan.ranked["height_m"].astype(float).to_numpy(),
             "source": "site plan"}, geometry=chosen.geometry.to_numpy(), crs=chosen.crs
        ).to_crs(inputs.crs))
    if proposals is not None and len(proposals.table):
        t = proposals.table
        frames.append(gpd.GeoDataFrame(
            {"site_id": t["proposal_id"].astype(str).to_numpy(),
             "operator": t["operator"].astype(str).to_numpy(),
             "height_m": t["height_m"].astype(float).to_numpy(), "source": "proposal"},
            geometry=gpd.points_from_xy(t["lon"], t["lat"]), crs="EPSG:4326").to_crs(inputs.crs))
    if not frames:
        return None
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=inputs.crs)


def _masts(inputs: Inputs) -> gpd.GeoDataFrame:
    assert inputs.cells is not None
    return site_table(inputs.cells)


def plan_scenario_links(inputs: Inputs, settings: LinkSettings, *,
                        candidates: gpd.GeoDataFrame | None = None,
                        coverage: CoverageResult | None = None,
                        capacity: CapacityResult | None = None) -> LinkPlan:
    """Plan every network's links for a scenario's inputs (all of :func:`missing_link_inputs`
    present): the combined plan of :func:`~netcover.links.networks.plan_networks`, its
    ``parts`` the per-network plans. With ``coverage``, a terminal in good 4G coverage may be
    connected by a cellular subscription (see :mod:`netcover.links.technology`); with
    ``capacity`` too, only where the busy-hour 4G user throughput there covers its demand."""
    return _plan(_LinkInputs.of(inputs, settings, candidates, coverage, capacity))


@dataclass(frozen=True)
class _LinkInputs:
    """Every input of :func:`~netcover.links.networks.plan_networks` for a scenario."""

    inputs: Inputs
    settings: LinkSettings
    fibre: gpd.GeoDataFrame
    masts: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame | None
    rsrp: dict[str, float] | None
    mbps: dict[str, float] | None

    @classmethod
    def of(cls, inputs: Inputs, settings: LinkSettings, candidates: gpd.GeoDataFrame | None,
           coverage: CoverageResult | None, capacity: CapacityResult | None) -> _LinkInputs:
        """The inputs; the terminals' 4G level (with ``coverage``) and busy-hour 4G throughput
        (with ``capacity``) read from the rasters."""
        import geopandas as gpd

        assert inputs.cells is not None and inputs.roads is not None
        assert inputs.network_points is not None and inputs.settlements is not None
        fibre = inputs.fibre_routes
        if fibre is None:
            fibre = gpd.GeoDataFrame({"route_id": []}, geometry=[], crs=inputs.crs)
        rsrp = None if coverage is None else entity_levels(
            coverage.operator_levels, coverage.transform, inputs.network_points,
            inputs.settlements)
        mbps = None
        if capacity is not None and "4G" in capacity.throughput:
            mbps = entity_levels({("all", "4G"): capacity.throughput["4G"]}, capacity.transform,
                                 inputs.network_points, inputs.settlements)
        return cls(inputs, settings, fibre, _masts(inputs), candidates, rsrp, mbps)

    def key(self) -> str:
        """:func:`~netcover.links.reuse.inputs_key` of these inputs."""
        i, t = self.inputs, self.inputs.terrain
        assert i.network_points is not None and i.settlements is not None
        read = terminal_keys(i.network_points, i.settlements, self.settings)
        return inputs_key(
            frames={"roads": i.roads, "fibre": self.fibre, "points": i.network_points,
                    "masts": self.masts, "settlements": i.settlements,
                    "candidates": self.candidates},
            arrays={"dem": t.heights, "clutter": t.clutter_m}, settings=self.settings,
            levels={"rsrp_dbm": None if self.rsrp is None
                    else {k: v for k, v in self.rsrp.items() if k in read}},
            other={"origin_xy": [float(v) for v in t.origin_xy], "cell_size": float(t.cell_size),
                   "crs": str(i.crs.to_wkt()) if hasattr(i.crs, "to_wkt") else str(i.crs),
                   # the plan reads only these of the throughputs, which change in their last
                   # digits with any change of load anywhere
                   "cell_mbps": None if self.mbps is None
                   else throughput_decisions({k: v for k, v in self.mbps.items() if k in read},
                                             self.settings.costs)})


def terminal_keys(points: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame,
                  settings: LinkSettings) -> set[str]:
    """The keys of the data-network points and villages that are terminals of a link plan
    (:func:`~netcover.data.entities.build_entities`, role "terminal": a row's role depends on the
    row alone, so it is the same in every network's plan). The plan reads the 4G level and the
    busy-hour throughput of terminals only (:func:`~netcover.links.standalone.standalone_options`),
    so the key of its inputs takes only theirs: a tilt that moves the load at an office already on
    fibre does not plan the links again."""
    from netcover.data.entities import build_entities

    empty = points.iloc[0:0]
    entities = build_entities(points, empty, settlements, settings)
    return set(entities.loc[entities["role"] == "terminal", "key"].astype(str))



def _plan(data: _LinkInputs) -> LinkPlan:
    i, t = data.inputs, data.inputs.terrain
    assert i.roads is not None and i.network_points is not None and i.settlements is not None
    return plan_networks(i.roads, data.fibre, i.network_points, data.masts, i.settlements,
                         t.heights, t.origin_xy, t.cell_size, data.settings,
                         candidates=data.candidates, clutter=t.clutter_m, rsrp_dbm=data.rsrp,
                         cell_mbps=data.mbps).combined


def with_backhaul_costs(table: pd.DataFrame, id_column: str, plan: LinkPlan, *,
                        straight_line_cost: np.ndarray | None = None,
                        per_usd: float = 1.0) -> pd.DataFrame:
    """``table`` (site plan or proposals) with the link plan's backhaul of each of its sites.

    Adds :data:`BACKHAUL_COLUMNS` (see :func:`~netcover.links.networks.new_site_backhaul`) and,
    with ``straight_line_cost`` (the site plan's straight-line backhaul term of ``cost``),
    ``cost_with_planned_backhaul``: ``cost`` with that term replaced by the link plan's cost.
    ``backhaul_cost_link_plan`` is in the link plan's currency (``backhaul_currency``); the site
    plan's costs are in US dollars, so the link plan's cost enters ``cost_with_planned_backhaul``
    divided by ``per_usd`` (its currency's units per dollar: ``[links.costs] vnd_per_usd`` for VND).
    """
    cost = new_site_backhaul(plan, _site_keys(table, id_column))
    return _with_backhaul(table, cost, plan.currency, straight_line_cost=straight_line_cost,
                          per_usd=per_usd)


def _site_keys(table: pd.DataFrame, id_column: str) -> list[str]:
    return ["candidate:" + str(v) for v in table[id_column]]


def _with_backhaul(table: pd.DataFrame, cost: pd.DataFrame, currency: str, *,
                   straight_line_cost: np.ndarray | None = None,
                   per_usd: float = 1.0) -> pd.DataFrame:
    """:func:`with_backhaul_costs` given the backhaul of each row of ``table`` (``cost``, in its
    order) and the plan's currency."""
    out = table.copy()
    out["backhaul_network"] = cost["network"].to_numpy()
    out["backhaul_cost_link_plan"] = cost["backhaul_cost"].round(0).to_numpy()
    out["backhaul_currency"] = currency
    out["backhaul_links"] = cost["backhaul_links"].to_numpy()
    out["backhaul_note"] = cost["note"].to_numpy()
    if straight_line_cost is not None and "cost" in out.columns:
        out["cost_with_planned_backhaul"] = (out["cost"].to_numpy(float) - straight_line_cost
                                             + out["backhaul_cost_link_plan"].to_numpy(float)
                                             / per_usd).round(0)
    return out


@dataclass
class LinksRun:
    """What the link step made: the plan (None: skipped, the inputs lack a layer, or reused), the
    files, and the link manifest's record of the plan (None: skipped)."""

    plan: LinkPlan | None
    files: list[Path] = field(default_factory=list)
    record: PlanRecord | None = None

    @property
    def reused(self) -> bool:
        """Whether the previous run's plan and files were reused (:mod:`netcover.links.reuse`)."""
        return self.plan is None and self.record is not None


def run_links(inputs: Inputs, folder: Path, say: Callable[[str], None], *,
              candidates: gpd.GeoDataFrame | None = None, site_plan: SitePlan | None = None,
              proposals: ProposalScores | None = None, siting_folder: Path | None = None,
              proposals_folder: Path | None = None, previous: Path | None = None,
              coverage: CoverageResult | None = None,
              capacity: CapacityResult | None = None) -> LinksRun:
    """Plan links and write ``links.gpkg``, ``links_ranked.csv`` and hop profiles to ``folder``.

    ``site_plan`` and ``proposals`` (the siting steps' results) add their sites as terminals of
    their operator's plan (with ``candidates``, any other new sites); with ``siting_folder`` /
    ``proposals_folder`` their tables there get the link plan's backhaul cost of each site
    (:func:`with_backhaul_costs`). ``previous``: the ``links`` folder of the run the new results
    replace: when every input of the plan is unchanged (:mod:`netcover.links.reuse`), its plan and
    files are reused instead of planned again, else its hop profiles of unchanged hops are reused
    instead of drawn again (see :func:`~netcover.links.output.write_link_plan`). ``coverage``:
    the coverage step's result, for the cellular option of terminals in good 4G coverage (without
    it: no cellular option); ``capacity``: its busy-hour load estimate, refusing cellular where the
    throughput is too low.
    """
    missing = missing_link_inputs(inputs)
    if missing:
        say(f"Links: skipped (the scenario has no {', '.join(missing)})")
        return LinksRun(None)
    settings = inputs.scenario.links
    found = [f for f in (candidates, new_sites(inputs, settings, site_plan=site_plan,
                                               proposals=proposals)) if f is not None and len(f)]
    news = pd.concat(found, ignore_index=True) if found else None
    data = _LinkInputs.of(inputs, settings, news, coverage, capacity)
    keys = [*(_site_keys(site_plan.ranked, "candidate_id") if site_plan is not None else []),
            *(_site_keys(proposals.table, "proposal_id") if proposals is not None else [])]
    done = _planned(data, folder, previous, keys)
    assert done.record is not None
    say(done.record.summary)
    backhaul = done.record.backhaul.drop_duplicates("key").set_index("key")
    currency = done.record.currency
    if site_plan is not None and siting_folder is not None:
        s = inputs.scenario.siting
        line = s.cost_per_backhaul_km * np.nan_to_num(
            site_plan.ranked["backhaul_distance_m"].to_numpy(float)) / 1e3
        cost = backhaul.loc[_site_keys(site_plan.ranked, "candidate_id")]
        site_plan.ranked = _with_backhaul(site_plan.ranked, cost, currency,
                                          straight_line_cost=line,
                                          per_usd=settings.costs.rate("USD"))
        by_key("site_plan").write(siting_folder, site_plan.ranked)
    if proposals is not None and proposals_folder is not None:
        cost = backhaul.loc[_site_keys(proposals.table, "proposal_id")]
        proposals.table = _with_backhaul(proposals.table, cost, currency)
        text = proposals.search_text()
        by_key("proposals_scored").write(proposals_folder, proposals.table,
                                         record={"better_search": text} if text else None)
    return done


def _planned(data: _LinkInputs, folder: Path, previous: Path | None,
             keys: list[str]) -> LinksRun:
    """The previous run's plan when its inputs are ``data`` and it has the backhaul of every new
    site in ``keys``; else a new plan, written to ``folder`` with its link manifest."""
    key = data.key()
    reused = reuse_plan(previous, folder, key)
    if reused is not None and set(keys) <= set(reused[0].backhaul["key"]):
        return LinksRun(None, reused[1], reused[0])
    plan = _plan(data)
    files = write_link_plan(plan, folder, previous=previous)
    backhaul = new_site_backhaul(plan, list(dict.fromkeys(keys)))
    summary = plan.summary()
    files.append(record_plan(folder, key=key, summary=summary, currency=plan.currency,
                             backhaul=backhaul, files=files))
    return LinksRun(plan, files, PlanRecord(key, summary, plan.currency, backhaul, []))
