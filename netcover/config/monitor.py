"""Settings of monitoring: where the history store is, and the targets indicators are held to.

:class:`MonitorSettings` maps the scenario's ``[monitor]`` section and :class:`Targets` its
``[targets]`` section, one key per field (flat names, simple types). :func:`settings_from_scenario`
reads them from a loaded scenario and falls back to the defaults when a section is absent.

The default targets are those of Vietnam's programmes as the district is held to them:

- fibre broadband for over 80% of households and 100% of communes by 2025 (National Digital
  Transformation Programme, Decision 749/QĐ-TTg);
- mobile service in every electrified village of remote communes (Decision 2269/QĐ-TTg);
- 4G/5G for 99% of people by 2030;
- every commune office on the government data network.

A target year of 0 means "now": the target has no deadline, so it is either met or not met.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.core.textsafe import safe_name
from netcover.errors import InputError, Problem

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario

__all__ = [
    "DEFAULT_STORE_NAME", "MonitorSettings", "Targets", "current_period", "parse_period", "period_problems",
    "run_date", "settings_from_scenario", "store_path",
]

#: Name of the history store when the scenario does not name one (under ``reports/<slug>/``).
DEFAULT_STORE_NAME = "history.sqlite"
_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
#: Other ways people write a quarter or a month (matched upper-cased), for the error's fix.
_PERIOD_SPELLINGS = tuple(re.compile(p) for p in (
    r"^(?P<y>\d{4})\s*[-/_. ]?\s*(?P<p>Q\d)$",          # 2024Q3, 2024 Q3, 2024/q3
    r"^(?P<p>Q\d)\s*[-/_. ]?\s*(?P<y>\d{4})$",          # Q3 2024, Q3-2024
    r"^(?P<y>\d{4})\s*[-/_.]\s*(?P<p>\d{1,2})$",         # 2024-9, 2024/09, 2024.09
    r"^(?P<y>\d{4})(?P<p>\d{2})$",                        # 202409
    r"^(?P<p>\d{1,2})\s*[-/_.]\s*(?P<y>\d{4})$",         # 09/2024
))


@dataclass(frozen=True)
class Targets:
    """``[targets]``: target values (shares in [0, 1]) and the year each is due (0: now)."""

    fibre_households_share: float = 0.80
    fibre_households_year: int = 2025
    communes_with_fibre_share: float = 1.0
    communes_with_fibre_year: int = 2025
    electrified_villages_served_share: float = 1.0
    electrified_villages_served_year: int = 0
    people_4g_share: float = 0.99
    people_4g_year: int = 2030
    commune_offices_connected_share: float = 1.0
    commune_offices_connected_year: int = 0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if name.endswith("_share") and not 0.0 <= value <= 1.0:
                msg = f"targets.{name}={value} is a share: give a value in [0, 1] (0.8 = 80%)"
                raise ValueError(msg)
            if name.endswith("_year") and value != 0 and not 2000 <= value <= 2100:
                msg = f"targets.{name}={value}: give a year such as 2025, or 0 for 'now'"
                raise ValueError(msg)


@dataclass(frozen=True)
class MonitorSettings:
    """``[monitor]``: the history store and the files monitoring reads.

    Attributes
    ----------
    store : Path or None
        SQLite file of the history (None: ``reports/<slug>/history.sqlite`` under the current folder).
    period : str
        Period ``netcover run`` records (``2024-Q3``, ``2024-09`` or ``2024``); "" = the current
        quarter.
    reported : Path or None
        CSV of reported indicators (see :mod:`netcover.data.reported`), imported at each snapshot.
    fibre_history : Path or None
        CSV ``settlement_id, period, fibre_households``: the settlements' fibre households of each
        period, used instead of the settlements layer's for a snapshot of that period.
    measurements : Path or None
        Drive-test or crowdsourced CSV (see :mod:`netcover.data.measurements`).
    folds : int
        Folds of the cross-validation of the calibration.
    discrepancy_cell_m : float
        Cell size (m) of the gridded discrepancy layer.
    seed : int
        Seed of the fold assignment.
    unit_changes : Path or None
        CSV ``old_code, new_code[, share][, new_name]`` of units merged or split (see
        :mod:`netcover.monitor.unitmap`): ``monitor report`` and the run's monitoring summary show
        earlier periods re-aggregated to the new units.
    """

    store: Path | None = None
    period: str = ""
    reported: Path | None = None
    fibre_history: Path | None = None
    measurements: Path | None = None
    folds: int = 5
    discrepancy_cell_m: float = 500.0
    seed: int = 7
    unit_changes: Path | None = None

    def __post_init__(self) -> None:
        if self.period:
            parse_period(self.period)
        if not 2 <= self.folds <= 50:
            msg = f"monitor.folds={self.folds}: give a whole number of folds in [2, 50]"
            raise ValueError(msg)
        if not self.discrepancy_cell_m > 0:
            msg = f"monitor.discrepancy_cell_m={self.discrepancy_cell_m} must be > 0 m"
            raise ValueError(msg)


def parse_period(period: str) -> float:
    """Decimal year of the middle of a period (``2024-Q3`` -> 2024.625).

    Raises
    ------
    InputError
        The text is not ``YYYY-Qn``, ``YYYY-MM`` or ``YYYY``.
    """
    m = _PERIOD.match(str(period).strip())
    if m is None:
        fix = _suggested_period(str(period))
        use = f"use {fix}" if fix else "write it as a quarter (2024-Q3), a month (2024-09) or a year (2024)"
        msg = f"period {period!r} is not understood: {use}"
        if fix:
            msg += " (a period is a quarter 2024-Q3, a month 2024-09 or a year 2024)"
        raise InputError(msg)
    year = int(m.group(1))
    if m.group(2):
        return year + (int(m.group(2)) - 0.5) / 4.0
    if m.group(3):
        return year + (int(m.group(3)) - 0.5) / 12.0
    return year + 0.5


def run_date() -> dt.date:
    """Today's date (UTC), or the date of ``$SOURCE_DATE_EPOCH`` (seconds since 1970) when set.

    The one clock of outputs: the data date printed on maps and reports and the monitoring period
    a run records when the scenario names none. Setting ``SOURCE_DATE_EPOCH`` (the
    reproducible-builds convention) makes runs on different days give the same bytes.

    Raises
    ------
    InputError
        ``SOURCE_DATE_EPOCH`` is not a whole number of seconds.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return dt.datetime.now(dt.UTC).date()
    if not epoch.isdigit():
        msg = f"SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970-01-01 (e.g. 1727654400)"
        raise InputError(msg)
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()


