"""Maps, charts, reports and the interactive map are drawn again only when what they show changed
(:mod:`netcover.outputs.reuse`): renders are counted, never timed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS

from netcover.app.pipeline import interactive_maps as pipeline_maps
from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.core.files import Raster, by_key
from netcover.outputs.report import build, build_outputs
from netcover.outputs.results import RunFolder, RunResults
from netcover.outputs.reuse import Reuse, Watched, file_digest, layer_digest

from .conftest import site_rows, snapshot, write_mini_district, write_sites

DATE = "2024-09-30"
MANIFEST = by_key("outputs_manifest").name


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[Reuse]:
    """Every :class:`Reuse` session the builds make, to count what each drew and reused."""
    made: list[Reuse] = []

    class _Counted(Reuse):
        def __post_init__(self) -> None:
            super().__post_init__()
            made.append(self)

    monkeypatch.setattr(build, "Reuse", _Counted)
    return made


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(kind, language) of every print map drawn (all in this process, to be counted)."""
    monkeypatch.setattr(build, "WORKERS", 0)
    seen: list[tuple[str, str]] = []
    draw = build.draw_map

    def counted(run_folder: RunFolder, kind: str, lang: str, *args: object) -> object:
        seen.append((kind, lang))
        return draw(run_folder, kind, lang, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "draw_map", counted)
    return seen


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """A results folder of the miniature district."""
    base = tmp_path_factory.mktemp("reuse")
    out = base / "out"
    run(load_scenario(write_mini_district(base / "mini")), out)
    return RunFolder.open(out)


def _build(results: RunFolder, out: Path, previous: Path | None = None, **options: object) -> list[Path]:
    kwargs: dict[str, object] = {"langs": ("en",), "date": DATE, "formats": ("png",), **options}
    return build_outputs(results, out, previous=previous, **kwargs)  # type: ignore[arg-type]


def test_a_second_run_reuses_everything_and_a_changed_tilt_redraws_the_coverage_maps(
        tmp_path: Path, sessions: list[Reuse], draws: list[tuple[str, str]]) -> None:
    scenario = write_mini_district(tmp_path / "mini")
    out = tmp_path / "out"
    run(load_scenario(scenario), out)
    first, drawn = snapshot(out), len(draws)
    assert sessions[-1].reused == [] and drawn > 0
    assert {"print_map:coverage:en", "print_map:coverage:vi", "chart:share_by_commune:en",
            "chart:signal:en", "report:vi", "interactive"} <= set(sessions[-1].made)
    inode = (out / "map_en.html").stat().st_ino

    run(load_scenario(scenario), out)
    assert sessions[-1].made == [] and sorted(sessions[-1].reused) == sorted(sessions[-2].made)
    assert len(draws) == drawn  # nothing drawn
    again = snapshot(out)
    assert [k for k in set(first) | set(again) if first.get(k) != again.get(k)] == ["history.sqlite"]
    assert (out / "map_en.html").stat().st_ino == inode  # linked from the previous run

    write_sites(scenario.parent / "sites.csv", [{**row, "mech_tilt_deg": 9} for row in site_rows()])
    run(load_scenario(scenario), out)
    redrawn = set(sessions[-1].made)
    assert {"print_map:gaps:en", "interactive", "report:en"} <= redrawn
    # the coverage print map shows the classes and the summary's extent, not its headline figures
    classes = "coverage/class.tif"
    assert ("print_map:coverage:en" in redrawn) == (snapshot(out)[classes] != first[classes])
    assert {"print_map:links:en", "print_map:site_plan:en"} <= set(sessions[-1].reused)
    assert ("gaps", "en") in draws[drawn:]


