"""Writing coverage results: GeoTIFF layers, per-unit and per-settlement tables, a GeoPackage.

Layout under the output folder's ``coverage/``:

- ``signal_<tech>.tif`` best-server level (dBm: RSRP for 4G, SS-RSRP for 5G, RSCP for 3G),
  ``best_server_<tech>.tif`` (row of ``cells.csv``; -1 none), ``servers_within_6db_<tech>.tif``,
  ``sinr_<tech>.tif`` (dB), ``class_<tech>.tif``;
- ``class.tif`` the best class any operator offers, ``class_<operator>.tif`` per operator;
- ``loss_min.tif`` the smallest basic transmission loss from any site (no antenna);
- ``service_class_<level>.tif`` the best class any operator offers at each service level
  (:mod:`netcover.coverage.service`);
- ``cells.csv``, ``coverage_by_unit.csv``, ``coverage_by_settlement.csv``, ``coverage.gpkg``
  (layers ``units``, ``settlements``, ``sites``), ``coverage_by_service.csv`` (people covered at
  each service level per unit, operator and for the district, with ranges);
- ``assumptions.json``: what the figures assume (:mod:`netcover.coverage.assumptions`); the coverage
  tables carry it as constant ``assumed_*`` columns, the rasters as tags, the GeoPackage as layer
  metadata (the ``record=`` of the registry's writers).

The unit and settlement tables keep the median (``outdoor_50``) columns (``all_share_covered``...)
and add the headline and indoor levels' (``<layer>_share_covered_<level>`` with ``_low`` and
``_high``); settlements get ``<level>_class`` and ``probability_<environment>``.

Class rasters use 0 none, 1 weak, 2 fair, 3 good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.config.radio import CLASS_LEVELS, CLASS_NAMES
from netcover.config.service import MEDIAN_SERVICE
from netcover.core import files
from netcover.core.textformat import rounded
from netcover.coverage import people as covered
from netcover.coverage.assumptions import Assumptions
from netcover.coverage.schedule import map_threads, thread_count
from netcover.coverage.service import settlement_columns

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.config.scenario import Scenario
    from netcover.config.service import ServiceLevel
    from netcover.coverage.engine import CoverageResult
    from netcover.coverage.kept import KeptFiles
    from netcover.data.inputs import Inputs

__all__ = [
    "CoverageTables", "class_layers", "coverage_rasters", "coverage_tables", "headline_figures",
    "layer_slug", "raster_file", "raster_layers", "raster_spec", "settlement_service_columns",
    "shown_levels", "unit_service_columns", "unit_summary_table", "write_coverage",
]

@dataclass
class CoverageTables:
    """Statistics of a coverage result.

    ``service``: the long table of ``coverage_by_service.csv`` (None without a population);
    ``headline``: the headline figure and the indoor one beside it (:func:`headline_figures`).
    """

    units: pd.DataFrame | None
    settlements: pd.DataFrame | None
    district: dict[str, float]
    service: pd.DataFrame | None = None
    headline: dict[str, Any] = field(default_factory=dict)


def layer_slug(text: str) -> str:
    """A name made safe for file names: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "x"


def class_layers(result: CoverageResult) -> dict[str, np.ndarray]:
    """Class rasters by label: ``all`` then one per operator."""
    return {"all": result.classes, **result.operator_classes}


def coverage_tables(result: CoverageResult, inputs: Inputs, *, usable: str) -> CoverageTables:
    """Per-unit and per-settlement statistics and district totals."""
    level = CLASS_LEVELS[usable]
    layers = class_layers(result)
    units = None
    if inputs.units is not None:
        units = covered.unit_table(inputs.units, inputs.population, inputs.settlements, layers,
                                   result.transform, usable=level)
    settlements = None
    if inputs.settlements is not None:
        settlements = covered.settlement_table(inputs.settlements, layers, result.transform,
                                               usable=level)
    service = None
    if inputs.population is not None and result.service:
        service = covered.service_table(inputs.units, inputs.population, result.service,
                                        result.transform, usable=level)
    if settlements is not None and inputs.settlements is not None:
        settlement_service_columns(settlements, result, inputs, inputs.settlements)
    district = _district(result, inputs, level, settlements)
    shown = shown_levels(inputs.scenario)
    if service is not None:
        units = None if units is None else unit_service_columns(units, service, shown)
        _district_service(district, service)
    headline = headline_figures(service, shown)
    return CoverageTables(units, settlements, district, service, headline)


