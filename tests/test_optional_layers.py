"""Only ``dem`` and ``sites`` are required: ``netcover run`` completes on every combination of the
optional layers, and ``input_summary.json`` says which sections were skipped and why."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover.app import pipeline
from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.core import files
from netcover.data.inputs import load_inputs

from .conftest import write_mini_district

OPTIONAL = ("population", "settlements", "units", "roads", "network")
COMBINATIONS = [(), ("population",), ("settlements",), ("units",), ("units", "population"),
                ("settlements", "units"), ("population", "settlements"),
                ("population", "units", "settlements"), ("population", "units", "roads"),
                ("population", "units", "roads", "network", "settlements")]


def _scenario_with(folder: Path, keep: tuple[str, ...]) -> Path:
    """The mini district's scenario without the optional layers not in ``keep``."""
    path = write_mini_district(folder)
    text = path.read_text(encoding="utf-8")
    for key in OPTIONAL:
        if key not in keep:
            text = re.sub(rf"^{key} = .*\n", "", text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return path


def _has_people(keep: tuple[str, ...]) -> bool:
    """People come from the raster, else from the units' census field (the mini communes have one)."""
    return "population" in keep or "units" in keep


def _expected(keep: tuple[str, ...]) -> set[tuple[str, str]]:
    """(code, section/reason) of the notes a run with ``keep`` must carry."""
    out = {("skipped", "proposals/no_proposals")}
    if not _has_people(keep):
        out.add(("skipped", "siting/no_population"))
    elif "roads" not in keep:
        out.add(("siting_no_roads", ""))
    for layer in ("roads", "network", "settlements"):
        if layer not in keep:
            out.add(("skipped", f"links/no_{layer}"))
    if "units" not in keep:
        out |= {("skipped", "monitoring/no_units"), ("skipped", "units/no_units")}
    if "settlements" not in keep:
        out.add(("skipped", "settlements/no_settlements"))
    return out


def _notes(out: Path) -> list[dict]:
    return json.loads((out / "input_summary.json").read_text(encoding="utf-8"))["notes"]


def _codes(notes: list[dict]) -> set[tuple[str, str]]:
    keys = {"skipped", "siting_no_roads"}
    return {(n["code"], "/".join(str(n["params"][k]) for k in ("section", "reason")
                                 if k in n["params"]))
            for n in notes if n["code"] in keys}


@pytest.mark.parametrize("keep", COMBINATIONS, ids=lambda k: "+".join(("dem", "sites", *k)))
def test_run_completes_and_says_what_was_skipped(tmp_path, keep) -> None:
    scenario = load_scenario(_scenario_with(tmp_path / "in", keep))
    lines: list[str] = []
    result = run(scenario, tmp_path / "out", report=lines.append)
    out = result.out_dir
    notes = _notes(out)
    assert _codes(notes) == _expected(keep)
    for n in notes:  # every note is also a progress line
        assert n["text"] in lines
    assert (out / "report_en.html").is_file() and (out / "coverage" / "class.tif").is_file()
    assert (out / "siting" / "site_plan.csv").is_file() == _has_people(keep)
    census = {n["code"] for n in notes} & {"population_census", "population_none"}
    assert census == ({"population_none"} if not _has_people(keep) else
                      set() if "population" in keep else {"population_census"})
    assert (out / "monitoring" / "monitoring_summary.csv").is_file() == ("units" in keep)
    assert result.summary["notes"] == notes
    written = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
    assert [f for f in written if files.match(f) is None] == []  # every file is in the registry


def _without_households(monkeypatch: pytest.MonkeyPatch, scenario_path: Path, which: str) -> None:
    """Make ``pipeline.run`` read settlements whose ``which`` households are NaN ("all" or "one")."""
    inputs = load_inputs(load_scenario(scenario_path))
    s = inputs.settlements.copy()
    rows = slice(None) if which == "all" else s.index[:1]
    s.loc[rows, ["households", "fibre_households"]] = np.nan
    monkeypatch.setattr(pipeline, "load_inputs",
                        lambda _scenario: dataclasses.replace(inputs, settlements=s))


@pytest.mark.parametrize("which", ["all", "one"])
def test_households_missing_say_no_data_never_zero(tmp_path, monkeypatch, which) -> None:
    path = _scenario_with(tmp_path / "in", ("population", "units", "settlements", "roads",
                                           "network"))
    _without_households(monkeypatch, path, which)
    lines: list[str] = []
    out = run(load_scenario(path), tmp_path / "out", report=lines.append).out_dir
    summary = json.loads((out / "input_summary.json").read_text(encoding="utf-8"))
    assert summary["settlements"]["households"] is None
    assert summary["settlements"]["fibre_households"] is None
    assert (("skipped", "households/no_households") in _codes(summary["notes"])) == (which == "all")
    units = pd.read_csv(out / "coverage" / "coverage_by_unit.csv", encoding="utf-8-sig",
                        dtype={"code": str}).set_index("code")
    unknown = ["001", "002"] if which == "all" else ["001"]  # the first village is in 001
    for col in ("households", "fibre_households", "all_households_covered",
                "all_share_households_covered"):
        assert units.loc[unknown, col].isna().all(), col
    if which == "one":
        assert units.loc["002", "households"] == 40
    row = next(line for line in (out / "coverage" / "coverage_by_unit.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("| 001 "))
    assert [c.strip() for c in row.split("|")][9:11] == ["", ""]  # households, covered_%: no data
    mon = pd.read_csv(out / "monitoring" / "monitoring_summary.csv", encoding="utf-8-sig",
                      dtype=str)
    district = mon[mon["unit"].str.lower() == "district"]
    shares = district[district["indicator"].isin(["share_households_covered",
                                                  "share_fibre_households", "fibre_households"])]
    assert shares.empty  # no data: no figure at all, not 0%
    settlements = pd.read_csv(out / "coverage" / "coverage_by_settlement.csv", encoding="utf-8-sig")
    assert settlements["households"].isna().sum() == (2 if which == "all" else 1)
