"""The interactive map in headless Chromium, with the network blocked.

Chromium opens the miniature district's map from a file path and is driven through the DevTools
protocol over a pipe (``--remote-debugging-pipe``: JSON messages on file descriptors 3 and 4, so no
websocket client is needed). Two independent checks that nothing is fetched from outside:

- the page's own requests, as the DevTools ``Network`` domain reports them, are all ``file:`` or
  ``data:`` URLs;
- the network is blocked: every request the browser would send goes to a local recording proxy
  (``--proxy-server``, loopback included) that refuses it, and no host name resolves
  (``--host-resolver-rules``); the proxy must see nothing but Chromium's own service calls.

The test reads the layer switcher's entries from the rendered page, checks that no script failed, and
saves a screenshot (its path is printed). A control run of the same map with ``online_tiles=True``
proves that both checks do see outside requests.

Skipped when Debian's ``chromium`` is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from netcover.outputs.maps import build_map
from netcover.outputs.maps.labels import label
from netcover.outputs.results import RunFolder

from .test_maps import run_mini

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless browser test needs Chromium: install Debian's package with "
           "`apt-get install chromium` (.ci/run does this)")

#: Flags of every run: headless, no first-run or background traffic, no sandbox (CI runs as root).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--disable-client-side-phishing-detection", "--disable-domain-reliability", "--no-pings",
         "--disable-breakpad", "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,"
         "MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater",
         "--window-size=1280,900",
         # no name resolves; the proxy (an IP literal) stays reachable
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")

#: Size of the page's viewport (CSS pixels) and so of the screenshot.
VIEWPORT = (1280, 900)

#: Chromium's own services, which it calls whatever the page (the extension updater and sign-in
#: still call home despite the flags above). Requests to any other host come from the page.
BROWSER_SERVICES = frozenset({"update.googleapis.com", "accounts.google.com", "clients2.google.com"})

#: What the page reports once loaded: layer switcher entries, drawn layers, the legend.
_INSPECT = """(() => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
  const map = Object.values(window).find(v => v instanceof L.Map);
  const b = map.getBounds();
  return {
    overlays: Array.from(document.querySelectorAll(
        '.leaflet-control-layers-overlays label [data-group]')).map(e => e.textContent.trim()),
    groups: Array.from(document.querySelectorAll('.netcover-layer-group')).map(e => e.textContent),
    images: document.querySelectorAll('img.leaflet-image-layer').length,
    paths: document.querySelectorAll('path.leaflet-interactive').length,
    boundaries: document.querySelectorAll('path[stroke="#111111"][stroke-width="2.2"]').length,
    legend: document.querySelectorAll('.netcover-legend').length,
    control: box(document.querySelector('.leaflet-control-layers')),
    expanded: document.querySelector('.leaflet-control-layers-expanded') !== null,
    view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
  };
})()"""


def host_of(request_line: str) -> str:
    """Host of a proxy request line: ``CONNECT host:443 HTTP/1.1`` or ``GET http://host/... ``."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    return target.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]


def page_requests(requests: list[str]) -> list[str]:
    """The proxy's requests that are not Chromium's own (see :data:`BROWSER_SERVICES`)."""
    return [r for r in requests if host_of(r) not in BROWSER_SERVICES]


