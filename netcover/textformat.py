"""Plain-text renderings of tables (Markdown), for the console, READMEs and reports, and tables
rounded as people read them (:func:`rounded`)."""

from __future__ import annotations

import numbers

import pandas as pd


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{float(value):,.1f}"
    return str(value).replace("|", "\\|")


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned, thousands separated."""
    headers = [str(c) for c in df.columns]
    rows = [[_cell(v) for v in rec] for rec in df.itertuples(index=False, name=None)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
               for c in df.columns]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric,
                                                                           strict=True)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if num else "-" * (w + 2)
                          for w, num in zip(widths, numeric, strict=True)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def rounded(df: pd.DataFrame, *, share_decimals: int = 4, decimals: int = 1) -> pd.DataFrame:
    """``df`` with its float columns as people read them: shares (columns named ``*share*``) to
    ``share_decimals``, other figures to ``decimals``, and whole numbers (6470.99999 people,
    1658.0 households) as integers. Other columns are unchanged."""
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if not pd.api.types.is_float_dtype(col):
            continue
        if "share" in str(name):
            out[name] = col.round(share_decimals)
            continue
        near = col.round(decimals)
        whole = near.dropna()
        out[name] = near.astype("Int64") if len(whole) and (whole == whole.round()).all() else near
    return out
