"""Who is covered: people, households and villages by coverage class, per unit and per settlement.

The coverage class raster lives on the DEM grid (30 m on the sample); people live on the population
grid (100 m). :func:`class_shares` gives, for every population cell, the share of its area in each
class from the exact overlap of the two grids' cells, whichever grid is finer (a 100 m population
cell inside one 2.4 km DEM cell takes that cell's class; a 100 m cell over 30 m cells is split by
the area of each piece), so a population cell half in a shadow counts half its people as uncovered.
Households and fibre households come from the settlements, each taking the class at its own
position.

Each cell and each point belongs to one unit at most (:func:`zone_raster`, :func:`unit_of_points`):
where unit polygons overlap (slivers of low-resolution boundaries), the unit with the lowest code
(as text) takes it; a point carrying a unit code (``unit_code`` or ``commune_code``) that names a
unit belongs to that unit, wherever it lies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from affine import Affine

from netcover.config.radio import CLASS_NAMES, NODATA_CLASS
from netcover.coverage._service_kernel import cols_share, rows_at_least
from netcover.data.units import unit_of_points, zone_raster

if TYPE_CHECKING:
    import geopandas as gpd
    from scipy import sparse

    from netcover.coverage.service import ServiceClasses
    from netcover.data.population import PopulationGrid

__all__ = [
    "DISTRICT_CODE", "SERVICE_COLUMNS", "GridOverlap", "class_at_points", "class_shares",
    "covered_shares",
    "people_by_zone_and_class", "service_table", "settlement_table", "unit_table",
]

#: Code of the district's row in :func:`service_table`.
DISTRICT_CODE = "district"
#: Columns of :func:`service_table` (``coverage_by_service.csv``).
SERVICE_COLUMNS = ("service", "label", "environment", "location_probability", "code", "name",
                   "layer", "people", "people_covered", "share_covered", "share_covered_low",
                   "share_covered_high")

def class_shares(
    classes: np.ndarray, class_transform: Affine, pop_transform: Affine, pop_shape: tuple[int, int]
) -> np.ndarray:
    """Share of each population cell's area in each coverage class.

    Parameters
    ----------
    classes : numpy.ndarray
        uint8 class raster (codes 0-3, 255 nodata) on a north-up grid.
    class_transform, pop_transform : Affine
        Grids of the class raster and the population raster (same CRS).
    pop_shape : (rows, cols)
        Shape of the population raster.

    Returns
    -------
    numpy.ndarray
        float64 (rows, cols, 4): each class's share of the population cell's area that has a class
        (exact overlap of the cells, in either direction of fineness); population cells without
        any class (outside the raster or nodata) count as class 0 (none).
    """
    oy = _overlap_1d(-class_transform.f, -class_transform.e, classes.shape[0],
                     -pop_transform.f, -pop_transform.e, pop_shape[0])
    ox = _overlap_1d(class_transform.c, class_transform.a, classes.shape[1],
                     pop_transform.c, pop_transform.a, pop_shape[1])
    k = len(CLASS_NAMES)
    area = np.zeros((*pop_shape, k))
    for code in range(k):
        hit = (classes == code).astype(np.float64)
        if hit.any():
            area[..., code] = (ox @ (oy @ hit).T).T
    totals = area.sum(axis=-1, keepdims=True)
    shares = np.divide(area, totals, out=np.zeros(area.shape), where=totals > 0)
    shares[totals[..., 0] <= 0, 0] = 1.0
    return shares


def covered_shares(covered: np.ndarray, class_transform: Affine, pop_transform: Affine,
                   pop_shape: tuple[int, int]) -> np.ndarray:
    """Share of each population cell's area where ``covered`` (a boolean raster) is true.

    The share of the cell's area on the raster, as :func:`class_shares` computes it (population
    cells off the raster have 0); one overlap product instead of one per class.
    """
    return GridOverlap(covered.shape, class_transform, pop_transform, pop_shape).share(covered)


class GridOverlap:
    """The overlap of a class raster's cells with the population cells, for many rasters.

    :meth:`share` is :func:`covered_shares` of a whole raster; :meth:`window_share` the same share
    of a window of the raster (cells outside it count as not covered), without the whole raster.
    """

    def __init__(self, shape: tuple[int, int], class_transform: Affine, pop_transform: Affine,
                 pop_shape: tuple[int, int]) -> None:
        self.oy = _overlap_1d(-class_transform.f, -class_transform.e, shape[0],
                              -pop_transform.f, -pop_transform.e, pop_shape[0])
        self.ox = _overlap_1d(class_transform.c, class_transform.a, shape[1],
                              pop_transform.c, pop_transform.a, pop_shape[1])
        self.total = self._area(np.ones(shape))
        self._cols: tuple[sparse.csc_array, sparse.csc_array] | None = None

    def _area(self, values: np.ndarray) -> np.ndarray:
        return np.asarray((self.ox @ (self.oy @ values).T).T)

    def share(self, covered: np.ndarray) -> np.ndarray:
        """Share of each population cell's area (on the raster) where ``covered`` is true."""
        return self._share_of_area(self._area(covered.astype(np.float64)))

    def share_at_least(self, classes: np.ndarray, usable: int) -> np.ndarray:
        """:meth:`share` of ``classes >= usable`` (uint8 classes), the rows' overlap summed by a
        kernel that reads the classes as they are (no float raster of the comparison), the
        columns' in a kernel that divides by the total as it goes."""
        oy, ox = self.oy, self.ox
        part = rows_at_least(oy.indptr, oy.indices, oy.data, np.ascontiguousarray(classes),
                             usable)
        return cols_share(ox.indptr, ox.indices, ox.data, part, self.total)

    def _share_of_area(self, hit: np.ndarray) -> np.ndarray:
        return np.divide(hit, self.total, out=np.zeros(self.total.shape), where=self.total > 0)

    def window_share(self, covered: np.ndarray, row_off: int, col_off: int) -> np.ndarray:
        """:meth:`share` of a raster true only in the window ``covered`` (bool) placed at
        ``row_off``, ``col_off`` of the class raster."""
        if self._cols is None:
            self._cols = (self.oy.tocsc(), self.ox.tocsc())
        oy, ox = self._cols
        rows, cols = covered.shape
        part = oy[:, row_off:row_off + rows] @ covered.astype(np.float64)
        return self._share_of_area(np.asarray((ox[:, col_off:col_off + cols] @ part.T).T))


