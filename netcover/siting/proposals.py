"""Scoring operators' site proposals against the existing network and the places around them.

A proposals file (CSV or Excel with ``lon``/``lat`` in WGS84, see :mod:`netcover.tables`, or any
point layer GDAL reads) has one row per proposed site, or one row per sector with ``azimuth_deg``
(then rows sharing ``proposal_id`` are one mast at one place). It is checked like a site inventory
(:func:`check_proposals`): every problem at once, with the row and the field. Columns:

- required: ``proposal_id`` (or ``site_id``), and ``lon``/``lat`` for a CSV;
- optional, defaults from :class:`SitingSettings`: ``operator``, ``height_m``, ``azimuths_deg``
  (``"0;120;240"``) or ``azimuth_deg`` (one per row), ``technology``, ``frequency_mhz``,
  ``bandwidth_mhz``, ``tx_power_dbm``, ``antenna_gain_dbi``, ``h_beamwidth_deg``,
  ``v_beamwidth_deg``, ``mech_tilt_deg``, ``elec_tilt_deg``, ``note``.

For each proposal: the people and households it newly covers, the share of its footprint's people
already covered (overlap with existing sites), the nearest existing site, the gaps it closes, and
the best place within ``proposal_search_radius_m`` where the same mast would add more people. Then
the combined effect of all proposals together.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.errors import Problem, ValidationError
from netcover.io import read_vector, require_file
from netcover.sites import (
    SITE_RANGES,
    TECH_ALIASES,
    check_lte_bandwidth,
    check_numbers,
    outside_problems,
    same_place_problems,
)
from netcover.tables import is_table, read_table, row_label

from .candidates import places_around
from .matrix import DemandLookup, Footprint, coverage_matrix, footprint, plan_sectors
from .plan import SitingProblem, gaps_closed_by_steps

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from netcover.config import Scenario
    from netcover.parallel import Executor
    from netcover.sites import Grid

    from .settings import SitingSettings

#: Optional per-sector fields of a proposal, overriding the plan's antenna.
SECTOR_FIELDS = ("technology", "frequency_mhz", "bandwidth_mhz", "tx_power_dbm", "antenna_gain_dbi",
                 "h_beamwidth_deg", "v_beamwidth_deg", "mech_tilt_deg", "elec_tilt_deg")
_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


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


@dataclass
class ProposalScores:
    """Per-proposal scores, better places found, and the combined effect."""

    table: pd.DataFrame
    better: pd.DataFrame
    combined: dict[str, Any]


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
    azimuths = _azimuth_lists(df, label, settings, problems)
    problems += _id_problems(df, label)
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
        for k, tech in enumerate(df["technology"]):
            text = "" if pd.isna(tech) else str(tech).strip()
            if text and text.lower() not in TECH_ALIASES:
                msg = f"unknown technology {text!r}; use 4G (LTE) or 3G (UMTS/WCDMA)"
                problems.append(Problem(label, msg, row_label(k), "technology"))
            elif text:
                df.loc[k, "technology"] = TECH_ALIASES[text.lower()]
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


def _proposal(pid: str, rows: gpd.GeoDataFrame, settings: SitingSettings,
              azimuth_lists: dict[int, list[float]]) -> Proposal:
    first = rows.iloc[0]
    override = {k: first[k] for k in SECTOR_FIELDS if k in rows.columns and _given(first[k])}
    if "azimuth_deg" in rows.columns:
        azimuths = [float(v) for v in rows["azimuth_deg"]]
    else:
        azimuths = azimuth_lists.get(int(rows.index[0]), list(settings.azimuths_deg))
    height = float(first["height_m"]) if "height_m" in rows.columns and _given(
        first["height_m"]) else settings.mast_height_m
    return Proposal(pid, _text(first.get("operator")), float(first.geometry.x),
                    float(first.geometry.y), height,
                    plan_sectors(settings, azimuths=azimuths, **override), _text(first.get("note")))


def _given(value: object) -> bool:
    return not (value is None or (isinstance(value, float) and np.isnan(value)) or value == "")


def _text(value: object) -> str:
    return str(value).strip() if _given(value) else ""


class _People:
    """Every populated cell: its people and its people below the usable class."""

    def __init__(self, problem: SitingProblem):
        from .gaps import uncovered_share

        pop = problem.inputs.population
        assert pop is not None
        counts = pop.counts.astype(np.float64)
        share = uncovered_share(problem.inputs, problem.coverage, problem.settings)
        rows, cols = np.nonzero(counts > 0)
        xs, ys = pop.cell_centres()
        self.people = counts[rows, cols]
        self.open = (counts * share)[rows, cols]
        self.lookup = DemandLookup(problem.screen, xs[rows, cols], ys[rows, cols])


def score_proposals(problem: SitingProblem, proposals: list[Proposal], *,
                    executor: Executor | None = None) -> ProposalScores:
    """Score proposals (see the module docstring).

    ``executor``: where the places tried around the proposals are evaluated (None: here; see
    :func:`~netcover.siting.matrix.coverage_matrix`).
    """
    d = problem.demand
    everyone = _People(problem)
    nearby = _gains_nearby(problem, proposals, executor)
    rows_per, records, better = [], [], []
    for prop, (xs, ys, rise, gains) in zip(proposals, nearby, strict=True):
        fp = _footprint(problem, prop, prop.x, prop.y)
        demand_rows = problem.lookup.rows_of(fp)
        rows_per.append(demand_rows)
        all_rows = everyone.lookup.rows_of(fp)
        reach = float(everyone.people[all_rows].sum())
        new = float(d.people[demand_rows].sum())
        alt = _best_nearby(problem, prop, new, xs, ys, rise, gains)
        records.append({
            "proposal_id": prop.proposal_id, "operator": prop.operator,
            **_lonlat(problem, prop.x, prop.y), "height_m": prop.height_m,
            "people_in_footprint": round(reach, 1), "new_people": round(new, 1),
            "new_households": round(new / d.people_per_household, 1),
            "overlap_share": round(1.0 - float(everyone.open[all_rows].sum()) / reach, 4)
            if reach > 0 else 0.0,
            **_nearest_site(problem, prop.x, prop.y),
            "gaps_closed": "; ".join(gaps_closed_by_steps(problem, [demand_rows])[0]),
            **{k: alt[k] for k in ("better_lon", "better_lat", "better_distance_m",
                                   "better_direction", "better_new_people", "extra_people")},
            "advice": alt["advice"], "note": prop.note})
        better.append({"proposal_id": prop.proposal_id, "x": alt["x"], "y": alt["y"],
                       "new_people": alt["better_new_people"], "advice": alt["advice"]})
    table = pd.DataFrame(records)
    union = np.unique(np.concatenate(rows_per)) if rows_per else np.zeros(0, dtype=np.int64)
    together = float(d.people[union].sum())
    alone = float(table["new_people"].sum()) if len(table) else 0.0
    combined = {"proposals": len(proposals), "new_people": round(together, 1),
                "new_households": round(together / d.people_per_household, 1),
                "sum_of_individual_new_people": round(alone, 1),
                "overlap_between_proposals_people": round(alone - together, 1),
                "share_covered_before": round(d.covered_people / d.total_people, 4),
                "share_covered_after": round((d.covered_people + together) / d.total_people, 4),
                "gaps_closed": "; ".join(gaps_closed_by_steps(problem, [union])[0])}
    return ProposalScores(table, pd.DataFrame(better), combined)


def _footprint(problem: SitingProblem, prop: Proposal, x: float, y: float) -> Footprint:
    return footprint(problem.screen, x, y, prop.height_m, prop.sectors)


def _gains_nearby(problem: SitingProblem, proposals: list[Proposal],
                  executor: Executor | None) -> list[tuple[np.ndarray, ...]]:
    """Places around each proposal and the new people the proposal's mast would reach there."""
    s = problem.settings
    places = [places_around(problem.context, p.x, p.y, s.proposal_search_radius_m,
                            s.proposal_search_spacing_m) for p in proposals]
    sizes = [len(xs) for xs, _, _ in places]
    x = np.concatenate([xs for xs, _, _ in places]) if places else np.zeros(0)
    y = np.concatenate([ys for _, ys, _ in places]) if places else np.zeros(0)
    height = np.repeat([p.height_m for p in proposals], sizes)
    sectors = [p.sectors for p, n in zip(proposals, sizes, strict=True) for _ in range(n)]
    a = coverage_matrix(problem.screen, problem.lookup, x, y, height, sectors,
                        executor=executor)
    gains = a.T @ problem.demand.people if a.shape[1] else np.zeros(0)
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [(xs, ys, rise, gains[bounds[i]:bounds[i + 1]])
            for i, (xs, ys, rise) in enumerate(places)]


