"""The options a terminal may take alone (a subscription), and why the others are refused.

A terminal not connected by the network may take a standalone subscription: cellular (4G fixed
wireless, in good 4G coverage of the coverage step), GEO VSAT or LEO satellite
(:data:`~netcover.config.link_costs.STANDALONE`). :func:`standalone_options` lists, per terminal,
those that meet its demand (Mbps, :func:`terminal_demand`) and its required availability, with
their net present cost; the others are refused, each with its reason (:func:`refusals`; cellular:
:func:`cellular_refusal`, on the terminal's 4G level and busy-hour 4G throughput). What a plan
reads of the throughputs is :func:`throughput_decisions`. The choice between the network and these
options is :mod:`netcover.links.technology`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from netcover.config.link_costs import STANDALONE, LinkCosts, annuity_factor

__all__ = ["cellular_refusal", "refusals", "standalone_options", "terminal_demand",
           "throughput_decisions"]


def terminal_demand(entities: pd.DataFrame, costs: LinkCosts) -> np.ndarray:
    """Demand (Mbps) of each entity from its category (``[links.costs.demand]``)."""
    return np.array([costs.demand.of(str(c)) for c in entities["category"]], dtype=float)


def standalone_options(entities: pd.DataFrame, rows: list[int], costs: LinkCosts, *,
                       rsrp_dbm: Mapping[str, float] | None = None,
                       required_availability: Callable[[str], float] | None = None,
                       cell_mbps: Mapping[str, float] | None = None,
                       ) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Every standalone option of the entities ``rows`` that meets demand and availability.

    Cellular needs the terminal's 4G level (``rsrp_dbm`` by entity key) at least
    ``cellular_min_rsrp_dbm`` and, where the coverage step's busy-hour user throughput at the
    terminal is known (``cell_mbps`` by entity key), at least the terminal's demand there; it is
    not offered to BTS sites (a site's backhaul does not ride on a
    cell); villages get none unless ``standalone_villages``. ``required_availability(category)``
    gives the availability (%) an option must reach (None: no requirement).

    Returns
    -------
    DataFrame
        One row per (entity, option) offered: ``entity``, ``technology``, ``capex``,
        ``opex_per_year``, ``npv``, ``max_mbps``, ``availability_pct``, cheapest first per entity.
    dict
        Per entity, the options refused and why.
    """
    demand = terminal_demand(entities, costs)
    factor = annuity_factor(costs.discount_rate, costs.years)
    offered: list[dict[str, object]] = []
    refused: dict[int, list[str]] = {}
    for i in rows:
        why = refusals(entities.iloc[i], float(demand[i]), costs, rsrp_dbm, required_availability,
                        cell_mbps)
        refused[i] = [f"{t}: {w}" for t, w in why.items() if w]
        for tech in (t for t in STANDALONE if not why.get(t)):
            capex = float(getattr(costs, f"{tech}_capex"))
            opex = 12.0 * float(getattr(costs, f"{tech}_fee_per_month"))
            offered.append({"entity": i, "technology": tech, "capex": capex, "opex_per_year": opex,
                            "npv": capex + opex * factor,
                            "max_mbps": float(getattr(costs, f"{tech}_max_mbps")),
                            "availability_pct": float(getattr(costs, f"{tech}_availability_pct"))})
    table = pd.DataFrame(offered, columns=["entity", "technology", "capex", "opex_per_year", "npv",
                                           "max_mbps", "availability_pct"])
    return table.sort_values(["entity", "npv"], kind="stable").reset_index(drop=True), refused


def refusals(row: pd.Series, demand: float, costs: LinkCosts,
              rsrp_dbm: Mapping[str, float] | None,
              required: Callable[[str], float] | None,
              cell_mbps: Mapping[str, float] | None = None) -> dict[str, str]:
    """Why each standalone technology is refused for one entity ("" where it is offered)."""
    category = str(row["category"])
    need = required(category) if required is not None else None
    out: dict[str, str] = {}
    for tech in STANDALONE:
        limit = float(getattr(costs, f"{tech}_max_mbps"))
        avail = float(getattr(costs, f"{tech}_availability_pct"))
        if tech not in costs.technologies:
            out[tech] = "not in [links.costs] technologies"
        elif category == "village" and not costs.standalone_villages:
            out[tech] = "villages are connected by the network (standalone_villages = false)"
        elif demand > limit:
            out[tech] = f"demand {demand:g} Mbps > {limit:g} Mbps"
        elif need is not None and avail < need:
            out[tech] = f"availability {avail:g}% < {need:g}% required"
        else:
            out[tech] = ""
    if not out["cellular"]:
        out["cellular"] = cellular_refusal(row, category, costs, rsrp_dbm, demand, cell_mbps)
    return out


def cellular_refusal(row: pd.Series, category: str, costs: LinkCosts,
                      rsrp_dbm: Mapping[str, float] | None, demand: float = 0.0,
                      cell_mbps: Mapping[str, float] | None = None) -> str:
    if category in ("site", "candidate"):
        return "a BTS site is not backhauled over a cell"
    level = (rsrp_dbm or {}).get(str(row["key"]))
    if level is None or not math.isfinite(level):
        return "no 4G coverage given for the terminal"
    if level < costs.cellular_min_rsrp_dbm:
        return f"4G level {level:.0f} dBm < {costs.cellular_min_rsrp_dbm:g} dBm"
    mbps = (cell_mbps or {}).get(str(row["key"]))
    if mbps is not None and math.isfinite(mbps) and mbps < demand:
        return f"busy-hour 4G throughput there {mbps:.1f} Mbps < demand {demand:g} Mbps"
    return ""


def throughput_decisions(cell_mbps: Mapping[str, float], costs: LinkCosts
                         ) -> dict[str, tuple[str, list[bool]] | None]:
    """All a plan reads of each terminal's busy-hour 4G throughput (``cell_mbps`` by entity key):
    its text to 0.1 Mbps and whether it is below each demand figure of ``[links.costs.demand]``
    (:func:`cellular_refusal` reads nothing else); None where it is not finite. Throughputs with
    the same decisions give the same plan (:mod:`netcover.links.reuse` keys on them)."""
    demands = sorted({float(v) for v in vars(costs.demand).values()})
    return {str(k): (f"{float(v):.1f}", [float(v) < d for d in demands])
            if math.isfinite(v) else None for k, v in cell_mbps.items()}
