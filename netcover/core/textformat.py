"""Plain-text renderings of tables (Markdown) and of repeated warnings, for the console, READMEs
and reports, and tables rounded as people read them (:func:`rounded`)."""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable

import pandas as pd

__all__ = ["fold_warnings", "markdown_table", "rounded"]


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


#: ``label: `` in front of a warning (``warning: ``, ``note: ``) and the subject it is about.
_LABEL = re.compile(r"^(?P<label>(?:warning|note): )?(?:(?P<subject>[^:\n]{1,80}?): )?(?P<msg>.*)$",
                    re.DOTALL)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def fold_warnings(lines: Iterable[str], examples: int = 3) -> list[str]:
    """Warnings with repeats of one kind folded into one line with a count and a few examples.

    A warning reads ``[warning: ][subject: ]message`` (``site S01 (900 MHz): Hata: distance ...``).
    Warnings of one kind have the same label and the same message once their numbers are set
    aside; each kind gives one line, where it first appeared: its first warning as it is, then
    ``[and N more like it: subject, subject, ... and K others]`` (its first ``examples`` other
    subjects). A warning of its own kind stays as it is.

    Parameters
    ----------
    lines : iterable of str
        The warnings, in the order they were raised.
    examples : int
        Subjects named in a folded line.

    Returns
    -------
    list of str
    """
    kinds: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for line in lines:
        m = _LABEL.match(line)
        assert m is not None  # the pattern matches any text
        kind = (m["label"] or "", _NUMBER.sub("#", m["msg"]))
        kinds.setdefault(kind, []).append((line, m["subject"] or ""))
    out = []
    for group in kinds.values():
        first, subject = group[0]
        if len(group) == 1:
            out.append(first)
            continue
        others = list(dict.fromkeys(s for _, s in group[1:] if s and s != subject))
        shown = ", ".join(others[:examples])
        hidden = len(others) - examples
        rest = f" and {hidden:,} other{'s' * (hidden > 1)}" if hidden > 0 else ""
        like = f": {shown}{rest}" if others else ""
        out.append(f"{first} [and {len(group) - 1:,} more like it{like}]")
    return out


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
