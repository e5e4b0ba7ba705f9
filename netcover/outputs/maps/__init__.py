"""Maps of a run that people open: the offline interactive map and the KMZ for Google Earth.

- :func:`build_map`: one self-contained HTML file (folium, Leaflet inlined, no network needed).
- :func:`write_kmz`: coverage overlay, sites and planned links for Google Earth.

folium is imported only when a map is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.outputs.maps.interactive import build_map
    from netcover.outputs.maps.kmz import write_kmz

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "build_map": "netcover.outputs.maps.interactive",
    "write_kmz": "netcover.outputs.maps.kmz",
}

__all__ = ["build_map", "write_kmz"]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
