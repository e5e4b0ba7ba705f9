"""Outputs a person opens after a run: print maps, charts, the bilingual report and the export.

Public API
----------
- :func:`build_outputs`: everything below for a results folder (``netcover run``, ``netcover report``).
- :func:`print_maps`, :func:`draw_map`: coverage, gap, site-plan and link print maps (PNG, PDF).
- :func:`write_charts`: share covered per commune against the target; best-server signal levels.
- :func:`write_report`: ``report_<lang>.html`` (self-contained) and ``.md``, with CSV tables.
- :func:`write_export`: all vector results in one GeoPackage, plus a listing of the rasters.
- :data:`LANGS`, :func:`tr`: report languages ("en", "vi") and their text.

matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.core.i18n import LANGS, Lang, check_lang, tr
    from netcover.outputs.report.build import MapBuilder, build_outputs, data_date
    from netcover.outputs.report.charts import write_charts
    from netcover.outputs.report.document import write_report
    from netcover.outputs.report.export import write_export
    from netcover.outputs.report.printmaps import MAP_KINDS, draw_map, print_maps

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "LANGS": "netcover.core.i18n",
    "Lang": "netcover.core.i18n",
    "check_lang": "netcover.core.i18n",
    "tr": "netcover.core.i18n",
    "MapBuilder": "netcover.outputs.report.build",
    "build_outputs": "netcover.outputs.report.build",
    "data_date": "netcover.outputs.report.build",
    "write_charts": "netcover.outputs.report.charts",
    "write_report": "netcover.outputs.report.document",
    "write_export": "netcover.outputs.report.export",
    "MAP_KINDS": "netcover.outputs.report.printmaps",
    "draw_map": "netcover.outputs.report.printmaps",
    "print_maps": "netcover.outputs.report.printmaps",
}

__all__ = [
    "LANGS", "MAP_KINDS", "Lang", "MapBuilder", "build_outputs", "check_lang", "data_date", "draw_map",
    "print_maps", "tr", "write_charts", "write_export", "write_report",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
