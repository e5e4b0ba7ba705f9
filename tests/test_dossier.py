"""The proposals' dossier (:mod:`netcover.outputs.dossier`): one bilingual A4 page per proposal.

On the walled district of tests/test_siting_plan.py (a village behind a wall of rock, one site in
the west): the PDF has one A4 page per proposal with every font embedded as TrueType, its text
(read back with PDFium) holds the ids, the Vietnamese words with their diacritics and the English
ones, the scores' columns (set by hand here, so each is checked) and "—" where a column is absent; the
page renders with the newly covered people drawn; the same inputs give the same bytes; the
profile says when the wall blocks the line of sight; ``netcover evaluate --dossier`` writes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover.config.scenario import load_scenario
from netcover.coverage.engine import compute_coverage
from netcover.data.inputs import load_inputs
from netcover.outputs.dossier import measurement_folder, read_site_summary, write_dossier
from netcover.outputs.dossier.layout import ELLIPSIS, LEADING, fit, text_width
from netcover.outputs.dossier.page import A4_IN, PageInput, draw_page
from netcover.outputs.dossier.panels import Village, draw_profile, profile_village
from netcover.outputs.dossier.text import MISSING, id_list, number, share, verdict_text
from netcover.siting import prepare, read_proposals, score_proposals

from .conftest import X0, Y0
from .test_siting_plan import EAST, S1_ANTENNA, SETTINGS, _proposals_csv, write_gap_district

pdfium = pytest.importorskip("pypdfium2")

#: Columns of the scores (own network, cost, purpose, capacity relief, sharing, verdict), set by
#: hand for the two proposals so that each value's place on the page is checked.
COLUMNS = {
    "new_people_own": [360.0, 0.0], "new_households_own": [72.0, 0.0],
    "screening_new_people": [350.0, 0.0], "cost": [123456.0, 80000.0],
    "cost_per_new_person": [342.9, np.nan], "purpose": ["both", "coverage"],
    "users_offloaded": [12.5, np.nan], "cells_offloaded": ["S1-1;S1-2", ""],
    "load_before": [0.91, np.nan], "load_after": [0.55, np.nan],
    "throughput_before_mbps": [2.4, np.nan], "throughput_after_mbps": [7.8, np.nan],
    "share_with": ["S1", ""], "share_distance_m": [1500.0, np.nan],
    "sharing_saving": [25000.0, np.nan],
    "sharing": ["Share the mast of S1 and save the tower.", ""],
    "verdict": ["recommended", "not recommended"],
    "verdict_reason": ["It covers the village behind the wall.", "Everyone there has service."],
}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory):
    """The walled district's problem, two proposals (east of the wall, beside the site) and their
    scores."""
    folder = tmp_path_factory.mktemp("walled_dossier")
    inputs = load_inputs(load_scenario(write_gap_district(folder)))
    problem = prepare(inputs, compute_coverage(inputs), SETTINGS, with_matrix=False)
    path = _proposals_csv(folder / "p.csv", [
        {"proposal_id": "EAST-1", "x": EAST[0] - 500.0, "y": EAST[1], **S1_ANTENNA,
         "note": "Thôn Đông"},
        {"proposal_id": "WEST-2", "x": X0 + 600.0, "y": Y0 - 1300.0, **S1_ANTENNA}])
    proposals = read_proposals(path, SETTINGS, inputs.crs)
    return folder, problem, proposals, score_proposals(problem, proposals)


@pytest.fixture(scope="module")
def full_pdf(scored, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The dossier of a scores table with every contract column, and a drive test's summary for
    EAST-1; returns (pdf, measurements folder)."""
    _, problem, proposals, scores = scored
    table = scores.table.assign(**COLUMNS)
    out = tmp_path_factory.mktemp("dossier_full")
    site = measurement_folder(out / "measurements", "EAST-1")
    site.mkdir(parents=True)
    (site / "site_summary.json").write_text(json.dumps(
        {"site_id": "EAST-1", "points": 1234, "bias_db": -1.25, "rmse_db": 6.5, "mae_db": 5.0,
         "median_error_db": -1.0, "p90_abs_error_db": 9.0, "assumes": "test"}), encoding="utf-8")
    pdf = write_dossier(problem, table, out / "proposals", proposals=proposals,
                        measurements_folder=out / "measurements")
    return pdf, out / "measurements"


