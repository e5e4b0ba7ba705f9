"""Numba kernels that sample the DEM for the area engine: bilinear heights, radials, disc cells, and
how many radial samples and exact tail points each receiver's profile takes.

A cell's profile in the area engine (:mod:`._radial`) is the prefix of the radial nearest to its
bearing (samples 0..m, :func:`prefix_count`), then its last ``n_tail`` steps sampled on the cell's
own straight line from the site (:func:`tail_count` of them), then the cell's own ground. All
kernels are pure: arrays in, new arrays out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["INT_COL", "INT_INDEX", "INT_PREFIX", "INT_ROW", "INT_TAIL", "VAL_D", "VAL_GROUND",
           "VAL_SLANT", "bilinear_height", "bilinear_pair", "borrowed", "cell_geometry",
           "disc_cells", "prefix_count", "radial_disc", "radial_heights", "radial_into", "radial_of",
           "radial_pair", "sort_by_prefix", "tail_count"]


@intrinsic
def _borrowed(typingctx: Any, arr: Any) -> tuple[Any, Any] | None:
    """(numba only; :func:`borrowed`) A view of the array ``arr`` that does not own it: the same
    data, shape and strides, without its memory-info pointer (nor its Python parent).

    Numba counts the references of every array a kernel takes, and of every view of it, with
    atomic operations on the owner's count, a few per receiver in the area engine's loop; on a view
    without an owner the count is a test of a null pointer. Borrow only an array the kernel
    received as an argument (its caller holds it for the whole call; numba frees a local array
    after its last use, however long a view without an owner lives), and never return the view
    (nor a view of it).
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        view = context.make_array(sig.args[0])(context, builder, value=args[0])
        view.meminfo = cgutils.get_null_value(view.meminfo.type)
        view.parent = cgutils.get_null_value(view.parent.type)
        return view._getvalue()

    return arr(arr), codegen


#: :func:`_borrowed` as the kernels call it: ``view = borrowed(arr)``.
borrowed = cast("Callable[[np.ndarray], np.ndarray]", _borrowed)


@njit(cache=True, inline="always")
def _bilinear_corner(nr: int, nc: int, row: float, col: float) -> tuple[int, int, float, float]:
    """Top-left corner (r0, c0) of the bilinear cell of a fractional index and the fractions
    (fr, fc) within it, indices beyond the outermost cell centres clamped to the edge."""
    r = min(max(row, 0.0), nr - 1.0)
    c = min(max(col, 0.0), nc - 1.0)
    r0 = min(int(r), nr - 2)
    c0 = min(int(c), nc - 2)
    return r0, c0, r - r0, c - c0


@njit(cache=True, inline="always")
def _bilinear_at(dem: np.ndarray, r0: int, c0: int, fr: float, fc: float) -> float:
    """Bilinear value of ``dem`` in the cell with top-left corner (r0, c0) at fractions (fr, fc)."""
    top = dem[r0, c0] * (1.0 - fc) + dem[r0, c0 + 1] * fc
    bottom = dem[r0 + 1, c0] * (1.0 - fc) + dem[r0 + 1, c0 + 1] * fc
    return top * (1.0 - fr) + bottom * fr


@njit(cache=True, nogil=True)
def bilinear_height(dem: np.ndarray, row: float, col: float) -> float:
    """Height at fractional cell index (``row``, ``col``; cell centres at integers), bilinear.

    The DEM has at least 2 x 2 cells. Indices beyond the outermost cell centres take the edge value:
    that covers the outer half cell of the DEM, and the fraction of a cell by which a radial to an
    edge cell may pass outside the DEM.
    """
    r0, c0, fr, fc = _bilinear_corner(dem.shape[0], dem.shape[1], row, col)
    return _bilinear_at(dem, r0, c0, fr, fc)


@njit(cache=True, nogil=True)
def bilinear_pair(dem: np.ndarray, layer: np.ndarray, row: float,
                  col: float) -> tuple[float, float]:
    """:func:`bilinear_height` of ``dem`` and of ``layer`` (same shape) at one point, the cell
    and its fractions found once: each value equal, bit for bit, to its own call."""
    r0, c0, fr, fc = _bilinear_corner(dem.shape[0], dem.shape[1], row, col)
    return _bilinear_at(dem, r0, c0, fr, fc), _bilinear_at(layer, r0, c0, fr, fc)


@njit(cache=True, inline="always")
def _radial_step(j: int, n_bearings: int, step_cells: float) -> tuple[float, float]:
    """(row, column) step of radial j (bearing 2 pi j / n, clockwise from north)."""
    theta = 2.0 * math.pi * j / n_bearings
    return -math.cos(theta) * step_cells, math.sin(theta) * step_cells


