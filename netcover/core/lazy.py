"""Lazy re-exports for package ``__init__`` files: a name's module is imported on first use.

A package lists its public names and the modules that define them, and imports them for type
checkers only, so that importing the package (or one light module in it) does not load the heavy
libraries of its other modules::

    from typing import TYPE_CHECKING

    from netcover.core.lazy import lazy_exports

    if TYPE_CHECKING:
        from netcover.links.plan import LinkPlan, plan_links

    _EXPORTS = {"LinkPlan": "netcover.links.plan", "plan_links": "netcover.links.plan"}
    __all__ = ["LinkPlan", "plan_links"]
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any],
                                                                    Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` functions that import each exported name on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : Mapping[str, str]
        Public name -> absolute name of the module that defines it.

    Returns
    -------
    tuple of callable
        ``__getattr__(name)``, which imports the name's module, keeps the value in the package (later
        look-ups do not come back) and returns it, or raises :class:`AttributeError` for any other
        name; and ``__dir__()``, the package's names with the exported ones.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
