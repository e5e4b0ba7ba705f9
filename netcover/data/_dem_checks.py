"""Is a raster plausibly ground heights? Checks :func:`netcover.data.terrain.read_dem` runs on a DEM.

Refused, with the reason and the fix: a rendered image (three or more bands, an image format such as
PNG or JPEG, an 8-bit band with a colour table or reaching 255, whole numbers spanning exactly 0-255
in a wider type) and heights outside :data:`HEIGHT_RANGE_M`. Read as nodata, with a warning: SRTM
voids (-32768 in 16-bit files without a nodata tag) and the float maximum (about 3.4e38) used as
nodata. An 8-bit DEM that passes (a genuine low, flat area) gets a warning, since it cannot hold
heights above 255 m.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from netcover.errors import Problem, ValidationError

#: Heights a DEM on Earth can hold (m): the Dead Sea shore to above Everest.
HEIGHT_RANGE_M = (-500.0, 9000.0)
#: Raster formats that hold pictures, not heights.
_IMAGE_DRIVERS = frozenset({"PNG", "JPEG", "GIF", "BMP", "WEBP"})
#: The void value of SRTM and other 16-bit DEMs.
SRTM_VOID = -32768
#: Values at or beyond this magnitude are the float maximum written as nodata.
_FLOAT_NODATA = 1e38
_EXPORT_FIX = ("use the height file itself (e.g. SRTM or Copernicus GLO-30 GeoTIFF/.hgt), or export "
               "the heights as an Int16 or Float32 GeoTIFF (QGIS: Raster > Conversion > Translate "
               "of the original DEM), not a rendered, coloured or hillshaded image")


def check_not_an_image(src: Any, path: Path) -> None:
    """Refuse a raster that is a picture (an open rasterio dataset) before reading its values.

    Raises
    ------
    ValidationError
        Three or more bands, an image format, or an 8-bit band with a colour table.
    """
    dtype, bands = str(src.dtypes[0]), int(src.count)
    why = ""
    if bands >= 3:
        why = f"it has {bands} bands of {dtype} values: an RGB(A) image, not one band of heights"
    elif src.driver in _IMAGE_DRIVERS:
        why = f"it is a {src.driver} image ({bands} band(s) of {dtype})"
    elif dtype == "uint8" and _has_colour_table(src):
        why = "it is an 8-bit band with a colour table: a rendered map, not heights"
    if why:
        raise ValidationError([Problem(str(path), f"not a DEM: {why}; {_EXPORT_FIX}")])


def _has_colour_table(src: Any) -> bool:
    from rasterio.enums import ColorInterp

    try:
        src.colormap(1)
    except ValueError:
        return bool(src.colorinterp and src.colorinterp[0] == ColorInterp.palette)
    return True


def _whole(values: np.ndarray) -> bool:
    return bool(np.all(values == np.round(values)))


def plausible_heights(data: np.ma.MaskedArray, *, dtype: str, nodata: float | None, bands: int,
                      path: Path) -> tuple[np.ma.MaskedArray, list[Problem]]:
    """Mask nodata written as values, refuse implausible heights; return the data and warnings.

    Parameters
    ----------
    data : numpy.ma.MaskedArray
        Band 1 as read (float32), nodata of the file's tag already masked.
    dtype, nodata, bands : str, float or None, int
        The file's data type, nodata tag and number of bands.
    path : Path
        The file (for the messages).

    Raises
    ------
    ValidationError
        Values no DEM holds (with the number of cells, the extremes and the fix).
    """
    label = str(path)
    warnings: list[Problem] = []
    if bands == 2:
        warnings.append(Problem(label, "the DEM has 2 bands; band 1 is read as heights",
                                severity="warning"))
    values = data.filled(np.nan)
    sentinels = [(values == SRTM_VOID, f"{SRTM_VOID} (the SRTM void value)", f"{SRTM_VOID}")
                 ] if nodata is None and dtype == "int16" else []
    sentinels.append((np.abs(values) >= _FLOAT_NODATA, "+-3.4e38 (the float maximum used as "
                      "nodata)", "-3.4028235e+38"))
    for hit, what, value in sentinels:
        n = int(hit.sum())
        if n:
            data = np.ma.masked_where(hit, data)
            warnings.append(Problem(label, f"{n} cells hold {what} without a matching nodata tag; "
                                    "they are read as nodata (set the tag once: gdal_edit.py "
                                    f"-a_nodata {value} {path.name})", severity="warning"))
    valid = data.compressed()
    if valid.size == 0:
        return data, warnings
    low, high = HEIGHT_RANGE_M
    out = (valid < low) | (valid > high)
    if out.any():
        msg = (f"{int(out.sum())} cells hold values outside {low:g}..{high:g} m (lowest "
               f"{valid.min():g}, highest {valid.max():g}), which are not ground heights; if they "
               f"are nodata, set the file's nodata value (gdal_edit.py -a_nodata VALUE "
               f"{path.name}); if the DEM is in feet or centimetres, convert it to metres")
        raise ValidationError([Problem(label, msg)])
    if dtype != "uint8" and valid.min() == 0 and valid.max() == 255 and _whole(valid):
        msg = (f"not a DEM: whole numbers spanning exactly 0-255 are an 8-bit image stored as "
               f"{dtype}, not heights; {_EXPORT_FIX}")
        raise ValidationError([Problem(label, msg)])
    if dtype == "uint8":
        if valid.max() >= 255:
            msg = (f"not a DEM: 8-bit values reaching 255 (range {valid.min():g}-{valid.max():g}) "
                   f"are an image or heights clipped at 255 m; {_EXPORT_FIX}")
            raise ValidationError([Problem(label, msg)])
        warnings.append(Problem(label, f"the DEM is 8-bit (heights {valid.min():g}-{valid.max():g} "
                                "m; it cannot hold heights above 255 m); check that it is a DEM "
                                "of a low area and not an image", severity="warning"))
    return data, warnings
