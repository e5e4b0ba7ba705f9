"""On-disk cache of per-site basic transmission loss, kept without the antenna.

Propagation is the expensive part of a coverage run; the antenna (azimuth, tilt, pattern) and the
link budget (power, gains) are cheap to re-apply. As Atoll and Planet do, netcover stores each
site's loss raster keyed by everything the loss depends on (the DEM's content and grid, the site's
position and height, the frequency, the model and its parameters, the engine's version) and nothing
else, so changing a sector's azimuth, tilt or power re-uses the cached loss.

Losses are stored as centi-dB in uint16 (0.01 dB resolution; 65535 = no value), uncompressed so
that a warm run reads them at disk speed (about 2 MB per site and band at 15 km / 30 m). Each
entry carries its key and a CRC-32 checksum and is checked when read (:class:`LossCache`);
the folder's upkeep (what it holds, clearing, a size cap: least recently used entries go first)
is :mod:`netcover.coverage.cacheupkeep`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import threading
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from netcover.core.codeversion import code_digest
from netcover.core.io import atomic_path

__all__ = [
    "ENGINE_VERSION", "FORMAT_VERSION", "CacheWarning", "CachedLoss", "LossCache", "default_cache_dir",
    "dem_fingerprint", "grid_fingerprint", "quantize",
]

#: Bump when the engine's numbers change, so old cache entries are not reused.
ENGINE_VERSION = "6"
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


def grid_fingerprint(values: np.ndarray, grid: Any) -> str:
    """:func:`dem_fingerprint` of a layer ``values`` on ``grid`` (anything with ``transform`` and
    ``crs``, e.g. a :class:`~netcover.data.terrain.Terrain`)."""
    crs = grid.crs.to_wkt() if hasattr(grid.crs, "to_wkt") else str(grid.crs)
    return dem_fingerprint(values, tuple(grid.transform)[:6], crs)


def _pack(values: np.ndarray, scale: float = _SCALE) -> np.ndarray:
    top = (int(_NODATA) - 1) / scale
    scaled = np.round(np.clip(values, 0.0, top) * scale)
    return np.where(np.isfinite(values), scaled, _NODATA).astype(np.uint16)


def _unpack(packed: np.ndarray, scale: float = _SCALE) -> np.ndarray:
    from netcover.coverage._cache_kernels import look_up  # numba: not for the cache commands

    return look_up(_unpacked(scale), np.ascontiguousarray(packed, dtype=np.uint16))


@functools.cache
def _unpacked(scale: float) -> np.ndarray:
    """The float32 value of every packed word (a table: one look-up per cell), NaN for no value."""
    table = np.arange(int(_NODATA) + 1, dtype=np.uint16).astype(np.float32) / np.float32(scale)
    table[int(_NODATA)] = np.nan
    table.flags.writeable = False
    return table


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


class CacheWarning(UserWarning):
    """A loss cache entry was damaged (it is computed again) or the cache cannot be written."""


#: Format of the entries: they live in ``<folder>/v<FORMAT_VERSION>/`` so that entries of another
#: format are never read.
FORMAT_VERSION = "3"
#: An entry file: magic, the key (32 ASCII characters), the checksum field (CRC-32 of key and
#: payload, uint32 little-endian, then 28 zero bytes), payload length (uint64, little-endian),
#: payload (``np.save`` or ``np.savez`` bytes). The checksum finds a damaged or altered file (not
#: a forged one); version 2 had a SHA-256 there (1.0 GB/s against 1.7 GB/s on the 2-core Xeon).
_MAGIC = b"NCLOSS3\n"
_CHECK = 32
_HEADER = len(_MAGIC) + 32 + _CHECK + 8
#: Cache folders already warned about as not writable (one warning per folder and process).
_UNWRITABLE: set[Path] = set()


def _check_field(crc: int) -> bytes:
    """The header's checksum field of a CRC-32."""
    return crc.to_bytes(4, "little").ljust(_CHECK, b"\0")


def _entry_payload(data: bytes | bytearray, key: str) -> memoryview:
    """The payload of an entry's bytes (a view, not a copy: the rasters are large), checked;
    ValueError says what is wrong."""
    raw_key = key.encode("ascii").ljust(32, b" ")[:32]
    if len(data) < _HEADER or not data.startswith(_MAGIC):
        msg = "empty, truncated or not a netcover cache entry"
        raise ValueError(msg)
    stored_key, digest = data[8:40], bytes(data[40:72])
    size = int.from_bytes(data[72:80], "little")
    payload = memoryview(data)[_HEADER:]
    if stored_key != raw_key:
        msg = "it holds the entry of another key"
        raise ValueError(msg)
    if size != len(payload):
        msg = f"truncated ({len(payload)} of {size} bytes)"
        raise ValueError(msg)
    if _check_field(zlib.crc32(payload, zlib.crc32(raw_key))) != digest:
        msg = "its checksum does not match (the file was altered)"
        raise ValueError(msg)
    return payload


