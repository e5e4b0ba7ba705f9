"""The monitoring jobs behind ``netcover monitor``: each reads a scenario and writes its results.

The command line only parses options and calls these; each returns what it wrote so a caller can
print or test it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netcover.config.monitor import Targets, parse_period, settings_from_scenario, store_path
from netcover.core.io import staged_output, write_table, write_text
from netcover.core.textformat import markdown_table
from netcover.data.measurements import MeasurementSet, read_measurements
from netcover.data.reported import read_reported
from netcover.errors import InputError
from netcover.monitor.calibrate import CalibrationResult, calibrate, write_calibrated_scenario
from netcover.monitor.charts import write_charts
from netcover.monitor.compare import comparison_tables, predict, write_discrepancy
from netcover.monitor.snapshot import record_snapshot, with_fibre_history
from netcover.monitor.store import Snapshot, list_snapshots, write_reported
from netcover.monitor.trends import HEADLINE, Changes, changes, history_of, summary_table
from netcover.monitor.unitmap import reaggregated_line

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.coverage.engine import CoverageResult, Progress
    from netcover.data.inputs import Inputs
    from netcover.monitor.site_compare import SiteComparison

__all__ = [
    "JobResult", "calibration", "compare_measurements", "import_reported", "load_with_coverage",
    "measurements", "readable_summary", "report", "resolve_store", "site_measurements",
    "site_measurements_job", "take_snapshot",
]


@dataclass
class JobResult:
    """Text to show and files written by a monitoring job."""

    text: str
    files: list[Path] = field(default_factory=list)


def load_with_coverage(scenario: Scenario, *,
                       progress: Progress | None = None) -> tuple[Inputs, CoverageResult]:
    """The scenario's inputs and coverage (loss rasters from and into the loss cache)."""
    from netcover.coverage.engine import compute_coverage
    from netcover.coverage.losscache import LossCache, default_cache_dir
    from netcover.data.inputs import load_inputs

    inputs = load_inputs(scenario)
    cache = LossCache(scenario.coverage.cache_dir or default_cache_dir())
    return inputs, compute_coverage(inputs, cache=cache, progress=progress)


def resolve_store(scenario: Scenario, store: Path | None) -> Path:
    """``store`` if given, else the scenario's (see :func:`~netcover.config.monitor.store_path`)."""
    return store or store_path(settings_from_scenario(scenario)[0], scenario)


def take_snapshot(scenario: Scenario, period: str, *, replace: bool = False,
                  store: Path | None = None, fibre_history: Path | None = None,
                  reported: Path | None = None, progress: Progress | None = None) -> Snapshot:
    """Compute the coverage and record a snapshot of ``period`` (``monitor snapshot``).

    The period and the fibre history are checked before the coverage is computed.
    """
    parse_period(period)
    settings, _ = settings_from_scenario(scenario)
    fibre_history = fibre_history or settings.fibre_history
    settings = dataclasses.replace(settings, store=resolve_store(scenario, store),
                                   reported=reported or settings.reported, period=period,
                                   fibre_history=fibre_history)
    # the files given here are checked with the other inputs, before any model runs
    scenario = dataclasses.replace(scenario, monitor=settings)
    inputs, coverage = load_with_coverage(scenario, progress=progress)
    if fibre_history is not None:
        inputs = with_fibre_history(inputs, fibre_history, period)
    return record_snapshot(inputs, coverage, settings, period, replace=replace)


def import_reported(scenario: Scenario, csv: Path, *, store: Path | None = None) -> int:
    """Import a reported-indicators CSV into the store; return the number of values."""
    frame = read_reported(csv)
    return write_reported(resolve_store(scenario, store), frame, source=str(csv))


