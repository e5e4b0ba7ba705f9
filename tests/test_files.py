"""The registry of result files (:mod:`netcover.core.files`): every file a run writes is in it, every
entry a run makes is written, and a result the run should have written but is absent is an error
naming it, never a report section that silently vanishes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from netcover.app.pipeline import run
from netcover.config.monitor import DEFAULT_STORE_NAME
from netcover.config.scenario import load_scenario
from netcover.core import files
from netcover.errors import DataFileError, OutputError
from netcover.outputs.report import build_outputs
from netcover.outputs.results import RunFolder

from .conftest import CRS, X0, Y0, write_mini_district
from .test_report_vi import hand_made_run

#: Entries a full run of the mini district with proposals does not write: the tiled run's own.
NOT_IN_A_RUN = {k for k, e in files.REGISTRY.items() if e.scope == "tiled"}
#: Written only when asked for (``netcover run --profile``, ``NETCOVER_TIMINGS=1``: tests/test_timings.py;
#: ``netcover evaluate --dossier``: tests/test_dossier.py).
ON_REQUEST = {"timings", "proposals_dossier"}


def _relative_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_entries_are_distinct_and_found_by_their_paths() -> None:
    patterns = [e.pattern().pattern for e in files.REGISTRY.values()]
    assert len(set(patterns)) == len(patterns)
    assert files.match("coverage/class.tif") is files.by_key("class")  # not class_{layer}
    assert files.match("coverage/class_viettel.tif") is files.by_key("class_layer")
    assert files.match("coverage/signal_4G.tif") is files.by_key("signal")
    assert files.match("links/hop_profiles/L001_a_b.png") is files.by_key("hop_profile")
    assert files.match("coverage/other.csv") is None
    assert files.at("tables/gaps_vi.csv").in_run("out") == Path("out/tables/gaps_vi.csv")
    assert files.by_key("history").name == DEFAULT_STORE_NAME
    with pytest.raises(ValueError, match="tech"):
        files.by_key("signal").in_step("coverage")  # a field left unfilled
    with pytest.raises(OutputError, match="own code"):
        files.by_key("print_png").of(figure="coverage", lang="en").write("print", b"")
    assert "`siting/gaps.csv`" in files.listing()


def test_generic_writers_and_readers_round_trip(tmp_path: Path) -> None:
    table = pd.DataFrame({"code": ["001"], "name": ["=cmd"], "people": [1.5]})
    path = files.by_key("gaps").write(tmp_path / "siting", table)
    assert path == tmp_path / "siting" / "gaps.csv"
    back = files.by_key("gaps").read(path, dtype={"code": str})
    assert list(back["code"]) == ["001"] and back.loc[0, "name"] != "=cmd"  # formula neutralised
    summary = files.by_key("input_summary").write_in_run(tmp_path, {"slug": "Quản Bạ"})
    assert files.by_key("input_summary").read(summary) == {"slug": "Quản Bạ"}


def test_every_file_a_run_writes_is_registered_and_every_entry_written(tmp_path: Path) -> None:
    scenario_path = write_mini_district(tmp_path / "in")
    proposals = tmp_path / "in" / "proposals.csv"
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 1200,
                                                                             Y0 - 1200)
    pd.DataFrame([{"proposal_id": "P1", "lon": round(lon, 7), "lat": round(lat, 7),
                   "operator": "Viettel",
                   "height_m": 30, "azimuths_deg": "0;120;240", "frequency_mhz": 1800,
                   "tx_power_dbm": 43, "antenna_gain_dbi": 17, "v_beamwidth_deg": 8}]
                 ).to_csv(proposals, index=False)
    text = scenario_path.read_text(encoding="utf-8").replace(
        'network = "network.gpkg"\n', 'network = "network.gpkg"\nproposals = "proposals.csv"\n')
    scenario_path.write_text(text, encoding="utf-8")
    result = run(load_scenario(scenario_path), tmp_path / "out")
    written = _relative_files(result.out_dir)
    assert [f for f in written if files.match(f) is None] == []
    assert {p.relative_to(result.out_dir).as_posix() for p in result.files} <= set(written)
    made = {files.match(f).key for f in written}  # type: ignore[union-attr]
    assert set(files.REGISTRY) - made == NOT_IN_A_RUN | ON_REQUEST | {"hop_profile"}  # no hop here


@pytest.mark.slow
def test_the_sample_writes_registered_files_only_and_every_entry(tmp_path: Path) -> None:
    from netcover.app.sample import sample_dir

    result = run(load_scenario(sample_dir() / "scenario.toml"), tmp_path / "out")
    written = _relative_files(result.out_dir)
    assert [f for f in written if files.match(f) is None] == []
    made = {files.match(f).key for f in written}  # type: ignore[union-attr]
    assert set(files.REGISTRY) - made == NOT_IN_A_RUN | ON_REQUEST


def test_an_absent_result_is_an_error_naming_it(tmp_path: Path) -> None:
    run_folder = hand_made_run(tmp_path / "run")
    (tmp_path / "run" / "siting" / "gaps.csv").unlink()
    with pytest.raises(DataFileError, match=r"siting/gaps\.csv: missing \(coverage gaps"):
        run_folder.gaps()
    with pytest.raises(DataFileError, match=r"gaps\.csv"):
        build_outputs(run_folder, tmp_path / "out", langs=("en",), formats=("png",))


def test_an_absent_layer_is_an_error_naming_it(tmp_path: Path) -> None:
    run_folder = hand_made_run(tmp_path / "run", notes=[])  # no note says villages were skipped
    with pytest.raises(DataFileError, match=r"layer 'settlements' of .*coverage\.gpkg"):
        run_folder.settlements()


def test_a_skipped_or_unrun_section_is_none_and_noted(tmp_path: Path) -> None:
    run_folder = hand_made_run(tmp_path / "run")
    assert run_folder.settlements() is None  # the notes say the scenario has no settlements
    assert run_folder.links() is None  # links skipped (no roads): links.gpkg never written
    shutil.rmtree(tmp_path / "run" / "monitoring")
    assert run_folder.monitoring() is None
    not_run = [n for n in run_folder.notes() if n.params.get("reason") == "not_run"]
    assert [n.params["section"] for n in not_run] == ["monitoring"]
    build_outputs(run_folder, tmp_path / "out", langs=("en", "vi"), formats=("png",))
    for lang in ("en", "vi"):
        report = (tmp_path / "out" / f"report_{lang}.md").read_text(encoding="utf-8")
        assert "Monitoring: skipped" in report if lang == "en" else "theo dõi chỉ tiêu" in report


def test_results_of_one_step_read_through_the_registry(tmp_path: Path) -> None:
    full = hand_made_run(tmp_path / "full").path
    shutil.copytree(full / "siting", tmp_path / "step" / "siting")
    step = RunFolder.open(tmp_path / "step" / "siting")
    assert step.site_plan() is not None and step.unit_coverage() is None
