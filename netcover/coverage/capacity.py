"""Busy-hour capacity: users, PRB load and user throughput per cell, per commune and on a map.

From a :class:`~netcover.coverage.combine.CoverageResult` and the scenario's inputs:

1. **Demand** per population cell: people x smartphone share (the commune's reported
   ``share_adults_with_smartphone``, latest period, else the district's, else
   ``[capacity] smartphone_share``) x busy-hour active share x MB per active user
   (:mod:`netcover.config.capacity`). Each operator carries its market share of it (``market_share``,
   default an equal share per operator of the sites table: an assumption, operators' subscriber
   shares per commune are not an input).
2. **Serving layer**: an operator's users at a place use its 5G where the 5G level reaches the
   scenario's usable class, else its 4G where that does, else they are unserved (3G has no
   throughput mapping). The serving cell is the operator's best server of that technology, pooled
   with the other carriers of its sector by default (:mod:`netcover.coverage.sectorpool`); each
   population cell's people sit at the coverage cell under its centre.
3. **Load and throughput**: the load-coupling fixed point of :mod:`netcover.coverage.loadcoupling`
   per operator and technology, the SINR-to-rate mapping of :mod:`netcover.radio.throughput`, and a
   user's throughput = peak rate x (1 - PRB load).

The full-load SINR of each operator is ``result.operator_sinr[(operator, tech)]`` when the
coverage result carries it. Otherwise it is the technology's SINR where the operator is the best
server of the technology, and elsewhere the operator's level over the median full-load
interference of its serving cell where it is known (noise alone where never known): an
approximation that :attr:`CapacityResult.notes` states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.capacity import CapacitySettings, busy_hour_users, offered_mbps
from netcover.config.nr import default_scs_khz
from netcover.config.radio import default_thresholds
from netcover.core import files
from netcover.core.textformat import rounded
from netcover.coverage.loadcoupling import (
    coupling_from_best_cell,
    full_load_sinr,
    load_fixed_point,
    row_blocks,
    sinr_at_load_db,
)
from netcover.coverage.sectorpool import serving_units
from netcover.data.units import zone_raster
from netcover.errors import InputError
from netcover.radio import budget
from netcover.radio.throughput import LTE_DL, NR_DL, lte_rate_mbps, nr_rate_mbps

if TYPE_CHECKING:
    from affine import Affine

    from netcover.coverage.combine import CoverageResult
    from netcover.coverage.kept import KeptFiles
    from netcover.data.inputs import Inputs

__all__ = ["CAPACITY_TECHNOLOGIES", "CapacityResult", "capacity_tables", "write_capacity"]

#: Technologies with a throughput mapping, in the order users prefer them.
CAPACITY_TECHNOLOGIES = ("5G", "4G")
_MODELS = {"4G": LTE_DL, "5G": NR_DL}


@dataclass
class CapacityResult:
    """Tables and maps of :func:`capacity_tables`."""

    cells: pd.DataFrame
    units: pd.DataFrame | None
    throughput: dict[str, np.ndarray]
    transform: Affine
    crs: object
    settings: CapacitySettings
    notes: list[str] = field(default_factory=list)


@dataclass
class _Places:
    """Population cells on the coverage grid: people, zone, busy-hour users and offered traffic."""

    row: np.ndarray
    col: np.ndarray
    zone: np.ndarray
    people: np.ndarray
    users: np.ndarray
    demand: np.ndarray


def capacity_tables(result: CoverageResult, inputs: Inputs, *,
                    settings: CapacitySettings | None = None,
                    reported: pd.DataFrame | None = None,
                    market_share: Mapping[str, float] | None = None) -> CapacityResult:
    """Busy-hour users, PRB load and user throughput per cell and per commune, and the maps.

    Parameters
    ----------
    result : CoverageResult
        The coverage step's result (levels, best cells and SINR per operator and technology).
    inputs : Inputs
        Population (required), units (optional: no per-commune table without them), scenario.
    settings : CapacitySettings, optional
        Default: the scenario's ``[capacity]``.
    reported : pandas.DataFrame, optional
        Reported indicators (:func:`netcover.data.reported.read_reported`).
    market_share : mapping, optional
        Operator -> share of the users; default an equal share per operator.

    Returns
    -------
    CapacityResult

    Raises
    ------
    InputError
        The inputs hold no population.
    """
    sc = inputs.scenario
    settings = settings or getattr(sc, "capacity", None) or CapacitySettings()
    if inputs.population is None:
        msg = ("capacity needs people: the scenario names no population layer (inputs.population); "
               "give one to compute busy-hour users and throughput")
        raise InputError(msg)
    places = _places(result, inputs, settings, reported)
    operators = sorted(set(result.cells["operator"].astype(str)))
    shares = dict(market_share) if market_share else {op: 1.0 / len(operators) for op in operators}
    out = CapacityResult(pd.DataFrame(), None, {}, result.transform, result.crs, settings)
    cell_rows, served = [], np.zeros((len(places.people), len(CAPACITY_TECHNOLOGIES) + 1))
    rate = np.zeros(len(places.people))
    for op in operators:
        free = np.ones(len(places.people), dtype=bool)
        for k, tech in enumerate(CAPACITY_TECHNOLOGIES):
            if (op, tech) not in result.operator_levels:
                continue
            group = _Group(result, inputs, op, tech, out.notes, pool=settings.pool_sector_carriers)
            here = free & group.usable_at(places)
            free &= ~here
            share = shares.get(op, 0.0)
            cells, mbps = group.solve(places, here, share, settings)
            cell_rows.append(cells)
            served[here, k] += places.users[here] * share
            rate[here] += mbps * places.users[here] * share
            _fold_raster(out.throughput, tech, group.raster())
        served[free, -1] += places.users[free] * shares.get(op, 0.0)
    out.cells = pd.concat(cell_rows, ignore_index=True) if cell_rows else pd.DataFrame()
    if inputs.units is not None:
        out.units = _unit_table(inputs, places, served, rate, settings)
    return out


def _fold_raster(rasters: dict[str, np.ndarray], tech: str, values: np.ndarray) -> None:
    prev = rasters.get(tech)
    rasters[tech] = values if prev is None else np.fmax(prev, values)


def _places(result: CoverageResult, inputs: Inputs, settings: CapacitySettings,
            reported: pd.DataFrame | None) -> _Places:
    pop = inputs.population
    assert pop is not None
    x, y = pop.cell_centres()
    t = result.transform
    rows, cols = result.classes.shape
    r = np.floor((y - t.f) / t.e).astype(np.int64).ravel()
    c = np.floor((x - t.c) / t.a).astype(np.int64).ravel()
    people = pop.counts.ravel().astype(np.float64)
    keep = (r >= 0) & (r < rows) & (c >= 0) & (c < cols) & (people > 0)
    zone = (zone_raster(inputs.units, pop.transform, pop.counts.shape).ravel()
            if inputs.units is not None else np.full(people.shape, -1))
    phone = _smartphone_share(inputs, reported, settings)[np.where(zone >= 0, zone, -1)]
    users = busy_hour_users(people, phone, settings)
    return _Places(r[keep], c[keep], zone[keep], people[keep], users[keep],
                   offered_mbps(users[keep], settings))


def _smartphone_share(inputs: Inputs, reported: pd.DataFrame | None,
                      settings: CapacitySettings) -> np.ndarray:
    """Share per unit (index = unit row), the last entry the default for places outside units."""
    default = settings.smartphone_share
    latest: dict[str, float] = {}
    if reported is not None and len(reported):
        rows = reported[reported["indicator"] == "share_adults_with_smartphone"]
        rows = rows.sort_values("period")
        latest = {str(k): float(v) for k, v in zip(rows["unit_code"], rows["value"], strict=True)}
        default = latest.get("district", default)
    codes = [] if inputs.units is None else [str(c) for c in inputs.units["code"]]
    return np.array([latest.get(code, default) for code in codes] + [default], dtype=np.float64)


class _Group:
    """One operator's cells of one technology: full-load SINR, the load fixed point and the map."""

    def __init__(self, result: CoverageResult, inputs: Inputs, op: str, tech: str,
                 notes: list[str], *, pool: bool) -> None:
        sc = inputs.scenario
        self.tech, self.op, self.notes = tech, op, notes
        self.level = result.operator_levels[(op, tech)]
        self.best = result.operator_best_cell[(op, tech)]
        usable = sc.coverage.usable_class
        self.floor = (sc.thresholds.get(tech) or default_thresholds(tech)).bound(usable)
        self.cells = _cell_radio(result.cells, inputs, tech)
        nf = sc.receiver.noise_figure_db
        self.noise_mw = np.array([10.0 ** (budget.reference_noise_dbm(
            tech, nf, scs_khz=s if tech == "5G" else None) / 10.0) for s in self.cells["scs_khz"]])
        members = np.flatnonzero((result.cells["operator"].astype(str) == op).to_numpy()
                                 & (result.cells["technology"].astype(str) == tech).to_numpy())
        self.sinr_full = full_load_sinr(result, op, tech, self.noise_mw, notes)
        self.units = serving_units(self.cells, members, pool=pool)
        unit_best = np.empty(self.best.shape, dtype=np.int32)  # a block of rows at a time
        for rows in row_blocks(self.best.shape[0]):
            b = self.best[rows]
            unit_best[rows] = np.where(b >= 0, self.units.of_cell[np.maximum(b, 0)], -1)
        n = len(self.units.rate_per_se)
        self.load = np.ones(n)
        carrier = (np.zeros(n) if pool else  # pooled sectors hold several carriers: all couple
                   self.cells["frequency_mhz"].to_numpy(float)[self.units.table["index"].to_numpy()])
        self.coupling = coupling_from_best_cell(unit_best, carrier)

    def usable_at(self, places: _Places) -> np.ndarray:
        level = self.level[places.row, places.col]
        return (self.best[places.row, places.col] >= 0) & (level >= self.floor)

    def _inputs(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, ...]:
        cell = self.best[rows, cols].astype(np.intp)
        signal = 10.0 ** (self.level[rows, cols].astype(np.float64) / 10.0)
        noise = self.noise_mw[cell]
        full = 10.0 ** (self.sinr_full[rows, cols].astype(np.float64) / 10.0)
        interference = np.maximum(signal / full - noise, 0.0)
        return cell, signal, np.nan_to_num(interference), noise

    def solve(self, places: _Places, here: np.ndarray, share: float,
              settings: CapacitySettings) -> tuple[pd.DataFrame, np.ndarray]:
        """Solve the loads with the users of ``here``; the per-cell table and each place's rate."""
        cell, signal, interference, noise = self._inputs(places.row[here], places.col[here])
        unit = self.units.of_cell[cell]
        demand = places.demand[here] * share
        res = load_fixed_point(unit, signal, interference, noise, demand, self.units.rate_per_se,
                               self.coupling, _MODELS[self.tech], iterations=settings.iterations,
                               tolerance=settings.tolerance)
        self.load = res.load
        if not res.converged:
            self.notes.append(f"{self.op} {self.tech}: the cell loads had not settled after "
                              f"{res.iterations} iterations ([capacity] iterations)")
        mbps = res.peak_mbps * (1.0 - np.minimum(res.load[unit], 1.0))
        users = places.users[here] * share
        return self._table(unit, users, demand, res.peak_mbps, mbps, settings), mbps

    def _table(self, unit: np.ndarray, users: np.ndarray, demand: np.ndarray, peak: np.ndarray,
               mbps: np.ndarray, settings: CapacitySettings) -> pd.DataFrame:
        m = len(self.load)

        def total(values: np.ndarray) -> np.ndarray:
            return np.bincount(unit, weights=values, minlength=m)

        n = total(users)
        mean = {name: np.divide(total(v * users), n, out=np.full(n.shape, np.nan), where=n > 0)
                for name, v in (("peak_mbps", peak), ("user_mbps", mbps),
                                ("share_users_at_target", (mbps >= settings.target_mbps) * 1.0))}
        load = self.load
        return self.units.table.assign(**{
            "busy_hour_users": n, "offered_mbps": total(demand), "prb_load": np.minimum(load, 1.0),
            "offered_load": load, "overloaded": load > 1.0, **mean})

    def raster(self) -> np.ndarray:
        """User throughput (Mb/s, float32) where this group serves at the usable class; NaN else."""
        out = np.full(self.best.shape, np.nan, dtype=np.float32)
        load = np.minimum(self.load, 1.0)
        per_unit = self.coupling @ load
        for block in row_blocks(self.best.shape[0]):  # a block of rows at a time: same values
            ok = (self.best[block] >= 0) & (self.level[block] >= self.floor)
            rows, cols = np.nonzero(ok)
            rows += block.start
            cell, signal, interference, noise = self._inputs(rows, cols)
            unit = self.units.of_cell[cell]
            sinr = sinr_at_load_db(signal, interference, noise, per_unit[unit])
            peak = _MODELS[self.tech].efficiency(sinr) * self.units.rate_per_se[unit]
            out[rows, cols] = peak * (1.0 - load[unit])
        return out


