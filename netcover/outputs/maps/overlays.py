"""Rasters made into compact PNG overlays for web maps and Google Earth.

A result raster (working UTM grid) is warped to the overlay's CRS -- EPSG:3857 for Leaflet, whose
image overlays are stretched linearly in Web Mercator, or EPSG:4326 for a KML ``LatLonBox`` --
downsampled so that its longer side has at most ``max_px`` pixels, then coloured through a small
palette and written as a palette PNG (a few hundred kB for the whole sample district). Cells without
data are transparent.

The hillshade itself is :func:`netcover.data.terrain.hillshade`. The last few overlays made are kept
by the SHA-256 of their raster and settings, so the map of each language shares them; inside
:func:`stored_in` they are also kept in the loss cache folder (:class:`~netcover.coverage.losscache.
LossCache` entries: checksummed, under its size cap and ``netcover cache`` upkeep), so that the next
run draws again only the overlays whose raster changed (a changed tilt: that operator's signal and
best-server layers, not the others).
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from netcover.core.palette import CLASS_COLOURS, SIGNAL_CMAP, ramp

if TYPE_CHECKING:
    from netcover.coverage.losscache import LossCache
    from netcover.outputs.results import Raster

__all__ = [
    "SIGNAL_RANGE_DBM", "Overlay", "OverlayCRS", "category_overlay", "class_overlay", "dem_shade_overlay",
    "palette_png",
    "shade_overlay", "signal_colours", "signal_overlay", "stored_in", "stored_png", "warp",
]

#: CRSs an overlay can be made in: Web Mercator (Leaflet) or longitude/latitude (KML).
OverlayCRS = Literal["EPSG:3857", "EPSG:4326"]


#: Signal scale of the best-server level overlays: lowest, highest level (dBm) and step (dB).
SIGNAL_RANGE_DBM: tuple[float, float, float] = (-125.0, -65.0, 5.0)


@dataclass(frozen=True)
class Overlay:
    """A PNG image and where it lies: ``bounds`` = (south, west, north, east) in degrees."""

    png: bytes
    bounds: tuple[float, float, float, float]
    width: int
    height: int

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI (embedded in HTML, no file next to the map)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def leaflet_bounds(self) -> list[list[float]]:
        """``[[south, west], [north, east]]`` as Leaflet wants them."""
        s, w, n, e = self.bounds
        return [[s, w], [n, e]]


def warp(raster: Raster, dst_crs: OverlayCRS, *, max_px: int = 1600,
         categorical: bool = False) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Warp a raster to ``dst_crs``, at most ``max_px`` pixels on its longer side.

    Returns the float64 array (NaN where there is no data) and its (south, west, north, east)
    bounds in degrees. ``categorical`` rasters are resampled by nearest neighbour, others bilinearly.
    """
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    src = np.asarray(raster.values, dtype="float64")
    if raster.nodata is not None and not np.isnan(raster.nodata):
        src = np.where(src == raster.nodata, np.nan, src)
    rows, cols = src.shape
    t = raster.transform
    left, top = t.c, t.f
    right, bottom = left + t.a * cols, top + t.e * rows
    transform, width, height = calculate_default_transform(
        raster.crs, dst_crs, cols, rows, left=left, bottom=bottom, right=right, top=top)
    scale = max(width, height) / max_px
    if scale > 1:
        width, height = max(1, round(width / scale)), max(1, round(height / scale))
        transform, width, height = calculate_default_transform(
            raster.crs, dst_crs, cols, rows, left=left, bottom=bottom, right=right, top=top,
            dst_width=width, dst_height=height)
    out = np.full((height, width), np.nan)
    reproject(src, out, src_transform=t, src_crs=raster.crs, src_nodata=np.nan,
              dst_transform=transform, dst_crs=dst_crs, dst_nodata=np.nan,
              resampling=Resampling.nearest if categorical else Resampling.bilinear)
    x0, y0 = transform.c, transform.f
    x1, y1 = x0 + transform.a * width, y0 + transform.e * height
    to_ll = Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    (west, east), (north, south) = to_ll.transform([x0, x1], [y0, y1])
    return out, (float(south), float(west), float(north), float(east))


