"""The calibrated scenario: the original TOML with absolute paths and ``[calibration]`` replaced.

:func:`dumps_toml` writes nested tables and arrays of tables (the calibration's
``[[calibration.<technology>.entries]]``), leaving out unset (None) values.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.errors import InputError

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.monitor.calibrate import CalibrationResult

__all__ = ["calibrated_scenario_text", "dumps_toml", "rebase_paths", "write_calibrated_scenario"]


def calibrated_scenario_text(scenario: Scenario, result: CalibrationResult) -> str:
    """TOML of a scenario applying the calibration (see the module's doc)."""
    if scenario.path is None:
        msg = "the scenario has no file to calibrate; load it from a .toml file"
        raise InputError(msg)
    raw = tomllib.loads(scenario.path.read_text(encoding="utf-8"))
    rebase_paths(raw, scenario)
    head = [f"# Calibrated from measurements by netcover; original: {scenario.path}"]
    raw["calibration"] = {t: dataclasses.asdict(c) for t, c in result.corrections.items()}
    for tech, cal in result.corrections.items():
        head.append(f"# {tech}: correction {cal.offset_db:+.2f} dB "
                    f"{cal.slope_db_per_decade:+.2f} dB per decade of distance from the site"
                    + (f", and {len(cal.entries)} per band / land-cover class (entries)"
                       if cal.entries else ""))
    head += [f"# note: {n}" for n in result.notes]
    head.append("# entries: band_mhz omitted = every band, landcover omitted = every class; "
                "rmse_cv_db and residual_sd_db are cross-validated")
    return "\n".join(head) + "\n\n" + dumps_toml(raw)


def rebase_paths(raw: dict[str, Any], scenario: Scenario, folder: Path | None = None) -> None:
    """Rewrite, in place, the paths of a scenario's parsed TOML: absolute, or relative to
    ``folder`` when given (for a scenario file written there)."""
    import os

    for section, table in raw.items():
        obj = getattr(scenario, section, None)
        if not isinstance(table, dict) or obj is None or not dataclasses.is_dataclass(obj):
            continue
        for key in table:
            value = getattr(obj, key, None)
            if isinstance(value, Path):
                table[key] = (Path(os.path.relpath(value, folder)).as_posix() if folder
                              else str(value))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    # a TOML basic string: JSON's escapes are TOML's, plus DEL, which TOML wants escaped too
    return json.dumps(str(v), ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else (
        '"' + key + '"')


def _is_tables(v: Any) -> bool:
    return isinstance(v, list | tuple) and bool(v) and all(isinstance(x, dict) for x in v)


def _is_scalar(v: Any) -> bool:
    """A value written as ``key = value`` (not None, a table, tables or an empty tuple)."""
    return (v is not None and not isinstance(v, dict) and not _is_tables(v)
            and not (isinstance(v, tuple) and not v))


def _table_text(name: str, v: dict[str, Any]) -> str:
    """``[name]`` (only when it holds scalars or nothing) and its body."""
    has_scalars = any(not isinstance(x, dict) for x in v.values())
    return (f"[{name}]\n" if has_scalars or not v else "") + dumps_toml(v, name)


def dumps_toml(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text of nested dicts of scalars, lists and lists of dicts (arrays of tables); None
    values are left out (enough for scenario files)."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if _is_scalar(v)]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in data.items():
        name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
        if isinstance(v, dict):
            out += ("\n" if out else "") + _table_text(name, v)
        elif _is_tables(v):
            for item in v:
                out += ("\n" if out else "") + f"[[{name}]]\n" + dumps_toml(item, name)
    return out


def write_calibrated_scenario(scenario: Scenario, result: CalibrationResult,
                              path: str | Path) -> Path:
    """Write :func:`calibrated_scenario_text` (atomically); return the path."""
    from netcover.core.io import write_text

    return write_text(path, calibrated_scenario_text(scenario, result))
