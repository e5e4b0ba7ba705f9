"""Candidate microwave hops between towers, hilltops and offices, checked over the DEM.

A hop is kept when its link budget leaves at least the ``[links] fade_margin_db`` floor, that margin
gives the link class's availability under ITU-R P.530-18 (rain with the P.838-3 coefficients and the
scenario's R0.01, multipath for the hop's length, inclination and lower antenna height:
:func:`netcover.radio.p530.outage_percent`), and its path clears ``clearance_fraction`` of the
first Fresnel zone over a dense terrain profile (:func:`netcover.links.profiles.hop_terrain`) plus
the land cover's clutter heights and the earth bulge. Kept hops become graph edges whose cost is
equipment (plus half a relay mast for each hilltop end), not distance.

The checks run cheapest first: the budget of every pair, then the availability of all pairs left
(one vectorised P.530 evaluation), then the profile of the pairs still in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from netcover.config.links import LinkSettings
from netcover.errors import ModelError
from netcover.links.graph import NetworkGraph
from netcover.links.microwave import HopCheck, hop_climate, link_budget, min_clearance
from netcover.links.profiles import HopTerrain, check_clutter, hop_terrain
from netcover.radio._sampling import bilinear_height
from netcover.radio.p530 import outage_percent, required_fade_margins_db

__all__ = ["HopSet", "add_hop_edges", "check_hops", "hop_reason"]


@dataclass
class HopSet:
    """Every hop checked, and the terrain profile of each feasible one (keyed by end pair)."""

    checks: list[HopCheck] = field(default_factory=list)
    profiles: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    """(distance km, ground plus clutter m) of each feasible hop."""
    close: list[tuple[int, int, float]] = field(default_factory=list)
    """Pairs of ends closer than ``min_hop_m`` (a, b, distance km): joined by a drop cable."""
    terrain: dict[tuple[int, int], HopTerrain] = field(default_factory=dict)
    """The same profiles with ground and clutter apart (for the profile plots)."""

    def feasible(self) -> list[HopCheck]:
        """The hops that clear, meet the fade margin floor and reach the availability."""
        return [c for c in self.checks if c.feasible]

    def for_entity(self, i: int) -> list[HopCheck]:
        """The hops checked with entity ``i`` at either end."""
        return [c for c in self.checks if i in (c.a, c.b)]


def check_hops(entities: pd.DataFrame, dem: np.ndarray, origin_xy: tuple[float, float],
               cell_size_m: float, settings: LinkSettings, *,
               required_availability_pct: float | None = None,
               clutter: np.ndarray | None = None) -> HopSet:
    """Check every pair of hop ends within ``max_hop_km`` (pairs of two root ends are skipped).

    Parameters
    ----------
    entities : DataFrame
        The entity table (``x``, ``y``, ``hop_end``, ``role``, ``mast_m``).
    dem, origin_xy, cell_size_m
        The DEM (north-up, m), its upper-left corner and cell size.
    settings : LinkSettings
        ``settings.microwave`` (:class:`~netcover.config.microwave.MicrowaveSettings`) gives the
        climate, the profile method and the radio.
    required_availability_pct : float, optional
        Availability every hop must reach (% of the year): the link class's, e.g.
        ``settings.microwave.availability_office_pct`` for a government network. Default the
        stricter ``availability_backhaul_pct``.
    clutter : numpy.ndarray, optional
        Clutter heights above ground (m) on the DEM's grid (``Terrain.clutter_m``), added to the
        profile when ``settings.microwave.clutter`` is on.

    Returns
    -------
    HopSet
        Antenna heights are the ends' ``mast_m`` above the ground (bilinear) at the ends.
    """
    ms = settings.microwave
    required = (ms.availability_backhaul_pct if required_availability_pct is None
                else float(required_availability_pct))
    if not 0.0 < required < 100.0:
        msg = f"required_availability_pct = {required!r} must be between 0 and 100 (e.g. 99.99)"
        raise ModelError(msg)
    xy = entities[["x", "y"]].to_numpy(float)
    ends = np.nonzero(entities["hop_end"].to_numpy(bool)
                      & _inside(xy, dem.shape, origin_xy, cell_size_m))[0]
    hops = HopSet()
    if len(ends) < 2:
        return hops
    grid = np.ascontiguousarray(dem, dtype=np.float64)  # converted once, not once per profile
    above = check_clutter(clutter, grid.shape) if ms.clutter else None
    pairs, dist_km = _pairs(entities, xy, ends, settings, hops)
    margin = _margins(dist_km, settings)
    ground = _ground(grid, origin_xy, cell_size_m, xy)
    mast = entities["mast_m"].to_numpy(float)
    h_a = ground[pairs[:, 0]] + mast[pairs[:, 0]]
    h_b = ground[pairs[:, 1]] + mast[pairs[:, 1]]
    floor_ok = margin >= settings.fade_margin_db
    avail, need = _availability(margin, dist_km, h_a, h_b, floor_ok, required, settings)
    spare = margin - np.fmax(need, settings.fade_margin_db)  # NaN need: the floor alone
    for k, (a, b) in enumerate(pairs.tolist()):
        rated = dict(availability_pct=float(avail[k]), margin_needed_db=float(need[k]),
                     required_availability_pct=required if floor_ok[k] else np.nan,
                     capacity_mbps=ms.adaptive_capacity_mbps(float(spare[k])))
        check = HopCheck(a, b, float(dist_km[k]), np.nan, -1, float(margin[k]), False,
                         bool(floor_ok[k]), **rated)
        if check.budget_ok and check.available:
            terrain = _profile(grid, above, origin_xy, cell_size_m, xy[a], xy[b], settings)
            ratio, worst = min_clearance(terrain.d_km, terrain.h_m, mast[a], mast[b],
                                         settings.freq_ghz, settings.k_factor)
            check = HopCheck(a, b, float(dist_km[k]), ratio, worst, float(margin[k]),
                             ratio >= settings.clearance_fraction, True, **rated)
            if check.feasible:
                hops.profiles[(a, b)] = (terrain.d_km, terrain.h_m)
                hops.terrain[(a, b)] = terrain
        hops.checks.append(check)
    return hops


def _pairs(entities: pd.DataFrame, xy: np.ndarray, ends: np.ndarray, settings: LinkSettings,
           hops: HopSet) -> tuple[np.ndarray, np.ndarray]:
    """The (a < b) end pairs within ``max_hop_km`` that are hop candidates, and their lengths
    (km); pairs closer than ``min_hop_m`` go to ``hops.close``."""
    role = entities["role"].to_numpy()
    found = cKDTree(xy[ends]).query_pairs(settings.max_hop_km * 1e3, output_type="ndarray")
    if not len(found):
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    pairs = np.sort(ends[found], axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    pairs = pairs[~((role[pairs[:, 0]] == "root") & (role[pairs[:, 1]] == "root"))]
    dist_km = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) / 1e3
    close = (dist_km * 1e3 < settings.min_hop_m) | (dist_km == 0.0)
    hops.close.extend((int(a), int(b), float(d)) for (a, b), d in zip(pairs[close], dist_km[close],
                                                                      strict=True))
    return pairs[~close], dist_km[~close]


def _margins(dist_km: np.ndarray, settings: LinkSettings) -> np.ndarray:
    """Clear-air fade margin (dB) of each hop length, against the modulation's threshold (or
    ``[links] rx_threshold_dbm`` when given)."""
    threshold = (settings.microwave.threshold_dbm() if settings.rx_threshold_dbm is None
                 else settings.rx_threshold_dbm)
    return np.array([link_budget(float(d), settings.freq_ghz, tx_power_dbm=settings.tx_power_dbm,
                                 antenna_gain_dbi=settings.antenna_gain_dbi,
                                 misc_loss_db=settings.misc_loss_db, rx_threshold_dbm=threshold,
                                 water_vapour_g_m3=settings.water_vapour_g_m3).fade_margin_db
                     for d in dist_km], dtype=np.float64)


def _availability(margin: np.ndarray, dist_km: np.ndarray, h_a: np.ndarray, h_b: np.ndarray,
                  rated: np.ndarray, required: float, settings: LinkSettings,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """P.530 availability (%) of the ``rated`` hops with their margins and the margin the target
    needs (dB); NaN for the others."""
    avail = np.full(margin.shape, np.nan)
    need = np.full(margin.shape, np.nan)
    if rated.any():
        climate = hop_climate(settings.microwave)
        kw = dict(h_e_m=h_a[rated], h_r_m=h_b[rated], climate=climate)
        total = outage_percent(np.maximum(margin[rated], 0.0), dist_km[rated], settings.freq_ghz,
                               **kw)[3]
        avail[rated] = 100.0 - total
        need[rated] = required_fade_margins_db(required, dist_km[rated], settings.freq_ghz, **kw)
    return avail, need


def _ground(grid: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
            xy: np.ndarray) -> np.ndarray:
    """Bilinear ground height (m) at each point (NaN outside the DEM)."""
    rows = (origin_xy[1] - xy[:, 1]) / cell_size_m - 0.5
    cols = (xy[:, 0] - origin_xy[0]) / cell_size_m - 0.5
    inside = _inside(xy, grid.shape, origin_xy, cell_size_m)
    return np.array([bilinear_height(grid, r, c) if ok else np.nan
                     for r, c, ok in zip(rows, cols, inside, strict=True)], dtype=np.float64)


def _window(grid: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
            a: np.ndarray, b: np.ndarray, margin: int = 2,
            ) -> tuple[np.ndarray, tuple[float, float]]:
    """The DEM cells around the hop's bounding box (a view) and that window's origin.

    The profile sampler reads only the cells near the hop; handing it the window keeps the cost
    proportional to the hop, not to the district.
    """
    r0, r1, c0, c1 = _bounds(grid.shape, origin_xy, cell_size_m, a, b, margin)
    return grid[r0:r1, c0:c1], (origin_xy[0] + c0 * cell_size_m, origin_xy[1] - r0 * cell_size_m)


def _bounds(shape: tuple[int, ...], origin_xy: tuple[float, float], cell_size_m: float,
            a: np.ndarray, b: np.ndarray, margin: int = 2) -> tuple[int, int, int, int]:
    """Rows r0:r1 and columns c0:c1 of the cells around the hop's bounding box."""
    x0, y0 = origin_xy
    c0 = max(int(np.floor((min(a[0], b[0]) - x0) / cell_size_m)) - margin, 0)
    c1 = min(int(np.ceil((max(a[0], b[0]) - x0) / cell_size_m)) + margin, shape[1])
    r0 = max(int(np.floor((y0 - max(a[1], b[1])) / cell_size_m)) - margin, 0)
    r1 = min(int(np.ceil((y0 - min(a[1], b[1])) / cell_size_m)) + margin, shape[0])
    return r0, r1, c0, c1


