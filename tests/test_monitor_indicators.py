"""A snapshot's indicators on the mini district, and record_snapshot end to end."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover import __version__
from netcover.monitor import MonitorSettings, record_snapshot
from netcover.monitor.indicators import DISTRICT, SHARES, compute_snapshot_data
from netcover.monitor.snapshot import with_fibre_history
from netcover.monitor.store import read_snapshot

from .test_monitor_support import Mini, build_mini


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Mini:
    return build_mini(tmp_path_factory.mktemp("mini"))


def _values(indicators: pd.DataFrame, unit: str) -> dict[str, float]:
    part = indicators[indicators["unit_code"] == unit]
    return dict(zip(part["indicator"], part["value"], strict=True))


def test_counts_of_the_mini_district(mini: Mini) -> None:
    data = compute_snapshot_data(mini.inputs, mini.coverage, usable="fair")
    west, east, district = (_values(data.indicators, u) for u in ("001", "002", DISTRICT))
    assert (west["households"], east["households"]) == (60, 40)
    assert (west["fibre_households"], east["fibre_households"]) == (30, 0)
    assert district["share_fibre_households"] == pytest.approx(0.3)
    assert (west["communes_with_fibre"], east["communes_with_fibre"]) == (1, 0)
    assert district["share_communes_with_fibre"] == pytest.approx(0.5)
    assert (district["commune_offices"], district["commune_offices_connected"]) == (2, 1)
    assert district["share_commune_offices_connected"] == pytest.approx(0.5)
    # S1 (three cells) lies in the west, S2 (one cell) in the east
    assert (west["sites"], west["sectors"], east["sites"], east["sectors"]) == (1, 3, 1, 1)
    assert district["sites:Viettel"] == 2
    # one operator: its figures are the district's
    for name in ("households_covered", "households_good", "people_covered", "people_none"):
        assert district[f"{name}:Viettel"] == pytest.approx(district[name])
    assert district["people"] == pytest.approx(500.0)
    assert data.missing == ["gap count and people in gaps: no gaps table given"]
    assert "gaps" not in district


def test_district_is_the_sum_and_shares_are_ratios(mini: Mini) -> None:
    data = compute_snapshot_data(mini.inputs, mini.coverage, usable="weak")
    ind = data.indicators
    wide = ind.pivot(index="unit_code", columns="indicator", values="value")
    counts = [c for c in wide.columns if not c.startswith("share_")]
    units = wide.drop(index=DISTRICT)
    np.testing.assert_allclose(units[counts].sum(), wide.loc[DISTRICT, counts])
    for share, (num, den) in SHARES.items():
        if share in wide:
            d = wide.loc[DISTRICT]
            assert d[share] == pytest.approx(d[num] / d[den])
    shares = ind[ind["indicator"].str.startswith("share_")]["value"]
    assert ((shares >= 0) & (shares <= 1 + 1e-9)).all()
    by_class = sum(wide.loc[DISTRICT, f"share_people_{c}"] for c in ("none", "weak", "fair", "good"))
    assert by_class == pytest.approx(1.0)


def test_stricter_class_covers_no_more_people(mini: Mini) -> None:
    shares = []
    for usable in ("weak", "fair", "good"):
        data = compute_snapshot_data(mini.inputs, mini.coverage, usable=usable)
        shares.append(_values(data.indicators, DISTRICT)["share_people_covered"])
    assert shares[0] >= shares[1] >= shares[2]


def test_gaps_table_is_counted_per_unit(mini: Mini) -> None:
    gaps = pd.DataFrame({"unit_code": ["001", "001", "002"], "people": [10.0, 5.0, 7.0]})
    data = compute_snapshot_data(mini.inputs, mini.coverage, gaps=gaps)
    west, district = _values(data.indicators, "001"), _values(data.indicators, DISTRICT)
    assert (west["gaps"], west["people_in_gaps"]) == (2, 15)
    assert (district["gaps"], district["people_in_gaps"]) == (3, 22)
    assert data.missing == []
    renamed = gaps.rename(columns={"unit_code": "commune_code", "people": "population"})
    again = compute_snapshot_data(mini.inputs, mini.coverage, gaps=renamed)
    assert _values(again.indicators, DISTRICT)["people_in_gaps"] == 22
    with pytest.raises(ValueError, match="needs a unit column"):
        compute_snapshot_data(mini.inputs, mini.coverage, gaps=gaps.rename(columns=str.upper))


def test_record_snapshot_keeps_scenario_checksums_and_version(mini: Mini, tmp_path: Path) -> None:
    reported = tmp_path / "reported.csv"
    reported.write_text("unit_code,period,share_internet_users\n001,2024-Q3,0.5\n",
                        encoding="utf-8")
    settings = MonitorSettings(store=tmp_path / "h.sqlite", reported=reported)
    snap = record_snapshot(mini.inputs, mini.coverage, settings, "2024-Q3")
    back = read_snapshot(settings.store, "2024-Q3")  # type: ignore[arg-type]
    assert back.meta.netcover_version == __version__
    assert back.meta.scenario_text == mini.scenario.path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    dem = mini.scenario.inputs.dem
    assert dem is not None
    assert back.meta.checksums["dem"] == hashlib.sha256(dem.read_bytes()).hexdigest()
    assert set(back.meta.checksums) >= {"dem", "sites", "settlements", "units", "network"}
    assert len(back.data.indicators) == len(snap.data.indicators)


def test_fibre_history_replaces_the_period_values(mini: Mini, tmp_path: Path) -> None:
    csv = tmp_path / "fibre.csv"
    csv.write_text("settlement_id,period,fibre_households\n001-1,2023-Q4,12\n001-1,2024-Q3,30\n",
                   encoding="utf-8")
    earlier = with_fibre_history(mini.inputs, csv, "2023-Q4")
    assert earlier.settlements["fibre_households"].tolist() == [12, 0]  # type: ignore[index]
    assert mini.inputs.settlements["fibre_households"].tolist() == [30, 0]  # type: ignore[index]
    with pytest.raises(ValueError, match="no rows for period 2022-Q1"):
        with_fibre_history(dataclasses.replace(mini.inputs), csv, "2022-Q1")
