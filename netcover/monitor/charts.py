"""Charts of indicators over periods (matplotlib PNG).

Shares: the district bold, each commune thin grey, the target dashed. Counts: the district only
(communes' counts are on another scale).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from netcover.config.monitor import Targets, parse_period
from netcover.core.i18n import INDICATORS, LANGS, Lang, fmt_number, tr, word
from netcover.core.textsafe import plot_text
from netcover.monitor.indicators import DISTRICT
from netcover.monitor.trends import target_table

__all__ = ["CHARTED", "plot_indicator", "write_charts"]

#: Indicators charted by :func:`write_charts` when they are in the history.
CHARTED: tuple[str, ...] = ("share_people_covered", "share_people_4g", "share_fibre_households",
                            "share_electrified_villages_served",
                            "share_commune_offices_connected", "sites", "fibre_households",
                            "share_adults_with_smartphone", "share_internet_users")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "indicator"


def plot_indicator(history: pd.DataFrame, indicator: str, path: str | Path, *,
                   target: float | None = None, target_year: int = 0, lang: Lang = "en") -> Path:
    """Write a PNG of one indicator over periods; return its path.

    Parameters
    ----------
    history : pandas.DataFrame
        Long table with ``period``, ``unit_code``, ``unit_name``, ``indicator``, ``value``.
    indicator : str
        The indicator to draw (shares are drawn in percent).
    target, target_year : float, int
        A target drawn as a dashed line (year 0: no deadline).
    lang : {"en", "vi"}
        Language of the title, axis and legend (the indicator's name as the report writes it).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    h = history[history["indicator"] == indicator].copy()
    h["t"] = h["period"].map(parse_period)
    share = indicator.startswith("share_")
    scale = 100.0 if share else 1.0
    periods = h.drop_duplicates("period").sort_values("t")
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    try:
        d = h[h["unit_code"] == DISTRICT].sort_values("t")
        if share or d.empty:  # counts of communes and district are not on one scale
            for k, (_code, g) in enumerate(h[h["unit_code"] != DISTRICT].groupby("unit_code")):
                g = g.sort_values("t")
                ax.plot(g["t"], g["value"] * scale, color="0.65", lw=0.8, marker=".", ms=3,
                        label=tr("mon_communes", lang) if k == 0 else None)
        if not d.empty:
            ax.plot(d["t"], d["value"] * scale, color="C0", lw=2.2, marker="o",
                    label=tr("mon_district", lang))
        if target is not None:
            value = fmt_number(target * scale, lang, 0 if float(target * scale).is_integer() else 1)
            label = tr("mon_target", lang, value=f"{value}{'%' if share else ''}")
            label += tr("mon_by", lang, year=target_year) if target_year else ""
            ax.axhline(target * scale, color="C3", ls="--", lw=1.2, label=label)
        ax.set_xticks(periods["t"].to_numpy(), periods["period"].tolist())
        name = str(word(indicator, lang, INDICATORS))
        ax.set_ylabel(f"{name} (%)" if share else name)
        ax.set_title(plot_text(name))
        if share:
            top = max(100.0, float(np.nanmax(h["value"] * scale)) if len(h) else 100.0)
            ax.set_ylim(0, top * 1.02)
        else:
            ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        from netcover.core.io import atomic_path

        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return Path(path)


def write_charts(history: pd.DataFrame, targets: Targets, folder: str | Path,
                 langs: Sequence[Lang] = LANGS) -> list[Path]:
    """A PNG per charted indicator (:data:`CHARTED`) present in ``history`` and language
    (``<indicator>.png`` in English, ``<indicator>_vi.png`` in Vietnamese); return the paths."""
    folder = Path(folder)
    goals = target_table(targets)
    files = []
    present = set(history["indicator"])
    for ind in CHARTED:
        if ind not in present:
            continue
        target, year = goals.get(ind, (None, 0))
        for lang in langs:
            suffix = "" if lang == "en" else f"_{lang}"
            files.append(plot_indicator(history, ind, folder / f"{_slug(ind)}{suffix}.png",
                                        target=target, target_year=year, lang=lang))
    return files
