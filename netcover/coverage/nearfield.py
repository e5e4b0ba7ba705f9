"""Cells nearer to a site than ITU-R P.1812's lower distance limit (0.25 km).

P.1812-6 is valid from 0.25 km. The area engine (:func:`~netcover.radio.area.site_loss_grid`) still
gives every cell of a site's disc a P.1812 loss, the nearer cells included: free space over the slant
distance plus the diffraction of the short profile, the site's own cell at a horizontal distance of
1 m. :func:`near_site_notes` tells the report how many DEM cells and people that concerns, as a
``p1812_near_cells`` note (see :mod:`netcover.core.notes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netcover.core.notes import Note
from netcover.radio.area import MIN_DISTANCE_M

if TYPE_CHECKING:
    from affine import Affine

    from netcover.data.inputs import Inputs

__all__ = ["P1812_MIN_DISTANCE_KM", "cells_near", "near_site_notes"]

#: Shortest path for which ITU-R P.1812-6 is valid (km).
P1812_MIN_DISTANCE_KM = 0.25


def cells_near(transform: Affine, shape: tuple[int, int], x: np.ndarray, y: np.ndarray,
               radius_m: float) -> np.ndarray:
    """Flat indices (sorted, unique) of the grid cells whose centre lies within ``radius_m`` of any
    of the points (``x``, ``y``); the grid is north-up with square cells."""
    size, left, top = float(transform.a), float(transform.c), float(transform.f)
    n_rows, n_cols = shape
    reach = int(np.ceil(radius_m / size)) + 1
    found = []
    for px, py in zip(np.asarray(x, float), np.asarray(y, float), strict=True):
        r0, c0 = int(np.floor((top - py) / size)), int(np.floor((px - left) / size))
        rows = np.arange(max(r0 - reach, 0), min(r0 + reach + 1, n_rows))
        cols = np.arange(max(c0 - reach, 0), min(c0 + reach + 1, n_cols))
        if rows.size == 0 or cols.size == 0:
            continue
        cy = top - (rows + 0.5) * size
        cx = left + (cols + 0.5) * size
        inside = np.hypot(cx[None, :] - px, cy[:, None] - py) <= radius_m
        rr, cc = np.nonzero(inside)
        found.append(rows[rr] * n_cols + cols[cc])
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def near_site_notes(inputs: Inputs) -> list[Note]:
    """A ``p1812_near_cells`` note when the P.1812 engine is used and DEM cells lie within 0.25 km of
    a site (params ``cells``, ``people``: None without population data, ``km``)."""
    cells = inputs.cells
    if inputs.scenario.coverage.model != "p1812" or cells is None or len(cells) == 0:
        return []
    x, y = np.asarray(cells.geometry.x, float), np.asarray(cells.geometry.y, float)
    xy = np.unique(np.round(np.column_stack([x, y]), 3), axis=0)
    radius_m = P1812_MIN_DISTANCE_KM * 1000.0
    terrain = inputs.terrain
    n_cells = int(cells_near(terrain.transform, terrain.heights.shape, xy[:, 0], xy[:, 1],
                             radius_m).size)
    if n_cells == 0:
        return []
    people: int | None = None
    pop = inputs.population
    if pop is not None:
        near = cells_near(pop.transform, pop.counts.shape, xy[:, 0], xy[:, 1], radius_m)
        people = round(float(pop.counts.ravel()[near].sum(dtype="float64")))
    who = "" if people is None else f" ({people:,} people)"
    text = (f"{n_cells:,} DEM cells{who} lie within {P1812_MIN_DISTANCE_KM:g} km of a site, nearer "
            "than the lower distance limit of ITU-R P.1812, which is not valid there. The engine "
            "still gives them its P.1812 loss (free space over the slant distance plus the "
            f"diffraction of the short profile; a site's own cell at {MIN_DISTANCE_M:g} m), so "
            "coverage right next to a site is indicative only.")
    return [Note("p1812_near_cells", text,
                 {"cells": n_cells, "people": people, "km": P1812_MIN_DISTANCE_KM})]
