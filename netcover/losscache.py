"""On-disk cache of per-site basic transmission loss, kept without the antenna.

Propagation is the expensive part of a coverage run; the antenna (azimuth, tilt, pattern) and the
link budget (power, gains) are cheap to re-apply. As Atoll and Planet do, netcover stores each
site's loss raster keyed by everything the loss depends on (the DEM's content and grid, the site's
position and height, the frequency, the model and its parameters, the engine's version) and nothing
else, so changing a sector's azimuth, tilt or power re-uses the cached loss.

Losses are stored as centi-dB in uint16 (0.01 dB resolution; 65535 = no value), uncompressed so
that a warm run reads them at disk speed (about 2 MB per site and band at 15 km / 30 m).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .io import atomic_path

#: Bump when the engine's numbers change, so old cache entries are not reused.
ENGINE_VERSION = "1"
_NODATA = np.uint16(65535)
_SCALE = 100.0


def default_cache_dir() -> Path:
    """``$NETCOVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/netcover`` or ``~/.cache/netcover``."""
    if env := os.environ.get("NETCOVER_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "netcover" / "loss"


def dem_fingerprint(heights: np.ndarray, transform: tuple[float, ...], crs_wkt: str) -> str:
    """Digest of a DEM's heights, grid and CRS."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(heights, dtype=np.float32).tobytes())
    h.update(json.dumps([float(v) for v in transform]).encode())
    h.update(crs_wkt.encode())
    return h.hexdigest()


def _pack(values: np.ndarray, scale: float = _SCALE) -> np.ndarray:
    top = (int(_NODATA) - 1) / scale
    scaled = np.round(np.clip(values, 0.0, top) * scale)
    return np.where(np.isfinite(values), scaled, _NODATA).astype(np.uint16)


def _unpack(packed: np.ndarray, scale: float = _SCALE) -> np.ndarray:
    return np.where(packed == _NODATA, np.float32(np.nan),
                    packed.astype(np.float32) / np.float32(scale))


def quantize(values: np.ndarray, scale: float = _SCALE) -> np.ndarray:
    """Round to the cache's steps (1/scale), so cached and fresh runs give identical results.

    Values are stored in [0, 655.34] (losses in dB; bearings in degrees; table rows).
    """
    return _unpack(_pack(values, scale), scale)


@dataclass(frozen=True)
class CachedLoss:
    """A loss window on the DEM grid."""

    loss_db: np.ndarray
    row_off: int
    col_off: int


class LossCache:
    """Per-site loss rasters (and other per-mast windows) on disk under ``folder``.

    The folder is created on first write; ``folder=None`` disables caching (every ``get`` misses,
    ``put`` does nothing).
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(dem_digest: str, **params: Any) -> str:
        """Cache key of a computation: the DEM digest plus every parameter, canonically."""
        payload = json.dumps({"dem": dem_digest, "engine": ENGINE_VERSION, **params},
                             sort_keys=True, default=float)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    @staticmethod
    def has(folder: Path, key: str) -> bool:
        """Whether ``folder`` holds an entry for ``key`` (without reading it)."""
        return (folder / key[:2] / f"{key}.npy").is_file()

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> CachedLoss | None:
        """The cached loss for ``key``, or None (unreadable entries count as misses)."""
        found = self.get_layers(key, 1)
        if found is None:
            return None
        (loss,), row_off, col_off = found
        return CachedLoss(loss, row_off, col_off)

    def put(self, key: str, loss: CachedLoss) -> None:
        """Store a loss window (atomically; a failed write leaves no entry)."""
        self.put_layers(key, [loss.loss_db], loss.row_off, loss.col_off)

    def get_layers(self, key: str, n: int, scale: float = _SCALE
                   ) -> tuple[list[np.ndarray], int, int] | None:
        """``n`` same-shaped windows stored under ``key`` and their offset, or None."""
        if self.folder is None or not self._path(key).is_file():
            self.misses += 1
            return None
        try:
            stored = np.load(self._path(key), allow_pickle=False)
            words = stored[0, :4].astype(np.int64)
            row_off, col_off = (int(v) for v in words[0::2] * 65536 + words[1::2])
            layers = np.split(stored[1:], n)
        except (OSError, ValueError, IndexError):
            self.misses += 1
            return None
        self.hits += 1
        return [_unpack(layer, scale) for layer in layers], row_off, col_off

    def put_layers(self, key: str, layers: list[np.ndarray], row_off: int, col_off: int,
                   scale: float = _SCALE) -> None:
        """Store same-shaped windows under ``key`` (atomically)."""
        if self.folder is None or layers[0].shape[1] < 4:  # too small for the header: recompute
            return
        header = np.zeros((1, layers[0].shape[1]), dtype=np.uint16)
        header[0, :4] = [v for off in (row_off, col_off) for v in divmod(off, 65536)]
        with atomic_path(self._path(key)) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.concatenate([header, *(_pack(x, scale) for x in layers)]),
                    allow_pickle=False)

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """Named arrays stored exactly (any dtype) under ``key``, or None."""
        if self.folder is None or not (path := self._path(key).with_suffix(".npz")).is_file():
            self.misses += 1
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {name: z[name] for name in z.files}
        except (OSError, ValueError, KeyError):
            self.misses += 1
            return None
        self.hits += 1
        return arrays

    def put_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store named arrays exactly under ``key`` (uncompressed, atomically)."""
        if self.folder is None:
            return
        with atomic_path(self._path(key).with_suffix(".npz")) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
