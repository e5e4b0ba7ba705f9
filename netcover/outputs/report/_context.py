"""What the report says about a run's figures: the period the data is for, what the headline
coverage assumes, and the run's notes (:mod:`netcover.core.notes`) in the report's language.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from netcover.core.files import by_key
from netcover.core.i18n import Lang, fmt_number, tr

if TYPE_CHECKING:
    from netcover.config.scenario import Scenario
    from netcover.core.notes import Note
    from netcover.coverage.assumptions import Assumptions
    from netcover.outputs.results import RunFolder

#: Vietnamese sentence of each note code (English comes with the note); ``{params}`` filled in.
NOTES_VI: dict[str, str] = {
    "coarse_dem": ("Ô lưới của DEM rộng {cell_m} m (thô hơn khoảng 100 m): vùng phủ tính được có "
                   "thể lạc quan hơn thực tế."),
    "population_census": ("Dân số lấy từ số liệu điều tra của các xã, thị trấn (trường {field}), "
                          "phân bổ {method}."),
    "population_none": "Không có dữ liệu dân số: các bảng không có số dân.",
    "units_overlap": ("Ranh giới các xã, thị trấn chồng lấn nhau ({pairs} cặp, {km2} km²); mỗi ô "
                      "lưới, mỗi điểm chỉ được tính cho một xã."),
    "skipped": "Phần {section} không được lập: {reason}.",
    "siting_no_roads": ("Không có lớp đường giao thông: chi phí tiếp cận của vị trí ứng viên tính "
                        "theo khoảng cách đường thẳng."),
    "p1812_near_cells": ("{cells} ô lưới DEM nằm cách trạm không quá 0,25 km, gần hơn giới hạn "
                         "khoảng cách dưới của ITU-R P.1812, nên mô hình không hợp lệ ở đó. Chương "
                         "trình vẫn tính suy hao P.1812 cho các ô này (suy hao không gian tự do "
                         "theo khoảng cách nghiêng cộng nhiễu xạ của mặt cắt ngắn; ô của chính trạm "
                         "tính ở 1 m), nên vùng phủ sát trạm chỉ mang tính tham khảo."),
}
#: Words the Vietnamese notes fill in, by parameter value.
_NOTE_WORDS_VI: dict[str, str] = {
    "settlements": "cho các thôn, bản theo số dân ghi trong danh sách, phần còn lại đều theo diện tích",
    "area": "đều theo diện tích",
    "area_slope": "theo diện tích có độ dốc dưới {max_slope_deg}°",
    "siting": "vùng lõm và trạm mới", "proposals": "đánh giá đề xuất", "links": "tuyến truyền dẫn",
    "monitoring": "theo dõi chỉ tiêu", "households": "hộ gia đình", "coverage": "vùng phủ sóng",
    "units": "vùng phủ theo xã",
    "no_population": "không có dữ liệu dân số", "no_settlements": "không có lớp thôn, bản",
    "no_units": "không có ranh giới xã", "no_roads": "không có lớp đường giao thông",
    "no_network": "không có lớp mạng hiện có", "no_proposals": "không có tệp đề xuất",
    "no_history": "không có số liệu các kỳ trước", "no_households": "không có số hộ",
    "no_sites": "không có trạm", "not_run": "bước này không được chạy cho thư mục kết quả này",
}


def scenario_of(run: RunFolder) -> Scenario | None:
    """The scenario the run was made from (its recorded file), or None if it cannot be read
    (:meth:`RunFolder.scenario <netcover.outputs.results.RunFolder.scenario>`)."""
    return run.scenario()


def data_period(run: RunFolder, scenario: Scenario | None = None) -> str:
    """The period the run's data is for: the monitoring table's latest period, else the scenario's
    ``[monitor] period``, else the date (UTC) the run wrote its summary."""
    mon = run.monitoring()
    if mon is not None and "period" in mon.columns and mon["period"].notna().any():
        return str(max(str(p) for p in mon["period"].dropna()))
    scenario = scenario if scenario is not None else scenario_of(run)
    if scenario is not None and scenario.monitor.period:
        return scenario.monitor.period
    if os.environ.get("SOURCE_DATE_EPOCH", "").strip():  # reproducible builds: one clock
        from netcover.config.monitor import run_date

        return run_date().isoformat()
    stamp = by_key("input_summary").in_run(run.path)
    when = stamp.stat().st_mtime if stamp.exists() else run.path.stat().st_mtime
    return datetime.fromtimestamp(when, tz=UTC).date().isoformat()


def record_of(run: RunFolder, scenario: Scenario | None = None) -> tuple[Assumptions, bool]:
    """What the run's coverage assumes, and whether that is known: the run's own record
    (``coverage/assumptions.json``), else (older runs) the scenario it was made from, else the
    default settings (known: False)."""
    from netcover.config.scenario import Scenario
    from netcover.config.service import MEDIAN_SERVICE
    from netcover.coverage.assumptions import Assumptions

    recorded = run.assumptions()
    if recorded is not None:
        return recorded, True
    scenario = scenario if scenario is not None else scenario_of(run)
    # the maps and tables show the class rasters: the median level's
    return (Assumptions.from_scenario(scenario or Scenario(), service=MEDIAN_SERVICE),
            scenario is not None)


def assumptions(run: RunFolder, lang: Lang, scenario: Scenario | None = None) -> str:
    """One sentence: what the headline coverage figure assumes (model and diffraction, service
    level with its location and time percentages and handset height, land cover, calibration)."""
    record, known = record_of(run, scenario)
    text = record.sentence(lang)
    return text if known else f"{text} {tr('assumptions_default', lang)}"


def note_text(note: Note, lang: Lang) -> str:
    """The note in ``lang``: its English text, or the Vietnamese sentence of its code (the
    English text when the code or a parameter is unknown)."""
    if lang == "en" or note.code not in NOTES_VI:
        return note.text
    params: dict[str, Any] = {k: _vi_value(v) for k, v in note.params.items()}
    for key in ("method", "section", "reason"):
        if key in params:
            params[key] = _NOTE_WORDS_VI.get(str(note.params[key]), str(note.params[key]))
            params[key] = params[key].format(**params) if "{" in params[key] else params[key]
    try:
        return NOTES_VI[note.code].format(**params)
    except (KeyError, IndexError, ValueError):
        return note.text


def _vi_value(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return fmt_number(float(value), "vi", 0 if float(value).is_integer() else 1)