def shown_levels(sc: Scenario) -> list[ServiceLevel]:
    """The headline level and the indoor level beside it (when there is one)."""
    indoor = sc.indoor_level
    return [sc.headline_level, *([indoor] if indoor is not None else [])]


def unit_service_columns(units: pd.DataFrame, service: pd.DataFrame,
                         shown: list[ServiceLevel]) -> pd.DataFrame:
    """``units`` with ``<layer>_share_covered_<level>`` (``_low``, ``_high``) of the shown levels
    (``all_share_covered_outdoor_90``, ``Viettel_share_covered_indoor_90_low``...)."""
    rows = service[service["code"] != covered.DISTRICT_CODE]
    extra = {}
    for lv in shown:
        for layer, g in rows[rows["service"] == lv.name].groupby("layer", sort=False):
            g = g.set_index("code").reindex(units["code"].astype(str))
            for suffix in ("", "_low", "_high"):
                extra[f"{layer}_share_covered_{lv.name}{suffix}"] = g[
                    f"share_covered{suffix}"].to_numpy()
    return pd.concat([units, pd.DataFrame(extra, index=units.index)], axis=1)


def _district_service(district: dict[str, float], service: pd.DataFrame) -> None:
    """``share_people_covered_<level>`` (``_low``, ``_high``) of every level, any operator."""
    rows = service[(service["code"] == covered.DISTRICT_CODE) & (service["layer"] == "all")]
    for _, r in rows.iterrows():
        for suffix in ("", "_low", "_high"):
            district[f"share_people_covered_{r['service']}{suffix}"] = float(
                r[f"share_covered{suffix}"])


def headline_figures(service: pd.DataFrame | None,
                     shown: list[ServiceLevel]) -> dict[str, Any]:
    """The headline (and indoor) figures: service level, its label in English and Vietnamese,
    the district's share of people covered by any operator with its range, and per operator.

    Keys ``headline`` and ``indoor`` (absent without an indoor level), each a dict with
    ``service``, ``label``, ``label_vi``, ``location_probability``, ``environment`` and, with a
    population, ``share_people_covered``, ``low``, ``high`` and ``per_operator``
    (operator -> [share, low, high]).
    """
    out: dict[str, Any] = {}
    for key, lv in zip(("headline", "indoor"), shown, strict=False):
        fig: dict[str, Any] = {"service": lv.name, "label": lv.label("en"),
                               "label_vi": lv.label("vi"), "environment": lv.environment,
                               "location_probability": lv.location_probability}
        if service is not None:
            rows = service[(service["code"] == covered.DISTRICT_CODE)
                           & (service["service"] == lv.name)].set_index("layer")
            cols = ["share_covered", "share_covered_low", "share_covered_high"]
            fig.update(zip(("share_people_covered", "low", "high"),
                           rows.loc["all", cols].to_numpy(dtype=float).tolist(), strict=True))
            fig["per_operator"] = {str(op): [float(v) for v in r[cols]]
                                   for op, r in rows.drop(index="all").iterrows()}
        out[key] = fig
    return out


def settlement_service_columns(table: pd.DataFrame, result: CoverageResult, inputs: Inputs,
                               points: gpd.GeoDataFrame) -> None:
    """Add ``<level>_class`` (any operator) at each service level and the probabilities of service
    (``probability_<environment>``, ``<operator>_probability_<environment>``) to the table of
    the settlements ``points`` (in the result's CRS)."""
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    for name, s in result.service.items():
        cls = covered.class_at_points(s.classes["all"], result.transform, x, y)
        table[f"{name}_class"] = [CLASS_NAMES[c] if c < len(CLASS_NAMES) else "outside" for c in cls]
    probs = settlement_columns(result.operator_levels, result.operator_best_cell, result.cells,
                               inputs.scenario, inputs.terrain, x, y)
    for column, values in probs.items():
        table[column] = values


