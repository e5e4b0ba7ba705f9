"""The package layout: layers import only downwards, ``import netcover`` stays light, ``__all__`` everywhere.

Layers in data-flow order, with their ranks; a module may import its own layer or a lower one, at the
top of the module, inside a function or under ``TYPE_CHECKING`` alike:

    core (0, with netcover.errors and netcover._version) < config (1) < radio (2) < data (3)
    < coverage (4) < siting (5) < links (6) < monitor (7) < outputs (8) < app (9)

``netcover/__init__.py`` and ``netcover/__main__.py`` are the facade above every layer.
``netcover.samplegen`` (the sample generator, a development tool) sits beside ``app``, and nothing
imports it but ``netcover.app.sample``, inside a function.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import netcover

PACKAGE_DIR = Path(netcover.__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent

RANKS = {
    "core": 0, "errors": 0, "_version": 0,
    "config": 1, "radio": 2, "data": 3, "coverage": 4, "siting": 5, "links": 6, "monitor": 7,
    "outputs": 8, "app": 9, "samplegen": 9,
}
FACADE = frozenset({"netcover", "netcover.__main__"})
#: Rank of the facade when something below it imports it (above every layer).
FACADE_RANK = 10
SAMPLEGEN_USER = "netcover.app.sample"

#: Heavy libraries that ``import netcover`` must not load (the facade imports lazily).
HEAVY_FOR_FACADE = ("pandas", "geopandas", "numba", "networkx", "rasterio", "folium", "matplotlib",
                    "sqlite3", "scipy")
#: Heavy libraries that reading a scenario must not load.
HEAVY_FOR_SCENARIO = ("pandas", "geopandas", "numba", "networkx", "rasterio", "folium", "matplotlib",
                      "sqlite3", "scipy")

_MODULE_NAME = re.compile(r"netcover(\.[A-Za-z_]\w*)+")


@dataclass(frozen=True)
class Import:
    """One import of a netcover module found in a source file."""

    importer: str
    target: str
    line: int
    in_function: bool
    how: str


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_module(name: str, modules: dict[str, Path]) -> bool:
    return name in modules


def _resolve_from(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module of ``from X import ...`` (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


class _ImportFinder(ast.NodeVisitor):
    """Every import of a netcover module: statements anywhere, and module names given as strings
    (``importlib.import_module("netcover.x")``, tables of lazy re-exports)."""

    def __init__(self, importer: str, is_package: bool, modules: dict[str, Path]) -> None:
        self.importer = importer
        self.is_package = is_package
        self.modules = modules
        self.found: list[Import] = []
        self._depth = 0

    def _add(self, target: str, node: ast.AST, how: str) -> None:
        if target == "netcover" or target.startswith("netcover."):
            self.found.append(Import(self.importer, target, getattr(node, "lineno", 0), self._depth > 0, how))

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _resolve_from(node, self.importer, self.is_package)
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            # ``from package import submodule`` imports the submodule; ``from netcover import name``
            # of anything but a submodule reaches into the facade.
            target = sub if _is_module(sub, self.modules) else source
            self._add(target, node, f"from {'.' * node.level}{node.module or ''} import {alias.name}")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _MODULE_NAME.fullmatch(node.value) \
                and _is_module(node.value, self.modules):
            self._add(node.value, node, f"{node.value!r} (module named in a string)")


def _imports() -> list[Import]:
    modules = _modules()
    found: list[Import] = []
    for name, path in modules.items():
        finder = _ImportFinder(name, path.name == "__init__.py", modules)
        finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found += finder.found
    return found


def _rank(module: str) -> int:
    if module in FACADE:
        return FACADE_RANK
    layer = module.split(".")[1]
    if layer not in RANKS:
        msg = f"{module} is in no layer: add {layer!r} to RANKS in tests/test_layout.py"
        raise AssertionError(msg)
    return RANKS[layer]


def _layer(module: str) -> str:
    return "the facade" if module in FACADE else module.split(".")[1]


def _upward_imports(imports: list[Import]) -> list[str]:
    return [
        f"{i.importer} (rank {_rank(i.importer)}, {_layer(i.importer)}) line {i.line}: {i.how} "
        f"-> {i.target} (rank {_rank(i.target)}, {_layer(i.target)})"
        for i in imports
        if i.importer not in FACADE and _rank(i.target) > _rank(i.importer)
    ]


def _samplegen_misuse(imports: list[Import]) -> list[str]:
    return [
        f"{i.importer} line {i.line}: {i.how} (only {SAMPLEGEN_USER} may import the sample "
        "generator, inside a function)"
        for i in imports
        if (i.target == "netcover.samplegen" or i.target.startswith("netcover.samplegen."))
        and not (i.importer == "netcover.samplegen" or i.importer.startswith("netcover.samplegen."))
        and not (i.importer == SAMPLEGEN_USER and i.in_function)
    ]


def test_every_module_is_in_a_layer() -> None:
    for name in _modules():
        if name not in FACADE:
            _rank(name)


def test_no_module_imports_a_layer_above_its_own() -> None:
    problems = _upward_imports(_imports())
    assert not problems, "imports of a higher layer:\n" + "\n".join(problems)


def test_only_the_sample_command_imports_the_sample_generator() -> None:
    imports = _imports()
    assert any(i.importer == SAMPLEGEN_USER and i.target.startswith("netcover.samplegen")
               for i in imports), "the sample command no longer imports the generator: update the test"
    problems = _samplegen_misuse(imports)
    assert not problems, "\n".join(problems)


def test_the_import_checks_see_what_they_check() -> None:
    """The checks above flag an upward import at top level, in a function, under TYPE_CHECKING,
    named in a string and from the facade, and a sample generator import outside app.sample."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import netcover.core.io\n"
        "from netcover.config import scenario\n"
        "from netcover.coverage.engine import compute_coverage\n"
        "if TYPE_CHECKING:\n"
        "    from netcover.outputs.results import RunFolder\n"
        "def f():\n"
        "    from netcover import samplegen\n"
        "_LAZY = {'x': 'netcover.app.pipeline'}\n"
        "from netcover import __version__, errors\n"
    )
    finder = _ImportFinder("netcover.radio.fake", False, _modules())
    finder.visit(ast.parse(source))
    upward = _upward_imports(finder.found)
    assert [p.split(": ", 1)[1].split(" -> ")[0] for p in upward] == [
        "from netcover.coverage.engine import compute_coverage",
        "from netcover.outputs.results import RunFolder",
        "from netcover import samplegen",
        "'netcover.app.pipeline' (module named in a string)",
        "from netcover import __version__",
    ]
    assert "line 8" in upward[2]
    assert len(_samplegen_misuse(finder.found)) == 1
    ok = _ImportFinder(SAMPLEGEN_USER, False, _modules())
    ok.visit(ast.parse("def f():\n    from netcover.samplegen.history import generate_history\n"))
    assert _samplegen_misuse(ok.found) == []
    top = _ImportFinder(SAMPLEGEN_USER, False, _modules())
    top.visit(ast.parse("from netcover import samplegen\n"))
    assert len(_samplegen_misuse(top.found)) == 1


