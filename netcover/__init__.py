"""netcover: plan and monitor network infrastructure for rural, mountainous districts.

Terrain, BTS sites, fibre households and population in; radio coverage, gaps, ranked sites and links,
indicator history, maps and reports out.
"""

from __future__ import annotations

from netcover._version import __version__

__all__ = ["__version__"]
