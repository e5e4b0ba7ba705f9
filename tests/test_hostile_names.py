"""Hostile names in every field of a run: nothing injected into the map, CSVs, KMZ or file names.

The miniature district gets site ids, operator, commune and village names, a scenario name and a
slug made of script payloads, back-ticks, control characters, spreadsheet formulas and
mathtext (an even number of ``$`` around ``\\frac{``, which stops matplotlib drawing a print
map or chart). After a
whole ``run``:

- in headless Chromium (network blocked), with every tooltip and popup opened, no injected script
  ran and the map still draws (panes, markers, the layer switcher with the names as text);
- the CSVs have neutralised text cells and real numbers, negative ones included, intact;
- the KMZ's ``doc.kml`` parses as XML; nothing was written outside ``--out``.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pytest

from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.core.textsafe import csv_cell, html_text, plot_text, safe_name, script_json, xml_text

from .conftest import site_rows, write_mini_district, write_sites
from .test_map_browser import CHROMIUM, exceptions_of, page_session

SITE_1 = '=HYPERLINK("http://x","y")</script><script>window.__pwned=1</script>'
SITE_2 = '`${window.__pwned=3}`"><img src=x onerror="window.__pwned=2">\x07'
OPERATOR = "@SUM(1)<img src=x onerror=window.__pwned=4>`"
COMMUNES = ("+1</script><script>window.__pwned=5</script>", "-2`${window.__pwned=6}`\x0b $\\frac{$ $")
VILLAGES = ("=1+1<img src=x onerror=window.__pwned=7>", "Bản\x01 `x` \u2028 ${1}")
SCENARIO = "</title><script>window.__pwned=8</script>`${window.__pwned=9}` $\\frac{$ $"
#: Network points (the ends of planned links, in hop profile titles).
POINTS = ("=cmd|' /C calc'!A0 $\\frac{$", "@x\x1f`${window.__pwned=10}`")
SLUG = "x/../../ESCAPED"


def write_hostile_district(folder: Path) -> Path:
    """The miniature district with a hostile name in every text field; its scenario file."""
    scenario = write_mini_district(folder)
    rows = site_rows()
    for row in rows:
        site = SITE_1 if row["site_id"] == "S1" else SITE_2
        row["cell_id"] = f"{site}-{row['cell_id']}"
        row["site_id"], row["operator"] = site, OPERATOR
    write_sites(folder / "sites.csv", rows)
    units = gpd.read_file(folder / "communes.gpkg")
    units["name"] = list(COMMUNES)
    units.to_file(folder / "communes.gpkg")
    villages = gpd.read_file(folder / "settlements.gpkg")
    villages["name"] = list(VILLAGES)
    villages.to_file(folder / "settlements.gpkg")
    points = gpd.read_file(folder / "network.gpkg", layer="points")
    points["name"] = list(POINTS)
    points.to_file(folder / "network.gpkg", layer="points")
    text = scenario.read_text(encoding="utf-8")
    text = text.replace('name = "Mini district"', f"name = {json.dumps(SCENARIO)}")
    text = text.replace('slug = "mini"', f"slug = {json.dumps(SLUG)}")
    # wired links only, so that planned links (with the hostile names of their ends) are drawn: in
    # good 4G coverage the office would otherwise get a cellular subscription (issue 14)
    text += '\n[links.costs]\ntechnologies = ["fibre", "microwave"]\n'
    scenario.write_text(text, encoding="utf-8")
    return scenario


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole run of the hostile district into ``<tmp>/work/deep/out``; the tmp folder."""
    base = tmp_path_factory.mktemp("hostile")
    scenario = write_hostile_district(base / "inputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NETCOVER_CACHE_DIR", str(base / "loss-cache"))
        run(load_scenario(scenario), base / "work" / "deep" / "out")
    return base


def test_nothing_is_written_outside_out(hostile_run: Path) -> None:
    out = hostile_run / "work" / "deep" / "out"
    outside = [p for p in hostile_run.rglob("*")
               if not p.is_relative_to(out) and not p.is_relative_to(hostile_run / "inputs")
               and not p.is_relative_to(hostile_run / "loss-cache") and p != out.parent
               and p != out.parent.parent]
    assert outside == []
    assert not any("ESCAPED" in p.name for p in hostile_run.rglob("*")
                   if not p.is_relative_to(out))
    assert (out / "exports" / f"netcover_{safe_name(SLUG)}.kmz").is_file()


def test_kmz_is_valid_xml_with_the_names(hostile_run: Path) -> None:
    (kmz,) = (hostile_run / "work" / "deep" / "out" / "exports").glob("*.kmz")
    with zipfile.ZipFile(kmz) as zf:
        root = ET.fromstring(zf.read("doc.kml"))
    names = [el.text for el in root.iter("{http://www.opengis.net/kml/2.2}name")]
    assert xml_text(SITE_2) in names and SITE_1 in names


