"""On-disk cache of per-site basic transmission loss, kept without the antenna.

Propagation is the expensive part of a coverage run; the antenna (azimuth, tilt, pattern) and the
link budget (power, gains) are cheap to re-apply. As Atoll and Planet do, netcover stores each
site's loss raster keyed by everything the loss depends on (the DEM's content and grid, the site's
position and height, the frequency, the model and its parameters, the engine's version) and nothing
else, so changing a sector's azimuth, tilt or power re-uses the cached loss.

Losses are stored as centi-dB in uint16 (0.01 dB resolution; 65535 = no value), compressed.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
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


def _pack(loss_db: np.ndarray) -> np.ndarray:
    scaled = np.round(np.clip(loss_db, 0.0, 655.0) * _SCALE)
    return np.where(np.isfinite(loss_db), scaled, _NODATA).astype(np.uint16)


def _unpack(packed: np.ndarray) -> np.ndarray:
    return np.where(packed == _NODATA, np.float32(np.nan),
                    packed.astype(np.float32) / np.float32(_SCALE))


def quantize(loss_db: np.ndarray) -> np.ndarray:
    """Round losses to the cache's 0.01 dB steps, so cached and fresh runs give identical results."""
    return _unpack(_pack(loss_db))


@dataclass(frozen=True)
class CachedLoss:
    """A loss window on the DEM grid."""

    loss_db: np.ndarray
    row_off: int
    col_off: int


class LossCache:
    """Per-site loss rasters on disk under ``folder`` (created on first write).

    ``folder=None`` disables caching (every ``get`` misses, ``put`` does nothing).
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(dem_digest: str, **params: Any) -> str:
        """Cache key of a loss computation: the DEM digest plus every parameter, canonically."""
        payload = json.dumps({"dem": dem_digest, "engine": ENGINE_VERSION, **params},
                             sort_keys=True, default=float)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.npz"

    def get(self, key: str) -> CachedLoss | None:
        """The cached loss for ``key``, or None (unreadable entries count as misses)."""
        if self.folder is None or not self._path(key).is_file():
            self.misses += 1
            return None
        try:
            with np.load(self._path(key)) as z:
                shape = tuple(int(v) for v in z["shape"])
                raw = np.frombuffer(zlib.decompress(z["data"].tobytes()), dtype=np.uint16)
                offsets = z["offsets"]
            packed = raw.reshape(shape)
        except (OSError, ValueError, KeyError, zlib.error):
            self.misses += 1
            return None
        self.hits += 1
        return CachedLoss(_unpack(packed), int(offsets[0]), int(offsets[1]))

    def put(self, key: str, loss: CachedLoss) -> None:
        """Store a loss window (atomically; a failed write leaves no entry)."""
        if self.folder is None:
            return
        packed = _pack(loss.loss_db)
        path = self._path(key)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, data=np.frombuffer(zlib.compress(packed.tobytes(), 1), dtype=np.uint8),
                     shape=np.array(packed.shape), offsets=np.array([loss.row_off, loss.col_off]))
