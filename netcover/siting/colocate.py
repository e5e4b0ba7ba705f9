"""A capacity proposal on its own operator's mast: carriers added to that site, not a new site.

A capacity (or both) proposal standing within ``[siting] sharing_distance_m`` of an existing mast
of its own operator that has cells of its technology (:func:`host_site`: the nearest such site) is
modelled as an **addition to that site** (:func:`colocated_sectors`), as operators build it
(new carriers or sectors on the mast they already have):

- its sectors take the site's ``site_id`` and position (the mast's ``x``/``y``; the proposal's
  own height and radio fields are kept);
- a sector whose azimuth is within half the horizontal beamwidth of an existing sector of the
  site (same operator and technology; the nearest such sector) takes that sector's azimuth
  (:func:`same_sector`): its boresight lies inside that sector's half-power beam, so it serves
  the same people, and the new cell is **another carrier of that sector**. The capacity step
  pools a sector's carriers (:mod:`netcover.coverage.sectorpool`: same site, operator,
  technology and azimuth to the degree; ``[capacity] pool_sector_carriers``), so the sector's
  users are then shared over the old and new carriers. When the beamwidth is not known,
  :data:`SAME_SECTOR_DEG` (half of a 65 degree panel) is the tolerance;
- a carrier added to a sector on a frequency one of that sector's carriers already uses is
  modelled on the next channel of the band (:func:`next_channel`: centre frequency raised by
  half the two carriers' bandwidths, until it is free in the sector). An operator does not put
  two co-channel carriers in one sector (they would interfere with each other); the path loss
  a few tens of MHz higher differs by a fraction of a dB;
- other sectors are new sectors of that site (their own azimuth and serving area).

A proposal farther than ``sharing_distance_m`` from every mast of its operator is a new site
(site id = the proposal id, its own position).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from netcover.data.proposals import Proposal

__all__ = ["SAME_SECTOR_DEG", "colocated_sectors", "host_site", "next_channel", "same_sector"]

#: Tolerance (degrees) of :func:`same_sector` when the existing sector's beamwidth is not known:
#: half the 65 degree horizontal beamwidth of the usual 3-sector panel.
SAME_SECTOR_DEG = 32.5


def host_site(cells: pd.DataFrame | None, prop: Proposal, distance_m: float
              ) -> tuple[str, float, float] | None:
    """``(site_id, x, y)`` of the nearest site of ``prop``'s operator with a cell of one of its
    sectors' technologies within ``distance_m`` of it (ties by site id); ``None`` when there is
    none."""
    if cells is None or not len(cells) or distance_m <= 0 or not prop.operator:
        return None
    techs = {str(s.get("technology", "")) for s in prop.sectors}
    mine = cells[(cells["operator"].astype(str).str.strip().str.casefold()
                  == prop.operator.strip().casefold())
                 & cells["technology"].astype(str).isin(techs)]
    if not len(mine):
        return None
    sites = mine.groupby(mine["site_id"].astype(str), sort=True)[["x", "y"]].first()
    dist = np.hypot(sites["x"].to_numpy(float) - prop.x, sites["y"].to_numpy(float) - prop.y)
    k = int(np.argmin(dist))
    if not dist[k] <= distance_m:
        return None
    return str(sites.index[k]), float(sites["x"].iloc[k]), float(sites["y"].iloc[k])


def same_sector(azimuth: float, sectors: pd.DataFrame) -> int | None:
    """Row position in ``sectors`` (cells of one site, operator and technology) of the sector a
    new sector at ``azimuth`` belongs to: the nearest by azimuth, if within half its
    ``h_beamwidth_deg`` (:data:`SAME_SECTOR_DEG` when not known); else ``None``."""
    if not len(sectors):
        return None
    az = sectors["azimuth_deg"].to_numpy(float)
    off = np.abs((az - azimuth + 180.0) % 360.0 - 180.0)
    k = int(np.lexsort((az, off))[0])
    width = (sectors["h_beamwidth_deg"].to_numpy(float)[k] if "h_beamwidth_deg" in sectors.columns
             else np.nan)
    tolerance = width / 2.0 if np.isfinite(width) and width > 0 else SAME_SECTOR_DEG
    return k if off[k] <= tolerance else None


def next_channel(frequency_mhz: float, bandwidth_mhz: float,
                 taken: list[tuple[float, float]]) -> float:
    """``frequency_mhz``, or the next channel above it not used by the carriers ``taken``
    (frequency, bandwidth in MHz): centre raised by half the two bandwidths each step."""
    f = float(frequency_mhz)
    while hit := [w for g, w in taken if np.isclose(g, f)]:
        f += (max(hit) + float(bandwidth_mhz)) / 2.0
    return f


def colocated_sectors(cells: pd.DataFrame, prop: Proposal, site: str) -> list[pd.Series]:
    """``prop``'s sectors as additions to ``site`` (see the module docstring): each sector's
    ``azimuth_deg`` and ``frequency_mhz``, aligned where it joins an existing sector."""
    of_site = cells[(cells["site_id"].astype(str) == site)
                    & (cells["operator"].astype(str).str.strip().str.casefold()
                       == prop.operator.strip().casefold())]
    carriers: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for _, cell in of_site.iterrows():
        key = (str(cell["technology"]), round(float(cell["azimuth_deg"])))
        carriers.setdefault(key, []).append((float(cell["frequency_mhz"]),
                                             float(cell["bandwidth_mhz"])))
    out = []
    for sector in prop.sectors:
        tech = str(sector.get("technology", ""))
        same = of_site[of_site["technology"].astype(str) == tech]
        k = same_sector(float(sector["azimuth_deg"]), same)
        row = sector.copy()
        if k is not None:
            row["azimuth_deg"] = float(same["azimuth_deg"].iloc[k])
            taken = carriers.setdefault((tech, round(row["azimuth_deg"])), [])
            row["frequency_mhz"] = next_channel(float(row["frequency_mhz"]),
                                                float(row["bandwidth_mhz"]), taken)
            taken.append((float(row["frequency_mhz"]), float(row["bandwidth_mhz"])))
        out.append(row)
    return out
