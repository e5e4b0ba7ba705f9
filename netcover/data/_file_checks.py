"""Reading a file into a list of problems, and the checks of the ``[monitor]`` files.

:func:`guard` runs a reader and turns what it raises into problems, so that validation reports every
file's problems at once; :func:`monitor_problems` checks the monitoring files the way a run reads
them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from netcover.errors import NetcoverError, Problem, ValidationError

if TYPE_CHECKING:
    from netcover.data.inputs import Inputs

__all__ = ["guard", "monitor_problems"]

T = TypeVar("T")


def guard(path: Path, problems: list[Problem], read: Callable[[], tuple[T, list[Problem]]], *,
           key: str = "") -> T | None:
    """Run a reader returning (value, problems); turn a raised NetcoverError into a problem.

    ``key``: the scenario key naming the file, given to the problems that name no field.
    """
    found: list[Problem] = []
    value = None
    try:
        value, found = read()
    except ValidationError as exc:
        found = exc.problems
    except NetcoverError as exc:
        found = [Problem(str(path), str(exc).removeprefix(f"{path}: "))]
    problems.extend(dataclasses.replace(p, field=p.field or key) for p in found)
    return value


def monitor_problems(inputs: Inputs) -> list[Problem]:
    """The ``[monitor]`` files, against the units and settlements a run records them with."""
    from netcover.config.monitor import settings_from_scenario
    from netcover.data.reported import read_reported

    monitor, _ = settings_from_scenario(inputs.scenario)
    problems: list[Problem] = []
    units = set(inputs.units["code"]) if inputs.units is not None else None
    if monitor.reported is not None:
        reported = monitor.reported
        guard(reported, problems, lambda: (read_reported(reported, unit_codes=units), []),
               key="monitor.reported")
    if monitor.fibre_history is not None:
        problems += _fibre_history_problems(inputs, monitor.fibre_history, units, monitor.period)
    if monitor.measurements is not None and inputs.cells is not None:
        problems += _measurement_problems(inputs, monitor.measurements)
    return problems


def _fibre_history_problems(inputs: Inputs, history: Path, units: set[str] | None,
                            period: str | None) -> list[Problem]:
    """``[monitor] fibre_history`` against the settlements (and the period, with units)."""
    from netcover.config.monitor import current_period
    from netcover.data.fibre_history import check_fibre_history

    problems: list[Problem] = []
    s = inputs.settlements
    ids = set(s["settlement_id"].astype(str)) if s is not None and "settlement_id" in s else None
    if units is not None and ids is None:  # the run's snapshot applies the history to them
        where = str(inputs.scenario.inputs.settlements or "inputs.settlements")
        problems.append(Problem(where, "[monitor] fibre_history needs settlements with a "
                                "settlement_id field; add it, or leave out the history",
                                field="settlement_id"))
    checked_period = (period or current_period()) if units is not None else None
    guard(history, problems, lambda: check_fibre_history(history, settlement_ids=ids,
                                                         period=checked_period),
           key="monitor.fibre_history")
    return problems


def _measurement_problems(inputs: Inputs, drive: Path) -> list[Problem]:
    """``[monitor] measurements`` readable, with a warning for the rows left out."""
    from netcover.data.measurements import read_measurements

    problems: list[Problem] = []
    ms = guard(drive, problems, lambda: (read_measurements(drive, inputs), []),
                key="monitor.measurements")
    if ms is not None and len(ms.dropped):
        why = ", ".join(f"{n} {r}" for r, n in ms.dropped["reason"].value_counts().items())
        problems.append(Problem(str(drive), f"{len(ms.dropped)} of "
                                f"{len(ms.dropped) + len(ms.points)} rows are left out of "
                                f"comparisons ({why})", field="monitor.measurements",
                                severity="warning"))
    return problems
