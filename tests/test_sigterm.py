"""SIGTERM on a ``--scheduler processes`` run ends its worker processes too (issue 19)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyproj import Transformer

from .conftest import CELL, CRS, REPO, X0, Y0, ridge_heights, site_rows, write_dem, write_sites

SIDE = 400  # cells: 12 km, so the run lasts long enough to be stopped in the middle


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, command line); psutil if installed, else /proc."""
    try:
        import psutil
    except ImportError:
        out = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z":  # a zombie has ended
                out[int(entry.name)] = (int(fields[1]), cmd)
        return out
    procs = {}
    for p in psutil.process_iter(["ppid", "cmdline", "status"]):
        if p.info["status"] != psutil.STATUS_ZOMBIE:
            procs[p.pid] = (p.info["ppid"] or 0, " ".join(p.info["cmdline"] or []))
    return procs


def _workers(pid: int) -> set[int]:
    """The spawned multiprocessing workers below ``pid`` (not the resource tracker)."""
    procs = _processes()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _cmd) in procs.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return {p for p in found if "spawn_main" in procs[p][1] and "resource_tracker" not in procs[p][1]}


def _district(folder: Path) -> Path:
    """A 12 km DEM with 36 masts (radius 4 km): minutes of work for two workers."""
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / "dem.tif", ridge_heights(SIDE))
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    template = site_rows()[0]
    rows: list[dict[str, object]] = []
    for k in range(36):
        x, y = X0 + CELL * SIDE * (k % 6 + 0.5) / 6, Y0 - CELL * SIDE * (k // 6 + 0.5) / 6
        lon, lat = to_ll.transform(x, y)
        rows.append(dict(template, site_id=f"M{k}", cell_id=f"M{k}-1", lon=round(lon, 7),
                         lat=round(lat, 7)))
    write_sites(folder / "sites.csv", rows)
    path = folder / "scenario.toml"
    path.write_text('[scenario]\nname = "Stop"\nslug = "stop"\n\n[inputs]\ndem = "dem.tif"\n'
                    'sites = "sites.csv"\n\n[coverage]\nradius_km = 4.0\n', encoding="utf-8")
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals and /proc")
def test_sigterm_ends_the_worker_processes(tmp_path: Path) -> None:
    scenario = _district(tmp_path / "d")
    env = dict(os.environ, PYTHONPATH=str(REPO), NETCOVER_CACHE_DIR=str(tmp_path / "cache"))
    log = tmp_path / "stderr.txt"  # a file, not a pipe: workers left behind would hold a pipe open
    with open(log, "wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "netcover", "coverage", str(scenario), "--out",
             str(tmp_path / "out"), "--scheduler", "processes", "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=err_file)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 180.0
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _workers(proc.pid)
        assert len(workers) == 2, f"no two workers seen (exit code {proc.poll()})"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        deadline = time.monotonic() + 60.0
        while (left := workers & set(_processes())) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"worker processes {sorted(left)} outlived their parent"
        assert proc.returncode == 128 + signal.SIGTERM
        assert log.read_text(encoding="utf-8").strip().splitlines()[-1] == "error: stopped by SIGTERM"
        assert not (tmp_path / "out" / "coverage").exists()
    finally:  # whatever happened, leave no process of this test behind
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers & set(_processes()):
            os.kill(pid, signal.SIGKILL)