def _profile(grid: np.ndarray, above: np.ndarray | None, origin_xy: tuple[float, float],
             cell_size_m: float, a: np.ndarray, b: np.ndarray, settings: LinkSettings
             ) -> HopTerrain:
    """The hop's terrain (and clutter) profile, read from the window of the grids around it."""
    r0, r1, c0, c1 = _bounds(grid.shape, origin_xy, cell_size_m, a, b)
    w_origin = (origin_xy[0] + c0 * cell_size_m, origin_xy[1] - r0 * cell_size_m)
    return hop_terrain(grid[r0:r1, c0:c1], w_origin, cell_size_m, (a[0], a[1]), (b[0], b[1]),
                       method=settings.microwave.profile,
                       samples_per_cell=settings.microwave.samples_per_cell,
                       clutter=None if above is None else above[r0:r1, c0:c1])


def _inside(xy: np.ndarray, shape: tuple[int, ...], origin_xy: tuple[float, float],
            cell_size_m: float) -> np.ndarray:
    """Points inside the DEM's extent (hop ends outside it cannot be profiled)."""
    x0, y0 = origin_xy
    x1, y1 = x0 + shape[1] * cell_size_m, y0 - shape[0] * cell_size_m
    return (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y1) & (xy[:, 1] <= y0)