def _cell_radio(table: pd.DataFrame, inputs: Inputs, tech: str) -> pd.DataFrame:
    """The coverage cells with ``bandwidth_mhz``, ``scs_khz`` and ``rate_per_se`` (Mb/s per b/s/Hz)."""
    out = table.copy()
    src = inputs.cells
    extra = ["bandwidth_mhz"] + (["scs_khz"] if src is not None and "scs_khz" in src.columns else [])
    if src is not None:
        by_id = pd.DataFrame(src[["cell_id", *extra]]).drop_duplicates("cell_id")
        out = out.merge(by_id, on="cell_id", how="left", suffixes=("", "_src"))
    if "scs_khz" not in out.columns:
        out["scs_khz"] = np.nan
    freq = out["frequency_mhz"].to_numpy(float)
    out["scs_khz"] = [s if np.isfinite(s) else default_scs_khz(f)
                      for s, f in zip(out["scs_khz"].to_numpy(float), freq, strict=True)]
    rate = np.zeros(len(out))
    for i, (t, bw, scs) in enumerate(zip(out["technology"], out["bandwidth_mhz"], out["scs_khz"],
                                         strict=True)):
        if t == tech == "4G":
            rate[i] = float(lte_rate_mbps(1.0, bw))
        elif t == tech == "5G":
            rate[i] = float(nr_rate_mbps(1.0, bw, scs))
    out["rate_per_se"] = rate
    return out


