"""The dossier's bilingual text: Vietnamese first, English under it, and its numbers.

Every label of a dossier page comes from :data:`DOSSIER_STRINGS` (key -> (English, Vietnamese), as
:data:`netcover.core.i18n.STRINGS`), so the two languages cannot drift apart. A page is read by
Vietnamese district planners and by English-reading engineers at once, so each number is written
once, in one form both read: thousands apart by a space and a decimal comma (``57 200``,
``2,5 dB``), as the page's footer says. A value the scores table does not have (a column another
step adds, not written by this run) or has empty is shown as :data:`MISSING` ("—").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from netcover.core.i18n import STATUSES
from netcover.core.sentences import translated
from netcover.core.textsafe import plot_text

__all__ = [
    "DOSSIER_STRINGS", "MISSING", "PURPOSES", "SHOWN_IDS", "VERDICTS", "assumptions_line",
    "both", "explained", "id_list", "is_missing", "number", "page_label", "place_line",
    "purpose_text", "share", "text_value", "verdict_text",
]

#: Most ids of a list (the cells a capacity site relieves) a page shows; the CSV keeps them all.
SHOWN_IDS = 3

#: What a page shows for a value the scores table lacks.
MISSING = "—"

#: Labels and sentences of a dossier page: key -> (English, Vietnamese).
DOSSIER_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("Site proposal {pid}", "Đề xuất trạm {pid}"),
    "operator": ("operator {operator}", "doanh nghiệp {operator}"),
    "where": ("{place}; mast {height} m; purpose: {purpose}",
              "{place}; cột cao {height} m; mục đích: {purpose}"),
    "verdict": ("Verdict", "Kết luận"),
    "reason": ("Reason", "Lý do"),
    "map_title": ("Coverage area and what it adds", "Vùng phủ và phần phủ thêm"),
    "footprint": ("footprint", "vùng phủ"),
    "new_cells": ("people newly covered", "dân được phủ mới"),
    "proposal": ("proposal", "đề xuất"),
    "better": ("better place", "vị trí tốt hơn"),
    "sites": ("existing sites", "trạm hiện có"),
    "villages": ("villages", "thôn, bản"),
    "roads": ("roads", "đường"),
    "communes": ("commune boundaries", "ranh giới xã"),
    "no_footprint": ("footprint not available", "chưa có vùng phủ"),
    "profile_title": ("Terrain profile to {village}{outside}: {km} km, {mhz} MHz, k = 4/3",
                      "Mặt cắt địa hình đến {village}{outside}: {km} km, {mhz} MHz, k = 4/3"),
    "outside": (" (nearest village, outside the footprint)",
                " (thôn gần nhất, ngoài vùng phủ)"),
    "no_profile": ("No village to draw a profile to", "Không có thôn, bản để vẽ mặt cắt"),
    "terrain": ("terrain + earth bulge", "địa hình + độ cong trái đất"),
    "clutter": ("trees, buildings", "cây, nhà cửa"),
    "los": ("line of sight", "tầm nhìn thẳng"),
    "fresnel": ("first Fresnel zone", "miền Fresnel thứ nhất"),
    "mast": ("mast {height} m", "cột {height} m"),
    "receiver": ("receiver {height} m", "máy thu {height} m"),
    "clear": ("line of sight clear of the terrain", "tầm nhìn thẳng không bị địa hình che"),
    "blocked": ("line of sight blocked by the terrain", "tầm nhìn thẳng bị địa hình che khuất"),
    "cluttered": ("line of sight blocked by trees or buildings only",
                  "tầm nhìn thẳng chỉ bị cây cối, nhà cửa che khuất"),
    "distance": ("distance (km)", "khoảng cách (km)"),
    "height": ("height (m)", "độ cao (m)"),
    "scores": ("Scores", "Đánh giá"),
    "own": ("own network", "mạng của DN"),
    "market": ("market", "toàn thị trường"),
    "new_people": ("New people covered", "Người dân được phủ sóng mới"),
    "new_households": ("New households covered", "Hộ gia đình được phủ sóng mới"),
    "people_in_footprint": ("People in the footprint", "Dân số trong vùng phủ"),
    "overlap_share": ("Already covered (overlap)", "Đã có sóng (trùng lặp)"),
    "gaps_closed": ("Gaps closed", "Vùng lõm được xóa"),
    "screening": ("Screening figure (100 m grid)", "Số liệu sàng lọc (lưới 100 m)"),
    "cost_head": ("Cost", "Chi phí"),
    "cost": ("Cost (USD)", "Chi phí (USD)"),
    "cost_per_new_person": ("Cost per new person (USD)", "Chi phí cho mỗi người được phủ mới (USD)"),
    "cost_added": ("added to {site}: antennas and radios on its mast (its mast, road and "
                   "backhaul are there already)",
                   "lắp thêm vào trạm {site}: ăng-ten và thiết bị vô tuyến trên cột sẵn có "
                   "(cột, đường và truyền dẫn đã có)"),
    "better_head": ("Better place", "Vị trí tốt hơn"),
    "better_new_people": ("New people there", "Số người được phủ mới tại đó"),
    "extra_people": ("More than here", "Nhiều hơn so với vị trí đề xuất"),
    "capacity_head": ("Capacity", "Dung lượng"),
    "no_capacity": ("A coverage proposal: no capacity figures.",
                    "Đề xuất phủ sóng: không đánh giá dung lượng."),
    "users_offloaded": ("Busy-hour users offloaded", "Người dùng giờ cao điểm được chuyển tải"),
    "cells_offloaded": ("Cells relieved", "Các cell được giảm tải"),
    "load": ("Load of the busiest cell, before → after", "Tải của cell bận nhất, trước → sau"),
    "throughput": ("User throughput (Mbps), before → after",
                   "Tốc độ truy cập của người dùng (Mbps), trước → sau"),
    "sharing_head": ("Infrastructure sharing", "Chia sẻ hạ tầng"),
    "share_with": ("Share with", "Dùng chung với"),
    "share_distance_m": ("Distance (m)", "Khoảng cách (m)"),
    "sharing_saving": ("Saving (USD)", "Tiết kiệm (USD)"),
    "no_sharing": ("no other operator's mast or proposal within {distance} m",
                   "không có cột hay đề xuất của doanh nghiệp khác trong phạm vi {distance} m"),
    "more_ids": ("+{n} more", "+{n} khác"),
    "after_head": ("After the site is built", "Sau khi xây dựng trạm"),
    "after": ("Compare a drive test with the prediction:",
              "So sánh kết quả đo kiểm thực tế với dự báo:"),
    "writes_to": ("writes to {path}", "kết quả ghi vào {path}"),
    "measured": ("Measured at {points} points: bias {bias} dB, RMSE {rmse} dB",
                 "Đã đo tại {points} điểm: sai lệch {bias} dB, RMSE {rmse} dB"),
    "not_measured": ("No drive test compared yet.", "Chưa có kết quả đo kiểm."),
    "numbers": ("Numbers: thousands apart by a space, decimal comma (57 200; 2,5).",
                "Số liệu: hàng nghìn cách bằng dấu cách, thập phân bằng dấu phẩy (57 200; 2,5)."),
    "assumes": ("Figures of netcover evaluate; own network: against the proposer's sites only; "
                "market: against all operators' coverage.",
                "Số liệu của netcover evaluate; mạng của DN: so với các trạm của chính doanh "
                "nghiệp đề xuất; toàn thị trường: so với vùng phủ của mọi doanh nghiệp."),
    "page": ("page {n} of {total}", "trang {n}/{total}"),
}

#: The verdicts of the scores table (column ``verdict``): value -> (English, Vietnamese), as the
#: report's tables say them (:data:`netcover.core.i18n.STATUSES`).
VERDICTS: dict[str, tuple[str, str]] = {
    k: STATUSES[k] for k in ("recommended", "recommended with changes", "not recommended")}

#: The purposes of a proposal (column ``purpose``): value -> (English, Vietnamese).
PURPOSES: dict[str, tuple[str, str]] = {k: STATUSES[k] for k in ("coverage", "capacity", "both")}


def both(key: str, **fields: object) -> tuple[str, str]:
    """The (Vietnamese, English) text of ``key``, fields filled in."""
    en, vi = DOSSIER_STRINGS[key]
    return vi.format(**fields), en.format(**fields)


def is_missing(value: object) -> bool:
    """Whether a table value is absent: None, NaN or empty text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def number(value: object, decimals: int = 0) -> str:
    """A number as the page writes it (``57 200``, ``2,5``), or :data:`MISSING`."""
    if is_missing(value):
        return MISSING
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    return f"{v:,.{decimals}f}".replace(",", "\u00a0").replace(".", ",")


