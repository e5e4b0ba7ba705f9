"""Scenario loading: defaults, paths, typo suggestions, type and range errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcover.config.scenario import Scenario, load_scenario
from netcover.errors import DataFileError, ScenarioError

TEMPLATE = Path(__file__).resolve().parent.parent / "netcover" / "samplegen" / "scenario.toml"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_template_loads_and_documents_every_section() -> None:
    s = load_scenario(TEMPLATE)
    assert s.scenario.slug == "quan-ba"
    assert s.inputs.dem == TEMPLATE.parent / "dem.tif"
    assert s.coverage.model == "p1812"
    assert s.thresholds["4G"].good == -95.0
    text = TEMPLATE.read_text(encoding="utf-8")
    for section in ("scenario", "inputs", "validation", "coverage", "receiver", "thresholds.4G"):
        assert f"[{section}]" in text


def test_paths_are_relative_to_the_scenario(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, '[inputs]\ndem = "data/dem.tif"\n'))
    assert s.inputs.dem == (tmp_path / "data" / "dem.tif").resolve()
    assert s.base_dir == tmp_path.resolve()


def test_defaults_when_empty(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, ""))
    assert s.coverage == Scenario().coverage
    assert s.inputs.dem is None


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    expected = r"unknown key 'radius_kms' in \[coverage\]; did you mean 'radius_km'"
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(write(tmp_path, "[coverage]\nradius_kms = 10\n"))


def test_unknown_section_suggests_closest(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="did you mean 'coverage'"):
        load_scenario(write(tmp_path, "[coverag]\nradius_km = 10\n"))


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    text = '[coverage]\nradius_km = "far"\nmodel = "hatta"\n[receiver]\ngain = 1\n'
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    problems = info.value.problems  # type: ignore[attr-defined]
    assert len(problems) == 3
    text = str(info.value)
    assert "coverage.radius_km" in text and "expected a number" in text
    assert "did you mean 'hata'" in text
    assert "did you mean 'gain_dbi'" in text


def test_range_checks(tmp_path: Path) -> None:
    text = "[coverage]\nradius_km = 0\n[thresholds.4G]\ngood = -110\nfair = -105\nweak = -115\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    msg = str(info.value)
    assert "radius_km" in msg and "good > fair > weak" in msg


def test_unknown_technology_in_thresholds(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown technology '6G'"):
        load_scenario(write(tmp_path, "[thresholds.6G]\ngood = -90\nfair = -100\nweak = -110\n"))


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "[coverage\n")
    with pytest.raises(ScenarioError, match=r"s\.toml: not valid TOML"):
        load_scenario(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(OSError):
        load_scenario(tmp_path / "nope.toml")


def test_scenario_is_frozen(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, ""))
    with pytest.raises(AttributeError):
        s.coverage.radius_km = 3.0  # type: ignore[misc]
