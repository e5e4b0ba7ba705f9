"""The notebooks run top to bottom on the bundled sample (executed with nbclient), and are
stored with their outputs (tables and figures), which running them again reproduces.

To store fresh outputs after changing a notebook: ``python -m tests.test_notebooks``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e .[test])")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e .[test])")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e .[test])")

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
#: Seconds a cell may take (the first computes the sample's coverage with a cold loss cache).
CELL_TIMEOUT_S = 600
#: Figures shown inline (as on a reader's screen), whatever MPLBACKEND says.
INLINE = "module://matplotlib_inline.backend_inline"
#: Notebooks whose stored outputs must hold figures.
WITH_FIGURES = ("01_coverage", "02_proposals", "03_links", "04_analyst_session")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One loss cache for the notebooks, so only the first computes the sample's losses."""
    return tmp_path_factory.mktemp("notebook-cache")


def execute(path: Path, workdir: Path) -> Any:
    """The notebook at ``path`` executed in ``workdir`` (no timing metadata, so outputs can be
    stored and compared)."""
    nb = nbformat.read(path, as_version=4)
    # "python3" is ipykernel's native kernel: the interpreter running the tests
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     record_timing=False,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return nb


def texts(nb: Any) -> list[str]:
    """Text outputs of the code cells (streams and plain-text results), temporary paths masked."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = o.get("text") or o.get("data", {}).get("text/plain") or ""
            out.append(re.sub(r"/tmp/[^\s'\"]+", "<tmp>", "".join(text)))
    return out


def test_the_four_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_coverage.ipynb", "02_proposals.ipynb", "03_links.ipynb",
                                           "04_analyst_session.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_the_public_api_only(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    internal = re.findall(r"^\s*(?:from netcover[.\w]* import|import netcover\.)[^\n]*", source, re.M)
    assert not internal, f"{path.name} imports netcover's modules; use `import netcover as nc`"
    assert "import netcover as nc" in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_stored_with_their_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("outputs") or c.execution_count for c in code), \
        f"{path.name}: store it executed (python -m tests.test_notebooks)"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    if path.stem in WITH_FIGURES:
        assert images, f"{path.name}: its figures are not stored"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_gives_its_stored_outputs(path: Path, shared_cache: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETCOVER_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("MPLBACKEND", INLINE)
    nb = execute(path, tmp_path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert texts(nb) == texts(nbformat.read(path, as_version=4))


def store_outputs() -> None:
    """Execute every notebook and store it with its outputs."""
    os.environ["MPLBACKEND"] = INLINE
    for path in NOTEBOOKS:
        with tempfile.TemporaryDirectory() as work:
            nb = execute(path, Path(work))
        nbformat.write(nb, path)
        print(f"stored {path.name}", file=sys.stderr)


if __name__ == "__main__":
    store_outputs()
