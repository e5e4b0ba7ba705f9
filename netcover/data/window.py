"""The working grid of a large area, and its DEM read window by window.

A district's DEM is read whole (:func:`netcover.data.terrain.read_dem`); a province's or a country's is
not: :class:`DemSource` knows only the file and the working grid (the UTM zone picked from the
data, at about the source resolution), and reads any window of that grid on demand, warping through
a GDAL ``WarpedVRT`` when the file is in another CRS. It is small and picklable, so every worker
reads the windows it needs from the (shared) file itself. With a land-cover raster
(:meth:`DemSource.with_landcover`) each window carries its classes and clutter heights, read onto
the window as the district engine reads them onto the whole grid.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine
from pyproj import CRS

from netcover.core.io import open_raster
from netcover.data.terrain import Terrain, fill_holes, grid_bounds, within, working_crs, working_grid
from netcover.errors import Problem, ValidationError

if TYPE_CHECKING:
    from netcover.config.landcover import LandCoverTable

__all__ = ["DISC_MARGIN_CELLS", "DemSource", "Window", "disc_window"]


@dataclass(frozen=True)
class Window:
    """A block of the working grid: ``rows`` x ``cols`` cells from (``row_off``, ``col_off``)."""

    row_off: int
    col_off: int
    rows: int
    cols: int

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.rows, self.cols

    def intersection(self, other: Window) -> Window | None:
        """The cells both windows hold, or None."""
        r0, c0 = max(self.row_off, other.row_off), max(self.col_off, other.col_off)
        r1 = min(self.row_off + self.rows, other.row_off + other.rows)
        c1 = min(self.col_off + self.cols, other.col_off + other.cols)
        return Window(r0, c0, r1 - r0, c1 - c0) if r1 > r0 and c1 > c0 else None


@dataclass(frozen=True)
class DemSource:
    """A DEM file seen as the working grid (``transform``, ``shape``, ``crs``), read by window.

    Build it with :meth:`open`. ``warp`` says whether windows go through a ``WarpedVRT``.
    """

    path: Path
    transform: Affine
    shape: tuple[int, int]
    crs: CRS
    warp: bool
    landcover: Path | None = None
    landcover_classes: LandCoverTable | None = None

    def with_landcover(self, path: Path | None, table_path: Path | None) -> DemSource:
        """This source with a land-cover raster, read by :meth:`terrain` onto each window (mode
        resampling, see :func:`netcover.data.landcover.landcover_on_grid`); unchanged when
        ``path`` is None.

        Raises
        ------
        ScenarioError
            A bad class table.
        """
        from netcover.data.landcover import landcover_table

        if path is None:
            return self
        return dataclasses.replace(self, landcover=Path(path),
                                   landcover_classes=landcover_table(table_path))

    @classmethod
    def open(cls, path: str | Path, *, crs_setting: str = "auto") -> DemSource:
        """Read the DEM's header (not its heights) and choose the working grid.

        Raises
        ------
        DataFileError, CRSError
            Unreadable file, or a DEM without CRS.
        """
        with open_raster(path, "DEM") as src:
            p = Path(src.name)
            src_crs, t, b = CRS.from_user_input(src.crs), src.transform, src.bounds
            width, height = src.width, src.height
        target = working_crs(crs_setting, src_crs, (b.left, b.bottom, b.right, b.top))
        transform, shape, warp = working_grid(t, src_crs, width, height, target)
        return cls(p, transform, shape, target, warp)

    @property
    def cell_size(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in metres."""
        return grid_bounds(self.transform, self.shape)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (metres, in ``crs``) fall inside the grid."""
        return within(self.bounds, x, y)

    def tiles(self, size: int) -> list[Window]:
        """The grid cut into ``size`` x ``size`` windows (smaller at the right and bottom edges),
        row by row."""
        rows, cols = self.shape
        return [Window(r, c, min(size, rows - r), min(size, cols - c))
                for r in range(0, rows, size) for c in range(0, cols, size)]

    def around(self, x: float, y: float, radius_m: float) -> Window:
        """The window holding every cell within ``radius_m`` of (x, y), plus a margin, clipped."""

        origin = (float(self.transform.c), float(self.transform.f))
        return Window(*disc_window(origin, self.cell_size, (0, 0), self.shape, x, y, radius_m))

    def window_transform(self, window: Window) -> Affine:
        """The transform of a window's top-left cell."""
        return self.transform @ Affine.translation(window.col_off, window.row_off)

    def read(self, window: Window) -> np.ndarray:
        """float32 heights of a window; nodata holes are filled from their neighbours.

        Raises
        ------
        ValidationError
            A window with no valid height at all (the DEM does not cover this part of the area).
        """
        import rasterio
        from rasterio.vrt import WarpedVRT
        from rasterio.warp import Resampling
        from rasterio.windows import Window as RioWindow

        rio_window = RioWindow(window.col_off, window.row_off, window.cols, window.rows)
        with rasterio.open(self.path) as src:
            if self.warp:
                with WarpedVRT(src, crs=self.crs, transform=self.transform, width=self.shape[1],
                               height=self.shape[0], resampling=Resampling.bilinear,
                               dtype="float32") as vrt:
                    data = vrt.read(1, window=rio_window, masked=True)
            else:
                data = src.read(1, window=rio_window, masked=True)
        heights = np.ma.filled(data.astype("float32"), np.nan)
        holes = ~np.isfinite(heights)
        if holes.all():
            msg = (f"no valid height in rows {window.row_off}-{window.row_off + window.rows}, "
                   f"columns {window.col_off}-{window.col_off + window.cols} of the working grid; "
                   "use a DEM that covers every site plus the coverage radius")
            raise ValidationError([Problem(str(self.path), msg)])
        return fill_holes(heights) if holes.any() else heights

    def terrain(self, window: Window) -> Terrain:
        """The window as a :class:`~netcover.data.terrain.Terrain` (heights read now)."""
        origin = (float(self.transform.c), float(self.transform.f))
        terrain = Terrain(self.read(window), self.window_transform(window), self.crs, self.path,
                          grid_origin=origin, offset=(window.row_off, window.col_off))
        if self.landcover is None or self.landcover_classes is None:
            return terrain
        from netcover.data.landcover import landcover_on_grid

        codes, clutter, _ = landcover_on_grid(self.landcover, self.landcover_classes,
                                              terrain.transform, terrain.shape, self.crs)
        return dataclasses.replace(terrain, landcover=codes, clutter_m=clutter,
                                   landcover_classes=self.landcover_classes)


#: Cells around a site's disc on top of the radius (bilinear sampling needs a margin).
DISC_MARGIN_CELLS = 4


def disc_window(origin: tuple[float, float], cell_size: float, offset: tuple[int, int],
                shape: tuple[int, int], x: float, y: float,
                radius_m: float) -> tuple[int, int, int, int]:
    """``(row_off, col_off, rows, cols)`` of the cells within ``radius_m`` of (x, y), plus a margin,
    in an array of ``shape`` at ``offset`` in the grid whose top-left is ``origin`` (positions
    measured in that grid: a district's DEM and a large area's window give the same cells)."""
    left, top = origin
    col, row = (x - left) / cell_size - offset[1], (top - y) / cell_size - offset[0]
    reach = radius_m / cell_size + DISC_MARGIN_CELLS
    r0, c0 = max(math.floor(row - reach), 0), max(math.floor(col - reach), 0)
    r1, c1 = min(math.ceil(row + reach), shape[0]), min(math.ceil(col + reach), shape[1])
    return r0, c0, r1 - r0, c1 - c0
