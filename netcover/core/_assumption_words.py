"""English and Vietnamese text of what coverage figures assume (part of
:data:`netcover.core.i18n.STRINGS`): the sentence, its items, the map legend lines and the
"uncalibrated" banner. See :mod:`netcover.coverage.assumptions`.
"""

from __future__ import annotations

__all__ = ["ASSUMPTION_COLUMNS", "ASSUMPTION_STRINGS"]

#: key -> (English, Vietnamese); ``{fields}`` are filled by :func:`netcover.core.i18n.tr`.
ASSUMPTION_STRINGS: dict[str, tuple[str, str]] = {
    "assumptions": (
        "The coverage figures assume: the {model} model, {environment} at {p}% of locations and "
        "{time}% of the time with the handset {rx} m above ground (service level {service}); "
        "{diffraction}; {land_cover}; {calibration}.",
        "Số liệu vùng phủ dựa trên giả định: mô hình {model}, {environment} tại {p}% vị trí và "
        "{time}% thời gian với máy cầm tay cao {rx} m so với mặt đất (mức dịch vụ {service}); "
        "{diffraction}; {land_cover}; {calibration}."),
    "assumptions_default": ("(The scenario file could not be read: default settings shown.)",
                            "(Không đọc được tệp kịch bản: hiển thị thiết lập mặc định.)"),
    "calibrated": ("calibrated with measurements ({techs})",
                   "đã hiệu chỉnh theo số liệu đo ({techs})"),
    "calibrated_count": ("calibrated with {n} measurements ({techs})",
                         "đã hiệu chỉnh theo {n} điểm đo ({techs})"),
    "calibrated_rmse": ("calibrated with {n} measurements (RMSE {rmse} dB after calibration; {techs})",
                        "đã hiệu chỉnh theo {n} điểm đo (RMSE sau hiệu chỉnh {rmse} dB; {techs})"),
    "uncalibrated": ("uncalibrated (not checked against measurements)",
                     "chưa hiệu chỉnh (chưa đối chiếu với số liệu đo)"),
    "banner_uncalibrated": (
        "Uncalibrated model: these coverage figures are predictions that have not been checked "
        "against measurements in this area. Calibrate the model with drive-test measurements "
        "(netcover monitor calibrate) before relying on them.",
        "Mô hình chưa hiệu chỉnh: các số liệu vùng phủ này là kết quả dự báo, chưa được đối chiếu "
        "với số liệu đo thực tế tại khu vực. Cần hiệu chỉnh mô hình bằng số liệu đo kiểm "
        "(netcover monitor calibrate) trước khi sử dụng."),
    "diffraction_bullington": ("Bullington diffraction, one equivalent edge",
                               "nhiễu xạ Bullington, một cạnh tương đương"),
    "diffraction_deygout": ("Deygout diffraction, up to 3 edges", "nhiễu xạ Deygout, tối đa 3 cạnh"),
    "diffraction_none": ("no terrain diffraction", "không tính nhiễu xạ địa hình"),
    "env_outdoor": ("outdoor reception", "thu sóng ngoài trời"),
    "env_in_car": ("in-car reception (vehicle entry loss added)",
                   "thu sóng trong xe (có cộng suy hao thân xe)"),
    "env_indoor": ("indoor reception (building entry loss of ITU-R P.2109 added)",
                   "thu sóng trong nhà (có cộng suy hao vào nhà theo ITU-R P.2109)"),
    "env_short_outdoor": ("outdoor", "ngoài trời"),
    "env_short_in_car": ("in car", "trong xe"),
    "env_short_indoor": ("indoor", "trong nhà"),
    "service_label": ("{environment}, {p}% of locations", "{environment}, {p}% vị trí"),
    "land_cover_used": ("land cover from {source} (clutter height and loss of each class)",
                        "lớp phủ mặt đất từ {source} (độ cao và suy hao của từng loại lớp phủ)"),
    "land_cover_none": ("bare earth (no land-cover layer: forest and buildings not counted)",
                        "địa hình trần (không có lớp phủ mặt đất: không tính rừng, nhà cửa)"),
    "lg_title": ("What the coverage assumes", "Giả định của vùng phủ"),
    "lg_model": ("Model: {model} ({diffraction})", "Mô hình: {model} ({diffraction})"),
    "lg_service": ("Service level: {value}", "Mức dịch vụ: {value}"),
    "lg_location": ("Locations: {p}% · time: {time}% · handset {rx} m",
                    "Tỷ lệ vị trí: {p}% · thời gian: {time}% · máy cầm tay {rx} m"),
    "lg_land_cover": ("Land cover: {value}", "Lớp phủ mặt đất: {value}"),
    "lg_calibration": ("Calibration: {value}", "Hiệu chỉnh: {value}"),
}

#: Headers of the constant ``assumed_*`` columns of the report's coverage tables (part of
#: :data:`netcover.core.i18n.COLUMNS`).
ASSUMPTION_COLUMNS: dict[str, tuple[str, str]] = {
    "assumed_model": ("Model", "Mô hình"),
    "assumed_diffraction": ("Diffraction", "Nhiễu xạ"),
    "assumed_service_level": ("Service level", "Mức dịch vụ"),
    "assumed_location_probability_pct": ("Locations served (%)", "Tỷ lệ vị trí (%)"),
    "assumed_time_percentage_pct": ("Time (%)", "Thời gian (%)"),
    "assumed_rx_height_m": ("Handset height (m)", "Độ cao máy cầm tay (m)"),
    "assumed_land_cover": ("Land cover", "Lớp phủ mặt đất"),
    "assumed_calibration": ("Calibration", "Hiệu chỉnh"),
}
