"""Candidate microwave hops between towers, hilltops and offices, checked over the DEM.

A hop is kept when its path clears ``clearance_fraction`` of the first Fresnel zone over terrain plus
earth bulge and its link budget leaves the required fade margin. Kept hops become graph edges whose
cost is equipment (plus half a relay mast for each hilltop end), not distance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from netcover.config.links import LinkSettings
from netcover.links.graph import NetworkGraph
from netcover.links.microwave import HopCheck, link_budget, min_clearance

__all__ = ["HopSet", "add_hop_edges", "check_hops", "hop_reason"]


@dataclass
class HopSet:
    """Every hop checked, and the terrain profile of each feasible one (keyed by end pair)."""

    checks: list[HopCheck] = field(default_factory=list)
    profiles: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    close: list[tuple[int, int, float]] = field(default_factory=list)
    """Pairs of ends closer than ``min_hop_m`` (a, b, distance km): joined by a drop cable."""

    def feasible(self) -> list[HopCheck]:
        """The hops that clear and meet the fade margin."""
        return [c for c in self.checks if c.feasible]

    def for_entity(self, i: int) -> list[HopCheck]:
        """The hops checked with entity ``i`` at either end."""
        return [c for c in self.checks if i in (c.a, c.b)]


def check_hops(entities: pd.DataFrame, dem: np.ndarray, origin_xy: tuple[float, float],
               cell_size_m: float, settings: LinkSettings) -> HopSet:
    """Check every pair of hop ends within ``max_hop_km`` (pairs of two root ends are skipped).

    The terrain profile comes from :func:`netcover.radio.area.profile_between`; antenna
    heights are the ends' ``mast_m`` above the profile's first and last ground heights.
    """
    from netcover.radio.area import profile_between

    xy = entities[["x", "y"]].to_numpy(float)
    ends = np.nonzero(entities["hop_end"].to_numpy(bool)
                      & _inside(xy, dem.shape, origin_xy, cell_size_m))[0]
    hops = HopSet()
    if len(ends) < 2:
        return hops
    grid = np.ascontiguousarray(dem, dtype=np.float64)  # converted once, not once per profile
    role = entities["role"].to_numpy()
    mast = entities["mast_m"].to_numpy(float)
    pairs = cKDTree(xy[ends]).query_pairs(settings.max_hop_km * 1e3, output_type="ndarray")
    for i, j in ends[pairs] if len(pairs) else []:
        a, b = (int(i), int(j)) if i < j else (int(j), int(i))
        if role[a] == "root" and role[b] == "root":
            continue
        dist_km = float(np.hypot(*(xy[a] - xy[b]))) / 1e3
        if dist_km * 1e3 < settings.min_hop_m or dist_km == 0.0:
            hops.close.append((a, b, dist_km))
            continue
        budget = link_budget(dist_km, settings.freq_ghz, tx_power_dbm=settings.tx_power_dbm,
                             antenna_gain_dbi=settings.antenna_gain_dbi,
                             misc_loss_db=settings.misc_loss_db,
                             rx_threshold_dbm=settings.rx_threshold_dbm,
                             water_vapour_g_m3=settings.water_vapour_g_m3)
        budget_ok = budget.fade_margin_db >= settings.fade_margin_db
        if not budget_ok:
            hops.checks.append(HopCheck(a, b, dist_km, np.nan, -1, budget.fade_margin_db,
                                        False, False))
            continue
        window, w_origin = _window(grid, origin_xy, cell_size_m, xy[a], xy[b])
        d_km, h_m = profile_between(window, w_origin, cell_size_m, tuple(xy[a]), tuple(xy[b]),
                                    step_m=None)
        ratio, worst = min_clearance(d_km, h_m, mast[a], mast[b], settings.freq_ghz,
                                     settings.k_factor)
        clears = ratio >= settings.clearance_fraction
        check = HopCheck(a, b, dist_km, ratio, worst, budget.fade_margin_db, clears, True)
        hops.checks.append(check)
        if check.feasible:
            hops.profiles[(a, b)] = (np.asarray(d_km, float), np.asarray(h_m, float))
    return hops


def _window(grid: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
            a: np.ndarray, b: np.ndarray, margin: int = 2,
            ) -> tuple[np.ndarray, tuple[float, float]]:
    """The DEM cells around the hop's bounding box (a view) and that window's origin.

    The profile sampler checks the whole grid it is given on every call; handing it only the
    window the hop crosses keeps that check proportional to the hop, not to the district.
    """
    x0, y0 = origin_xy
    c0 = max(int(np.floor((min(a[0], b[0]) - x0) / cell_size_m)) - margin, 0)
    c1 = min(int(np.ceil((max(a[0], b[0]) - x0) / cell_size_m)) + margin, grid.shape[1])
    r0 = max(int(np.floor((y0 - max(a[1], b[1])) / cell_size_m)) - margin, 0)
    r1 = min(int(np.ceil((y0 - min(a[1], b[1])) / cell_size_m)) + margin, grid.shape[0])
    return grid[r0:r1, c0:c1], (x0 + c0 * cell_size_m, y0 - r0 * cell_size_m)


def _inside(xy: np.ndarray, shape: tuple[int, ...], origin_xy: tuple[float, float],
            cell_size_m: float) -> np.ndarray:
    """Points inside the DEM's extent (hop ends outside it cannot be profiled)."""
    x0, y0 = origin_xy
    x1, y1 = x0 + shape[1] * cell_size_m, y0 - shape[0] * cell_size_m
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y1) & (xy[:, 1] <= y0)


def add_hop_edges(net: NetworkGraph, entities: pd.DataFrame, hops: HopSet,
                  settings: LinkSettings) -> int:
    """Add each feasible hop as a ``microwave`` edge between its ends' nodes; return how many.

    Ends closer than ``min_hop_m`` get a ``last_mile`` drop cable between them instead.
    """
    extra = entities["extra_cost"].to_numpy(float)
    for a, b, km in hops.close:
        net.graph.add_edge(net.entity_node[a], net.entity_node[b], length_km=km, kind="last_mile",
                           cost=km * settings.last_mile_cost_per_km, road_class="")
    n = 0
    for c in hops.feasible():
        u, v = net.entity_node[c.a], net.entity_node[c.b]
        cost = settings.hop_equipment_cost + 0.5 * (extra[c.a] + extra[c.b])
        old = net.graph.get_edge_data(u, v)
        if old is not None and old["cost"] <= cost:
            continue
        net.graph.add_edge(u, v, cost=cost, length_km=c.distance_km, kind="microwave",
                           road_class="", hop=(c.a, c.b))
        n += 1
    return n


def hop_reason(i: int, hops: HopSet, settings: LinkSettings) -> str:
    """Why entity ``i`` has no usable microwave hop, for the unreachable report."""
    checks = hops.for_entity(i)
    if not checks:
        return f"no tower, hilltop or office within {settings.max_hop_km:g} km for a hop"
    feasible = [c for c in checks if c.feasible]
    if feasible:
        return (f"{len(feasible)} hop(s) clear, but only to places that are not connected "
                "either")
    margins = [c.fade_margin_db for c in checks]
    cleared = [c.clearance_ratio for c in checks if c.budget_ok]
    text = f"no microwave hop clears ({len(checks)} checked within {settings.max_hop_km:g} km"
    if cleared:
        text += (f"; best clearance {max(cleared):.2f} of F1, needs "
                 f"{settings.clearance_fraction:g}")
    else:
        text += (f"; best fade margin {max(margins):.1f} dB, needs "
                 f"{settings.fade_margin_db:g} dB")
    return text + ")"
