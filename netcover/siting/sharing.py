"""Tower sharing: proposals of different operators, or a proposal and another operator's mast, that
stand so close that one tower should carry both.

Two operators' masts within ``[siting] sharing_distance_m`` of each other (default 100 m, an
assumption: from one mast both operators' antennas reach the same people) are one tower too many.
For each proposal :func:`sharing_table` lists the other operators' proposals and existing masts
(sites of ``inputs.cells``) that close, nearest first, and what sharing saves: the mast this
proposal would build is not built, that is ``cost_per_mast_m`` x its height, plus
``sharing_base_saving_share`` (default 0.5, an assumption) of ``base_cost`` (power system,
shelter, site works). The saving is the pair's: two proposals that share save one mast between
them, so the saving shown on both rows must not be added up.

Proposals without an operator, and masts of the proposal's own operator, are never sharing
partners; a proposal within ``sharing_distance_m`` of an existing mast of its own operator gets no
suggestion at all (it goes on that mast, as capacity sites usually do: a question of the
operator's own tower, not of sharing).

:func:`sharing_near` is for the better-place search: when it sends a proposal to a place, the
other operators' proposals and masts near that place are named in the advice, so that two
operators are never sent to the same spot silently.

Columns of :func:`sharing_table`: ``share_with`` (proposal or site ids, ";"-joined, nearest
first), ``share_distance_m`` (to the nearest), ``sharing_saving`` (USD), ``sharing`` (one
sentence); empty, NaN, 0 and "" where there is no partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from netcover.config.siting import SitingSettings
    from netcover.data.proposals import Proposal

__all__ = ["SHARING_COLUMNS", "Mast", "masts_of", "sharing_near", "sharing_saving", "sharing_table",
           "site_addition_cost"]

#: The columns :func:`sharing_table` adds to a proposals table.
SHARING_COLUMNS = ("share_with", "share_distance_m", "sharing_saving", "sharing")


@dataclass(frozen=True)
class Mast:
    """A mast another operator may share: a proposal or an existing site."""

    mast_id: str
    operator: str
    x: float
    y: float
    proposed: bool

    def words(self) -> str:
        """How a sentence names it: "MobiFone's proposal MBF-P01", "Viettel's mast VTL-QB-004"."""
        what = "proposal" if self.proposed else "mast"
        return f"{self.operator}'s {what} {self.mast_id}"


def masts_of(proposals: Sequence[Proposal], cells: pd.DataFrame | None = None) -> list[Mast]:
    """The proposals and the existing sites (``cells`` with ``site_id``, ``operator``, ``x``,
    ``y``: one mast per site and operator) as masts."""
    masts = [Mast(p.proposal_id, p.operator, p.x, p.y, True) for p in proposals]
    if cells is not None and len(cells):
        sites = pd.DataFrame(cells[["site_id", "operator", "x", "y"]]).drop_duplicates(
            ["site_id", "operator"])
        masts += [Mast(str(s), str(op), float(x), float(y), False)
                  for s, op, x, y in sites.itertuples(index=False, name=None)]
    return masts


def sharing_saving(height_m: float, settings: SitingSettings) -> float:
    """USD one operator saves on a shared tower: its mast, and a share of the base cost."""
    return settings.cost_per_mast_m * height_m + settings.sharing_base_saving_share * settings.base_cost


def site_addition_cost(settings: SitingSettings) -> float:
    """USD of a proposal added to an existing site of its own operator (a capacity proposal within
    ``sharing_distance_m`` of it, :mod:`netcover.siting.colocate`): what a shared tower still
    costs, ``base_cost`` less its ``sharing_base_saving_share`` (antennas, radios, installation);
    the site's mast, access road and backhaul are there already."""
    return (1.0 - settings.sharing_base_saving_share) * settings.base_cost


def sharing_table(proposals: Sequence[Proposal], settings: SitingSettings, *,
                  cells: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each proposal's sharing suggestion (see the module docstring), indexed by ``proposal_id``.

    Parameters
    ----------
    proposals : sequence of Proposal
        The proposals, in the working CRS.
    settings : SitingSettings
        ``sharing_distance_m``, ``sharing_base_saving_share``, ``base_cost``, ``cost_per_mast_m``.
    cells : DataFrame, optional
        The existing cells (``inputs.cells``: ``site_id``, ``operator``, ``x``, ``y``).

    Returns
    -------
    pandas.DataFrame
        :data:`SHARING_COLUMNS`, one row per proposal.
    """
    masts = masts_of(proposals, cells)
    rows = []
    own = [m for m in masts if not m.proposed]
    for p in proposals:
        near = _partners(masts, p.x, p.y, p.operator, settings.sharing_distance_m, p.proposal_id)
        if near and _own_mast_near(own, p, settings.sharing_distance_m):
            near = []
        if not near:
            rows.append({"share_with": "", "share_distance_m": np.nan, "sharing_saving": 0.0,
                         "sharing": ""})
            continue
        saving = sharing_saving(p.height_m, settings)
        first, dist = near[0]
        rows.append({"share_with": ";".join(m.mast_id for m, _ in near),
                     "share_distance_m": round(dist, 1), "sharing_saving": round(saving),
                     "sharing": f"{first.words()} is {dist:,.0f} m away: {_share_words(first)} "
                                f"and save about {saving:,.0f} USD ({_saving_words(p, settings)})"})
    index = pd.Index([p.proposal_id for p in proposals], name="proposal_id")
    return pd.DataFrame(rows, index=index, columns=list(SHARING_COLUMNS))


def sharing_near(x: float, y: float, operator: str, masts: Sequence[Mast],
                 settings: SitingSettings, *, exclude: str = "") -> str:
    """A sentence for advice that sends ``operator`` to ``(x, y)``: the other operators' masts
    (see :func:`masts_of`) within ``sharing_distance_m`` of it ("" when none).

    ``exclude``: the id of the proposal being moved (never its own partner).
    """
    near = _partners(masts, x, y, operator, settings.sharing_distance_m, exclude)
    if not near:
        return ""
    first, dist = near[0]
    return f"that place is {dist:,.0f} m from {first.words()}: {_share_words(first)}"


def _partners(masts: Sequence[Mast], x: float, y: float, operator: str, distance_m: float,
              exclude: str) -> list[tuple[Mast, float]]:
    """Other operators' masts within ``distance_m`` of (x, y), nearest first (ties by id)."""
    if not operator or distance_m <= 0:
        return []
    mine = operator.strip().casefold()
    found = []
    for m in masts:
        if not m.operator or m.operator.strip().casefold() == mine or (m.proposed
                                                                       and m.mast_id == exclude):
            continue
        d = float(np.hypot(m.x - x, m.y - y))
        if d <= distance_m:
            found.append((m, d))
    return sorted(found, key=lambda md: (md[1], md[0].mast_id))


def _own_mast_near(masts: Sequence[Mast], p: Proposal, distance_m: float) -> bool:
    """Does an existing mast of ``p``'s own operator stand within ``distance_m`` of it?"""
    mine = p.operator.strip().casefold()
    return any(m.operator.strip().casefold() == mine
               and float(np.hypot(m.x - p.x, m.y - p.y)) <= distance_m for m in masts)


def _share_words(m: Mast) -> str:
    return "share one tower" if m.proposed else "put the antennas on its tower"


def _saving_words(p: Proposal, settings: SitingSettings) -> str:
    share = settings.sharing_base_saving_share
    return (f"a {p.height_m:g} m mast not built and an assumed {share:.0%} of the base cost; "
            "for two proposals the saving is the pair's, once")
