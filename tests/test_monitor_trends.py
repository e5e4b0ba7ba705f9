"""Status against targets, trends, changes between periods, periods, settings and charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcover.errors import InputError
from netcover.monitor import MonitorSettings, Targets, current_period, monitoring_summary, parse_period
from netcover.monitor.charts import write_charts
from netcover.monitor.store import indicator_history, write_snapshot
from netcover.monitor.trends import changes, status, summary_table, trend_word

from .test_monitor_support import hand_meta, hand_snapshot


@pytest.mark.parametrize(("values", "target", "year", "expected"), [
    ([0.5, 0.7, 0.85], 0.8, 2025, "met"),
    ([0.5, 0.6, 0.7], 0.8, 2025, "on track"),    # +0.2 a year from 2024.625: 0.925 by 2026
    ([0.5, 0.51, 0.52], 0.8, 2025, "off track"),
    ([0.5, 0.6, 0.7], 1.0, 0, "not met"),
    ([0.7, 0.6, 0.5], 0.4, 0, "met"),
    ([0.5, 0.6, 0.7], None, 0, "no target"),
])
def test_status(values: list[float], target: float | None, year: int, expected: str) -> None:
    t = np.array([2024.125, 2024.375, 2024.625])
    assert status(t, np.array(values), target, year)[0] == expected


def test_one_period_has_no_trend() -> None:
    s, slope = status(np.array([2024.625]), np.array([0.5]), 0.8, 2025)
    assert s == "no trend" and np.isnan(slope) and trend_word(slope, 0.5) == "-"


def test_slope_is_per_year() -> None:
    _, slope = status(np.array([2024.125, 2024.625]), np.array([0.5, 0.6]), None, 0)
    assert slope == pytest.approx(0.2)
    assert trend_word(slope, 0.6) == "rising" and trend_word(-slope, 0.6) == "falling"
    assert trend_word(0.0, 0.6) == "flat"


@given(st.integers(2000, 2099), st.integers(1, 4))
def test_quarters_are_ordered_and_inside_their_year(year: int, quarter: int) -> None:
    t = parse_period(f"{year}-Q{quarter}")
    assert year < t < year + 1
    assert parse_period(f"{year}-{3 * quarter:02d}") > t > parse_period(f"{year}-{3 * quarter - 2:02d}")
    if quarter < 4:
        assert parse_period(f"{year}-Q{quarter + 1}") > t


@pytest.mark.parametrize("bad", ["2024Q3", "2024-Q5", "24-Q1", "2024-13", ""])
def test_bad_periods_say_how_to_write_them(bad: str) -> None:
    with pytest.raises(InputError, match="2024-Q3"):
        parse_period(bad)


def test_current_period_and_settings_checks() -> None:
    assert current_period(dt.date(2024, 9, 30)) == "2024-Q3"
    assert current_period(dt.date(2025, 1, 1)) == "2025-Q1"
    with pytest.raises(ValueError, match="share"):
        Targets(fibre_households_share=80)
    with pytest.raises(ValueError, match="year"):
        Targets(people_4g_year=30)
    with pytest.raises(ValueError, match="folds"):
        MonitorSettings(folds=1)


def _store(tmp_path: Path) -> Path:
    path = tmp_path / "h.sqlite"
    write_snapshot(path, hand_meta("2023-Q4"), hand_snapshot(sites=2, fibre=10, covered=0.5))
    write_snapshot(path, hand_meta("2024-Q2"), hand_snapshot(sites=3, fibre=20, covered=0.6))
    write_snapshot(path, hand_meta("2024-Q3"),
                   hand_snapshot(sites=4, fibre=30, covered=0.7, tilt=4.0))
    return path


def test_summary_of_a_store(tmp_path: Path) -> None:
    path = _store(tmp_path)
    table = monitoring_summary(MonitorSettings(store=path))
    row = table[(table["indicator"] == "share_fibre_households")
                & (table["unit_code"] == "district")].iloc[0]
    assert row["latest"] == pytest.approx(0.6) and row["latest_period"] == "2024-Q3"
    assert row["target"] == pytest.approx(0.8) and row["target_year"] == 2025
    assert row["status"] == "on track" and row["trend"] == "rising" and row["periods"] == 3
    assert table["unit_code"].iloc[0] == "district"  # the district first
    strict = summary_table(indicator_history(path), Targets(fibre_households_share=1.0,
                                                           fibre_households_year=2024))
    row = strict[(strict["indicator"] == "share_fibre_households")
                 & (strict["unit_code"] == "district")].iloc[0]
    assert row["status"] == "off track"


def test_changes_between_two_periods(tmp_path: Path) -> None:
    path = _store(tmp_path)
    ch = changes(path, "2023-Q4", "2024-Q3")
    added = ch.sites[ch.sites["change"] == "site added"]["site_id"].tolist()
    assert added == ["S2", "S3"]
    tilted = ch.sites[ch.sites["change"] == "re-tilted"]
    assert sorted(tilted["cell_id"]) == ["C0", "C1"]
    assert "2 -> 4" in tilted["detail"].iloc[0]
    cov = ch.coverage.set_index("unit_code")
    assert cov.loc["001", "people_covered_change"] == pytest.approx(0.2 * 300)
    assert cov.loc["district", "share_people_covered_after"] == pytest.approx(0.7)
    assert ch.fibre["newly_on_fibre"].tolist() == [20.0, 20.0]
    back = changes(path, "2024-Q3", "2023-Q4")
    assert sorted(back.sites[back.sites["change"] == "site removed"]["site_id"]) == ["S2", "S3"]


def test_charts_are_written(tmp_path: Path) -> None:
    path = _store(tmp_path)
    files = write_charts(indicator_history(path), Targets(), tmp_path / "charts")
    names = sorted(p.name for p in files)
    assert names == ["fibre_households.png", "fibre_households_vi.png", "share_fibre_households.png",
                     "share_fibre_households_vi.png", "share_people_covered.png",
                     "share_people_covered_vi.png"]
    for p in files:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_includes_reported_indicators() -> None:
    history = pd.DataFrame({"period": ["2024-Q2", "2024-Q3"], "unit_code": "district",
                            "unit_name": "District", "indicator": "share_internet_users",
                            "value": [0.4, 0.5], "source": "reported"})
    table = summary_table(history, Targets())
    assert table["status"].tolist() == ["no target"] and table["trend"].tolist() == ["rising"]
