"""Writing a tiled run: GeoTIFFs written window by window, and class areas summed tile by tile.

The files and their meaning are those of :mod:`netcover.coverage_output` (``signal_<tech>.tif``,
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

from ..coverage_output import layer_slug
from ..errors import CRSError
from .grid import DemSource
from .jobs import TileLayers

#: Meaning, nodata and band description of each layer, by name prefix.
_SPECS: dict[str, tuple[float | int | None, str]] = {
    "signal": (np.nan, "best-server level {tech} (dBm)"),
    "best_server": (-1, "row of cells.csv"),
    "servers_within_6db": (None, "cells within 6 dB of the best"),
    "sinr": (np.nan, "SINR of the best {tech} server (dB)"),
    "class": (255, "0 none, 1 weak, 2 fair, 3 good"),
    "loss_min": (np.nan, "smallest basic transmission loss (dB)"),
}
CLASS_NAMES = ("none", "weak", "fair", "good")


def file_name(layer: str) -> str:
    """The file a tile layer goes to (operators' class layers by the operator's slug)."""
    if layer.startswith("class_op_"):
        return f"class_{layer_slug(layer.removeprefix('class_op_'))}.tif"
    return f"{layer}.tif"


def _spec(layer: str) -> tuple[float | int | None, str]:
    if layer.startswith("class"):
        return _SPECS["class"]
    prefix, _, tech = layer.rpartition("_")
    nodata, text = _SPECS.get(prefix, _SPECS.get(layer, (None, layer)))
    return nodata, text.format(tech=tech)


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
        nodata, description = _spec(layer)
        predictor = 3 if np.issubdtype(dtype, np.floating) else 2
        dst = rasterio.open(
            self.folder / file_name(layer), "w", driver="GTiff", height=rows, width=cols, count=1,
            dtype=dtype, crs=self.dem.crs, transform=self.dem.transform, nodata=nodata,
            compress="deflate", predictor=predictor, zlevel=6, tiled=True, blockxsize=256,
            blockysize=256, BIGTIFF="IF_SAFER")
        dst.set_band_description(1, description)
        return dst

    def paths(self) -> list[Path]:
        """The files written so far."""
        return [self.folder / file_name(name) for name in sorted(self._files)]

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
            row: dict[str, object] = {"layer": file_name(name).removesuffix(".tif")}
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