def _unit_table(inputs: Inputs, places: _Places, served: np.ndarray, rate: np.ndarray,
                settings: CapacitySettings) -> pd.DataFrame:
    """Per commune (and a ``district`` row): people, busy-hour users, users per layer, throughput."""
    units = inputs.units
    assert units is not None
    n = len(units)
    inside = places.zone >= 0
    zone = places.zone[inside]

    def per_unit(values: np.ndarray) -> np.ndarray:
        return np.bincount(zone, weights=values[inside], minlength=n)

    table = pd.DataFrame({"code": units["code"].astype(str).to_numpy(),
                          "name": units["name"].astype(str).to_numpy()})
    cols = {"people": places.people, "busy_hour_users": places.users,
            **{f"users_{t}": served[:, k] for k, t in enumerate(CAPACITY_TECHNOLOGIES)},
            "users_unserved": served[:, -1], "_rate": rate}
    for name, values in cols.items():
        table[name] = per_unit(values)
    district = {"code": "district", "name": "district",
                **{k: float(v[inside].sum()) for k, v in cols.items()}}
    table = pd.concat([table, pd.DataFrame([district])], ignore_index=True)
    users_served = table[[f"users_{t}" for t in CAPACITY_TECHNOLOGIES]].sum(axis=1)
    table["user_mbps"] = np.divide(table["_rate"], users_served,
                                   out=np.full(len(table), np.nan), where=users_served > 0)
    table["meets_target"] = table["user_mbps"] >= settings.target_mbps
    return table.drop(columns="_rate")