def _rgba(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    from matplotlib.colors import to_rgb

    r, g, b = (round(255 * c) for c in to_rgb(colour))
    return r, g, b, alpha


def palette_png(index: np.ndarray, colours: Sequence[tuple[int, int, int, int]]) -> bytes:
    """A palette PNG of ``index`` (uint8, values < len(colours)); colours are RGBA tuples."""
    from PIL import Image

    if len(colours) > 256:
        msg = f"a palette PNG holds at most 256 colours, not {len(colours)}"
        raise ValueError(msg)
    img = Image.fromarray(np.ascontiguousarray(index, dtype="uint8"), mode="P")
    img.putpalette([c for rgba in colours for c in rgba[:3]])
    buf = io.BytesIO()
    # zlib level 6: 9x faster than level 9 for ~6 % more bytes on the sample's overlays
    img.save(buf, format="PNG", compress_level=6, transparency=bytes(rgba[3] for rgba in colours))
    return buf.getvalue()


#: Overlays kept for reuse (the maps in both languages show the same rasters).
_KEPT: OrderedDict[str, Overlay] = OrderedDict()
_KEEP = 24
#: Guards :data:`_KEPT` and :data:`_MAKING` (overlays may be made beside the drawing thread:
#: :func:`netcover.outputs.maps.rasters.overlays_beside`).
_LOCK = threading.Lock()
#: Overlays being made now, by key: set when done (kept, or failed).
_MAKING: dict[str, threading.Event] = {}


class _Stores(threading.local):
    """Where overlays are also kept between runs (:func:`stored_in`), innermost first, per thread;
    empty: in this process only."""

    def __init__(self) -> None:
        self.stack: list[LossCache] = []


_STORES = _Stores()
#: Bump when the overlays drawn of the same raster change, so stored ones are not reused.
_STORED_VERSION = "1"


@contextmanager
def stored_in(folder: str | Path | None) -> Iterator[None]:
    """Inside the block, overlays are also read from and kept in the cache folder ``folder``
    (None: in this process only), by the SHA-256 of their raster, kind and settings."""
    from netcover.coverage.losscache import LossCache

    _STORES.stack.insert(0, LossCache(None if folder is None else Path(folder)))
    try:
        yield
    finally:
        _STORES.stack.pop(0)


def _kept(kind: str, raster: Raster, settings: tuple[object, ...], make: Callable[[], Overlay]) -> Overlay:
    """``make()``, or the overlay made earlier of the same raster (values, grid, CRS, nodata),
    ``kind`` and ``settings``: in this process, or stored (:func:`stored_in`)."""
    values = np.ascontiguousarray(raster.values)
    h = hashlib.sha256(f"{kind}{settings!r}{values.dtype.str}{values.shape}{tuple(raster.transform)}"
                       f"{raster.nodata!r}{raster.crs.to_wkt() if raster.crs is not None else ''}".encode())
    h.update(values.tobytes())
    return _remembered(h.hexdigest(), make)


def _remembered(key: str, make: Callable[[], Overlay]) -> Overlay:
    """The overlay kept under ``key`` (in this process, else stored), else ``make()`` kept. An
    overlay another thread is making is waited for (then made here only if that one failed)."""
    while True:
        with _LOCK:
            if key in _KEPT:
                _KEPT.move_to_end(key)
                return _KEPT[key]
            other = _MAKING.get(key)
            if other is None:
                mine = _MAKING[key] = threading.Event()
                break
        other.wait()
    try:
        made = _stored(key) or _store(key, make())
        with _LOCK:
            _KEPT[key] = made
            while len(_KEPT) > _KEEP:
                _KEPT.popitem(last=False)
        return made
    finally:
        with _LOCK:
            del _MAKING[key]
        mine.set()


def _stored_key(key: str) -> str:
    from netcover.coverage.losscache import LossCache

    return LossCache.key(key, overlay=_STORED_VERSION)


def _stored(key: str) -> Overlay | None:
    """The overlay of ``key`` in the store, if any."""
    if not _STORES.stack:
        return None
    found = _STORES.stack[0].get_arrays(_stored_key(key))
    if found is None or set(found) != {"png", "bounds", "size"}:
        return None
    s, w, n, e = (float(v) for v in found["bounds"])
    width, height = (int(v) for v in found["size"])
    return Overlay(found["png"].tobytes(), (s, w, n, e), width, height)


def _store(key: str, overlay: Overlay) -> Overlay:
    if _STORES.stack:
        _STORES.stack[0].put_arrays(_stored_key(key), {
            "png": np.frombuffer(overlay.png, dtype="uint8"),
            "bounds": np.array(overlay.bounds, dtype="float64"),
            "size": np.array([overlay.width, overlay.height], dtype="int64")})
    return overlay


def stored_png(key: str, make: Callable[[], bytes]) -> bytes:
    """``make()``: a PNG derived from something whose SHA-256 is in ``key`` (the report's copy of
    a print map: :func:`~netcover.outputs.report.document.data_uri`); inside :func:`stored_in`,
    kept in its cache folder, and the kept PNG when there is one."""
    if not _STORES.stack:
        return make()
    stored = _stored_key(f"png:{key}")
    found = _STORES.stack[0].get_arrays(stored)
    if found is not None and set(found) == {"png"}:
        return found["png"].tobytes()
    png = make()
    _STORES.stack[0].put_arrays(stored, {"png": np.frombuffer(png, dtype="uint8")})
    return png


def _overlay(index: np.ndarray, colours: Sequence[tuple[int, int, int, int]],
             bounds: tuple[float, float, float, float]) -> Overlay:
    return Overlay(palette_png(index, colours), bounds, index.shape[1], index.shape[0])


def class_overlay(raster: Raster, dst_crs: OverlayCRS = "EPSG:3857", *,
                  max_px: int = 1600) -> Overlay:
    """Coverage classes (0 none .. 3 good) in :data:`CLASS_COLOURS`; no data transparent."""
    return _kept("class", raster, (dst_crs, max_px), lambda: _class_overlay(raster, dst_crs, max_px))


def _class_overlay(raster: Raster, dst_crs: OverlayCRS, max_px: int) -> Overlay:
    values, bounds = warp(raster, dst_crs, max_px=max_px, categorical=True)
    n = len(CLASS_COLOURS)
    index = np.where(np.isnan(values), n, np.clip(np.nan_to_num(values), 0, n - 1)).astype("uint8")
    return _overlay(index, [*(_rgba(c) for c in CLASS_COLOURS), (0, 0, 0, 0)], bounds)


def signal_colours() -> list[str]:
    """Hex colours of the signal bins (weakest first), as the legend shows them."""
    lo, hi, step = SIGNAL_RANGE_DBM
    return ramp(SIGNAL_CMAP, round((hi - lo) / step))


def signal_overlay(raster: Raster, dst_crs: OverlayCRS = "EPSG:3857", *,
                   max_px: int = 1600) -> Overlay:
    """Best-server level (dBm) in 5 dB bins of :data:`SIGNAL_RANGE_DBM`; below the lowest bin and
    no data are transparent."""
    return _kept("signal", raster, (dst_crs, max_px), lambda: _signal_overlay(raster, dst_crs, max_px))


def _signal_overlay(raster: Raster, dst_crs: OverlayCRS, max_px: int) -> Overlay:
    values, bounds = warp(raster, dst_crs, max_px=max_px)
    lo, _, step = SIGNAL_RANGE_DBM
    colours = signal_colours()
    n = len(colours)
    valid = np.isfinite(values) & (values >= lo)
    bins = np.clip(np.floor((np.nan_to_num(values, nan=lo) - lo) / step), 0, n - 1)
    index = np.where(valid, bins, n).astype("uint8")
    return _overlay(index, [*(_rgba(c) for c in colours), (0, 0, 0, 0)], bounds)


def category_overlay(raster: Raster, dst_crs: OverlayCRS = "EPSG:3857", *,
                     max_px: int = 1600, colours: int = 20) -> Overlay:
    """A categorical raster (e.g. best-server cell index, -1 none) in ``colours`` cycling colours;
    negative values and no data transparent."""
    return _kept("category", raster, (dst_crs, max_px, colours),
                 lambda: _category_overlay(raster, dst_crs, max_px, colours))


def _category_overlay(raster: Raster, dst_crs: OverlayCRS, max_px: int, colours: int) -> Overlay:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    values, bounds = warp(raster, dst_crs, max_px=max_px, categorical=True)
    valid = np.isfinite(values) & (np.nan_to_num(values, nan=-1) >= 0)
    index = np.where(valid, np.nan_to_num(values).astype("int64") % colours, colours).astype("uint8")
    cmap = colormaps["tab20"]
    palette = [_rgba(to_hex(cmap(k % 20))) for k in range(colours)]
    return _overlay(index, [*palette, (0, 0, 0, 0)], bounds)


def shade_overlay(shade: Raster, dst_crs: OverlayCRS = "EPSG:3857", *, max_px: int = 1600,
                  levels: int = 48) -> Overlay:
    """A hillshade (values in [0, 1]) as an opaque grey palette PNG of ``levels`` greys."""
    return _kept("shade", shade, (dst_crs, max_px, levels),
                 lambda: _shade_overlay(shade, dst_crs, max_px, levels))


def dem_shade_overlay(dem: Path, shade: Callable[[], Raster], dst_crs: OverlayCRS = "EPSG:3857", *,
                      max_px: int = 1600, levels: int = 48) -> Overlay:
    """:func:`shade_overlay` of ``shade()``, the hillshade of the DEM file ``dem``, kept by the
    file's SHA-256: the DEM is read and shaded only when no overlay of it is kept."""
    from netcover.outputs.reuse import file_digest

    settings = (dst_crs, max_px, levels, _STORED_VERSION)
    key = hashlib.sha256(f"shade-of-file{settings!r}{file_digest(dem)}".encode()).hexdigest()
    return _remembered(key, lambda: _shade_overlay(shade(), dst_crs, max_px, levels))


def _shade_overlay(shade: Raster, dst_crs: OverlayCRS, max_px: int, levels: int) -> Overlay:
    values, bounds = warp(shade, dst_crs, max_px=max_px)
    index = np.where(np.isnan(values), levels,
                     np.clip(np.round(np.nan_to_num(values) * (levels - 1)), 0, levels - 1))
    # light greys only (140..250), so that the coloured layers on top stay readable
    greys = [(g, g, g, 255) for g in np.linspace(140, 250, levels).round().astype(int).tolist()]
    return _overlay(index.astype("uint8"), [*greys, (0, 0, 0, 0)], bounds)
