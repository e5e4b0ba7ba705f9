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

from netcover.core.i18n import LANGS, Lang, check_lang, tr
from netcover.outputs.report.build import MapBuilder, build_outputs, data_date
from netcover.outputs.report.charts import write_charts
from netcover.outputs.report.document import write_report
from netcover.outputs.report.export import write_export
from netcover.outputs.report.printmaps import MAP_KINDS, draw_map, print_maps

__all__ = [
    "LANGS",
    "MAP_KINDS",
    "Lang",
    "MapBuilder",
    "build_outputs",
    "check_lang",
    "data_date",
    "draw_map",
    "print_maps",
    "tr",
    "write_charts",
    "write_export",
    "write_report",
]
