"""The disc of DEM cells around a site that the area engine (:mod:`netcover.radio.area`) and the
line-of-sight grid evaluate: the window of the DEM holding it, the radials through it, and its cells,
either in the window's order (:class:`Disc`) or straight in the order of the engine's radial kernel
(:meth:`DiscWindow.radial_cells`). Also the checks of the DEM and of points on it.

Coordinates are metres in a projected CRS (UTM); the DEM is north-up, ``origin_xy`` is the (x, y) of
its top-left corner, cells are square, and heights are ground heights a.m.s.l. without holes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from netcover.errors import ModelError
from netcover.radio._sampling import cell_geometry, disc_cells, radial_disc, radial_heights

__all__ = [
    "BEARINGS_PER_RIM_CELL", "MIN_DISTANCE_M", "TAIL_STEPS", "Disc", "DiscWindow", "fractional_index",
    "height_window", "require_inside", "validate_dem",
]

#: Shortest distance used in a loss formula (m): the site's own cell is not at distance 0.
MIN_DISTANCE_M = 1.0
#: Steps before each receiver sampled on its own straight line from the site (the exact tail).
TAIL_STEPS = 4
#: Radials per cell of the rim's circumference: with 2.5, radials are 0.4 cell apart at the rim and
#: every cell's own bearing is within 0.2 cell (at the rim) of the radial it is evaluated on.
#: Against each cell's exact straight profile (``benchmarks/bench_area_accuracy.py``, 5,000 cells
#: per frequency), |difference| p95 and one site's CPU time against 2 radials and 6 tail steps:
#: 2 and 6: 0.32 dB; 2.5 and 4 (these): 0.28 dB, -2%; 2.5 and 6: 0.26 dB, +4%; 3 and 6: 0.25 dB,
#: +13%; 2 and 4: 0.32-0.33 dB; 1 and 6: 0.53-0.54 dB (``benchmarks/README.md``).
BEARINGS_PER_RIM_CELL = 2.5


def fractional_index(origin_xy: tuple[float, float], cell_size_m: float,
                      xy: tuple[float, float], offset: tuple[int, int] = (0, 0)
                      ) -> tuple[float, float]:
    """(row, col) of a point as fractional cell index, cell centres at integers.

    ``origin_xy`` is the origin of the grid the indices are measured in; ``offset`` the (row, col)
    of the array's first cell in that grid. Subtracting the whole offset last is exact, so a window
    of a grid gives its points the very positions the whole grid gives them.
    """
    col = (xy[0] - origin_xy[0]) / cell_size_m - 0.5
    row = (origin_xy[1] - xy[1]) / cell_size_m - 0.5
    return row - offset[0], col - offset[1]


def require_inside(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                    xy: tuple[float, float], what: str) -> None:
    """Raise :class:`ModelError` if ``xy`` lies outside the DEM's extent."""
    nr, nc = dem.shape
    x0, y0 = origin_xy
    x1, y1 = x0 + nc * cell_size_m, y0 - nr * cell_size_m
    if not (x0 <= xy[0] <= x1 and y1 <= xy[1] <= y0):
        msg = (f"{what} at (x={xy[0]:.1f}, y={xy[1]:.1f}) lies outside the DEM, whose bounds are "
               f"x {x0:.1f}..{x1:.1f}, y {y1:.1f}..{y0:.1f}; check the coordinates' CRS or use a "
               "larger DEM")
        raise ModelError(msg)


def validate_dem(dem: np.ndarray, cell_size_m: float) -> None:
    """Raise :class:`ModelError` unless ``dem`` is a 2-D array of at least 2 x 2 cells of a size > 0."""
    if dem.ndim != 2 or min(dem.shape) < 2:
        msg = f"dem must be a 2-D array of at least 2x2 cells, got shape {dem.shape}"
        raise ModelError(msg)
    if not cell_size_m > 0.0:
        msg = f"cell_size_m = {cell_size_m} must be > 0"
        raise ModelError(msg)


