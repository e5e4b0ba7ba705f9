"""The three notebooks run top to bottom on the bundled sample (executed with nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import REPO

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e .[test])")
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (pip install -e .[test])")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e .[test])")

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
#: Seconds a cell may take (the first computes the sample's coverage with a cold loss cache).
CELL_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One loss cache for the three notebooks, so only the first computes the sample's losses."""
    return tmp_path_factory.mktemp("notebook-cache")


def test_the_three_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_coverage.ipynb", "02_proposals.ipynb", "03_links.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, shared_cache: Path, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{path.name}: clear the outputs before committing"
    monkeypatch.setenv("NETCOVER_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # "python3" is ipykernel's native kernel: the interpreter running the tests
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
