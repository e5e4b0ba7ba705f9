"""The terrain model: a DEM read from GeoTIFF or SRTM ``.hgt``, in a metric UTM grid, hole-free.

netcover works in metres. A DEM in geographic coordinates (SRTM tiles) or in another projected CRS
is warped to the working UTM zone at about its own resolution; nodata holes are filled from their
neighbours (a warning says how many), or rejected above a share the scenario sets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

from netcover.core.io import open_raster
from netcover.core.notes import Note
from netcover.errors import CRSError, Problem, ValidationError

if TYPE_CHECKING:
    from netcover.config.landcover import LandCoverTable

__all__ = [
    "COARSE_DEM_M", "WINDOW_MARGIN_M", "Terrain", "dem_notes", "fill_holes", "grid_bounds", "hillshade",
    "read_dem", "utm_crs_for", "within", "working_crs", "working_grid",
]

_EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class Terrain:
    """Ground heights on a north-up grid of square cells in a metric CRS.

    Attributes
    ----------
    heights : numpy.ndarray
        float32 (rows, cols), metres above sea level, no NaN.
    transform : affine.Affine
        Maps (col, row) to the cell's upper-left corner in ``crs``.
    crs : pyproj.CRS
        A projected CRS in metres (the working UTM zone).
    source : Path or None
        File the DEM was read from.
    filled_cells : int
        How many nodata cells of the source were filled.
    grid_origin, offset : (float, float) or None, (int, int)
        For a window of a larger grid (a tile of a large area): that grid's origin and the window's
        (row, col) in it. Fractional positions (:meth:`fractional_index`) are measured in that grid
        and then shifted, so a window gives the same positions, bit for bit, as the whole grid.
    clutter_m : numpy.ndarray or None
        float32 (rows, cols): representative clutter height of each cell's land cover (m), added
        to the terrain at the intermediate points of a path profile (ITU-R P.1812 section 3.2);
        None when no land-cover layer is given.
    landcover : numpy.ndarray or None
        int16 (rows, cols): land-cover class code of each cell; None when no layer is given.
    landcover_classes : LandCoverTable or None
        What the codes of ``landcover`` mean (heights, P.2108 categories, extra losses); given
        with ``landcover`` (see :func:`netcover.data.landcover.with_landcover`).
    """

    heights: np.ndarray
    transform: Affine
    crs: CRS
    source: Path | None = None
    filled_cells: int = 0
    grid_origin: tuple[float, float] | None = None
    offset: tuple[int, int] = (0, 0)
    clutter_m: np.ndarray | None = None
    landcover: np.ndarray | None = None
    landcover_classes: LandCoverTable | None = None

    def window(self, row: int, col: int, rows: int, cols: int) -> Terrain:
        """The cells ``[row:row + rows, col:col + cols]`` (views) with every per-cell layer, placed
        in the same grid (``grid_origin`` and ``offset``) so positions stay bit for bit the same."""
        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[row:row + rows, col:col + cols]

        return dataclasses.replace(
            self, heights=self.heights[row:row + rows, col:col + cols],
            transform=self.transform @ Affine.translation(col, row), grid_origin=self.index_origin,
            offset=(self.offset[0] + row, self.offset[1] + col), clutter_m=cut(self.clutter_m),
            landcover=cut(self.landcover))

    @property
    def cell_size(self) -> float:
        """Cell size in metres."""
        return float(self.transform.a)

    @property
    def origin_xy(self) -> tuple[float, float]:
        """(x of the left edge, y of the top edge)."""
        return float(self.transform.c), float(self.transform.f)

    @property
    def index_origin(self) -> tuple[float, float]:
        """Origin of the grid that fractional positions are measured in (see ``grid_origin``)."""
        return self.grid_origin if self.grid_origin is not None else self.origin_xy

    def grid_position(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of points in the grid of ``index_origin``, cell centres at integers.

        Subtract a whole offset from these in one step (as :meth:`fractional_index` does) to get
        positions that do not depend on which window of the grid is in memory.
        """
        left, top = self.index_origin
        row = (top - np.asarray(y, float)) / self.cell_size - 0.5
        col = (np.asarray(x, float) - left) / self.cell_size - 0.5
        return row, col

    def fractional_index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of points in this array, cell centres at integers."""
        row, col = self.grid_position(x, y)
        return row - self.offset[0], col - self.offset[1]

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        rows, cols = self.heights.shape
        return int(rows), int(cols)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in metres."""
        return grid_bounds(self.transform, self.shape)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (metres, in ``crs``) fall inside the grid."""
        return within(self.bounds, x, y)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinearly interpolated ground height at points inside the grid (NaN outside)."""
        from scipy.ndimage import map_coordinates

        x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
        row, col = self.fractional_index(x, y)
        out = map_coordinates(self.heights, [row, col], order=1, mode="nearest")
        return np.where(self.contains(x, y), out, np.nan)


