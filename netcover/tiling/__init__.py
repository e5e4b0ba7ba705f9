"""Large areas: the coverage engine run tile by tile, on any executor (see :func:`run_tiled`)."""

from netcover.tiling.grid import DemSource, Window
from netcover.tiling.run import TiledRun, reaching_jobs, run_tiled

__all__ = ["DemSource", "TiledRun", "Window", "reaching_jobs", "run_tiled"]
