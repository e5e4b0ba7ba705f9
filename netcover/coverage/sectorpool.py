"""Serving units of the capacity step: each cell alone, or the carriers of a sector pooled.

The coverage result keeps one best-server cell per operator and technology at each place. Where a
sector has several carriers (the sample's sites carry an 1800 MHz and a 900 MHz layer on the same
azimuth), the best server is mostly the lower band, whose level is higher; taken literally, the
other carrier would carry no user. Networks spread their users over a sector's carriers (idle-mode
layer priorities, load balancing, carrier aggregation), so by default (``[capacity]
pool_sector_carriers = true``) the capacity step serves each place from the **sector** of its best
cell: the cells of one site, operator and technology on one azimuth (to the degree), their
rates per unit of spectral efficiency added, at the SINR of the best cell. This overstates the
rate where only the lower band reaches (the sector's edge); ``false`` serves each place from its
best cell alone, which understates the sector's capacity wherever another carrier idles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ServingUnits", "serving_units"]


@dataclass(frozen=True)
class ServingUnits:
    """Units (sectors or cells) of one operator and technology.

    ``of_cell[k]``: unit of the cells table's row ``k`` (-1 for other operators' cells);
    ``rate_per_se``: each unit's rate per bit/s/Hz (Mb/s); ``table``: per unit the first cell's
    ``index``, ``cell_id`` (the cells joined by "+"), ``site_id``, ``operator``, ``technology``,
    ``frequency_mhz`` (joined by "+") and ``bandwidth_mhz`` (added).
    """

    of_cell: np.ndarray
    rate_per_se: np.ndarray
    table: pd.DataFrame


def serving_units(cells: pd.DataFrame, members: np.ndarray, *, pool: bool) -> ServingUnits:
    """The serving units of the cells ``members`` (rows of ``cells``, which has ``rate_per_se``).

    ``pool``: one unit per sector (site, operator, technology, azimuth to the degree); else one per
    cell.
    """
    sub = cells.iloc[members].copy()
    sub["index"] = members
    if pool:
        key = (sub["site_id"].astype(str) + "|" + sub["operator"].astype(str) + "|"
               + sub["technology"].astype(str) + "|"
               + sub["azimuth_deg"].astype(float).round().astype(int).astype(str))
    else:
        key = sub["index"].astype(str)
    codes, _ = pd.factorize(key)
    of_cell = np.full(len(cells), -1, dtype=np.intp)
    of_cell[members] = codes
    sub["_unit"] = codes
    grouped = sub.groupby("_unit", sort=True)
    table = pd.DataFrame({
        "index": grouped["index"].first(),
        "cell_id": grouped["cell_id"].agg(lambda s: "+".join(map(str, s))),
        **{c: grouped[c].first() for c in ("site_id", "operator", "technology")},
        "frequency_mhz": grouped["frequency_mhz"].agg(lambda s: "+".join(f"{f:g}" for f in s)),
        "bandwidth_mhz": grouped["bandwidth_mhz"].sum(),
    }).reset_index(drop=True)
    rate = grouped["rate_per_se"].sum().to_numpy(dtype=np.float64)
    return ServingUnits(of_cell, rate, table)