def _district(result: CoverageResult, inputs: Inputs, level: int,
              settlements: pd.DataFrame | None) -> dict[str, float]:
    out: dict[str, float] = {"usable_class": float(level)}
    grid_share = float((result.classes >= level).mean())
    out["area_share_covered"] = grid_share
    pop = inputs.population
    if pop is not None:
        shares = covered.class_shares(result.classes, result.transform, pop.transform,
                                      pop.counts.shape)
        people = (pop.counts[..., None] * shares).reshape(-1, shares.shape[-1]).sum(axis=0)
        total = float(people.sum())
        out["people"] = total
        for k, name in enumerate(CLASS_NAMES):
            out[f"people_{name}"] = float(people[k])
        out["share_people_covered"] = float(people[level:].sum() / total) if total else 0.0
    if settlements is not None:
        ok = settlements["usable_service"].to_numpy()
        hh = settlements["households"].to_numpy(dtype=float)
        out["villages"] = float(len(settlements))
        out["villages_without_service"] = float((~ok).sum())
        known = not np.isnan(hh).any() and hh.sum() > 0  # households are optional: NaN = no data
        out["share_households_covered"] = float(hh[ok].sum() / hh.sum()) if known else np.nan
    return out


#: Nodata and band description of each raster, by the file name's first part.
_RASTER_SPECS: dict[str, tuple[float | int | None, str]] = {
    "signal": (np.nan, "best-server level {tech} (dBm)"),
    "best_server": (-1, "row of cells.csv"),
    "servers_within_6db": (None, "cells within 6 dB of the best"),
    "sinr": (np.nan, "SINR of the best {tech} server (dB)"),
    "class": (255, "0 none, 1 weak, 2 fair, 3 good"),
    # the level is in the file name (a description naming it would need its own translation)
    "service_class": (255, "0 none, 1 weak, 2 fair, 3 good"),
    "loss_min": (np.nan, "smallest basic transmission loss (dB)"),
}


def raster_layers(result: CoverageResult) -> dict[str, np.ndarray]:
    """Every raster of a result by file stem (``signal_4G``, ``class_viettel``, ``loss_min``...),
    in the dtype it is written in."""
    out: dict[str, np.ndarray] = {}
    for tech, lay in result.technologies.items():
        out[f"signal_{tech}"] = lay.level_dbm.astype("float32")
        out[f"best_server_{tech}"] = lay.best_cell.astype("int32")
        out[f"servers_within_6db_{tech}"] = lay.server_count
        out[f"sinr_{tech}"] = lay.sinr_db.astype("float32")
        out[f"class_{tech}"] = lay.classes
    for label, classes in class_layers(result).items():
        out["class" if label == "all" else f"class_{layer_slug(label)}"] = classes
    out["loss_min"] = result.min_loss_db
    for name, s in result.service.items():
        out[f"service_class_{name}"] = s.classes["all"]
    return out


#: The registry entry of each raster, by the file name's first part (see :func:`raster_file`).
_RASTER_FILES = {"signal": "signal", "best_server": "best_server",
                 "servers_within_6db": "servers_within_6db", "sinr": "sinr"}


def raster_file(stem: str) -> files.OutputFile:
    """The registry entry (:mod:`netcover.core.files`) of a raster of :func:`raster_layers`."""
    if stem in ("class", "loss_min"):
        return files.by_key(stem)
    if stem.startswith("service_class_"):
        return files.by_key("service_class").of(service=stem.removeprefix("service_class_"))
    if stem.startswith("class_"):
        return files.by_key("class_layer").of(layer=stem.removeprefix("class_"))
    prefix, _, tech = stem.rpartition("_")
    return files.by_key(_RASTER_FILES[prefix]).of(tech=tech)


def coverage_rasters(result: CoverageResult) -> dict[str, files.Raster]:
    """Every raster of a result as :func:`write_coverage` writes it and
    :meth:`netcover.outputs.results.RunFolder.raster` reads it back, by its path in a results folder
    (``coverage/signal_4G.tif``...)."""
    from pyproj import CRS

    crs = CRS.from_user_input(result.crs)
    out = {}
    for stem, array in raster_layers(result).items():
        nodata = raster_spec(stem)[0]
        out[raster_file(stem).relative] = files.Raster(array, result.transform, crs,
                                                       None if nodata is None else float(nodata))
    return out


def raster_spec(stem: str) -> tuple[float | int | None, str]:
    """(nodata, band description) of a raster of :func:`raster_layers`."""
    if stem.startswith("class"):
        return _RASTER_SPECS["class"]
    if stem.startswith("service_class_"):
        return _RASTER_SPECS["service_class"]
    if stem in _RASTER_SPECS:
        return _RASTER_SPECS[stem]
    prefix, _, tech = stem.rpartition("_")
    nodata, text = _RASTER_SPECS[prefix]
    return nodata, text.format(tech=tech)


