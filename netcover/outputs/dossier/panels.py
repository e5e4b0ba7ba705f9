"""The two drawings of a dossier page: the proposal's map and the terrain profile to a village.

The map is drawn offline from the run's own inputs (no tiles): a hillshade of the DEM, the commune
boundaries, roads and villages, the existing sites, the proposal's footprint, the uncovered
people it reaches (the demand cells inside the footprint) and the better place when the search
found one. The profile runs from the proposal to the nearest village inside its footprint (the
nearest village at all when none is inside), sampled on the DEM by
:func:`netcover.links.profiles.dense_profile` and drawn by
:func:`netcover.links.profile_plot.draw_path_profile`: terrain with the earth bulge of a k = 4/3
earth, clutter, the mast and the receiver, the line of sight and the first Fresnel zone at the
proposal's frequency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.core.palette import SITE_COLOUR
from netcover.core.textsafe import plot_text
from netcover.errors import ModelError
from netcover.outputs.dossier.layout import MapName, MapNames, legend_corner
from netcover.outputs.dossier.text import both, number
from netcover.outputs.report._furniture import north_arrow, polygon_patch, scale_bar

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from netcover.siting.plan import SitingProblem

__all__ = ["K_FACTOR", "MAP_MIN_SPAN_M", "MAP_NAMES", "MAP_SITE_NAMES", "PROFILE_MIN_M", "Village",
           "draw_map",
           "draw_profile", "profile_village"]

#: Effective earth radius factor of the profile (median refractivity gradient of temperate air).
K_FACTOR = 4.0 / 3.0
#: Smallest side of a page's map (m): a small footprint is shown with its neighbourhood.
MAP_MIN_SPAN_M = 4000.0
#: Nearest village a profile runs to (m): one at the mast's foot shows no terrain.
PROFILE_MIN_M = 300.0
#: Most villages named on a map: the profile's, those the proposal newly serves, then the nearest
#: (others are dots); a name whose box overlaps one already drawn is skipped.
MAP_NAMES = 8
#: Most existing sites named on a map (the nearest to the proposal).
MAP_SITE_NAMES = 3
_FOOTPRINT, _NEW, _PROPOSAL, _BETTER = "#3182bd", "#e6550d", "#d62728", "#2ca02c"
_ROAD, _UNIT, _VILLAGE = "#8c6d31", "#555555", "#1b1b1b"


def _label(key: str) -> str:
    vi, en = both(key)
    return f"{vi} / {en}"


#: The map legend's entries (the most it holds: its box is kept free of names).
_LEGEND_KEYS = {k: _label(k) for k in ("footprint", "new_cells", "communes", "roads", "villages",
                                       "sites", "proposal", "better")}


@dataclass(frozen=True)
class Village:
    """The village a profile runs to: name, position (working CRS) and whether the footprint
    holds it."""

    name: str
    x: float
    y: float
    inside: bool


def profile_village(problem: SitingProblem, x: float, y: float,
                    footprint: Any | None) -> Village | None:
    """The village the profile runs to, at least :data:`PROFILE_MIN_M` from the proposal: the
    nearest village inside ``footprint`` (a shapely geometry) whose people were uncovered (a demand
    cell holds it), else the nearest inside, else the nearest at all; None without villages."""
    import shapely

    villages = problem.inputs.settlements
    if villages is None or len(villages) == 0:
        return None
    vx, vy = villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy()
    names = (villages["name"].astype(str).to_numpy() if "name" in villages.columns
             else np.array([str(i) for i in villages.index]))
    dist = np.hypot(vx - x, vy - y)
    dist[dist < PROFILE_MIN_M] = np.inf  # a village at the mast's foot shows no terrain
    inside = (shapely.contains_xy(footprint, vx, vy) if footprint is not None
              and not footprint.is_empty else np.zeros(len(vx), dtype=bool))
    for choice in (inside & _uncovered(problem, vx, vy), inside, np.ones(len(vx), dtype=bool)):
        pick = np.where(choice, dist, np.inf)
        if np.isfinite(pick).any():
            k = int(np.argmin(pick))
            return Village(str(names[k]), float(vx[k]), float(vy[k]), bool(inside[k]))
    return None


def _uncovered(problem: SitingProblem, vx: np.ndarray, vy: np.ndarray) -> np.ndarray:
    """Whether each village lies in a demand cell (people below the usable class)."""
    d = problem.demand
    half = d.cell_size / 2.0
    cells = np.flatnonzero(d.people > 0)
    out = np.zeros(len(vx), dtype=bool)
    for k in range(len(vx)):
        out[k] = bool(np.any((np.abs(d.x[cells] - vx[k]) <= half)
                             & (np.abs(d.y[cells] - vy[k]) <= half)))
    return out


def _extent(x: float, y: float, footprint: Any | None, extra: list[tuple[float, float]],
            aspect: float) -> tuple[float, float, float, float]:
    """A map window around the proposal, its footprint and ``extra`` points, ``aspect`` = width
    / height, at least :data:`MAP_MIN_SPAN_M` a side."""
    xs, ys = [x, *(p[0] for p in extra)], [y, *(p[1] for p in extra)]
    if footprint is not None and not footprint.is_empty:
        x0, y0, x1, y1 = footprint.bounds
        xs += [x0, x1]
        ys += [y0, y1]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    w = max(max(xs) - min(xs), MAP_MIN_SPAN_M) * 1.2
    h = max(max(ys) - min(ys), MAP_MIN_SPAN_M) * 1.2
    w, h = max(w, h * aspect), max(h, w / aspect)
    cy -= 0.05 * h  # the content a little higher: room at the foot, where the scale bar stands
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def _hillshade(ax: Axes, problem: SitingProblem, box: tuple[float, float, float, float]) -> None:
    """The DEM's hillshade under the window ``box`` (at most 400 cells a side)."""
    from netcover.data.terrain import hillshade

    t = problem.inputs.terrain
    cell = abs(t.transform.a)
    c0 = max(int((box[0] - t.transform.c) / cell), 0)
    c1 = min(int(np.ceil((box[1] - t.transform.c) / cell)), t.heights.shape[1])
    r0 = max(int((t.transform.f - box[3]) / cell), 0)
    r1 = min(int(np.ceil((t.transform.f - box[2]) / cell)), t.heights.shape[0])
    if c1 - c0 < 3 or r1 - r0 < 3:
        return
    step = max(1, int(np.ceil(max(r1 - r0, c1 - c0) / 400)))
    z = np.asarray(t.heights[r0:r1:step, c0:c1:step], dtype=np.float64)
    left, top = t.transform.c + c0 * cell, t.transform.f - r0 * cell
    ax.imshow(hillshade(z, cell * step), cmap="Greys_r", vmin=-0.3, vmax=1.3, alpha=0.55,
              extent=(left, left + z.shape[1] * cell * step, top - z.shape[0] * cell * step, top),
              interpolation="bilinear", zorder=0)


