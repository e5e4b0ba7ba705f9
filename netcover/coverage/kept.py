"""Coverage rasters written again only when their content changed.

A run after a small change (one sector's tilt) makes most of the coverage step's rasters again with
the same values: the other operators' and technologies' layers, the minimum loss, the classes far
from the change. Compressing and writing them is most of the step's "writing" time (about 1 s of CPU
on the sample), so :class:`KeptFiles` writes a raster only when its *content key* changed.

The key of a raster is a SHA-256 of everything its file is made of: the code that wrote it
(:func:`netcover.core.codeversion.code_digest`: version and a digest of the package), the file's
name, its array (dtype, shape and bytes) and every option of the writer (transform, CRS, nodata,
band descriptions, the record of assumptions). The coverage manifest (``coverage_manifest.json``,
in the registry :mod:`netcover.core.files`) keeps, per file, its key and the SHA-256 of its bytes.
The next run computes the keys of its rasters (hashing is about 30 times cheaper than compressing)
and, where the key is the one recorded by the run it replaces (``previous``: that run's coverage
folder) and the previous file is there with its recorded SHA-256, hard-links (or copies) that file
instead of writing it (:func:`~netcover.core.io.place_file`). A missing, altered or damaged file, a
changed array, option or version: the raster is written. The same content gives the same manifest
(no clock, no paths), so a re-run writes the same bytes as a fresh run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from netcover.core import files
from netcover.core.codeversion import code_digest
from netcover.core.io import file_sha256, place_file

__all__ = ["MANIFEST", "KeptFiles", "raster_key"]

#: The manifest entry of the registry.
MANIFEST = files.by_key("coverage_manifest")
#: Version of the manifest's layout (another layout writes every file again).
_SCHEMA = 1


def raster_key(name: str, array: np.ndarray, options: Mapping[str, Any]) -> str:
    """Content key of a raster file: the code's digest, the file's ``name``, the array's dtype,
    shape and bytes and the writer's ``options`` (as sorted JSON; a CRS by its WKT, other objects
    such as a transform by ``repr``)."""
    values = np.ascontiguousarray(array)
    head = json.dumps([code_digest(), name, values.dtype.str, list(values.shape), dict(options)],
                      sort_keys=True, default=_exact)
    h = hashlib.sha256(head.encode("utf-8"))
    h.update(values.reshape(-1).view(np.uint8).data)  # the GIL is released while hashing
    return h.hexdigest()


def _exact(value: object) -> str:
    """An option JSON does not know, exactly: a CRS's WKT, else its ``repr`` (an affine
    transform's prints every coefficient in full)."""
    to_wkt = getattr(value, "to_wkt", None)
    return str(to_wkt()) if callable(to_wkt) else repr(value)


class KeptFiles:
    """Writes the rasters of a step's folder, or places the previous run's where unchanged.

    ``folder``: where the files are written (the step's staging folder); ``previous``: the same
    step's folder of the run the new results replace (None or absent: every file is written).
    Threads may write through one instance at once. :meth:`finish` writes the manifest.
    """

    def __init__(self, folder: str | Path, previous: str | Path | None) -> None:
        self.folder = Path(folder)
        self.previous = None if previous is None else Path(previous)
        self._before = _recorded(None if self.previous is None else MANIFEST.in_step(self.previous))
        self._now: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        #: Files placed from the previous run / written by this one.
        self.kept = 0
        self.written = 0

    def raster(self, entry: files.OutputFile, array: np.ndarray, **options: Any) -> Path:
        """``entry.write(folder, array, **options)``, or the previous run's file of the same key."""
        key = raster_key(entry.name, array, options)
        return self.file(entry, key, lambda: entry.write(self.folder, array, **options))

    def file(self, entry: files.OutputFile, key: str, write: Callable[[], Path]) -> Path:
        """The file of ``entry`` whose content key is ``key``: the previous run's when it recorded
        that key and its file is intact, else ``write()``'s."""
        name = entry.name
        kept = self._kept(name, key)
        if kept is not None:
            path, sha = place_file(kept[0], entry.in_step(self.folder)), kept[1]
        else:
            path = write()
            sha = file_sha256(path)
        with self._lock:
            self._now[name] = (key, sha)
            if kept is None:
                self.written += 1
            else:
                self.kept += 1
        return path

    def _kept(self, name: str, key: str) -> tuple[Path, str] | None:
        """The previous file of ``name`` and its SHA-256 when its recorded key is ``key`` and
        its bytes are those recorded."""
        recorded = self._before.get(name)
        if recorded is None or recorded[0] != key or self.previous is None:
            return None
        src = self.previous / name
        try:
            intact = src.is_file() and file_sha256(src) == recorded[1]
        except OSError:
            return None
        return (src, recorded[1]) if intact else None

    def finish(self) -> Path:
        """Write the manifest of the files written or placed so far; its path."""
        with self._lock:
            entries = [[name, key, sha] for name, (key, sha) in sorted(self._now.items())]
        return MANIFEST.write(self.folder, {"schema": _SCHEMA, "netcover": code_digest(),
                                            "files": entries})


def _recorded(path: Path | None) -> dict[str, tuple[str, str]]:
    """The files a manifest records, by name: (key, SHA-256); empty when there is none, it is
    unreadable, of another layout or version, or names a file outside its folder."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if (not isinstance(data, dict) or data.get("schema") != _SCHEMA
                or data.get("netcover") != code_digest()):
            return {}
        found = {str(name): (str(key), str(sha)) for name, key, sha in data["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    inside = all(name and "/" not in name and "\\" not in name and name not in (".", "..")
                 for name in found)
    return found if inside else {}