def report(scenario: Scenario, out_dir: Path, *, store: Path | None = None,
           before: str | None = None, after: str | None = None,
           targets: Targets | None = None) -> JobResult:
    """Summary against targets, charts, and changes between two periods (``monitor report``)."""
    for period in (before, after):
        if period is not None:
            parse_period(period)
    path = resolve_store(scenario, store)
    settings, default_targets = settings_from_scenario(scenario)
    targets = targets or default_targets
    history, regrouped = history_of(path, settings)
    summary = summary_table(history, targets)
    shown = readable_summary(summary[summary["unit_code"] == "district"])
    snaps = list_snapshots(path)
    lines = [f"History: {len(snaps)} period(s): {', '.join(snaps['period'])}"]
    if settings.unit_changes is not None:
        lines.append(reaggregated_line(regrouped, settings.unit_changes))
        per_unit = (summary["unit_code"] == "district") | (summary["indicator"] == HEADLINE[0])
        shown = readable_summary(summary[per_unit])
    lines += ["", markdown_table(shown)]
    with staged_output(out_dir) as stage:
        files = [write_table(stage / "summary.csv", summary),
                 write_table(stage / "history.csv", history)]
        files += write_charts(history, targets, stage / "charts")
        if before and after:
            ch = changes(path, before, after)
            lines += ["", *_change_lines(ch, before, after)]
            files += [write_table(stage / f"changes_sites_{before}_{after}.csv", ch.sites),
                      write_table(stage / f"changes_coverage_{before}_{after}.csv", ch.coverage),
                      write_table(stage / f"changes_fibre_{before}_{after}.csv", ch.fibre)]
        text = "\n".join(lines)
        files.append(write_text(stage / "monitoring.md", text + "\n"))
    return JobResult(text, [out_dir / p.relative_to(stage) for p in files])


def _value_text(indicator: str, value: float) -> str:
    if value != value:  # NaN
        return ""
    return f"{value:.1%}" if indicator.startswith("share_") else f"{value:,.0f}"


