"""The tables of the report: how each column is shown (its kind: integer, decimals, coordinate, share,
translated word...), the column specs of the report's tables, and their two forms: formatted for
reading in the document (:func:`shown`, at most :data:`MAX_ROWS` rows) and as numbers for the CSV
and workbook (:func:`raw`); the currency of the money columns, and what a Vietnamese report leaves
out (English-only text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from netcover.core.i18n import INDICATORS, Lang, advice, column, fmt_number, fmt_share, place, word
from netcover.outputs.report.export import is_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GAPS", "LINKS", "LINK_ASSUMPTIONS", "MAX_ROWS", "MONITORING", "PROPOSALS", "SITES", "TERMINALS",
    "Kind", "currency", "english_only", "in_currency", "raw", "shown", "unit_spec",
]

#: How a column is shown: integer, number with 1 or 2 decimals, coordinate, share, translated word.
Kind = Literal["int", "dec1", "dec2", "coord", "share", "word", "indicator", "text", "percent", "year",
               "place", "advice"]
#: Rows shown per table in the document (the CSV has all).
MAX_ROWS = 30

_UNITS: dict[str, Kind] = {"name": "text", "people": "int", "households": "int",
                           "all_share_covered": "share", "all_share_households_covered": "share",
                           "all_villages_without_service": "int"}
GAPS: dict[str, Kind] = {"gap_id": "text", "commune": "text", "people": "int", "households": "int",
                         "area_km2": "dec2", "village_names": "text", "road_distance_m": "int",
                         "site_distance_m": "int"}
SITES: dict[str, Kind] = {"rank": "int", "candidate_id": "text", "commune": "text", "lon": "coord",
                          "lat": "coord", "new_people": "int", "cumulative_share_covered": "share",
                          "cost": "int", "cost_per_new_person": "int", "gaps_closed": "text"}
LINKS: dict[str, Kind] = {"network": "word", "rank": "int", "link_id": "text", "phase": "int",
                          "type": "word", "from_name": "place", "to_name": "place",
                          "length_km": "dec2", "cost": "int", "cost_vnd": "int", "cost_usd": "int",
                          "people": "int", "households": "int", "institutions": "int",
                          "sites": "int", "benefit_per_kusd": "dec1"}
TERMINALS: dict[str, Kind] = {"network": "word", "name": "place", "category": "word",
                              "technology": "word", "npv_vnd": "int", "npv_usd": "int",
                              "demand_mbps": "dec1", "why": "text"}
LINK_ASSUMPTIONS: dict[str, Kind] = {"key": "text", "value": "dec2", "unit": "text",
                                     "source": "text"}
PROPOSALS: dict[str, Kind] = {"proposal_id": "text", "operator": "text", "purpose": "word",
                              "new_people": "int", "new_people_own": "int",
                              "new_households": "int", "overlap_share": "share",
                              "cost_per_new_person": "int", "nearest_site": "text",
                              "nearest_site_m": "int", "gaps_closed": "text", "verdict": "word",
                              "advice": "advice"}
MONITORING: dict[str, Kind] = {"indicator": "indicator", "period": "text", "latest": "percent",
                               "target": "percent", "by": "year", "status": "word", "trend": "word"}


def _cell(value: Any, kind: Kind, lang: Lang) -> str:
    if is_missing(value):
        return "-"
    if kind in ("int", "dec1", "dec2", "coord"):
        decimals = {"int": 0, "dec1": 1, "dec2": 2, "coord": 5}[kind]
        return fmt_number(float(value), lang, decimals) if kind != "coord" else f"{float(value):.5f}"
    if kind == "year":
        return f"{int(float(value))}" if str(value).replace(".", "", 1).isdigit() else str(value)
    if kind == "place":
        return place(str(value), lang)
    if kind == "advice":
        return advice(str(value), lang)
    if kind == "share":
        return fmt_share(float(value), lang)
    if kind == "word":
        return str(word(value, lang))
    if kind == "indicator":
        return str(word(value, lang, INDICATORS))
    if kind == "percent" and lang == "vi":  # monitoring values are text such as "61.0%" or "7,320"
        return str(value).replace(",", "\0").replace(".", ",").replace("\0", ".")
    return str(value)


def shown(df: pd.DataFrame, spec: Mapping[str, Kind], lang: Lang) -> pd.DataFrame:
    """The columns of ``spec`` present in ``df``, formatted for reading, with translated headers."""
    import pandas as pd

    cols = [c for c in spec if c in df.columns]
    return pd.DataFrame({column(c, lang): [_cell(v, spec[c], lang) for v in df[c]] for c in cols})


#: Decimals a CSV keeps, by kind (numbers as people read them); other kinds are text.
_CSV_DECIMALS: dict[Kind, int] = {"int": 0, "dec1": 1, "dec2": 2, "coord": 6, "share": 2,
                                  "percent": 2, "year": 0}


def raw(df: pd.DataFrame, spec: Mapping[str, Kind], lang: Lang) -> pd.DataFrame:
    """The columns of ``spec`` present in ``df`` for a CSV or workbook: numbers as numbers, rounded
    as people read them (whole people, years as integers, shares in % as the headers say, "61.0%"
    -> 61.0), words and advice in ``lang``, headers translated."""
    import pandas as pd

    out = {}
    for c in (c for c in spec if c in df.columns):
        kind, values = spec[c], df[c]
        if kind in _CSV_DECIMALS:
            number = pd.to_numeric(values.map(_number), errors="coerce")
            number = (100.0 * number if kind == "share" else number).round(_CSV_DECIMALS[kind])
            values = number.astype("Int64") if _CSV_DECIMALS[kind] == 0 else number
        elif kind in ("word", "indicator", "place", "advice"):
            values = values.map(lambda v, k=kind: v if not isinstance(v, str) else _cell(v, k, lang))
        out[column(c, lang)] = values
    return pd.DataFrame(out, index=df.index)


def _number(value: object) -> float | None:
    """A table value as a number: "61.0%" -> 61.0, "7,320" -> 7320; None when it is not one."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace(",", "").removesuffix("%")
    try:
        return float(text)
    except ValueError:
        return None


def english_only(spec: dict[str, Kind], lang: Lang, *columns: str) -> dict[str, Kind]:
    """``spec`` without ``columns`` in a Vietnamese report: their text is English only (the reason
    of a choice, the source of a default), the CSV tables keep them."""
    return spec if lang == "en" else {k: v for k, v in spec.items() if k not in columns}


def currency(table: pd.DataFrame) -> str:
    """The currency of a table's costs: its ``currency`` column (the link plan's), else USD."""
    if "currency" in table.columns and len(table):
        return str(table["currency"].iloc[0])
    return "USD"


def in_currency(table: pd.DataFrame | None, name: str, costs: pd.DataFrame | None = None
                ) -> pd.DataFrame | None:
    """``table`` with its money column ``name`` renamed ``<name>_<currency>`` (the currency of
    ``table`` or of ``costs``), so that its header says the currency."""
    if table is None:
        return None
    cur = currency(costs if costs is not None else table).lower()
    return table.rename(columns={name: f"{name}_{cur}"}) if name in table.columns else table


def unit_spec(units: pd.DataFrame) -> dict[str, Kind]:
    """The columns of the coverage-by-commune table ``units`` to show: the units' own and each
    operator's share covered."""
    ops = [c.removesuffix("_share_covered") for c in units.columns
           if c.endswith("_share_covered") and not c.startswith("all_") and "households" not in c]
    return {**_UNITS, **{f"{op}_share_covered": "share" for op in ops}}
