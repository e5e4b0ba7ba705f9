"""Raster grids, coordinate transforms, seeded random streams and smooth noise for the generator.

A :class:`Grid` is a north-up raster on :data:`~netcover.samplegen.facts.EXTENT_UTM` with square
cells. Every random draw comes from :func:`stream`, one independent generator per layer, so that
changing one layer's code does not reshuffle the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer
from rasterio.transform import Affine
from scipy import ndimage

from netcover.samplegen.facts import CRS_UTM, CRS_WGS84, EXTENT_UTM

__all__ = ["FloatArray", "Grid", "smooth_noise", "smooth_noise_1d", "stream", "to_lonlat", "to_utm"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Grid:
    """A north-up grid of square cells.

    Attributes
    ----------
    x0, y1 : float
        West and north edges (UTM metres).
    cell : float
        Cell size in metres.
    nx, ny : int
        Columns and rows.
    """

    x0: float
    y1: float
    cell: float
    nx: int
    ny: int

    @classmethod
    def on_extent(cls, cell: float) -> Grid:
        """The grid of cell size ``cell`` covering :data:`EXTENT_UTM` exactly."""
        west, south, east, north = EXTENT_UTM
        nx = round((east - west) / cell)
        ny = round((north - south) / cell)
        if abs(nx * cell - (east - west)) > 1e-6 or abs(ny * cell - (north - south)) > 1e-6:
            msg = f"cell size {cell} m does not divide the sample extent {EXTENT_UTM}"
            raise ValueError(msg)
        return cls(west, north, float(cell), nx, ny)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (self.ny, self.nx)

    @property
    def transform(self) -> Affine:
        """The rasterio affine transform."""
        return Affine(self.cell, 0.0, self.x0, 0.0, -self.cell, self.y1)

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """1-D x of column centres and y of row centres."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell
        ys = self.y1 - (np.arange(self.ny) + 0.5) * self.cell
        return xs.astype(np.float64), ys.astype(np.float64)

    def mesh(self) -> tuple[FloatArray, FloatArray]:
        """2-D x and y of every cell centre, shape (ny, nx)."""
        xs, ys = self.centres()
        return np.meshgrid(xs, ys)

    def fractional_index(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Fractional (row, col) of points, cell centres at integers."""
        col = (np.asarray(x, dtype=float) - self.x0) / self.cell - 0.5
        row = (self.y1 - np.asarray(y, dtype=float)) / self.cell - 0.5
        return row, col

    def index(self, x: FloatArray, y: FloatArray) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Integer (row, col) of the cells containing points, clipped to the grid."""
        row, col = self.fractional_index(x, y)
        r = np.clip(np.floor(row + 0.5).astype(np.intp), 0, self.ny - 1)
        c = np.clip(np.floor(col + 0.5).astype(np.intp), 0, self.nx - 1)
        return r, c

    def xy(self, row: NDArray[np.intp], col: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        """Centre coordinates of cells."""
        x = self.x0 + (np.asarray(col) + 0.5) * self.cell
        y = self.y1 - (np.asarray(row) + 0.5) * self.cell
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def sample(self, values: NDArray[np.floating], x: FloatArray, y: FloatArray) -> FloatArray:
        """Bilinear sample of a raster on this grid at points (edges clamped)."""
        row, col = self.fractional_index(x, y)
        coords = np.vstack([np.ravel(row), np.ravel(col)])
        out = ndimage.map_coordinates(np.asarray(values, dtype=float), coords, order=1,
                                      mode="nearest")
        return out.reshape(np.shape(x))


def stream(seed: int, layer: int) -> np.random.Generator:
    """An independent random generator for one layer of the sample."""
    return np.random.default_rng([seed, layer])


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_utm(lon: FloatArray | float, lat: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """WGS84 lon/lat to UTM 48N metres."""
    x, y = _transformer(CRS_WGS84, CRS_UTM).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def to_lonlat(x: FloatArray | float, y: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """UTM 48N metres to WGS84 lon/lat."""
    lon, lat = _transformer(CRS_UTM, CRS_WGS84).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def smooth_noise(rng: np.random.Generator, grid: Grid, wavelength_m: float) -> FloatArray:
    """Band-limited noise of unit standard deviation (approximately) at a given wavelength.

    White noise on lattice nodes spaced half a wavelength apart over the extent, interpolated to the
    grid with cubic splines. The lattice depends only on the extent and the wavelength, so the same
    ``rng`` state gives the same field on grids of any cell size.
    """
    spacing = wavelength_m / 2.0
    west, south, east, north = EXTENT_UTM
    nxl = int(np.ceil((east - west) / spacing)) + 4
    nyl = int(np.ceil((north - south) / spacing)) + 4
    lattice = rng.standard_normal((nyl, nxl))
    xs, ys = grid.centres()
    cols = (xs - west) / spacing + 1.5
    rows = (north - ys) / spacing + 1.5
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    field = ndimage.map_coordinates(lattice, [rr.ravel(), cc.ravel()], order=3, mode="nearest")
    field = field.reshape(grid.shape)
    return field / 0.75


def smooth_noise_1d(rng: np.random.Generator, s: FloatArray, wavelength_m: float) -> FloatArray:
    """1-D band-limited noise (unit scale) along arc length ``s`` in metres."""
    spacing = wavelength_m / 2.0
    n = int(np.ceil((float(np.max(s)) if len(s) else 0.0) / spacing)) + 4
    lattice = rng.standard_normal(n)
    return ndimage.map_coordinates(lattice, [np.asarray(s) / spacing + 1.5], order=3,
                                   mode="nearest")
