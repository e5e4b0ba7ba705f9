"""Same inputs, same bytes: the only clock of a run's outputs is ``run_date()``.

Runs with the same ``SOURCE_DATE_EPOCH`` are byte-identical except ``history.sqlite``; runs on
different dates differ only in the files the README lists (those printing the data date, and the
monitoring tables when the scenario names no period and the dates fall in different quarters).
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest

from netcover.app.pipeline import run
from netcover.config.monitor import current_period, run_date
from netcover.config.scenario import load_scenario
from netcover.errors import InputError

from .conftest import snapshot, write_mini_district

#: 2024-09-30 and 2024-12-31 (UTC), in two quarters.
DAY_A, DAY_B = "1727654400", "1735603200"

#: The files that may differ between runs on different dates (README, "Reliability").
DATE_FILES = ("history.sqlite", "print/*.png", "print/*.pdf", "report_*.html", "report_*.md",
              "monitoring/monitoring_summary.csv", "tables/monitoring_*.csv",
              "tables/netcover_*.xlsx",
              "outputs_manifest.json")  # the keys of the outputs above include the date they print


def _differ(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def test_outputs_depend_on_the_date_only_where_documented(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(write_mini_district(tmp_path / "inputs"))
    outs = {}
    for name, epoch in (("a", DAY_A), ("b", DAY_B), ("again", DAY_A)):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        run(scenario, tmp_path / name)
        outs[name] = snapshot(tmp_path / name)
    assert _differ(outs["a"], outs["again"]) == ["history.sqlite"]
    differ = _differ(outs["a"], outs["b"])
    assert [f for f in differ if not any(fnmatch(f, p) for p in DATE_FILES)] == []
    assert "Data period: 2024-Q3" in outs["a"]["report_en.md"].decode()
    assert "Data period: 2024-Q4" in outs["b"]["report_en.md"].decode()
    assert "2024-Q3" in outs["a"]["monitoring/monitoring_summary.csv"].decode("utf-8-sig")


def test_run_date_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DAY_B)
    assert run_date().isoformat() == "2024-12-31"
    assert current_period() == "2024-Q4"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        run_date()
