"""A snapshot's indicators, computed from a scenario's inputs and its coverage result.

Counts are computed per unit (commune) first; the district row (unit code :data:`DISTRICT`) is
their sum, and every share is a ratio of two counts (:data:`SHARES`), so a district share is the
ratio of the district's sums, never a mean of communes' shares. Indicators of one operator carry
its name after a colon (``share_people_covered:Viettel``).

Per unit, ``communes`` is 1 and ``communes_with_fibre`` is 1 when any of its households has
fibre, so ``share_communes_with_fibre`` is 0 or 1 for a commune and the share of communes for
the district. The same holds for commune offices on the data network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.radio import CLASS_LEVELS
from netcover.coverage import people as covered

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.coverage.engine import CoverageResult
    from netcover.data.inputs import Inputs

__all__ = [
    "CELL_FIELDS", "DISTRICT", "GAP_PEOPLE_COLUMNS", "GAP_UNIT_COLUMNS", "NOT_CONNECTED", "SHARES",
    "SnapshotData", "compute_snapshot_data", "unit_of_points", "with_operator",
]

#: Unit code of the district row.
DISTRICT = "district"
#: Connection values of network points that are not on the data network.
NOT_CONNECTED = frozenset({"none", "", "no"})
#: share indicator -> (numerator count, denominator count).
SHARES: dict[str, tuple[str, str]] = {
    "share_people_covered": ("people_covered", "people"),
    "share_people_4g": ("people_4g", "people"),
    "share_households_covered": ("households_covered", "households"),
    "share_fibre_households": ("fibre_households", "households"),
    "share_communes_with_fibre": ("communes_with_fibre", "communes"),
    "share_electrified_villages_served": ("electrified_villages_served", "electrified_villages"),
    "share_institutions_connected": ("institutions_connected", "institutions"),
    "share_commune_offices_connected": ("commune_offices_connected", "commune_offices"),
    **{f"share_people_{c}": (f"people_{c}", "people") for c in covered.CLASS_NAMES},
    **{f"share_households_{c}": (f"households_{c}", "households") for c in covered.CLASS_NAMES},
}
#: Columns of a gaps table naming its unit, and its people (first found is used).
GAP_UNIT_COLUMNS = ("unit_code", "commune_code", "code")
GAP_PEOPLE_COLUMNS = ("people", "population")
#: Cell columns kept in a snapshot (to tell sites added, removed or re-tilted between periods).
CELL_FIELDS = ("cell_id", "site_id", "operator", "technology", "lon", "lat", "height_m",
               "azimuth_deg", "mech_tilt_deg", "elec_tilt_deg", "frequency_mhz", "tx_power_dbm")


@dataclass
class SnapshotData:
    """What a snapshot holds besides its metadata.

    Attributes
    ----------
    indicators : pandas.DataFrame
        Long table: ``unit_code``, ``unit_name``, ``indicator``, ``value``.
    cells : pandas.DataFrame
        :data:`CELL_FIELDS` plus ``unit_code``.
    settlements : pandas.DataFrame
        ``settlement_id``, ``name``, ``unit_code``, ``households``, ``fibre_households``,
        ``electrified``, ``service_class`` (0 none ... 3 good; 255 outside).
    missing : list of str
        Indicators that could not be computed and why.
    """

    indicators: pd.DataFrame
    cells: pd.DataFrame
    settlements: pd.DataFrame
    missing: list[str] = field(default_factory=list)


def with_operator(name: str, operator: str | None) -> str:
    """Indicator name of one operator (``name:operator``), or ``name`` for all."""
    return f"{name}:{operator}" if operator else name


def compute_snapshot_data(inputs: Inputs, coverage: CoverageResult, *, usable: str = "fair",
                          gaps: pd.DataFrame | None = None) -> SnapshotData:
    """Indicators per unit and for the district, and the cells and settlements behind them.

    Parameters
    ----------
    inputs : Inputs
        The scenario's inputs (``units`` required).
    coverage : CoverageResult
        Its coverage.
    usable : {"weak", "fair", "good"}
        Class from which people count as covered.
    gaps : pandas.DataFrame, optional
        One row per coverage gap with its unit (:data:`GAP_UNIT_COLUMNS`) and people
        (:data:`GAP_PEOPLE_COLUMNS`); None records the gap indicators as missing.
    """
    units = inputs.units
    if units is None:
        from netcover.errors import InputError

        msg = "monitoring needs statistics units: set inputs.units to the communes layer"
        raise InputError(msg)
    level = CLASS_LEVELS[usable]
    codes = units["code"].astype(str).to_numpy()
    counts = pd.DataFrame(index=pd.Index(codes, name="unit_code"))
    counts["communes"] = 1.0
    missing: list[str] = []
    _people_counts(counts, inputs, coverage, level, missing)
    settlements = _settlement_frame(inputs, coverage, units, level)
    _settlement_counts(counts, settlements, level, missing)
    cells = _cell_frame(inputs, units)
    _site_counts(counts, cells)
    _network_counts(counts, inputs, units, missing)
    _gap_counts(counts, gaps, missing)
    counts.loc[DISTRICT] = counts.sum(axis=0, skipna=False)  # a unit without data: none for all
    names = dict(zip(codes, units["name"].astype(str), strict=True)) | {DISTRICT: "District"}
    return SnapshotData(_long_table(counts, names), cells, settlements, missing)


def unit_of_points(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Code of the unit each point belongs to ("" for none; see :func:`covered.unit_of_points`)."""
    index = covered.unit_of_points(points, units)
    codes = np.append(units["code"].astype(str).to_numpy(), "")
    return codes[index].astype(str)


