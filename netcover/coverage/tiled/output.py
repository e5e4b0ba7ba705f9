"""Writing a tiled run: GeoTIFFs written window by window, and class areas summed tile by tile.

The files, nodata and descriptions are those of :mod:`netcover.coverage.write` (``signal_<tech>.tif``,
``best_server_<tech>.tif``, ``servers_within_6db_<tech>.tif``, ``sinr_<tech>.tif``,
``class_<tech>.tif``, ``class.tif``, ``class_<operator>.tif``, ``loss_min.tif``), so a province
opens in QGIS like a district. Each file is created at the full grid size (BigTIFF when needed,
256 x 256 blocks, DEFLATE) and filled as tiles arrive; memory holds one tile at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcover.config.radio import CLASS_NAMES
from netcover.coverage.tiled.jobs import TileLayers
from netcover.coverage.write import raster_file, raster_spec
from netcover.data.window import DemSource
from netcover.errors import CRSError

__all__ = ["ClassAreas", "TileWriter"]


class TileWriter:
    """GeoTIFFs of the whole grid in ``folder``, written tile by tile (a context manager)."""

    def __init__(self, folder: Path, dem: DemSource):
        if dem.crs is None:
            msg = f"{folder}: refusing to write rasters without a CRS"
            raise CRSError(msg)
        self.folder, self.dem = folder, dem
        self._files: dict[str, Any] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, layers: TileLayers) -> None:
        """Write every layer of a tile into its window."""
        from rasterio.windows import Window as RioWindow

        w = layers.window
        window = RioWindow(w.col_off, w.row_off, w.cols, w.rows)
        for name in sorted(layers.arrays):
            array = layers.arrays[name]
            if name not in self._files:
                self._files[name] = self._open(name, array.dtype)
            self._files[name].write(array, 1, window=window)

    def _open(self, layer: str, dtype: np.dtype) -> Any:
        import rasterio

        rows, cols = self.dem.shape
        nodata, description = raster_spec(layer)
        predictor = 3 if np.issubdtype(dtype, np.floating) else 2
        dst = rasterio.open(
            raster_file(layer).in_step(self.folder), "w", driver="GTiff", height=rows, width=cols, count=1,
            dtype=dtype, crs=self.dem.crs, transform=self.dem.transform, nodata=nodata,
            compress="deflate", predictor=predictor, zlevel=6, tiled=True, blockxsize=256,
            blockysize=256, BIGTIFF="IF_SAFER")
        dst.set_band_description(1, description)
        return dst

    def paths(self) -> list[Path]:
        """The files written so far."""
        return [raster_file(name).in_step(self.folder) for name in sorted(self._files)]

    def close(self) -> None:
        """Flush and close every file."""
        for dst in self._files.values():
            dst.close()

    def __enter__(self) -> TileWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ClassAreas:
    """Cells and people per class of every class layer, summed over tiles."""

    def __init__(self) -> None:
        self.counts: dict[str, np.ndarray] = {}
        self.people: dict[str, np.ndarray] = {}

    def add(self, layers: TileLayers) -> None:
        """Count the classes of one tile."""
        for name, array in layers.arrays.items():
            if name.startswith("class"):
                found = np.bincount(array.ravel(), minlength=len(CLASS_NAMES))[:len(CLASS_NAMES)]
                self.counts[name] = self.counts.get(name, 0) + found
        for name, people in layers.people.items():
            self.people[name] = self.people.get(name, 0.0) + people

    def table(self, cell_size_m: float, usable: int) -> pd.DataFrame:
        """km2 per class of each layer and the percentage of the area at ``usable`` or better;
        with a population, people per class and the percentage of people at ``usable`` or better."""
        rows = []
        for name in sorted(self.counts):
            counts = self.counts[name]
            km2 = counts * cell_size_m**2 / 1e6
            row: dict[str, object] = {"layer": name}
            row.update({f"{c}_km2": round(float(v), 3) for c, v in zip(CLASS_NAMES, km2,
                                                                        strict=True)})
            row["covered_pct"] = round(100.0 * float(counts[usable:].sum() / counts.sum()), 2)
            if name in self.people:
                people = self.people[name]
                row.update({f"people_{c}": round(float(v), 1)
                            for c, v in zip(CLASS_NAMES, people, strict=True)})
                total = float(people.sum())
                share = float(people[usable:].sum()) / total if total > 0 else float("nan")
                row["people_covered_pct"] = round(100.0 * share, 2)
            rows.append(row)
        return pd.DataFrame(rows)
