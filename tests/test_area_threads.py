"""The area engine is thread-safe: sites computed at once on several Python threads (its numba
kernels release the GIL) give, bit for bit, what they give one after the other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from netcover.radio.area import site_loss_grid

CELL = 30.0
ORIGIN = (400_000.0, 2_600_000.0)


def _hills(n: int = 120, seed: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:n, 0:n] * CELL
    z = 500.0 + rng.normal(0.0, 1.0, (n, n))
    for _ in range(8):
        cx, cy = rng.uniform(0.0, n * CELL, 2)
        z += rng.uniform(20.0, 150.0) * np.exp(-(np.hypot(x - cx, y - cy) / 300.0) ** 2)
    return z.astype(np.float32)


def test_sites_on_threads_equal_sites_in_turn() -> None:
    dem = _hills()
    clutter = np.where(_hills(seed=9) > 560.0, 12.0, 0.0).astype(np.float32)
    sites = [(ORIGIN[0] + CELL * (30 + 15 * k) + 7.0, ORIGIN[1] - CELL * (40 + 10 * k) - 3.0)
             for k in range(4)]

    def one(k: int) -> np.ndarray:
        return site_loss_grid(dem, ORIGIN, CELL, sites[k], 25.0, 1.5, 900.0 + 500.0 * k, 1_200.0,
                              clutter_m=clutter if k % 2 else None,
                              diffraction="deygout" if k == 3 else "bullington").loss_db

    in_turn = [one(k) for k in range(len(sites))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = list(pool.map(one, [k for _ in range(3) for k in range(len(sites))]))
    for i, grid in enumerate(at_once):
        np.testing.assert_array_equal(grid, in_turn[i % len(sites)])
    assert all(np.isfinite(g).sum() > 3000 for g in in_turn)
