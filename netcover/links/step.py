"""The link-planning step of a run: scenario inputs in, link plan files out.

Adapts :class:`~netcover.data.inputs.Inputs` to :func:`~netcover.links.plan.plan_links`: one row per mast
from the cell list, whose backhaul is taken as fibre when the mast stands within
:data:`SITE_ON_FIBRE_M` of an existing fibre route (the inventory has no backhaul column) and
unknown otherwise, so the planner connects it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.config.links import LinkSettings
from netcover.data.entities import missing_link_inputs
from netcover.data.sites import site_table
from netcover.links.output import write_link_plan
from netcover.links.plan import LinkPlan, plan_links

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs

__all__ = ["SITE_ON_FIBRE_M", "masts_with_backhaul", "plan_scenario_links", "run_links"]

#: A mast this close to an existing fibre route is taken to be on fibre (m).
SITE_ON_FIBRE_M = 200.0


def masts_with_backhaul(cells: gpd.GeoDataFrame, fibre_routes: gpd.GeoDataFrame | None
                        ) -> gpd.GeoDataFrame:
    """One row per mast with a ``backhaul`` column ("fibre" near existing fibre, else "unknown")."""
    masts = site_table(cells)
    masts["backhaul"] = "unknown"
    if fibre_routes is not None and len(fibre_routes):
        near = masts.geometry.distance(fibre_routes.geometry.union_all()) <= SITE_ON_FIBRE_M
        masts.loc[near, "backhaul"] = "fibre"
    return masts


def plan_scenario_links(inputs: Inputs, settings: LinkSettings, *,
                        candidates: gpd.GeoDataFrame | None = None) -> LinkPlan:
    """Plan links for a scenario's inputs (all of :func:`missing_link_inputs` present)."""
    import geopandas as gpd

    assert inputs.cells is not None and inputs.roads is not None
    assert inputs.network_points is not None and inputs.settlements is not None
    fibre = inputs.fibre_routes
    if fibre is None:
        fibre = gpd.GeoDataFrame({"route_id": []}, geometry=[], crs=inputs.crs)
    t = inputs.terrain
    return plan_links(inputs.roads, fibre, inputs.network_points,
                      masts_with_backhaul(inputs.cells, inputs.fibre_routes), inputs.settlements,
                      t.heights, t.origin_xy, t.cell_size, settings, candidates=candidates,
                      clutter=t.clutter_m)


@dataclass
class LinksRun:
    """What the link step made: the plan (None: skipped, the inputs lack a layer) and the files."""

    plan: LinkPlan | None
    files: list[Path] = field(default_factory=list)


def run_links(inputs: Inputs, folder: Path, say: Callable[[str], None], *,
              candidates: gpd.GeoDataFrame | None = None,
              previous: Path | None = None) -> LinksRun:
    """Plan links and write ``links.gpkg``, ``links_ranked.csv`` and hop profiles to ``folder``.

    ``previous``: the ``links`` folder of the run the new results replace; its hop profiles of
    unchanged hops are reused instead of drawn again (see
    :func:`~netcover.links.output.write_link_plan`).
    """
    missing = missing_link_inputs(inputs)
    if missing:
        say(f"Links: skipped (the scenario has no {', '.join(missing)})")
        return LinksRun(None)
    plan = plan_scenario_links(inputs, inputs.scenario.links, candidates=candidates)
    say(plan.summary())
    return LinksRun(plan, write_link_plan(plan, folder, previous=previous))
