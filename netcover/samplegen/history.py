"""Synthetic history and drive test for the bundled sample, so every monitoring command runs.

Seeded and deterministic (same sample and seed, same files). From the sample's current files
(taken as period :data:`CURRENT`) it derives:

- ``history/sites_<period>.csv``: earlier inventories: sites not yet built, cells not yet added,
  and tilts and powers as they were before being changed;
- ``history/scenario_<period>.toml``: the sample's scenario with that inventory;
- ``history/fibre_households.csv``: each settlement's fibre households per period (fewer earlier);
- ``history/reported_indicators.csv``: smartphone adoption, Internet users, online dossiers,
  officials trained, LAN approvals per commune and period, around the district's published 2024
  figures;
- ``drive_test.csv``: the coverage model's level at points along the roads plus a known bias per
  technology (:data:`BIAS_DB`) and Gaussian noise (:data:`NOISE_DB`), with a few bad rows.

Usage: ``python -m netcover.samplegen.history [SAMPLE_DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.data.sites import SITE_COLUMNS
from netcover.monitor.calibrate import dumps_toml, rebase_paths

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs

__all__ = [
    "BIAS_DB", "CURRENT", "DRIVE_FLOOR_DBM", "DRIVE_POINTS", "DRIVE_SPACING_M", "EARLIER", "NOISE_DB",
    "drive_test", "earlier_sites", "fibre_history", "generate_history", "history_scenario", "main",
    "readme_text", "reported_indicators", "road_points",
]

CURRENT = "2024-Q3"
#: Earlier periods -> (share of the current sites missing, share of fibre households then).
EARLIER: dict[str, tuple[float, float]] = {"2023-Q4": (0.15, 0.72), "2024-Q2": (0.06, 0.88)}
#: Measured minus modelled level injected into the synthetic drive test (dB).
BIAS_DB = {"4G": -4.0, "3G": 2.5}
NOISE_DB = 5.0
DRIVE_POINTS = 1500
DRIVE_SPACING_M = 60.0
#: Points whose modelled level plus bias is below this are left out (phones lose the signal).
DRIVE_FLOOR_DBM = -125.0
#: Published 2024 district figures the reported indicators are drawn around.
SMARTPHONE_2024, DOSSIERS_ONLINE_2024, OFFICIALS_TRAINED_2024 = 0.69, 0.972, 1253


def earlier_sites(sites: pd.DataFrame, order: np.ndarray, missing_share: float,
                  rng: np.random.Generator) -> pd.DataFrame:
    """An earlier inventory: the first ``missing_share`` of the sites in build ``order`` not built
    yet, the 900 MHz layer of the next tenth not added yet, and some cells tilted 2 degrees less."""
    n_gone = max(1, round(missing_share * len(order)))
    gone = set(order[:n_gone])
    late = set(order[n_gone:n_gone + max(1, round(missing_share * len(order) / 2))])
    out = sites[~sites["site_id"].isin(gone)].copy()
    low_band = out["frequency_mhz"].astype(float) < 1000
    out = out[~(low_band & out["site_id"].isin(late))]
    retilt = rng.random(len(out)) < 0.08
    out.loc[retilt, "mech_tilt_deg"] = (out.loc[retilt, "mech_tilt_deg"].astype(float) - 2).clip(0)
    return out.reset_index(drop=True)


def fibre_history(settlements: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Fibre households per settlement and period: earlier periods a share of today's, never
    more than a later period."""
    now = settlements["fibre_households"].to_numpy(dtype=float)
    shares = np.array([share for _, share in EARLIER.values()])
    factors = np.clip(shares[:, None] + rng.normal(0.0, 0.08, (len(shares), len(now))), 0.0, 1.0)
    factors = np.maximum.accumulate(factors, axis=0)  # periods in time order
    rows = [pd.DataFrame({"settlement_id": settlements["settlement_id"], "period": period,
                          "fibre_households": np.floor(now * f).astype(int)})
            for period, f in zip(EARLIER, factors, strict=True)]
    rows.append(pd.DataFrame({"settlement_id": settlements["settlement_id"], "period": CURRENT,
                              "fibre_households": now.astype(int)}))
    return pd.concat(rows, ignore_index=True)


