"""People per coverage class in a tiled run, tile by tile.

A district run spreads each population cell over the coverage cells inside it
(:func:`netcover.coverage.people.class_shares`); that needs the population grid and the class raster
together. A tiled run holds one tile at a time, so here every population cell (or point) takes the
class of the coverage cell holding its centre, and is counted in the one tile that holds that cell:
nobody is counted twice, and the population raster is read by window like the DEM. With 100 m
population cells on a 30 m coverage grid the two ways differ only where a class changes inside a
population cell.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from netcover.config.radio import CLASS_NAMES
from netcover.config.scenario import Scenario
from netcover.core.io import open_raster
from netcover.data import layers
from netcover.data.population import is_vector
from netcover.data.window import DemSource, Window
from netcover.errors import ValidationError

__all__ = ["PeopleSource", "people_per_class"]


@dataclass(frozen=True)
class PeopleSource:
    """A population input as a tiled run reads it: a raster by window, or points held as arrays.

    ``x``, ``y`` (working CRS) and ``people`` are set for points; ``path`` and ``crs`` for a raster.
    """

    path: Path | None = None
    crs: CRS | None = None
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    people: np.ndarray | None = None

    @classmethod
    def from_scenario(cls, scenario: Scenario, crs: CRS) -> PeopleSource | None:
        """The scenario's population input (None when it names none)."""
        path = scenario.inputs.population
        if path is None:
            return None
        if not is_vector(path):
            with open_raster(path, "population raster") as src:
                return cls(path=Path(src.name), crs=CRS.from_user_input(src.crs))
        field = scenario.inputs.population_field
        spec = dataclasses.replace(layers.POPULATION_POINTS, fields=(field,), numeric=(field,))
        points, problems = layers.read_layer(path, spec, crs)
        if points is None or any(p.severity == "error" for p in problems):
            raise ValidationError(problems)
        return cls(x=points.geometry.x.to_numpy(), y=points.geometry.y.to_numpy(),
                   people=points[field].to_numpy(dtype="float64"))

    def in_tile(self, dem: DemSource, tile: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, col) in the tile and people of every population cell or point whose centre
        falls in the tile."""
        if self.x is not None and self.y is not None and self.people is not None:
            return _place(dem, tile, self.x, self.y, self.people)
        x, y, people = self._raster_cells(dem, tile)
        return _place(dem, tile, x, y, people)

    def _raster_cells(self, dem: DemSource, tile: Window
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centres (working CRS) and people of the raster cells around the tile."""
        import rasterio
        from rasterio.warp import transform_bounds
        from rasterio.windows import from_bounds

        assert self.path is not None and self.crs is not None
        t = dem.window_transform(tile)
        left, top = t.c, t.f
        right, bottom = left + tile.cols * t.a, top + tile.rows * t.e
        with rasterio.open(self.path) as src:
            box = transform_bounds(dem.crs, self.crs, left, bottom, right, top, densify_pts=21)
            win = from_bounds(*box, transform=src.transform)
            r0 = max(math.floor(win.row_off) - 1, 0)
            c0 = max(math.floor(win.col_off) - 1, 0)
            r1 = min(math.ceil(win.row_off + win.height) + 1, src.height)
            c1 = min(math.ceil(win.col_off + win.width) + 1, src.width)
            if r1 <= r0 or c1 <= c0:
                empty = np.zeros(0)
                return empty, empty, empty
            data = src.read(1, window=((r0, r1), (c0, c1)), masked=True)
            pop_t = src.transform
        values = np.ma.filled(data.astype("float64"), 0.0)
        values = np.where(np.isfinite(values) & (values > 0), values, 0.0)
        rr, cc = np.nonzero(values)
        col, row = cc + c0 + 0.5, rr + r0 + 0.5
        px = pop_t.c + col * pop_t.a + row * pop_t.b
        py = pop_t.f + col * pop_t.d + row * pop_t.e
        if self.crs != dem.crs:
            px, py = Transformer.from_crs(self.crs, dem.crs, always_xy=True).transform(px, py)
        return np.asarray(px), np.asarray(py), values[rr, cc]


def _place(dem: DemSource, tile: Window, x: np.ndarray, y: np.ndarray,
           people: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    col = np.floor((x - dem.transform.c) / dem.cell_size).astype(np.int64) - tile.col_off
    row = np.floor((dem.transform.f - y) / dem.cell_size).astype(np.int64) - tile.row_off
    inside = (row >= 0) & (row < tile.rows) & (col >= 0) & (col < tile.cols)
    return row[inside], col[inside], people[inside]


def people_per_class(classes: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                     people: np.ndarray) -> np.ndarray:
    """People in each class (0-3) of a class tile, each person at the class of their cell."""
    return np.bincount(classes[rows, cols], weights=people, minlength=len(CLASS_NAMES))[:len(CLASS_NAMES)]
