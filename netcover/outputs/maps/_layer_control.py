"""A Leaflet layer switcher with group headings, collapsed on small screens (Leaflet alone).

folium's :class:`folium.LayerControl` lists every layer in one long, always-open list that hides
much of a laptop screen. :class:`GroupedLayerControl` lists the same layers under headings
(coverage, plan, network; the group of a layer is set with :func:`set_group`) and starts collapsed
to Leaflet's layers button when the window is smaller than :data:`EXPAND_MIN_PX`.
"""

from __future__ import annotations

from typing import Any

from folium.map import Layer, LayerControl
from jinja2 import Template

#: Layer groups, in the order the switcher lists them.
GROUPS: tuple[str, ...] = ("coverage", "plan", "network")
#: The switcher starts open only in a window at least this wide and high (CSS pixels).
EXPAND_MIN_PX: tuple[int, int] = (1200, 760)

_ATTR = "_netcover_group"


def set_group(layer: Any, group: str) -> Any:
    """Put a folium ``layer`` in one of :data:`GROUPS` of the switcher; returns the layer."""
    if group not in GROUPS:
        msg = f"layer group {group!r} is not one of {GROUPS}"
        raise ValueError(msg)
    setattr(layer, _ATTR, group)
    return layer


class GroupedLayerControl(LayerControl):
    """The layer switcher: overlays grouped under ``headings`` (group -> heading text).

    Must be added to the map after its layers (as folium's control).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }}_class = L.Control.Layers.extend({
    _update: function () {
        L.Control.Layers.prototype._update.call(this);
        var seen = {}, list = this._overlaysList;
        Array.prototype.slice.call(list.querySelectorAll("[data-group]")).forEach(function (span) {
            var group = span.getAttribute("data-group"), item = span.closest("label");
            if (seen[group] || !item) { return; }
            seen[group] = true;
            var head = document.createElement("div");
            head.className = "netcover-layer-group";
            head.style.cssText = "font-weight:bold;margin:4px 0 2px;border-bottom:1px solid #ccc";
            head.textContent = {{ this.headings|tojson }}[group];
            list.insertBefore(head, item);
        });
        return this;
    }
});
var {{ this.get_name() }}_layers = {
    base_layers: {
    {%- for key, val in this.base_layers.items() %}
        {{ key|tojson }}: {{ val }},
    {%- endfor %}
    },
    overlays: {
    {%- for key, val in this.overlays.items() %}
        {{ key|tojson }}: {{ val }},
    {%- endfor %}
    },
};
var {{ this.get_name() }} = new {{ this.get_name() }}_class(
    {{ this.get_name() }}_layers.base_layers, {{ this.get_name() }}_layers.overlays,
    {position: "topright", autoZIndex: true,
     collapsed: window.innerWidth < {{ this.min_px[0] }} || window.innerHeight < {{ this.min_px[1] }}}
).addTo({{ this._parent.get_name() }});
{{ this.get_name() }}.getContainer().classList.add("netcover-layers");
{{ this.get_name() }}.getContainer().style.cssText += "font:12px/1.3 sans-serif;max-width:260px";
{% endmacro %}
""")

    def __init__(self, headings: dict[str, str]) -> None:
        super().__init__()
        self.headings = headings
        self.min_px = EXPAND_MIN_PX

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """List the map's layers, overlays ordered by group (then in the order they were added)."""
        self.reset()
        overlays: list[tuple[int, str, str]] = []
        assert self._parent is not None
        for item in self._parent._children.values():
            if not isinstance(item, Layer) or not item.control:
                continue
            if not item.overlay:
                self.base_layers[item.layer_name] = item.get_name()
                continue
            group = getattr(item, _ATTR, GROUPS[0])
            key = f"<span data-group='{group}'>{item.layer_name}</span>"
            overlays.append((GROUPS.index(group), key, item.get_name()))
        for _, key, name in sorted(overlays, key=lambda o: o[0]):
            self.overlays[key] = name
        super(LayerControl, self).render(**kwargs)