def _loaded_after(statement: str) -> set[str]:
    """Top-level names of the modules loaded by ``statement`` in a fresh interpreter."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=REPO_ROOT)
    return set(json.loads(out.stdout.splitlines()[-1]))


@pytest.mark.parametrize(("statement", "heavy"), [
    ("import netcover", HEAVY_FOR_FACADE),
    ("import netcover.config.scenario", HEAVY_FOR_SCENARIO),
])
def test_light_imports_do_not_load_heavy_libraries(statement: str, heavy: tuple[str, ...]) -> None:
    loaded = _loaded_after(statement)
    assert statement.split()[-1] in loaded
    found = sorted(name for name in heavy if name in loaded)
    assert not found, f"`{statement}` loads {', '.join(found)}: make the imports that pull them in lazy " \
                      "(python -X importtime shows the chain)"


def test_reading_a_scenario_does_not_load_numpy() -> None:
    assert "numpy" not in _loaded_after("import netcover.config.scenario")


def test_the_version_is_looked_up_when_read() -> None:
    """A pool worker imports the package without reading its metadata (importlib.metadata)."""
    assert "netcover._version" not in _loaded_after("import netcover.core._worker_life")
    assert "netcover._version" in _loaded_after("import netcover\nassert netcover.__version__")


def _public_modules() -> list[tuple[str, Path]]:
    return [(name, path) for name, path in _modules().items()
            if not any(part.startswith("_") for part in name.split("."))]


def _static_all(tree: ast.Module) -> ast.expr | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                for t in node.targets):
            return node.value
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == "__all__":
            return node.value
    return None


def test_every_public_module_has_all() -> None:
    public = _public_modules()
    assert len(public) > 50
    missing = [name for name, path in public
               if _static_all(ast.parse(path.read_text(encoding="utf-8"))) is None]
    assert not missing, "public modules without __all__: " + ", ".join(missing)


def _lazy_packages() -> list[str]:
    """Packages whose ``__init__`` re-exports names lazily (a table ``_EXPORTS``)."""
    return [name for name, path in _public_modules() if path.name == "__init__.py"
            and "_EXPORTS" in path.read_text(encoding="utf-8")]


def test_lazy_package_exports_resolve() -> None:
    """Each lazy re-export names a module that defines it, ``__all__`` lists the re-exports (and only
    names the package has), and no re-exported name is also a submodule (importing the submodule
    would replace it)."""
    packages = _lazy_packages()
    assert {"netcover.links", "netcover.monitor", "netcover.siting", "netcover.radio"} <= set(packages)
    modules = _modules()
    for name in packages:
        package = importlib.import_module(name)
        exports: dict[str, str] = package._EXPORTS
        assert set(exports) <= set(package.__all__), f"{name}.__all__ misses re-exports"
        assert all(hasattr(package, attr) for attr in package.__all__), name
        for attr, source in exports.items():
            assert getattr(importlib.import_module(source), attr) is getattr(package, attr), (name, attr)
            assert f"{name}.{attr}" not in modules, f"{name}.{attr} is both a re-export and a submodule"
        assert set(exports) <= set(dir(package))
        with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
            package.not_a_name  # noqa: B018


def test_lazy_packages_import_their_modules_on_first_use() -> None:
    packages = _lazy_packages()
    loaded = _loaded_after(f"import importlib\nfor p in {packages!r}: importlib.import_module(p)")
    sources = {source for name in packages for source in importlib.import_module(name)._EXPORTS.values()}
    eager = sorted(source for source in sources if source in loaded and source.startswith(
        tuple(f"{name}." for name in packages)))
    assert not eager, f"importing the packages imports {eager}"


def test_the_reference_pages_document_every_public_module() -> None:
    """docs/reference/<layer>.md expands, through docs/hooks.py, to one block per public module."""
    pages = REPO_ROOT / "docs" / "reference"
    if not pages.is_dir():
        pytest.skip("no docs/ beside the package (installed from a wheel or an sdist)")
    spec = importlib.util.spec_from_file_location("_docs_hooks", REPO_ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    documented: dict[str, str] = {}
    for page in sorted(pages.glob("*.md")):
        text = hooks.on_page_markdown(page.read_text(encoding="utf-8"))
        for line in text.splitlines():
            if line.startswith("::: "):
                documented[line[4:].strip()] = page.name
    layered = [name for name, _ in _public_modules()
               if name not in FACADE and _layer(name) not in {"samplegen", "errors"}]
    missing = [name for name in layered if documented.get(name) != f"{_layer(name)}.md"]
    assert not missing, f"public modules missing from their layer's page in docs/reference: {missing}"
    assert sorted(documented) == sorted([*layered, "netcover.errors"])
