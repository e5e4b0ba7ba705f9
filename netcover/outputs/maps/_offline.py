"""A folium map whose page needs no network: Leaflet inlined, no CDN links.

folium's :class:`folium.Map` links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs. The map
made here lists none of them; the vendored Leaflet 1.9.4 (``netcover/_vendor/leaflet``, BSD-2) is
written into the page's header instead, with the images its stylesheet uses as ``data:`` URIs.
Only elements that need nothing but Leaflet may be added (GeoJson, ImageOverlay, CircleMarker,
Marker with a DivIcon, LayerControl, popups, tooltips); :func:`external_references` finds anything
that slipped in.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from netcover.core.textsafe import script_json

if TYPE_CHECKING:
    import folium

#: Version of the vendored Leaflet.
LEAFLET_VERSION = "1.9.4"

_URL_IN_CSS = re.compile(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)")
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)")
#: Attributes that make a browser fetch something, per element.
_FETCHING = {"script": "src", "img": "src", "iframe": "src", "link": "href", "source": "src"}


def _vendor_bytes(name: str) -> bytes:
    return (resources.files("netcover") / "_vendor" / "leaflet" / name).read_bytes()


@cache
def leaflet_js() -> str:
    """The vendored ``leaflet.js``."""
    return _vendor_bytes("leaflet.js").decode("utf-8")


@cache
def leaflet_css() -> str:
    """The vendored ``leaflet.css`` with its ``images/`` references made ``data:`` URIs."""
    def inline(match: re.Match[str]) -> str:
        data = base64.b64encode(_vendor_bytes(match.group(1))).decode("ascii")
        return f'url("data:image/png;base64,{data}")'

    return _URL_IN_CSS.sub(inline, _vendor_bytes("leaflet.css").decode("utf-8"))


def offline_map(**kwargs: Any) -> folium.Map:
    """A :class:`folium.Map` (``kwargs`` as folium's) whose page inlines Leaflet and links nothing."""
    import folium
    from branca.element import Element

    class _OfflineMap(folium.Map):
        default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's class attribute)
        default_css: list[tuple[str, str]] = []  # noqa: RUF012

    m = _OfflineMap(**kwargs)
    header = m.get_root().header  # type: ignore[attr-defined]
    header.add_child(Element(f"<style>{leaflet_css()}</style>"), name="leaflet_css", index=0)
    header.add_child(Element(f"<script>{leaflet_js()}</script>"), name="leaflet", index=1)
    return m


@cache
def _popup_class() -> type:
    from branca.element import MacroElement
    from jinja2 import Template

    class _Popup(MacroElement):
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "{{ this._parent.get_name() }}.bindPopup({{ this.content_js }}, "
            "{maxWidth: {{ this.max_width }}});"
            "{% endmacro %}")

        def __init__(self, content: str, max_width: int) -> None:
            super().__init__()
            self._name = "Popup"
            self.content = content
            self.content_js = script_json(content)
            self.max_width = max_width

    return _Popup


def add_popup(layer: Any, content: str, *, max_width: int = 360) -> None:
    """Bind an HTML popup to a folium ``layer`` with Leaflet alone.

    (:class:`folium.Popup` builds its content with jQuery, which the offline page does not load.)
    """
    layer.add_child(_popup_class()(content, max_width))


#: What makes a text a Jinja template rather than plain text (the default delimiters).
_JINJA = re.compile(r"\{[{%#]")
_NEWLINES = re.compile(r"\r\n|\r")


class _Plain:
    """A text that renders as itself: what a Jinja template without any ``{{``, ``{%`` or ``{#``
    renders to (newlines made ``\\n``, one trailing newline dropped, as Jinja's defaults do)."""

    __slots__ = ("text",)

    def __init__(self, source: str) -> None:
        text = _NEWLINES.sub("\n", source)
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, *args: object, **kwargs: object) -> str:
        return self.text


def render_page(m: folium.Map) -> str:
    """The HTML page of ``m``: ``m.get_root().render()``, the same text, about twice as fast.

    branca wraps the script and HTML each element renders in a new ``Element``, whose text it
    compiles as a Jinja template (about 1 ms each, thousands of markers and popups); the text
    of every wrapper without Jinja syntax is taken as it is, the rest still compiled. The
    JavaScript name of an element's kind (``circle_marker`` of ``CircleMarker``), which branca
    spells out character by character each time an element is named (a few times per element),
    is spelled once per kind. Both are branca's internals: where a branca release lacks them, the
    page is rendered the ordinary way.
    """
    import branca.element as branca

    jinja, camelify = _branca_internals(branca)
    if jinja is None or camelify is None:
        return str(m.get_root().render())

    def template(source: str, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(source, str) or _JINJA.search(source):
            return jinja(source, *args, **kwargs)
        return _Plain(source)

    branca.Template = template  # type: ignore[assignment,misc]
    branca._camelify = cache(camelify)
    try:
        return str(m.get_root().render())
    finally:
        branca.Template = jinja  # type: ignore[misc]
        branca._camelify = camelify


def _branca_internals(branca: Any) -> tuple[Any, Any]:
    """``branca.element``'s ``Template`` and ``_camelify`` (None where a release lacks them)."""
    return getattr(branca, "Template", None), getattr(branca, "_camelify", None)


def external_references(html: str) -> list[str]:
    """Every script, stylesheet, image or CSS ``url()`` reference of ``html`` that is not inline.

    Looks at ``src``/``href`` of the elements that fetch (script, link, img, iframe, source) and
    at ``url(...)`` in ``<style>`` blocks and ``style`` attributes (not in scripts). Inline means a
    ``data:`` URI or a fragment (``#...``); anything else (``https://``, ``//cdn``, a relative file)
    would need the network or a file next to the map.
    """
    from html.parser import HTMLParser

    found: list[str] = []

    class _Scan(HTMLParser):
        in_style = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            attr = _FETCHING.get(tag)
            if attr is not None and values.get(attr):
                found.append(str(values[attr]))
            found.extend(_CSS_URL.findall(values.get("style") or ""))
            self.in_style = tag == "style"

        def handle_endtag(self, tag: str) -> None:
            self.in_style = False

        def handle_data(self, data: str) -> None:
            if self.in_style:
                found.extend(_CSS_URL.findall(data))

    _Scan().feed(html)
    return [ref for ref in found if not ref.startswith(("data:", "#"))]
