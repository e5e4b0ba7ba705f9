"""The code digest that keys re-used results (:mod:`netcover.core.codeversion`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from netcover._version import __version__
from netcover.core.codeversion import code_digest, tree_digest


def _tree(root: Path) -> Path:
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "sub" / "b.py").write_text("y = 2\n")
    (root / "pkg" / "sub" / "map.js").write_text("var z;\n")
    return root / "pkg"


def test_the_digest_follows_the_files_not_caches_nor_the_folder(tmp_path: Path) -> None:
    pkg = _tree(tmp_path / "one")
    first = tree_digest(pkg)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00\x01")
    (pkg / "sub" / "k.nbi").write_bytes(b"numba index")
    assert tree_digest(pkg) == first  # byte-code and numba caches do not count
    moved = tmp_path / "elsewhere" / "pkg"
    shutil.copytree(pkg, moved)
    assert tree_digest(moved) == first  # the same files anywhere
    (moved / "sub" / "b.py").write_text("y = 3\n")
    assert tree_digest(moved) != first  # an edited source
    shutil.rmtree(moved)
    shutil.copytree(pkg, moved)
    (moved / "sub" / "map.js").rename(moved / "map.js")
    assert tree_digest(moved) != first  # a moved file


def test_the_code_digest_names_the_version_and_is_stable() -> None:
    digest = code_digest()
    version, _, tail = digest.rpartition("+")
    assert version == __version__ and len(tail) == 16 and int(tail, 16) >= 0
    assert code_digest() == digest
    assert tree_digest(Path(__import__("netcover").__file__).resolve().parent).startswith(tail)