def _people_counts(counts: pd.DataFrame, inputs: Inputs, coverage: CoverageResult, level: int,
                   missing: list[str]) -> None:
    if inputs.population is None:
        missing.append("people by class: no population input")
        return
    layers = {"all": coverage.classes, **coverage.operator_classes}
    # the 4G target is "4G/5G for 99% of people": a place with 5G counts as served too
    mobile = [coverage.technologies[t].classes for t in ("4G", "5G") if t in coverage.technologies]
    if mobile:
        layers["tech_4G"] = np.maximum.reduce(mobile)
    table = covered.unit_table(inputs.units, inputs.population, None, layers,
                               coverage.transform, usable=level)
    table.index = counts.index
    counts["people"] = table["people"]
    for label in layers:
        op = None if label in ("all", "tech_4G") else label
        by_class = table[[f"{label}_people_{c}" for c in covered.CLASS_NAMES]].to_numpy()
        if label == "tech_4G":
            counts["people_4g"] = by_class[:, level:].sum(axis=1)
            continue
        for k, c in enumerate(covered.CLASS_NAMES):
            counts[with_operator(f"people_{c}", op)] = by_class[:, k]
        counts[with_operator("people_covered", op)] = by_class[:, level:].sum(axis=1)
    if "people_4g" not in counts:
        counts["people_4g"] = 0.0


def _settlement_frame(inputs: Inputs, coverage: CoverageResult, units: gpd.GeoDataFrame,
                      level: int) -> pd.DataFrame:
    s = inputs.settlements
    if s is None:
        return pd.DataFrame(columns=["settlement_id", "name", "unit_code", "households",
                                     "fibre_households", "electrified", "service_class"])
    ids = s["settlement_id"].astype(str) if "settlement_id" in s else pd.Series(
        [f"S{i + 1}" for i in range(len(s))], index=s.index)
    electrified = (s["electrified"].astype(bool) if "electrified" in s
                   else pd.Series(True, index=s.index))
    x, y = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    frame = pd.DataFrame({
        "settlement_id": ids.to_numpy(), "name": s["name"].astype(str).to_numpy(),
        "unit_code": unit_of_points(s, units),
        "households": s["households"].to_numpy(dtype=float),
        "fibre_households": s["fibre_households"].to_numpy(dtype=float),
        "electrified": electrified.to_numpy(),
        "service_class": covered.class_at_points(coverage.classes, coverage.transform, x, y)
        .astype(int),
    })
    for op, classes in coverage.operator_classes.items():
        frame[with_operator("service_class", op)] = covered.class_at_points(
            classes, coverage.transform, x, y).astype(int)
    return frame


def _settlement_counts(counts: pd.DataFrame, s: pd.DataFrame, level: int,
                       missing: list[str]) -> None:
    if s.empty:
        missing.append("households and fibre: no settlements input")
        return
    frame = s[s["unit_code"].isin(counts.index)]
    by = frame.groupby("unit_code")

    def put(name: str, series: pd.Series) -> None:
        counts[name] = series.reindex(counts.index, fill_value=0).astype(float)

    put("households", by["households"].sum())
    put("fibre_households", by["fibre_households"].sum())
    counts["communes_with_fibre"] = (counts["fibre_households"] > 0).astype(float)
    ops = [None] + [c.split(":", 1)[1] for c in frame.columns if c.startswith("service_class:")]
    for op in ops:
        cls = frame[with_operator("service_class", op)]
        ok = (cls >= level) & (cls != covered.NODATA_CLASS)
        put(with_operator("households_covered", op),
            frame[ok].groupby("unit_code")["households"].sum())
        for k, c in enumerate(covered.CLASS_NAMES):
            put(with_operator(f"households_{c}", op),
                frame[cls == k].groupby("unit_code")["households"].sum())
    frame = frame.assign(ok=(frame["service_class"] >= level)
                         & (frame["service_class"] != covered.NODATA_CLASS))
    elec = frame[frame["electrified"]]
    put("electrified_villages", elec.groupby("unit_code").size())
    put("electrified_villages_served", elec[elec["ok"]].groupby("unit_code").size())
    _unknown_as_missing(counts, frame, missing)