def period_problems(periods: Iterable[object], label: str, field: str = "period") -> list[Problem]:
    """One :class:`~netcover.errors.Problem` per period of a table column that is not understood.

    ``label`` names the file; rows as :func:`netcover.core.tables.row_label` counts them (header row 1).
    """
    from netcover.core.tables import row_label

    problems = []
    for i, period in enumerate(periods):
        try:
            parse_period(str(period))
        except InputError as exc:
            problems.append(Problem(label, str(exc), row_label(i), field))
    return problems


def _suggested_period(text: str) -> str | None:
    """The documented spelling of a period written another common way (``2024Q3`` -> ``2024-Q3``)."""
    t = text.strip().upper()
    for pattern in _PERIOD_SPELLINGS:
        m = pattern.match(t)
        if m is None:
            continue
        year, part = m.group("y"), m.group("p")
        if part.startswith("Q"):
            return f"{year}-{part}" if part[1:] in "1234" and len(part) == 2 else None
        return f"{year}-{int(part):02d}" if 1 <= int(part) <= 12 else None
    return None


def current_period(today: dt.date | None = None) -> str:
    """The quarter of ``today`` (default: :func:`run_date`), e.g. ``2026-Q4``."""
    today = today or run_date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def store_path(settings: MonitorSettings, scenario: Scenario | None = None) -> Path:
    """The history store's path: the one the settings name, else ``reports/<slug>/history.sqlite``."""
    if settings.store is not None:
        return settings.store
    slug = safe_name(scenario.scenario.slug, fallback="scenario") if scenario else "scenario"
    return Path("reports") / slug / DEFAULT_STORE_NAME


def settings_from_scenario(scenario: Scenario) -> tuple[MonitorSettings, Targets]:
    """The scenario's ``[monitor]`` and ``[targets]`` sections, or the defaults where absent."""
    settings = getattr(scenario, "monitor", None)
    targets = getattr(scenario, "targets", None)
    return (settings if isinstance(settings, MonitorSettings) else MonitorSettings(),
            targets if isinstance(targets, Targets) else Targets())
