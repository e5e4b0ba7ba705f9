"""TOML values of a scenario converted to the types of its settings' dataclasses.

Each field's type hint says how its value is checked and converted (literals, tuples, tables,
sections, paths, scalars); every problem is collected, with the dotted key it concerns, so that a
scenario's problems are reported at once.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from netcover.errors import Problem

__all__ = ["build_section"]

#: Fields that are not keys of the file (the scenario's own path).
_SKIP_FIELDS = {"path"}


def build_section(
    cls: type, raw: Mapping[str, Any], where: str, label: str, base: Path, problems: list[Problem]
) -> dict[str, Any]:
    """Keyword arguments of the dataclass ``cls`` from its table ``raw`` (at dotted key ``where``).

    Unknown keys and values of the wrong type are added to ``problems``; ``label`` names the file
    and ``base`` is the folder relative paths are resolved against.
    """
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in _SKIP_FIELDS]
    for key in raw:
        if key not in names:
            problems.append(_unknown_key(label, where, key, names))
    values: dict[str, Any] = {}
    for name in names:
        if name in raw:
            key = f"{where}.{name}" if where else name
            values[name] = _convert(hints[name], raw[name], key, label, base, problems)
    return values


def _unknown_key(label: str, where: str, key: str, names: list[str]) -> Problem:
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(names)}"
    section = f"[{where}]" if where else "the top level"
    return Problem(label, f"unknown key {key!r} in {section}; {hint}", field=key)


def _convert(
    hint: Any, value: Any, key: str, label: str, base: Path, problems: list[Problem]
) -> Any:
    """``value`` of the setting ``key`` converted to ``hint``; type problems go to ``problems``."""
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _convert(inner[0], value, key, label, base, problems)
    if origin in _BY_ORIGIN:
        return _BY_ORIGIN[origin](hint, value, key, label, base, problems)
    if dataclasses.is_dataclass(hint):
        return _convert_section(hint, value, key, label, base, problems)
    if hint is Path:
        return _convert_path(value, key, label, base, problems)
    if hint in _SCALARS:
        return _convert_scalar(hint, value, key, label, problems)
    return value  # pragma: no cover - every field type is handled above


def _bad(problems: list[Problem], label: str, key: str, value: Any, expected: str) -> None:
    problems.append(Problem(label, f"expected {expected}, got {value!r}", field=key))


def _convert_literal(
    hint: Any, value: Any, key: str, label: str, base: Path, problems: list[Problem]
) -> Any:
    args = get_args(hint)
    if value not in args:
        choices = ", ".join(repr(a) for a in args)
        close = difflib.get_close_matches(str(value), [str(a) for a in args], n=1)
        hint_txt = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(Problem(label, f"{value!r} is not one of {choices}{hint_txt}", field=key))
    return value


def _convert_tuple(
    hint: Any, value: Any, key: str, label: str, base: Path, problems: list[Problem]
) -> Any:
    if not isinstance(value, list | tuple):
        _bad(problems, label, key, value, "a list, e.g. [\"a\", \"b\"]")
        return ()
    item = get_args(hint)[0]
    return tuple(_convert(item, v, f"{key}[{i}]", label, base, problems)
                 for i, v in enumerate(value))


def _convert_dict(
    hint: Any, value: Any, key: str, label: str, base: Path, problems: list[Problem]
) -> Any:
    if not isinstance(value, Mapping):
        _bad(problems, label, key, value, "a table")
        return {}
    value_type = get_args(hint)[1]
    return {sub_key: _convert(value_type, sub, f"{key}.{sub_key}", label, base, problems)
            for sub_key, sub in value.items()}


#: Converters of generic field types, by their origin.
_BY_ORIGIN: dict[Any, Callable[..., Any]] = {
    Literal: _convert_literal, tuple: _convert_tuple, dict: _convert_dict,
}


def _convert_section(
    hint: Any, value: Any, key: str, label: str, base: Path, problems: list[Problem]
) -> Any:
    if not isinstance(value, Mapping):
        _bad(problems, label, key, value, f"a table [{key}]")
        try:
            return hint()
        except TypeError:  # a section without defaults (thresholds): nothing to stand in
            return None
    sub_problems = len(problems)
    values = build_section(hint, value, key, label, base, problems)
    try:
        return hint(**values)
    except (TypeError, ValueError) as exc:
        if len(problems) == sub_problems:
            why = str(exc).split(": ", 1)[-1] if isinstance(exc, ValueError) else str(exc)
            problems.append(Problem(label, why, field=key))
        return None


def _convert_path(value: Any, key: str, label: str, base: Path, problems: list[Problem]) -> Any:
    if not isinstance(value, str) or not value:
        _bad(problems, label, key, value, "a file path (string)")
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


#: Scalar field types: the values they accept and how a problem names the expected value.
_SCALARS: dict[type, tuple[Callable[[Any], bool], str]] = {
    bool: (lambda v: isinstance(v, bool), "true or false"),
    float: (lambda v: not isinstance(v, bool) and isinstance(v, int | float), "a number"),
    int: (lambda v: not isinstance(v, bool) and isinstance(v, int), "a whole number"),
    str: (lambda v: isinstance(v, str), "a string"),
}


def _convert_scalar(hint: type, value: Any, key: str, label: str, problems: list[Problem]) -> Any:
    accepts, expected = _SCALARS[hint]
    if not accepts(value):
        _bad(problems, label, key, value, expected)
        return value
    return float(value) if hint is float else value
