"""Capacity relief: what a capacity proposal takes off the loaded cells of its operator.

A proposal whose ``purpose`` is ``capacity`` (or ``both``) is not there for new people: it is
there to carry some of the busy-hour users of existing cells. :func:`capacity_relief` scores it
with the busy-hour capacity model of the coverage step (:mod:`netcover.coverage.capacity`: demand
per place, serving sector, load-coupling fixed point, throughput = peak rate x (1 - PRB load)),
computed twice for the proposal's operator:

- **before**: the network as it is (the coverage result of the run);
- **after**: the network with the proposal's sectors added as cells of its operator; only the
  operator's layers of the capacity technologies are made (the others' levels are the run's):
  the run's layers folded again in the box around the proposal's loss windows
  (:mod:`netcover.coverage.added`: bit for bit those of a whole recomputation), the box's layers
  kept in the loss cache with the cells folded in them: the next run reads them back when none of
  those cells changed, else folds again only the part of the box a changed cell's window covers
  (the run's records there, which a later run patches from, stay).

  A proposal within ``[siting] sharing_distance_m`` of a mast of its own operator (with cells of
  its technology) is **added to that site** (:mod:`netcover.siting.colocate`): its cells take the
  site's id and position, and a sector within half a beamwidth of one of the site's sectors takes
  that sector's azimuth (and, on a frequency the sector already uses, the band's next channel), so
  that the capacity step pools it with that sector's carriers (``[capacity] pool_sector_carriers``,
  :mod:`netcover.coverage.sectorpool`) and the sector's users share the added capacity.
  Otherwise it is a new site (site id = the proposal id).

Columns (:data:`RELIEF_COLUMNS`, one row per capacity or both proposal, indexed by
``proposal_id``):

- ``users_offloaded``: busy-hour active users the operator's existing cells lose (moved onto the
  proposal);
- ``cells_offloaded``: the existing cells that lose users, ";"-joined, the busiest (of
  ``load_before``) first, then most users lost first (with
  ``[capacity] pool_sector_carriers`` the carriers of a sector are served together, so all of a
  sector's cells are named);
  A pooled sector keeps, of its users after, the share its existing carriers carry (their share
  of the sector's bandwidth); the rest count as moved onto the proposal;
- ``load_before``, ``load_after``: PRB load (0..1) of the most loaded of those cells, before and
  after (NaN when no cell loses users; after, a pooled sector's load is that of all its carriers);
- ``throughput_before_mbps``, ``throughput_after_mbps``: busy-hour user throughput of the
  operator, people-weighted mean over the proposal's serving area (the places where, after, one of
  the proposal's sectors, or a sector it is pooled with, is the operator's best server), before
  and after. Places where the operator serves no one at the usable class count as 0 Mb/s;
- ``added_to_site``: the id of the existing site the proposal was added to, "" for a new site.

Assumptions are the capacity step's (:attr:`~netcover.coverage.capacity.CapacityResult.notes`,
``[capacity]`` settings: smartphone share, active share, busy-hour MB, operators' market shares).
A cell "loses users" when its busy-hour users fall by more than :data:`MIN_USERS_MOVED`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.coverage.capacity import CAPACITY_TECHNOLOGIES, CapacityResult, capacity_tables
from netcover.coverage.combine import CoverageResult, GroupResult, TechnologyLayers, cells_table
from netcover.coverage.schedule import release_free_memory
from netcover.siting.colocate import colocated_sectors, host_site

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.config.capacity import CapacitySettings
    from netcover.core.executor import Executor
    from netcover.coverage.engine import Progress
    from netcover.coverage.losscache import LossCache
    from netcover.data.inputs import Inputs
    from netcover.data.proposals import Proposal

Group = tuple[str, str]

__all__ = [
    "MIN_USERS_MOVED",
    "RELIEF_COLUMNS",
    "RELIEF_PURPOSES",
    "capacity_relief",
    "proposal_cells",
    "proposal_host",
    "relief_sentence",
]

#: The columns :func:`capacity_relief` returns.
RELIEF_COLUMNS = ("users_offloaded", "cells_offloaded", "load_before", "load_after",
                  "throughput_before_mbps", "throughput_after_mbps", "added_to_site")

#: Purposes scored by relief.
RELIEF_PURPOSES = ("capacity", "both")

#: A cell whose busy-hour users fall by no more than this (a tenth of a user) is not offloaded.
MIN_USERS_MOVED = 0.1


def proposal_cells(inputs: Inputs, prop: Proposal, *,
                   sharing_distance_m: float | None = None) -> gpd.GeoDataFrame:
    """The proposal's sectors as rows of ``inputs.cells`` (its columns, working CRS).

    Cell ids ``<proposal id>-P<k>`` (k from 1). Site id: the proposal id, or, for a capacity or
    both proposal within ``sharing_distance_m`` (default: the scenario's ``[siting]
    sharing_distance_m``) of a mast of its own operator, that site's id, with the site's position
    and the sectors aligned on the site's (:mod:`netcover.siting.colocate`).
    """
    import geopandas as gpd
    from pyproj import Transformer

    cells = inputs.cells
    assert cells is not None, "capacity relief needs the existing cells"
    site, x, y, sectors = prop.proposal_id, prop.x, prop.y, prop.sectors
    host = proposal_host(inputs, prop, sharing_distance_m=sharing_distance_m)
    if host is not None:
        site, x, y = host
        sectors = colocated_sectors(cells, prop, site)
    lon, lat = Transformer.from_crs(inputs.crs, "EPSG:4326", always_xy=True).transform(x, y)
    rows = []
    for k, sector in enumerate(sectors):
        row = {**sector.to_dict(), "site_id": site, "cell_id": f"{prop.proposal_id}-P{k + 1}",
               "operator": prop.operator, "height_m": prop.height_m, "lon": lon, "lat": lat,
               "x": x, "y": y}
        rows.append({c: row.get(c, np.nan) for c in cells.columns if c != cells.geometry.name})
    frame = pd.DataFrame(rows).astype({c: cells[c].dtype for c in ("azimuth_deg", "height_m")
                                       if c in cells.columns})
    frame[cells.geometry.name] = gpd.points_from_xy([x] * len(rows), [y] * len(rows))
    return gpd.GeoDataFrame(frame[list(cells.columns)], geometry=cells.geometry.name,
                            crs=cells.crs)


def proposal_host(inputs: Inputs, prop: Proposal, *, sharing_distance_m: float | None = None
                  ) -> tuple[str, float, float] | None:
    """``(site_id, x, y)`` of the existing site a capacity or both proposal is added to: the
    nearest of its own operator within ``sharing_distance_m`` (default: the scenario's ``[siting]
    sharing_distance_m``; :func:`~netcover.siting.colocate.host_site`); None for a new site."""
    if prop.purpose not in RELIEF_PURPOSES:
        return None
    return host_site(inputs.cells, prop, _sharing_distance(inputs, sharing_distance_m))


def _sharing_distance(inputs: Inputs, given: float | None) -> float:
    """``given``, else the scenario's ``[siting] sharing_distance_m``, else its default."""
    if given is not None:
        return float(given)
    from netcover.config.siting import SitingSettings

    siting = getattr(inputs.scenario, "siting", None) or SitingSettings()
    return float(siting.sharing_distance_m)