def _nearest(xs: np.ndarray, ys: np.ndarray, seen: np.ndarray, at: tuple[float, float],
             n: int) -> np.ndarray:
    """Indices of the ``n`` points among ``seen`` nearest to ``at``."""
    idx = np.flatnonzero(seen)
    order = np.argsort(np.hypot(xs[idx] - at[0], ys[idx] - at[1]), kind="stable")
    return idx[order[:n]]


def _context(ax: Axes, problem: SitingProblem, at: tuple[float, float],
             village: Village | None, footprint: Any | None, names: MapNames) -> None:
    """Commune boundaries, roads, villages and existing sites (the nearest ones named)."""
    inputs = problem.inputs
    if inputs.units is not None and len(inputs.units):
        inputs.units.boundary.plot(ax=ax, color=_UNIT, lw=0.9, ls="--", zorder=2)
        ax.plot([], [], color=_UNIT, lw=0.9, ls="--", label=_label("communes"))
    if inputs.roads is not None and len(inputs.roads):
        inputs.roads.plot(ax=ax, color=_ROAD, lw=1.0, zorder=2)
        ax.plot([], [], color=_ROAD, lw=1.0, label=_label("roads"))
    if village is not None:
        names.add(MapName(village.name, village.x, village.y, (3, 3), 6.5, bold=True))
    cells = inputs.cells
    if cells is not None and len(cells):
        x0, x1, y0, y1 = names.box
        sites = cells.drop_duplicates("site_id")
        sx, sy = sites["x"].to_numpy(), sites["y"].to_numpy()
        seen = (sx >= x0) & (sx <= x1) & (sy >= y0) & (sy <= y1)
        ax.scatter(sx[seen], sy[seen], s=28, marker="^", c=SITE_COLOUR, zorder=8,
                   label=_label("sites"))
        ids = sites["site_id"].astype(str).to_numpy()
        for k in _nearest(sx, sy, seen, at, MAP_SITE_NAMES):
            names.add(MapName(ids[k], sx[k], sy[k], (3, -7), 5, colour="#333333"))
    _villages(ax, problem, at, village, footprint, names)


