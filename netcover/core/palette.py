"""The one palette of every output: interactive map, KMZ, print maps and charts.

Coverage classes run from warm to cool (vermillion, orange, sky blue, blue: the Okabe-Ito colours,
told apart with every common colour-vision deficiency and in greyscale by their lightness), the
signal scale is viridis, the communes' share covered is cividis. Layers drawn semi-transparently
over the hillshade use the opacities defined here, and so do their legends, so that a legend
swatch looks like what the map shows.
"""

from __future__ import annotations

__all__ = [
    "BACKDROP_GREY", "CLASS_COLOURS", "CLASS_OPACITY", "GAP_COLOUR", "LINK_COLOURS", "NEW_SITE_COLOUR",
    "OPERATOR_COLOURS", "SHARE_CMAP", "SHARE_OPACITY", "SIGNAL_CMAP", "SIGNAL_OPACITY", "SITE_COLOUR",
    "TECH_COLOURS", "UNSERVED_COLOUR", "over_backdrop", "ramp", "share_colour",
]

#: Colours of the coverage classes none, weak, fair, good (index = class value).
CLASS_COLOURS: tuple[str, ...] = ("#d55e00", "#e69f00", "#56b4e9", "#0072b2")
#: Opacity of the coverage-class layer over the hillshade (maps and their legends).
CLASS_OPACITY = 0.55
#: Opacity of the signal layer and of the communes' share fill.
SIGNAL_OPACITY = 0.6
SHARE_OPACITY = 0.55
#: Grey the semi-transparent legend swatches are drawn on (a mid-tone of the hillshade).
BACKDROP_GREY = "#c8c8c8"
#: Colour map of the best-server signal level (weak to strong).
SIGNAL_CMAP = "viridis"
#: Colour map of a share in [0, 1] (communes' share covered).
SHARE_CMAP = "cividis"
#: Colours of operators' sites (none of the class colours), in order of their sorted names.
OPERATOR_COLOURS: tuple[str, ...] = ("#cc79a7", "#f0e442", "#009e73", "#ffffff", "#8c510a", "#999999")
#: Link colours by type.
LINK_COLOURS: dict[str, str] = {"fibre": "#111111", "microwave": "#6a00d4"}
#: Outline of gap areas, existing sites, new sites, villages without usable service.
GAP_COLOUR = "#7a0177"
SITE_COLOUR = "#111111"
NEW_SITE_COLOUR = "#cc79a7"
UNSERVED_COLOUR = "#f0e442"
#: Chart colours: target met / not met (the good and no-service classes), per technology.
MET_COLOUR, NOT_MET_COLOUR = CLASS_COLOURS[3], CLASS_COLOURS[0]
TECH_COLOURS: dict[str, str] = {"4G": "#0072b2", "3G": "#e69f00", "5G": "#009e73"}


def share_colour(share: float | None) -> str:
    """Colour of a share in [0, 1] on :data:`SHARE_CMAP`; grey when unknown."""
    import numpy as np
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if share is None or not np.isfinite(share):
        return "#999999"
    return str(to_hex(colormaps[SHARE_CMAP](float(np.clip(share, 0.0, 1.0)))))


def ramp(cmap: str, n: int) -> list[str]:
    """``n`` hex colours evenly along ``cmap`` (lowest first)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colours = colormaps[cmap]
    return [str(to_hex(colours(k / max(n - 1, 1)))) for k in range(n)]


def over_backdrop(colour: str, opacity: float, backdrop: str = BACKDROP_GREY) -> str:
    """``colour`` drawn with ``opacity`` over ``backdrop``, as one opaque hex colour."""
    import numpy as np
    from matplotlib.colors import to_hex, to_rgb

    top, under = np.array(to_rgb(colour)), np.array(to_rgb(backdrop))
    r, g, b = (float(v) for v in opacity * top + (1.0 - opacity) * under)
    return str(to_hex((r, g, b)))