def capacity_relief(inputs: Inputs, coverage: CoverageResult, proposals: Sequence[Proposal], *,
                    capacity_settings: CapacitySettings | None = None,
                    reported: pd.DataFrame | None = None,
                    market_share: Mapping[str, float] | None = None,
                    cache: LossCache | None = None,
                    progress: Progress | None = None,
                    sharing_distance_m: float | None = None,
                    executor: Executor | None = None) -> pd.DataFrame:
    """Load and throughput relief of each capacity (or both) proposal (see the module docstring).

    Parameters
    ----------
    inputs : Inputs
        The run's inputs (cells and population required).
    coverage : CoverageResult
        The run's coverage of the existing network (the "before").
    proposals : sequence of Proposal
        All proposals; only those whose ``purpose`` is in :data:`RELIEF_PURPOSES` are scored.
    capacity_settings : CapacitySettings, optional
        Default: the scenario's ``[capacity]``.
    reported, market_share : optional
        As :func:`~netcover.coverage.capacity.capacity_tables`.
    cache : LossCache, optional
        The run's loss cache (the existing sites' losses are then read, not computed).
    progress : callable, optional
        Passed to the coverage engine.
    sharing_distance_m : float, optional
        A proposal this close to a mast of its own operator is added to that site
        (:func:`proposal_cells`); default: the scenario's ``[siting] sharing_distance_m``.
    executor : Executor, optional
        Where the proposals' missing loss rasters are computed (the run's worker pool: this
        process then folds without the kernel's temporaries); None: here.

    Returns
    -------
    pandas.DataFrame
        :data:`RELIEF_COLUMNS`, indexed by ``proposal_id`` (no row for coverage proposals).
    """
    assert inputs.cells is not None, "capacity relief needs the existing cells"
    shares = dict(market_share) if market_share else _equal_shares(inputs.cells)

    def capacity(result: CoverageResult, cells_inputs: Inputs, op: str) -> CapacityResult:
        return _operator_capacity(result, cells_inputs, op, capacity_settings, reported, shares)

    before: dict[str, CapacityResult] = {}
    rows = {}
    for prop in (p for p in proposals if p.purpose in RELIEF_PURPOSES):
        op = prop.operator
        if op not in before:
            before[op] = capacity(coverage, inputs, op)
            release_free_memory()
        added = proposal_cells(inputs, prop, sharing_distance_m=sharing_distance_m)
        cells = pd.concat([inputs.cells, added], ignore_index=True)
        source = np.flatnonzero(_capacity_rows(cells, op))  # the run's rows, then the proposal's
        after_inputs = dataclasses.replace(inputs, cells=cells.iloc[source].reset_index(drop=True))
        source[source >= len(inputs.cells)] = -1
        after = _coverage_after(after_inputs, coverage, op, (inputs.cells, source), cache,
                                progress, executor)
        new = set(added["cell_id"].astype(str))
        cap_after = capacity(after, after_inputs, op)
        bandwidth = pd.Series(cells["bandwidth_mhz"].to_numpy(float),
                              index=cells["cell_id"].astype(str))
        bandwidth = bandwidth[~bandwidth.index.duplicated()]
        site = str(added["site_id"].iloc[0]) if len(added) else prop.proposal_id
        rows[prop.proposal_id] = {
            **_cell_relief(before[op].cells, cap_after.cells, op, new, bandwidth),
            **_throughput_relief(inputs, coverage, after, before[op], cap_after, op, new),
            "added_to_site": "" if site == prop.proposal_id else site}
        del after, cap_after  # a coverage result of the grid: freed before the next proposal's
        release_free_memory()
    index = pd.Index(list(rows), name="proposal_id")
    return pd.DataFrame(list(rows.values()), index=index, columns=list(RELIEF_COLUMNS))