def grid_bounds(transform: Affine, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a north-up grid of square cells."""
    left, top, size = float(transform.c), float(transform.f), float(transform.a)
    rows, cols = shape
    return left, top - rows * size, left + cols * size, top


def within(bounds: tuple[float, float, float, float], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether points fall inside ``bounds`` (left and top edges included, as cells own them)."""
    left, bottom, right, top = bounds
    x, y = np.asarray(x), np.asarray(y)
    return (x >= left) & (x < right) & (y > bottom) & (y <= top)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS (EPSG:326xx north, 327xx south) containing a point."""
    if not (-180 <= lon <= 180 and -80 <= lat <= 84):
        msg = f"({lon}, {lat}) is not a lon/lat inside the UTM range; check the data's CRS"
        raise CRSError(msg)
    zone = min(int((lon + 180) // 6) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def working_crs(setting: str, src_crs: CRS, bounds: tuple[float, float, float, float]) -> CRS:
    """Resolve the scenario's ``crs`` setting ("auto" or a CRS string) against a DEM's extent."""
    if setting != "auto":
        try:
            crs = CRS.from_user_input(setting)
        except Exception as exc:
            msg = f"scenario.crs={setting!r} is not a CRS pyproj knows; use 'auto' or e.g. 'EPSG:32648'"
            raise CRSError(msg) from exc
        if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
            msg = f"scenario.crs={setting!r} is not a projected CRS in metres; use 'auto' or a UTM zone"
            raise CRSError(msg)
        return crs
    to_ll = Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    return utm_crs_for(lon, lat)


#: A DEM with cells coarser than this (m) smooths away the valleys that shadow villages.
COARSE_DEM_M = 100.0
#: Read around the sites and units: the coverage radius plus this margin (m).
WINDOW_MARGIN_M = 2_000.0


def read_dem(
    path: str | Path, *, crs_setting: str = "auto", max_nodata_share: float = 0.02,
    area: tuple[float, float, float, float] | None = None, radius_m: float = 0.0,
) -> tuple[Terrain, list[Problem]]:
    """Read a DEM (GeoTIFF, SRTM ``.hgt`` or any raster GDAL reads) into the working UTM grid.

    Parameters
    ----------
    path : str or Path
        The DEM file.
    crs_setting : str
        "auto" (UTM zone of the centre of the DEM, or of the window read) or a projected CRS.
    max_nodata_share : float
        Nodata holes up to this share of the cells are filled (with a warning); above it, an error.
    area : (west, south, east, north) or None
        Lon/lat (WGS84) bounds of what the run needs (sites and units). When the DEM holds more
        than twice the cells of this area plus ``radius_m`` plus :data:`WINDOW_MARGIN_M` (a whole
        SRTM tile for a district), only that window is read (with a warning); otherwise the whole
        DEM, as without ``area``.
    radius_m : float
        The coverage radius (m) added around ``area``.

    Returns
    -------
    (Terrain, list of Problem)
        The terrain and the warnings raised while reading it (holes filled, nodata values without
        a tag, a window read, cells coarser than :data:`COARSE_DEM_M`).

    Raises
    ------
    DataFileError, CRSError, ValidationError
        Unreadable file, missing CRS, too many holes, or a raster that is not heights (an image,
        values outside -500..9000 m).
    """
    from rasterio.transform import array_bounds

    from netcover.data._dem_checks import check_not_an_image, plausible_heights

    warnings: list[Problem] = []
    with open_raster(path, "DEM") as src:
        p = Path(src.name)
        check_not_an_image(src, p)
        src_crs = CRS.from_user_input(src.crs)
        window = _needed_window(src, src_crs, area, radius_m + WINDOW_MARGIN_M) if area else None
        data = src.read(1, masked=True, window=window).astype("float32")
        src_transform = src.transform if window is None else src.window_transform(window)
        dtype, nodata, bands = str(src.dtypes[0]), src.nodata, int(src.count)
        if window is not None:
            warnings.append(Problem(str(p), f"read {window.width} x {window.height} of the DEM's "
                                    f"{src.width} x {src.height} cells: the sites and units plus "
                                    f"the coverage radius and {WINDOW_MARGIN_M / 1000:g} km",
                                    severity="warning"))
    src_bounds = array_bounds(*data.shape, src_transform)
    data, found = plausible_heights(data, dtype=dtype, nodata=nodata, bands=bands, path=p)
    warnings += found
    holes = np.ma.getmaskarray(data) | ~np.isfinite(data.filled(np.nan))
    share = float(holes.mean())
    if holes.all():
        raise ValidationError([Problem(str(p), "the DEM has no valid height; export it again")])
    if share > max_nodata_share:
        msg = (f"{share:.1%} of the DEM is nodata, above validation.max_nodata_share="
               f"{max_nodata_share:g}; use a complete DEM or raise the share in the scenario")
        raise ValidationError([Problem(str(p), msg)])
    heights = data.filled(np.nan)
    if holes.any():
        heights = fill_holes(heights)
        warnings.append(Problem(str(p), f"filled {int(holes.sum())} nodata cells ({share:.2%}) "
                                "from their neighbours", severity="warning"))
    target = working_crs(crs_setting, src_crs, src_bounds)
    if target != src_crs or not _is_square_north_up(src_transform):
        heights, transform = _warp(heights, src_transform, src_crs, target)
    else:
        transform = src_transform
    terrain = Terrain(heights, transform, target, p, int(holes.sum()))
    if terrain.cell_size > COARSE_DEM_M:
        warnings.append(Problem(str(p), f"the DEM's cells are {terrain.cell_size:.0f} m, coarser "
                                f"than {COARSE_DEM_M:.0f} m: valleys and ridges smaller than a cell "
                                "are smoothed away, so coverage is optimistic; use a 30 m DEM "
                                "(SRTM 1\" or Copernicus GLO-30) for planning", severity="warning"))
    return terrain, warnings


def dem_notes(terrain: Terrain) -> list[Note]:
    """Notes on what figures computed on ``terrain`` assume (a ``coarse_dem`` note or none)."""
    if terrain.cell_size <= COARSE_DEM_M:
        return []
    cell = round(terrain.cell_size)
    return [Note("coarse_dem", f"The DEM's cells are {cell} m (coarser than {COARSE_DEM_M:.0f} m): "
                 "terrain shadows smaller than a cell are missed, so coverage is optimistic.",
                 {"cell_m": cell})]


def _needed_window(src: Any, src_crs: CRS, area: tuple[float, float, float, float],
                   margin_m: float) -> Any:
    """The source window holding ``area`` (lon/lat) plus ``margin_m``, or None to read it all."""
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    west, south, east, north = transform_bounds("EPSG:4326", src_crs, *area, densify_pts=21)
    if src_crs.is_geographic:
        lat = np.radians(np.clip(max(abs(south), abs(north)), 0.0, 89.0))
        mx, my = margin_m / (_EARTH_M_PER_DEG * np.cos(lat)), margin_m / _EARTH_M_PER_DEG
    else:
        mx = my = margin_m
    win = from_bounds(west - mx, south - my, east + mx, north + my, transform=src.transform)
    c0, r0 = max(int(np.floor(win.col_off)), 0), max(int(np.floor(win.row_off)), 0)
    c1 = min(int(np.ceil(win.col_off + win.width)), src.width)
    r1 = min(int(np.ceil(win.row_off + win.height)), src.height)
    if c1 <= c0 or r1 <= r0 or 2 * (c1 - c0) * (r1 - r0) > src.width * src.height:
        return None  # outside (the checks that follow say so) or not much smaller: read it all
    return Window(c0, r0, c1 - c0, r1 - r0)


def fill_holes(heights: np.ndarray) -> np.ndarray:
    """Fill NaN cells: inverse-distance from the edges of each hole, nearest value as fallback."""
    from rasterio.fill import fillnodata
    from scipy.ndimage import distance_transform_edt

    valid = np.isfinite(heights)
    out = fillnodata(np.where(valid, heights, 0).astype("float32"), mask=valid.astype("uint8"),
                     max_search_distance=100)
    still = ~valid & (out == 0)
    if still.any():
        idx = distance_transform_edt(~valid, return_distances=False, return_indices=True)
        out = np.where(still, heights[tuple(idx)], out)
    return out.astype("float32")


def _is_square_north_up(t: Affine) -> bool:
    return bool(t.b == 0 and t.d == 0 and t.a > 0 and np.isclose(t.a, -t.e))


def working_grid(src_transform: Affine, src_crs: CRS, width: int, height: int,
                 target: CRS) -> tuple[Affine, tuple[int, int], bool]:
    """The working grid of a DEM: (transform, (rows, cols), whether it must be warped).

    The DEM's own grid when it is already in ``target`` with square north-up cells; otherwise the
    grid GDAL suggests in ``target`` at about the source resolution (in metres, rounded to 1 m).
    """
    from rasterio.warp import calculate_default_transform

    if target == src_crs and _is_square_north_up(src_transform):
        return src_transform, (height, width), False
    left, top = src_transform.c, src_transform.f
    right, bottom = left + src_transform.a * width, top + src_transform.e * height
    res = _resolution_m(src_transform, src_crs, (left + right) / 2, (top + bottom) / 2)
    dst_transform, w, h = calculate_default_transform(
        src_crs, target, width, height, left, bottom, right, top, resolution=res)
    return dst_transform, (int(h), int(w)), True


def _warp(
    heights: np.ndarray, transform: Affine, src_crs: CRS, dst_crs: CRS
) -> tuple[np.ndarray, Affine]:
    """Warp to ``dst_crs`` on :func:`working_grid` (bilinear), edges filled."""
    from rasterio.warp import Resampling, reproject

    rows, cols = heights.shape
    dst_transform, (height, width), _ = working_grid(transform, src_crs, cols, rows, dst_crs)
    out = np.full((height, width), np.nan, dtype="float32")
    reproject(heights, out, src_transform=transform, src_crs=src_crs, dst_transform=dst_transform,
              dst_crs=dst_crs, resampling=Resampling.bilinear, src_nodata=np.nan,
              dst_nodata=np.nan)
    if not np.isfinite(out).all():
        out = fill_holes(out)
    return out, dst_transform


def _resolution_m(transform: Affine, crs: CRS, x: float, y: float) -> float:
    """Cell size in metres, rounded to 1 m: degrees converted at the DEM's centre latitude."""
    if crs.is_geographic:
        size = abs(transform.a) * _EARTH_M_PER_DEG * np.cos(np.radians(y))
    else:
        size = abs(transform.a)
    return float(max(1.0, round(size)))


def hillshade(heights: np.ndarray, cell_size: float, *, azimuth_deg: float = 315.0,
              altitude_deg: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
    """Lambertian hillshade of a north-up height grid, in [0, 1] (1 = facing the sun).

    Parameters
    ----------
    heights : numpy.ndarray
        (rows, cols) heights in metres; row 0 is the north edge. Not modified.
    cell_size : float
        Cell size in metres.
    azimuth_deg, altitude_deg : float
        Direction of the light (clockwise from north) and its height above the horizon.
    z_factor : float
        Vertical exaggeration.
    """
    z = np.asarray(heights, dtype="float64") * z_factor
    dz_dy, dz_dx = np.gradient(z, cell_size)  # rows run south, so -dz_dy is the northward slope
    slope = np.arctan(np.hypot(dz_dx, dz_dy))
    aspect = np.arctan2(-dz_dx, dz_dy)  # direction the slope faces, clockwise from north
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0)
