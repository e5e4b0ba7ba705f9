"""The examples in the docstrings of the public API run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

#: The modules of ``netcover``'s public API (and the tiny inputs their examples use).
API_MODULES = (
    "netcover",
    "netcover.data.read",
    "netcover.data.examples",
    "netcover.coverage.api",
    "netcover.coverage.result",
    "netcover.siting.api",
    "netcover.links.api",
    "netcover.app.api",
)


@pytest.mark.parametrize("name", API_MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, raise_on_error=False, verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (see the output above)"


def test_every_public_function_has_an_example() -> None:
    import netcover

    for name in netcover.__all__:
        if name.startswith("__") or name.endswith("Error"):
            continue
        obj = getattr(netcover, name)
        doc = obj.__doc__ or ""
        if isinstance(obj, type):  # a class: its methods show it
            doc = "".join(getattr(obj, m).__doc__ or "" for m in dir(obj) if not m.startswith("_"))
        assert "Examples" in doc, name