def _villages(ax: Axes, problem: SitingProblem, at: tuple[float, float],
              village: Village | None, footprint: Any | None, names: MapNames) -> None:
    """The villages on the map; named: those the proposal newly serves (inside the footprint,
    their people uncovered), then the nearest to ``at``, at most :data:`MAP_NAMES` with the
    profile's (named bold by :func:`_context`)."""
    import shapely

    x0, x1, y0, y1 = names.box
    villages = problem.inputs.settlements
    if villages is None or not len(villages):
        return
    vx, vy = villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy()
    seen = (vx >= x0) & (vx <= x1) & (vy >= y0) & (vy <= y1)
    ax.scatter(vx[seen], vy[seen], s=10, c=_VILLAGE, marker="o", zorder=6,
               label=_label("villages"))
    if "name" not in villages.columns:
        return
    names_of = villages["name"].astype(str).to_numpy()
    served = seen.copy()
    if footprint is not None and not footprint.is_empty:
        served &= shapely.contains_xy(footprint, vx, vy) & _uncovered(problem, vx, vy)
    else:
        served[:] = False
    order = [*_nearest(vx, vy, served, at, len(vx)), *_nearest(vx, vy, seen, at, len(vx))]
    named = 1 if village is not None else 0
    done: set[int] = set()
    for k in order:
        if named >= MAP_NAMES:
            break
        if k in done or (village is not None and names_of[k] == village.name):
            continue
        done.add(k)
        named += names.add(MapName(names_of[k], vx[k], vy[k], (3, 3), 5.5))


def _new_people(ax: Axes, problem: SitingProblem, footprint: Any, box: tuple[float, ...],
                width_in: float) -> None:
    """The demand cells (uncovered people) inside the footprint, as squares of their size."""
    import shapely

    d = problem.demand
    keep = (d.people > 0) & shapely.contains_xy(footprint, d.x, d.y)
    if not keep.any():
        return
    side_pt = d.cell_size / (box[1] - box[0]) * width_in * 72.0
    ax.scatter(d.x[keep], d.y[keep], s=max(side_pt, 1.5) ** 2, marker="s", c=_NEW, alpha=0.85,
               linewidths=0, zorder=4, label=_label("new_cells"))


def draw_map(ax: Axes, problem: SitingProblem, row: dict[str, Any], xy: tuple[float, float],
             footprint: Any | None, village: Village | None, *,
             size_in: tuple[float, float]) -> None:
    """The proposal's map into ``ax`` (see the module docstring). ``row``: the proposal's scores;
    ``xy``: its position in the working CRS; ``size_in``: the axes' width and height in inches
    (the window's shape, and the size of the demand cells)."""
    from pyproj import Transformer

    better: list[tuple[float, float]] = []
    if np.isfinite(float(row.get("extra_people") or 0)) and float(row.get("extra_people") or 0) > 0:
        to_xy = Transformer.from_crs("EPSG:4326", problem.inputs.crs, always_xy=True)
        better.append(to_xy.transform(float(row["better_lon"]), float(row["better_lat"])))
    shown = better + ([(village.x, village.y)] if village is not None else [])
    box = _extent(xy[0], xy[1], footprint, shown, size_in[0] / size_in[1])
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    _hillshade(ax, problem, box)
    if footprint is not None and not footprint.is_empty:
        ax.add_patch(polygon_patch(footprint, facecolor=_FOOTPRINT, alpha=0.22, edgecolor=_FOOTPRINT,
                                   lw=1.0, zorder=3, label=_label("footprint")))
        _new_people(ax, problem, footprint, box, size_in[0])
    else:
        ax.text(0.5, 0.04, _label("no_footprint"), transform=ax.transAxes, ha="center",
                fontsize=7, color="#555555")
    names = MapNames(ax, box, size_in)
    keep = [xy, *better] + ([(village.x, village.y)] if village is not None else [])
    corner = legend_corner(names, keep, list(_LEGEND_KEYS.values()))
    names.drawn += [names.point_box(x, y, 6.0) for x, y in (xy, *better)]  # the stars
    _context(ax, problem, xy, village, footprint, names)
    ax.scatter([xy[0]], [xy[1]], s=160, marker="*", c=_PROPOSAL, edgecolors="white",
               linewidths=0.8, zorder=9, label=_label("proposal"))
    for bx, by in better:
        ax.annotate("", xy=(bx, by), xytext=xy, zorder=9,
                    arrowprops={"arrowstyle": "->", "color": _BETTER, "lw": 1.4})
        ax.scatter([bx], [by], s=120, marker="*", c=_BETTER, edgecolors="white", linewidths=0.8,
                   zorder=9, label=_label("better"))
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    scale_bar(ax)
    north_arrow(ax, "B")
    ax.legend(loc=corner, fontsize=5.5, framealpha=0.85, borderpad=0.4, labelspacing=0.3,
              handlelength=1.4, scatterpoints=1)