def _capacity_rows(cells: pd.DataFrame, op: str) -> np.ndarray:
    """bool per row: one of ``op``'s cells of the capacity technologies
    (:data:`CAPACITY_TECHNOLOGIES`)."""
    return ((cells["operator"].astype(str) == op)
            & cells["technology"].astype(str).isin(CAPACITY_TECHNOLOGIES)).to_numpy()


def _coverage_after(inputs: Inputs, coverage: CoverageResult, op: str,
                    base: tuple[pd.DataFrame, np.ndarray] | None, cache: LossCache | None,
                    progress: Progress | None, executor: Executor | None = None) -> CoverageResult:
    """What the capacity step reads of the coverage with the proposal, for operator ``op``, whose
    capacity-technology cells (with the proposal's) are ``inputs.cells``: ``op``'s layers, and of
    each technology's layers (all operators) the best server and SINR only where it is one of
    ``op``'s cells (else -1 and NaN), the only use the capacity step makes of them.

    ``op``'s layers: the run's folded again in the box around the proposal's windows
    (:func:`~netcover.coverage.added.added_groups`) when ``base`` gives the run's sites table and
    each row's row there (-1: the proposal's), else (None, or ``coverage`` of another table) folded
    whole. The other operators' levels are read from ``coverage``, the district's layers not made.
    """
    from netcover.coverage.added import added_groups

    assert inputs.cells is not None
    if len(inputs.cells) == 0:  # nothing of ``op``'s for the capacity step
        return dataclasses.replace(coverage, technologies={}, operator_levels={},
                                   operator_best_cell={}, service={})
    none = np.broadcast_to(np.uint8(0), coverage.classes.shape)  # never read by the capacity step
    previous = {}
    if base is None or not _same_cells(coverage.cells, base[0]):
        base = (inputs.cells.iloc[:0], np.full(len(inputs.cells), -1))  # all new: whole folds
    else:
        previous = _previous(coverage, op, none)
    groups = added_groups(inputs, *base, previous, cache=cache, progress=progress,
                          executor=executor)
    techs, levels, best = {}, {}, {}
    for (o, tech), res in groups.items():
        wins = _wins(coverage, op, tech, res.level)
        techs[tech] = TechnologyLayers(none, np.where(wins, res.best_cell, -1), none,
                                       np.where(wins, res.sinr, np.float32(np.nan)), none)
        levels[(o, tech)], best[(o, tech)] = res.level, res.best_cell
    del groups
    release_free_memory()
    return CoverageResult(coverage.transform, coverage.crs, cells_table(inputs.cells), techs, {},
                          none, none, levels, best)