def height_window(dem: np.ndarray, rows: tuple[float, float],
                   cols: tuple[float, float]) -> tuple[NDArray[np.float64], int, int]:
    """float64 copy of the DEM cells around a span of fractional rows and columns, and its offset.

    Two cells of margin cover the bilinear neighbours of every point in the span; only that part of
    the DEM is converted and checked for holes, so a large DEM costs nothing per call.
    """
    nr, nc = dem.shape
    r0 = max(math.floor(min(rows)) - 2, 0)
    r1 = min(math.ceil(max(rows)) + 3, nr)
    c0 = max(math.floor(min(cols)) - 2, 0)
    c1 = min(math.ceil(max(cols)) + 3, nc)
    window = np.asarray(dem[r0:r1, c0:c1], dtype=np.float64)
    if window.shape[0] < 2 or window.shape[1] < 2:  # span at the DEM's edge: widen inwards
        r0, c0 = max(min(r0, nr - 2), 0), max(min(c0, nc - 2), 0)
        window = np.asarray(dem[r0:max(r1, r0 + 2), c0:max(c1, c0 + 2)], dtype=np.float64)
    if not np.all(np.isfinite(window)):
        msg = (f"dem contains NaN or infinite heights in rows {r0}-{r1 - 1}, columns {c0}-{c1 - 1}; "
               "fill the holes (the terrain loader does) first")
        raise ModelError(msg)
    return window, r0, c0


@dataclass(frozen=True)
class DiscWindow:
    """The window of the DEM around a site's disc, and the radials through it (shared set-up of the
    area engine and the line-of-sight grid; :class:`Disc` adds the disc's cells in their order).

    Attributes
    ----------
    row_off, col_off, shape : int, int, (int, int)
        The window of the DEM holding the disc.
    grid : numpy.ndarray
        float64 heights around the disc (radials are sampled from it); ``row0``, ``col0`` are the
        site's fractional position in ``grid``, ``grid_off`` the (row, col) of ``grid`` in the DEM.
    radius_cells : float
        The disc's radius in cell sizes.
    n_bearings, n_samples : int
        Radials and samples per radial.
    """

    row_off: int
    col_off: int
    shape: tuple[int, int]
    grid: NDArray[np.float64]
    row0: float
    col0: float
    radius_cells: float
    n_bearings: int
    n_samples: int
    grid_off: tuple[int, int]

    @classmethod
    def around(cls, dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
               site_xy: tuple[float, float], radius_m: float, *,
               grid_offset: tuple[int, int] = (0, 0)) -> DiscWindow:
        """Check the DEM and the site (:class:`ModelError` otherwise) and set up the window.

        With ``grid_offset``, ``dem`` is the window at that (row, col) of a grid whose origin is
        ``origin_xy`` (offsets of the disc are then relative to the window).
        """
        validate_dem(dem, cell_size_m)
        window_origin = (origin_xy[0] + grid_offset[1] * cell_size_m,
                         origin_xy[1] - grid_offset[0] * cell_size_m)
        require_inside(dem, window_origin, cell_size_m, site_xy, "site")
        nr, nc = dem.shape
        row0, col0 = fractional_index(origin_xy, cell_size_m, site_xy, grid_offset)
        radius_cells = radius_m / cell_size_m
        r_start = max(math.ceil(row0 - radius_cells), 0)
        r_stop = min(math.floor(row0 + radius_cells), nr - 1) + 1
        c_start = max(math.ceil(col0 - radius_cells), 0)
        c_stop = min(math.floor(col0 + radius_cells), nc - 1) + 1
        grid, g_row, g_col = height_window(dem, (row0 - radius_cells, row0 + radius_cells),
                                            (col0 - radius_cells, col0 + radius_cells))
        n_bearings = max(math.ceil(BEARINGS_PER_RIM_CELL * 2.0 * math.pi * radius_cells), 8)
        return DiscWindow(int(r_start), int(c_start), (r_stop - r_start, c_stop - c_start), grid,
                          row0 - g_row, col0 - g_col, radius_cells, n_bearings,
                          math.ceil(radius_cells) + 2, (int(g_row), int(g_col)))

    def _cells_origin(self) -> tuple[int, int, float, float]:
        """(row, col) of the window's first cell in :attr:`grid`, and the site's in the window."""
        r_off, c_off = self.row_off - self.grid_off[0], self.col_off - self.grid_off[1]
        return r_off, c_off, self.row0 - r_off, self.col0 - c_off

    def radial_cells(self, cell_size_m: float, site_amsl: float, rx_height_m: float,
                     cells: np.ndarray | None
                     ) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
        """The disc's cells (where ``cells``, bool of the DEM's shape, is True; all for None) in
        the area engine's radial order: (start, ints, values) of
        :func:`~netcover.radio._sampling.radial_disc` (every value that of :class:`Disc`, bit for
        bit)."""
        r_off, c_off, row0, col0 = self._cells_origin()
        mask = (np.zeros((0, 0), dtype=bool) if cells is None else np.asarray(
            cells, dtype=bool)[self.row_off:self.row_off + self.shape[0],
                               self.col_off:self.col_off + self.shape[1]])
        return radial_disc(self.grid, r_off, c_off, self.shape[0], self.shape[1], row0, col0,
                           self.radius_cells, mask, self._bearing_scale(), self.n_bearings,
                           self.n_samples, float(cell_size_m), MIN_DISTANCE_M, TAIL_STEPS,
                           float(site_amsl), float(rx_height_m))

    def _bearing_scale(self) -> float:
        return self.n_bearings / (2.0 * math.pi)

    def radial_heights(self) -> NDArray[np.float64]:
        """Heights along every radial, one sample per cell size (n_bearings x n_samples)."""
        return radial_heights(self.grid, self.row0, self.col0, self.n_bearings, self.n_samples,
                              1.0)

    def layer_window(self, layer: np.ndarray, name: str) -> NDArray[np.float64]:
        """float64 copy of a per-cell layer (same shape as the DEM) on the window of :attr:`grid`.

        Raises :class:`ModelError` if the window holds NaN, infinite or negative values.
        """
        r0, c0 = self.grid_off
        window = np.asarray(layer[r0:r0 + self.grid.shape[0], c0:c0 + self.grid.shape[1]],
                            dtype=np.float64)
        if not (np.all(np.isfinite(window)) and np.all(window >= 0.0)):
            msg = (f"{name} contains NaN, infinite or negative values in rows {r0}-"
                   f"{r0 + window.shape[0] - 1}, columns {c0}-{c0 + window.shape[1] - 1}; give 0 m "
                   "where there is no clutter")
            raise ModelError(msg)
        return window


