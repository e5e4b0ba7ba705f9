"""Large areas: the coverage engine run tile by tile, on any executor (see :func:`run_tiled`)."""

from netcover.coverage.tiled.run import TiledRun, reaching_jobs, run_tiled
from netcover.data.window import DemSource, Window

__all__ = ["DemSource", "TiledRun", "Window", "reaching_jobs", "run_tiled"]