@njit(cache=True, inline="always")
def radial_into(dem: np.ndarray, layer: np.ndarray, has_layer: bool, row0: float, col0: float,
                j: int, n_bearings: int, step_cells: float, out: np.ndarray,
                out_layer: np.ndarray) -> None:
    """Radial j of :func:`radial_heights` into ``out`` (its ``out.size`` samples), and with
    ``has_layer`` that of ``layer`` (:func:`radial_pair`) into ``out_layer``."""
    nr, nc = dem.shape
    dr, dc = _radial_step(j, n_bearings, step_cells)
    for k in range(out.size):
        r0, c0, fr, fc = _bilinear_corner(nr, nc, row0 + k * dr, col0 + k * dc)
        out[k] = _bilinear_at(dem, r0, c0, fr, fc)
        if has_layer:
            out_layer[k] = _bilinear_at(layer, r0, c0, fr, fc)


@njit(cache=True, parallel=True, nogil=True)
def radial_heights(dem: np.ndarray, row0: float, col0: float, n_bearings: int, n_samples: int,
                   step_cells: float) -> np.ndarray:
    """Ground heights along ``n_bearings`` radials (bearing j = 2 pi j / n, clockwise from north).

    Sample k of a radial lies ``k * step_cells`` cell sizes from the site at (``row0``, ``col0``).
    Returns a float64 array (n_bearings, n_samples).
    """
    out = np.empty((n_bearings, n_samples))
    for j in prange(n_bearings):
        radial_into(dem, dem, False, row0, col0, j, n_bearings, step_cells, out[j], out[j])
    return out


