"""Tables as planners have them: CSV (any delimiter, decimal commas, with or without BOM) and Excel.

:func:`read_table` reads a table into text cells (``""`` where empty) with stripped headers, so the
caller checks each value itself and names the row and the field of a bad one. Row numbers stay those
the planner sees: the header is row 1, the first data row is row 2 (:func:`row_label`).

- CSV and text files: UTF-8 with or without a byte-order mark, or UTF-16 with a BOM (Excel's
  "Unicode text"). The delimiter (``,``, ``;`` or tab) is taken from the header line. In a file
  delimited by ``;`` or tab, numbers written with a decimal comma (``104,95`` or ``1.234,5``, as
  Vietnamese and European Excel save them) are turned into ``104.95`` and ``1234.5``; a number
  that could be read both ways there (``1.234``) is refused with the fix.
- Excel ``.xlsx`` / ``.xlsm`` (first sheet, read with openpyxl): numbers become text as Python
  writes them, whole numbers without ``.0`` (an id 1001 stays ``1001``), dates in ISO format.

Every problem raises :class:`~netcover.errors.DataFileError` naming the file and the fix.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from netcover.core.io import require_file
from netcover.errors import DataFileError

__all__ = [
    "EXCEL_SUFFIXES", "TABLE_SUFFIXES", "TEXT_SUFFIXES", "is_table", "not_a_number", "numbers", "read_table",
    "row_label",
]

#: Suffixes read as delimited text.
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: Suffixes read as Excel workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Every tabular suffix :func:`read_table` accepts.
TABLE_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES

_DELIMITERS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+$")
_AMBIGUOUS_DOT = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
_SAVE_AS = "save it from Excel as 'CSV UTF-8 (comma delimited)' or as .xlsx"


def is_table(path: str | Path) -> bool:
    """True when ``path`` is read by :func:`read_table` (CSV, text or Excel), not as a GIS layer."""
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def row_label(i: int | np.integer) -> str:
    """``"row N"`` of the ``i``-th data row (0-based) as the planner sees it (header is row 1)."""
    return f"row {int(i) + 2}"


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """Read a CSV, text or Excel table into text cells (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages ("sites", "proposals"...).

    Returns
    -------
    pandas.DataFrame
        One column per header field (names stripped), cells as stripped text, ``""`` when empty.
        ``attrs["delimiter"]`` and ``attrs["decimal_comma"]`` say how a text file was read.

    Raises
    ------
    DataFileError
        The file is missing, empty, not UTF-8/UTF-16, malformed, of an unknown kind, or holds a
        number that is ambiguous with decimal commas.
    """
    p = require_file(path, what)
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        df = _read_excel(p, what)
    elif suffix in (".xls", ".ods"):
        msg = f"{p}: {suffix} workbooks are not read; {_SAVE_AS.replace('save it', 'save it again')}"
        raise DataFileError(msg)
    else:
        df = _read_text(p, what)
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _decode(p: Path, what: str) -> str:
    raw = p.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = (f"{p}: the {what} file is not UTF-8 (byte {raw[exc.start]:#04x} at position "
               f"{exc.start}); {_SAVE_AS}, or convert it (iconv -f CP1258 -t UTF-8)")
        raise DataFileError(msg) from exc


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of , ; tab outside quotes."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(p: Path, what: str) -> pd.DataFrame:
    text = _decode(p, what)
    sep = _delimiter(text)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                         skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        hint = ("; numbers with decimal commas need ';' as the delimiter" if sep == "," else "")
        msg = f"{p}: cannot read the {what} table ({exc}){hint}; {_SAVE_AS} with a header row"
        raise DataFileError(msg) from exc
    df = df.apply(lambda col: col.str.strip())
    df.attrs["delimiter"] = sep
    df.attrs["decimal_comma"] = False
    if sep != ",":
        _convert_decimal_commas(df, p)
    return df


def _convert_decimal_commas(df: pd.DataFrame, p: Path) -> None:
    """Turn decimal-comma numbers into dot ones in place; refuse numbers that read both ways."""
    commas = df.apply(lambda col: col.str.match(_DECIMAL_COMMA))
    if not commas.to_numpy().any():
        return
    df.attrs["decimal_comma"] = True
    for col in df.columns:
        ambiguous = np.flatnonzero(df[col].str.match(_AMBIGUOUS_DOT).to_numpy())
        if ambiguous.size:
            i = int(ambiguous[0])
            value = df[col].iloc[i]
            msg = (f"{p}: {row_label(i)}, field {col!r}: {value!r} is ambiguous in a file with "
                   f"decimal commas ({value.replace('.', '')} or {value.replace('.', ',')}?); "
                   "write the number without a thousands separator, e.g. "
                   f"{value.replace('.', '')} or {value.replace('.', ',')}")
            raise DataFileError(msg)
        mask = commas[col].to_numpy()
        if mask.any():
            fixed = df.loc[mask, col].str.replace(".", "", regex=False)
            df.loc[mask, col] = fixed.str.replace(",", ".", regex=False)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _read_excel(p: Path, what: str) -> pd.DataFrame:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - a dependency
        msg = f"{p}: reading Excel needs openpyxl (pip install openpyxl), or save it as CSV UTF-8"
        raise DataFileError(msg) from exc
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        msg = f"{p}: cannot read the {what} workbook ({exc}); {_SAVE_AS}"
        raise DataFileError(msg) from exc
    try:
        rows = [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        msg = f"{p}: the first sheet of the {what} workbook has no header row in row 1"
        raise DataFileError(msg)
    header = rows[0]
    while header and not header[-1]:
        header.pop()
    body = [(r + [""] * len(header))[:len(header)] for r in rows[1:]]
    df = pd.DataFrame(body, columns=header, dtype=str)
    df.attrs["delimiter"] = ""
    df.attrs["decimal_comma"] = False
    return df


def not_a_number(raw: str) -> str:
    """The start of a message for a cell that should be a number but is not (with a hint)."""
    what = "is empty" if not raw else f"{raw!r} is not a number"
    if _DECIMAL_COMMA.match(raw):
        what += " (a decimal comma: write it with a dot, or save the file with ';' as delimiter)"
    return what


def numbers(values: pd.Series) -> pd.Series:
    """Cells as floats: NaN where empty or not a number; ``inf`` and ``1e400`` stay infinite."""
    return pd.to_numeric(values.replace("", np.nan), errors="coerce").astype(float)
