"""English and Vietnamese text of the print maps, charts and report, keyed.

Every label, heading and sentence a reader sees comes from :data:`STRINGS` (or :data:`COLUMNS` for
table headers, :data:`INDICATORS` and :data:`STATUSES` for the monitoring table) through :func:`tr`,
so the two languages cannot drift apart: a key missing in one language is an error, found by the
tests. Numbers are formatted per language by :func:`fmt_number` and :func:`fmt_share`
(Vietnamese writes 57.200 and 94,7 %).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Literal, cast, get_args

from netcover.core._assumption_words import ASSUMPTION_COLUMNS, ASSUMPTION_STRINGS
from netcover.errors import InputError

__all__ = [
    "COLUMNS", "COMPASS", "INDICATORS", "LANGS", "LISTING", "PLACE_WORDS", "STATUSES", "STRINGS", "Lang",
    "advice", "assumptions_text", "check_lang", "column", "fmt_number",
    "fmt_share", "listing_text", "lookup", "place", "tr", "word",
]

#: Report languages.
Lang = Literal["en", "vi"]
LANGS: tuple[Lang, ...] = cast("tuple[Lang, ...]", get_args(Lang))

#: Sentences, labels and headings: key -> (English, Vietnamese). ``{name}`` fields are filled by tr().
STRINGS: dict[str, tuple[str, str]] = {
    # maps
    "map_coverage": ("Mobile coverage (best of all operators)",
                     "Vùng phủ sóng di động (tốt nhất của các doanh nghiệp)"),
    "map_gaps": ("Coverage gaps", "Vùng lõm sóng"),
    "map_site_plan": ("Plan of new sites", "Phương án trạm phát sóng mới"),
    "map_links": ("Link plan (fibre and microwave)", "Phương án tuyến truyền dẫn (cáp quang và vi ba)"),
    "data_date": ("Data period: {date}", "Kỳ số liệu: {date}"),
    "made_with": ("Made with netcover; CRS {crs}", "Lập bằng netcover; hệ tọa độ {crs}"),
    "north": ("N", "B"),
    "communes": ("Communes", "Xã, thị trấn"),
    "existing_sites": ("Existing sites", "Trạm hiện có"),
    "new_sites": ("New sites (rank)", "Trạm mới (thứ tự ưu tiên)"),
    "candidates": ("Candidate places", "Vị trí ứng viên"),
    "gap_areas": ("Gap areas", "Vùng lõm sóng"),
    "unserved_villages": ("Villages without usable service", "Thôn, bản chưa có sóng dùng được"),
    "fibre": ("Fibre", "Cáp quang"),
    "microwave": ("Microwave", "Vi ba"),
    "phase": ("Phase {n}", "Giai đoạn {n}"),
    "class_none": ("No service", "Không có sóng"),
    "class_weak": ("Weak", "Yếu"),
    "class_fair": ("Fair", "Trung bình"),
    "class_good": ("Good", "Tốt"),
    # charts
    "chart_share": ("Share of people covered by commune", "Tỷ lệ dân số được phủ sóng theo xã"),
    "share_axis": ("Share of people covered (%)", "Tỷ lệ dân số được phủ sóng (%)"),
    "chart_share_4g": ("Share of people with 4G by commune, against the 4G target",
                       "Tỷ lệ dân số được phủ sóng 4G theo xã, so với mục tiêu 4G"),
    "share_axis_4g": ("Share of people with 4G service (%)", "Tỷ lệ dân số có sóng 4G (%)"),
    "target_line": ("Target {share}", "Mục tiêu {share}"),
    "met": ("Target met", "Đạt mục tiêu"),
    "not_met": ("Below target", "Chưa đạt mục tiêu"),
    "chart_signal": ("Best-server signal level within the communes",
                     "Mức tín hiệu của trạm phục vụ tốt nhất trong các xã, thị trấn"),
    "signal_axis": ("Signal level (dBm), bins {bin} dB wide", "Mức tín hiệu (dBm), mỗi khoảng {bin} dB"),
    "area_axis": ("Area per bin (km²)", "Diện tích mỗi khoảng (km²)"),
    # monitoring charts
    "mon_communes": ("communes", "các xã, thị trấn"),
    "mon_district": ("district", "toàn huyện"),
    "mon_target": ("target {value}", "mục tiêu {value}"),
    "mon_by": (" by {year}", " đến năm {year}"),
    # report
    "report_title": ("Mobile coverage and network links: {scenario}",
                     "Vùng phủ sóng di động và tuyến truyền dẫn: {scenario}"),
    "report_intro": (
        "This report was made by netcover from the results of one run. Every number in it is read "
        "from the run's files; the tables are also saved as CSV next to it.",
        "Báo cáo này do netcover lập từ kết quả của một lần chạy. Mọi số liệu đều được đọc từ các tệp "
        "kết quả; các bảng cũng được lưu dưới dạng CSV bên cạnh báo cáo."),
    "sec_summary": ("Summary figures", "Số liệu tóm tắt"),
    "sec_maps": ("Maps and charts", "Bản đồ và biểu đồ"),
    "sec_units": ("Coverage by commune", "Vùng phủ theo xã, thị trấn"),
    "sec_gaps": ("Coverage gaps", "Vùng lõm sóng"),
    "sec_sites": ("Ranked new sites", "Xếp hạng trạm phát sóng mới"),
    "sec_links": ("Ranked links", "Xếp hạng tuyến truyền dẫn"),
    "sec_link_terminals": ("Technology per terminal of the link plan",
                           "Công nghệ kết nối của từng điểm trong phương án truyền dẫn"),
    "sec_link_assumptions": ("Cost and demand figures the link plan assumes",
                             "Số liệu chi phí và nhu cầu giả định của phương án truyền dẫn"),
    "sec_proposals": ("Assessment of operators' proposals", "Đánh giá đề xuất trạm của doanh nghiệp"),
    "sec_monitoring": ("Indicators against targets", "Theo dõi chỉ tiêu so với mục tiêu"),
    "sec_files": ("Data files", "Tệp dữ liệu"),
    "units_note": ("Share covered: people with fair or better service from at least one operator.",
                   "Tỷ lệ được phủ sóng: dân số có sóng từ mức trung bình trở lên của ít nhất một "
                   "doanh nghiệp."),
    "rows_shown": ("The first {shown} of {total} rows are shown; the CSV file has all of them.",
                   "Hiển thị {shown} trên tổng số {total} dòng; tệp CSV có đầy đủ các dòng."),
    "files_note": ("Vector results are in one GeoPackage (opens in QGIS); rasters are tiled, "
                   "compressed GeoTIFF files.",
                   "Kết quả dạng vector nằm trong một tệp GeoPackage (mở được bằng QGIS); dữ liệu "
                   "raster là các tệp GeoTIFF chia ô, có nén."),
    "no_rows": ("None in this run.", "Không có trong lần chạy này."),
    "sec_notes": ("Assumptions and data notes", "Giả định và ghi chú về dữ liệu"),
    "model_p1812": ("ITU-R P.1812", "ITU-R P.1812"),
    "model_hata": ("Okumura-Hata", "Okumura-Hata"),
    "model_fspl": ("free-space loss", "suy hao không gian tự do"),
    "no_notes": ("The run recorded no notes on its data.",
                 "Lần chạy không ghi nhận lưu ý nào về dữ liệu."),
    "figure": ("Figure", "Hình"),
    "item": ("Item", "Nội dung"),
    "value": ("Value", "Giá trị"),
    # summary figures
    "fig_area": ("Area of the units (km²)", "Diện tích các xã, thị trấn (km²)"),
    "fig_elevation": ("Elevation (m)", "Độ cao (m)"),
    "fig_communes": ("Communes", "Số xã, thị trấn"),
    "fig_people": ("People", "Dân số"),
    "fig_households": ("Households", "Số hộ gia đình"),
    "fig_settlements": ("Villages", "Số thôn, bản"),
    "fig_sites": ("Sites (cells)", "Số trạm (số cell)"),
    "fig_people_covered": ("People covered", "Dân số được phủ sóng"),
    "fig_share_covered_at": ("Share of people covered, {level}", "Tỷ lệ dân số được phủ sóng, {level}"),
    "fig_share_range": ("{share} (80% range {low}-{high})", "{share} (khoảng 80%: {low}-{high})"),
    "fig_households_covered": ("Share of households covered", "Tỷ lệ hộ gia đình được phủ sóng"),
    "fig_villages_unserved": ("Villages without usable service", "Số thôn, bản chưa có sóng dùng được"),
    "fig_new_sites": ("New sites in the plan (cost, USD)", "Số trạm mới trong phương án (chi phí, USD)"),
    "fig_links": ("Planned links (net present cost, {currency})",
                  "Số tuyến truyền dẫn dự kiến (chi phí hiện tại ròng, {currency})"),
    "fig_proposals": ("Proposals assessed", "Số đề xuất được đánh giá"),
    **ASSUMPTION_STRINGS,
}

#: Table headers: column -> (English, Vietnamese). Columns not listed keep their file name.
COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("Commune", "Xã, thị trấn"),
    "code": ("Code", "Mã"),
    "people": ("People", "Dân số"),
    "households": ("Households", "Số hộ"),
    "villages": ("Villages", "Số thôn"),
    "all_share_covered": ("People covered (%)", "Dân số được phủ sóng (%)"),
    "all_share_households_covered": ("Households covered (%)", "Hộ được phủ sóng (%)"),
    "all_villages_without_service": ("Villages without service", "Thôn chưa có sóng"),
    "rank": ("Rank", "Thứ tự"),
    "link_id": ("Link", "Tuyến"),
    "phase": ("Phase", "Giai đoạn"),
    "type": ("Type", "Loại"),
    "from_name": ("From", "Từ"),
    "to_name": ("To", "Đến"),
    "cost": ("Cost (USD)", "Chi phí (USD)"),
    "length_km": ("Length (km)", "Chiều dài (km)"),
    "institutions": ("Institutions", "Cơ quan, đơn vị"),
    "sites": ("Sites", "Trạm"),
    "benefit_per_kusd": ("Benefit per 1,000 USD", "Lợi ích trên 1.000 USD"),
    "network": ("Network", "Mạng"),
    "owner": ("Owner", "Chủ sở hữu"),
    "cost_vnd": ("Net present cost (VND)", "Chi phí hiện tại ròng (VND)"),
    "cost_usd": ("Net present cost (USD)", "Chi phí hiện tại ròng (USD)"),
    "npv_vnd": ("Net present cost (VND)", "Chi phí hiện tại ròng (VND)"),
    "npv_usd": ("Net present cost (USD)", "Chi phí hiện tại ròng (USD)"),
    "technology": ("Technology", "Công nghệ"),
    "demand_mbps": ("Demand (Mbps)", "Nhu cầu (Mbps)"),
    "why": ("Why", "Lý do"),
    "key": ("Setting", "Tham số"),
    "value": ("Value", "Giá trị"),
    "source": ("Source", "Nguồn"),
    "candidate_id": ("Place", "Vị trí"),
    "commune": ("Commune", "Xã, thị trấn"),
    "lon": ("Longitude", "Kinh độ"),
    "lat": ("Latitude", "Vĩ độ"),
    "new_people": ("New people covered", "Dân số được phủ mới"),
    "new_households": ("New households covered", "Số hộ được phủ mới"),
    "cumulative_share_covered": ("Covered after (%)", "Tỷ lệ phủ sau (%)"),
    "cost_per_new_person": ("Cost per new person (USD)", "Chi phí trên mỗi người (USD)"),
    "gaps_closed": ("Gaps closed", "Vùng lõm được xóa"),
    "gap_id": ("Gap", "Vùng lõm"),
    "unit": ("Unit", "Đơn vị"),
    "area_km2": ("Area (km²)", "Diện tích (km²)"),
    "proposal_id": ("Proposal", "Đề xuất"),
    "operator": ("Operator", "Doanh nghiệp"),
    "overlap_share": ("Already covered (%)", "Đã có sóng (%)"),
    "nearest_site": ("Nearest site", "Trạm gần nhất"),
    "nearest_site_m": ("Distance to it (m)", "Khoảng cách (m)"),
    "purpose": ("Purpose", "Mục đích"),
    "new_people_own": ("New people, own network", "Dân số được phủ mới (mạng của DN)"),
    "verdict": ("Verdict", "Kết luận"),
    "advice": ("Advice", "Khuyến nghị"),
    "indicator": ("Indicator", "Chỉ tiêu"),
    "period": ("Period", "Kỳ"),
    "latest": ("Latest (% for shares)", "Giá trị mới nhất (% với tỷ lệ)"),
    "target": ("Target (% for shares)", "Mục tiêu (% với tỷ lệ)"),
    "by": ("Due", "Thời hạn"),
    "status": ("Status", "Tình trạng"),
    "trend": ("Trend", "Xu hướng"),
    "file": ("File", "Tệp"),
    "layer": ("Layer", "Lớp"),
    "rows": ("Rows", "Số đối tượng"),
    "crs": ("CRS", "Hệ tọa độ"),
    "size_mb": ("Size (MB)", "Dung lượng (MB)"),
    "band": ("Contents", "Nội dung"),
    "village_names": ("Villages", "Thôn, bản"),
    "road_distance_m": ("To a road (m)", "Cách đường (m)"),
    "site_distance_m": ("To a site (m)", "Cách trạm (m)"),
    **ASSUMPTION_COLUMNS,
}

#: Monitoring indicators: name -> (English, Vietnamese).
INDICATORS: dict[str, tuple[str, str]] = {
    "share_fibre_households": ("Households with fibre", "Tỷ lệ hộ có cáp quang"),
    "share_communes_with_fibre": ("Communes with fibre", "Tỷ lệ xã có cáp quang"),
    "share_electrified_villages_served": ("Electrified villages with service",
                                          "Tỷ lệ thôn có điện được phủ sóng"),
    "share_people_4g": ("People with 4G", "Tỷ lệ dân số được phủ 4G"),
    "share_commune_offices_connected": ("Commune offices connected", "Tỷ lệ trụ sở xã được kết nối"),
    "share_people_covered": ("People covered", "Tỷ lệ dân số được phủ sóng"),
    "share_households_covered": ("Households covered", "Tỷ lệ hộ được phủ sóng"),
    "sites": ("Sites", "Số trạm"),
    "sectors": ("Sectors", "Số sector"),
    "fibre_households": ("Households with fibre", "Số hộ có cáp quang"),
    "share_institutions_connected": ("Institutions connected", "Tỷ lệ cơ quan được kết nối"),
    "share_adults_with_smartphone": ("Adults with a smartphone", "Tỷ lệ người lớn có điện thoại thông minh"),
    "share_internet_users": ("Internet users", "Tỷ lệ người dùng Internet"),
    "share_dossiers_online": ("Dossiers handled online", "Tỷ lệ hồ sơ xử lý trực tuyến"),
    "officials_trained": ("Officials trained", "Số cán bộ được đào tạo"),
    "lan_security_approvals": ("LAN security approvals", "Số mạng LAN được phê duyệt an toàn"),
    "gaps": ("Gap areas", "Số vùng lõm sóng"),
    "people_in_gaps": ("People in gap areas", "Dân số trong vùng lõm sóng"),
}

#: Compass directions of the proposals' advice: English -> Vietnamese.
COMPASS: dict[str, str] = {"north": "bắc", "north-east": "đông bắc", "east": "đông",
                           "south-east": "đông nam", "south": "nam", "south-west": "tây nam",
                           "west": "tây", "north-west": "tây bắc"}

#: Words that start the names of link ends (``from_name``, ``to_name``): English -> Vietnamese.
PLACE_WORDS: tuple[tuple[str, str], ...] = (
    ("existing network", "mạng hiện có"),
    ("road junction", "điểm nối trên đường"),
    ("site ", "trạm "),
)

#: Words of the monitoring table and the link types: value -> (English, Vietnamese).
STATUSES: dict[str, tuple[str, str]] = {
    "met": ("met", "đạt"),
    "not met": ("not met", "chưa đạt"),
    "no trend": ("no trend", "chưa có xu hướng"),
    "on track": ("on track", "đúng tiến độ"),
    "off track": ("off track", "chậm tiến độ"),
    "no target": ("no target", "không có mục tiêu"),
    "rising": ("rising", "tăng"),
    "falling": ("falling", "giảm"),
    "flat": ("flat", "không đổi"),
    "District": ("District", "Toàn huyện"),
    "recommended": ("recommended", "Khuyến nghị xây dựng"),  # proposals' verdicts and purposes
    "recommended with changes": ("recommended with changes", "Khuyến nghị, cần điều chỉnh"),
    "not recommended": ("not recommended", "Không khuyến nghị"),
    "coverage": ("coverage", "phủ sóng"),
    "capacity": ("capacity", "dung lượng"),
    "both": ("coverage and capacity", "phủ sóng và dung lượng"),
    "fibre": ("fibre", "cáp quang"),
    "microwave": ("microwave", "vi ba"),
    "cellular": ("cellular", "di động 4G"),
    "vsat": ("VSAT", "vệ tinh VSAT"),
    "leo": ("LEO satellite", "vệ tinh quỹ đạo thấp"),
    "none": ("none", "không có"),
    "government": ("government", "mạng chuyên dùng"),
    "district_agency": ("district agency", "cơ quan huyện"),
    "commune_office": ("commune office", "UBND xã"),
    "school": ("school", "trường học"),
    "health_station": ("health station", "trạm y tế"),
    "village": ("village", "thôn, bản"),
    "candidate": ("new site", "trạm mới"),
    "site": ("site", "trạm"),
}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a report language, else raise :class:`InputError`."""
    if lang not in LANGS:
        msg = f"language {lang!r} is not available; choose one of {', '.join(LANGS)} (e.g. --lang vi)"
        raise InputError(msg)
    return cast("Lang", lang)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[LANGS.index(lang)]


