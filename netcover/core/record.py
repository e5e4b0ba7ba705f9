"""The record a result file carries: what its figures assume, in the file itself.

A *record* is a flat mapping of names to plain values (for coverage:
:meth:`netcover.coverage.assumptions.Assumptions.csv_columns`, names ``assumed_model``,
``assumed_service_level``...). The registry's writers (:meth:`netcover.core.files.OutputFile.write`
with ``record=``) put it into each format the way its readers expect:

- CSV: constant columns at the right end of the table (:func:`stamp_table`), so the file stays a
  clean table in a spreadsheet and in pandas (no ``#`` line above the header) and every row says
  what it assumes; a column the table already has keeps its own values;
- GeoTIFF: dataset tags (``gdalinfo`` and QGIS show them; :func:`record_tags`);
- GeoPackage: the metadata of every layer (GDAL's ``gpkg_metadata``; QGIS shows it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Record", "record_tags", "stamp_table"]

#: A record: name -> plain value (text, number, bool).
Record = Mapping[str, object]


def stamp_table(df: pd.DataFrame, record: Record | None) -> pd.DataFrame:
    """``df`` with one constant column per item of ``record`` appended (a copy; ``df`` unchanged).

    Columns ``df`` already has are left as they are (the table's own values win). An empty table
    gets the columns with no rows.
    """
    if not record:
        return df
    extra = [k for k in record if k not in df.columns]
    if not extra:
        return df
    import pandas as pd

    out = df.copy()
    for key in extra:
        out[key] = pd.Series([record[key]] * len(out), index=out.index)
    return out


def record_tags(record: Record | None) -> dict[str, str]:
    """The record as text tags (GeoTIFF tags, GeoPackage layer metadata)."""
    return {str(k): str(v) for k, v in (record or {}).items()}