class LossCache:
    """Per-site loss rasters (and other per-mast windows) on disk under ``folder``.

    The folder is created on first write; ``folder=None`` disables caching (every ``get`` misses,
    ``put`` does nothing). Every entry carries its key and a checksum: a damaged entry (altered,
    swapped with another key's, empty, truncated) is a miss with a :class:`CacheWarning`, so it is
    computed again and rewritten. A folder that cannot be written leaves the run without cache
    (one warning). Threads may share one cache: entries are written atomically and the ``hits``
    and ``misses`` counters are kept under a lock.
    """

    def __init__(self, folder: str | Path | None):
        self.folder = None if folder is None else Path(folder)
        self.hits = 0
        self.misses = 0
        self._count_lock = threading.Lock()  # threads of one run share the cache

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_count_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._count_lock = threading.Lock()

    def _count(self, *, hit: bool) -> None:
        with self._count_lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    @staticmethod
    def key(dem_digest: str, **params: Any) -> str:
        """Cache key of a result derived from losses (levels folded per group, combined layers,
        footprints, covers, distance rasters...): the DEM digest, every parameter and the code
        that made it (:func:`~netcover.core.codeversion.code_digest`), canonically.

        Derived results are quick to make again, so any change of netcover's files retires them:
        an upgrade never re-uses a figure made by other code. The per-site losses, a minute of
        work on the sample, are keyed by :meth:`loss_key` instead."""
        return LossCache.loss_key(dem_digest, code=code_digest(), **params)

    @staticmethod
    def loss_key(dem_digest: str, **params: Any) -> str:
        """Cache key of a per-site loss: the DEM digest plus every parameter and
        :data:`ENGINE_VERSION` (bumped by hand whenever the propagation kernels' numbers change),
        canonically."""
        payload = json.dumps({"dem": dem_digest, "engine": ENGINE_VERSION, **params},
                             sort_keys=True, default=float)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    @staticmethod
    def has(folder: Path, key: str) -> bool:
        """Whether ``folder`` holds an entry for ``key`` (without reading it)."""
        return _entry_path(folder, key, ".npy").is_file()

    def holds_arrays(self, key: str) -> bool:
        """Whether the folder holds named arrays (:meth:`put_arrays`) for ``key``, unread."""
        return self.folder is not None and _entry_path(self.folder, key, ".npz").is_file()

    def _read(self, key: str, suffix: str) -> memoryview | None:
        """The checked payload of ``key``'s entry, or None (a miss; damaged entries warn)."""
        if self.folder is None:
            self._count(hit=False)
            return None
        path = _entry_path(self.folder, key, suffix)
        try:
            data = _read_writable(path)
        except OSError:
            self._count(hit=False)
            return None
        try:
            payload = _entry_payload(data, key)
        except ValueError as exc:
            warnings.warn(f"loss cache entry {path}: {exc}; it is computed again",
                          CacheWarning, stacklevel=3)
            self._count(hit=False)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: kept longest under a size cap
        return payload

    def _write(self, key: str, suffix: str, fill: Callable[[BinaryIO], object]) -> None:
        """Store under ``key`` atomically the payload ``fill(file)`` writes; an unwritable folder
        means no cache. The payload goes straight into the file (a large entry is never held in
        memory as bytes) and is then read back for its checksum, which fills the header."""
        if self.folder is None or self.folder in _UNWRITABLE:
            return
        raw_key = key.encode("ascii").ljust(32, b" ")[:32]
        try:
            with atomic_path(_entry_path(self.folder, key, suffix)) as tmp, tmp.open("w+b") as fh:
                fh.write(bytes(_HEADER))
                fill(fh)
                size = fh.tell() - _HEADER
                fh.seek(_HEADER)
                check = zlib.crc32(raw_key)
                while chunk := fh.read(1 << 22):
                    check = zlib.crc32(chunk, check)
                fh.seek(0)
                fh.write(_MAGIC + raw_key + _check_field(check) + size.to_bytes(8, "little"))
        except OSError as exc:
            _UNWRITABLE.add(self.folder)
            warnings.warn(f"the loss cache {self.folder} cannot be written ({exc.strerror or exc}); "
                          "this run continues without cache (set NETCOVER_CACHE_DIR or [coverage] "
                          "cache_dir to a writable folder)", CacheWarning, stacklevel=3)

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
        payload = self._read(key, ".npy")
        if payload is None:
            return None
        try:
            stored = _npy_view(payload)
            words = stored[0, :4].astype(np.int64)
            row_off, col_off = (int(v) for v in words[0::2] * 65536 + words[1::2])
            layers = np.split(stored[1:], n)
        except (OSError, ValueError, IndexError):
            self._count(hit=False)
            return None
        self._count(hit=True)
        return [_unpack(layer, scale) for layer in layers], row_off, col_off

    def put_layers(self, key: str, layers: list[np.ndarray], row_off: int, col_off: int,
                   scale: float = _SCALE) -> None:
        """Store same-shaped windows under ``key`` (atomically)."""
        if self.folder is None or layers[0].shape[1] < 4:  # too small for the header: recompute
            return
        header = np.zeros((1, layers[0].shape[1]), dtype=np.uint16)
        header[0, :4] = [v for off in (row_off, col_off) for v in divmod(off, 65536)]
        packed = np.concatenate([header, *(_pack(x, scale) for x in layers)])
        self._write(key, ".npy", lambda fh: np.save(fh, packed, allow_pickle=False))

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """Named arrays stored exactly (any dtype) under ``key``, or None."""
        payload = self._read(key, ".npz")
        if payload is None:
            return None
        try:
            arrays = _npz_views(payload)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            self._count(hit=False)
            return None
        self._count(hit=True)
        return arrays

    def put_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store named arrays exactly under ``key`` (uncompressed, atomically)."""
        if self.folder is None:
            return
        self._write(key, ".npz", lambda fh: np.savez(fh, **arrays))  # type: ignore[arg-type]

    def kept_arrays(self, key: str, names: Collection[str],
                    make: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """The arrays stored under ``key`` when it holds every one of ``names``; else ``make()``,
        stored under ``key`` (without a folder: made, nothing stored)."""
        found = self.get_arrays(key) if self.folder is not None else None
        if found is not None and set(names) <= set(found):
            return found
        made = make()
        self.put_arrays(key, made)
        return made


def _read_writable(path: Path) -> bytearray:
    """A file's bytes in a buffer of our own: arrays read on it are writable without a copy."""
    with path.open("rb") as fh:
        data = bytearray(os.fstat(fh.fileno()).st_size)
        got = fh.readinto(data)
    return data[:got] if got < len(data) else data


