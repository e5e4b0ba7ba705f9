"""Proposals with one row per sector (each row's own sector fields) and the ``purpose`` column."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcover.config.siting import SitingSettings
from netcover.data.terrain import read_dem
from netcover.siting.proposals import check_proposals

from .test_proposals_check import one, problems_of, proposal, write


def _sector_rows(**per_row: list[object]) -> list[dict[str, object]]:
    """Two sector rows of proposal P1 (azimuths 0 and 180) with per-row values."""
    rows = []
    for k, az in enumerate((0, 180)):
        row = {key: v for key, v in proposal().items() if key != "azimuths_deg"}
        row["azimuth_deg"] = az
        row.update({name: values[k] for name, values in per_row.items()})
        rows.append(row)
    return rows


def _read(mini: Path, path: Path) -> list:
    terrain, _ = read_dem(mini.parent / "dem.tif")
    proposals, problems = check_proposals(path, SitingSettings(), terrain.crs, terrain=terrain)
    assert proposals is not None and not [p for p in problems if p.severity == "error"], problems
    return proposals


def test_each_sector_row_keeps_its_own_fields(mini_scenario: Path, tmp_path: Path) -> None:
    rows = _sector_rows(mech_tilt_deg=[1.0, 6.0], tx_power_dbm=[40.0, 46.0], note=["a", "b"])
    (prop,) = _read(mini_scenario, write(tmp_path / "p.csv", rows))
    got = [(s["azimuth_deg"], s["mech_tilt_deg"], s["tx_power_dbm"]) for s in prop.sectors]
    assert got == [(0.0, 1.0, 40.0), (180.0, 6.0, 46.0)]
    # fields no row gives take the plan's
    assert prop.sectors[1]["elec_tilt_deg"] == SitingSettings().elec_tilt_deg
    assert prop.note == "a; b"


def test_an_empty_mast_field_takes_the_other_rows(mini_scenario: Path, tmp_path: Path) -> None:
    rows = _sector_rows(height_m=[25, ""], operator=["", "MobiFone"])
    (prop,) = _read(mini_scenario, write(tmp_path / "p.csv", rows))
    assert (prop.height_m, prop.operator) == (25.0, "MobiFone")


@pytest.mark.parametrize(("field", "values"), [("height_m", [30, 40]),
                                               ("operator", ["Viettel", "MobiFone"]),
                                               ("purpose", ["capacity", "coverage"])])
def test_mast_fields_must_agree_between_sector_rows(mini_scenario: Path, tmp_path: Path,
                                                    field: str, values: list[object]) -> None:
    rows = _sector_rows(**{field: values})
    p = one(problems_of(mini_scenario, write(tmp_path / "p.csv", rows)), field)
    assert p.where == "row 2" and "row 3" in p.message and "'P1'" in p.message


def test_purpose_is_read_and_defaults_to_coverage(mini_scenario: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", [proposal(purpose="Capacity"), proposal("P2", purpose=""),
                                      proposal("P3", purpose="both")])
    assert [p.purpose for p in _read(mini_scenario, path)] == ["capacity", "coverage", "both"]
    without = write(tmp_path / "q.csv", [proposal()])
    assert _read(mini_scenario, without)[0].purpose == "coverage"


def test_an_unknown_purpose_is_refused(mini_scenario: Path, tmp_path: Path) -> None:
    p = one(problems_of(mini_scenario, write(tmp_path / "p.csv", [proposal(purpose="speed")])),
            "purpose")
    assert p.where == "row 2" and "'speed' is not a purpose" in p.message and "capacity" in p.message