@njit(cache=True, parallel=True, nogil=True)
def radial_pair(dem: np.ndarray, layer: np.ndarray, row0: float, col0: float, n_bearings: int,
                n_samples: int, step_cells: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`radial_heights` of ``dem`` and of ``layer`` (same shape, e.g. clutter heights) in one
    pass: each array equal, bit for bit, to its own call."""
    out = np.empty((n_bearings, n_samples))
    out_layer = np.empty((n_bearings, n_samples))
    for j in prange(n_bearings):
        radial_into(dem, layer, True, row0, col0, j, n_bearings, step_cells, out[j], out_layer[j])
    return out, out_layer


@njit(cache=True, nogil=True)
def disc_cells(grid: np.ndarray, row_off: int, col_off: int, n_rows: int, n_cols: int,
               row0: float, col0: float, radius_cells: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cells of an (n_rows, n_cols) window whose centre lies within ``radius_cells`` of a point.

    The window is at (``row_off``, ``col_off``) of ``grid`` (heights), the point at fractional index
    (``row0``, ``col0``) of the window. Returns, in one pass over the window, the cells' flat indices
    in the window (row-major, int64), bearings from the point (radians clockwise from north, in
    [0, 2 pi)), distances (cell sizes), ground heights (from ``grid``) and (row, column) in ``grid``
    (float64).
    """
    r2 = radius_cells * radius_cells
    n = 0
    for r in range(n_rows):  # count first, so the arrays are allocated at their size
        dy = row0 - r
        for c in range(n_cols):
            dx = c - col0
            if dx * dx + dy * dy <= r2:
                n += 1
    idx = np.empty(n, dtype=np.int64)
    bearing = np.empty(n)
    dist = np.empty(n)
    ground = np.empty(n)
    rows = np.empty(n)
    cols = np.empty(n)
    n = 0
    for r in range(n_rows):
        dy = row0 - r
        for c in range(n_cols):
            dx = c - col0
            if dx * dx + dy * dy <= r2:
                idx[n] = r * n_cols + c
                b = math.atan2(dx, dy)
                bearing[n] = b + 2.0 * math.pi if b < 0.0 else b
                dist[n] = math.sqrt(dx * dx + dy * dy)
                ground[n] = grid[r + row_off, c + col_off]
                rows[n] = r + row_off
                cols[n] = c + col_off
                n += 1
    return idx, bearing, dist, ground, rows, cols


@njit(cache=True, nogil=True)
def cell_geometry(bearing: np.ndarray, dist_cells: np.ndarray, ground: np.ndarray,
                  bearing_scale: float, cell_size_m: float, min_distance_m: float,
                  rx_height_m: float, site_amsl: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell, in one pass: the bearing in units of the radial spacing (``bearing`` times
    ``bearing_scale``), the horizontal distance (km; at least ``min_distance_m``) and the slant
    distance (km) from the antenna at ``site_amsl`` to one ``rx_height_m`` above the cell's
    ``ground``: the values, bit for bit, of the same operations on whole arrays in NumPy."""
    n = bearing.size
    units = np.empty(n)
    horiz_km = np.empty(n)
    slant_km = np.empty(n)
    for i in range(n):
        units[i] = bearing[i] * bearing_scale
        horiz_m = max(dist_cells[i] * cell_size_m, min_distance_m)
        horiz_km[i] = horiz_m / 1000.0
        slant_km[i] = math.hypot(horiz_m, site_amsl - (ground[i] + rx_height_m)) / 1000.0
    return units, horiz_km, slant_km


#: Columns of the receivers' values in the radial order (:func:`radial_disc`, ``_radial_order``):
#: distance (km), ground (m), slant distance (km, :func:`radial_disc` only).
VAL_D, VAL_GROUND, VAL_SLANT = 0, 1, 2
#: Columns of the receivers' integers in the radial order: index, prefix m, tail points nt, row
#: and column in the grid (``_N_INTS`` columns).
INT_INDEX, INT_PREFIX, INT_TAIL, INT_ROW, INT_COL = 0, 1, 2, 3, 4
_N_INTS = 5


@njit(cache=True, inline="always")
def radial_of(bearing: float, n_bearings: int) -> int:
    """The radial nearest to a bearing in units of the radial spacing."""
    return math.floor(bearing + 0.5) % n_bearings


@njit(cache=True, inline="always")
def _cell_distance(dx: float, dy: float, cell_size_m: float, min_distance_m: float,
                   step_km: float, n_tail: int, n_samples: int) -> tuple[float, float, int, int]:
    """(horizontal distance in m and in km, prefix m, tail count nt) of a cell (dx, dy) cells
    from the site, as the area engine computes them."""
    horiz_m = max(math.sqrt(dx * dx + dy * dy) * cell_size_m, min_distance_m)
    d_km = horiz_m / 1000.0
    d_steps = d_km / step_km
    nt = tail_count(d_steps, n_tail)
    return horiz_m, d_km, _prefix_of(d_steps, nt, n_samples), nt


@njit(cache=True, nogil=True)
def radial_disc(grid: np.ndarray, row_off: int, col_off: int, n_rows: int, n_cols: int,
                row0: float, col0: float, radius_cells: float, mask: np.ndarray,
                bearing_scale: float, n_bearings: int, n_samples: int, cell_size_m: float,
                min_distance_m: float, n_tail: int, site_amsl: float, rx_height_m: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of :func:`disc_cells` (only those where ``mask``, the window's (n_rows, n_cols)
    bool array, is True; an empty mask keeps all), straight in the area engine's radial order.

    Each cell goes to the radial nearest to its bearing (``bearing`` times ``bearing_scale`` =
    n_bearings / 2 pi, :func:`radial_of`); within a radial the cells are in order of their prefix
    m (:func:`prefix_count` of the distance in profile steps of ``cell_size_m``), then of index.
    Returns (start, ints, values): radial r's cells are at rows ``start[r]:start[r + 1]``;
    ``ints`` (int32, n x 5, columns :data:`INT_INDEX` ...) holds their flat index in the window,
    m, the tail count nt (:func:`tail_count`) and (row, column) in ``grid``; ``values`` (n x 3,
    columns :data:`VAL_D` ...) their horizontal distance (km, at least ``min_distance_m``), ground
    height (from ``grid``) and slant distance (km) from the antenna at ``site_amsl`` to
    ``rx_height_m`` above the ground.
    Every value is, bit for bit, that of :func:`disc_cells` and :func:`cell_geometry`. Cells of
    equal m are in the order they were visited (the window's rows, then its columns, outward from
    the site: each radial's m then mostly grows, and a radial already in order is not sorted);
    the engine's results do not depend on that order (receivers with the same m see the same
    radial prefix).
    """
    r2 = radius_cells * radius_cells
    has_mask = mask.shape[0] > 0
    step_km = cell_size_m / 1000.0
    start = np.zeros(n_bearings + 1, dtype=np.int64)
    radial = np.full(n_rows * n_cols, -1, dtype=np.int32)
    for r in range(n_rows):  # the radial of each cell kept, and how many cells each radial gets
        dy = row0 - r
        for c in range(n_cols):
            dx = c - col0
            if dx * dx + dy * dy <= r2 and (not has_mask or mask[r, c]):
                b = math.atan2(dx, dy)
                b = b + 2.0 * math.pi if b < 0.0 else b
                j = radial_of(b * bearing_scale, n_bearings)
                radial[r * n_cols + c] = j
                start[j + 1] += 1
    for j in range(n_bearings):
        start[j + 1] += start[j]
    fill = start[:-1].copy()
    n = start[n_bearings]
    ints = np.empty((n, _N_INTS), dtype=np.int32)
    values = np.empty((n, 3))
    r_mid = min(max(math.ceil(row0), 0), n_rows)
    c_mid = min(max(math.ceil(col0), 0), n_cols)
    for q in range(n_rows):  # rows and columns outward from the site: m mostly grows in a radial
        r = _outward(r_mid, n_rows, q)
        dy = row0 - r
        for p in range(n_cols):
            c = _outward(c_mid, n_cols, p)
            j = radial[r * n_cols + c]
            if j < 0:
                continue
            dx = c - col0
            i = fill[j]
            fill[j] += 1
            horiz_m, d_km, m, nt = _cell_distance(dx, dy, cell_size_m, min_distance_m, step_km,
                                                  n_tail, n_samples)
            ground = grid[r + row_off, c + col_off]
            ints[i, INT_INDEX] = r * n_cols + c
            ints[i, INT_PREFIX] = m
            ints[i, INT_TAIL] = nt
            ints[i, INT_ROW] = r + row_off
            ints[i, INT_COL] = c + col_off
            values[i, VAL_D] = d_km
            values[i, VAL_GROUND] = ground
            values[i, VAL_SLANT] = math.hypot(horiz_m, site_amsl - (ground + rx_height_m)) / 1000.0
    sort_by_prefix(start, ints, values, n_samples)
    return start, ints, values


@njit(cache=True, inline="always")
def _outward(mid: int, n: int, q: int) -> int:
    """The q-th of 0..n - 1 in the order mid, mid + 1, ..., n - 1, mid - 1, ..., 0."""
    return mid + q if q < n - mid else mid - 1 - (q - (n - mid))


@njit(cache=True, nogil=True)
def sort_by_prefix(start: np.ndarray, ints: np.ndarray, values: np.ndarray,
                   n_samples: int) -> None:
    """Sort the receivers of each radial, rows ``start[r]:start[r + 1]`` of ``ints`` (int32, n x 5,
    its column :data:`INT_PREFIX` the key m) and of ``values``, by m in place (a stable counting
    sort of the radial's rows, moved through a scratch copy; none for a radial in order)."""
    n_bearings = start.size - 1
    longest = 0
    for r in range(n_bearings):
        longest = max(longest, start[r + 1] - start[r])
    n_values = values.shape[1]
    ints_copy = np.empty((longest, _N_INTS), dtype=np.int32)
    values_copy = np.empty((longest, n_values))
    count = np.empty(n_samples + 1, dtype=np.int64)
    for r in range(n_bearings):
        a, b = start[r], start[r + 1]
        if a == b:
            continue
        lo, hi = n_samples, -1
        ordered = True
        for i in range(a, b):
            m = ints[i, INT_PREFIX]
            ordered = ordered and m >= hi
            lo, hi = min(lo, m), max(hi, m)
        if ordered:
            continue
        for i in range(a, b):  # element by element: a row view per receiver costs more
            for q in range(_N_INTS):
                ints_copy[i - a, q] = ints[i, q]
            for q in range(n_values):
                values_copy[i - a, q] = values[i, q]
        count[:hi - lo + 2] = 0
        for i in range(b - a):
            count[ints_copy[i, INT_PREFIX] - lo + 1] += 1
        count[0] = a
        for k in range(hi - lo):
            count[k + 1] += count[k]
        for i in range(b - a):
            k = count[ints_copy[i, INT_PREFIX] - lo]
            count[ints_copy[i, INT_PREFIX] - lo] += 1
            for q in range(_N_INTS):
                ints[k, q] = ints_copy[i, q]
            for q in range(n_values):
                values[k, q] = values_copy[i, q]


@njit(cache=True)
def tail_count(d_steps: float, n_tail: int) -> int:
    """Number of exact tail points of a receiver ``d_steps`` profile steps from the site.

    Tail point k (k = 1..n_tail) lies k steps before the receiver on its straight line; it is used
    when it lies at least half a step from the site.
    """
    return min(n_tail, max(math.floor(d_steps - 0.5), 0))


@njit(cache=True)
def prefix_count(d_steps: float, n_tail: int, n_samples: int) -> int:
    """Last radial sample m used by a receiver ``d_steps`` steps from the site (0: none).

    The samples 1..m lie strictly before the receiver's first tail point (at most one step before
    it), or, with no tail point, none: the receiver is then within 1.5 steps of the site.
    """
    return _prefix_of(d_steps, tail_count(d_steps, n_tail), n_samples)


@njit(cache=True, inline="always")
def _prefix_of(d_steps: float, nt: int, n_samples: int) -> int:
    """:func:`prefix_count` given the receiver's tail count nt."""
    if nt == 0:
        return 0
    m = math.ceil(d_steps - nt - 1e-6) - 1
    return min(max(m, 0), n_samples - 1)