def _best_nearby(problem: SitingProblem, prop: Proposal, new: float, xs: np.ndarray,
                 ys: np.ndarray, rise: np.ndarray, gains: np.ndarray) -> dict[str, Any]:
    """The place among ``xs``/``ys`` where the same mast adds the most new people."""
    s = problem.settings
    out: dict[str, Any] = {"x": prop.x, "y": prop.y, "better_lon": np.nan, "better_lat": np.nan,
                           "better_distance_m": np.nan, "better_direction": "",
                           "better_new_people": round(new, 1), "extra_people": 0.0,
                           "advice": "no place within "
                                     f"{s.proposal_search_radius_m:,.0f} m adds more people"}
    if len(gains) == 0:
        return out
    k = int(np.argmax(gains))
    extra = float(gains[k]) - new
    if extra < max(1.0, 0.05 * new):
        return out
    dx, dy = float(xs[k]) - prop.x, float(ys[k]) - prop.y
    dist = float(np.hypot(dx, dy))
    direction = _COMPASS[int(((np.degrees(np.arctan2(dx, dy)) % 360) + 22.5) // 45) % 8]
    where = " onto a hilltop or ridge" if rise[k] >= s.min_rise_m else ""
    ll = _lonlat(problem, float(xs[k]), float(ys[k]))
    out.update({"x": float(xs[k]), "y": float(ys[k]), "better_lon": ll["lon"],
                "better_lat": ll["lat"], "better_distance_m": round(dist),
                "better_direction": direction, "better_new_people": round(float(gains[k]), 1),
                "extra_people": round(extra, 1),
                "advice": f"move it {dist:,.0f} m {direction}{where} ({ll['lon']:.5f}, "
                          f"{ll['lat']:.5f}) and it reaches {extra:,.0f} more people"})
    return out


def _lonlat(problem: SitingProblem, x: float, y: float) -> dict[str, float]:
    from pyproj import Transformer

    to_ll = Transformer.from_crs(problem.inputs.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(x, y)
    return {"lon": round(float(lon), 6), "lat": round(float(lat), 6)}


def _nearest_site(problem: SitingProblem, x: float, y: float) -> dict[str, Any]:
    cells = problem.inputs.cells
    if cells is None or len(cells) == 0:
        return {"nearest_site": "", "nearest_site_m": np.nan}
    dist = np.hypot(cells["x"].to_numpy() - x, cells["y"].to_numpy() - y)
    k = int(np.argmin(dist))
    return {"nearest_site": str(cells["site_id"].iloc[k]), "nearest_site_m": round(float(dist[k]))}
