"""Outputs made again only when what they show has changed.

Each output of :func:`~netcover.outputs.report.build.build_outputs` (a print map in one language,
the charts of a language, a report, the interactive maps) is made by a function of the run's
results. :meth:`Reuse.output` runs that function on a :class:`Watched` view of the results, which
records every result it reads with a digest (SHA-256) of its content: a file (its bytes, or the
object the run holds in memory), a GeoPackage layer (its rows, or only the columns the output
shows: :func:`layer_digest`, so that a changed tilt in the sites layer does not redraw a map that
shows only where the sites are), the input summary, which step folders
exist, and the files outside the folder that outputs draw from (the DEM of the hillshade, the
scenario file). The output's *key* hashes the code that draws it
(:func:`netcover.core.codeversion.code_digest`: netcover's version and a digest of its files), the
output's name, its settings (language, data date, formats...) and those digests.

The outputs manifest (``outputs_manifest.json``, in the registry :mod:`netcover.core.files`) keeps
per output its key, what it read and the SHA-256 of each file it wrote. The next build checks the
recorded reads against the results it is given (digests only, nothing drawn): when the key is the
same and every file of the previous build (``previous``: the output folder the new one replaces)
is there with its recorded SHA-256, the files are hard-linked (or copied) instead of made again. A
changed result, setting, language, date or code, or a missing or damaged file, makes the output
again. The same results give the same manifest (no clock, no paths of the run folder).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.core.codeversion import code_digest
from netcover.core.files import STEP_FOLDERS, OutputFile, Raster, by_key
from netcover.core.io import file_identity, file_sha256, json_sha256, place_file
from netcover.outputs._summary_reads import Read, RecordedSummary
from netcover.outputs.results import RunFolder, RunResults

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario

__all__ = ["MANIFEST", "Reuse", "Watched", "file_digest", "layer_digest"]

#: The manifest entry of the registry.
MANIFEST = by_key("outputs_manifest")
#: Version of the manifest's layout (a new layout makes every output again). 2: GeoPackage layers
#: digested by their rows (and columns), not by the whole file's bytes.
_SCHEMA = 2
#: Digests already computed in this process, by (path, device, inode, size, mtime in ns) and what
#: was hashed ("" the file's bytes, else the layer and columns).
_FILE_DIGESTS: dict[tuple[object, ...], str] = {}


def _memo_key(path: Path, what: str) -> tuple[object, ...] | None:
    """Key of a file's digests in :data:`_FILE_DIGESTS` (:func:`~netcover.core.io.file_identity`
    and ``what``); None when there is no such file."""
    if not path.is_file():
        return None
    try:
        return (*file_identity(path), what)
    except OSError:
        return None


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes ("absent" when there is no such file); remembered per (path,
    inode, size, modification time) so that a file read by several outputs is hashed once."""
    memo = _memo_key(path, "")
    if memo is None:
        return "absent"
    if memo not in _FILE_DIGESTS:
        _FILE_DIGESTS[memo] = file_sha256(path)
    return _FILE_DIGESTS[memo]


def layer_digest(path: Path, layer: str, columns: Sequence[str] | None = None) -> str:
    """SHA-256 of a GeoPackage layer's rows in their order: every column, or only ``columns``
    (those the layer has) and the geometry; with the layer's CRS. "absent" without the file or
    the layer; the file's digest when SQLite cannot read it. Remembered like :func:`file_digest`.

    Two files with the same rows give the same digest, whatever else differs between them (other
    layers, the layer's metadata, the order of the file's pages).
    """
    what = f"{layer}:{','.join(sorted(columns))}" if columns is not None else f"{layer}:*"
    memo = _memo_key(path, what)
    if memo is None:
        return "absent"
    if memo not in _FILE_DIGESTS:
        try:
            _FILE_DIGESTS[memo] = _rows_digest(path, layer, columns)
        except sqlite3.Error:
            _FILE_DIGESTS[memo] = file_digest(path)
    return _FILE_DIGESTS[memo]


