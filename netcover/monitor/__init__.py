"""Monitoring: indicator history against targets, changes between periods, and predictions
checked against field measurements.

- :mod:`~netcover.config.monitor`: ``[monitor]`` and ``[targets]``, periods;
- :mod:`~netcover.monitor.indicators`: a snapshot's indicators from inputs and coverage;
- :mod:`~netcover.monitor.store`: the SQLite history store;
- :mod:`~netcover.monitor.snapshot`: taking a snapshot (:func:`record_snapshot`);
- :mod:`~netcover.data.reported`: reported indicators from a CSV;
- :mod:`~netcover.monitor.trends`: status against targets, trends, changes between periods;
- :mod:`~netcover.monitor.charts`: PNG charts over periods;
- :mod:`~netcover.data.measurements`, :mod:`~netcover.monitor.compare`,
  :mod:`~netcover.monitor.calibrate`, :mod:`~netcover.monitor.calibrated_toml`: drive tests against
  predictions, and calibration per technology, band and land-cover class;
- :mod:`~netcover.monitor.site_compare`, :mod:`~netcover.monitor.site_files`: predicted against
  measured for one built site (:func:`site_measurements`, ``monitor measurements --site``);
- :mod:`~netcover.monitor.model_choice`: which coverage model fits the measurements best;
- :mod:`~netcover.monitor.workflow` and :mod:`~netcover.app.cli.monitor`: ``netcover monitor``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.config.monitor import (
        MonitorSettings,
        Targets,
        current_period,
        parse_period,
        settings_from_scenario,
        store_path,
    )
    from netcover.monitor.site_compare import SiteComparison, site_folder
    from netcover.monitor.snapshot import record_snapshot
    from netcover.monitor.store import Snapshot
    from netcover.monitor.trends import monitoring_summary
    from netcover.monitor.workflow import readable_summary, site_measurements

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "MonitorSettings": "netcover.config.monitor",
    "Targets": "netcover.config.monitor",
    "current_period": "netcover.config.monitor",
    "parse_period": "netcover.config.monitor",
    "settings_from_scenario": "netcover.config.monitor",
    "store_path": "netcover.config.monitor",
    "record_snapshot": "netcover.monitor.snapshot",
    "Snapshot": "netcover.monitor.store",
    "monitoring_summary": "netcover.monitor.trends",
    "readable_summary": "netcover.monitor.workflow",
    "site_measurements": "netcover.monitor.workflow",
    "SiteComparison": "netcover.monitor.site_compare",
    "site_folder": "netcover.monitor.site_compare",
}

__all__ = [
    "MonitorSettings", "SiteComparison", "Snapshot", "Targets", "current_period", "monitoring_summary",
    "parse_period", "readable_summary", "record_snapshot", "settings_from_scenario", "site_folder",
    "site_measurements", "store_path",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