def lookup(table: dict[str, tuple[str, str]], where: str, key: str, lang: Lang,
           **fields: object) -> str:
    """The text of ``key`` in ``lang`` from an (English, Vietnamese) ``table``, fields filled in;
    ``where`` names the table in the error for a missing key."""
    try:
        pair = table[key]
    except KeyError:
        msg = f"no text for key {key!r}; add it to {where}"
        raise KeyError(msg) from None
    return _pick(pair, lang).format(**fields)


def tr(key: str, lang: Lang, **fields: object) -> str:
    """The report's text of ``key`` in ``lang``, with ``{fields}`` filled in."""
    return lookup(STRINGS, "netcover.core.i18n.STRINGS", key, lang, **fields)


def column(name: str, lang: Lang) -> str:
    """A table header in ``lang`` (the column's own name when it has no translation)."""
    if name in COLUMNS:
        return _pick(COLUMNS[name], lang)
    operator, sep, rest = name.partition("_")
    if sep and f"all_{rest}" in COLUMNS:  # per-operator statistics, e.g. Viettel_share_covered
        return f"{_pick(COLUMNS[f'all_{rest}'], lang)}: {operator}"
    return name


def word(value: object, lang: Lang, table: dict[str, tuple[str, str]] = STATUSES) -> object:
    """A table value translated through ``table`` when it is listed there, else unchanged."""
    return _pick(table[value], lang) if isinstance(value, str) and value in table else value