def share(value: object) -> str:
    """A share in [0, 1] as a whole percentage (``42%``), or :data:`MISSING`."""
    if is_missing(value):
        return MISSING
    text = number(100.0 * float(value))  # type: ignore[arg-type]
    return MISSING if text == MISSING else f"{text}%"


def text_value(row: Mapping[str, Any], column: str) -> str:
    """A text column of the scores table, plain (never mathtext), or :data:`MISSING`."""
    value = row.get(column)
    return MISSING if is_missing(value) else plot_text(str(value))


def id_list(value: object, shown: int = SHOWN_IDS) -> str:
    """A ``;``-separated list of ids as a page shows it: the first ``shown``, then how many more
    ("+3 khác / more"), or :data:`MISSING`."""
    if is_missing(value):
        return MISSING
    ids = [plot_text(i.strip()) for i in str(value).split(";") if i.strip()]
    if not ids:
        return MISSING
    text = "; ".join(ids[:shown])
    if len(ids) > shown:
        vi, en = both("more_ids", n=len(ids) - shown)
        text += f" ({vi} / {en.lstrip('+')})"
    return text


def verdict_text(value: object) -> tuple[str, str]:
    """The (Vietnamese, English) verdict; an unknown one as it is, an absent one as "—"."""
    if is_missing(value):
        return MISSING, MISSING
    en, vi = VERDICTS.get(str(value), (str(value), str(value)))
    return vi, en