def readable_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary for people: shares in percent, counts whole, years without decimals."""
    out = pd.DataFrame({"indicator": summary["indicator"], "unit": summary["unit"],
                        "period": summary["latest_period"]})
    out["latest"] = [_value_text(i, v) for i, v in zip(summary["indicator"], summary["latest"],
                                                       strict=True)]
    out["target"] = [_value_text(i, float(v)) if v is not None else ""
                     for i, v in zip(summary["indicator"], summary["target"], strict=True)]
    out["by"] = [str(int(y)) if y == y and y else "" for y in summary["target_year"]]
    out["status"], out["trend"] = summary["status"], summary["trend"]
    if "reaggregated" in summary:
        out["reaggregated"] = summary["reaggregated"]
    return out.reset_index(drop=True)


def _change_lines(ch: Changes, before: str, after: str) -> list[str]:
    counts = ch.sites["change"].value_counts()
    what = ", ".join(f"{n} {c}" for c, n in counts.items()) or "no change"
    cov = ch.coverage.set_index("unit_code")
    lines = [f"Changes {before} -> {after}: sites and cells: {what}."]
    if "district" in cov.index and "share_people_covered_change" in cov:
        d = cov.loc["district"]
        lines.append(f"People covered: {d['share_people_covered_before']:.1%} -> "
                     f"{d['share_people_covered_after']:.1%} "
                     f"({d['people_covered_change']:+,.0f} people).")
    lines.append(f"Households newly on fibre: {ch.fibre['newly_on_fibre'].clip(lower=0).sum():,.0f}"
                 f" in {int((ch.fibre['newly_on_fibre'] > 0).sum())} settlements.")
    if "share_people_covered_change" in cov:
        c = ch.coverage
        shown = pd.DataFrame({"code": c["unit_code"], "unit": c["unit_name"],
                              f"covered_% {before}": (100 * c["share_people_covered_before"]),
                              f"covered_% {after}": (100 * c["share_people_covered_after"]),
                              "people_covered_change": c["people_covered_change"].round()})
        lines += ["", markdown_table(shown)]
    return lines


def compare_measurements(scenario: Scenario, csv: Path, *, progress: Progress | None = None,
                         calibrated: bool = False) -> tuple[Inputs, MeasurementSet, pd.DataFrame]:
    """Read measurements and add the predictions at each point and serving cell (the model's, or
    with ``calibrated`` the scenario's calibration applied).

    The measurements are checked with the other inputs, before any model runs.
    """
    settings, _ = settings_from_scenario(scenario)
    scenario = dataclasses.replace(scenario, monitor=dataclasses.replace(settings, measurements=csv))
    inputs, _ = load_with_coverage(scenario, progress=progress)
    ms = read_measurements(csv, inputs)
    return inputs, ms, predict(inputs, ms, calibrated=calibrated)


def measurements(scenario: Scenario, csv: Path, out_dir: Path, *,
                 progress: Progress | None = None) -> JobResult:
    """Compare measurements with predictions (calibrated when the scenario is); write tables and
    the discrepancy layer."""
    settings, _ = settings_from_scenario(scenario)
    inputs, ms, compared = compare_measurements(scenario, csv, progress=progress, calibrated=True)
    tables = comparison_tables(compared)
    with staged_output(out_dir) as stage:
        files = [write_table(stage / "measurements_rows.csv", ms.counts()),
                 write_table(stage / "measurements_dropped.csv", ms.dropped),
                 write_table(stage / "measurements_compared.csv", compared)]
        files += [write_table(stage / f"errors_{k}.csv", t) for k, t in tables.items()]
        files.append(write_discrepancy(compared, inputs.crs, stage / "discrepancy.gpkg",
                                       cell_m=settings.discrepancy_cell_m))
    text = "\n".join(["Rows:", markdown_table(ms.counts()), "",
                      "Measured minus predicted (dB), overall and per technology:",
                      markdown_table(pd.concat([tables["overall"].assign(technology="all"),
                                                tables["by_technology"]], ignore_index=True))])
    return JobResult(text, [out_dir / p.relative_to(stage) for p in files])


def _measured_inputs(scenario: Scenario, csv: str | Path | None) -> Inputs:
    """The scenario's inputs, the measurements file checked with them (before any model runs)."""
    from netcover.data.inputs import load_inputs

    settings, _ = settings_from_scenario(scenario)
    if csv is not None:
        settings = dataclasses.replace(settings, measurements=Path(csv))
    return load_inputs(dataclasses.replace(scenario, monitor=settings))


def _no_points(ms: MeasurementSet, site_id: str, inputs: Inputs) -> InputError:
    cells = inputs.cells
    assert cells is not None
    own = cells[cells["site_id"].astype(str) == site_id]
    kinds = ", ".join(sorted({f"{o} {t}" for o, t in zip(own["operator"], own["technology"],
                                                          strict=True)}))
    return InputError(
        f"{ms.source or 'measurements'}: no point of site {site_id!r} to compare: no row names one of "
        f"its cells ({', '.join(own['cell_id'].astype(str))}) and no row of {kinds} without a cell id "
        f"within {inputs.scenario.coverage.radius_km:g} km has it as the predicted best server; "
        "is the drive test around this site?")


def _site_comparisons(inputs: Inputs, ms: MeasurementSet, site_ids: list[str],
                      calibrated: bool) -> list[SiteComparison]:
    from netcover.monitor.site_compare import compare_site, require_sites

    require_sites(inputs, site_ids)
    out = [compare_site(inputs, ms, s, calibrated=calibrated, labels=_class_names(inputs))
           for s in site_ids]
    for comparison in out:
        if comparison.summary["points"] == 0:
            raise _no_points(ms, comparison.site_id, inputs)
    return out


def _write_site(inputs: Inputs, comparison: SiteComparison, out_dir: str | Path) -> list[Path]:
    from netcover.coverage.assumptions import Assumptions
    from netcover.monitor.site_files import write_site_files

    cells = inputs.cells
    assert cells is not None
    own = cells[cells["site_id"].astype(str) == comparison.site_id]
    record = Assumptions.of_inputs(inputs).csv_columns(service=False)
    return write_site_files(comparison, out_dir, crs=inputs.crs, record=record,
                            site_xy=(float(own["x"].iloc[0]), float(own["y"].iloc[0])))


def site_measurements(source: Scenario | Inputs, csv: str | Path | MeasurementSet, site_id: str,
                      out_dir: str | Path, *, calibrated: bool = True) -> SiteComparison:
    """Predicted against measured for one site after it is built; write its files.

    The drive-test points the site serves are kept (the rows naming one of its cells, else the
    points within the computation radius where it is the predicted best server) and compared with
    the prediction of the site's own cell (see :mod:`netcover.monitor.site_compare`). The files
    (``site_comparison.csv``, ``site_summary.json``, ``site_discrepancy.gpkg``,
    ``site_errors.png``; see :mod:`netcover.monitor.site_files`) go into
    ``<out_dir>/site_<safe id>/``.

    Parameters
    ----------
    source : Scenario or Inputs
        The scenario (its inputs are loaded and the measurements checked with them), or inputs
        already loaded.
    csv : str, Path or MeasurementSet
        The drive test (:mod:`netcover.data.measurements`), or measurements already read.
    site_id : str
        The site, as the sites file's ``site_id`` spells it.
    out_dir : str or Path
        The measurements folder (``monitor measurements --out``; a run's ``<results>/measurements``).
    calibrated : bool
        Predict with the scenario's ``[calibration]`` when it has one (the default, as ``monitor
        measurements``); False: the model's own levels.

    Returns
    -------
    SiteComparison
        The points, the summary (as written to ``site_summary.json``) and the files written.

    Raises
    ------
    InputError
        The site is not in the sites file, or no measured point is the site's.
    """
    from netcover.data.inputs import Inputs as InputsType

    path = None if isinstance(csv, MeasurementSet) else csv
    inputs = source if isinstance(source, InputsType) else _measured_inputs(source, path)
    ms = csv if isinstance(csv, MeasurementSet) else read_measurements(csv, inputs)
    comparison = _site_comparisons(inputs, ms, [site_id], calibrated)[0]
    _write_site(inputs, comparison, out_dir)
    return comparison


def _site_lines(c: SiteComparison) -> list[str]:
    s = c.summary
    how = "; ".join(f"{n} by {rule}" for rule, n in s["selected_by"].items() if n)
    lines = [f"Site {c.site_id}: {s['points']} points ({how}); measured minus predicted: "
             f"bias {s['bias_db']:+.1f} dB, RMSE {s['rmse_db']:.1f} dB, MAE {s['mae_db']:.1f} dB, "
             f"median {s['median_error_db']:+.1f} dB, 90 % of |error| <= {s['p90_abs_error_db']:.1f} dB"]
    if s["points_without_prediction"]:
        lines.append(f"({s['points_without_prediction']} point(s) beyond the computation radius "
                     "have no prediction)")
    bands = pd.DataFrame(s["by_distance_band"])
    if len(bands):
        shown = bands[["band", "points", "bias_db", "rmse_db", "mae_db"]]
        lines += ["", markdown_table(shown.round(1))]
    return lines


def site_measurements_job(scenario: Scenario, csv: Path, out_dir: Path,
                          site_ids: list[str]) -> JobResult:
    """``monitor measurements --site``: :func:`site_measurements` for each site, the inputs and
    measurements read once; every site is checked (known, with points) before a file is written."""
    inputs = _measured_inputs(scenario, csv)
    ms = read_measurements(csv, inputs)
    comparisons = _site_comparisons(inputs, ms, site_ids, calibrated=True)
    files: list[Path] = []
    lines: list[str] = []
    for comparison in comparisons:
        files += _write_site(inputs, comparison, out_dir)
        lines += [*_site_lines(comparison), ""]
    return JobResult("\n".join(lines).rstrip(), files)


def _class_names(inputs: Inputs) -> dict[int, str]:
    """Name of each land-cover class code, from the terrain's class table when it has one."""
    table = inputs.terrain.landcover_classes
    return {} if table is None else {int(c.code): str(c.name) for c in table.classes}


def calibration(scenario: Scenario, csv: Path, out_dir: Path, *,
                progress: Progress | None = None,
                compare_models: bool = False) -> tuple[JobResult, CalibrationResult]:
    """Fit and cross-validate the correction per technology, band and land-cover class; write it
    and a calibrated scenario; with ``compare_models``, also rank the coverage models by their
    cross-validated error after calibration (``model_comparison.csv``)."""
    from netcover.monitor.model_choice import compare_models as rank_models

    settings, _ = settings_from_scenario(scenario)
    inputs, ms, compared = compare_measurements(scenario, csv, progress=progress)
    result = calibrate(compared, folds=settings.folds, seed=settings.seed,
                       labels=_class_names(inputs))
    ranked = (rank_models(inputs, ms, folds=settings.folds, seed=settings.seed)
              if compare_models else None)
    with staged_output(out_dir) as stage:
        files = [write_table(stage / "calibration.csv", result.detail),
                 write_calibrated_scenario(scenario, result, stage / "calibrated_scenario.toml")]
        if ranked is not None:
            files.append(write_table(stage / "model_comparison.csv", ranked))
    lines = ["Calibration per technology, band and land-cover class (dB; cv = cross-validated):",
             markdown_table(result.detail.round(2))]
    lines += [f"note: {n}" for n in result.notes]
    if ranked is not None:
        best = ranked["variant"].iloc[0]
        lines += ["", "Coverage models after calibration (best first):",
                  markdown_table(ranked.round(2)), "",
                  f"Best fit: {best} (set it in [coverage] to use it)"]
    return JobResult("\n".join(lines), [out_dir / p.relative_to(stage) for p in files]), result