class RecordingProxy:
    """A local HTTP proxy that refuses every request and records its first line."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2.0)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    first = "(connection without a request line)"
                self.requests.append(first)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


class DevTools:
    """Chromium driven through ``--remote-debugging-pipe`` (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, args: list[str], timeout: float = 30.0) -> None:
        assert CHROMIUM is not None
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{cmd_r} 4>&{out_w}', CHROMIUM, *args,
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(cmd_r, out_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(out_w)
        self._out = os.fdopen(cmd_w, "wb", buffering=0)
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._next = 0
        self.timeout = timeout
        threading.Thread(target=self._read, args=(out_r,), daemon=True).start()

    def _read(self, fd: int) -> None:
        buf = b""
        with os.fdopen(fd, "rb", buffering=0) as f:
            while chunk := f.read(1 << 16):
                buf += chunk
                *messages, buf = buf.split(b"\0")
                for m in messages:
                    self._inbox.put(json.loads(m))
        self._inbox.put(None)

    def _receive(self, deadline: float) -> dict[str, Any]:
        message = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        if message is None:
            msg = "Chromium closed the DevTools pipe"
            raise RuntimeError(msg)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next += 1
        request: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session is not None:
            request["sessionId"] = session
        self._out.write(json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message["result"])
            self.events.append(message)

    def wait_for(self, event: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._receive(deadline))

    def drain(self) -> None:
        while not self._inbox.empty():
            message = self._inbox.get()
            if message is not None:
                self.events.append(message)

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.proc.wait(timeout=10)
        except (RuntimeError, queue.Empty, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._out.close()


@dataclass(frozen=True)
class Visit:
    page: dict[str, Any]  # what _INSPECT found
    urls: list[str]  # every URL the page requested (DevTools Network domain)
    exceptions: list[str]  # uncaught script errors
    proxied: list[str]  # request lines that reached the recording proxy
    screenshot: Path


@contextlib.contextmanager
def page_session(work: Path, domains: tuple[str, ...] = ("Page", "Runtime"),
                 ) -> Iterator[tuple[DevTools, str, RecordingProxy]]:
    """Headless Chromium with the network blocked (every request goes to a recording proxy on
    loopback): the browser, the session id of its page (``domains`` enabled) and the proxy.
    The browser is closed on leaving; its events stay in ``browser.events``."""
    with RecordingProxy() as proxy:
        browser = DevTools([*FLAGS, f"--user-data-dir={work / 'profile'}",
                            f"--proxy-server=http://127.0.0.1:{proxy.port}",
                            "--proxy-bypass-list=<-loopback>"])
        try:
            targets = browser.call("Target.getTargets")["targetInfos"]
            target = next(t["targetId"] for t in targets if t["type"] == "page")
            sid = browser.call("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
            for domain in domains:
                browser.call(f"{domain}.enable", session=sid)
            yield browser, sid, proxy
        finally:
            browser.close()


def exceptions_of(browser: DevTools) -> list[str]:
    """The page's uncaught JavaScript exceptions (shortened)."""
    return [json.dumps(e["params"]["exceptionDetails"])[:300] for e in browser.events
            if e.get("method") == "Runtime.exceptionThrown"]


def visit(page: Path, work: Path, *, settle_s: float = 0.5,
          viewport: tuple[int, int] = VIEWPORT) -> Visit:
    """Open ``page`` in headless Chromium with the network blocked; inspect it and screenshot it."""
    shot = work / f"{page.stem}_{viewport[0]}x{viewport[1]}.png"
    with page_session(work, ("Network", "Page", "Runtime")) as (browser, sid, proxy):
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": viewport[0], "height": viewport[1], "deviceScaleFactor": 1,
                      "mobile": False}, session=sid)
        browser.call("Page.navigate", {"url": page.as_uri()}, session=sid)
        browser.wait_for("Page.loadEventFired")
        time.sleep(settle_s)  # requests a loaded page would still make (tiles) are sent by now
        browser.drain()
        found = browser.call("Runtime.evaluate", {"expression": _INSPECT, "returnByValue": True},
                             session=sid)["result"]["value"]
        png = browser.call("Page.captureScreenshot", {"format": "png"}, session=sid)["data"]
        shot.write_bytes(base64.b64decode(png))
    return Visit(
        page=found,
        urls=[e["params"]["request"]["url"] for e in browser.events
              if e.get("method") == "Network.requestWillBeSent"],
        exceptions=exceptions_of(browser), proxied=list(proxy.requests), screenshot=shot)


@pytest.fixture(scope="module")
def mini_results(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return run_mini(tmp_path_factory.mktemp("browser"))


def test_map_offline_in_chromium(mini_results: RunFolder,
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("chromium", numbered=True)
    page = build_map(mini_results, work / "map.html")
    seen = visit(page, work)
    print(f"\nscreenshot of the offline map: {seen.screenshot}")
    own = sorted({host_of(r) for r in seen.proxied} & BROWSER_SERVICES)
    print(f"page requests: {len(seen.urls)} (file: and data: only); Chromium's own calls "
          f"(blocked, not the page's): {own or 'none'}")

    outside = [u for u in seen.urls if not u.startswith(("file:", "data:"))]
    assert outside == [], f"the page asked for: {outside}"
    assert page.as_uri() in seen.urls  # the Network domain did record the page's requests
    assert page_requests(seen.proxied) == [], f"reached the network: {seen.proxied}"
    assert seen.exceptions == []
    expected = [label("hillshade", "en"), label("coverage_all", "en"),
                label("coverage_op", "en", operator="Viettel"), label("signal", "en", tech="4G"),
                label("communes", "en"), label("villages", "en"), label("links_phase", "en", phase=1),
                label("sites", "en")]
    overlays = seen.page["overlays"]
    assert [n for n in overlays if n in expected] == expected, overlays
    assert seen.page["images"] == 2  # hillshade and coverage class are shown when the map opens
    assert seen.page["paths"] > 0  # wedges, links and site markers were drawn
    assert seen.page["legend"] == 1

    img = np.asarray(Image.open(seen.screenshot).convert("RGB"))
    assert img.shape[:2] == (VIEWPORT[1], VIEWPORT[0])
    assert len(np.unique(img.reshape(-1, 3), axis=0)) > 50  # hillshade and layers, not a blank page


@pytest.mark.parametrize(("viewport", "expanded"), [((1400, 900), True), ((1024, 700), False)],
                         ids=["1400x900", "1024x700"])
def test_map_opens_on_the_units_with_the_switcher_aside(
        mini_results: RunFolder, tmp_path_factory: pytest.TempPathFactory,
        viewport: tuple[int, int], expanded: bool) -> None:
    """The map opens on the units (outlines shown), the layer switcher grouped and, on a small
    screen, collapsed: it never covers the middle of the map."""
    work = tmp_path_factory.mktemp("chromium-view", numbered=True)
    page = build_map(mini_results, work / "map.html")
    seen = visit(page, work, viewport=viewport)
    print(f"\nscreenshot at {viewport}: {seen.screenshot}")
    units = mini_results.units()
    assert units is not None
    west, south, east, north = units.to_crs("EPSG:4326").total_bounds
    v_west, v_south, v_east, v_north = seen.page["view"]
    assert v_west <= west and v_south <= south and v_east >= east and v_north >= north
    # opens on the units, not on the whole DEM: the view is at most twice their span either way
    assert (v_east - v_west) <= 2 * (east - west) or (v_north - v_south) <= 2 * (north - south)
    assert seen.page["boundaries"] >= 1  # unit outlines are on when the map opens
    # grouped: coverage first, network last (the miniature run has no site plan)
    assert seen.page["groups"] == [label("group_coverage", "en"), label("group_network", "en")]
    assert seen.page["expanded"] is expanded
    left, top, right, bottom = seen.page["control"]
    w, h = viewport
    middle = (w / 4, h / 4, 3 * w / 4, 3 * h / 4)
    assert right <= middle[0] or left >= middle[2] or bottom <= middle[1] or top >= middle[3], \
        f"the layer switcher {seen.page['control']} covers the middle {middle} of the map"
    # pixels: the middle of the screenshot shows the map (many colours), not a white list
    img = np.asarray(Image.open(seen.screenshot).convert("RGB"))
    centre = img[h // 3: 2 * h // 3, w // 3: 2 * w // 3].reshape(-1, 3)
    assert (centre.min(axis=1) > 245).mean() < 0.5


def test_checks_see_the_requests_of_an_online_map(mini_results: RunFolder,
                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """Control: with online tiles, both checks must see the tile requests."""
    work = tmp_path_factory.mktemp("chromium-online", numbered=True)
    page = build_map(mini_results, work / "online.html", online_tiles=True)
    seen = visit(page, work)
    assert any(u.startswith("https://tile.openstreetmap.org/") for u in seen.urls), seen.urls
    assert "tile.openstreetmap.org" in {host_of(r) for r in page_requests(seen.proxied)}, seen.proxied


def test_host_of() -> None:
    assert host_of("CONNECT tile.openstreetmap.org:443 HTTP/1.1") == "tile.openstreetmap.org"
    assert host_of("GET http://a.example/x.png HTTP/1.1") == "a.example"
    assert page_requests(["CONNECT accounts.google.com:443 HTTP/1.1", "GET http://x.org/ HTTP/1.1"]) \
        == ["GET http://x.org/ HTTP/1.1"]