def add_hop_edges(net: NetworkGraph, entities: pd.DataFrame, hops: HopSet,
                  settings: LinkSettings, *, skip: Collection[frozenset[str]] = ()) -> int:
    """Add each feasible hop as a ``microwave`` edge between its ends' nodes; return how many.

    Ends closer than ``min_hop_m`` get a ``last_mile`` drop cable between them instead. ``skip``:
    hops left out, each the set of its two ends' entity keys (hops a plan found too small for the
    demand behind them).
    """
    keys = entities["key"].astype(str).to_numpy()
    extra = entities["extra_cost"].to_numpy(float)
    for a, b, km in hops.close:
        net.graph.add_edge(net.entity_node[a], net.entity_node[b], length_km=km, kind="last_mile",
                           cost=km * settings.last_mile_cost_per_km, road_class="")
    n = 0
    for c in hops.feasible():
        if frozenset((keys[c.a], keys[c.b])) in skip:
            continue
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
    text = f"no microwave hop clears ({len(checks)} checked within {settings.max_hop_km:g} km"
    cleared = [c.clearance_ratio for c in checks if c.budget_ok and c.available]
    rated = [c for c in checks if c.budget_ok]
    if cleared:
        text += (f"; best clearance {max(cleared):.2f} of F1, needs "
                 f"{settings.clearance_fraction:g}")
    elif rated:
        best = max(rated, key=lambda c: c.availability_pct)
        text += f"; best availability {best.availability_text()}"
    else:
        text += (f"; best fade margin {max(c.fade_margin_db for c in checks):.1f} dB, needs "
                 f"{settings.fade_margin_db:g} dB")
    return text + ")"