def _same_cells(table: pd.DataFrame, cells: pd.DataFrame) -> bool:
    """Whether a coverage's cells table (``table``) is that of the sites table ``cells``."""
    return len(table) == len(cells) and bool(
        (table["cell_id"].astype(str).to_numpy() == cells["cell_id"].astype(str).to_numpy()).all())


def _previous(coverage: CoverageResult, op: str, none: np.ndarray) -> dict[Group, GroupResult]:
    """The run's layers of ``op``'s capacity-technology groups: its level and best cell, and the
    technology's SINR (``op``'s own where it is the technology's best server, the only place the
    capacity step reads it); no server count (``none``: the capacity step does not read it)."""
    return {(o, t): GroupResult(level, coverage.operator_best_cell[(o, t)], none,
                                coverage.technologies[t].sinr_db)
            for (o, t), level in coverage.operator_levels.items()
            if o == op and t in CAPACITY_TECHNOLOGIES}


def _wins(coverage: CoverageResult, op: str, tech: str, level: np.ndarray) -> np.ndarray:
    """bool grid: where ``op``'s ``level`` of ``tech`` wins the technology's best server over the
    other operators' levels in ``coverage``, by the rule of
    :func:`~netcover.coverage.combine.combine_groups` (operators in name order, the highest level
    wins, ties and cells no one reaches go to the first)."""
    levels = {o: v for (o, t), v in coverage.operator_levels.items() if t == tech and o != op}
    levels[op] = level
    order = sorted(levels)
    first = levels[order[0]]
    top = np.where(np.isnan(first), np.float32(-np.inf), first)
    winner = np.zeros(first.shape, dtype=np.int16)  # operators of one technology: a few
    for k, name in enumerate(order[1:], start=1):
        better = np.greater(levels[name], top)  # NaN never wins
        np.copyto(top, levels[name], where=better)
        winner[better] = k
    return winner == order.index(op)


def _equal_shares(cells: pd.DataFrame) -> dict[str, float]:
    """An equal share of the users per operator of the sites table (the capacity step's default,
    :func:`~netcover.coverage.capacity.capacity_tables`), whichever technologies it has."""
    operators = sorted(set(cells["operator"].astype(str)))
    return {op: 1.0 / len(operators) for op in operators}


def relief_sentence(row: Mapping[str, object]) -> str:
    """One sentence on a capacity proposal's relief, from the row's :data:`RELIEF_COLUMNS`."""
    users = float(str(row.get("users_offloaded", 0.0) or 0.0))
    site = str(row.get("added_to_site", "") or "")
    what = (f"capacity added to site {site} (as carriers of its sectors, on their azimuths)"
            if site and site != "nan" else "capacity site")
    if not users > MIN_USERS_MOVED:
        return f"{what}: it takes no busy-hour users off its operator's existing cells"
    cells = str(row.get("cells_offloaded", "")).split(";")
    busiest = cells[0] if cells else ""
    text = (f"{what}: it takes {users:,.0f} busy-hour users off {len(cells)} existing "
            f"cell(s); the busiest, {busiest}, goes from {float(str(row['load_before'])):.0%} "
            f"to {float(str(row['load_after'])):.0%} PRB load")
    before, after = (float(str(row.get(k, np.nan))) for k in ("throughput_before_mbps",
                                                               "throughput_after_mbps"))
    if np.isfinite(before) and np.isfinite(after):
        text += f", and users there get {after:,.1f} instead of {before:,.1f} Mb/s"
    return text


def _operator_capacity(result: CoverageResult, inputs: Inputs, op: str,
                       settings: CapacitySettings | None, reported: pd.DataFrame | None,
                       market_share: Mapping[str, float] | None) -> CapacityResult:
    """The capacity step for operator ``op`` alone: the others' layers are left out, so the
    throughput maps are ``op``'s (each operator's loads are solved apart, its figures unchanged)."""
    mine = {k: v for k, v in result.operator_levels.items() if k[0] == op}
    return capacity_tables(dataclasses.replace(result, operator_levels=mine), inputs,
                           settings=settings, reported=reported, market_share=market_share)


