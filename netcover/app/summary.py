"""A summary of a scenario's inputs: extent, CRS, counts, people, sites per operator.

``netcover validate`` prints it; ``netcover run`` writes it as ``input_summary.json`` and
``input_summary.txt`` so that every result folder records what it was computed from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer

from netcover.core.files import by_key
from netcover.core.notes import Note, has_households, notes_as_dicts, skipped
from netcover.data.inputs import Inputs

__all__ = ["NO_DATA", "format_summary", "section_notes", "summarize", "write_summary"]

#: What a figure shows when its data is missing (never 0).
NO_DATA = "no data"


def summarize(inputs: Inputs) -> dict[str, Any]:
    """Figures describing the inputs, as a JSON-ready dict."""
    t = inputs.terrain
    left, bottom, right, top = t.bounds
    to_ll = Transformer.from_crs(t.crs, "EPSG:4326", always_xy=True)
    lon0, lat0 = to_ll.transform(left, bottom)
    lon1, lat1 = to_ll.transform(right, top)
    out: dict[str, Any] = {
        "scenario": inputs.scenario.scenario.name,
        "slug": inputs.scenario.scenario.slug,
        "scenario_file": str(inputs.scenario.path) if inputs.scenario.path else None,
        "crs": t.crs.to_string(),
        "crs_name": t.crs.name,
        "extent_m": [round(v, 1) for v in (left, bottom, right, top)],
        "extent_lonlat": [round(v, 5) for v in (lon0, lat0, lon1, lat1)],
        "dem": {
            "file": str(t.source) if t.source else None,
            "cell_size_m": t.cell_size,
            "rows": t.shape[0], "cols": t.shape[1],
            "area_km2": round((right - left) * (top - bottom) / 1e6, 1),
            "min_m": round(float(t.heights.min()), 1),
            "mean_m": round(float(t.heights.mean()), 1),
            "max_m": round(float(t.heights.max()), 1),
            "filled_cells": t.filled_cells,
        },
        "warnings": len(inputs.warnings),
        "usable_class": inputs.scenario.coverage.usable_class,
        **_service_summary(inputs),
        "notes": notes_as_dicts([*inputs.notes, *section_notes(inputs)]),
    }
    out.update(_landcover_summary(inputs))
    if inputs.cells is not None:
        out["sites"] = _sites_summary(inputs)
    if inputs.units is not None:
        units = inputs.units
        out["units"] = {
            "count": len(units),
            "area_km2": round(float(units.geometry.area.sum()) / 1e6, 1),
            "names": [str(n) for n in units["name"]],
        }
        if "population" in units.columns:
            out["units"]["population"] = int(units["population"].astype(float).sum())
    if inputs.settlements is not None:
        s = inputs.settlements
        out["settlements"] = {
            "count": len(s),
            "population": int(s["population"].sum()),
            "households": _known_sum(s, "households"),
            "fibre_households": _known_sum(s, "fibre_households"),
        }
    if inputs.population is not None:
        out["population_grid"] = {"people": round(inputs.population.total),
                                  "cell_size_m": inputs.population.cell_size}
    if inputs.network_points is not None:
        n = inputs.network_points
        out["network"] = {
            "points": len(n),
            "by_type": _counts(n["type"]),
            "by_connection": _counts(n["connection"]),
        }
        if inputs.fibre_routes is not None:
            out["network"]["fibre_km"] = round(float(inputs.fibre_routes.length.sum()) / 1000, 1)
    if inputs.roads is not None:
        r = inputs.roads
        km = r.geometry.length.groupby(r["class"]).sum() / 1000
        out["roads_km"] = {str(k): round(float(v), 1) for k, v in km.sort_index().items()}
    return out


def _service_summary(inputs: Inputs) -> dict[str, Any]:
    """The service levels (name, labels, environment, location probability), the headline's and
    the indoor one beside it (None: no indoor level)."""
    sc = inputs.scenario
    indoor = sc.indoor_level
    return {
        "service_levels": [{"name": lv.name, "label": lv.label("en"), "label_vi": lv.label("vi"),
                            "environment": lv.environment,
                            "location_probability": lv.location_probability}
                           for lv in sc.service_levels],
        "headline_service": sc.headline_level.name,
        "indoor_service": None if indoor is None else indoor.name,
    }


def _sites_summary(inputs: Inputs) -> dict[str, Any]:
    cells = inputs.cells
    assert cells is not None
    by_op = cells.groupby("operator")
    return {
        "sites": int(cells["site_id"].nunique()),
        "cells": len(cells),
        "per_operator": {
            str(op): {"sites": int(g["site_id"].nunique()), "cells": len(g)} for op, g in by_op
        },
        "per_technology": _counts(cells["technology"]),
        "frequencies_mhz": sorted({float(f) for f in cells["frequency_mhz"]}),
        "height_m": [float(np.min(cells["height_m"])), float(np.max(cells["height_m"]))],
    }


def _landcover_summary(inputs: Inputs) -> dict[str, Any]:
    """``{"landcover": ...}``: file, class table, share of the DEM's cells per class (empty
    without a land-cover layer)."""
    t = inputs.terrain
    if t.landcover is None or t.landcover_classes is None:
        return {}
    table = t.landcover_classes
    codes, counts = np.unique(t.landcover, return_counts=True)
    shares = {f"{int(k)} {table.by_code(int(k)).name}": round(100.0 * float(n) / t.landcover.size, 1)
              for k, n in zip(codes, counts, strict=True)}
    return {"landcover": {
        "file": str(inputs.scenario.inputs.landcover),
        "table": str(table.source) if table.source else "ESA WorldCover (default)",
        "share_pct": shares,
        "mean_clutter_m": round(float(np.mean(t.clutter_m)), 1) if t.clutter_m is not None else 0.0,
    }}


def _known_sum(frame: Any, column: str) -> int | None:
    """Sum of a column; None (no data) when the column is absent or any value is missing (NaN)."""
    if column not in frame or frame[column].isna().any():
        return None
    return int(frame[column].sum())


def _counts(series: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts().sort_index().items()}


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable lines of :func:`summarize`'s figures."""
    d = summary["dem"]
    lines = [
        f"Scenario: {summary['scenario']}",
        f"Working CRS: {summary['crs']} ({summary['crs_name']})",
        "Extent: lon {:.4f}-{:.4f}, lat {:.4f}-{:.4f}".format(*(summary["extent_lonlat"][i]
                                                                 for i in (0, 2, 1, 3))),
        f"DEM: {d['cols']} x {d['rows']} cells of {d['cell_size_m']:g} m ({d['area_km2']} km2), "
        f"heights {d['min_m']:.0f}-{d['max_m']:.0f} m (mean {d['mean_m']:.0f} m)"
        + (f", {d['filled_cells']} nodata cells filled" if d["filled_cells"] else ""),
    ]
    for key, lines_of in _SUMMARY_LINES:
        if key in summary:
            lines += lines_of(summary[key])
    if "headline_service" in summary:
        lines.append(_service_line(summary))
    lines += [f"Note: {n['text']}" for n in summary.get("notes", [])]
    if summary["warnings"]:
        lines.append(f"Warnings: {summary['warnings']} (see above)")
    return "\n".join(lines)


