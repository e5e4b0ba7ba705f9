"""Scenario files: TOML loaded into frozen dataclasses, validated on load.

A scenario names the input files (paths relative to the scenario file) and the settings of every
step. Unknown keys are errors with the closest valid key suggested; every problem of a file is
reported at once. The bundled sample's ``scenario.toml`` documents every section.

The dataclasses of the scenario's own sections (``[scenario]``, ``[inputs]``, ``[validation]``,
``[coverage]``, ``[receiver]``, ``[execution]``) are :mod:`netcover.config.sections`; they are
importable from here too.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcover.config._toml import build_section
from netcover.config.calibration import Calibration, calibration_problems
from netcover.config.capacity import CapacitySettings
from netcover.config.links import LinkSettings
from netcover.config.monitor import MonitorSettings, Targets
from netcover.config.radio import TECHNOLOGIES, ClassThresholds, default_thresholds
from netcover.config.sections import (
    CENSUS_MAX_SLOPE_DEG,
    TILE_STEP,
    CoverageSettings,
    ExecutionSettings,
    InputFiles,
    ReceiverSettings,
    ScenarioInfo,
    ValidationSettings,
)
from netcover.config.service import DEFAULT_SERVICE_LEVELS, ServiceLevel, service_level
from netcover.config.siting import SitingSettings
from netcover.errors import DataFileError, Problem, ScenarioError

__all__ = [
    "CENSUS_MAX_SLOPE_DEG", "PLAUSIBLE", "TILE_STEP", "CoverageSettings", "ExecutionSettings", "InputFiles",
    "ReceiverSettings", "Scenario", "ScenarioInfo", "ValidationSettings", "load_scenario",
    "scenario_from_dict",
]


def _default_thresholds() -> dict[str, ClassThresholds]:
    return {tech: default_thresholds(tech) for tech in TECHNOLOGIES}


@dataclass(frozen=True)
class Scenario:
    """A whole scenario file, resolved: paths are absolute."""

    path: Path | None = None
    scenario: ScenarioInfo = field(default_factory=ScenarioInfo)
    inputs: InputFiles = field(default_factory=InputFiles)
    validation: ValidationSettings = field(default_factory=ValidationSettings)
    coverage: CoverageSettings = field(default_factory=CoverageSettings)
    receiver: ReceiverSettings = field(default_factory=ReceiverSettings)
    thresholds: dict[str, ClassThresholds] = field(default_factory=_default_thresholds)
    links: LinkSettings = field(default_factory=LinkSettings)
    siting: SitingSettings = field(default_factory=SitingSettings)
    calibration: dict[str, Calibration] = field(default_factory=dict)
    service_levels: tuple[ServiceLevel, ...] = DEFAULT_SERVICE_LEVELS
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    targets: Targets = field(default_factory=Targets)
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    capacity: CapacitySettings = field(default_factory=CapacitySettings)

    def __post_init__(self) -> None:
        usable = self.coverage.usable_class
        if isinstance(self.siting, SitingSettings) and self.siting.usable_class != usable:
            # siting reads the one setting, [coverage] usable_class
            object.__setattr__(self, "siting", dataclasses.replace(self.siting, usable_class=usable))

    def calibration_spread_db(self, technology: str, band_mhz: float | None = None) -> float | None:
        """Spread (dB) of the calibrated model's cross-validated errors for ``technology`` (on
        ``band_mhz`` when the calibration has that band's entry); None when the technology is
        uncalibrated or its calibration carries no spread (written by hand)."""
        cal = self.calibration.get(technology)
        return None if cal is None else cal.spread_db(band_mhz)

    @property
    def headline_level(self) -> ServiceLevel:
        """The service level of the headline figure (``[coverage] headline_service``)."""
        return service_level(self.service_levels, self.coverage.headline_service)

    @property
    def indoor_level(self) -> ServiceLevel | None:
        """The indoor level given beside the headline (``[coverage] indoor_service``), if any."""
        name = self.coverage.indoor_service
        indoor = [lv for lv in self.service_levels if lv.environment == "indoor"]
        if name == "none" or not indoor:
            return None
        return indoor[0] if name == "auto" else service_level(self.service_levels, name)

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the file are relative to."""
        return self.path.parent if self.path is not None else Path.cwd()


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario TOML file.

    Parameters
    ----------
    path : str or Path
        The scenario file.

    Returns
    -------
    Scenario
        Frozen, with paths resolved against the scenario file's folder.

    Raises
    ------
    DataFileError
        The file is missing or unreadable.
    ScenarioError
        The TOML is malformed, or keys are unknown or of the wrong type (all listed at once; its
        ``problems`` attribute holds them).
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: scenario file not found; give the path of a .toml scenario file"
        raise DataFileError(msg)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: not valid TOML ({exc}); fix the syntax at the place named"
        raise ScenarioError(msg) from exc
    return scenario_from_dict(raw, source=path)