@dataclass(frozen=True)
class Disc(DiscWindow):
    """The cells within a radius of a site (:class:`DiscWindow` and its cells, in the window's
    row-major order).

    Attributes
    ----------
    flat : numpy.ndarray
        Indices (into the flattened window) of the cells in the disc; ``bearing`` (radians, from
        north, clockwise), ``dist_cells`` (cell sizes) and ``ground`` (m) are theirs.
    """

    flat: NDArray[np.int64]
    bearing: NDArray[np.float64]
    dist_cells: NDArray[np.float64]
    ground: NDArray[np.float64]

    @classmethod
    def around(cls, dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
               site_xy: tuple[float, float], radius_m: float, *,
               grid_offset: tuple[int, int] = (0, 0)) -> Disc:
        """:meth:`DiscWindow.around` and the disc's cells."""
        window = DiscWindow.around(dem, origin_xy, cell_size_m, site_xy, radius_m,
                                   grid_offset=grid_offset)
        r_off, c_off, row0, col0 = window._cells_origin()
        cells = disc_cells(window.grid, r_off, c_off, window.shape[0], window.shape[1], row0, col0,
                           window.radius_cells)
        flat, bearing, dist_cells, ground, _, _ = cells  # the grid rows and columns: unused here
        return cls(**{f.name: getattr(window, f.name) for f in fields(DiscWindow)}, flat=flat,
                   bearing=bearing, dist_cells=dist_cells, ground=ground)

    def only(self, cells: np.ndarray) -> Disc:
        """The disc without the cells where ``cells`` (bool, shape of the DEM or window it was set up
        on) is False; each cell left is computed exactly as in the whole disc."""
        rows = self.row_off + self.flat // self.shape[1]
        cols = self.col_off + self.flat % self.shape[1]
        keep = np.asarray(cells, dtype=bool)[rows, cols]
        return replace(self, flat=self.flat[keep], bearing=self.bearing[keep],
                       dist_cells=self.dist_cells[keep], ground=self.ground[keep])

    def bearing_units(self) -> NDArray[np.float64]:
        """The disc cells' bearings in units of the radial spacing."""
        return self.bearing * self._bearing_scale()

    def geometry(self, cell_size_m: float, site_amsl: float, rx_height_m: float
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """(:meth:`bearing_units`, horizontal distance in km, at least :data:`MIN_DISTANCE_M`,
        slant distance in km from the antenna at ``site_amsl`` to ``rx_height_m`` above each
        cell's ground) of the disc cells, in one pass."""
        return cell_geometry(self.bearing, self.dist_cells, self.ground, self._bearing_scale(),
                             float(cell_size_m), MIN_DISTANCE_M, float(rx_height_m),
                             float(site_amsl))
