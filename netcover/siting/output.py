"""Writing gaps, the site plan and proposal scores: GeoPackage layers, CSV tables, a Markdown summary.

Layout of the siting folder (``siting/`` of a run):

- ``siting.gpkg`` layers ``gaps`` (polygons), ``candidates`` and ``new_sites`` (points, ranked);
- ``gaps.csv``, ``candidates.csv``, ``site_plan.csv`` (ranked), ``coverage_after_plan.csv`` (per
  unit), ``site_plan.md`` (what the solver did and the ranked sites).

and of an evaluation folder: ``proposals.gpkg`` (layers ``proposals``, ``better_places``,
``moves``), ``proposals_scored.csv``, ``proposals.md``. Every write is atomic.

The better-place columns of ``proposals_scored.csv`` (``better_*``, ``extra_people``, ``advice``)
are the best of the places the search tried (:mod:`netcover.siting.better`); the file's last
column ``better_search`` (a constant record column) and a line of ``proposals.md`` say which
search ran: coarse to fine with its steps, or every place, and how many places were tried.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.core.files import by_key
from netcover.core.textformat import markdown_table
from netcover.siting.candidates import candidate_table
from netcover.siting.market import market_record

if TYPE_CHECKING:
    from netcover.siting.plan import SitePlan, SitingProblem
    from netcover.siting.proposals import ProposalScores

__all__ = [
    "SHORT_COLUMNS", "access_text", "gap_table", "plan_lines", "proposals_text", "readable_ranking",
    "summary_text", "target_text", "write_plan", "write_proposals",
]

#: Columns of the ranked table shown in the Markdown summary and on the console.
SHORT_COLUMNS = ("rank", "candidate_id", "commune", "lon", "lat", "new_people",
                 "cumulative_share_covered", "cost", "cost_per_new_person", "gaps_closed")


def gap_table(problem: SitingProblem) -> pd.DataFrame:
    """The gaps as a plain table (no geometry), ranked, then the "scattered" row: people below
    the usable class in no gap area (:func:`~netcover.siting.gaps.scattered_row`)."""
    from netcover.siting.gaps import scattered_row

    table = pd.DataFrame(problem.gaps.drop(columns="geometry"))
    counts = [c for c in table.columns if c in ("rank", "cells", "villages")
              or (c.endswith("s") and str(table[c].dtype).startswith("int"))]
    rest = pd.DataFrame([scattered_row(problem.demand, table)])
    out = pd.concat([table, rest], ignore_index=True) if len(table) else rest.reindex(
        columns=[*table.columns, *[c for c in rest.columns if c not in table.columns]])
    return out.astype({c: "Int64" for c in counts})


def plan_lines(plan: SitePlan, limit: int = 10) -> list[str]:
    """Readable lines: "site 1 (C0042, Quyết Tiến) adds 2,340 people, ...", at most ``limit``."""
    lines = []
    for rec in plan.ranked.head(limit).to_dict("records"):
        more = "" if rec["rank"] == 1 else " more"
        lines.append(f"site {rec['rank']} ({rec['candidate_id']}, "
                     f"{rec['commune'] or 'outside the units'}) adds {rec['new_people']:,.0f}{more} "
                     f"people for {rec['cost']:,.0f} USD; {rec['cumulative_share_covered']:.1%} "
                     "covered")
    return lines


def access_text(access_from: str) -> str:
    """The sentence saying that candidates were placed and costed without a roads layer."""
    head = "no roads layer: candidates are not limited to places near a road, and their access road"
    if access_from == "nothing":
        return f"{head} is not costed (nothing to measure it from)"
    return f"{head} is costed from the straight-line distance to the nearest of the {access_from}"


def summary_text(plan: SitePlan) -> str:
    """The Markdown summary of a plan."""
    s = plan.summary
    head = [
        "# Site plan", "",
        f"- objective: {s['objective']}; solver: {s['message']}",
        f"- demand: {s['people_uncovered_before']:,} uncovered people in {s['demand_cells']:,} "
        f"cells, {s['gaps']:,} gap areas; {s['candidates']:,} candidates",
        f"- covered before: {s['share_covered_before']:.2%}; after: {s['share_covered_after']:.2%} "
        f"with {s['new_sites']} new sites costing {s['total_cost']:,} USD",
    ]
    if s.get("access") == "straight_line":
        head.append(f"- {access_text(s['access_from'])}")
    if (target := target_text(s)):
        head.append(f"- {target}")
    return "\n".join([*head, "", markdown_table(readable_ranking(plan.ranked)), ""])


def target_text(summary: dict[str, Any]) -> str:
    """What a plan with ``objective="target"`` reached ("" when it reached its target or has
    another objective): the target missed with the candidates available, or reached on the
    screening grid only (the full-resolution share below it)."""
    if summary.get("objective") != "target" or summary.get("target_reached", True):
        return ""
    target = float(summary["target_share"])
    if not summary["feasible"]:
        return (f"the target ({target:.1%} of people covered) was NOT reached with the candidates "
                "available")
    after = float(summary["share_covered_after"])
    short = (target - after) * float(summary["people"])
    return (f"the target ({target:.1%} of people covered) was reached on the screening grid "
            f"only: at full resolution the plan covers {after:.2%}, about {short:,.0f} people "
            "short (the screening grid counts whole cells); raise target_share or add a site")


def readable_ranking(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked table's main columns with coordinates to 5 decimals and shares in percent."""
    table = ranked[[c for c in SHORT_COLUMNS if c in ranked.columns]].copy()
    for c in ("lon", "lat"):
        table[c] = [f"{v:.5f}" for v in table[c]]
    table["cumulative_share_covered"] = [f"{v:.1%}" for v in table["cumulative_share_covered"]]
    return table.rename(columns={"cumulative_share_covered": "covered_after"})


