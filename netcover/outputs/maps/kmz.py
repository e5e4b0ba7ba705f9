"""A KMZ of a run for Google Earth: coverage overlay, sites and planned links.

The KMZ is a zip of ``doc.kml`` and ``coverage.png``: the coverage class (best of all operators)
warped to EPSG:4326 as a ``GroundOverlay`` with its ``LatLonBox``, one placemark per site (styled by
operator; description: operator, heights, azimuths, frequencies) and one line per planned link
(styled by type, in a folder per phase). Written with the standard library only, atomically.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from netcover.core.io import atomic_path
from netcover.core.palette import CLASS_COLOURS, CLASS_OPACITY, LINK_COLOURS
from netcover.core.textsafe import xml_text
from netcover.outputs.maps.labels import class_label, label
from netcover.outputs.maps.overlays import class_overlay
from netcover.outputs.maps.vectors import operator_colours, people_served, popup_table, site_table

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.core.i18n import Lang
    from netcover.data.terrain import Terrain
    from netcover.outputs.results import RunFolder

__all__ = ["ICON_NAME", "KML_NS", "OVERLAY_NAME", "kml_colour", "write_kmz"]

KML_NS = "http://www.opengis.net/kml/2.2"

#: Name of the overlay image inside the KMZ.
OVERLAY_NAME = "coverage.png"

#: Name of the site icon inside the KMZ (a white disc that the styles tint per operator).
ICON_NAME = "site.png"


def _disc_png(size: int = 32) -> bytes:
    """A white disc with a dark rim on a transparent square (so the KMZ needs no icon server)."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((2, 2, size - 3, size - 3), fill=(255, 255, 255, 255),
                                outline=(40, 40, 40, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def kml_colour(hex_colour: str, alpha: int = 255) -> str:
    """A ``#rrggbb`` colour as KML's ``aabbggrr``."""
    r, g, b = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    """A child element; text and attributes lose the characters XML forbids (ElementTree escapes
    the rest)."""
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def _style(doc: ET.Element, style_id: str, colour: str, *, line: bool) -> None:
    style = _sub(doc, "Style", id=style_id)
    if line:
        ls = _sub(style, "LineStyle")
        _sub(ls, "color", kml_colour(colour))
        _sub(ls, "width", 3)
    else:
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", kml_colour(colour))
        _sub(icon, "scale", 0.9)
        _sub(_sub(icon, "Icon"), "href", ICON_NAME)


def _coords(xy: object) -> str:
    return " ".join(f"{x:.6f},{y:.6f},0" for x, y in xy)  # type: ignore[attr-defined]


def write_kmz(results: RunFolder, out_path: str | Path, *, dem: Terrain | str | Path | None = None,
              lang: str = "en") -> Path:
    """Write the run's KMZ (coverage overlay, sites, planned links) to ``out_path``.

    Parameters
    ----------
    results : RunFolder
        The run's results folder.
    out_path : str or Path
        The ``.kmz`` file to write (atomically).
    dem : Terrain, str, Path or None
        Unused: Google Earth has its own terrain (accepted so that callers can pass the same
        arguments as to :func:`netcover.outputs.maps.build_map`).
    lang : {"en", "vi"}
        Language of folder names and descriptions.
    """
    from netcover.core.i18n import check_lang

    language = check_lang(lang)
    del dem
    summary = results.summary()
    root = ET.Element("kml", xmlns=KML_NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", label("title", language, scenario=summary.get("scenario", "")))
    ops = operator_colours(summary.get("sites", {}).get("per_operator", {}))
    for op, colour in ops.items():
        _style(doc, f"site-{_slug(op)}", colour, line=False)
    for kind, colour in LINK_COLOURS.items():
        _style(doc, f"link-{kind}", colour, line=True)

    files: dict[str, bytes] = {ICON_NAME: _disc_png()}
    best = results.coverage_class()
    if best is not None:
        overlay = class_overlay(best, "EPSG:4326", max_px=2048)
        files[OVERLAY_NAME] = overlay.png
        ground = _sub(doc, "GroundOverlay")
        _sub(ground, "name", label("coverage_all", language))
        _sub(ground, "description", " ".join([", ".join(
            f"{class_label(k, language)} {c}" for k, c in enumerate(CLASS_COLOURS)) + ".",
            *_assumed(results, language)]))
        _sub(ground, "color", f"{round(255 * CLASS_OPACITY):02x}ffffff")  # as on the map
        _sub(_sub(ground, "Icon"), "href", OVERLAY_NAME)
        box = _sub(ground, "LatLonBox")
        south, west, north, east = overlay.bounds
        for tag, value in (("north", north), ("south", south), ("east", east), ("west", west)):
            _sub(box, tag, f"{value:.7f}")
    _add_sites(doc, results, language)
    _add_links(doc, results.links(), language)

    ET.indent(root)
    kml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    out = Path(out_path)
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_entry("doc.kml"), kml)  # Google Earth reads the first .kml entry
        for name, data in files.items():
            zf.writestr(_entry(name), data, compress_type=zipfile.ZIP_STORED)
    return out


def _assumed(results: RunFolder, lang: Lang) -> list[str]:
    """What the coverage assumes, and the uncalibrated banner when it is."""
    from netcover.outputs.report._context import record_of

    assumed = record_of(results)[0]
    return [assumed.sentence(lang), *([b] if (b := assumed.banner(lang)) else [])]


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so the same results give the same KMZ."""
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).lower()


def _add_sites(doc: ET.Element, results: RunFolder, lang: Lang) -> None:
    cells = results.sites()
    if cells is None or cells.empty:
        return
    folder = _sub(doc, "Folder")
    _sub(folder, "name", label("sites", lang))
    for row in site_table(cells, people_served(results)).to_dict("records"):
        mark = _sub(folder, "Placemark")
        _sub(mark, "name", row["site_id"])
        _sub(mark, "description", popup_table([
            (label("operator", lang), row["operator"]), (label("height_m", lang), row["height_m"]),
            (label("azimuths", lang), row["azimuths"]),
            (label("frequencies", lang), row["frequencies"]),
            (label("technologies", lang), row["technologies"]),
            (label("people_served", lang), row["people_served"]),
        ]))
        _sub(mark, "styleUrl", f"#site-{_slug(row['operator'])}")
        _sub(_sub(mark, "Point"), "coordinates", _coords([(row["geometry"].x, row["geometry"].y)]))


def _add_links(doc: ET.Element, links: gpd.GeoDataFrame | None, lang: Lang) -> None:
    if links is None or links.empty:
        return
    links = links.to_crs("EPSG:4326")
    for phase in sorted(links["phase"].dropna().unique().tolist()):
        folder = _sub(doc, "Folder")
        _sub(folder, "name", label("links_phase", lang, phase=phase))
        for row in links[links["phase"] == phase].to_dict("records"):
            kind = str(row.get("type", "fibre"))
            mark = _sub(folder, "Placemark")
            _sub(mark, "name", row.get("link_id", ""))
            _sub(mark, "description", popup_table([
                (label("type", lang), label(kind, lang) if kind in LINK_COLOURS else kind),
                (label("from", lang), row.get("from_name")), (label("to", lang), row.get("to_name")),
                (label("length_km", lang), float(row.get("length_km", float("nan")))),
                (label("cost_usd", lang), float(row.get("cost", float("nan")))),
            ]))
            _sub(mark, "styleUrl", f"#link-{kind if kind in LINK_COLOURS else 'fibre'}")
            geom = row["geometry"]
            parts = list(geom.geoms) if geom.geom_type.startswith("Multi") else [geom]
            target = _sub(mark, "MultiGeometry") if len(parts) > 1 else mark
            for part in parts:
                _sub(_sub(target, "LineString"), "coordinates", _coords(part.coords))