def _texts(pdf: Path) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range().replace("\r\n", "\n")
                .replace("\u00a0", " ") for i in range(len(doc))]
    finally:
        doc.close()


def test_one_a4_page_per_proposal_with_fonts_embedded(full_pdf) -> None:
    pdf, _ = full_pdf
    assert pdf.name == "dossier.pdf" and pdf.parent.name == "proposals"
    doc = pdfium.PdfDocument(pdf)
    sizes = [doc[i].get_size() for i in range(len(doc))]
    doc.close()
    assert len(sizes) == 2
    for w, h in sizes:  # A4: 210 x 297 mm = 595.3 x 841.9 pt
        assert w == pytest.approx(595.3, abs=0.5) and h == pytest.approx(841.9, abs=0.5)
    raw = pdf.read_bytes()
    descriptors = re.findall(rb"<<[^>]*?/Type /FontDescriptor.*?>>", raw, flags=re.S)
    assert descriptors and all(b"/FontFile2" in d for d in descriptors)  # TrueType, embedded
    assert b"/Type3" not in raw and b"/CreationDate" not in raw


def test_pages_hold_ids_vietnamese_english_and_contract_columns(full_pdf) -> None:
    pdf, measurements = full_pdf
    east, west = _texts(pdf)
    assert "EAST-1" in east and "WEST-2" in west and "EAST-1" not in west
    for words in ("Kết luận", "Người dân được phủ sóng mới", "Chia sẻ hạ tầng", "Chi phí",
                  "Vùng phủ", "Đề xuất trạm", "Verdict", "New people covered",
                  "Infrastructure sharing", "Site proposal"):
        assert words in east, words
    assert "Kết luận: Khuyến nghị xây dựng" in east and "Verdict: recommended" in east
    assert "Không khuyến nghị" in west
    assert "It covers the village behind the wall." in east
    assert "123 456" in east and "342,9" not in east and "343" in east  # cost per new person
    assert "91% → 55%" in east and "2,4 → 7,8" in east and "S1-1; S1-2" in east
    assert "Share the mast of S1 and save the tower." in east and "25 000" in east
    assert "A coverage proposal: no capacity figures." in west
    assert "no other operator's mast or proposal within 100 m" in west  # no partner: no saving
    assert "trong phạm vi 100 m" in west and "25 000" not in west
    command = "netcover monitor measurements"
    assert command in east and "--site EAST-1" in east
    assert str(measurement_folder(measurements, "EAST-1")) in east.replace("\n", "")
    assert "1 234 điểm" in east and "-1,2 dB" in east and "6,5 dB" in east  # site_summary.json
    assert "No drive test compared yet." in west
    for page in (east, west):  # the footer: what the coverage behind the figures assumes
        flat = " ".join(page.split())
        assert "The coverage figures assume: the ITU-R P.1812 model" in flat
        assert "service level outdoor_50" in flat and "uncalibrated" in flat
        assert "Số liệu vùng phủ dựa trên giả định: mô hình ITU-R P.1812" in flat
        assert "chưa hiệu chỉnh" in flat


def test_absent_columns_and_empty_values_read_dash(scored, tmp_path: Path) -> None:
    _, problem, proposals, scores = scored
    table = scores.table.drop(columns=[c for c in COLUMNS if c in scores.table.columns])
    pdf = write_dossier(problem, table, tmp_path / "proposals", proposals=proposals)
    east, west = _texts(pdf)
    assert f"Kết luận: {MISSING}" in east and f"Verdict: {MISSING}" in west
    assert east.count(MISSING) >= 10  # own network, cost, sharing, reason...
    assert "Chưa có kết quả đo kiểm." in east  # no measurements folder yet


