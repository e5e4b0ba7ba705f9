"""Charts of a run: share of people covered per commune against the target, and the distribution
of the best-server signal level.

The numbers behind each chart come from pure functions (:func:`share_by_unit`,
:func:`signal_histogram`) so they can be tested without drawing; the drawing functions return
plain :class:`matplotlib.figure.Figure` objects saved by
:func:`netcover.outputs.report.printmaps.save_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from netcover.config.options import MAP_FORMATS, MapFormat
from netcover.core.i18n import Lang, fmt_number, fmt_share, tr
from netcover.core.palette import MET_COLOUR, NOT_MET_COLOUR, TECH_COLOURS
from netcover.core.textsafe import plot_text
from netcover.outputs.report.printmaps import figure_stem, save_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from netcover.outputs.results import Raster, RunFolder

__all__ = [
    "CHARTS", "SHARE_INDICATOR", "SIGNAL_BIN_DB", "share_by_unit", "share_chart", "signal_chart",
    "signal_histogram", "target_share", "unit_4g_shares", "write_charts",
]

#: Signal histogram bin width (dB).
SIGNAL_BIN_DB = 2.0
#: The monitoring indicator the commune chart shows when the run has it, with its own target.
SHARE_INDICATOR = "share_people_4g"


def target_share(run: RunFolder, given: float | None = None) -> float:
    """The share-of-people target the charts compare with: ``given`` if not None, else the run's
    people-with-4G target (``share_people_4g`` in the monitoring table), else the built-in one of
    :class:`netcover.config.monitor.Targets`.
    """
    if given is not None:
        return given
    mon = run.monitoring()
    if mon is not None:
        rows = mon[(mon["indicator"] == "share_people_4g") & mon["target"].notna()]
        if len(rows):
            text = str(rows["target"].iloc[0]).strip()
            return float(text.rstrip("%")) / 100.0 if text.endswith("%") else float(text)
    from netcover.config.monitor import Targets

    return Targets().people_4g_share


def unit_4g_shares(run: RunFolder) -> pd.DataFrame | None:
    """Communes' share of people with 4G (``name``, ``all_share_covered``, ``people``) from the
    run's monitoring table, to set against the 4G target; None when the run has no such rows."""
    import pandas as pd

    mon, units = run.monitoring(), run.unit_coverage()
    if mon is None or units is None:
        return None
    rows = mon[(mon["indicator"] == SHARE_INDICATOR) & (mon["unit"] != "District")]
    rows = rows[rows["unit"].isin(units["name"].astype(str))]
    if rows.empty:
        return None
    latest = rows.sort_values("period").drop_duplicates("unit", keep="last")
    share = pd.to_numeric(latest["latest"].astype(str).str.rstrip("%"), errors="coerce")
    percent = latest["latest"].astype(str).str.endswith("%")
    table = pd.DataFrame({"name": latest["unit"].astype(str),
                          "all_share_covered": np.where(percent, share / 100.0, share)})
    people = units.assign(name=units["name"].astype(str))[["name", "people"]]
    return table.merge(people, on="name", how="left")


def share_by_unit(units: pd.DataFrame, target: float) -> pd.DataFrame:
    """Communes sorted by share of people covered, with whether each meets ``target``.

    Returns
    -------
    DataFrame
        ``name``, ``share`` (in [0, 1]), ``people``, ``met`` (bool), lowest share first.
    """
    import pandas as pd

    table = pd.DataFrame({"name": units["name"].astype(str), "share": units["all_share_covered"],
                          "people": units["people"]})
    table["met"] = table["share"] >= target
    return table.sort_values(["share", "name"], kind="stable").reset_index(drop=True)


def signal_histogram(values: np.ndarray, cell_area_km2: float, *, nodata: float | None = None,
                     bin_db: float = SIGNAL_BIN_DB) -> tuple[np.ndarray, np.ndarray]:
    """Area (km²) per signal-level bin of a best-server raster.

    Bins are ``bin_db`` wide and aligned to multiples of it; NaN and ``nodata`` cells are left out.

    Returns
    -------
    edges, area_km2 : ndarray
        ``len(edges) == len(area_km2) + 1``; ``area_km2.sum()`` is the area with a signal.
    """
    v = np.asarray(values, dtype="float64").ravel()
    keep = np.isfinite(v)
    if nodata is not None and np.isfinite(nodata):
        keep &= v != nodata
    v = v[keep]
    if v.size == 0:
        return np.array([0.0, bin_db]), np.zeros(1)
    lo = np.floor(v.min() / bin_db) * bin_db
    hi = (np.floor(v.max() / bin_db) + 1) * bin_db
    edges = np.arange(lo, hi + bin_db / 2, bin_db)
    counts, _ = np.histogram(v, bins=edges)
    return edges, counts * cell_area_km2


