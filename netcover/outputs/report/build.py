"""Everything a person opens after a run: print maps, charts, the report in each language, the
all-in-one export and (when a builder is given) the interactive map.

:func:`build_outputs` reads only the results folder, so ``netcover report OUT`` can make the outputs
again from the files alone; the same results give the same files. An output whose content key is
the one the previous build recorded (:mod:`netcover.outputs.reuse`) is linked from that build
instead of being drawn again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.config.options import MAP_FORMATS, MAP_KINDS, MapFormat, MapKind
from netcover.core.files import by_key
from netcover.core.i18n import LANGS, Lang, check_lang
from netcover.core.io import file_identity
from netcover.outputs.maps.overlays import stored_in
from netcover.outputs.maps.rasters import overlays_beside
from netcover.outputs.report._spread import (
    Job,
    folder_view,
    made_in,
    made_there,
    picklable,
    spread,
    worker_pool,
)
from netcover.outputs.report.basemap import Backdrop, read_backdrop
from netcover.outputs.report.charts import CHARTS, write_charts
from netcover.outputs.report.document import write_report
from netcover.outputs.report.export import write_export
from netcover.outputs.report.printmaps import draw_map, figure_stem, save_figure
from netcover.outputs.results import RunFolder
from netcover.outputs.reuse import Reuse, file_digest

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PRINT_DIR", "WORKERS", "MapBuilder", "Progress", "build_outputs", "data_date"]

#: Makes the interactive map of a results folder into an output folder; returns the file(s) written.
MapBuilder = Callable[[RunFolder, Path], "Path | Sequence[Path]"]
#: ``progress(items, label)``: the items, shown done one by one (a progress bar).
Progress = Callable[[Sequence[Any], str], Iterable[Any]]
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
                  previous: str | Path | None = None, reuse: bool = True,
                  progress: Progress | None = None, workers: int | None = None) -> list[Path]:
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
    progress : callable, optional
        ``progress(outputs, label)`` shows the outputs being made (not those reused), one step per
        output done.
    workers : int, optional
        Worker processes drawing beside this one (default :data:`WORKERS`: one fewer than the
        usable cores), started only when enough is left to draw. Where an output is drawn never
        changes its files. The workers are spawned: a script calling this needs the
        ``if __name__ == "__main__":`` guard (as for :func:`netcover.run`), or ``workers=0``.

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
    figures = {lang: _figure_jobs(lang, when, out, fmts, target) for lang in languages}
    cache = _cache_folder(run) if reuse else None  # where overlays and screen images are kept
    build = _Build(session, run, {}, progress)
    todo = build.todo(figures, _interactive_job(map_builder, out, cache))
    # the maps' raster overlays are made in a thread beside the export, charts and print maps
    with overlays_beside(_maps_drawn(run, todo), cache):
        written, listing = write_export(run, out, reuse=session)
        reports = build.everything(
            todo, figures, lambda lang, shown: _report_job(lang, when, out, listing, cache, shown),
            workers)
    for lang, report in zip(languages, reports, strict=True):
        written += build.files([*figures[lang], report])
    # the interactive map last, as it is made
    return [*written, session.write_manifest(), *build.made.get("interactive", [])]


#: Worker processes drawing beside this one (None: one fewer than the usable cores; 0: none).
WORKERS: int | None = None
#: Rough CPU seconds of each kind of output (the sample's cold build), to weigh the drawing
#: left against the start-up of worker processes.
_COST = {"print_map": 1.2, "chart": 0.3, "report": 0.9, "interactive": 2.5}
#: Least drawing (CPU s, :data:`_COST`) worth starting worker processes for: a worker spends 2-3 s
#: of CPU before its first output is done (imports, fonts, the layers and rasters it reads), so
#: after a tilt change (two charts, two reports and the interactive maps: 4.9 s by these costs)
#: everything is drawn here; a cold build (15 s) is spread.
_POOL_MIN_COST = 6.0


def _workers(asked: int | None, cost: float, run: RunFolder) -> int:
    """Worker processes for drawing ``cost`` CPU seconds (``asked``: as :data:`WORKERS`)."""
    from netcover.core.parallel import usable_cores

    count = asked if asked is not None else WORKERS
    count = usable_cores() - 1 if count is None else count
    if count < 1 or cost < _POOL_MIN_COST or folder_view(run) is None:
        return 0
    return count


def _figure_jobs(lang: Lang, when: str, out: Path, fmts: Sequence[MapFormat],
                 target: float | None) -> list[Job]:
    """The print maps and charts of one language (each chart its own output: a changed signal
    raster leaves the share chart)."""
    maps = [Job(f"print_map:{kind}:{lang}", [when, fmts], partial(
        _print_map, kind=kind, lang=lang, when=when, out=out, formats=fmts), _COST["print_map"])
        for kind in MAP_KINDS]
    return maps + [Job(f"chart:{chart}:{lang}", [when, fmts, target], partial(
        _charts, lang=lang, when=when, out=out, formats=fmts, target=target, only=(chart,)),
        _COST["chart"]) for chart in CHARTS]


def _interactive_job(builder: MapBuilder | None, out: Path, cache: Path | None) -> Job | None:
    """The interactive maps, keyed on the builder's name (None without a builder)."""
    if builder is None:
        return None
    name = f"{getattr(builder, '__module__', '')}.{getattr(builder, '__qualname__', '')}"
    return Job("interactive", [name], partial(_interactive, builder=builder, out=out, cache=cache),
               _COST["interactive"])


