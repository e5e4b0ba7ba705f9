"""The input summary as an output of :mod:`netcover.outputs.reuse` reads it: entry by entry.

An output that reads only some entries of the summary (its extent, its CRS) records only those, so
it is not made again when another entry (the coverage headline figures) changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Read", "RecordedSummary"]

#: One recorded read of :mod:`netcover.outputs.reuse`: (kind, path inside the folder or outside it,
#: GeoPackage layer or ""); kind "columns": some columns of a layer, named in the third field as
#: ``layer:column,column``.
Read = tuple[str, str, str]


def _read_entry(name: str) -> Callable[..., Any]:
    """The dict method ``name`` of one key, recording a read of that entry first."""
    method = getattr(dict, name)

    def read(self: RecordedSummary, key: Any) -> Any:
        self._entry(key)
        return method(self, key)

    read.__name__, read.__qualname__ = name, f"RecordedSummary.{name}"
    return read


def _read_all(name: str) -> Callable[..., Any]:
    """The dict method ``name``, recording a read of the whole summary first."""
    method = getattr(dict, name)

    def read(self: RecordedSummary, *args: Any) -> Any:
        self._whole()
        return method(self, *args)

    read.__name__, read.__qualname__ = name, f"RecordedSummary.{name}"
    return read


class RecordedSummary(dict[str, Any]):
    """The input summary as an output reads it: each entry read (``[key]``, ``get``, ``in``) is
    recorded as a read of that entry alone (``("summary", "", "key:<key>")``); whatever reads the
    whole (iteration, ``items``, ``len``, a copy, a comparison) records the whole summary."""

    def __init__(self, data: Mapping[str, Any], saw: Callable[[Read], None]) -> None:
        super().__init__(data)
        self._saw = saw

    def _entry(self, key: object) -> None:
        self._saw(("summary", "", f"key:{key}"))

    def _whole(self) -> None:
        self._saw(("summary", "", ""))

    __getitem__ = _read_entry("__getitem__")
    __contains__ = _read_entry("__contains__")

    def get(self, key: str, default: Any = None) -> Any:
        self._entry(key)
        return super().get(key, default)

    keys = _read_all("keys")
    items = _read_all("items")
    values = _read_all("values")
    __iter__ = _read_all("__iter__")
    __len__ = _read_all("__len__")
    __eq__ = _read_all("__eq__")

    __hash__ = None

    def copy(self) -> dict[str, Any]:
        """A plain copy (the whole summary is recorded as read)."""
        self._whole()
        return dict(super().items())

    def __copy__(self) -> dict[str, Any]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return copy.deepcopy(self.copy(), memo)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (dict, (self.copy(),))
