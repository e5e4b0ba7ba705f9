"""Upkeep of a loss cache folder (:mod:`netcover.coverage.losscache`): what it holds, clearing
it, trimming it to a size cap (least recently used entries first) and the cap itself.

``netcover cache info`` and ``netcover cache clear`` call :func:`cache_info` and
:func:`clear_cache`; a run trims its cache folder to :func:`cache_limit_mb` after the coverage step.
Only cache files (``.npy``/``.npz`` entries and the temporary files of interrupted writes) and the
folders they leave empty are ever removed.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from netcover.coverage.losscache import FORMAT_VERSION
from netcover.errors import InputError

__all__ = ["CacheInfo", "cache_info", "cache_limit_mb", "clear_cache", "trim_cache"]


@dataclass(frozen=True)
class CacheInfo:
    """What a cache folder holds: entries of this format and of older ones, in bytes."""

    folder: Path
    entries: int
    bytes: int
    old_entries: int = 0
    old_bytes: int = 0

    def describe(self) -> str:
        """One line for people, e.g. ``/x/loss: 12 entries, 24.1 MB``."""
        text = f"{self.folder}: {self.entries} entries, {self.bytes / 1e6:.1f} MB"
        if self.old_entries:
            text += (f" (and {self.old_entries} entries of an older format, "
                     f"{self.old_bytes / 1e6:.1f} MB, never read: netcover cache clear removes them)")
        return text


#: Files a cache folder may hold: entries and temporary files of interrupted writes.
_CACHE_FILES = ("*.npy", "*.npz", ".*.tmp.npy", ".*.tmp.npz")


def _cache_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted({p for pattern in _CACHE_FILES for p in folder.rglob(pattern) if p.is_file()})


def cache_info(folder: Path) -> CacheInfo:
    """Entries and size of the cache in ``folder`` (missing folder: empty)."""
    current = folder / f"v{FORMAT_VERSION}"
    new = old = new_b = old_b = 0
    for path in _cache_files(folder):
        size = path.stat().st_size
        if current in path.parents:
            new, new_b = new + 1, new_b + size
        else:
            old, old_b = old + 1, old_b + size
    return CacheInfo(folder, new, new_b, old, old_b)


def clear_cache(folder: Path) -> CacheInfo:
    """Delete every cache entry under ``folder`` (of any format); return what was deleted.

    Only cache files (``.npy``/``.npz``) and the folders they leave empty are removed, so a
    mistaken ``folder`` loses nothing else.
    """
    info = cache_info(folder)
    for path in _cache_files(folder):
        path.unlink(missing_ok=True)
    _remove_empty_dirs(folder)
    return info


def trim_cache(folder: Path, max_bytes: int) -> tuple[int, int]:
    """Delete the least recently used entries until the cache holds at most ``max_bytes``.

    Returns the number of entries deleted and the bytes freed. Entries of older formats go first.
    """
    current = folder / f"v{FORMAT_VERSION}"
    files = [(current in p.parents, p.stat().st_mtime, p) for p in _cache_files(folder)]
    files.sort(key=lambda t: (t[0], t[1], str(t[2])))
    total = sum(p.stat().st_size for _, _, p in files)
    removed = freed = 0
    for _, _, path in files:
        if total <= max_bytes:
            break
        size = path.stat().st_size
        path.unlink(missing_ok=True)
        total, removed, freed = total - size, removed + 1, freed + size
    _remove_empty_dirs(folder)
    return removed, freed


def _remove_empty_dirs(folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            path.rmdir()


def cache_limit_mb(setting: float | None = None) -> float | None:
    """The cache's size cap in MB: the scenario's ``[coverage] cache_max_mb``, else
    ``$NETCOVER_CACHE_MAX_MB``, else None (no cap).

    Raises
    ------
    InputError
        The setting or ``$NETCOVER_CACHE_MAX_MB`` is not a positive number.
    """
    if setting is not None:
        if not setting > 0:
            msg = (f"[coverage] cache_max_mb = {setting}: expected a positive number of megabytes; "
                   "leave it out for no cap")
            raise InputError(msg)
        return float(setting)
    env = os.environ.get("NETCOVER_CACHE_MAX_MB", "").strip()
    if not env:
        return None
    try:
        value = float(env)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        msg = (f"NETCOVER_CACHE_MAX_MB={env!r}: expected a positive number of megabytes "
               "(e.g. 2000); unset it for no cap")
        raise InputError(msg)
    return value