def place(name: str, lang: Lang) -> str:
    """A link end's name with its leading generic words translated ("site X" -> "trạm X", also
    inside brackets: "existing network (site X)")."""
    if lang == "en":
        return name
    for en, vi in PLACE_WORDS:  # at the start, or of the place in brackets
        name = re.sub(rf"(^|\(){re.escape(en)}", rf"\g<1>{vi}", name)
    return name


def fmt_number(value: float, lang: Lang, decimals: int = 0) -> str:
    """``value`` with thousands separators: 57,200.5 in English, 57.200,5 in Vietnamese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_share(value: float, lang: Lang, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage: 94.7% in English, 94,7% in Vietnamese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{fmt_number(100.0 * value, lang, decimals)}%"


def advice(text: str, lang: Lang) -> str:
    """A proposal's advice (as ``netcover evaluate`` writes it, in English) in ``lang``
    (:func:`netcover.core.sentences.translated`)."""
    from netcover.core.sentences import translated

    return translated(text, lang)


#: The data files' layers and raster contents (as the export lists them): English -> Vietnamese;
#: ``{tech}`` stands for a technology.
LISTING: dict[str, str] = {
    "units": "xã, thị trấn", "settlements": "thôn, bản", "sites": "trạm (cell)",
    "planned_links": "tuyến truyền dẫn dự kiến", "gaps": "vùng lõm sóng",
    "candidates": "vị trí ứng viên", "new_sites": "trạm mới", "proposals": "đề xuất",
    "proposal_better_places": "vị trí tốt hơn cho đề xuất", "proposal_moves": "hướng dời đề xuất",
    "best-server level {tech} (dBm)": "mức tín hiệu ô phục vụ tốt nhất {tech} (dBm)",
    "row of cells.csv": "ô phục vụ tốt nhất (dòng của cells.csv)",
    "cells within 6 dB of the best": "số ô trong phạm vi 6 dB của ô tốt nhất",
    "SINR of the best {tech} server (dB)": "SINR của ô phục vụ tốt nhất {tech} (dB)",
    "0 none, 1 weak, 2 fair, 3 good": "0 không có sóng, 1 yếu, 2 trung bình, 3 tốt",
    "smallest basic transmission loss (dB)": "suy hao truyền sóng cơ bản nhỏ nhất (dB)",
}


def listing_text(text: str, lang: Lang) -> str:
    """A layer name or raster description of the data files in ``lang`` (unchanged if unknown)."""
    if lang == "en":
        return text
    for en, vi in LISTING.items():
        pattern = re.escape(en).replace(re.escape("{tech}"), "(?P<tech>[0-9A-Za-z]+)")
        if m := re.fullmatch(pattern, text):
            return vi.format(**m.groupdict())
    return text


def assumptions_text(items: Mapping[str, str], lang: Lang) -> str:
    """The one sentence saying what coverage figures assume, from its ``items`` already in ``lang``:
    ``model``, ``diffraction``, ``service`` (level name), ``environment``, ``p`` (location
    percentage), ``time``, ``rx`` (handset height), ``land_cover`` and ``calibration``.
    :meth:`netcover.coverage.assumptions.Assumptions.sentence` fills them in."""
    return tr("assumptions", lang, **items)
