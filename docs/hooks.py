"""mkdocs hooks for the API reference.

- ``<!-- reference: netcover.PACKAGE -->`` in a page becomes one mkdocstrings block per public module
  of that package (the package's own docstring first), so that a new module appears in the reference
  without editing the pages. Public: no part of the module's name starts with ``_``.
- The Sphinx roles of the docstrings (``:func:`name```, ``:class:`~a.b.Name```...) are shown as
  code: ``name``, ``Name``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_DIRECTIVE = re.compile(r"^<!-- reference: (netcover(?:\.\w+)*) -->$", re.MULTILINE)
_ROLE = re.compile(r":(?:attr|class|data|exc|func|meth|mod|obj):<code>[^<]*</code>")


def public_modules(package: str) -> list[str]:
    """The package and its public modules, sorted by name."""
    folder = ROOT.joinpath(*package.split("."))
    names = []
    for path in sorted(folder.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return sorted(names)


def reference_blocks(package: str) -> str:
    """mkdocstrings blocks: the package's docstring only, then each public module in full."""
    blocks = []
    for name in public_modules(package):
        block = f"::: {name}"
        if name == package:
            block += "\n    options:\n      members: false"
        blocks.append(block)
    return "\n\n".join(blocks)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Expand the reference directives of a page."""
    return _DIRECTIVE.sub(lambda m: reference_blocks(m.group(1)), markdown)


def _role_text(match: re.Match[str]) -> str:
    target = match.group(0).split("<code>", 1)[1].removesuffix("</code>")
    shown = target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target
    return f"<code>{shown}</code>"


def on_page_content(html: str, **_: Any) -> str:
    """Show the Sphinx roles of the docstrings as code."""
    return _ROLE.sub(_role_text, html)