def _maps_drawn(run: RunFolder, todo: Sequence[Job]) -> RunFolder | None:
    """``run`` when the interactive maps are among the outputs to make (``todo``), else None."""
    return run if any(job.name == "interactive" for job in todo) else None


def _report_job(lang: Lang, when: str, out: Path, listing: pd.DataFrame, cache: Path | None,
                figures: Sequence[Path]) -> Job:
    """The report of one language, showing its figures (made or reused)."""
    pngs = [p for p in figures if p.suffix == ".png"]
    shown = [[p.relative_to(out).as_posix(), file_digest(p)] for p in pngs]
    listed = hashlib.sha256(listing.to_csv(index=False).encode("utf-8")).hexdigest()
    return Job(f"report:{lang}", [when, shown, listed], partial(
        _report, cache=cache, out_dir=out, lang=lang, data_date=when, images=pngs, files=listing),
        _COST["report"])


def _report(run: RunFolder, *, cache: Path | None, **options: Any) -> list[Path]:
    """:func:`write_report`, the screen copies of its images kept in the folder ``cache``
    (None: in this process only)."""
    with stored_in(cache):
        return write_report(run, **options)


def _ends_first(figures: Mapping[Lang, Sequence[Job]], interactive: Job | None) -> list[Job]:
    """The figures and the interactive maps in the order :func:`spread` hands them out from both
    ends: the costly ones first at each end, the cheap charts in the middle (the last ones drawn,
    so the two processes end at about the same time)."""
    every = [job for each in figures.values() for job in each]
    costly = [job for job in every if job.cost >= 1.0]
    cheap = [job for job in every if job.cost < 1.0]
    half = len(costly) // 2
    return costly[:half] + cheap + costly[half:] + ([interactive] if interactive is not None else [])


@dataclass
class _Build:
    """The outputs of one build, made or reused, by name (``made``)."""

    session: Reuse
    run: RunFolder
    made: dict[str, list[Path]]
    progress: Progress | None

    def reused(self, job: Job) -> bool:
        """Whether ``job``'s files are the previous build's (then in :attr:`made`)."""
        files = self.session.reusable(self.run, job.name, job.settings)
        if files is not None:
            self.made[job.name] = files
        return files is not None

    def todo(self, figures: Mapping[Lang, Sequence[Job]], interactive: Job | None) -> list[Job]:
        """The print maps and charts (``figures``, by language) and the interactive maps to make,
        in the order they are handed out (:func:`_ends_first`); the others are reused."""
        return [job for job in _ends_first(figures, interactive) if not self.reused(job)]

    def everything(self, todo: Sequence[Job], figures: Mapping[Lang, Sequence[Job]],
                   report: Callable[[Lang, list[Path]], Job], workers: int | None) -> list[Job]:
        """Make the print maps, charts and interactive maps of ``todo`` (:meth:`todo`), then make
        or reuse the report of each language of ``figures`` (``report(lang, its figures'
        files)``), on worker processes too when there is enough to draw (see :func:`_workers`);
        the report jobs."""
        extra = _workers(workers, sum(j.cost for j in todo) + len(figures) * _COST["report"],
                         self.run)
        with worker_pool(extra) as pool:
            self.make(todo, pool, extra, "Print maps, charts and interactive maps")
            reports = [report(lang, self.files(each)) for lang, each in figures.items()]
            self.make([job for job in reports if not self.reused(job)], pool, extra, "Reports")
        return reports

    def files(self, jobs: Sequence[Job]) -> list[Path]:
        """The files of ``jobs`` (made or reused), in their order."""
        return [p for job in jobs for p in self.made[job.name]]

    def make(self, jobs: Sequence[Job], pool: Any, workers: int, label: str) -> None:
        """Make ``jobs``, on ``pool``'s workers too, with progress shown per output made."""
        if not jobs:
            return
        here = partial(made_in, self.run)
        view = folder_view(self.run) if pool is not None else None
        there = partial(made_there, view) if view is not None else here
        done = spread([replace(j, anywhere=j.anywhere and picklable(j.make)) for j in jobs],
                      here, there, pool if view is not None else None, workers)
        for _ in self.progress(jobs, label) if self.progress is not None else jobs:
            index, (files, reads) = next(done)
            job = jobs[index]
            self.made[job.name] = self.session.record(self.run, job.name, job.settings, reads, files)


#: The hillshade of the DEM last drawn in this process, by the DEM file's identity.
_SHADE: dict[tuple[str, int, int, int, int], Backdrop | None] = {}


def _backdrop(run: RunFolder) -> Backdrop | None:
    """The hillshade of the print maps, read once per DEM file and process."""
    dem = run.dem_file()  # a watched run records the DEM's content
    if dem is None:
        return None
    key = file_identity(dem)
    if key not in _SHADE:
        _SHADE.clear()
        _SHADE[key] = read_backdrop(run)
    return _SHADE[key]


def _print_map(run: RunFolder, *, kind: MapKind, lang: Lang, when: str, out: Path,
               formats: Sequence[MapFormat]) -> list[Path]:
    """One print map in ``formats`` (nothing when the run has no data for it)."""
    fig = draw_map(run, kind, lang, when, _backdrop(run))
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


def _interactive(run: RunFolder, *, builder: MapBuilder, out: Path,
                 cache: Path | None) -> list[Path]:
    """The interactive maps, their raster overlays kept in the folder ``cache`` (None: in this
    process only)."""
    with stored_in(cache):
        built = builder(run, out)
    return [built] if isinstance(built, Path) else list(built)