def _landcover_lines(lc: dict[str, Any]) -> list[str]:
    shares = ", ".join(f"{k} {v:g}%" for k, v in lc["share_pct"].items())
    return [f"Land cover: {lc['table']} classes: {shares}; mean clutter height "
            f"{lc['mean_clutter_m']:g} m"]


def _service_line(summary: dict[str, Any]) -> str:
    """The headline's service level and the indoor one beside it, with the headline figures of a
    run when the summary has them."""
    labels = {lv["name"]: lv["label"] for lv in summary.get("service_levels", [])}
    figures = summary.get("coverage_headline", {})
    parts = []
    for key in ("headline", "indoor"):
        name = summary.get(f"{key}_service")
        if name is None:
            continue
        fig = figures.get(key, {})
        value = (f": {fig['share_people_covered']:.1%} of people ({fig['low']:.1%}-{fig['high']:.1%})"
                 if "share_people_covered" in fig else "")
        parts.append(f"{key} {labels.get(name, name)}{value}")
    return "Coverage " + "; ".join(parts)


def _units_lines(u: dict[str, Any]) -> list[str]:
    pop = f", population {u['population']:,}" if "population" in u else ""
    return [f"Units: {u['count']} ({u['area_km2']} km2{pop})"]


def _settlements_lines(s: dict[str, Any]) -> list[str]:
    hh, fibre = (NO_DATA if v is None else f"{v:,}" for v in (s["households"], s["fibre_households"]))
    return [f"Settlements: {s['count']} with {s['population']:,} people, "
            f"{hh} households, {fibre} on fibre"]