def _csv_cells(out: Path) -> dict[str, list[object]]:
    """Every cell of every CSV under ``out``, by file (read as text)."""
    cells = {}
    for path in sorted(out.rglob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        cells[str(path.relative_to(out))] = [*frame.columns, *frame.to_numpy().ravel().tolist()]
    return cells


def test_csv_cells_are_neutralised_and_numbers_intact(hostile_run: Path) -> None:
    out = hostile_run / "work" / "deep" / "out"
    cells = _csv_cells(out)
    assert len(cells) >= 10
    hostile = [SITE_1, OPERATOR, COMMUNES[0], COMMUNES[1], VILLAGES[0]]
    seen = set()
    for name, values in cells.items():
        for value in values:
            text = str(value)
            assert not text.startswith(("=", "+", "@", "\t", "\r")), (name, text)
            if text.startswith("-") and text != "-":
                float(text.rstrip("%"))  # only real negative numbers start with "-"
            seen |= {h for h in hostile if text in (csv_cell(h), csv_cell(xml_text(h)))}
    assert seen == set(hostile)  # the names did reach the CSVs, neutralised
    units = pd.read_csv(out / "coverage" / "coverage_by_unit.csv", encoding="utf-8-sig")
    assert pd.api.types.is_numeric_dtype(units["people"])
    assert units["people"].sum() > 0


def test_textsafe_building_blocks() -> None:
    assert html_text('`${x}`<a href="q">&') == "&#96;&#36;{x}&#96;&lt;a href=&quot;q&quot;&gt;&amp;"
    assert "</" not in script_json("</script>") and "\u2028" not in script_json("\u2028")
    assert json.loads(script_json("</script>\u2028`")) == "</script>\u2028`"
    assert csv_cell("=1") == "'=1" and csv_cell(-3.5) == -3.5 and csv_cell("+1") == "'+1"
    assert csv_cell("-3.5") == "-3.5" and csv_cell("-") == "-" and csv_cell("-2+3") == "'-2+3"
    assert csv_cell("-1e5%") == "-1e5%" and csv_cell("-A1") == "'-A1"
    assert csv_cell("ok") == "ok" and csv_cell(None) is None
    assert safe_name(SLUG) == "x_ESCAPED" and safe_name("..") == "unnamed"
    assert safe_name("a" * 300) == "a" * 80 and "/" not in safe_name("/etc/passwd\x00")
    assert xml_text("a\x00b\x1fc\td") == "abc\td"
    assert plot_text("$\\frac{$\x07") == r"\$\frac{\$"


#: Opens every tooltip and popup of the map (one after the other), so that hover-only HTML is
#: inserted into the page too; returns how many were opened.
_OPEN_ALL = """(() => {
  const maps = Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map);
  let opened = 0;
  for (const key of maps) {
    window[key].eachLayer(layer => {
      if (!(layer.getTooltip && layer.getTooltip()) && !(layer.getPopup && layer.getPopup())) return;
      let at;
      try { at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter(); }
      catch (e) { return; }
      if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(at); opened++; }
      if (layer.getPopup && layer.getPopup()) { layer.openPopup(at); opened++; }
    });
  }
  return opened;
})()"""

_CHECK = """({
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  panes: document.querySelectorAll('.leaflet-pane').length,
  markers: document.querySelectorAll('path.leaflet-interactive, .leaflet-marker-icon').length,
  images: document.querySelectorAll('img.leaflet-image-layer').length,
  overlays: Array.from(document.querySelectorAll(
      '.leaflet-control-layers-overlays label span span')).map(e => e.textContent.trim()),
  injected: document.querySelectorAll('img[src="x"], img[onerror]').length,
  title: document.title
})"""


def _open_in_chromium(page: Path, work: Path) -> tuple[dict[str, object], int, list[str]]:
    with page_session(work) as (browser, sid, _proxy):
        browser.call("Page.navigate", {"url": page.as_uri()}, session=sid)
        browser.wait_for("Page.loadEventFired")
        opened = browser.call("Runtime.evaluate", {"expression": _OPEN_ALL, "returnByValue": True},
                              session=sid)
        opened = opened["result"].get("value", str(opened)[:300])
        time.sleep(1.0)  # failed image loads (onerror handlers) have fired by now
        browser.drain()
        found = browser.call("Runtime.evaluate", {"expression": _CHECK, "returnByValue": True},
                             session=sid)["result"]["value"]
    assert isinstance(opened, int), opened
    return found, opened, exceptions_of(browser)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_no_script_runs_and_the_map_draws(hostile_run: Path, lang: str,
                                          tmp_path: Path) -> None:
    page = hostile_run / "work" / "deep" / "out" / f"map_{lang}.html"
    found, opened, errors = _open_in_chromium(page, tmp_path)
    assert found["pwned"] is None, found
    assert errors == []
    assert opened > 5  # tooltips and popups of sites, communes, villages, links
    assert found["injected"] == 0  # no element was made from a name
    assert found["panes"] >= 5 and found["markers"] > 5 and found["images"] >= 1
    overlays = found["overlays"]
    assert isinstance(overlays, list) and any(OPERATOR in str(o) for o in overlays)
    assert "window.__pwned=8" in str(found["title"])


def test_the_map_page_holds_no_raw_payload(hostile_run: Path) -> None:
    page = (hostile_run / "work" / "deep" / "out" / "map_en.html").read_text(encoding="utf-8")
    for raw in ("<script>window.__pwned", "<img src=x", "</title><script>"):
        assert raw not in page
    assert page.count("<script") == page.count("</script>") == 3  # Leaflet, the map, nothing else