def _rows_digest(path: Path, layer: str, columns: Sequence[str] | None) -> str:
    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        info = con.execute(f"PRAGMA table_info({quoted(layer)})").fetchall()
        if not info:
            return "absent"
        found = con.execute("SELECT g.column_name, s.definition FROM gpkg_geometry_columns g "
                            "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                            "WHERE g.table_name = ?", (layer,)).fetchone()
        geometry, crs = found if found else ("", "")
        pk = next((str(r[1]) for r in info if r[5]), "rowid")
        names = [str(r[1]) for r in info
                 if columns is None or r[1] in columns or r[1] == geometry]
        h = hashlib.sha256(repr((names, crs)).encode("utf-8"))
        rows = con.execute(f"SELECT {', '.join(map(quoted, names))} FROM {quoted(layer)} "
                           f"ORDER BY {quoted(pk) if pk != 'rowid' else pk}")
        for row in rows:
            h.update(repr(row).encode("utf-8"))
        return h.hexdigest()
    finally:
        con.close()


def _object_digest(value: Any) -> str | None:
    """Digest of a result held in memory (a raster or a JSON-like value); None if unknown."""
    import numpy as np

    if isinstance(value, Raster):
        h = hashlib.sha256()
        values = np.ascontiguousarray(value.values)
        h.update(f"{values.dtype.str}{values.shape}{tuple(value.transform)}{value.nodata!r}".encode())
        h.update(value.crs.to_wkt().encode("utf-8"))
        h.update(values.tobytes())
        return h.hexdigest()
    if isinstance(value, Mapping | list | tuple | str | int | float | bool) or value is None:
        return json_sha256(value)
    return None


def _digest(run: RunFolder, read: Read, memo: dict[int, tuple[Any, str]]) -> str:
    """The digest of ``read`` in ``run`` now (see :class:`Watched`); "unknown:..." never matches.
    ``memo``: digests of results in memory already hashed, by ``id``."""
    kind, where, layer = read
    if kind == "summary":
        return _summary_digest(run, layer)
    if kind == "folders":
        return ",".join(s for s in STEP_FOLDERS if (run.path / s).is_dir())
    if kind == "outside":
        return file_digest(Path(where))
    memory = run.memory if isinstance(run, RunResults) else {}
    name, _, columns = layer.partition(":") if kind == "columns" else (layer, "", "")
    known = memory.get(f"{where}#{name}" if name else where)
    if known is not None:
        if id(known) not in memo:
            digest = _object_digest(known)
            memo[id(known)] = (known, f"memory:{digest}" if digest else f"unknown:{id(known)}")
        return memo[id(known)][1]
    if not name:
        return file_digest(run.path / where)
    return layer_digest(run.path / where, name, columns.split(",") if kind == "columns" else None)


def _summary_digest(run: RunFolder, entry: str) -> str:
    """Digest of the input summary (``entry`` "") or of one entry of it (``entry`` "key:<key>")."""
    summary = run.summary()
    if not entry.startswith("key:"):
        return json_sha256(summary)
    key = entry[len("key:"):]
    return json_sha256(["value", summary[key]]) if key in summary else "absent"


@dataclass(frozen=True, eq=False)
class Watched(RunFolder):
    """A results folder (``inner``) that records what is read from it (``reads``) while an
    output is made; reads the same results as ``inner`` (and compares equal to it).

    ``digests`` False: the reads are recorded without their digests ("" each), for an output made
    in a worker process whose reads the build digests itself (:meth:`Reuse.record`).
    """

    inner: RunFolder = field(default_factory=lambda: RunFolder(Path()))
    reads: dict[Read, str] = field(default_factory=dict)
    memo: dict[int, tuple[Any, str]] = field(default_factory=dict)
    digests: bool = True

    @classmethod
    def of(cls, run: RunFolder, memo: dict[int, tuple[Any, str]] | None = None, *,
           digests: bool = True) -> Watched:
        """A watched view of ``run`` (``memo``: see :func:`_digest`; ``digests``: see above)."""
        inner = run.inner if isinstance(run, Watched) else run
        return cls(inner.path, inner, memo=memo if memo is not None else {}, digests=digests)

    @property
    def memory(self) -> Mapping[str, Any]:
        """The results ``inner`` holds in memory (see :class:`RunResults`)."""
        return self.inner.memory if isinstance(self.inner, RunResults) else {}

    def __eq__(self, other: object) -> bool:
        return self.inner == (other.inner if isinstance(other, Watched) else other)

    def __hash__(self) -> int:
        return hash(self.inner)

    def _saw(self, read: Read) -> None:
        if read not in self.reads:
            self.reads[read] = _digest(self.inner, read, self.memo) if self.digests else ""

    def summary(self) -> dict[str, Any]:
        """As :meth:`RunFolder.summary`, recorded entry by entry (see
        :class:`~netcover.outputs._summary_reads.RecordedSummary`): an output that reads only the
        summary's extent is not made again when the coverage headline figures in it change."""
        return RecordedSummary(self.inner.summary(), self._saw)

    def notes(self) -> list[Any]:
        """As :meth:`RunFolder.notes`, recorded (the notes depend on the step folders present)."""
        self._saw(("folders", "", ""))
        return super().notes()

    def file(self, entry: OutputFile | str) -> Path | None:
        """As :meth:`RunFolder.file`, recorded (the caller may read the file itself)."""
        rel = entry.relative if isinstance(entry, OutputFile) else Path(entry).as_posix()
        self._saw(("read", rel, ""))
        return self.inner.file(entry)

    def read(self, entry: OutputFile | str, *, layer: str | None = None) -> Any:
        """As :meth:`RunFolder.read`, recorded."""
        entry = by_key(entry) if isinstance(entry, str) else entry
        self._saw(("read", entry.relative, layer or ""))
        self._saw(("folders", "", ""))  # an absent result may be excused by its absent folder
        return self.inner.read(entry, layer=layer)

    def layer(self, entry: OutputFile | str, layer: str, *,
              columns: Sequence[str] | None = None) -> Any:
        """As :meth:`RunFolder.layer`, recorded: with ``columns``, only those columns (and the
        geometry) count, so a change in another column leaves the output as it is."""
        if columns is None:
            return super().layer(entry, layer)
        entry = by_key(entry) if isinstance(entry, str) else entry
        self._saw(("columns", entry.relative, f"{layer}:{','.join(sorted(columns))}"))
        self._saw(("folders", "", ""))
        return self.inner.layer(entry, layer, columns=columns)

    def dem_file(self) -> Path | None:
        """As :meth:`RunFolder.dem_file`, recorded with the DEM's content."""
        p = self.inner.dem_file()
        if p is not None:
            self._saw(("outside", str(p), ""))
        return p

    def scenario(self) -> Scenario | None:
        """As :meth:`RunFolder.scenario`, recorded with the scenario file's content."""
        self._saw(("summary", "", "key:scenario_file"))
        recorded = self.inner.summary().get("scenario_file")
        if recorded:
            self._saw(("outside", str(recorded), ""))
        return self.inner.scenario()


def _key(name: str, settings: Any, reads: Mapping[Read, str]) -> str:
    return json_sha256([_SCHEMA, code_digest(), name, settings,
                         sorted([*read, digest] for read, digest in reads.items())])


@dataclass
class Reuse:
    """Outputs of one build: made, or reused from the ``previous`` build's folder.

    Parameters
    ----------
    out : Path
        The folder the outputs are written into.
    previous : Path, optional
        The folder of the previous build whose unchanged outputs are reused (may be ``out``).
    """

    out: Path
    previous: Path | None = None
    made: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    _before: dict[str, Any] = field(default_factory=dict)
    _entries: dict[str, Any] = field(default_factory=dict)
    _memo: dict[int, tuple[Any, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.previous is not None:
            self._before = _load(MANIFEST.in_run(self.previous))

    def output(self, run: RunFolder, name: str, settings: Any,
               make: Callable[[RunFolder], Sequence[Path]]) -> list[Path]:
        """The files of output ``name``: the previous build's when nothing it showed changed,
        else ``make(watched)`` (``watched``: ``run`` recording what is read).

        ``settings`` (JSON-like) are what else the output depends on: language, date, formats.
        """
        files = self.reusable(run, name, settings)
        if files is not None:
            return files
        watched = Watched.of(run, self._memo)
        written = [Path(p) for p in make(watched)]
        self._enter(name, settings, watched.reads, written)
        return written

    def reusable(self, run: RunFolder, name: str, settings: Any) -> list[Path] | None:
        """The previous build's files of ``name``, placed in ``out`` and counted as reused, if
        nothing the output showed changed (see :meth:`output`); else None: make it, then
        :meth:`record` it."""
        files = self._reusable(run, name, settings)
        if files is not None:
            self.reused.append(name)
        return files

    def record(self, run: RunFolder, name: str, settings: Any, reads: Iterable[Read],
               written: Sequence[Path]) -> list[Path]:
        """Count output ``name`` as made elsewhere (a worker process: :func:`Watched.of` without
        digests) from ``reads`` of ``run``, which this build digests; returns ``written``."""
        self._enter(name, settings, self._digests(run, reads), written)
        return [Path(p) for p in written]

    def _enter(self, name: str, settings: Any, reads: Mapping[Read, str],
               written: Sequence[Path]) -> None:
        self._entries[name] = {
            "key": _key(name, settings, reads),
            "reads": sorted(list(read) for read in reads),
            "files": {self._relative(Path(p)): file_digest(Path(p)) for p in written},
        }
        self.made.append(name)

    def _digests(self, run: RunFolder, reads: Iterable[Read]) -> dict[Read, str]:
        """The digest of each of ``reads`` of ``run`` (of its results, not of a watched view)."""
        inner = run.inner if isinstance(run, Watched) else run
        return {read: _digest(inner, read, self._memo) for read in reads}

    def _relative(self, p: Path) -> str:
        return p.resolve().relative_to(self.out.resolve()).as_posix()

    def _reusable(self, run: RunFolder, name: str, settings: Any) -> list[Path] | None:
        """The previous build's files of ``name``, placed in ``out``, if they can be reused."""
        old = self._before.get(name)
        recorded = _recorded(old)
        if self.previous is None or recorded is None or not isinstance(old, dict):
            return None
        reads, files = recorded
        now = self._digests(run, reads)
        if _key(name, settings, now) != old.get("key"):
            return None
        if any(file_digest(self.previous / rel) != sha for rel, sha in files.items()):
            return None  # a file of the previous build is missing or damaged
        self._entries[name] = old
        return [place_file(self.previous / rel, self.out / rel) for rel in files]

    def write_manifest(self) -> Path:
        """Write the manifest of this build's outputs (sorted, so the same outputs give the same
        bytes) into ``out``."""
        return MANIFEST.write_in_run(self.out, {"schema": _SCHEMA, "netcover": code_digest(),
                                                "outputs": dict(sorted(self._entries.items()))})


def _recorded(entry: object) -> tuple[list[Read], dict[str, str]] | None:
    """The reads and files (name -> SHA-256) of a manifest entry; None when it is malformed or
    names a file outside the folder."""
    if not isinstance(entry, dict):
        return None
    try:
        reads = [(str(k), str(w), str(layer)) for k, w, layer in entry["reads"]]
        files = {str(rel): str(sha) for rel, sha in entry["files"].items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return (reads, files) if all(_inside(rel) for rel in files) else None


def _inside(relative: str) -> bool:
    """Whether a manifest's file name stays inside the folder (no absolute path, no "..")."""
    p = Path(relative)
    return bool(relative) and not p.is_absolute() and ".." not in p.parts


def _load(path: Path) -> dict[str, Any]:
    """The outputs of a manifest ({} when it is missing, unreadable or of another layout)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
        return {}
    outputs = data.get("outputs")
    return outputs if isinstance(outputs, dict) else {}