def _grid_lines(g: dict[str, Any]) -> list[str]:
    return [f"Population grid: {g['people']:,} people in {g['cell_size_m']:g} m cells"]


def _sites_lines(s: dict[str, Any]) -> list[str]:
    ops = ", ".join(f"{op} {v['sites']} sites/{v['cells']} cells"
                    for op, v in s["per_operator"].items())
    tech = ", ".join(f"{k}: {v}" for k, v in s["per_technology"].items())
    freqs = ", ".join(f"{f:g}" for f in s["frequencies_mhz"])
    return [f"Sites: {s['sites']} sites, {s['cells']} cells ({ops})",
            f"Cells by technology: {tech}; frequencies {freqs} MHz"]


def _network_lines(n: dict[str, Any]) -> list[str]:
    conn = ", ".join(f"{k} {v}" for k, v in n["by_connection"].items())
    fibre = f"; {n['fibre_km']} km of fibre routes" if "fibre_km" in n else ""
    return [f"Data network: {n['points']} points ({conn}){fibre}"]


def _roads_lines(roads: dict[str, Any]) -> list[str]:
    return ["Roads: " + ", ".join(f"{k} {v} km" for k, v in roads.items())]


#: The lines of each optional part of the summary, in the order printed.
_SUMMARY_LINES: tuple[tuple[str, Callable[[dict[str, Any]], list[str]]], ...] = (
    ("landcover", _landcover_lines), ("units", _units_lines), ("settlements", _settlements_lines),
    ("population_grid", _grid_lines),
    ("sites", _sites_lines), ("network", _network_lines), ("roads_km", _roads_lines),
)


def write_summary(summary: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write ``input_summary.json`` and ``input_summary.txt`` into ``out_dir``."""
    return [by_key("input_summary").write(out_dir, summary),
            by_key("input_summary_text").write(out_dir, format_summary(summary) + "\n")]


def section_notes(inputs: Inputs) -> list[Note]:
    """What ``netcover run`` will skip, or do differently, because of the layers ``inputs`` has.

    ``skipped`` notes for each section it cannot produce, ``siting_no_roads`` when sites are
    planned without a roads layer, and ``p1812_near_cells`` when the P.1812 engine meets cells
    nearer to a site than the model's 0.25 km limit. Only ``dem`` and ``sites`` are required;
    everything else only adds sections.
    """
    from netcover.data.entities import missing_link_inputs
    from netcover.siting.candidates import access_geometries
    from netcover.siting.output import access_text

    out: list[Note] = []
    if inputs.population is None:
        out.append(skipped("siting", "no_population"))
    elif inputs.roads is None:
        text = access_text(access_geometries(inputs)[1])
        out.append(Note("siting_no_roads", text[0].upper() + text[1:]))
    if inputs.scenario.inputs.proposals is None:
        out.append(skipped("proposals", "no_proposals"))
    elif inputs.population is None:
        out.append(skipped("proposals", "no_population"))
    reasons = {"roads": "no_roads", "network": "no_network", "settlements": "no_settlements",
               "sites": "no_sites"}
    out += [skipped("links", reasons[name]) for name in missing_link_inputs(inputs)]
    if inputs.units is None:
        out += [skipped("units", "no_units"), skipped("monitoring", "no_units")]
    if inputs.settlements is None:
        out.append(skipped("settlements", "no_settlements"))
    elif not has_households(inputs.settlements):
        out.append(skipped("households", "no_households"))
    from netcover.coverage.nearfield import near_site_notes

    return out + near_site_notes(inputs)
