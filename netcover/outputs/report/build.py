"""Everything a person opens after a run: print maps, charts, the report in each language, the
all-in-one export and (when a builder is given) the interactive map.

:func:`build_outputs` reads only the results folder, so ``netcover report OUT`` can make the outputs
again from the files alone; the same results give the same files. An output whose content key is
the one the previous build recorded (:mod:`netcover.outputs.reuse`) is linked from that build
instead of being drawn again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.config.options import MAP_FORMATS, MAP_KINDS, MapFormat, MapKind
from netcover.core.files import by_key
from netcover.core.i18n import LANGS, Lang, check_lang
from netcover.outputs.maps.overlays import stored_in
from netcover.outputs.report.charts import CHARTS, write_charts
from netcover.outputs.report.document import write_report
from netcover.outputs.report.export import write_export
from netcover.outputs.report.printmaps import Backdrop, draw_map, figure_stem, read_backdrop, save_figure
from netcover.outputs.results import RunFolder
from netcover.outputs.reuse import Reuse, file_digest

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PRINT_DIR", "MapBuilder", "build_outputs", "data_date"]

#: Makes the interactive map of a results folder into an output folder; returns the file(s) written.
MapBuilder = Callable[[RunFolder, Path], "Path | Sequence[Path]"]
#: Sub-folder of the output folder with the print maps and charts.
PRINT_DIR = by_key("print_png").folder


def data_date(run: RunFolder) -> str:
    """The period the run's data is for, printed on maps and reports: the monitoring period
    (the scenario's ``[monitor] period``), else the run's date (UTC, ISO)."""
    from netcover.outputs.report._context import data_period

    return data_period(run)


def build_outputs(results: RunFolder | str | Path, out_dir: str | Path | None = None, *,
                  langs: Sequence[str] = LANGS, map_builder: MapBuilder | None = None,
                  date: str | None = None, target: float | None = None,
                  formats: Sequence[MapFormat] = MAP_FORMATS,
                  previous: str | Path | None = None, reuse: bool = True) -> list[Path]:
    """Write print maps, charts, reports and the export of a run.

    Parameters
    ----------
    results : RunFolder or path
        The results folder of a run (``netcover run``'s output folder).
    out_dir : path, optional
        Where the outputs go (default: the results folder itself). Layout: ``print/<map>_<lang>.png``
        and ``.pdf``, ``report_<lang>.html`` / ``.md``, ``tables/<table>_<lang>.csv``,
        ``exports/netcover_<slug>.gpkg``, ``exports/rasters.csv`` and ``outputs_manifest.json``.
    langs : sequence of {"en", "vi"}
        Report languages.
    map_builder : callable, optional
        ``map_builder(run, out_dir)`` writes the interactive map; called once, after the rest.
    date : str, optional
        The data date printed on maps and reports (default :func:`data_date`).
    target : float, optional
        Share-of-people target of the commune chart (default: the run's 4G target).
    formats : sequence of {"png", "pdf"}
        Print map and chart formats (the report embeds the PNGs, so "png" is always written).
    previous : path, optional
        The output folder of an earlier build (``netcover run``: the folder the new results
        replace; default ``out_dir`` itself): each print map, chart set, report and the
        interactive maps whose content key is unchanged are linked from it, not drawn again
        (:mod:`netcover.outputs.reuse`).
    reuse : bool
        False: draw everything (the manifest is still written). True: also keep the raster
        overlays of the interactive maps in the run's cache folder (``[coverage] cache_dir``, else
        ``NETCOVER_CACHE_DIR``...: :func:`~netcover.outputs.maps.overlays.stored_in`), so that a
        raster that did not change is not warped and coloured again.

    Returns
    -------
    list of Path
        Every file written.
    """
    run = results if isinstance(results, RunFolder) else RunFolder.open(results)
    out = Path(out_dir) if out_dir is not None else run.path
    languages: list[Lang] = [check_lang(lang) for lang in langs]
    fmts: list[MapFormat] = ["png", *[f for f in formats if f != "png"]]
    when = date or data_date(run)
    session = Reuse(out, (Path(previous) if previous is not None else out) if reuse else None)
    written, listing = write_export(run, out, reuse=session)
    backdrop = _Backdrop()
    for lang in languages:
        written += _language(session, run, out, lang, when, fmts, target=target, backdrop=backdrop,
                             listing=listing)
    maps: list[Path] = []
    if map_builder is not None:
        name = f"{getattr(map_builder, '__module__', '')}.{getattr(map_builder, '__qualname__', '')}"
        with stored_in(_cache_folder(run) if reuse else None):
            maps = session.output(run, "interactive", [name],
                                  partial(_interactive, builder=map_builder, out=out))
    return [*written, session.write_manifest(), *maps]  # the interactive map last, as it is made


def _language(session: Reuse, run: RunFolder, out: Path, lang: Lang, when: str,
              fmts: Sequence[MapFormat], *, target: float | None, backdrop: _Backdrop,
              listing: pd.DataFrame) -> list[Path]:
    """The print maps, charts and report of one language, each made or reused."""
    figures = [p for kind in MAP_KINDS for p in session.output(
        run, f"print_map:{kind}:{lang}", [when, fmts],
        partial(_print_map, kind=kind, lang=lang, when=when, out=out, formats=fmts,
                backdrop=backdrop))]
    for chart in CHARTS:  # each its own output: a changed signal raster leaves the share chart
        figures += session.output(run, f"chart:{chart}:{lang}", [when, fmts, target],
                                  partial(_charts, lang=lang, when=when, out=out, formats=fmts,
                                          target=target, only=(chart,)))
    pngs = [p for p in figures if p.suffix == ".png"]
    shown = [[p.relative_to(out).as_posix(), file_digest(p)] for p in pngs]
    listed = hashlib.sha256(listing.to_csv(index=False).encode("utf-8")).hexdigest()
    return figures + session.output(run, f"report:{lang}", [when, shown, listed],
                                    partial(write_report, out_dir=out, lang=lang, data_date=when,
                                            images=pngs, files=listing))


@dataclass
class _Backdrop:
    """The hillshade of the print maps, read once per build and only if a map is drawn."""

    shade: list[Backdrop | None] = field(default_factory=list)

    def of(self, run: RunFolder) -> Backdrop | None:
        run.dem_file()  # a watched run records the DEM's content
        if not self.shade:
            self.shade.append(read_backdrop(run))
        return self.shade[0]


def _print_map(run: RunFolder, *, kind: MapKind, lang: Lang, when: str, out: Path,
               formats: Sequence[MapFormat], backdrop: _Backdrop) -> list[Path]:
    """One print map in ``formats`` (nothing when the run has no data for it)."""
    fig = draw_map(run, kind, lang, when, backdrop.of(run))
    if fig is None:
        return []
    return save_figure(fig, figure_stem(out / PRINT_DIR, kind, lang), formats, close=True)


def _charts(run: RunFolder, *, lang: Lang, when: str, out: Path, formats: Sequence[MapFormat],
            target: float | None, only: Sequence[str]) -> list[Path]:
    charts = write_charts(run, out / PRINT_DIR, lang, when, target=target, formats=formats,
                          only=only)
    return [p for files in charts.values() for p in files]


def _cache_folder(run: RunFolder) -> Path:
    """The cache folder of the run's scenario (the default one when it is not known)."""
    from netcover.coverage.losscache import default_cache_dir

    scenario = run.scenario()
    folder = scenario.coverage.cache_dir if scenario is not None else None
    return Path(folder) if folder else default_cache_dir()


def _interactive(run: RunFolder, *, builder: MapBuilder, out: Path) -> list[Path]:
    built = builder(run, out)
    return [built] if isinstance(built, Path) else list(built)
