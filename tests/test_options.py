"""One definition of each option list and of the coverage classes; one ``usable_class`` setting."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

from netcover.config import options, radio
from netcover.config.radio import CLASS_LEVELS, CLASS_NAMES, USABLE_CLASSES, CoverageClass
from netcover.config.scenario import Scenario, load_scenario
from netcover.config.sections import CoverageSettings
from netcover.config.siting import SitingSettings
from netcover.core import palette
from netcover.errors import ScenarioError

PACKAGE = Path(__file__).resolve().parents[1] / "netcover"

#: Files of other helpers of issue #16 that still spell out an option list (file -> lists).
#: LEAD: empty this when those files import the lists from netcover.config (see the report).
KNOWN_PENDING: dict[str, set[str]] = {}


def _option_lists() -> dict[frozenset[str], str]:
    """Value set -> name of every option list of netcover.config."""
    found = {}
    for module in (options, radio):
        for name in dir(module):
            value = getattr(module, name)
            if name.isupper() and isinstance(value, tuple) and len(value) > 1 \
                    and all(isinstance(v, str) and v for v in value):
                found[frozenset(value)] = name
    return found


def _spelled_out(source: str) -> list[tuple[int, str]]:
    """(line, option list) of every literal tuple, list, set or Literal[...] equal to one."""
    lists = _option_lists()
    out = set()
    for node in ast.walk(ast.parse(source)):
        elts = None
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elts = node.elts
        elif isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
            name = lists.get(frozenset(e.value for e in elts))  # type: ignore[attr-defined]
            if name is not None:
                out.add((node.lineno, name))
    return sorted(out)  # Literal["a", "b"] holds the tuple ("a", "b"): one finding


def test_every_option_list_is_defined_once() -> None:
    lists = _option_lists()
    assert {"ROAD_CLASSES", "POINT_TYPES", "CONNECTIONS", "BACKHAULS", "OBJECTIVES", "SOLVERS",
            "LANGS", "MAP_KINDS", "TECHNOLOGIES", "MODELS", "POLARISATIONS", "ENVIRONMENTS",
            "USABLE_CLASSES"} <= set(lists.values())
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        home = name in {"config/options.py", "config/radio.py", "core/i18n.py"}
        for line, option in _spelled_out(path.read_text(encoding="utf-8")):
            if not home and option not in KNOWN_PENDING.get(name, set()):
                found.append(f"{name}:{line} spells out {option}; import it from netcover.config")
    assert not found, "\n".join(found)


def test_a_spelled_out_list_is_found() -> None:
    source = 'Kind = Literal["fibre", "lan", "none"]\nx = ("3G", "4G", "5G")\ny = ["a", "b"]\n'
    assert _spelled_out(source) == [(1, "CONNECTIONS"), (2, "TECHNOLOGIES")]


def test_coverage_class_forms_derive_from_the_enum() -> None:
    assert CLASS_NAMES == tuple(c.name.lower() for c in CoverageClass if c < CoverageClass.NODATA)
    assert USABLE_CLASSES == CLASS_NAMES[1:]
    assert CLASS_LEVELS == {"weak": 1, "fair": 2, "good": 3}
    assert radio.NODATA_CLASS == CoverageClass.NODATA == 255
    assert list(radio.CLASS_COLOURS) == list(radio.CLASSES)
    assert tuple(radio.CLASS_COLOURS.values()) == palette.CLASS_COLOURS
    thresholds = radio.RSRP_THRESHOLDS
    assert [thresholds.bound(c) for c in USABLE_CLASSES] == [-115.0, -105.0, -95.0]
    assert SitingSettings(usable_class="good").usable_level == CoverageClass.GOOD
    with pytest.raises(ValueError, match="use one of weak, fair, good"):
        radio.class_level("poor")


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_siting_reads_the_coverage_usable_class(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = load_scenario(_scenario(tmp_path, '[coverage]\nusable_class = "good"\n'))
    assert s.siting.usable_class == "good"
    assert Scenario(coverage=CoverageSettings(usable_class="weak")).siting.usable_class == "weak"
    assert Scenario().siting.usable_class == "fair"
    assert "usable_class" not in SitingSettings.field_names()


@pytest.mark.parametrize("coverage", ['[coverage]\nusable_class = "good"\n', ""])
def test_old_siting_usable_class_with_the_same_value_is_a_warning(
    tmp_path: Path, coverage: str
) -> None:
    value = "good" if coverage else "fair"
    path = _scenario(tmp_path, f'{coverage}[siting]\nusable_class = "{value}"\nn_sites = 3\n')
    with pytest.warns(FutureWarning, match=r"\[siting\] usable_class is deprecated.*delete"):
        s = load_scenario(path)
    assert (s.siting.usable_class, s.coverage.usable_class, s.siting.n_sites) == (value, value, 3)


def test_old_siting_usable_class_with_another_value_is_an_error(tmp_path: Path) -> None:
    path = _scenario(tmp_path, '[coverage]\nusable_class = "weak"\n[siting]\nusable_class = "good"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "[siting] usable_class = 'good' differs from [coverage] usable_class = 'weak'" in text
    assert "delete usable_class from [siting]" in text
    assert [p.field for p in err.value.problems] == ["siting.usable_class"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "field", "message"), [
    ('[coverage]\nmodel = "hatta"\n', "coverage.model",
     "'hatta' is not one of 'p1812', 'hata', 'fspl' (did you mean 'hata'?)"),
    ('[siting]\nazimuths_deg = 5\n', "siting.azimuths_deg", "expected a list"),
    ('[thresholds]\n4G = 5\n', "thresholds.4G", "expected a table [thresholds.4G], got 5"),
    ('thresholds = 5\n', "thresholds", "expected a table, got 5"),
    ('[inputs]\ndem = 5\n', "inputs.dem", "expected a file path (string), got 5"),
    ('[siting]\ntarget_electrified_only = 1\n', "siting.target_electrified_only",
     "expected true or false, got 1"),
    ('[coverage]\nradius_km = "far"\n', "coverage.radius_km", "expected a number, got 'far'"),
    ('[execution]\nworkers = 1.5\n', "execution.workers", "expected a whole number, got 1.5"),
    ('[scenario]\nname = 3\n', "scenario.name", "expected a string, got 3"),
])
def test_type_problems_name_the_key(tmp_path: Path, text: str, field: str, message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario(tmp_path, text))
    problems = err.value.problems  # type: ignore[attr-defined]
    assert any(p.field == field and message in p.message for p in problems), problems