def test_a_damaged_or_missing_previous_file_is_drawn_again(
        results: RunFolder, tmp_path: Path, sessions: list[Reuse],
        draws: list[tuple[str, str]]) -> None:
    one = tmp_path / "one"
    _build(results, one)
    made = sorted(sessions[-1].made)
    coverage = one / "print" / "coverage_en.png"
    good = coverage.read_bytes()
    coverage.write_bytes(good[: len(good) // 2])  # damaged
    (one / "report_en.html").unlink()  # missing
    two = tmp_path / "two"
    _build(results, two, previous=one)
    assert sorted(sessions[-1].made) == ["print_map:coverage:en", "report:en"]
    assert sorted(sessions[-1].reused + sessions[-1].made) == made
    assert draws[-1] == ("coverage", "en")
    assert (two / "print" / "coverage_en.png").read_bytes() == good
    assert (two / MANIFEST).read_bytes() == (one / MANIFEST).read_bytes()


def test_a_changed_date_language_format_or_version_draws_again(
        results: RunFolder, tmp_path: Path, sessions: list[Reuse],
        monkeypatch: pytest.MonkeyPatch) -> None:
    one = tmp_path / "one"
    _build(results, one)
    everything = sorted(sessions[-1].made)
    for name, options in (("date", {"date": "2024-12-31"}), ("pdf", {"formats": ("png", "pdf")}),
                          ("vi", {"langs": ("vi",)})):
        _build(results, tmp_path / name, previous=one, **options)
        # the export shows no date; the report embeds the PNGs only, so a PDF more leaves it
        assert sessions[-1].reused == (["export", "report:en"] if name == "pdf" else ["export"]), name
    monkeypatch.setattr("netcover.outputs.reuse.code_digest", lambda: "99.0+0")  # other code
    _build(results, tmp_path / "version", previous=one)
    assert sorted(sessions[-1].made) == everything and sessions[-1].reused == []


def test_a_changed_result_redraws_only_what_shows_it(results: RunFolder, tmp_path: Path,
                                                     sessions: list[Reuse]) -> None:
    one = tmp_path / "one"
    _build(results, one)
    changed = tmp_path / "changed"
    shutil.copytree(results.path, changed)
    links = changed / "links" / "links_ranked.csv"
    links.write_text(links.read_text(encoding="utf-8-sig") + "\n", encoding="utf-8-sig")
    _build(RunFolder.open(changed), tmp_path / "two", previous=one)
    assert sessions[-1].made == ["report:en"]  # the report lists the ranked links; no map shows them


def _raise_tilt(gpkg: Path, *, fid: int = 1, step: float = 2.0) -> None:
    """The mechanical tilt of one sector of the sites layer raised by ``step`` (in place)."""
    import sqlite3

    con = sqlite3.connect(gpkg)
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):  # of the R-tree triggers
        con.create_function(name, 1, lambda _: 0)  # (the geometry is not changed)
    with con:
        changed = con.execute("UPDATE sites SET mech_tilt_deg = mech_tilt_deg + ? WHERE fid = ?",
                              (step, fid)).rowcount
    con.close()
    assert changed == 1


def test_a_layer_digest_sees_its_rows_and_only_the_columns_asked(results: RunFolder,
                                                                  tmp_path: Path) -> None:
    copy = tmp_path / "coverage.gpkg"
    shutil.copyfile(results.path / "coverage" / "coverage.gpkg", copy)
    before = {what: layer_digest(copy, "sites", cols)
              for what, cols in (("all", None), ("where", ("site_id",)), ("tilt", ("mech_tilt_deg",)))}
    units = layer_digest(copy, "units")
    _raise_tilt(copy)
    assert layer_digest(copy, "sites") != before["all"]
    assert layer_digest(copy, "sites", ["mech_tilt_deg"]) != before["tilt"]
    assert layer_digest(copy, "sites", ["site_id"]) == before["where"]  # same places and names
    assert layer_digest(copy, "units") == units  # another layer of the same file
    assert layer_digest(copy, "no_such_layer") == "absent"
    assert layer_digest(tmp_path / "none.gpkg", "sites") == "absent"


def test_a_changed_tilt_of_a_sector_keeps_the_maps_of_where_sites_are(
        results: RunFolder, tmp_path: Path, sessions: list[Reuse], draws: list[tuple[str, str]]) -> None:
    one = tmp_path / "one"
    _build(results, one, map_builder=pipeline_maps)
    changed = tmp_path / "changed"
    shutil.copytree(results.path, changed)
    _raise_tilt(changed / "coverage" / "coverage.gpkg")
    drawn = len(draws)
    _build(RunFolder.open(changed), tmp_path / "two", previous=one, map_builder=pipeline_maps)
    # the print maps show where the sites are, not their tilt; the export and the interactive
    # map (sector popups, wedges) show it
    assert sorted(sessions[-1].made) == ["export", "interactive"]
    assert len(draws) == drawn


def test_building_into_its_own_folder_again_keeps_the_files(results: RunFolder, tmp_path: Path,
                                                             sessions: list[Reuse]) -> None:
    folder = tmp_path / "run"
    shutil.copytree(results.path, folder)
    own = RunFolder.open(folder)
    _build(own, folder)
    before = snapshot(folder)
    inode = (folder / "print" / "coverage_en.png").stat().st_ino
    _build(own, folder)  # `netcover report OUT` again: previous defaults to the folder itself
    assert sessions[-1].made == [] and snapshot(folder) == before
    assert (folder / "print" / "coverage_en.png").stat().st_ino == inode
    _build(own, folder, reuse=False)
    assert sessions[-1].reused == [] and snapshot(folder) == before


def test_watched_results_record_what_is_read_with_its_content(results: RunFolder) -> None:
    raster = results.coverage_class()
    assert raster is not None
    memory = RunResults(results.path, {"coverage/class.tif": raster})
    watched = Watched.of(memory)
    assert watched == memory and watched.coverage_class() is not None
    watched.units()
    summary = watched.summary()
    assert summary.get("crs") and "no such entry" not in summary
    assert ("summary", "", "") not in watched.reads  # entries read, not the whole summary
    reads = dict(watched.reads)
    assert reads[("read", "coverage/class.tif", "")].startswith("memory:")
    gpkg = results.path / "coverage" / "coverage.gpkg"
    assert reads[("read", "coverage/coverage.gpkg", "units")] == layer_digest(gpkg, "units")
    assert {("summary", "", "key:crs"), ("summary", "", "key:no such entry")} <= set(reads)
    assert reads[("summary", "", "key:no such entry")] == "absent"
    assert dict(summary) == results.summary() and ("summary", "", "") in watched.reads
    other = RunResults(results.path, {"coverage/class.tif": type(raster)(
        np.zeros_like(raster.values), raster.transform, raster.crs, raster.nodata)})
    changed = Watched.of(other)
    changed.coverage_class()
    assert changed.reads[("read", "coverage/class.tif", "")] != reads[("read", "coverage/class.tif", "")]


def test_a_manifest_naming_files_outside_the_folder_is_ignored(results: RunFolder, tmp_path: Path,
                                                               sessions: list[Reuse]) -> None:
    one = tmp_path / "one"
    _build(results, one)
    manifest = json.loads((one / MANIFEST).read_text(encoding="utf-8"))
    entry = manifest["outputs"]["print_map:coverage:en"]
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    entry["files"] = {"../secret.txt": file_digest(secret)}
    (one / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    two = tmp_path / "two"
    _build(results, two, previous=one)
    assert "print_map:coverage:en" in sessions[-1].made
    drawn = (two / "print" / "coverage_en.png").read_bytes()
    assert drawn == (one / "print" / "coverage_en.png").read_bytes()


def test_outputs_drawn_in_a_worker_process_are_the_same_files(
        results: RunFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the results as a run holds them: the summary and every coverage raster in memory
    memory: dict[str, object] = {"input_summary.json": results.summary()}
    for tif in sorted((results.path / "coverage").glob("*.tif")):
        with rasterio.open(tif) as src:
            memory[tif.relative_to(results.path).as_posix()] = Raster(
                src.read(1), src.transform, CRS.from_user_input(src.crs), src.nodata)
    held = RunResults(results.path, memory)
    pools: list[int] = []
    pool = build.worker_pool

    def counted(workers: int) -> object:
        pools.append(workers)
        return pool(workers)

    monkeypatch.setattr(build, "worker_pool", counted)
    shown: list[tuple[int, str]] = []

    def progress(items: list[object], label: str) -> list[object]:
        shown.append((len(items), label))
        return items

    folders = {n: tmp_path / f"workers_{n}" for n in (0, 1)}
    for workers, folder in folders.items():
        build_outputs(held, folder, date=DATE, map_builder=pipeline_maps, reuse=False,
                      workers=workers, progress=progress)  # type: ignore[arg-type]
    assert pools == [0, 1]  # the second build drew in one worker process beside this one
    assert snapshot(folders[0]) == snapshot(folders[1])  # manifest (keys, reads) included
    drawn = len(json.loads((folders[0] / MANIFEST).read_text(encoding="utf-8"))["outputs"]) - 1
    assert [n for n, _label in shown] == [drawn - 2, 2, drawn - 2, 2]  # figures, then reports


def test_a_map_redrawn_after_a_changed_tilt_is_the_map_drawn_from_scratch(
        tmp_path: Path, sessions: list[Reuse], monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import OrderedDict

    from netcover.outputs.maps import build_map, overlays

    scenario = write_mini_district(tmp_path / "mini")
    out = tmp_path / "out"
    run(load_scenario(scenario), out)
    before = (out / "map_vi.html").read_bytes()
    write_sites(scenario.parent / "sites.csv", [{**row, "mech_tilt_deg": 9} for row in site_rows()])
    run(load_scenario(scenario), out)  # its raster overlays made in a thread beside the charts
    assert "interactive" in sessions[-1].made
    after = (out / "map_vi.html").read_bytes()
    monkeypatch.setattr(overlays, "_KEPT", OrderedDict())  # nothing kept: every overlay drawn here
    with overlays.stored_in(None):
        fresh = build_map(RunFolder.open(out), tmp_path / "fresh.html", lang="vi").read_bytes()
    assert after != before and fresh == after