def write_plan(plan: SitePlan, folder: Path, *, gaps: pd.DataFrame | None = None) -> list[Path]:
    """Write a plan's layers and tables into ``folder``; return the paths written.

    ``gaps``: the plan's :func:`gap_table` when the caller has it already.
    """
    problem = plan.problem
    new_sites = problem.candidates.iloc[plan.result.chosen][["geometry"]].reset_index(drop=True)
    new_sites = new_sites.join(plan.ranked)
    cands = problem.candidates.drop(columns=["x", "y"])
    record = coverage_record(problem)
    files = [by_key("siting_gpkg").write(folder, {"gaps": problem.gaps, "candidates": cands,
                                                  "new_sites": new_sites}, record=record),
             by_key("gaps").write(folder, gaps if gaps is not None else gap_table(problem),
                                  record=record),
             by_key("candidates").write(folder, candidate_table(problem.candidates)),
             by_key("site_plan").write(folder, plan.ranked, record=record)]
    if plan.by_unit is not None:
        files.append(by_key("coverage_after_plan").write(folder, plan.by_unit, record=record))
    files.append(by_key("site_plan_md").write(folder, summary_text(plan)))
    return files


def proposals_text(scores: ProposalScores) -> str:
    """The Markdown summary of proposal scores."""
    cols = ["proposal_id", "operator", "purpose", "new_people", "new_people_own",
            "new_households", "overlap_share", "cost_per_new_person", "nearest_site",
            "nearest_site_m", "gaps_closed", "verdict", "advice"]
    table = scores.table[[c for c in cols if c in scores.table.columns]].copy()
    table["overlap_share"] = [f"{v:.0%}" for v in table["overlap_share"]]
    c = scores.combined
    search = scores.search_text()
    return "\n".join([
        "# Site proposals", "",
        "New people at full resolution, against every operator's coverage (`new_people`) and "
        "against the proposer's own (`new_people_own`); the verdict's reasons, the capacity "
        "relief and sharing are in proposals_scored.csv.", "", markdown_table(table), "",
        f"All {c['proposals']} proposals together newly cover {c['new_people']:,.0f} people "
        f"({_households(c['new_households'])}); {c['overlap_between_proposals_people']:,.0f} of "
        "the people they reach one by one are reached by more than one proposal. Share covered: "
        f"{c['share_covered_before']:.2%} before, {c['share_covered_after']:.2%} after.", "",
        *([f"{search[0].upper()}{search[1:]}.", ""] if search else [])])


def _households(value: float) -> str:
    return "households: no data" if value != value else f"{value:,.0f} households"


def write_proposals(problem: SitingProblem, scores: ProposalScores, folder: Path) -> list[Path]:
    """Write proposal scores into ``folder``; return the paths written."""
    import geopandas as gpd
    from shapely import LineString

    crs = problem.inputs.crs
    t = scores.table
    points = gpd.GeoDataFrame(t, geometry=gpd.points_from_xy(t["lon"], t["lat"]),
                              crs="EPSG:4326").to_crs(crs)
    b = scores.better
    moved = b[b["proposal_id"].isin(t.loc[t["extra_people"] > 0, "proposal_id"])]
    better = gpd.GeoDataFrame(moved, geometry=gpd.points_from_xy(moved["x"], moved["y"]), crs=crs)
    starts = points.set_index("proposal_id").geometry
    lines = [LineString([starts[pid], (x, y)])
             for pid, x, y in zip(moved["proposal_id"], moved["x"], moved["y"], strict=True)]
    moves = gpd.GeoDataFrame(moved[["proposal_id", "advice"]].reset_index(drop=True),
                             geometry=lines, crs=crs)
    combined = pd.DataFrame([_flat(scores.combined)])
    return [by_key("proposals_gpkg").write(folder, {"proposals": points, "better_places": better,
                                                    "moves": moves}),
            by_key("proposals_scored").write(folder, t, record={**(_search_record(scores) or {}),
                                                                **market_record(problem),
                                                                **coverage_record(problem)}),
            by_key("proposals_combined").write(folder, combined),
            by_key("proposals_md").write(folder, proposals_text(scores))]


def coverage_record(problem: SitingProblem) -> dict[str, object]:
    """What the people figures of a plan or of proposals assume (the coverage step's
    ``assumed_*`` columns: model, diffraction, service level and location probability, land cover,
    calibration), for the siting tables' records: the median level (outdoor, 50% of locations),
    that of the class raster the gaps are measured on."""
    from netcover.config.service import MEDIAN_SERVICE
    from netcover.coverage.assumptions import Assumptions

    return Assumptions.of_inputs(problem.inputs, service=MEDIAN_SERVICE).csv_columns()


def _search_record(scores: ProposalScores) -> dict[str, object] | None:
    """The ``better_search`` column of ``proposals_scored.csv`` (None when the search is unknown)."""
    text = scores.search_text()
    return {"better_search": text} if text else None


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in values.items()}