def share_chart(units: pd.DataFrame, target: float | None, lang: Lang, data_date: str, *,
                four_g: bool = False) -> Figure:
    """Horizontal bars of the share of people covered per commune (``four_g``: with 4G), with
    the target line of the same indicator (no line and one colour when ``target`` is None)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    table = share_by_unit(units, 2.0 if target is None else target)
    fig = Figure(figsize=(8.0, 0.35 * len(table) + 1.8), layout="constrained")
    ax = fig.subplots()
    colours = [MET_COLOUR if m or target is None else NOT_MET_COLOUR for m in table["met"]]
    ax.barh(table["name"].map(plot_text), 100.0 * table["share"], color=colours)
    for y, share in enumerate(table["share"]):
        ax.text(100.0 * share + 0.3, y, fmt_share(share, lang), va="center", fontsize=7)
    low = max(0.0, min(100.0 * table["share"].min(), 100.0 * (target or 1.0)) - 10.0)
    ax.set_xlim(np.floor(low / 5.0) * 5.0, 104.0)
    suffix = "_4g" if four_g else ""
    ax.set_xlabel(f"{tr('share_axis' + suffix, lang)}\n{tr('data_date', lang, date=data_date)}")
    ax.set_title(tr("chart_share" + suffix, lang))
    if target is not None:
        line = ax.axvline(100.0 * target, color="black", linestyle="--", linewidth=1.2)
        ax.legend(handles=[Patch(color=MET_COLOUR, label=tr("met", lang)),
                           Patch(color=NOT_MET_COLOUR, label=tr("not_met", lang)), line],
                  labels=[tr("met", lang), tr("not_met", lang),
                          tr("target_line", lang, share=fmt_share(target, lang))],
                  loc="lower right", fontsize=8, framealpha=0.9)
    return fig


def signal_chart(signals: dict[str, Raster], lang: Lang, data_date: str) -> Figure:
    """Step histograms of best-server signal area per technology."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 4.5), layout="constrained")
    ax = fig.subplots()
    for tech, r in signals.items():
        cell_km2 = abs(r.transform.a * r.transform.e) / 1e6
        edges, area = signal_histogram(r.values, cell_km2, nodata=r.nodata)
        ax.stairs(area, edges, label=tech, color=TECH_COLOURS.get(tech, "0.3"), linewidth=1.6)
    bin_db = fmt_number(SIGNAL_BIN_DB, lang, 0 if SIGNAL_BIN_DB.is_integer() else 1)
    ax.set_xlabel(f"{tr('signal_axis', lang, bin=bin_db)}\n{tr('data_date', lang, date=data_date)}")
    ax.set_ylabel(tr("area_axis", lang))
    ax.set_title(tr("chart_signal", lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


#: The charts :func:`write_charts` writes, by name.
CHARTS = ("share_by_commune", "signal")
#: Masks of the cells outside the communes, by the communes' shapes and the raster's grid (the
#: signal chart of each language and technology masks the same grid).
_OUTSIDE: dict[str, np.ndarray] = {}


def _within_units(run: RunFolder, r: Raster) -> Raster:
    """``r`` with cells outside the communes set to NaN (unchanged if the run has no communes)."""
    import hashlib
    from dataclasses import replace

    from rasterio.features import geometry_mask

    units = run.units(columns=())
    if units is None or units.empty:
        return r
    shapes = units.to_crs(r.crs).geometry
    key = hashlib.sha256(repr((tuple(r.transform), r.values.shape)).encode()
                         + b"".join(shapes.to_wkb())).hexdigest()
    if key not in _OUTSIDE:
        _OUTSIDE.clear()
        _OUTSIDE[key] = geometry_mask(list(shapes), out_shape=r.values.shape, transform=r.transform)
    # float32 holds a float32 raster's values exactly (the histogram bins the same)
    kind = np.result_type(r.values.dtype, np.float32)
    return replace(r, values=np.where(_OUTSIDE[key], np.nan, r.values.astype(kind)))


def write_charts(run: RunFolder, folder: Path, lang: Lang, data_date: str, *,
                 target: float | None = None, formats: Sequence[MapFormat] = MAP_FORMATS,
                 only: Sequence[str] = CHARTS) -> dict[str, list[Path]]:
    """Write the ``share_by_commune_<lang>`` and ``signal_<lang>`` charts (those of ``only``: see
    :data:`CHARTS`) the run has data for.

    Returns
    -------
    dict
        Chart name -> files written.
    """
    written: dict[str, list[Path]] = {}
    if "share_by_commune" in only:
        fig = _share_figure(run, lang, data_date, target)
        if fig is not None:
            written["share_by_commune"] = save_figure(
                fig, figure_stem(folder, "share_by_commune", lang), formats, close=True)
    if "signal" in only:
        signals = {t: _within_units(run, r) for t in run.technologies()
                   if (r := run.signal(t)) is not None}
        if signals:
            written["signal"] = save_figure(signal_chart(signals, lang, data_date),
                                            figure_stem(folder, "signal", lang), formats, close=True)
    return written


def _share_figure(run: RunFolder, lang: Lang, data_date: str, target: float | None) -> Figure | None:
    """The share chart: 4G against the 4G target, else coverage (against ``target`` if given)."""
    units, four_g = run.unit_coverage(), unit_4g_shares(run)
    if four_g is not None:
        return share_chart(four_g, target_share(run, target), lang, data_date, four_g=True)
    if units is not None and len(units):
        return share_chart(units, target, lang, data_date)
    return None