def scenario_from_dict(raw: Mapping[str, Any], *, source: Path | None = None) -> Scenario:
    """Build a :class:`Scenario` from a parsed TOML mapping (see :func:`load_scenario`)."""
    label = str(source) if source is not None else "<scenario>"
    base = source.resolve().parent if source is not None else Path.cwd()
    problems: list[Problem] = []
    raw = _moved_usable_class(raw, label, problems)
    values = build_section(Scenario, raw, "", label, base, problems)
    checkable = Scenario(**{k: v for k, v in values.items() if v is not None})
    problems.extend(_value_problems(checkable, label))
    if problems:
        err = ScenarioError(_summarise(problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    values["path"] = source.resolve() if source is not None else None
    return Scenario(**values)


def _moved_usable_class(
    raw: Mapping[str, Any], label: str, problems: list[Problem]
) -> Mapping[str, Any]:
    """``raw`` without the old key ``[siting] usable_class`` (now ``[coverage] usable_class``).

    The same value as ``[coverage] usable_class`` is accepted with a :class:`FutureWarning` to
    delete it; another value is a problem naming both keys.
    """
    siting = raw.get("siting")
    if not isinstance(siting, Mapping) or "usable_class" not in siting:
        return raw
    coverage = raw.get("coverage")
    old = siting["usable_class"]
    current = (coverage.get("usable_class", CoverageSettings.usable_class)
               if isinstance(coverage, Mapping) else CoverageSettings.usable_class)
    if old == current:
        warnings.warn(f"{label}: [siting] usable_class is deprecated: siting uses [coverage] "
                      f"usable_class (here {current!r}); delete usable_class from [siting]",
                      FutureWarning, stacklevel=3)
    else:
        problems.append(Problem(
            label, f"[siting] usable_class = {old!r} differs from [coverage] usable_class = "
            f"{current!r}; there is one setting now: delete usable_class from [siting] and set "
            "[coverage] usable_class to the class people count as covered from (coverage, "
            "monitoring and siting)", field="siting.usable_class"))
    return {**raw, "siting": {k: v for k, v in siting.items() if k != "usable_class"}}


def _summarise(problems: list[Problem]) -> str:
    lines = [str(p) for p in problems]
    return f"{len(problems)} problem(s) in the scenario:\n" + "\n".join(lines)


def _value_problems(s: Scenario, label: str) -> list[Problem]:
    """Range checks that need the whole value, not just its type."""
    checks: list[tuple[Callable[[], bool], str, str]] = [
        (lambda: 0 < s.coverage.radius_km <= 100, "coverage.radius_km", "must be in (0, 100] km"),
        (lambda: 0 < s.coverage.rx_height_m <= 30, "coverage.rx_height_m", "must be in (0, 30] m"),
        (lambda: 0 <= s.coverage.delta_n < 150, "coverage.delta_n",
         "must be in [0, 150) N-units/km"),
        (lambda: 200 <= s.coverage.n0 <= 500, "coverage.n0", "must be in [200, 500] N-units"),
        (lambda: 0 <= s.validation.max_nodata_share <= 1, "validation.max_nodata_share",
         "is a share: give a value in [0, 1]"),
        (lambda: 0 < s.validation.max_site_height_m, "validation.max_site_height_m", "must be > 0"),
        (lambda: 0 <= s.inputs.census_max_slope_deg < 90, "inputs.census_max_slope_deg",
         "must be in [0, 90) degrees (0: spread census people over every cell of a unit)"),
        (lambda: bool(s.inputs.unit_population_field.strip()), "inputs.unit_population_field",
         "must name a field of the units layer (default \"population\")"),
        (lambda: s.receiver.noise_figure_db >= 0, "receiver.noise_figure_db", "must be >= 0 dB"),
        (lambda: 10 <= s.coverage.location_area_m <= 2000, "coverage.location_area_m",
         "must be in [10, 2000] m (the width of the area a location probability applies to)"),
    ]
    problems = _number_problems(s, label) + _service_problems(s, label)
    for ok, key, msg in checks:
        if key in {p.field for p in problems}:
            continue
        try:
            if not ok():
                problems.append(Problem(label, msg, field=key))
        except TypeError:  # a value of the wrong type, already reported
            continue
    for section, techs in (("thresholds", s.thresholds), ("calibration", s.calibration)):
        for tech in techs:
            if tech not in TECHNOLOGIES:
                msg = f"unknown technology {tech!r}; use one of {', '.join(TECHNOLOGIES)}"
                problems.append(Problem(label, msg, field=f"{section}.{tech}"))
    for tech, cal in s.calibration.items():
        problems.extend(Problem(label, msg, field=f"calibration.{tech}.{key}")
                        for key, msg in calibration_problems(cal))
    return problems


def _service_problems(s: Scenario, label: str) -> list[Problem]:
    """Service levels: at least one, names unique; the headline and indoor levels defined."""
    levels = [lv for lv in s.service_levels if isinstance(lv, ServiceLevel)]
    if len(levels) != len(s.service_levels):
        return []  # a table that could not be read: reported by the loader
    names = [lv.name for lv in levels]
    problems = []
    if not names:
        problems.append(Problem(label, "no service levels: give at least one [[service_levels]] "
                                "table (or delete the key to use the defaults)",
                                field="service_levels"))
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(label, f"service level {name!r} is defined twice; give each "
                                "[[service_levels]] table its own name", field="service_levels"))
    return problems + _shown_service_problems(s.coverage, levels, label)


def _shown_service_problems(cov: CoverageSettings, levels: list[ServiceLevel],
                            label: str) -> list[Problem]:
    """``[coverage] headline_service`` names a level, ``indoor_service`` an indoor one."""
    names = [lv.name for lv in levels]
    problems = []
    if names and cov.headline_service not in names:
        known = ", ".join(repr(n) for n in names)
        problems.append(Problem(label, f"{cov.headline_service!r} is not a service level; name one "
                                f"of {known}", field="coverage.headline_service"))
    indoor = [lv.name for lv in levels if lv.environment == "indoor"]
    if cov.indoor_service not in ("auto", "none", *indoor):
        problems.append(Problem(label, f"{cov.indoor_service!r} is not an indoor service level; "
                                f"name one of {', '.join(repr(n) for n in indoor) or '(none defined)'}"
                                ", \"auto\" (the first indoor level) or \"none\"",
                                field="coverage.indoor_service"))
    return problems


#: Plausible ranges of settings whose type allows absurd values: key -> (low, high, what it is).
PLAUSIBLE: dict[str, tuple[float, float, str]] = {
    "receiver.gain_dbi": (-10.0, 10.0, "handset antenna gain in dBi"),
    "receiver.body_loss_db": (0.0, 30.0, "body loss at the handset in dB"),
    "receiver.noise_figure_db": (0.0, 20.0, "handset noise figure in dB"),
    "receiver.tx_feeder_loss_db": (0.0, 20.0, "feeder and jumper loss at the BTS in dB"),
    "receiver.pilot_fraction_db": (-20.0, 0.0, "3G pilot (CPICH) power relative to the cell's, dB"),
    "thresholds.*": (-150.0, -30.0, "class bound in dBm"),
    "calibration.*.offset_db": (-40.0, 40.0, "calibration offset in dB"),
    "calibration.*.slope_db_per_decade": (-40.0, 40.0, "calibration slope in dB per decade"),
    "calibration.*.*.offset_db": (-40.0, 40.0, "calibration offset in dB"),
    "calibration.*.*.slope_db_per_decade": (-40.0, 40.0, "calibration slope in dB per decade"),
}


def _numbers(value: object, key: str) -> list[tuple[str, float]]:
    """Every float setting below ``value`` with its dotted key (sections, tables of sections)."""
    if isinstance(value, float):
        return [(key, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [n for f in dataclasses.fields(value)
                for n in _numbers(getattr(value, f.name), f"{key}.{f.name}".lstrip("."))]
    if isinstance(value, Mapping):
        return [n for k, v in value.items() for n in _numbers(v, f"{key}.{k}")]
    if isinstance(value, tuple):  # tables of a section (calibration entries)
        return [n for i, v in enumerate(value) for n in _numbers(v, f"{key}[{i}]")]
    return []


def _plausible(key: str) -> tuple[float, float, str] | None:
    parts = key.split(".")
    for pattern, found in PLAUSIBLE.items():
        want = pattern.split(".")
        if want[-1] == "*" and parts[:len(want) - 1] == want[:-1]:
            return found
        if len(want) == len(parts) and all(w in ("*", p) for w, p in zip(want, parts, strict=True)):
            return found
    return None


def _number_problems(s: Scenario, label: str) -> list[Problem]:
    """Every numeric setting finite, and those of :data:`PLAUSIBLE` within their range."""
    problems = []
    for key, value in _numbers(s, ""):
        if not math.isfinite(value):
            problems.append(Problem(label, f"{value!r} is not a finite number; give a number "
                                    "(or delete the key to use the default)", field=key))
            continue
        found = _plausible(key)
        if found is not None and not found[0] <= value <= found[1]:
            low, high, what = found
            problems.append(Problem(label, f"{value:g} is implausible; give the {what}, in "
                                    f"[{low:g}, {high:g}]", field=key))
    return problems


