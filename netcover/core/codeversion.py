"""Which code made a result: netcover's version and a digest of the package's own files.

The re-use of earlier results (the outputs of a run, the link plan, hop profiles: see
:mod:`netcover.outputs.reuse`, :mod:`netcover.links.reuse`) keys them on their inputs and on the
code that made them. The version string alone is not enough: an install from a git checkout keeps
its version across commits, and an edited source tree keeps it too, so results made by older code
would be re-used after the code changed. :func:`code_digest` adds a SHA-256 of every file of the
installed package (sources and bundled files; not byte-code caches), read once per process.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from netcover._version import __version__

__all__ = ["code_digest", "tree_digest"]

#: Folders and suffixes left out of the digest: caches written beside the code at run time.
_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo", ".nbi", ".nbc"})


@cache
def code_digest() -> str:
    """``<version>+<first 16 hex digits of the SHA-256 of the package's files>``: the same string
    for the same files, whatever the folder the package is installed in."""
    return f"{__version__}+{tree_digest(Path(__file__).resolve().parent.parent)[:16]}"


def tree_digest(root: Path) -> str:
    """Hex SHA-256 of the files under ``root`` (relative paths and contents, in path order),
    byte-code and numba caches left out."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if _SKIPPED_DIRS.intersection(rel.parts[:-1]) or path.suffix in _SKIPPED_SUFFIXES:
            continue
        h.update(rel.as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()