def test_a_table_alone_places_pages_by_lon_lat_and_keeps_text_plain(scored, tmp_path) -> None:
    _, problem, _, scores = scored
    table = scores.table.assign(proposal_id=["$x^2$ P1", "../P2"], note=["50% $5", ""])
    pdf = write_dossier(problem, table, tmp_path / "proposals")  # no proposals: no footprint
    first, second = _texts(pdf)
    assert "$x^2$ P1" in first and "50% $5" in first  # never read as mathtext
    assert "chưa có vùng phủ / footprint not available" in first
    assert "site_P2" in second.replace("\n", "") and "site_../P2" not in second


def test_a_page_renders_with_the_new_people_drawn(full_pdf) -> None:
    doc = pdfium.PdfDocument(full_pdf[0])
    image = np.asarray(doc[0].render(scale=1.0).to_pil().convert("RGB")).astype(int)
    doc.close()
    assert abs(image.shape[0] - 842) <= 1 and abs(image.shape[1] - 595) <= 1
    assert (image.sum(axis=2) < 600).mean() > 0.05  # not blank
    orange = (np.abs(image - [230, 85, 13]).sum(axis=2) < 40).sum()  # the people newly covered
    assert orange > 20


def test_the_same_inputs_give_the_same_bytes(scored, full_pdf, tmp_path: Path) -> None:
    _, problem, proposals, scores = scored
    again = write_dossier(problem, scores.table.assign(**COLUMNS), tmp_path / "proposals",
                          proposals=proposals, measurements_folder=full_pdf[1])
    assert again.read_bytes() == full_pdf[0].read_bytes()


def test_the_profile_runs_to_the_village_it_serves_and_sees_the_wall(scored) -> None:
    from matplotlib.figure import Figure

    _, problem, proposals, _ = scored
    east = proposals[0]
    village = profile_village(problem, east.x, east.y, None)  # no footprint: the nearest
    assert village is not None and village.name == "Thôn Đông" and not village.inside
    fig = Figure()
    ax = fig.add_subplot()
    draw_profile(ax, problem, (east.x, east.y), 30.0, 1800.0, village)
    assert any("không bị địa hình che" in t.get_text() for t in ax.texts)  # flat plateau
    ax = fig.add_subplot()
    draw_profile(ax, problem, (X0 + 600.0, Y0 - 1500.0), 30.0, 1800.0,
                 Village("Thôn Đông", EAST[0], EAST[1], inside=False))
    assert any("line of sight blocked by the terrain" in t.get_text() for t in ax.texts)
    assert "khoảng cách (km)" in ax.get_xlabel()


def _boxes_overlap(a, b, slack: float = 0.5) -> bool:
    return (a.x0 + slack < b.x1 and b.x0 + slack < a.x1
            and a.y0 + slack < b.y1 and b.y0 + slack < a.y1)