def purpose_text(value: object) -> tuple[str, str]:
    """The (Vietnamese, English) purpose of a proposal (absent: coverage, the default)."""
    key = "coverage" if is_missing(value) else str(value)
    en, vi = PURPOSES.get(key, (key, key))
    return vi, en


def explained(value: object) -> tuple[str, str]:
    """An explanation of the scores table (``advice``, ``verdict_reason``, ``sharing``: English)
    as (Vietnamese, English) plain text (:func:`netcover.core.sentences.translated`), or "—"."""
    if is_missing(value):
        return MISSING, MISSING
    en = str(value)
    return plot_text(translated(en, "vi", thousands="\u00a0")), plot_text(en)


def place_line(lon: object, lat: object) -> str:
    """Coordinates as ``104.98193°E 23.10867°N`` (degrees, points: they are not amounts)."""
    if is_missing(lon) or is_missing(lat):
        return MISSING
    return f"{float(lon):.5f}°E {float(lat):.5f}°N"  # type: ignore[arg-type]


def page_label(n: int, total: int) -> str:
    """"trang 1/6 · page 1 of 6"."""
    vi, en = both("page", n=n, total=total)
    return f"{vi} · {en}"


def assumptions_line(coverage: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """The footer's sentences (Vietnamese, English): what the figures are, what the coverage
    they are counted on assumes (``coverage``: that sentence in each language), and how numbers
    are written."""
    a_vi, a_en = both("assumes")
    n_vi, n_en = both("numbers")
    return (" ".join(t for t in (a_vi, coverage[0], n_vi) if t),
            " ".join(t for t in (a_en, coverage[1], n_en) if t))

