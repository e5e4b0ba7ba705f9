"""Large areas: the coverage engine run tile by tile, on any executor (see :func:`run_tiled`)."""

from .grid import DemSource, Window
from .run import TiledRun, reaching_jobs, run_tiled

__all__ = ["DemSource", "TiledRun", "Window", "reaching_jobs", "run_tiled"]
