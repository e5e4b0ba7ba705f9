"""Profile plot of a microwave hop: what a link engineer checks first.

Terrain raised by the earth bulge (k-factor earth drawn flat) with the land cover's clutter (trees,
buildings) on top when the plan had a land-cover layer, the line of sight between the antennas, the
first Fresnel zone around it and the required clearance line, with the worst point marked; an inset
sets the hop's fade margin against the margin ITU-R P.530 needs for the link class's availability.
matplotlib is imported inside the function (Agg backend, no display needed).

Each PNG carries the key of what it shows (:func:`hop_key`: the hop's profile and settings and
the code's digest, :func:`netcover.core.codeversion.code_digest`) in a ``netcover-key`` text
chunk, so that an unchanged hop's plot can be taken from the previous run instead of drawn again
(:func:`previous_plot`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from netcover.core.codeversion import code_digest
from netcover.core.textsafe import plot_text
from netcover.links.microwave import earth_bulge_m, fresnel_radius_m
from netcover.links.plan_tables import HopProfile

__all__ = ["KEY_CHUNK", "PROFILE_LABELS", "draw_path_profile", "hop_key", "plot_hop_profile",
           "previous_plot"]

#: Name of the PNG text chunk holding :func:`hop_key`.
KEY_CHUNK = "netcover-key"


def hop_key(hop: HopProfile) -> str:
    """SHA-256 of everything a hop's plot shows (names, profile, masts, frequency, k-factor,
    clearance, fade margin) and of the code (:func:`netcover.core.codeversion.code_digest`)."""
    h = hashlib.sha256(f"hop-profile 2 {code_digest()}".encode())
    for f in dataclasses.fields(hop):
        value = getattr(hop, f.name)
        if isinstance(value, np.ndarray):
            arr = np.ascontiguousarray(value, dtype="float64")
            h.update(f"{f.name}{arr.shape}".encode())
            h.update(arr.tobytes())
        else:
            h.update(f"{f.name}={value!r};".encode())
    return h.hexdigest()


def previous_plot(path: Path, key: str) -> bool:
    """Whether ``path`` is an intact profile plot (every PNG chunk's CRC checked) of ``key``."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            if img.format != "PNG" or img.info.get(KEY_CHUNK) != key:
                return False
            img.verify()
    except (OSError, SyntaxError, ValueError):
        return False
    return True


#: Legend labels of :func:`draw_path_profile` (``{k}`` and ``{fraction}`` are filled in).
PROFILE_LABELS = {"terrain": "terrain + earth bulge", "clutter": "land-cover clutter",
                  "bulge": "earth bulge (k = {k:.2f})", "los": "line of sight",
                  "fresnel": "first Fresnel zone", "clearance": "{fraction:g} F1 clearance"}


def draw_path_profile(ax: Any, d_km: np.ndarray, h_m: np.ndarray, clutter_m: np.ndarray | None,
                      mast_a_m: float, mast_b_m: float, freq_ghz: float, k_factor: float, *,
                      clearance_fraction: float | None = None,
                      labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Draw a radio path's profile into ``ax``: terrain raised by the earth bulge (k-factor earth
    drawn flat), clutter on top, the line of sight between the two antennas (``mast_*_m`` above
    the end points' ground), the first Fresnel zone at ``freq_ghz`` and the two masts.

    ``clearance_fraction``: also the earth-bulge line and the required clearance line (a
    microwave hop's plot). ``labels``: legend labels replacing those of :data:`PROFILE_LABELS`.

    Returns
    -------
    dict
        ``d``, ``h`` (ground plus clutter), ``ground`` (``h`` plus the bulge), ``los``, ``f1``
        (Fresnel radius) as arrays, and ``base``: the bottom of the terrain fill (m).
    """
    text = {**PROFILE_LABELS, **(labels or {})}
    d = np.asarray(d_km, dtype=float)
    h = np.asarray(h_m, dtype=float)
    clutter = np.zeros_like(h) if clutter_m is None else np.asarray(clutter_m, float)
    total = float(d[-1] - d[0])
    d1 = d - d[0]
    d2 = total - d1
    bulge = np.asarray(earth_bulge_m(d1, d2, k_factor))
    f1 = np.asarray(fresnel_radius_m(d1, d2, freq_ghz))
    h_a = h[0] + mast_a_m
    h_b = h[-1] + mast_b_m
    los = h_a + (h_b - h_a) * d1 / max(total, 1e-12)
    ground = h + bulge  # obstacles: ground plus clutter
    base = float(min(ground.min(), los.min() - f1.max())) - 20.0
    ax.fill_between(d, base, ground - clutter, color="#b5a27a", label=text["terrain"])
    if clutter.any():
        ax.fill_between(d, ground - clutter, ground, where=clutter > 0, color="#4f8a3c",
                        alpha=0.8, lw=0, label=text["clutter"])
    if clearance_fraction is not None:
        ax.plot(d, base + bulge - bulge.min(), color="#6b5b3e", lw=0.8, ls=":",
                label=text["bulge"].format(k=k_factor))
    ax.plot(d, los, color="#c0392b", lw=1.4, label=text["los"])
    ax.fill_between(d, los - f1, los + f1, color="#3498db", alpha=0.18, label=text["fresnel"])
    if clearance_fraction is not None:
        ax.plot(d, los - clearance_fraction * f1, color="#2874a6", lw=1.0, ls="--",
                label=text["clearance"].format(fraction=clearance_fraction))
    ax.plot([d[0], d[0]], [h[0], h_a], color="k", lw=2)
    ax.plot([d[-1], d[-1]], [h[-1], h_b], color="k", lw=2)
    return {"d": d, "h": h, "ground": ground, "los": los, "f1": f1, "base": base}


def plot_hop_profile(hop: HopProfile, path: str | Path) -> Path:
    """Draw the hop's profile to a PNG at ``path`` (with its :func:`hop_key`) and return the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4.5), dpi=100)
    ax = fig.add_subplot()
    drawn = draw_path_profile(ax, hop.d_km, hop.h_m, hop.clutter_m, hop.mast_a_m, hop.mast_b_m,
                              hop.freq_ghz, hop.k_factor, clearance_fraction=hop.clearance_fraction)
    d, ground, los, f1 = drawn["d"], drawn["ground"], drawn["los"], drawn["f1"]
    total = float(d[-1] - d[0])
    base = float(drawn["base"])
    interior = slice(1, len(d) - 1)
    if len(d) > 2:
        ratio = (los[interior] - ground[interior]) / np.maximum(f1[interior], 1e-9)
        w = int(np.argmin(ratio)) + 1
        ax.plot(d[w], ground[w], "v", color="k", ms=7, label="worst point")
    ax.set_ylim(base, float(max(los.max() + f1.max(), ground.max())) + 20.0)
    ax.set_xlim(d[0], d[-1])
    ax.set_xlabel("distance (km)")
    ax.set_ylabel("height (m)")
    ax.set_title(plot_text(f"{hop.link_id}: {hop.from_name} - {hop.to_name}") + "\n"
                 f"{total:.2f} km, {hop.freq_ghz:g} GHz, clearance {hop.clearance_ratio:.2f} F1, "
                 + _margin_text(hop), fontsize=9)
    if np.isfinite(hop.margin_needed_db):
        _margin_inset(ax, hop)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=7, ncol=4,
              frameon=False)  # below the axes: never over the terrain
    ax.grid(alpha=0.3)
    right = 0.85 if np.isfinite(hop.margin_needed_db) else 0.98  # room for the margin bars
    fig.subplots_adjust(left=0.08, right=right, bottom=0.24, top=0.88)  # no tight_layout pass
    out = Path(path)
    fig.savefig(out, format="png", metadata={KEY_CHUNK: hop_key(hop)})
    return out


def _margin_text(hop: HopProfile) -> str:
    """The title's radio line: margin, the P.530 need and availability, the capacity."""
    text = f"fade margin {hop.fade_margin_db:.1f} dB"
    if np.isfinite(hop.margin_needed_db):
        text += (f" (P.530 needs {hop.margin_needed_db:.1f} dB for "
                 f"{hop.required_availability_pct:g}%: {hop.availability_pct:.3f}%)")
    if np.isfinite(hop.capacity_mbps):
        text += f", {hop.capacity_mbps:.0f} Mbps"
    return text


def _margin_inset(ax: Any, hop: HopProfile) -> None:
    """Two bars beside the profile, never over it: the margin the hop has and the margin it
    needs."""
    inset = ax.inset_axes((1.06, 0.3, 0.08, 0.6))
    ok = hop.fade_margin_db >= hop.margin_needed_db
    inset.bar([0, 1], [hop.fade_margin_db, hop.margin_needed_db],
              color=["#2e86c1" if ok else "#c0392b", "#7f8c8d"], width=0.7)
    inset.set_xticks([0, 1], ["margin", "needed"], fontsize=6, rotation=90)
    inset.tick_params(axis="y", labelsize=6)
    inset.set_title("fade margin\n(dB)", fontsize=6)
    inset.set_ylim(0.0, 1.1 * max(hop.fade_margin_db, hop.margin_needed_db, 1.0))