def _overlap_1d(src_start: float, src_step: float, n_src: int, dst_start: float, dst_step: float,
                n_dst: int) -> sparse.csr_array:
    """(n_dst, n_src) sparse matrix of the lengths shared by the cells of two 1-D grids.

    Cell ``i`` of a grid spans ``start + i * step`` to ``start + (i + 1) * step`` (``step`` > 0).
    """
    from scipy import sparse

    if n_src == 0 or n_dst == 0:
        return sparse.csr_array((n_dst, n_src))
    d0 = dst_start + np.arange(n_dst) * dst_step
    first = np.floor((d0 - src_start) / src_step).astype(np.int64)
    reach = int(np.ceil(dst_step / src_step)) + 2
    i = first[:, None] + np.arange(reach)[None, :]
    s0 = src_start + i * src_step
    length = np.minimum(d0[:, None] + dst_step, s0 + src_step) - np.maximum(d0[:, None], s0)
    ok = (i >= 0) & (i < n_src) & (length > 1e-9 * min(src_step, dst_step))
    rows = np.broadcast_to(np.arange(n_dst)[:, None], i.shape)[ok]
    return sparse.csr_array((length[ok], (rows, i[ok])), shape=(n_dst, n_src))


def people_by_zone_and_class(
    people: np.ndarray, shares: np.ndarray, zones: np.ndarray, n_zones: int
) -> np.ndarray:
    """Sum people per zone and class.

    Parameters
    ----------
    people : (rows, cols) float array
        People per population cell.
    shares : (rows, cols, k) float array
        Class shares from :func:`class_shares`.
    zones : (rows, cols) int array
        Zone index per population cell (0..n_zones-1), -1 outside every zone.
    n_zones : int
        Number of zones.

    Returns
    -------
    numpy.ndarray
        (n_zones, k) people.
    """
    k = shares.shape[-1]
    inside = zones >= 0
    weighted = people[inside][:, None] * shares[inside]
    out = np.zeros((n_zones, k))
    np.add.at(out, zones[inside], weighted)
    return out


