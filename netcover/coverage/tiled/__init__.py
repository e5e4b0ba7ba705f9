"""Large areas: the coverage engine run tile by tile, on any executor (see :func:`run_tiled`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.coverage.tiled.run import TiledRun, reaching_jobs, run_tiled
    from netcover.data.window import DemSource, Window

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "TiledRun": "netcover.coverage.tiled.run",
    "reaching_jobs": "netcover.coverage.tiled.run",
    "run_tiled": "netcover.coverage.tiled.run",
    "DemSource": "netcover.data.window",
    "Window": "netcover.data.window",
}

__all__ = ["DemSource", "TiledRun", "Window", "reaching_jobs", "run_tiled"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