def write_capacity(folder: str | Path, capacity: CapacityResult, *,
                   record: Mapping[str, object] | None = None,
                   kept: KeptFiles | None = None) -> list[Path]:
    """Write the capacity files into the coverage step's folder; return the paths written.

    ``capacity_by_cell.csv``, ``capacity_by_unit.csv`` (with units) and ``throughput_{tech}.tif``
    (user throughput, Mb/s, float32, NaN where the technology does not serve at the usable class).
    The tables' figures are rounded as people read them (2 decimals, whole counts as integers).
    Besides ``record`` (what the coverage assumes) the files carry the demand they assume:
    ``assumed_smartphone_share`` (where no commune or district figure is reported),
    ``assumed_active_share``, ``assumed_busy_hour_mb``, ``assumed_target_mbps``,
    ``assumed_pool_sector_carriers``. ``kept``: the rasters go through it, as in
    :func:`~netcover.coverage.write.write_coverage`.
    """
    s = capacity.settings
    record = {**(record or {}), "assumed_smartphone_share": s.smartphone_share,
              "assumed_active_share": s.active_share, "assumed_busy_hour_mb": s.busy_hour_mb,
              "assumed_target_mbps": s.target_mbps,
              "assumed_pool_sector_carriers": s.pool_sector_carriers}
    written = [files.by_key("capacity_by_cell").write(folder, rounded(capacity.cells, decimals=2),
                                                      record=record)]
    if capacity.units is not None:
        written.append(files.by_key("capacity_by_unit").write(
            folder, rounded(capacity.units, decimals=2), record=record))
    for tech, values in sorted(capacity.throughput.items()):
        entry = files.by_key("throughput").of(tech=tech)
        options = {"transform": capacity.transform, "crs": capacity.crs, "nodata": np.nan,
                   "descriptions": (f"busy-hour user throughput, {tech} (Mb/s)",),
                   "record": record}
        written.append(entry.write(folder, values, **options) if kept is None
                       else kept.raster(entry, values, **options))
    return written
