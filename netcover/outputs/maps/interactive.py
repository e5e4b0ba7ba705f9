"""The offline interactive map of a run: one self-contained HTML file (folium + inlined Leaflet).

The page needs no network: Leaflet is inlined (:mod:`netcover.outputs.maps._offline`), rasters are
palette PNGs embedded as ``data:`` URIs (:mod:`netcover.outputs.maps.overlays`), markers are circles or
numbered ``DivIcon`` badges (no marker images), and the base is a hillshade of the DEM. An online
tile layer is added only with ``online_tiles=True``; it is then the page's only outside request.

Layers (with a switcher and a legend; names in English or Vietnamese): terrain, coverage class (best
of all operators; one per operator, off), best-server signal and best-server cells per technology
(off), communes coloured by share covered (off), coverage gaps, planned links per phase, sites with
their sector wedges, ranked new sites, villages by coverage class (off). Layers whose data the run
did not produce are left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.core.files import by_key
from netcover.core.io import atomic_path
from netcover.core.palette import (
    CLASS_COLOURS,
    GAP_COLOUR,
    LINK_COLOURS,
    SHARE_OPACITY,
    share_colour,
)
from netcover.core.textsafe import html_text
from netcover.outputs.maps._offline import add_popup, render_page
from netcover.outputs.maps.labels import class_label, label
from netcover.outputs.maps.legend import banner_html, legend_html
from netcover.outputs.maps.overlays import (
    Overlay,
)
from netcover.outputs.maps.rasters import MAX_OVERLAY_PX, operators, raster_layers, terrain_overlay
from netcover.outputs.maps.vectors import (
    geo_json,
    operator_colours,
    people_served,
    popup_table,
    sector_wedges,
    site_table,
)

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from netcover.core.i18n import Lang
    from netcover.data.terrain import Terrain
    from netcover.outputs.results import RunFolder

__all__ = ["MAX_OVERLAY_PX", "OUTSIDE_OPACITY", "build_map", "opening_view"]

#: Radius of the sector wedges drawn at each site: this share of the district's width, within bounds (m).
WEDGE_RADIUS_SHARE, WEDGE_RADIUS_M = 1 / 60, (150.0, 800.0)

#: Layers shown when the map opens (the others are in the switcher, unticked).
_SHOWN = {"hillshade", "coverage_all", "boundaries", "gaps", "links", "sites", "new_sites"}
#: Group of each layer in the switcher (coverage, plan, network).
_GROUP = {"hillshade": "coverage", "coverage_all": "coverage", "coverage_op": "coverage",
          "signal": "coverage", "best_server": "coverage", "boundaries": "coverage",
          "communes": "coverage", "villages": "coverage", "gaps": "plan", "new_sites": "plan",
          "links": "network", "sites": "network"}
#: Opacity of the dimmed area outside the units.
OUTSIDE_OPACITY = 0.55


def build_map(results: RunFolder, out_path: str | Path, *, dem: Terrain | str | Path | None = None,
              lang: str = "en", online_tiles: bool = False) -> Path:
    """Write the run's interactive map to ``out_path`` (one HTML file that works offline).

    Parameters
    ----------
    results : RunFolder
        The run's results folder.
    out_path : str or Path
        The HTML file to write (atomically).
    dem : Terrain, str, Path or None
        The terrain of the hillshade base, or its DEM file; by default the scenario's DEM recorded
        in the run's summary (no hillshade if that file is gone).
    lang : {"en", "vi"}
        Language of the layer names, legend and popups.
    online_tiles : bool
        Add an OpenStreetMap tile layer (the only thing the page then fetches).

    Returns
    -------
    Path
        ``out_path``.
    """
    from branca.element import Element

    from netcover.core.i18n import check_lang
    from netcover.outputs.maps._layer_control import GroupedLayerControl
    from netcover.outputs.maps._offline import offline_map
    from netcover.outputs.report._context import record_of

    language = check_lang(lang)
    summary = results.summary()
    units = results.units()
    west, south, east, north = opening_view(results, units)
    m = offline_map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11, tiles=None,
                    control_scale=True, zoom_snap=0.25, zoom_delta=0.5)
    m.get_root().title = html_text(label("title", language, scenario=summary.get("scenario", "")))  # type: ignore[attr-defined]
    if online_tiles:
        import folium

        folium.TileLayer("OpenStreetMap", name=html_text(label("online_tiles", language))).add_to(m)
    shade = terrain_overlay(results, dem)
    if shade is not None:
        _image(m, shade, label("hillshade", language), "hillshade", opacity=1.0)
    _add_rasters(m, results, language)
    colours = operator_colours(operators(results))
    _add_communes(m, units, language)
    _add_boundaries(m, units, language)
    gaps, new_sites = results.gap_areas(), results.new_sites()
    _add_gaps(m, gaps, language)
    links = results.links()
    _add_links(m, links, language)
    _add_sites(m, results, colours, language)
    _add_new_sites(m, new_sites, language)
    _add_villages(m, results.settlements(), language)
    GroupedLayerControl({g: label(f"group_{g}", language)
                         for g in ("coverage", "plan", "network")}).add_to(m)
    m.fit_bounds([[south, west], [north, east]], padding=(12, 12))
    signal_tech = "4G" if "4G" in results.technologies() else next(iter(results.technologies()), None)
    assumed = record_of(results)[0] if results.file(by_key("class")) else None  # coverage shown
    m.get_root().html.add_child(Element(legend_html(  # type: ignore[attr-defined]
        language, operators=colours, signal_tech=signal_tech, links=links is not None,
        gaps=gaps is not None and not gaps.empty,
        new_sites=new_sites is not None and not new_sites.empty, assumptions=assumed)))
    banner = assumed.banner(language) if assumed is not None else None
    if banner:
        m.get_root().html.add_child(Element(banner_html(banner)))  # type: ignore[attr-defined]
    page = _stable_ids(render_page(m))
    out = Path(out_path)
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out


def opening_view(results: RunFolder, units: gpd.GeoDataFrame | None = None,
                 ) -> tuple[float, float, float, float]:
    """(west, south, east, north) the map opens on: the units' extent, else the sites', else the
    run's whole extent (degrees). ``units``: the run's units, if already read."""
    for layer in (units if units is not None else results.units(), results.sites()):
        if layer is not None and not layer.empty and layer.crs is not None:
            west, south, east, north = (float(v) for v in layer.to_crs("EPSG:4326").total_bounds)
            if east > west or north > south:
                return west, south, east, north
    west, south, east, north = (float(v) for v in results.summary()["extent_lonlat"])
    return west, south, east, north


def _image(m: folium.Map, overlay: Overlay, name: str, key: str, *, opacity: float) -> None:
    import folium

    from netcover.outputs.maps._layer_control import set_group

    set_group(folium.raster_layers.ImageOverlay(
        image=overlay.data_uri(), bounds=overlay.leaflet_bounds(), opacity=opacity, name=html_text(name),
        show=key in _SHOWN, interactive=False, cross_origin=False, zindex=1), _GROUP[key]).add_to(m)


def _add_rasters(m: folium.Map, results: RunFolder, lang: Lang) -> None:
    for read, overlay, name, params, key, opacity in raster_layers(results):
        raster = read()
        if raster is not None:
            _image(m, overlay(raster, max_px=MAX_OVERLAY_PX), label(name, lang, **params), key,
                   opacity=opacity)


def _group(m: folium.Map, name: str, key: str) -> folium.FeatureGroup:
    import folium

    from netcover.outputs.maps._layer_control import set_group

    group = set_group(folium.FeatureGroup(name=html_text(name), show=key in _SHOWN), _GROUP[key])
    group.add_to(m)
    return group


def _feature(geometry: Any, style: dict[str, Any], popup: str | None, tooltip: object) -> Any:
    """A GeoJSON shape with its popup (HTML) and tooltip (plain text, escaped here)."""
    import folium

    feature = folium.GeoJson(geo_json(geometry), style_function=lambda _, s=style: s,
                             tooltip=None if tooltip is None else html_text(tooltip),
                             control=False)
    if popup is not None:
        add_popup(feature, popup)
    return feature


def _wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import shapely

    out = gdf.to_crs("EPSG:4326")
    out.geometry = shapely.set_precision(out.geometry.values, 1e-5)
    return out


def _num(row: Any, column: str) -> float | None:
    value = row.get(column)
    return None if value is None else float(value)


def _add_communes(m: folium.Map, units: gpd.GeoDataFrame | None, lang: Lang) -> None:
    if units is None or units.empty:
        return
    group = _group(m, label("communes", lang), "communes")
    for row in _wgs84(units).to_dict("records"):
        share = _num(row, "all_share_covered")
        popup = popup_table([
            (label("name", lang), row.get("name")),
            (label("people", lang), _num(row, "people")),
            (label("covered_pct", lang), None if share is None else f"{100 * share:.1f}"),
            (label("households_covered", lang), _num(row, "all_households_covered")),
            (label("villages_without", lang), row.get("all_villages_without_service")),
        ])
        style = {"color": "#444444", "weight": 1.5, "fillColor": share_colour(np.nan if share is None
                                                                                else share),
                 "fillOpacity": SHARE_OPACITY}
        _feature(row["geometry"], style, popup, str(row.get("name", ""))).add_to(group)


def _add_boundaries(m: folium.Map, units: gpd.GeoDataFrame | None, lang: Lang) -> None:
    """Unit outlines, with the world outside the units dimmed (one layer, shown at opening)."""
    import shapely

    if units is None or units.empty:
        return
    group = _group(m, label("boundaries", lang), "boundaries")
    inside = shapely.union_all(_wgs84(units).geometry.values)
    outside = shapely.box(-180.0, -85.0, 180.0, 85.0).difference(inside)
    _feature(outside, {"stroke": False, "fillColor": "#1e1e1e", "fillOpacity": OUTSIDE_OPACITY,
                       "interactive": False}, None, None).add_to(group)
    _feature(inside.boundary, {"color": "#111111", "weight": 2.2, "opacity": 0.9,
                               "interactive": False}, None, None).add_to(group)


def _add_gaps(m: folium.Map, gaps: gpd.GeoDataFrame | None, lang: Lang) -> None:
    if gaps is None or gaps.empty:
        return
    group = _group(m, label("gaps", lang), "gaps")
    style = {"color": GAP_COLOUR, "weight": 1.8, "fillColor": GAP_COLOUR, "fillOpacity": 0.15,
             "dashArray": "4 3"}
    for row in _wgs84(gaps).to_dict("records"):
        popup = popup_table([
            (label("gap", lang), row.get("gap_id")), (label("rank", lang), row.get("rank")),
            (label("people", lang), _num(row, "people")),
            (label("households", lang), _num(row, "households")),
            (label("commune", lang), row.get("commune") or None),
            (label("villages_in_gap", lang), row.get("villages")),
            (label("area_km2", lang), _num(row, "area_km2")),
        ])
        _feature(row["geometry"], style, popup, row.get("gap_id", "")).add_to(group)


def _add_links(m: folium.Map, links: gpd.GeoDataFrame | None, lang: Lang) -> None:
    if links is None or links.empty:
        return
    links = _wgs84(links)
    phases = sorted(links["phase"].dropna().unique().tolist()) if "phase" in links else [1]
    for phase in phases:
        group = _group(m, label("links_phase", lang, phase=phase), "links")
        rows = links[links["phase"] == phase] if "phase" in links else links
        for row in rows.to_dict("records"):
            kind = str(row.get("type", "fibre"))
            style = {"color": LINK_COLOURS.get(kind, "#333333"), "weight": 3.5 if phase == 1 else 2.5,
                     "opacity": 0.9, "dashArray": "7 5" if kind == "microwave" else None}
            popup = popup_table([
                (label("link", lang), row.get("link_id")), (label("rank", lang), row.get("rank")),
                (label("type", lang), label(kind, lang) if kind in ("fibre", "microwave") else kind),
                (label("phase", lang), phase), (label("from", lang), row.get("from_name")),
                (label("to", lang), row.get("to_name")),
                (label("length_km", lang), _num(row, "length_km")),
                (label("cost_usd", lang), _num(row, "cost")),
                (label("people", lang), _num(row, "people")),
            ])
            _feature(row["geometry"], style, popup, row.get("link_id", "")).add_to(group)


def _add_sites(m: folium.Map, results: RunFolder, colours: dict[str, str], lang: Lang) -> None:
    import folium

    cells = results.sites()
    if cells is None or cells.empty:
        return
    group = _group(m, label("sites", lang), "sites")
    x0, _, x1, _ = results.summary().get("extent_m", [0.0, 0.0, 0.0, 0.0])
    wedges = sector_wedges(cells, float(np.clip((x1 - x0) * WEDGE_RADIUS_SHARE, *WEDGE_RADIUS_M)))
    folium.GeoJson(
        wedges.__geo_interface__, control=False,
        style_function=lambda f: {"color": colours.get(f["properties"]["operator"], "#333333"),
                                  "weight": 1, "fillOpacity": 0.35,
                                  "fillColor": colours.get(f["properties"]["operator"], "#333333")},
    ).add_to(group)
    for row in site_table(cells, people_served(results)).to_dict("records"):
        popup = popup_table([
            (label("site", lang), row["site_id"]), (label("operator", lang), row["operator"]),
            (label("height_m", lang), row["height_m"]), (label("azimuths", lang), row["azimuths"]),
            (label("frequencies", lang), row["frequencies"]),
            (label("technologies", lang), row["technologies"]),
            (label("people_served", lang), row["people_served"]),
        ])
        marker = folium.CircleMarker(
            [row["geometry"].y, row["geometry"].x], radius=5, color="#222222", weight=1.5,
            fill=True, fill_color=colours.get(row["operator"], "#333333"), fill_opacity=1.0,
            tooltip=html_text(row["site_id"])).add_to(group)
        add_popup(marker, popup)


def _add_new_sites(m: folium.Map, sites: gpd.GeoDataFrame | None, lang: Lang) -> None:
    import folium

    if sites is None or sites.empty:
        return
    group = _group(m, label("new_sites", lang), "new_sites")
    badge = ("<div style='width:22px;height:22px;margin:-11px 0 0 -11px;border-radius:11px;"
             "background:#111;color:#fff;border:2px solid #fff;font:bold 11px/22px sans-serif;"
             "text-align:center;box-shadow:0 0 3px #000'>{rank}</div>")
    for row in _wgs84(sites).to_dict("records"):
        rank = row.get("rank", "")
        popup = popup_table([
            (label("rank", lang), rank), (label("candidate", lang), row.get("candidate_id")),
            (label("commune", lang), row.get("commune") or None),
            (label("new_people", lang), _num(row, "new_people")),
            (label("cost_usd", lang), _num(row, "cost")),
        ])
        marker = folium.Marker([row["geometry"].y, row["geometry"].x],
                               icon=folium.DivIcon(html=badge.format(rank=html_text(rank)),
                                                   icon_size=(0, 0)),
                               tooltip=html_text(f"{label('rank', lang)} {rank}")).add_to(group)
        add_popup(marker, popup)


def _add_villages(m: folium.Map, villages: gpd.GeoDataFrame | None, lang: Lang) -> None:
    import folium

    from netcover.config.radio import CLASS_NAMES

    if villages is None or villages.empty or "all_class" not in villages:
        return
    group = _group(m, label("villages", lang), "villages")
    for row in _wgs84(villages).to_dict("records"):
        k = CLASS_NAMES.index(row["all_class"]) if row["all_class"] in CLASS_NAMES else 0
        popup = popup_table([
            (label("name", lang), row.get("name")), (label("commune", lang), row.get("commune")),
            (label("people", lang), _num(row, "population")),
            (label("households", lang), _num(row, "households")),
            (label("class", lang), class_label(k, lang)),
        ])
        marker = folium.CircleMarker(
            [row["geometry"].y, row["geometry"].x], radius=3.5, color="#222222", weight=1, fill=True,
            fill_color=CLASS_COLOURS[k], fill_opacity=1.0,
            tooltip=html_text(row.get("name", ""))).add_to(group)
        add_popup(marker, popup, max_width=300)


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(page: str) -> str:
    """Folium names every element with a random hex id; number them in order of appearance
    instead, so the same results give the same page."""
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"), page)