def _cell_relief(before: pd.DataFrame, after: pd.DataFrame, op: str, new: set[str],
                 bandwidth: pd.Series) -> dict[str, object]:
    """Users moved off ``op``'s existing serving units, and the load of the busiest of them.

    An existing unit's users after are those of the unit holding its cells after, less the share
    the proposal's carriers pooled into that unit carry (their share of its bandwidth)."""
    empty = {"users_offloaded": 0.0, "cells_offloaded": "", "load_before": np.nan,
             "load_after": np.nan}
    if before.empty:
        return empty
    old = before[before["operator"].astype(str) == op].set_index("cell_id")
    now = after[after["operator"].astype(str) == op].reset_index(drop=True)
    members = [str(u).split("+") for u in now["cell_id"]]
    unit_of = {c: i for i, ids in enumerate(members) for c in ids}
    old_share = np.array([_bandwidth_share([c for c in ids if c not in new], ids, bandwidth)
                          for ids in members])
    where = np.array([unit_of.get(str(u).split("+")[0], -1) for u in old.index])
    found = where >= 0
    users_after = np.where(found, now["busy_hour_users"].to_numpy(float)[where]
                           * old_share[where], 0.0)
    load_after = pd.Series(np.where(found, now["prb_load"].to_numpy(float)[where], 0.0),
                           index=old.index)
    lost = (old["busy_hour_users"] - users_after).clip(lower=0.0)
    lost = lost[lost > MIN_USERS_MOVED].sort_values(ascending=False, kind="stable")
    if lost.empty:
        return empty
    busiest = old.loc[lost.index, "prb_load"].astype(float).idxmax()
    order = [busiest, *(u for u in lost.index if u != busiest)]
    return {"users_offloaded": round(float(lost.sum()), 2),
            "cells_offloaded": ";".join(c for unit in order for c in str(unit).split("+")),
            "load_before": round(float(old.loc[busiest, "prb_load"]), 4),
            "load_after": round(float(load_after[busiest]), 4)}


def _bandwidth_share(part: list[str], whole: list[str], bandwidth: pd.Series) -> float:
    """Share of ``whole``'s bandwidth (cells of one unit, one technology) in ``part``: the share of
    a pooled unit's rate, and of its users, its carriers carry."""
    total = float(bandwidth.reindex(whole).fillna(0.0).sum())
    if not total > 0:
        return len(part) / len(whole) if whole else 0.0
    return float(bandwidth.reindex(part).fillna(0.0).sum()) / total


def _throughput_relief(inputs: Inputs, coverage: CoverageResult, after: CoverageResult,
                       cap_before: CapacityResult, cap_after: CapacityResult, op: str,
                       new: set[str]) -> dict[str, float]:
    """People-weighted user throughput of ``op`` over the proposal's serving area."""
    rows, cols, people = _people_on_grid(inputs, coverage)
    units = [str(u).split("+") for u in cap_after.cells.get("cell_id", pd.Series(dtype=str))]
    serving = {c for ids in units if set(ids) & new for c in ids}  # with the carriers it pools
    is_new = after.cells["cell_id"].astype(str).isin(serving).to_numpy()
    area = np.zeros(len(people), dtype=bool)
    for tech in CAPACITY_TECHNOLOGIES:
        best = after.operator_best_cell.get((op, tech))
        if best is not None:
            b = best[rows, cols]
            area |= (b >= 0) & is_new[np.maximum(b, 0)]
    weight = people[area]
    if not weight.sum() > 0:
        return {"throughput_before_mbps": np.nan, "throughput_after_mbps": np.nan}

    def mean(cap: CapacityResult) -> float:
        rate = np.full(len(people), np.nan)
        for tech in reversed(CAPACITY_TECHNOLOGIES):  # the preferred technology where it serves
            values = cap.throughput.get(tech)
            if values is not None:
                here = values[rows, cols].astype(np.float64)
                rate = np.where(np.isfinite(here), here, rate)
        return round(float(np.average(np.nan_to_num(rate[area]), weights=weight)), 2)

    return {"throughput_before_mbps": mean(cap_before), "throughput_after_mbps": mean(cap_after)}


def _people_on_grid(inputs: Inputs, coverage: CoverageResult
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Populated cells as (row, col) of the coverage grid under their centres, and their people."""
    pop = inputs.population
    assert pop is not None, "capacity relief needs the population"
    col, row = (np.floor(v).astype(np.int64).ravel() for v in ~coverage.transform
                @ pop.cell_centres())
    people = pop.counts.ravel().astype(np.float64)
    shape = coverage.classes.shape
    keep = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1]) & (people > 0)
    return row[keep], col[keep], people[keep]
