"""netcover: plan and monitor network infrastructure for rural, mountainous districts.

Terrain, BTS sites, fibre households and population in; radio coverage, gaps, ranked sites and links,
indicator history, maps and reports out.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("netcover")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
