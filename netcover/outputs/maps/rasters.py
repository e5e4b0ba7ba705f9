"""The raster layers of the interactive map, and their overlays made beside the other drawings.

:func:`raster_layers` lists the map's raster layers (coverage class of all operators and of each,
best-server signal and cells per technology) with how each overlay is made; the hillshade base is
:func:`terrain_overlay`. The overlays are the same in every language's map and kept once made
(:mod:`netcover.outputs.maps.overlays`), so a build makes them in a thread while it draws the charts
and print maps (:func:`overlays_beside`): warping a raster, encoding its PNG and hashing it release
the GIL, and the maps then find them made.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from netcover.core.palette import CLASS_OPACITY, SIGNAL_OPACITY
from netcover.data.terrain import hillshade
from netcover.outputs.maps.overlays import (
    Overlay,
    category_overlay,
    class_overlay,
    dem_shade_overlay,
    shade_overlay,
    signal_overlay,
    stored_in,
)

if TYPE_CHECKING:
    from netcover.data.terrain import Terrain
    from netcover.outputs.results import Raster, RunFolder

__all__ = ["MAX_OVERLAY_PX", "RasterLayer", "make_overlays", "operators", "overlays_beside",
           "raster_layers", "terrain_overlay"]

#: Longest side (pixels) of the raster overlays of the map.
MAX_OVERLAY_PX = 1600

#: A raster layer of the map: (read its raster, make its overlay, label key and parameters,
#: layer key, opacity).
RasterLayer = tuple["Callable[[], Raster | None]", "Callable[..., Overlay]", str, dict[str, str],
                    str, float]


def operators(results: RunFolder) -> list[str]:
    """The operators of the run's sites (input summary), sorted."""
    ops = results.summary().get("sites", {}).get("per_operator", {})
    return sorted(str(o) for o in ops)


def raster_layers(results: RunFolder) -> list[RasterLayer]:
    """The raster layers of the map, in their order (each raster read when its overlay is made)."""
    layers: list[RasterLayer] = [
        (results.coverage_class, class_overlay, "coverage_all", {}, "coverage_all", CLASS_OPACITY)]
    layers += [(partial(results.coverage_class, op), class_overlay, "coverage_op", {"operator": op},
                "coverage_op", CLASS_OPACITY) for op in operators(results)]
    for tech in results.technologies():
        layers += [(partial(results.signal, tech), signal_overlay, "signal", {"tech": tech}, "signal",
                    SIGNAL_OPACITY),
                   (partial(results.best_server, tech), category_overlay, "best_server",
                    {"tech": tech}, "best_server", 0.5)]
    return layers


def terrain_overlay(results: RunFolder, dem: Terrain | str | Path | None) -> Overlay | None:
    """The hillshade of ``dem`` (or of the run's DEM) as an overlay; None when there is no DEM.
    The overlay of a DEM file is kept by the file's content, so the DEM is read and shaded once
    (not again for the other language, nor by the next run: :func:`~netcover.outputs.maps.
    overlays.stored_in`)."""
    from netcover.data.terrain import Terrain, read_dem
    from netcover.outputs.results import Raster

    def shade(terrain: Terrain) -> Raster:
        return Raster(hillshade(terrain.heights, terrain.cell_size), terrain.transform, terrain.crs,
                      None)

    if dem is None:
        dem = results.dem_file()
        if dem is None:
            return None
    if isinstance(dem, Terrain):
        return shade_overlay(shade(dem), max_px=MAX_OVERLAY_PX)
    path = Path(dem)
    return dem_shade_overlay(path, lambda: shade(read_dem(path)[0]), max_px=MAX_OVERLAY_PX)


def make_overlays(results: RunFolder) -> None:
    """Make the hillshade and raster overlays of
    :func:`~netcover.outputs.maps.interactive.build_map` (the maps of every language show the same
    ones), so that the maps find them kept: what a build runs in a thread beside the other
    drawings (:func:`overlays_beside`). Reads ``results`` as the maps do (pass the results
    themselves, not a view that records what is read)."""
    terrain_overlay(results, None)
    for read, overlay, *_ in raster_layers(results):
        raster = read()
        if raster is not None:
            overlay(raster, max_px=MAX_OVERLAY_PX)
        del raster


@contextmanager
def overlays_beside(results: RunFolder | None, cache: Path | None = None) -> Iterator[None]:
    """Inside the block, :func:`make_overlays` of ``results`` runs in a thread (nothing when
    ``results`` is None), its overlays also kept in the cache folder ``cache`` (see
    :func:`~netcover.outputs.maps.overlays.stored_in`); the block's end waits for it.

    Whatever fails in the thread is made again, and raises, when a map asks for it. The modules
    the thread uses are imported here first.
    """
    if results is None:
        yield
        return
    _import_for_overlays()

    def work() -> None:
        with contextlib.suppress(Exception), stored_in(cache):
            make_overlays(results)

    thread = threading.Thread(target=work, name="netcover-overlays", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _import_for_overlays() -> None:
    """Import what making an overlay imports (an import running in two threads at once may hand
    one of them a module not yet filled)."""
    import matplotlib.cm
    import matplotlib.colors  # noqa: F401
    import PIL.Image
    import pyproj  # noqa: F401
    import rasterio.warp  # noqa: F401

    import netcover.coverage.losscache  # noqa: F401

    PIL.Image.preinit()