def reported_indicators(units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Reported indicators per commune and period, plus the district's own figures."""
    periods = [*EARLIER, CURRENT]
    growth = {"2023-Q4": -0.06, "2024-Q2": -0.02, CURRENT: 0.0}
    n = len(units)
    base_phone = np.clip(SMARTPHONE_2024 + rng.normal(0, 0.06, n), 0.4, 0.95)
    base_net = np.clip(base_phone - 0.08 + rng.normal(0, 0.04, n), 0.3, 0.95)
    weights = units["population"].to_numpy(dtype=float) if "population" in units else np.ones(n)
    trained = np.round(OFFICIALS_TRAINED_2024 * weights / weights.sum()).astype(int)
    rows = []
    for period in periods:
        g = growth[period]
        phone = np.clip(base_phone + g, 0, 1)
        net = np.clip(base_net + g, 0, 1)
        dossiers = np.clip(DOSSIERS_ONLINE_2024 + g / 2 + rng.normal(0, 0.01, n), 0, 1)
        done = np.round(trained * (1 + 4 * g)).astype(int)
        lans = (rng.random(n) < 0.5 + 4 * g).astype(int)
        frame = pd.DataFrame({"unit_code": units["code"].astype(str), "period": period,
                              "share_adults_with_smartphone": phone.round(3),
                              "share_internet_users": net.round(3),
                              "share_dossiers_online": dossiers.round(3),
                              "officials_trained": done, "lan_security_approvals": lans})
        rows.append(frame)
        w = weights / weights.sum()
        rows.append(pd.DataFrame([{
            "unit_code": "district", "period": period,
            "share_adults_with_smartphone": round(float(phone @ w), 3),
            "share_internet_users": round(float(net @ w), 3),
            "share_dossiers_online": round(float(dossiers @ w), 3),
            "officials_trained": int(done.sum()), "lan_security_approvals": int(lans.sum())}]))
    return pd.concat(rows, ignore_index=True)


def road_points(roads: gpd.GeoDataFrame, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing_m`` along every road (working CRS)."""
    xs, ys = [], []
    for geom in roads.geometry:
        for line in getattr(geom, "geoms", [geom]):
            d = np.arange(0.0, line.length, spacing_m)
            pts = [line.interpolate(v) for v in d]
            xs += [p.x for p in pts]
            ys += [p.y for p in pts]
    return np.array(xs), np.array(ys)


def drive_test(inputs: Inputs, *, n_points: int = DRIVE_POINTS, seed: int = 11,
               bias_db: dict[str, float] | None = None, noise_db: float = NOISE_DB,
               bad_rows: bool = True, along_roads: bool = True) -> pd.DataFrame:
    """A synthetic drive test: the model's strongest cell of an operator and technology at points
    along the roads (or anywhere on the DEM without roads or ``along_roads``), plus ``bias_db``
    and Gaussian noise of standard deviation ``noise_db``.

    Points where the model plus bias is under :data:`DRIVE_FLOOR_DBM` are left out (selecting on
    the noiseless value keeps the mean error of the rest equal to the bias). With
    ``bad_rows``, a few unusable rows are appended (one per kind), as real logs have.
    """
    from pyproj import Transformer

    from netcover.monitor.compare import cell_levels_at_points

    bias_db = BIAS_DB if bias_db is None else bias_db
    rng = np.random.default_rng(seed)
    cells = inputs.cells
    assert cells is not None
    if along_roads and inputs.roads is not None:
        x, y = road_points(inputs.roads, DRIVE_SPACING_M)
    else:
        left, bottom, right, top = inputs.terrain.bounds
        x, y = rng.uniform(left, right, 4 * n_points), rng.uniform(bottom, top, 4 * n_points)
    inside = inputs.terrain.contains(x, y)
    x, y = x[inside], y[inside]
    pick = rng.choice(len(x), size=min(len(x), n_points), replace=False)
    x, y = _cell_centres(inputs, x[pick], y[pick])
    pairs = sorted({(str(o), str(t)) for o, t in zip(cells["operator"], cells["technology"],
                                                      strict=True)})
    choice = rng.integers(0, len(pairs), len(x))
    rows = []
    to_ll = Transformer.from_crs(inputs.crs, "EPSG:4326", always_xy=True)
    for k, (op, tech) in enumerate(pairs):
        sel = np.flatnonzero(choice == k)
        cand = np.flatnonzero(((cells["operator"] == op) & (cells["technology"] == tech)).to_numpy())
        if len(sel) == 0 or len(cand) == 0:
            continue
        levels = cell_levels_at_points(inputs, cand, x[sel], y[sel])
        filled = np.where(np.isnan(levels), -np.inf, levels)
        best = np.argmax(filled, axis=0)
        pred = filled[best, np.arange(len(sel))]
        expected = pred + bias_db.get(tech, 0.0)
        measured = expected + rng.normal(0.0, noise_db, len(sel))
        keep = np.isfinite(pred) & (expected > DRIVE_FLOOR_DBM)  # not on the noisy value: no bias
        lon, lat = to_ll.transform(x[sel][keep], y[sel][keep])
        with_id = rng.random(int(keep.sum())) < 0.7
        ids = np.where(with_id, cells["cell_id"].to_numpy()[cand[best[keep]]], "")
        rows.append(pd.DataFrame({"lon": np.round(lon, 6), "lat": np.round(lat, 6),
                                  "operator": op, "technology": tech,
                                  "level_dbm": np.round(measured[keep], 1), "cell_id": ids}))
    out = pd.concat(rows, ignore_index=True).sample(frac=1.0, random_state=seed)
    start = np.datetime64("2024-09-10T08:00:00")
    out.insert(2, "time", [str(start + np.timedelta64(int(4 * i), "s")) for i in range(len(out))])
    out["rsrp_dbm"] = np.where(out["technology"] == "4G", out["level_dbm"], np.nan)
    out["rscp_dbm"] = np.where(out["technology"] == "3G", out["level_dbm"], np.nan)
    out = out.drop(columns="level_dbm").reset_index(drop=True)
    if bad_rows:
        out = pd.concat([out, _bad_rows(out)], ignore_index=True)
    return out[["lon", "lat", "time", "operator", "technology", "rsrp_dbm", "rscp_dbm", "cell_id"]]


def _cell_centres(inputs: Inputs, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points moved to the centre of their DEM cell, so that rounding lon/lat to 6 decimals
    (0.1 m) cannot move them into the next cell, whose prediction may differ by many dB."""
    left, top = inputs.terrain.origin_xy
    size = inputs.terrain.cell_size
    return (left + (np.floor((x - left) / size) + 0.5) * size,
            top - (np.floor((top - y) / size) + 0.5) * size)


#: Changes to a good row that make the bad rows of :func:`drive_test` ({} is a duplicate).
_FAULTS: tuple[dict[str, object], ...] = (
    {"lon": np.nan}, {"lon": 0.0, "lat": 0.0}, {"technology": "2G"},
    {"rsrp_dbm": np.nan, "rscp_dbm": np.nan}, {"rsrp_dbm": -180.0, "rscp_dbm": -180.0},
    {"operator": "Gmobile"}, {}, {"time": "yesterday"}, {"cell_id": "NO-SUCH-CELL"})


def _bad_rows(good: pd.DataFrame) -> pd.DataFrame:
    """One row of each kind of fault real logs have."""
    first: dict[str, object] = {str(k): v for k, v in good.iloc[0].items()}
    return pd.DataFrame([first | fault for fault in _FAULTS])


def history_scenario(scenario_toml: Path, sites_name: str, period: str) -> str:
    """The sample scenario for an earlier period, to be written in ``history/``: the same files
    (paths rebased), that inventory, that period for ``netcover run``'s snapshot."""
    from netcover.config.scenario import load_scenario

    raw = tomllib.loads(scenario_toml.read_text(encoding="utf-8"))
    rebase_paths(raw, load_scenario(scenario_toml), scenario_toml.parent / "history")
    raw.setdefault("inputs", {})["sites"] = sites_name
    raw.setdefault("monitor", {})["period"] = period
    head = (f"# The bundled sample's scenario with the site inventory of an earlier period "
            f"({sites_name}); synthetic, see README.md.\n\n")
    return head + dumps_toml(raw)


def generate_history(sample: str | Path, *, seed: int = 2024,
                     drive: bool = True) -> list[Path]:
    """Write the history files and the drive test into the sample folder; return their paths."""
    import geopandas as gpd

    from netcover.config.scenario import load_scenario
    from netcover.core.io import write_text
    from netcover.monitor.workflow import load_with_coverage

    sample = Path(sample)
    folder = sample / "history"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    sites = pd.read_csv(sample / "sites.csv", dtype={"site_id": str, "cell_id": str},
                        keep_default_na=False)
    written = []
    order = rng.permutation(np.array(sorted(sites["site_id"].unique())))
    inventories = {CURRENT: sites}
    for period, (missing, _) in EARLIER.items():
        name = f"sites_{period}.csv"
        inventories[period] = earlier_sites(sites, order, missing, rng)
        written.append(_csv(inventories[period][list(SITE_COLUMNS)], folder / name))
        written.append(write_text(folder / f"scenario_{period}.toml",
                                  history_scenario(sample / "scenario.toml", name, period)))
    settlements = gpd.read_file(sample / "settlements.gpkg")
    fibre = fibre_history(settlements, rng)
    written.append(_csv(fibre, folder / "fibre_households.csv"))
    units = gpd.read_file(sample / "communes.gpkg")
    written.append(_csv(reported_indicators(units, rng), folder / "reported_indicators.csv"))
    drive_rows, fitted = None, ""
    if drive:
        inputs, _ = load_with_coverage(load_scenario(sample / "scenario.toml"))
        drive_rows = drive_test(inputs, seed=seed)
        written.append(_csv(drive_rows, sample / "drive_test.csv"))
        fitted = _calibration_lines(inputs, sample / "drive_test.csv")
    written.append(write_text(folder / "README.md",
                              readme_text(inventories, fibre, drive_rows, seed) + fitted))
    return written


def _calibration_lines(inputs: Inputs, csv: Path) -> str:
    """What ``monitor calibrate`` finds on the drive test, as README lines."""
    from netcover.data.measurements import read_measurements
    from netcover.monitor.calibrate import calibrate
    from netcover.monitor.compare import predict

    t = calibrate(predict(inputs, read_measurements(csv, inputs))).table
    rows = [f"| {r.technology} | {BIAS_DB.get(str(r.technology), 0.0):+.1f} | {r.n:,} | "
            f"{r.bias_before_db:+.2f} | {r.offset_db:+.2f} | {r.slope_db_per_decade:+.2f} | "
            f"{r.rmse_before_db:.2f} | {r.rmse_cv_db:.2f} |" for r in t.itertuples()]
    return ("\n## What the calibration finds on the drive test\n\n"
            "`netcover monitor calibrate` on these files (dB; RMSE after: 5-fold cross-validated):"
            "\n\n| technology | injected bias | rows | mean error | offset | slope per decade "
            "| RMSE before | RMSE after |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
            + "\n".join(rows) + "\n")


def readme_text(inventories: dict[str, pd.DataFrame], fibre: pd.DataFrame,
                drive_rows: pd.DataFrame | None, seed: int) -> str:
    """The history folder's README, with the figures of the files written."""
    from netcover.samplegen._history_readme import README

    lines = []
    for period in sorted(inventories):
        inv = inventories[period]
        hh = int(fibre.loc[fibre["period"] == period, "fibre_households"].sum())
        lines.append(f"| {period} | {inv['site_id'].nunique()} | {len(inv)} | {hh:,} |")
    drive = "not generated"
    if drive_rows is not None:
        good = drive_rows.iloc[:len(drive_rows) - len(_FAULTS)]
        techs = good["technology"].value_counts()
        named = float((good["cell_id"].fillna("") != "").mean())
        drive = (f"{len(good):,} good rows ("
                 + ", ".join(f"{t} {n:,}" for t, n in sorted(techs.items()))
                 + f"; {named:.1%} with a cell id) and {len(_FAULTS)} bad ones")
    bias = ", ".join(f"{t} {b:+.1f} dB" for t, b in sorted(BIAS_DB.items()))
    return _reflow(README.format(seed=seed, current=CURRENT, table="\n".join(lines), drive=drive,
                         bias=bias, noise=NOISE_DB, spacing=DRIVE_SPACING_M,
                         floor=DRIVE_FLOOR_DBM,
                         points=DRIVE_POINTS))


def _reflow(text: str, width: int = 100) -> str:
    """Re-wrap the paragraphs and list items of Markdown text (not code blocks or tables)."""
    import textwrap

    out: list[str] = []
    block: list[str] = []
    fenced = False

    def flush() -> None:
        if block:
            first = block[0]
            lead = "  " if first.startswith("- ") else ""
            out.extend(textwrap.wrap(" ".join(line.strip() for line in block), width,
                                     subsequent_indent=lead, break_on_hyphens=False))
            block.clear()

    for line in text.splitlines():
        if line.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or not line.strip() or line.startswith(("|", "#")):
            flush()
            out.append(line)
        elif line.startswith("- "):
            flush()
            block.append(line)
        else:
            block.append(line)
    flush()
    return "\n".join(out) + "\n"


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def main() -> None:
    """Command-line entry: regenerate the sample's history and drive test."""
    from netcover.app.sample import sample_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", nargs="?", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    for path in generate_history(args.sample or sample_dir(), seed=args.seed):
        print(path)


if __name__ == "__main__":  # pragma: no cover
    main()
