"""Deygout (3 edges) beside P.1812's delta-Bullington on rough synthetic karst profiles.

Prints, for paths behind terrain (P.1812 trans-horizon), the distribution of the extra diffraction
loss Ld50 and basic transmission loss Lb of ``diffraction="deygout"`` over the default, and the time
per profile of each. First on profiles made here (seeded): tower karst, cones 60-320 m high and
150-600 m wide on a rolling base, sampled every 30 m; a 30 m mast on a random point, a 1.5 m
receiver 2-15 km away. Then on straight profiles of the bundled sample's DEM (30 m) from its sites
(their mast heights) to random receivers 1-15 km away, heights by bilinear interpolation.

Run from the repository root: ``python benchmarks/bench_deygout.py``.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from scipy.ndimage import map_coordinates

from netcover.radio import p1812_profile_loss

SAMPLE = Path(__file__).resolve().parent.parent / "gis_data" / "quan_ba"

STEP_KM = 0.03
N_PATHS = 400
F_GHZ = (0.9, 1.8)


def karst_profile(rng: np.random.Generator, length_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Distances (km) and heights (m) of one synthetic tower-karst profile."""
    d = np.arange(0.0, length_km + 1e-9, STEP_KM)
    base = 600.0 + np.cumsum(rng.normal(0.0, 4.0, d.size))
    h = base.copy()
    for _ in range(int(length_km * 1.5)):
        centre = rng.uniform(0.0, length_km)
        top = rng.uniform(60.0, 320.0)
        half_width = rng.uniform(0.075, 0.3)
        h = np.maximum(h, base + top * (1.0 - np.abs(d - centre) / half_width))
    return d, h


def sample_profiles(rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(distances, heights, mast height) of straight profiles on the sample's DEM."""
    with rasterio.open(SAMPLE / "dem.tif") as src:
        heights = src.read(1).astype("float64")
        inverse, crs = ~src.transform, src.crs
    to_utm = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    with open(SAMPLE / "sites.csv", newline="", encoding="utf-8") as fh:
        sites = {r["site_id"]: (float(r["lon"]), float(r["lat"]), float(r["height_m"]))
                 for r in csv.DictReader(fh)}
    masts = [(*to_utm.transform(lon, lat), h) for lon, lat, h in sites.values()]
    out = []
    while len(out) < N_PATHS:
        x0, y0, mast = masts[rng.integers(len(masts))]
        dist, bearing = rng.uniform(1.0, 15.0), rng.uniform(0.0, 2.0 * np.pi)
        d = np.linspace(0.0, dist, int(dist / STEP_KM) + 1)
        cols, rows = inverse * (x0 + 1000.0 * d * np.sin(bearing), y0 + 1000.0 * d * np.cos(bearing))
        rows, cols = np.asarray(rows) - 0.5, np.asarray(cols) - 0.5
        if rows.min() < 0 or cols.min() < 0 or rows.max() > heights.shape[0] - 1 or \
                cols.max() > heights.shape[1] - 1:
            continue
        out.append((d, map_coordinates(heights, [rows, cols], order=1), mast))
    return out


def compare(label: str, profiles: list[tuple[np.ndarray, np.ndarray, float]], f: float) -> None:
    """Print the extra loss of deygout behind terrain and the time per profile."""
    extra_d, extra_b, t_bull, t_deyg = [], [], 0.0, 0.0
    for d, h, mast in profiles:
        t0 = time.perf_counter()
        bull = p1812_profile_loss(d, h, mast, 1.5, f)
        t1 = time.perf_counter()
        deyg = p1812_profile_loss(d, h, mast, 1.5, f, diffraction="deygout")
        t2 = time.perf_counter()
        t_bull += t1 - t0
        t_deyg += t2 - t1
        if bull["los"] == 0.0:
            extra_d.append(deyg["Ld50"] - bull["Ld50"])
            extra_b.append(deyg["Lb"] - bull["Lb"])
    n = len(profiles)
    print(f"{label}, {f * 1000:.0f} MHz: {len(extra_d)} of {n} paths behind terrain")
    for name, arr in (("Ld50", np.array(extra_d)), ("Lb", np.array(extra_b))):
        p10, p50, p90 = np.percentile(arr, [10, 50, 90])
        print(f"  deygout - bullington {name}: median {p50:.1f} dB, p10 {p10:.1f} dB, "
              f"p90 {p90:.1f} dB, min {arr.min():.1f} dB, max {arr.max():.1f} dB")
    print(f"  time per profile: bullington {1e3 * t_bull / n:.2f} ms, "
          f"deygout {1e3 * t_deyg / n:.2f} ms")


def main() -> None:
    rng = np.random.default_rng(2026)
    karst = []
    for _ in range(N_PATHS):
        d, h = karst_profile(rng, rng.uniform(2.0, 15.0))
        karst.append((d, h, 30.0))
    sample = sample_profiles(rng)
    p1812_profile_loss(*karst[0][:2], 30.0, 1.5, 0.9, diffraction="deygout")  # compile first
    for f in F_GHZ:
        compare("synthetic karst", karst, f)
        compare("sample DEM", sample, f)


if __name__ == "__main__":
    main()