def class_at_points(classes: np.ndarray, transform: Affine, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Class code of the raster cell under each point (255 outside the raster)."""
    col = np.floor((np.asarray(x) - transform.c) / transform.a).astype(np.int64)
    row = np.floor((np.asarray(y) - transform.f) / transform.e).astype(np.int64)
    inside = (row >= 0) & (row < classes.shape[0]) & (col >= 0) & (col < classes.shape[1])
    out = np.full(len(col), NODATA_CLASS, dtype=np.uint8)
    out[inside] = classes[row[inside], col[inside]]
    return out


def unit_table(
    units: gpd.GeoDataFrame,
    population: PopulationGrid | None,
    settlements: gpd.GeoDataFrame | None,
    layers: Mapping[str, np.ndarray],
    class_transform: Affine,
    *,
    usable: int,
) -> pd.DataFrame:
    """Per-unit people, households and fibre households by class, for each layer of classes.

    ``layers`` maps a label ("all", or an operator name) to its class raster; columns are
    ``<label>_people_<class>``, ``<label>_share_covered`` (people at ``usable`` class or better)
    and the same for households, plus totals.
    """
    table = pd.DataFrame({"code": units["code"].to_numpy(), "name": units["name"].to_numpy()})
    if population is not None:
        zones = zone_raster(units, population.transform, population.counts.shape)
        table["people"] = people_by_zone_and_class(
            population.counts, np.ones((*zones.shape, 1)), zones, len(units))[:, 0]
    for label, classes in layers.items():
        if population is not None:
            shares = class_shares(classes, class_transform, population.transform,
                                  population.counts.shape)
            by = people_by_zone_and_class(population.counts, shares, zones, len(units))
            for k, name in enumerate(CLASS_NAMES):
                table[f"{label}_people_{name}"] = by[:, k]
            covered = by[:, usable:].sum(axis=1)
            table[f"{label}_share_covered"] = np.divide(
                covered, table["people"], out=np.zeros(len(units)), where=table["people"] > 0)
        if settlements is not None:
            _household_columns(table, units, settlements, classes, class_transform, label, usable)
    return table


def _household_columns(table: pd.DataFrame, units: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame,
                       classes: np.ndarray, transform: Affine, label: str, usable: int) -> None:
    """Households and fibre households by class, per unit; villages without usable service.

    A unit's household figures are NaN (no data) when any of its settlements lacks them (the
    settlements' ``households``/``fibre_households`` are optional); its share of households
    covered is NaN too when it has no households.
    """
    cls = class_at_points(classes, transform, settlements.geometry.x, settlements.geometry.y)
    unit_idx = unit_of_points(settlements, units).astype(float)
    unit_idx[unit_idx < 0] = np.nan
    frame = pd.DataFrame({"unit": unit_idx,
                          "cls": np.where(cls == NODATA_CLASS, 0, cls),
                          "hh": settlements["households"].to_numpy(dtype=float),
                          "fibre": settlements["fibre_households"].to_numpy(dtype=float),
                          "one": 1.0}).dropna(subset=["unit"])
    n = len(units)

    def per_unit(column: str, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum per unit; NaN (no data) for a unit where any of its settlements' value is missing."""
        unknown = frame[frame[column].isna()]["unit"].unique()
        rows = frame if mask is None else frame[mask]
        sums = rows.groupby("unit")[column].sum().reindex(range(n), fill_value=0).to_numpy(float,
                                                                                         copy=True)
        sums[unknown.astype(np.int64)] = np.nan
        return sums

    if "households" not in table:
        table["households"] = per_unit("hh")
        table["fibre_households"] = per_unit("fibre")
        table["villages"] = per_unit("one").astype(int)
    for k, name in enumerate(CLASS_NAMES):
        at_k = (frame["cls"] == k).to_numpy()
        table[f"{label}_households_{name}"] = per_unit("hh", at_k)
        table[f"{label}_fibre_households_{name}"] = per_unit("fibre", at_k)
    ok = (frame["cls"] >= usable).to_numpy()
    table[f"{label}_households_covered"] = per_unit("hh", ok)
    table[f"{label}_fibre_households_covered"] = per_unit("fibre", ok)
    hh = table["households"].to_numpy(dtype=float)
    table[f"{label}_share_households_covered"] = np.divide(  # NaN: no households, or no data
        table[f"{label}_households_covered"].to_numpy(dtype=float), hh, out=np.full(n, np.nan),
        where=hh > 0)
    table[f"{label}_villages_without_service"] = per_unit("one", ~ok).astype(int)


def settlement_table(
    settlements: gpd.GeoDataFrame, layers: Mapping[str, np.ndarray], class_transform: Affine,
    *, usable: int, labels: Sequence[str] = CLASS_NAMES, overall: str = "all",
) -> pd.DataFrame:
    """Per-settlement class for each layer and whether it has usable service at all."""
    keep = [c for c in ("settlement_id", "name", "commune_code", "commune", "population",
                        "households", "fibre_households") if c in settlements.columns]
    table = pd.DataFrame(settlements[keep]).reset_index(drop=True)
    x, y = settlements.geometry.x.to_numpy(), settlements.geometry.y.to_numpy()
    for label, classes in layers.items():
        cls = class_at_points(classes, class_transform, x, y)
        table[f"{label}_class"] = [labels[c] if c < len(labels) else "outside" for c in cls]
    all_cls = class_at_points(layers[overall], class_transform, x, y)
    table["usable_service"] = (all_cls >= usable) & (all_cls != NODATA_CLASS)
    return table


def service_table(
    units: gpd.GeoDataFrame | None, population: PopulationGrid, service: Mapping[str, ServiceClasses],
    class_transform: Affine, *, usable: int,
) -> pd.DataFrame:
    """People covered at each service level, per unit and for the district, with ranges.

    One row per service level, unit (and the district, code :data:`DISTRICT_CODE`) and layer
    (``all``: any operator; then each operator): ``people``, ``people_covered`` (people at the
    ``usable`` class or better at that level), ``share_covered`` and its range
    ``share_covered_low``/``share_covered_high`` (see :mod:`netcover.coverage.service`). Columns
    :data:`SERVICE_COLUMNS`.
    """
    counts = population.counts
    n = 0 if units is None else len(units)
    zones = (zone_raster(units, population.transform, counts.shape) if units is not None
             else np.full(counts.shape, -1))
    people = np.append(people_by_zone_and_class(counts, np.ones((*counts.shape, 1)), zones, n)[:, 0],
                       float(counts.sum()))
    codes = [*([] if units is None else units["code"].astype(str)), DISTRICT_CODE]
    names = [*([] if units is None else units["name"].astype(str)), DISTRICT_CODE]
    rows = []
    overlap: GridOverlap | None = None
    inside = zones >= 0
    zone_of = (zones[inside], inside, n)
    for name, s in service.items():
        if overlap is None:
            overlap = GridOverlap(s.classes["all"].shape, class_transform, population.transform,
                                   counts.shape)
        for layer in s.classes:
            figures = [_covered_people(counts, zone_of, overlap.share_at_least(rasters[layer], usable))
                       for rasters in (s.classes, s.low, s.high)]
            for i in range(n + 1):
                share = [f[i] / people[i] if people[i] > 0 else 0.0 for f in figures]
                rows.append((name, s.level.label(), s.level.environment,
                             s.level.location_probability, codes[i], names[i], layer, people[i],
                             figures[0][i], *share))
    return pd.DataFrame(rows, columns=list(SERVICE_COLUMNS))


def _covered_people(counts: np.ndarray, zone_of: tuple[np.ndarray, np.ndarray, int],
                    shares: np.ndarray) -> np.ndarray:
    """People covered per zone, then the whole grid's; ``zone_of``: the zone of each cell inside a
    zone, the mask of those cells, the number ``n`` of zones."""
    zone, inside, n = zone_of
    covered = counts * shares
    by_zone = np.bincount(zone, weights=covered[inside], minlength=n)[:n]
    return np.append(by_zone, float(covered.sum()))
