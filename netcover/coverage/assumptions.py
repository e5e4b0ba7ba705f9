"""What a coverage figure assumes: one record, said the same way in every report, map and table.

A coverage share means little without its assumptions: the propagation model and its diffraction
method, the service level (where the handset is, at which percentage of locations and of the time),
whether land cover (clutter) was used, and whether the model was calibrated against measurements.
:class:`Assumptions` holds them; every output takes its wording from it:

- :meth:`Assumptions.sentence`: the report's sentence next to each coverage figure (EN/VI, built by
  :func:`netcover.core.i18n.assumptions_text`, the one sentence builder);
- :meth:`Assumptions.banner`: the "Uncalibrated model" banner of reports and maps (None when
  calibrated);
- :meth:`Assumptions.legend_lines`: the item-per-line text of map legends;
- :meth:`Assumptions.as_dict` / :meth:`Assumptions.from_dict`: the JSON record a run writes
  (``coverage/assumptions.json``, read back by :meth:`netcover.outputs.results.RunFolder.assumptions`)
  and the GeoTIFF tags and GeoPackage metadata of the coverage layers;
- :meth:`Assumptions.csv_columns`: the constant ``assumed_*`` columns of the coverage CSV tables.

Why constant columns in CSV tables. A planner opens the CSV files in a spreadsheet: a ``#`` comment
line above the header breaks the table (Excel shows it as data, pandas needs ``comment=``), and a
sidecar file gets lost when the table is mailed on its own. Constant columns at the right end of the
table (``assumed_model``, ``assumed_diffraction``, ``assumed_service_level``,
``assumed_location_probability_pct``...) keep the file a clean table that every reader loads as
before, and the record travels with every row (a row pasted into another sheet still says what it
assumes). They are added in one place, the registry's CSV writer (``record=`` of
:meth:`netcover.core.files.OutputFile.write`, see :func:`netcover.core.record.stamp_table`); a table
that already has a column of the same name (e.g. one ``service_level`` per row) keeps its own.

Sources: the time percentage is P.1812's ``p`` (50 % here); location probability is P.1812-6 §4.8
(``pL``); land-cover clutter heights are P.1812-6 §3.2 Table 2 with P.2108 §3.2 terminal clutter
loss (added by the land-cover input).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.config.service import MEDIAN_SERVICE
from netcover.core.i18n import LANGS, Lang, assumptions_text, tr

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.data.inputs import Inputs
    from netcover.data.terrain import Terrain

__all__ = ["CSV_PREFIX", "Assumptions"]

#: Prefix of the constant columns a coverage CSV table carries (see the module's doc).
CSV_PREFIX = "assumed_"
#: The median service level (outdoor, 50 % of locations): that of the class rasters and tables.
_TODAY = (MEDIAN_SERVICE.name, MEDIAN_SERVICE.environment, MEDIAN_SERVICE.location_probability)
_TODAY_LABELS = tuple(MEDIAN_SERVICE.label(lang) for lang in LANGS)


@dataclass(frozen=True)
class Assumptions:
    """What the coverage figures of one run assume.

    Attributes
    ----------
    model : str
        ``[coverage] model``: ``"p1812"``, ``"hata"`` or ``"fspl"``.
    diffraction : str
        Diffraction method: ``"bullington"`` (P.1812 §4.3, one equivalent edge) or ``"deygout"``
        (P.526 §4.5.3, up to 3 edges); ``"none"`` for models without terrain diffraction.
    service_level : str
        Name of the service level the figures are for (``"outdoor_90"``).
    environment : str
        Where the handset is: ``"outdoor"``, ``"in_car"`` or ``"indoor"``.
    location_probability : float
        Percentage of locations served (P.1812 ``pL``).
    service_labels : tuple of str
        The service level's label in each language of :data:`netcover.core.i18n.LANGS`.
    land_cover : bool
        Whether a land-cover (clutter) layer was used.
    land_cover_source : str
        The land-cover file's name ("" without one).
    calibrated : tuple of str
        What carries a calibration (technologies, or ``technology/band/class`` entries); empty:
        uncalibrated.
    calibration_points : int or None
        Measurements the calibration was fitted on, when recorded.
    calibration_rmse_db : float or None
        Cross-validated RMSE after calibration (dB), when recorded.
    rx_height_m : float
        Handset height above ground (m).
    time_percentage : float
        Percentage of the time (P.1812 ``p``).
    """

    model: str = "p1812"
    diffraction: str = "bullington"
    service_level: str = _TODAY[0]
    environment: str = _TODAY[1]
    location_probability: float = _TODAY[2]
    service_labels: tuple[str, ...] = _TODAY_LABELS
    land_cover: bool = False
    land_cover_source: str = ""
    calibrated: tuple[str, ...] = ()
    calibration_points: int | None = None
    calibration_rmse_db: float | None = None
    rx_height_m: float = 1.5
    time_percentage: float = 50.0

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_scenario(cls, scenario: Scenario, *, terrain: Terrain | None = None,
                      service: object | None = None) -> Assumptions:
        """The assumptions of coverage computed from ``scenario``.

        Parameters
        ----------
        scenario : Scenario
            The scenario (model, diffraction, service levels, land cover, calibration, receiver).
        terrain : Terrain, optional
            The terrain the coverage was computed on: land cover counts as used when it carries a
            ``landcover`` or ``clutter_m`` layer (default: when the scenario names a land-cover file).
        service : ServiceLevel or str, optional
            The service level (or its name) the figures are for; default the headline one.
        """
        cov = scenario.coverage
        model = str(cov.model)
        diffraction = (str(cov.diffraction)
                       if model == "p1812" else "none")
        name, environment, probability, labels = _service(scenario, service)
        source = scenario.inputs.landcover
        if terrain is not None:
            used = terrain.landcover is not None or terrain.clutter_m is not None
        else:
            used = source is not None
        calibrated, points, rmse = _calibration(scenario.calibration)
        return cls(model=model, diffraction=diffraction, service_level=name, environment=environment,
                   location_probability=probability, service_labels=labels, land_cover=used,
                   land_cover_source=Path(source).name if used and source else "",
                   calibrated=calibrated, calibration_points=points, calibration_rmse_db=rmse,
                   rx_height_m=float(cov.rx_height_m))

    @classmethod
    def of_inputs(cls, inputs: Inputs, *, service: object | None = None) -> Assumptions:
        """The assumptions of coverage computed from ``inputs`` (its scenario and terrain)."""
        return cls.from_scenario(inputs.scenario, terrain=inputs.terrain, service=service)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Assumptions:
        """The assumptions of a record written by :meth:`as_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        for key in ("service_labels", "calibrated"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

    def with_service(self, service: object) -> Assumptions:
        """These assumptions for another service level (a ``ServiceLevel``: its name, environment,
        location probability and labels), e.g. the indoor figure beside the headline."""
        name, environment, probability, labels = _level(service)
        return dataclasses.replace(self, service_level=name, environment=environment,
                                   location_probability=probability, service_labels=labels)

    # ------------------------------------------------------------------ words
    @property
    def is_calibrated(self) -> bool:
        """Whether any calibration was applied."""
        return bool(self.calibrated)

    def service_label(self, lang: Lang) -> str:
        """The service level's label in ``lang`` ("outdoor, 90% of locations")."""
        if len(self.service_labels) == len(LANGS):
            return self.service_labels[LANGS.index(lang)]
        return tr("service_label", lang, environment=tr(f"env_short_{self.environment}", lang),
                  p=_pct(self.location_probability, lang))

    def calibration_text(self, lang: Lang) -> str:
        """"uncalibrated (...)" or "calibrated with N measurements (RMSE x dB after; 4G)"."""
        if not self.calibrated:
            return tr("uncalibrated", lang)
        techs = ", ".join(self.calibrated)
        if self.calibration_points is None:
            return tr("calibrated", lang, techs=techs)
        if self.calibration_rmse_db is None:
            return tr("calibrated_count", lang, n=_num(self.calibration_points, lang), techs=techs)
        return tr("calibrated_rmse", lang, n=_num(self.calibration_points, lang), techs=techs,
                  rmse=_num(self.calibration_rmse_db, lang, 1))

    def land_cover_text(self, lang: Lang) -> str:
        """"land cover from <file> ..." or "bare earth (no land-cover layer ...)"."""
        if not self.land_cover:
            return tr("land_cover_none", lang)
        return tr("land_cover_used", lang, source=self.land_cover_source or "?")

    def _items(self, lang: Lang) -> dict[str, str]:
        return {"model": tr(f"model_{self.model}", lang),
                "diffraction": tr(f"diffraction_{self.diffraction}", lang),
                "service": self.service_level,
                "environment": tr(f"env_{self.environment}", lang),
                "p": _pct(self.location_probability, lang), "time": _pct(self.time_percentage, lang),
                "rx": _num(self.rx_height_m, lang, 1), "land_cover": self.land_cover_text(lang),
                "calibration": self.calibration_text(lang)}

    def sentence(self, lang: Lang = "en") -> str:
        """One sentence: model, diffraction, service level, location and time percentages, handset
        height, land cover and calibration status, in ``lang``."""
        return assumptions_text(self._items(lang), lang)

    def banner(self, lang: Lang = "en") -> str | None:
        """The "Uncalibrated model: ..." warning of reports and maps; None when calibrated."""
        return None if self.calibrated else tr("banner_uncalibrated", lang)

    def legend_lines(self, lang: Lang = "en") -> list[str]:
        """Short lines for a map legend: model and diffraction, service level, location probability,
        land cover, calibration."""
        items = self._items(lang)
        return [tr("lg_model", lang, model=items["model"], diffraction=items["diffraction"]),
                tr("lg_service", lang, value=self.service_label(lang)),
                tr("lg_location", lang, p=items["p"], time=items["time"], rx=items["rx"]),
                tr("lg_land_cover", lang, value=items["land_cover"]),
                tr("lg_calibration", lang, value=items["calibration"])]

    # ------------------------------------------------------------------ records
    def as_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (``coverage/assumptions.json``)."""
        out = asdict(self)
        out["service_labels"] = list(self.service_labels)
        out["calibrated"] = list(self.calibrated)
        return out

    def csv_columns(self, *, service: bool = True) -> dict[str, object]:
        """The constant ``assumed_*`` columns of a coverage CSV table (English values, as the
        scenario spells them). ``service=False`` leaves out the service-level columns, for a table
        whose columns are per service level."""
        cols: dict[str, object] = {"model": self.model, "diffraction": self.diffraction}
        if service:
            cols.update(service_level=self.service_level, environment=self.environment,
                        location_probability_pct=self.location_probability)
        cols.update(time_percentage_pct=self.time_percentage, rx_height_m=self.rx_height_m,
                    land_cover=self.land_cover_source if self.land_cover else "none (bare earth)",
                    calibration=self.calibration_text("en") if self.calibrated else "uncalibrated")
        return {f"{CSV_PREFIX}{k}": v for k, v in cols.items()}

    def table_columns(self, lang: Lang) -> dict[str, object]:
        """The constant columns of a report table in ``lang``: translated headers, values in words
        (the report's CSV tables; :meth:`csv_columns` is the results' machine-readable form)."""
        from netcover.core.i18n import column

        values: dict[str, object] = {
            "model": tr(f"model_{self.model}", lang),
            "diffraction": tr(f"diffraction_{self.diffraction}", lang),
            "service_level": self.service_label(lang),
            "location_probability_pct": self.location_probability,
            "time_percentage_pct": self.time_percentage, "rx_height_m": self.rx_height_m,
            "land_cover": self.land_cover_text(lang), "calibration": self.calibration_text(lang)}
        return {column(f"{CSV_PREFIX}{k}", lang): v for k, v in values.items()}

    def csv_header_lines(self) -> list[str]:
        """The record as ``key: value`` lines (English): the metadata text of GeoTIFF and
        GeoPackage layers, and a plain-text note for anyone reading the CSV columns."""
        return [f"{k.removeprefix(CSV_PREFIX)}: {v}" for k, v in self.csv_columns().items()]



# ------------------------------------------------------------------------------ helpers
def _num(value: float, lang: Lang, decimals: int = 0) -> str:
    from netcover.core.i18n import fmt_number

    return fmt_number(float(value), lang, decimals)


def _pct(value: float, lang: Lang) -> str:
    """A percentage as people write it: 50, 90, 99.5 (Vietnamese 99,5)."""
    return _num(value, lang, 0 if float(value).is_integer() else 1)


def _service(scenario: Scenario, service: object | None) -> tuple[str, str, float, tuple[str, ...]]:
    """(name, environment, location probability, labels) of ``service`` or the headline level."""
    if service is None or isinstance(service, str):
        levels = scenario.service_levels
        wanted = service or scenario.coverage.headline_service
        found = [s for s in levels if getattr(s, "name", None) == wanted]
        if not found:
            if service is not None:
                known = ", ".join(str(getattr(s, "name", s)) for s in levels) or _TODAY[0]
                msg = f"no service level {service!r}; the scenario has: {known}"
                raise KeyError(msg)
            return (*_TODAY, _TODAY_LABELS)
        service = found[0]
    return _level(service)


def _level(service: object) -> tuple[str, str, float, tuple[str, ...]]:
    """(name, environment, location probability, labels) of a ``ServiceLevel``."""
    label = getattr(service, "label", None)
    labels = tuple(str(label(lang)) for lang in LANGS) if callable(label) else ()
    return (str(getattr(service, "name", "")), str(getattr(service, "environment", "outdoor")),
            float(getattr(service, "location_probability", 50.0)), labels)


def _entries(value: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """Every calibration entry (an object with ``offset_db``) of a possibly nested mapping."""
    if hasattr(value, "offset_db"):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _entries(inner, (*path, str(key)))


def _first(entry: object, *names: str) -> float | None:
    for name in names:
        value = getattr(entry, name, None)
        if value is not None:
            return float(value)
    return None


def _calibration(calibration: object) -> tuple[tuple[str, ...], int | None, float | None]:
    """(what is calibrated, measurements, RMSE after) of the scenario's calibration.

    Points are the calibration's ``n`` (0 for one written by hand: unknown), the RMSE after is its
    cross-validated ``rmse_cv_db``. With several technologies the RMSE is the point-weighted root
    mean square of theirs.
    """
    entries = [e for _, e in _entries(calibration)]
    names = tuple(sorted({path[0] for path, _ in _entries(calibration) if path}))  # the technologies
    counts = [n if (n := _first(e, "n")) else None for e in entries]
    known = [n for n in counts if n is not None]
    if not entries or len(known) < len(counts):
        return names, None, None
    return names, int(sum(known)), _pooled_rmse(entries, known)


def _pooled_rmse(entries: list[object], counts: list[float]) -> float | None:
    """The point-weighted root mean square of the entries' RMSE after calibration (None when one
    has none, or no points)."""
    rmses = [_first(e, "rmse_cv_db") for e in entries]
    values = [r for r in rmses if r is not None]
    total = sum(counts)
    if len(values) < len(rmses) or total == 0:
        return None
    return round(math.sqrt(sum(n * r**2 for n, r in zip(counts, values, strict=True)) / total), 2)
