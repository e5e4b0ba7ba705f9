"""English and Vietnamese text of the interactive map and the KMZ: layer names, legends, popups.

Languages are those of the report (:data:`netcover.core.i18n.Lang`); every key has both texts, so
the two cannot drift apart (a test checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netcover.core.i18n import Lang

__all__ = ["LABELS", "class_label", "label"]

#: key -> (English, Vietnamese). ``{name}`` fields are filled by :func:`label`.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("{scenario}: mobile coverage and network plan",
              "{scenario}: vùng phủ sóng di động và phương án mạng"),
    "hillshade": ("Terrain (hillshade)", "Địa hình (bóng đổ)"),
    "online_tiles": ("Online map (OpenStreetMap)", "Bản đồ trực tuyến (OpenStreetMap)"),
    "coverage_all": ("Coverage class (best of all operators)",
                     "Cấp phủ sóng (tốt nhất của các doanh nghiệp)"),
    "coverage_op": ("Coverage class: {operator}", "Cấp phủ sóng: {operator}"),
    "signal": ("Best-server signal {tech} (dBm)", "Cường độ tín hiệu mạnh nhất {tech} (dBm)"),
    "best_server": ("Best server {tech} (cell areas)", "Ô phục vụ tốt nhất {tech}"),
    "gaps": ("Coverage gaps", "Vùng lõm sóng"),
    "sites": ("Sites and sectors", "Trạm và hướng phát sóng"),
    "new_sites": ("New sites (ranked)", "Trạm mới (theo thứ tự ưu tiên)"),
    "links_phase": ("Planned links, phase {phase}", "Tuyến truyền dẫn dự kiến, giai đoạn {phase}"),
    "communes": ("Communes: share of people covered", "Xã, thị trấn: tỷ lệ dân được phủ sóng"),
    "villages": ("Villages by coverage class", "Thôn, bản theo cấp phủ sóng"),
    "legend": ("Legend", "Chú giải"),
    "class_none": ("no usable service", "không có sóng dùng được"),
    "class_weak": ("weak", "yếu"),
    "class_fair": ("fair", "trung bình"),
    "class_good": ("good", "tốt"),
    "share_covered": ("share of people covered", "tỷ lệ dân được phủ sóng"),
    "fibre": ("fibre", "cáp quang"),
    "microwave": ("microwave", "vi ba"),
    "operator": ("operator", "doanh nghiệp"),
    "site": ("site", "trạm"),
    "height_m": ("height (m)", "độ cao (m)"),
    "azimuths": ("azimuths (°)", "góc phương vị (°)"),
    "frequencies": ("frequencies (MHz)", "tần số (MHz)"),
    "technologies": ("technologies", "công nghệ"),
    "people_served": ("people served (villages whose best server is here)",
                      "dân được phục vụ (thôn, bản có ô phục vụ tốt nhất tại trạm)"),
    "name": ("name", "tên"),
    "commune": ("commune", "xã"),
    "people": ("people", "số dân"),
    "households": ("households", "số hộ"),
    "covered_pct": ("people covered (%)", "dân được phủ sóng (%)"),
    "households_covered": ("households covered", "số hộ được phủ sóng"),
    "villages_without": ("villages without service", "thôn, bản chưa có sóng"),
    "villages_in_gap": ("villages", "thôn, bản"),
    "area_km2": ("area (km²)", "diện tích (km²)"),
    "gap": ("gap", "vùng lõm"),
    "rank": ("rank", "thứ tự"),
    "candidate": ("candidate", "vị trí"),
    "new_people": ("new people covered", "số dân được phủ thêm"),
    "cost_usd": ("cost (USD)", "chi phí (USD)"),
    "link": ("link", "tuyến"),
    "type": ("type", "loại"),
    "phase": ("phase", "giai đoạn"),
    "from": ("from", "từ"),
    "to": ("to", "đến"),
    "length_km": ("length (km)", "chiều dài (km)"),
    "class": ("coverage class", "cấp phủ sóng"),
    "boundaries": ("Commune boundaries (outside dimmed)",
                   "Ranh giới xã, thị trấn (bên ngoài làm mờ)"),
    "group_coverage": ("Coverage", "Vùng phủ sóng"),
    "group_plan": ("Plan", "Phương án"),
    "group_network": ("Network", "Mạng lưới"),
    "offline_note": ("Works offline: no map tiles are loaded.",
                     "Dùng được khi không có mạng: không tải bản đồ nền trực tuyến."),
}


def label(key: str, lang: Lang, **fields: object) -> str:
    """The map's text of ``key`` in ``lang`` with ``{fields}`` filled in."""
    from netcover.core.i18n import lookup

    return lookup(LABELS, "netcover.outputs.maps.labels.LABELS", key, lang, **fields)


def class_label(value: int, lang: Lang) -> str:
    """Name of coverage class ``value`` (0 none .. 3 good)."""
    return label(("class_none", "class_weak", "class_fair", "class_good")[value], lang)