def write_coverage(result: CoverageResult, inputs: Inputs, tables: CoverageTables,
                   folder: Path, *, kept: KeptFiles | None = None) -> list[Path]:
    """Write every coverage output into ``folder``; return the paths written.

    ``kept``: the rasters go through it (:class:`~netcover.coverage.kept.KeptFiles`, writing
    into ``folder``): those whose content is the previous run's are placed, not written again.
    """
    # the class rasters and the *_share_covered columns are the median's (other levels: own files)
    assumed = Assumptions.of_inputs(inputs, service=MEDIAN_SERVICE)
    record = assumed.csv_columns()  # into every table, raster and layer (netcover.core.record)
    written = [files.by_key("assumptions").write(folder, assumed.as_dict())]

    def raster(item: tuple[str, np.ndarray]) -> Path:
        nodata, description = raster_spec(item[0])
        options = {"transform": result.transform, "crs": result.crs, "nodata": nodata,
                   "descriptions": (description,), "record": record}
        if kept is not None:
            return kept.raster(raster_file(item[0]), item[1], **options)
        return raster_file(item[0]).write(folder, item[1], **options)

    # GDAL compresses with the GIL released: the rasters are written on every core
    written += map_threads(raster, list(raster_layers(result).items()),
                           threads=thread_count(None, 32))
    written.append(files.by_key("cells").write(folder, result.cells))
    layers = {}
    if tables.units is not None and inputs.units is not None:
        written.append(files.by_key("coverage_by_unit").write(folder, rounded(tables.units),
                                                              record=record))
        geo = inputs.units[["geometry"]].join(tables.units.set_index(inputs.units.index))
        layers["units"] = geo
    if tables.settlements is not None and inputs.settlements is not None:
        written.append(files.by_key("coverage_by_settlement").write(folder,
                                                                    rounded(tables.settlements),
                                                                    record=record))
        layers["settlements"] = inputs.settlements[["geometry"]].join(
            tables.settlements.set_index(inputs.settlements.index))
    if tables.service is not None:
        # one row per service level: the record without a level of its own
        written.append(files.by_key("coverage_by_service").write(
            folder, rounded(tables.service), record=assumed.csv_columns(service=False)))
    if inputs.cells is not None:
        layers["sites"] = inputs.cells.drop(columns=["x", "y"], errors="ignore")
    if layers:
        written.append(files.by_key("coverage_gpkg").write(folder, layers, record=record))
    return written


def unit_summary_table(tables: CoverageTables) -> pd.DataFrame:
    """The compact per-unit table for reports: people, share covered, villages without service.

    Households figures the settlements lack are empty cells (no data), never 0. ``covered_%`` is
    the median prediction's (outdoor, 50% of locations); the headline and indoor levels follow as
    ``<level>_%`` with their ranges ("66.5 (54.5-77.0)").
    """
    assert tables.units is not None
    u = tables.units
    out = pd.DataFrame({"code": u["code"], "unit": u["name"]})
    if "people" in u:
        out["people"] = u["people"].round().astype(int)
        out["covered_%"] = (100 * u["all_share_covered"]).round(1)
        for name in reversed(CLASS_NAMES):
            out[f"{name}_%"] = (100 * u[f"all_people_{name}"] / u["people"].where(u["people"] > 0)).round(1)
    if "households" in u:
        out["households"] = _whole(u["households"])
        out["households_covered_%"] = (100 * u["all_share_households_covered"]).round(1)
        out["villages_without_service"] = u["all_villages_without_service"].astype(int)
    for fig in tables.headline.values():  # the headline and indoor levels, with their ranges
        name = fig["service"]
        if f"all_share_covered_{name}" in u:
            out[f"{name}_%"] = [_with_range(*(u[f"all_share_covered_{name}{x}"].iloc[i]
                                              for x in ("", "_low", "_high")))
                                for i in range(len(u))]
    return out


def _with_range(share: float, low: float, high: float) -> str:
    """``66.5 (54.5-77.0)``: a share and its range, in percent."""
    return f"{100 * share:.1f} ({100 * low:.1f}-{100 * high:.1f})"


def _whole(values: pd.Series) -> list[int | None]:
    """Whole numbers, None (an empty cell: no data) where a value is missing."""
    return [None if pd.isna(v) else round(float(v)) for v in values]
