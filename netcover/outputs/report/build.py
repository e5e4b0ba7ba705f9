"""Everything a person opens after a run: print maps, charts, the report in each language, the
all-in-one export and (when a builder is given) the interactive map.

:func:`build_outputs` reads only the results folder, so ``netcover report OUT`` can make the outputs
again from the files alone; the same results give the same files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from netcover.config.options import MAP_FORMATS, MapFormat
from netcover.core.files import by_key
from netcover.core.i18n import LANGS, Lang, check_lang
from netcover.outputs.report.charts import write_charts
from netcover.outputs.report.document import write_report
from netcover.outputs.report.export import write_export
from netcover.outputs.report.printmaps import print_maps, read_backdrop
from netcover.outputs.results import RunFolder

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
                  formats: Sequence[MapFormat] = MAP_FORMATS) -> list[Path]:
    """Write print maps, charts, reports and the export of a run.

    Parameters
    ----------
    results : RunFolder or path
        The results folder of a run (``netcover run``'s output folder).
    out_dir : path, optional
        Where the outputs go (default: the results folder itself). Layout: ``print/<map>_<lang>.png``
        and ``.pdf``, ``report_<lang>.html`` / ``.md``, ``tables/<table>_<lang>.csv``,
        ``exports/netcover_<slug>.gpkg`` and ``exports/rasters.csv``.
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
    written, listing = write_export(run, out)
    backdrop = read_backdrop(run)
    for lang in languages:
        maps = print_maps(run, out / PRINT_DIR, lang, when, formats=fmts, backdrop=backdrop)
        charts = write_charts(run, out / PRINT_DIR, lang, when, target=target, formats=fmts)
        figures = [*maps.values(), *charts.values()]
        written += [p for files in figures for p in files]
        pngs = [p for files in figures for p in files if p.suffix == ".png"]
        written += write_report(run, out, lang, when, images=pngs, files=listing)
    if map_builder is not None:
        built = map_builder(run, out)
        written += [built] if isinstance(built, Path) else list(built)
    return written
