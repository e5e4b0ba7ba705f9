"""BTS sites and their cells (``sites.csv``): 47 sites of three operators, one row per cell.

Sites are picked greedily on a coverage proxy (a village counts as served by a candidate if it lies
within ``_RANGE_NEAR_M``, or within ``_RANGE_LOS_M`` with a clear line of sight from the tower top),
weighted by village population. Candidates are local high points within ``_ACCESS_M`` of a national,
provincial or commune road (towers need access), so villages reached only by long tracks behind
hills stay unserved: the gaps the coverage tool must find. Each operator first puts a site near the
town and commune centres it serves, then fills in greedily.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage

from netcover.data.sites import SITE_COLUMNS
from netcover.samplegen.facts import COMMUNES, N_BTS_SITES
from netcover.samplegen.grid import FloatArray, Grid, stream, to_lonlat, to_utm

__all__ = ["OPERATORS", "Operator", "cells_table", "place_sites"]

_LAYER = 7
_RANGE_NEAR_M = 2_500.0
_RANGE_LOS_M = 7_000.0
_ACCESS_M = 1_500.0
_MAST_M = 35.0


@dataclass(frozen=True)
class Operator:
    """An operator's share of the sites and the layers it runs.

    Attributes
    ----------
    name, prefix : str
        Operator name and site-id prefix.
    n_sites : int
        Number of sites.
    n_centres : int
        How many commune centres (largest first, town included) get a site before greedy filling.
    p_l09, p_u21 : float
        Share of sites with an LTE band 8 layer and with a 3G (2100 MHz) layer.
    """

    name: str
    prefix: str
    n_sites: int
    n_centres: int
    p_l09: float
    p_u21: float


OPERATORS = (
    Operator("Viettel", "VTL", 22, 13, 0.6, 0.45),
    Operator("VNPT", "VNP", 14, 8, 0.3, 0.6),
    Operator("MobiFone", "MBF", 11, 5, 0.2, 0.5),
)


def _candidates(grid: Grid, elevation: FloatArray, label: NDArray[np.int64],
                road_dist: FloatArray) -> NDArray[np.intp]:
    """Flat indices of candidate cells: local highs near a main road, in or near the district."""
    local = ndimage.uniform_filter(elevation, size=15)
    prominence = elevation - local
    ok = (label >= 0) & (road_dist < _ACCESS_M) & (prominence > 5.0)
    peaks = elevation == ndimage.maximum_filter(elevation, size=5)
    return np.flatnonzero((ok & peaks).ravel())


def _served(grid: Grid, elevation: FloatArray, cand: NDArray[np.intp],
            vx: FloatArray, vy: FloatArray) -> NDArray[np.bool_]:
    """(candidates, villages) matrix of the coverage proxy."""
    cr, cc = np.divmod(cand, grid.nx)
    cx, cy = grid.xy(cr, cc)
    ch = elevation.ravel()[cand] + _MAST_M
    vh = grid.sample(elevation, vx, vy) + 2.0
    t = np.linspace(0.05, 0.95, 24)
    out = np.zeros((len(cand), len(vx)), dtype=bool)
    for i in range(len(cand)):
        d = np.hypot(vx - cx[i], vy - cy[i])
        px = cx[i] + np.outer(t, vx - cx[i])
        py = cy[i] + np.outer(t, vy - cy[i])
        ground = grid.sample(elevation, px, py)
        line = ch[i] + np.outer(t, vh - ch[i])
        clear = np.all(ground < line - 5.0, axis=0)
        out[i] = (d < _RANGE_NEAR_M) | ((d < _RANGE_LOS_M) & clear)
    return out


def place_sites(grid: Grid, elevation: FloatArray, label: NDArray[np.int64],
                road_dist: FloatArray, settlements: gpd.GeoDataFrame, seed: int
                ) -> pd.DataFrame:
    """Choose the 47 site locations (one row per site: operator, site_id, x, y, served share)."""
    rng = stream(seed, _LAYER)
    cand = _candidates(grid, elevation, label, road_dist)
    vx = settlements.geometry.x.to_numpy()
    vy = settlements.geometry.y.to_numpy()
    pop = settlements["population"].to_numpy(float)
    served = _served(grid, elevation, cand, vx, vy)
    cr, cc = np.divmod(cand, grid.nx)
    cx, cy = grid.xy(cr, cc)
    seats = sorted(COMMUNES, key=lambda c: (not c.is_town, -c.census_old))
    rows = []
    used: list[tuple[float, float]] = []
    for op in OPERATORS:
        covered = np.zeros(len(vx), dtype=bool)
        chosen: list[int] = []
        for com in seats[: op.n_centres]:
            sx, sy = to_utm(com.lon, com.lat)
            near = np.flatnonzero(np.hypot(cx - sx, cy - sy) < 1_800.0)
            if len(near) == 0:
                near = np.array([int(np.argmin(np.hypot(cx - sx, cy - sy)))])
            gain = served[near][:, ~covered] @ pop[~covered]
            chosen.append(int(near[int(np.argmax(gain))]))
            covered |= served[chosen[-1]]
        while len(chosen) < op.n_sites:
            gain = served[:, ~covered] @ pop[~covered]
            gain[chosen] = -1.0
            chosen.append(int(np.argmax(gain)))
            covered |= served[chosen[-1]]
        for k, j in enumerate(chosen):
            x, y = float(cx[j]), float(cy[j])
            while any(np.hypot(x - a, y - b) < 25.0 for a, b in used):
                x += float(rng.uniform(-60.0, 60.0))
                y += float(rng.uniform(-60.0, 60.0))
            used.append((x, y))
            rows.append({"operator": op.name, "site_id": f"{op.prefix}-QB-{k + 1:03d}",
                         "x": x, "y": y, "candidate": j})
    sites = pd.DataFrame(rows)
    if len(sites) != N_BTS_SITES:
        msg = f"operators' site counts sum to {len(sites)}, not {N_BTS_SITES}; fix OPERATORS"
        raise ValueError(msg)
    any_cov = served[sites["candidate"].to_numpy()].any(axis=0)
    sites.attrs["served_share"] = float(pop[any_cov].sum() / pop.sum())
    sites.attrs["unserved_villages"] = int((~any_cov).sum())
    return sites


def cells_table(sites: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per cell in the exact ``sites.csv`` layout."""
    rng = stream(seed, _LAYER + 1)
    ops = {op.name: op for op in OPERATORS}
    lon, lat = to_lonlat(sites["x"].to_numpy(), sites["y"].to_numpy())
    rows = []
    for i, site in enumerate(sites.itertuples()):
        op = ops[str(site.operator)]
        height = float(rng.choice([32.0, 35.0, 36.0, 40.0, 42.0, 45.0]))
        rotation = float(rng.integers(0, 12)) * 10.0
        layers = [("L18", "4G", 1800.0, float(rng.choice([10.0, 20.0])), 17.5, 7.0)]
        if rng.uniform() < op.p_l09:
            layers.append(("L09", "4G", 900.0, float(rng.choice([5.0, 10.0])), 15.5, 10.0))
        if rng.uniform() < op.p_u21:
            layers.append(("U21", "3G", 2100.0, 5.0, 17.5, 7.0))
        for tag, tech, freq, bw, gain, vbw in layers:
            antenna_m = height - float(rng.choice([0.0, 1.0, 2.0]))
            power = float(rng.choice([43.0, 46.0]) if tech == "4G" else rng.choice([40.0, 43.0]))
            for sector in range(3):
                rows.append({
                    "site_id": site.site_id,
                    "cell_id": f"{site.site_id}-{tag}-{sector + 1}",
                    "operator": op.name,
                    "technology": tech,
                    "lon": round(float(lon[i]), 6),
                    "lat": round(float(lat[i]), 6),
                    "height_m": antenna_m,
                    "azimuth_deg": (rotation + 120.0 * sector) % 360.0,
                    "mech_tilt_deg": float(rng.integers(2, 7)),
                    "elec_tilt_deg": float(rng.integers(0, 5)),
                    "frequency_mhz": freq,
                    "bandwidth_mhz": bw,
                    "tx_power_dbm": power,
                    "antenna_gain_dbi": gain + float(rng.choice([-0.5, 0.0, 0.5])),
                    "h_beamwidth_deg": 65.0,
                    "v_beamwidth_deg": vbw,
                    "pattern_file": "",
                })
    return pd.DataFrame(rows, columns=list(SITE_COLUMNS))
