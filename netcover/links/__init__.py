"""Ranked fibre and microwave links connecting offices, sites and villages to the network.

Public API
----------
- :class:`LinkSettings`: costs (plan currency, VND by default; cost table and demand in
  ``LinkSettings.costs``), radio parameters, what must be connected.
- :func:`plan_links`: GeoDataFrames + DEM -> :class:`LinkPlan` (links layer, ranked table,
  unreachable terminals with reasons, total / naive cost and saving, :meth:`LinkPlan.summary`).
- :func:`write_link_plan`: ``links.gpkg``, ``links_ranked.csv``, ``hop_profiles/*.png``.
- Numeric cores for reuse and tests: :func:`min_clearance`, :func:`link_budget`,
  :func:`steiner_plan`, :func:`contract_root`, :func:`rank_links`, :func:`assign_phases`,
  :func:`subtree_sums` (what a link unlocks), :func:`phase_summary` (cost and reach per phase).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.config.links import LinkSettings
    from netcover.links.microwave import (
        LinkBudget,
        earth_bulge_m,
        free_space_loss_db,
        fresnel_radius_m,
        gaseous_specific_db_per_km,
        link_budget,
        min_clearance,
    )
    from netcover.links.output import write_link_plan
    from netcover.links.plan import LinkPlan, Unreachable, plan_links
    from netcover.links.plan_tables import HopProfile
    from netcover.links.ranking import assign_phases, phase_summary, rank_links, subtree_sums
    from netcover.links.steiner import ROOT, SteinerResult, contract_root, split_links, steiner_plan

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "LinkSettings": "netcover.config.links",
    "LinkBudget": "netcover.links.microwave",
    "earth_bulge_m": "netcover.links.microwave",
    "free_space_loss_db": "netcover.links.microwave",
    "fresnel_radius_m": "netcover.links.microwave",
    "gaseous_specific_db_per_km": "netcover.links.microwave",
    "link_budget": "netcover.links.microwave",
    "min_clearance": "netcover.links.microwave",
    "write_link_plan": "netcover.links.output",
    "HopProfile": "netcover.links.plan_tables",
    "LinkPlan": "netcover.links.plan",
    "Unreachable": "netcover.links.plan",
    "plan_links": "netcover.links.plan",
    "assign_phases": "netcover.links.ranking",
    "phase_summary": "netcover.links.ranking",
    "rank_links": "netcover.links.ranking",
    "subtree_sums": "netcover.links.ranking",
    "ROOT": "netcover.links.steiner",
    "SteinerResult": "netcover.links.steiner",
    "contract_root": "netcover.links.steiner",
    "split_links": "netcover.links.steiner",
    "steiner_plan": "netcover.links.steiner",
}

__all__ = [
    "ROOT", "HopProfile", "LinkBudget", "LinkPlan", "LinkSettings", "SteinerResult", "Unreachable",
    "assign_phases", "contract_root", "earth_bulge_m", "free_space_loss_db", "fresnel_radius_m",
    "gaseous_specific_db_per_km", "link_budget", "min_clearance", "phase_summary", "plan_links", "rank_links",
    "split_links", "steiner_plan", "subtree_sums", "write_link_plan",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
