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
  :mod:`~netcover.monitor.calibrate`: drive tests against predictions, and calibration;
- :mod:`~netcover.monitor.workflow` and :mod:`~netcover.app.cli.monitor`: ``netcover monitor``.
"""

from __future__ import annotations

from netcover.config.monitor import (
           MonitorSettings,
           Targets,
           current_period,
           parse_period,
           settings_from_scenario,
           store_path,
)
from netcover.monitor.snapshot import record_snapshot
from netcover.monitor.store import Snapshot
from netcover.monitor.trends import monitoring_summary
from netcover.monitor.workflow import readable_summary

__all__ = ["MonitorSettings", "Snapshot", "Targets", "current_period", "monitoring_summary",
           "parse_period", "readable_summary", "record_snapshot", "settings_from_scenario",
           "store_path"]