class _ViewReader(io.RawIOBase):
    """A read-only file on a buffer, without copying it (the archive reads its directory only)."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view, self._pos = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = max(min(len(buffer), len(self._view) - self._pos), 0)
        buffer[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _npz_views(payload: memoryview) -> dict[str, np.ndarray]:
    """The arrays of ``np.savez`` bytes, read-only, on the bytes themselves where the archive
    stores them plainly (it does: uncompressed), without the archive's own CRC pass (the entry's
    checksum has checked every byte)."""
    out: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BufferedReader(_ViewReader(payload))) as archive:
        for info in archive.infolist():
            start = info.header_offset
            local = bytes(payload[start:start + 30])
            if (info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy")
                    or local[:4] != b"PK\x03\x04"):
                with archive.open(info) as fh:
                    data = memoryview(fh.read())
            else:
                begin = (start + 30 + int.from_bytes(local[26:28], "little")
                         + int.from_bytes(local[28:30], "little"))
                data = payload[begin:begin + info.file_size]
            out[info.filename.removesuffix(".npy")] = _npy_view(data)
    return out


def _npy_view(payload: memoryview) -> np.ndarray:
    """The array of ``np.save`` bytes, read-only, on the bytes themselves (no copy)."""
    head = io.BytesIO(payload[:1024])  # the header of a 2-D array is far shorter
    version = np.lib.format.read_magic(head)
    if version != (1, 0):
        return np.asarray(np.load(io.BytesIO(payload), allow_pickle=False))
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
    if dtype.hasobject or fortran:
        msg = "not a plain array"
        raise ValueError(msg)
    count = int(np.prod(shape))
    return np.frombuffer(payload, dtype=dtype, count=count, offset=head.tell()).reshape(shape)


def _entry_path(folder: Path, key: str, suffix: str) -> Path:
    return folder / f"v{FORMAT_VERSION}" / key[:2] / f"{key}{suffix}"
