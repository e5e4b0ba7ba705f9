"""Maps of a run that people open: the offline interactive map and the KMZ for Google Earth.

- :func:`build_map`: one self-contained HTML file (folium, Leaflet inlined, no network needed).
- :func:`write_kmz`: coverage overlay, sites and planned links for Google Earth.

folium is imported only when a map is built.
"""

from __future__ import annotations

from netcover.outputs.maps.interactive import build_map
from netcover.outputs.maps.kmz import write_kmz

__all__ = ["build_map", "write_kmz"]