def _unknown_as_missing(counts: pd.DataFrame, frame: pd.DataFrame, missing: list[str]) -> None:
    """NaN (no data, never 0) for the household counts of units where a settlement lacks them.

    Households and fibre households are optional fields of the settlements: a unit's counts
    derived from them are unknown as soon as one of its settlements has no figure.
    """
    for field_name, prefixes in (("households", ("households",)),
                                 ("fibre_households", ("fibre_households", "communes_with_fibre"))):
        unknown = frame[frame[field_name].isna()]["unit_code"].unique()
        if len(unknown) == 0:
            continue
        cols = [c for c in counts.columns if c.split(":", 1)[0].startswith(prefixes)]
        counts.loc[counts.index.isin(unknown), cols] = np.nan
        missing.append(f"{field_name.replace('_', ' ')}: no data for {len(unknown)} unit(s) "
                       "(their settlements have no figure)")


def _cell_frame(inputs: Inputs, units: gpd.GeoDataFrame) -> pd.DataFrame:
    cells = inputs.cells
    if cells is None:
        return pd.DataFrame(columns=[*CELL_FIELDS, "unit_code"])
    out = pd.DataFrame({c: cells[c].to_numpy() for c in CELL_FIELDS if c in cells.columns})
    out["unit_code"] = unit_of_points(cells, units)
    return out


def _site_counts(counts: pd.DataFrame, cells: pd.DataFrame) -> None:
    inside = cells[cells["unit_code"].isin(counts.index)]
    for op in [None, *sorted(cells["operator"].astype(str).unique())]:
        part = inside if op is None else inside[inside["operator"] == op]
        by = part.groupby("unit_code")
        counts[with_operator("sites", op)] = (by["site_id"].nunique()
                                              .reindex(counts.index, fill_value=0).astype(float))
        counts[with_operator("sectors", op)] = (by.size().reindex(counts.index, fill_value=0)
                                                .astype(float))


def _network_counts(counts: pd.DataFrame, inputs: Inputs, units: gpd.GeoDataFrame,
                    missing: list[str]) -> None:
    pts = inputs.network_points
    if pts is None:
        missing.append("institutions on the data network: no network input")
        return
    frame = pd.DataFrame({
        "unit_code": unit_of_points(pts, units),
        "office": (pts["type"].astype(str).str.strip() == "commune_office").to_numpy(),
        "connected": ~pts["connection"].astype(str).str.strip().str.lower()
        .isin(NOT_CONNECTED).to_numpy(),
    })
    for prefix, part in (("institutions", frame), ("commune_offices", frame[frame["office"]])):
        by = part.groupby("unit_code")
        counts[prefix] = by.size().reindex(counts.index, fill_value=0).astype(float)
        counts[f"{prefix}_connected"] = (by["connected"].sum().reindex(counts.index, fill_value=0)
                                         .astype(float))


def _gap_counts(counts: pd.DataFrame, gaps: pd.DataFrame | None, missing: list[str]) -> None:
    if gaps is None:
        missing.append("gap count and people in gaps: no gaps table given")
        return
    unit = next((c for c in GAP_UNIT_COLUMNS if c in gaps.columns), None)
    people = next((c for c in GAP_PEOPLE_COLUMNS if c in gaps.columns), None)
    if unit is None or people is None:
        from netcover.errors import InputError

        msg = (f"the gaps table has columns {', '.join(map(str, gaps.columns))}; it needs a unit "
               f"column ({' or '.join(GAP_UNIT_COLUMNS)}) and a people column "
               f"({' or '.join(GAP_PEOPLE_COLUMNS)})")
        raise InputError(msg)
    by = pd.DataFrame({"unit_code": gaps[unit].astype(str),
                       "people": gaps[people].astype(float)}).groupby("unit_code")
    counts["gaps"] = by.size().reindex(counts.index, fill_value=0).astype(float)
    counts["people_in_gaps"] = by["people"].sum().reindex(counts.index, fill_value=0).astype(float)


def _long_table(counts: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    values = counts.copy()
    for share, (num, den) in SHARES.items():
        ops = [""] + [c.split(":", 1)[1] for c in counts.columns if c.startswith(f"{num}:")]
        for op in ops:
            n, d = with_operator(num, op or None), den
            if n in counts and d in counts:
                values[with_operator(share, op or None)] = np.divide(
                    counts[n].to_numpy(), counts[d].to_numpy(), out=np.full(len(counts), np.nan),
                    where=counts[d].to_numpy() > 0)
    long = values.reset_index().melt(id_vars="unit_code", var_name="indicator", value_name="value")
    long.insert(1, "unit_name", long["unit_code"].map(names))
    return long.dropna(subset=["value"]).reset_index(drop=True)