def test_a_page_of_very_long_texts_has_no_text_over_another(scored) -> None:
    """Long advice, reason, note, operator and 20 relieved cells: every text block of the page
    (matplotlib's own extents) stays on the page, off the map and the profile, and off every
    other block; the map's names do not overlap either."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, problem, proposals, scores = scored
    words = "the proposal reaches the village behind the wall and its neighbours " * 12
    cells = ";".join(f"S1-LONG-CELL-{k:02d}" for k in range(20))
    row = {**scores.table.assign(**COLUMNS).to_dict("records")[0], "advice": words,
           "verdict_reason": words, "note": words, "cells_offloaded": cells,
           "operator": "Operator " * 12, "added_to_site": "S1", "sharing": words,
           "verdict": "recommended with changes", "gaps_closed": "G1, G2, G3, " * 10,
           "purpose": "capacity"}
    east = proposals[0]
    page = PageInput(x=east.x, y=east.y, frequency_mhz=1800.0, footprint=None,
                     measure_command="netcover monitor measurements " + "/very/long/path" * 12,
                     measure_path="/very/long/path" * 12, measured=None)
    fig = Figure(figsize=A4_IN)
    canvas = FigureCanvasAgg(fig)
    draw_page(fig, problem, row, page, 1, 1)
    canvas.draw()
    renderer = canvas.get_renderer()
    page_box = fig.bbox
    blocks = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.texts
              if t.get_text().strip()]
    assert len(blocks) > 40
    axes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    for k, (text, box) in enumerate(blocks):
        assert page_box.x0 <= box.x0 and box.x1 <= page_box.x1, text
        assert page_box.y0 <= box.y0 and box.y1 <= page_box.y1, text
        for ax_box in axes:
            assert not _boxes_overlap(box, ax_box), text
        for other, other_box in blocks[k + 1:]:
            assert not _boxes_overlap(box, other_box), (text, other)
    assert not _boxes_overlap(axes[0], axes[1])
    texts = "\n".join(t for t, _ in blocks)
    assert "S1-LONG-CELL-00; S1-LONG-CELL-01; S1-LONG-CELL-02" in texts.replace("\n", " ")
    assert "S1-LONG-CELL-03" not in texts and "+17 khác" in texts  # the CSV keeps them all
    assert ELLIPSIS in texts  # what did not fit was cut, visibly
    assert "added to S1: antennas and radios on its mast" in texts.replace("\n", " ")
    names = [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_text().strip()]
    for k, box in enumerate(names):
        assert not any(_boxes_overlap(box, other) for other in names[k + 1:])


def test_fit_wraps_shrinks_then_cuts() -> None:
    text = "một hai ba bốn năm sáu bảy tám chín mười " * 6
    lines, size = fit(text, 120.0, 100.0, 8.0)
    assert size == 8.0 and all(text_width(t, size) <= 120.0 for t in lines)
    assert " ".join(lines).split() == text.split()  # nothing lost when it fits
    lines, size = fit(text, 120.0, 30.0, 8.0)  # 3 lines at most: shrunk to 6.4, then cut
    assert size == pytest.approx(6.5) and len(lines) * size * LEADING <= 30.0
    assert lines[-1].endswith(ELLIPSIS) and all(text_width(t, size) <= 120.0 for t in lines)
    assert fit(text, 120.0, 4.0, 8.0) == ([], 8.0)
    lines, _ = fit("x" * 200, 50.0, 400.0, 8.0)  # a word wider than the box is broken
    assert len(lines) > 1 and "".join(lines) == "x" * 200


def test_id_list_shows_three_and_counts_the_rest() -> None:
    assert id_list("A;B") == "A; B" and id_list("") == MISSING and id_list(" ; ") == MISSING
    assert id_list("A;B;C;D;E") == "A; B; C (+2 khác / 2 more)"


def test_numbers_read_alike_in_both_languages() -> None:
    assert number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
    assert number(None) == number(float("nan")) == number("") == MISSING
    assert share(0.425) == "42%" and share(None) == MISSING
    assert verdict_text("recommended with changes") == ("Khuyến nghị, cần điều chỉnh",
                                                        "recommended with changes")
    assert verdict_text(np.nan) == (MISSING, MISSING)


def test_measurement_folder_is_safe_and_a_broken_summary_is_ignored(tmp_path: Path) -> None:
    hostile = measurement_folder(tmp_path, "../VTL P01")
    assert hostile.parent == tmp_path and hostile.name.startswith("site_VTL_P01-")
    assert measurement_folder(tmp_path, "VTL-P01") == tmp_path / "site_VTL-P01"  # safe: as it is
    folder = tmp_path / "site_X"
    folder.mkdir()
    assert read_site_summary(folder) is None
    (folder / "site_summary.json").write_text("{not json", encoding="utf-8")
    assert read_site_summary(folder) is None


def test_no_proposals_is_an_error(scored, tmp_path: Path) -> None:
    from netcover.errors import OutputError

    _, problem, _, scores = scored
    with pytest.raises(OutputError, match="no proposals"):
        write_dossier(problem, scores.table.iloc[0:0], tmp_path)


def test_evaluate_dossier_flag_writes_the_pdf(scored, tmp_path: Path) -> None:
    import click
    from click.testing import CliRunner

    from netcover.app.cli.siting import evaluate

    folder = scored[0]
    path = _proposals_csv(tmp_path / "p.csv", [{"proposal_id": "EAST", "x": EAST[0] - 500.0,
                                                "y": EAST[1], **S1_ANTENNA}])
    group = click.Group(commands=[evaluate])
    res = CliRunner().invoke(group, ["evaluate", str(folder / "scenario.toml"), str(path),
                                     "--out", str(tmp_path / "out"), "--radius", "300",
                                     "--dossier"])
    assert res.exit_code == 0, res.output
    pdf = tmp_path / "out" / "proposals" / "dossier.pdf"
    texts = _texts(pdf)
    assert len(texts) == 1 and "EAST" in texts[0]
    assert str(tmp_path / "out" / "measurements" / "site_EAST") in texts[0].replace("\n", "")
    res = CliRunner().invoke(group, ["evaluate", str(folder / "scenario.toml"), str(path),
                                     "--out", str(tmp_path / "out2"), "--radius", "300"])
    assert res.exit_code == 0 and not (tmp_path / "out2" / "proposals" / "dossier.pdf").exists()


@pytest.mark.slow
def test_the_sample_proposals_end_to_end(tmp_path: Path) -> None:
    """The sample's six proposals (3 km radius to keep it short): full-resolution figures, the
    market view, the CSV and a dossier page each."""
    import dataclasses

    from netcover.app.sample import sample_dir
    from netcover.siting import evaluate_proposals

    sc = load_scenario(sample_dir() / "scenario.toml")
    sc = dataclasses.replace(sc, coverage=dataclasses.replace(sc.coverage, radius_km=3.0))
    inputs = load_inputs(sc)
    settings = dataclasses.replace(sc.siting, proposal_search_radius_m=400.0)
    assert sc.inputs.proposals is not None
    run = evaluate_proposals(inputs, compute_coverage(inputs), settings, sc.inputs.proposals,
                             tmp_path / "proposals", lambda _line: None)
    t = run.scores.table
    ids = pd.read_csv(sc.inputs.proposals)["proposal_id"].tolist()
    assert t["proposal_id"].tolist() == ids and len(ids) == 6
    for c in ("new_people", "new_people_own", "people_in_footprint", "screening_new_people",
              "cost", "better_new_people", "extra_people"):
        assert np.isfinite(t[c].to_numpy(dtype=float)).all(), c
    assert (t["new_people"] <= t["people_in_footprint"] + 1e-6).all()
    assert set(t["verdict"]) <= {"recommended", "recommended with changes", "not recommended"}
    cap = t.set_index("proposal_id").loc["VTL-P01"]  # a capacity site: never told to move
    assert cap["purpose"] == "capacity" and cap["extra_people"] == 0
    scored = pd.read_csv(tmp_path / "proposals" / "proposals_scored.csv", encoding="utf-8-sig")
    assert {"new_people_own", "cost_per_new_person", "screening_new_people", "verdict"} <= set(
        scored.columns)
    assert run.problem is not None
    pdf = write_dossier(run.problem, run.scores, tmp_path, proposals=run.proposals)
    texts = _texts(pdf)
    assert len(texts) == 6
    for pid, text in zip(ids, texts, strict=True):
        assert pid in text and "Kết luận" in text and "Người dân được phủ sóng mới" in text
