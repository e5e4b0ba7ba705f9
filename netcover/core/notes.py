"""Notes on what a run assumed, or skipped, because of the data it was given.

A planner must be able to see, in the report, that a figure rests on a coarse DEM, on census totals
spread over the communes, or that a section is missing because a layer was not given. Readers and
steps record such facts as :class:`Note` objects; ``netcover run`` writes them into
``input_summary.json`` (key ``notes``) and the report renders them, in every language, by their
:attr:`Note.code`.

Codes in use (``params`` in brackets):

- ``coarse_dem`` (``cell_m``): the DEM's cells are coarser than ~100 m; coverage is optimistic.
- ``population_census`` (``method``: ``settlements`` | ``area`` | ``area_slope``; ``field``;
  ``max_slope_deg`` for ``area_slope``): people come from the units' census totals.
- ``population_none``: no population data; tables carry no people.
- ``units_overlap`` (``pairs``, ``km2``): unit polygons overlap; each cell/point is given to one unit.
- ``skipped`` (``section``, ``reason``): a section was not produced; ``section`` is one of
  ``coverage``, ``siting``, ``proposals``, ``links``, ``monitoring``, ``units``, ``settlements``,
  ``households``; ``reason`` one of ``no_population``, ``no_settlements``, ``no_units``, ``no_roads``,
  ``no_network``, ``no_proposals``, ``no_history``, ``no_households``, ``no_sites``, ``not_run``
  (a results folder without the step's sub-folder, e.g. of ``netcover coverage``).
- ``siting_no_roads``: no roads layer; access cost of candidates from straight-line distance.
- ``p1812_near_cells`` (``cells``, ``people`` or None, ``km``): DEM cells within 0.25 km of a site,
  nearer than ITU-R P.1812's lower distance limit; the engine still applies the model to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Note", "has_households", "notes_as_dicts", "skipped"]


@dataclass(frozen=True)
class Note:
    """One fact about a run's data that its figures depend on.

    Attributes
    ----------
    code : str
        What kind of note (see the module's list); the report translates by it.
    text : str
        The note as an English sentence (shown as it is where no translation exists).
    params : mapping
        The figures the sentence uses, JSON-ready.
    """

    code: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (as stored in ``input_summary.json``)."""
        return {"code": self.code, "text": self.text, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Note:
        """Inverse of :meth:`as_dict`."""
        return cls(str(raw["code"]), str(raw.get("text", "")), dict(raw.get("params") or {}))


def notes_as_dicts(notes: Iterable[Note]) -> list[dict[str, Any]]:
    """Notes in their JSON form, without repeats, in the order given."""
    seen: set[tuple[str, str]] = set()
    out = []
    for n in notes:
        if (n.code, n.text) not in seen:
            seen.add((n.code, n.text))
            out.append(n.as_dict())
    return out


#: English sentence of each (section, reason) of a ``skipped`` note.
_SKIPPED_TEXT = {
    "coverage": "Coverage: skipped, {why}",
    "siting": "Gaps and site plan: skipped, {why}",
    "proposals": "Scoring of proposals: skipped, {why}",
    "links": "Link plan: skipped, {why}",
    "monitoring": "Monitoring: skipped, {why}",
    "units": "Coverage per unit (commune): skipped, {why}",
    "settlements": "Villages (coverage per settlement, households, villages without service): "
                   "skipped, {why}",
    "households": "Households covered: no data, {why}",
}
_REASON_TEXT = {
    "no_population": "the scenario has no population ([inputs] population)",
    "no_settlements": "the scenario has no settlements ([inputs] settlements)",
    "no_units": "the scenario has no units layer to report per unit ([inputs] units)",
    "no_roads": "the scenario has no roads ([inputs] roads)",
    "no_network": "the scenario has no data network ([inputs] network)",
    "no_proposals": "the scenario names no proposals ([inputs] proposals)",
    "no_history": "there is no earlier snapshot in the history",
    "no_households": "the settlements have no households figures",
    "no_sites": "the scenario has no sites ([inputs] sites)",
    "not_run": "the step was not run for this results folder",
}


def skipped(section: str, reason: str) -> Note:
    """The ``skipped`` note of ``section`` (see the module's list of sections and reasons)."""
    text = _SKIPPED_TEXT[section].format(why=_REASON_TEXT[reason])
    return Note("skipped", text, {"section": section, "reason": reason})


def has_households(settlements: Any) -> bool:
    """Whether a settlements layer has any households figure (the column may be absent or NaN)."""
    import pandas as pd

    return "households" in settlements and bool(
        pd.to_numeric(settlements["households"], errors="coerce").notna().any())