def draw_profile(ax: Axes, problem: SitingProblem, xy: tuple[float, float], height_m: float,
                 frequency_mhz: float, village: Village | None) -> None:
    """The terrain profile from the proposal at ``xy`` (mast ``height_m``) to ``village`` into
    ``ax`` (see the module docstring); a sentence instead when there is no village or the path
    leaves the DEM."""
    from matplotlib.ticker import FuncFormatter

    from netcover.links.profile_plot import draw_path_profile
    from netcover.links.profiles import dense_profile

    if village is None:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _label("no_profile"), ha="center", va="center", transform=ax.transAxes)
        return
    t = problem.inputs.terrain
    try:
        d_km, h_m = dense_profile(t.heights, (t.transform.c, t.transform.f), abs(t.transform.a),
                                  xy, (village.x, village.y), clutter=t.clutter_m)
        ground = dense_profile(t.heights, (t.transform.c, t.transform.f), abs(t.transform.a),
                               xy, (village.x, village.y))[1]
    except ModelError:
        ax.set_axis_off()
        ax.text(0.5, 0.5, _label("no_profile"), ha="center", va="center", transform=ax.transAxes)
        return
    rx = problem.inputs.scenario.coverage.rx_height_m
    labels = {k: _label(k) for k in ("terrain", "clutter", "los", "fresnel")}
    drawn = draw_path_profile(ax, d_km, h_m, h_m - ground, height_m, rx, frequency_mhz / 1000.0,
                              K_FACTOR, labels=labels)
    d, los, f1, base = drawn["d"], drawn["los"], drawn["f1"], drawn["base"]
    top = float(max(los.max() + f1.max(), drawn["ground"].max())) + 20.0
    ax.set_ylim(base, top)
    ax.set_xlim(d[0], d[-1])
    inner = slice(1, len(d) - 1)
    bare = drawn["ground"] - (h_m - ground)  # terrain and earth bulge, without the clutter
    state = ("blocked" if np.any(los[inner] < bare[inner]) else
             "cluttered" if np.any(los[inner] < drawn["ground"][inner]) else "clear")
    mast_vi, mast_en = both("mast", height=number(height_m))
    rx_vi, rx_en = both("receiver", height=number(rx, 1))
    ax.annotate(f"{mast_vi} / {mast_en}", (d[0], los[0]), xytext=(4, 2),
                textcoords="offset points", fontsize=6)
    ax.annotate(f"{rx_vi} / {rx_en}", (d[-1], los[-1]), xytext=(-4, -10),
                textcoords="offset points", fontsize=6, ha="right")
    if state != "clear":  # where the line of sight is lowest under the obstacles
        w = int(np.argmin(los[inner] - drawn["ground"][inner])) + 1
        ax.plot(d[w], drawn["ground"][w], "v", color="k", ms=5)
    vi, en = both(state)
    ax.text(0.5, 0.96, f"{vi} / {en}", transform=ax.transAxes, ha="center", va="top", fontsize=6.5,
            color="#1a7f37" if state == "clear" else "#b00020",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
    outside = ("", "") if village.inside else both("outside")
    fields = {"village": plot_text(village.name), "km": number(d[-1], 2),
              "mhz": number(frequency_mhz)}
    ax.set_title(both("profile_title", outside=outside[0], **fields)[0] + "\n"
                 + both("profile_title", outside=outside[1], **fields)[1], fontsize=7.5, loc="left")
    decimals = 2 if d[-1] < 1.0 else 1
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, decimals)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))
    dist_vi, dist_en = both("distance")
    h_vi, h_en = both("height")
    ax.set_xlabel(f"{dist_vi} / {dist_en}", fontsize=6.5)
    ax.set_ylabel(f"{h_vi} / {h_en}", fontsize=6.5)
    ax.tick_params(labelsize=6)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.34), fontsize=5.5, ncol=4, frameon=False,
              columnspacing=1.2, handlelength=1.6)

