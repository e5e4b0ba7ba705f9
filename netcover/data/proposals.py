"""Reading and checking a proposals file: operators' proposed sites, checked like a site inventory.

A proposals file (CSV or Excel with ``lon``/``lat`` in WGS84, see :mod:`netcover.core.tables`, or any
point layer GDAL reads) has one row per proposed site, or one row per sector with ``azimuth_deg``
(then rows sharing ``proposal_id`` are one mast at one place). :func:`check_proposals` reports every
problem at once, with the row and the field. Columns:

- required: ``proposal_id`` (or ``site_id``), and ``lon``/``lat`` for a table;
- optional, defaults from :class:`~netcover.config.siting.SitingSettings` where empty:
  ``operator``, ``height_m``, ``azimuths_deg`` (``"0;120;240"``) or ``azimuth_deg`` (one per row),
  ``technology``, ``frequency_mhz``, ``bandwidth_mhz``, ``tx_power_dbm``, ``antenna_gain_dbi``,
  ``h_beamwidth_deg``, ``v_beamwidth_deg``, ``mech_tilt_deg``, ``elec_tilt_deg``, ``note``;
- optional ``purpose``: ``coverage`` (default: scored by the people it newly covers), ``capacity``
  (scored by the load it takes off the existing cells, :mod:`netcover.siting.relief`, and never
  told to move for coverage) or ``both``.

With one row per sector, each row's own sector fields (``technology`` ... ``elec_tilt_deg``) are
that sector's; ``operator``, ``height_m`` and ``purpose`` are the mast's and must agree between its
rows (a row may leave them empty); the rows' different notes are joined with "; ".

Numbers are checked with the sites' ranges (:data:`netcover.data.sites.SITE_RANGES`), a bandwidth
as a channel of its technology (a 5G sector's at ``[siting] scs_khz`` or its band's usual spacing,
which its sector rows carry as ``scs_khz``). The public names
are re-exported by :mod:`netcover.siting.proposals`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.nr import default_scs_khz
from netcover.core.io import read_vector, require_file
from netcover.core.tables import is_table, read_table, row_label
from netcover.data.nr_sites import check_planned_nr_bandwidth
from netcover.data.site_checks import (
    check_lte_bandwidth,
    check_numbers,
    check_technology,
    outside_problems,
    same_place_problems,
)
from netcover.data.sites import SITE_RANGES
from netcover.errors import Problem, ValidationError

__all__ = [
    "PROPOSAL_RANGES", "PURPOSES", "SECTOR_FIELDS", "Proposal", "check_proposals", "plan_sectors",
    "read_proposals", "with_proposals",
]

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from netcover.config.scenario import Scenario
    from netcover.config.siting import SitingSettings
    from netcover.data.site_checks import Grid

#: Optional per-sector fields of a proposal, overriding the plan's antenna.
SECTOR_FIELDS = ("technology", "frequency_mhz", "bandwidth_mhz", "tx_power_dbm", "antenna_gain_dbi",
                 "h_beamwidth_deg", "v_beamwidth_deg", "mech_tilt_deg", "elec_tilt_deg")

#: What a proposal is for: new people (coverage), relief of loaded cells (capacity), or both.
PURPOSES = ("coverage", "capacity", "both")

#: Fields of the mast: with one row per sector, the rows that give one must agree.
_MAST_FIELDS = ("operator", "height_m", "purpose")


@dataclass(frozen=True)
class Proposal:
    """One proposed mast and its sectors."""

    proposal_id: str
    operator: str
    x: float
    y: float
    height_m: float
    sectors: list[pd.Series]
    note: str = ""
    purpose: str = "coverage"


#: The numeric columns of a proposal, checked with the sites' ranges; empty cells take the default.
PROPOSAL_RANGES = tuple(r for r in SITE_RANGES if r[0] in ("height_m", "azimuth_deg", *SECTOR_FIELDS))


def read_proposals(path: str | Path, settings: SitingSettings, crs: CRS, *,
                   terrain: Grid | None = None) -> list[Proposal]:
    """Read a proposals file (see the module docstring) into the working CRS.

    Raises
    ------
    ValidationError
        Listing every problem :func:`check_proposals` finds.
    """
    proposals, problems = check_proposals(path, settings, crs, terrain=terrain)
    if proposals is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return proposals


def check_proposals(path: str | Path, settings: SitingSettings, crs: CRS, *,
                    terrain: Grid | None = None) -> tuple[list[Proposal] | None, list[Problem]]:
    """Read and check a proposals file like a site inventory: every problem, with row and field.

    Parameters
    ----------
    path : str or Path
        CSV or Excel table with WGS84 ``lon``/``lat``, or a point layer.
    settings : SitingSettings
        Defaults of the fields a proposal leaves out.
    crs : CRS
        The working CRS.
    terrain : Terrain or DemSource, optional
        When given, each proposal must lie on it (lon/lat that look swapped are named as such).

    Returns
    -------
    (list of Proposal or None, list of Problem)
        None when an error makes the proposals unusable.
    """
    import geopandas as gpd

    p = require_file(path, "proposals")
    label = str(p)
    if is_table(p):
        df = read_table(p, "proposals")
    else:
        gdf = read_vector(p, "proposals")
        ll = gdf.geometry.to_crs("EPSG:4326")
        df = pd.DataFrame(gdf.drop(columns="geometry")).assign(lon=ll.x.to_numpy(), lat=ll.y.to_numpy())
    if "proposal_id" not in df.columns and "site_id" in df.columns:
        df = df.rename(columns={"site_id": "proposal_id"})
    problems = _column_problems(df, label)
    if problems:
        return None, problems
    df = df.reset_index(drop=True)
    problems += check_numbers(df, label, [r for r in SITE_RANGES if r[0] in ("lon", "lat")])
    problems += check_numbers(df, label, PROPOSAL_RANGES, required=False)
    problems += _text_problems(df, label)
    problems += check_lte_bandwidth(df, label, technology=settings.technology)
    problems += check_planned_nr_bandwidth(df, label, settings)
    azimuths = _azimuth_lists(df, label, settings, problems)
    problems += _id_problems(df, label)
    problems += _mast_problems(df, label)
    if terrain is not None:
        problems += outside_problems(df, "proposal_id", label, terrain, what="proposal")
    if any(pr.severity == "error" for pr in problems):
        return None, problems
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                           crs="EPSG:4326").to_crs(crs)
    return [_proposal(str(pid), group, settings, azimuths) for pid, group in
            gdf.groupby("proposal_id", sort=False)], problems


def with_proposals(scenario: Scenario, path: str | Path) -> Scenario:
    """The scenario with ``inputs.proposals`` set to ``path``, so that loading its inputs checks them.

    ``netcover evaluate`` uses it: the proposals are checked with every other input, before any
    model runs.
    """
    files = dataclasses.replace(scenario.inputs, proposals=Path(path).resolve())
    return dataclasses.replace(scenario, inputs=files)


def _column_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    missing = [c for c in ("proposal_id", "lon", "lat") if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns)) or "none"
        msg = (f"required column(s) missing: {', '.join(missing)} (found: {found}); name each "
               "proposed site in proposal_id (or site_id) and give its WGS84 lon/lat")
        return [Problem(label, msg, field=",".join(missing))]
    if len(df) == 0:
        return [Problem(label, "the proposals table has no rows (header only); add one row per "
                        "proposed site")]
    return []


def _text_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    problems = []
    ids = df["proposal_id"].astype(object).where(df["proposal_id"].notna(), "").astype(str)
    for i in np.flatnonzero((ids.str.strip() == "").to_numpy()):
        problems.append(Problem(label, "is empty; name every proposed site", row_label(i),
                                "proposal_id"))
    if "technology" in df.columns:
        problems += check_technology(df, label)
    if "purpose" in df.columns:
        for k, value in enumerate(df["purpose"]):
            if _text(value).lower() not in ("", *PURPOSES):
                msg = (f"{_text(value)!r} is not a purpose; give one of {', '.join(PURPOSES)} "
                       "(empty: coverage)")
                problems.append(Problem(label, msg, row_label(k), "purpose"))
    return problems


def _azimuth_lists(df: pd.DataFrame, label: str, settings: SitingSettings,
                   problems: list[Problem]) -> dict[int, list[float]]:
    """Each row's azimuths from ``azimuths_deg`` ("0;120;240"), checked like ``azimuth_deg``.

    With one row per sector (``azimuth_deg``) every row needs its azimuth.
    """
    if "azimuth_deg" in df.columns:
        for k in np.flatnonzero(df["azimuth_deg"].isna().to_numpy()):
            problems.append(Problem(label, "is empty; with one row per sector every row needs its "
                                    "azimuth, degrees clockwise from north, [0, 360)",
                                    row_label(k), "azimuth_deg"))
        return {}
    if "azimuths_deg" not in df.columns:
        return {}
    out: dict[int, list[float]] = {}
    advice = "a list of azimuths in [0, 360) separated by ';', e.g. 0;120;240"
    for i, cell in enumerate(df["azimuths_deg"]):
        text = "" if pd.isna(cell) else str(cell).strip()
        words = [w.strip() for w in text.split(";") if w.strip()]
        try:
            values = [float(w.replace(",", ".")) for w in words]
        except ValueError:
            problems.append(Problem(label, f"{text!r} is not {advice}", row_label(i),
                                    "azimuths_deg"))
            continue
        if not values:
            msg = (f"the azimuth list is empty; give {advice} (or leave the column out to use "
                   f"[siting] azimuths_deg = {list(settings.azimuths_deg)})")
            problems.append(Problem(label, msg, row_label(i), "azimuths_deg"))
        elif not all(np.isfinite(v) and 0 <= v < 360 for v in values):
            problems.append(Problem(label, f"{text!r} has an azimuth outside [0, 360); give "
                                    f"{advice}", row_label(i), "azimuths_deg"))
        out[i] = values
    return out


def _id_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    """One row per proposal unless rows are sectors (``azimuth_deg``) of one mast at one place."""
    if "azimuth_deg" in df.columns:
        return same_place_problems(df, "proposal_id", label)
    ids = df["proposal_id"].astype(str).str.strip()
    problems = []
    for pid in sorted(set(ids[ids.duplicated() & (ids != "")])):
        rows = ", ".join(row_label(i) for i in np.flatnonzero((ids == pid).to_numpy()))
        msg = (f"proposal_id {pid!r} is used more than once ({rows}); give each proposal its own "
               "id, or one row per sector with an azimuth_deg column")
        problems.append(Problem(label, msg, field="proposal_id"))
    return problems


def _mast_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    """With one row per sector, the rows of one proposal that give a mast field must agree."""
    if "azimuth_deg" not in df.columns:
        return []
    problems = []
    ids = df["proposal_id"].astype(str).str.strip()
    for name in (f for f in _MAST_FIELDS if f in df.columns):
        column = df[name].tolist()
        for pid in dict.fromkeys(ids):
            given = [(int(i), _mast_value(name, column[i]))
                     for i in np.flatnonzero((ids == pid).to_numpy()) if _given(column[i])]
            values = {v for _, v in given}
            if len(values) > 1:
                where = ", ".join(f"{row_label(i)}: {v!r}" for i, v in given)
                msg = (f"proposal_id {pid!r} has different {name} values on its sector rows "
                       f"({where}); {name} is the mast's: give one value (or leave the other rows "
                       "empty)")
                problems.append(Problem(label, msg, row_label(given[0][0]), name))
    return problems


def _mast_value(name: str, value: object) -> object:
    if name == "height_m":
        return _number(value)
    return _text(value).lower() if name == "purpose" else _text(value)


def _number(value: object) -> float:
    """A number the range checks accepted (a number, or text of one)."""
    return float(pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0])


def _first_given(rows: pd.DataFrame, name: str) -> object:
    """The first non-empty value of column ``name`` among ``rows`` (None when none)."""
    if name not in rows.columns:
        return None
    given = [v for v in rows[name] if _given(v)]
    return given[0] if given else None


def _proposal(pid: str, rows: gpd.GeoDataFrame, settings: SitingSettings,
              azimuth_lists: dict[int, list[float]]) -> Proposal:
    first = rows.iloc[0]
    if "azimuth_deg" in rows.columns:  # one row per sector: each row's own sector fields
        sectors = [plan_sectors(settings, azimuths=[float(row["azimuth_deg"])], **_override(row))[0]
                   for _, row in rows.iterrows()]
    else:
        azimuths = azimuth_lists.get(int(rows.index[0]), list(settings.azimuths_deg))
        sectors = plan_sectors(settings, azimuths=azimuths, **_override(first))
    height = _first_given(rows, "height_m")
    notes = dict.fromkeys(_text(v) for v in rows["note"]) if "note" in rows.columns else {}
    purpose = _text(_first_given(rows, "purpose")).lower() or "coverage"
    return Proposal(pid, _text(_first_given(rows, "operator")), float(first.geometry.x),
                    float(first.geometry.y),
                    settings.mast_height_m if height is None else _number(height), sectors,
                    "; ".join(n for n in notes if n), purpose)


def _override(row: pd.Series) -> dict[str, object]:
    """The sector fields ``row`` gives (the others take the plan's)."""
    return {k: row[k] for k in SECTOR_FIELDS if k in row.index and _given(row[k])}


def _given(value: object) -> bool:
    return not (value is None or (isinstance(value, float) and np.isnan(value)) or value == "")


def _text(value: object) -> str:
    return str(value).strip() if _given(value) else ""


def plan_sectors(settings: SitingSettings, *, azimuths: Sequence[float] | None = None,
                 **override: object) -> list[pd.Series]:
    """Sector rows (the columns :class:`SectorLevels` reads) of a new site of the plan.

    ``override`` replaces fields (e.g. ``frequency_mhz``, ``tx_power_dbm`` of a proposal). A 5G
    sector gets ``scs_khz``: the plan's spacing (``[siting] scs_khz``, else its band's usual one).
    """
    base: dict[str, object] = {
        "technology": settings.technology, "frequency_mhz": settings.frequency_mhz,
        "bandwidth_mhz": settings.bandwidth_mhz, "tx_power_dbm": settings.tx_power_dbm,
        "antenna_gain_dbi": settings.antenna_gain_dbi, "h_beamwidth_deg": settings.h_beamwidth_deg,
        "v_beamwidth_deg": settings.v_beamwidth_deg, "mech_tilt_deg": settings.mech_tilt_deg,
        "elec_tilt_deg": settings.elec_tilt_deg, "pattern_file": ""}
    base.update(override)
    if base["technology"] == "5G" and "scs_khz" not in base:
        freq = float(base["frequency_mhz"])  # type: ignore[arg-type]
        base["scs_khz"] = settings.scs_khz or default_scs_khz(freq)
    return [pd.Series({**base, "azimuth_deg": float(az)})
            for az in (settings.azimuths_deg if azimuths is None else azimuths)]
