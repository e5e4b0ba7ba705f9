"""Coverage rasters written again only when their content changed (:mod:`netcover.coverage.kept`):
an unchanged raster is placed from the previous run with the same bytes; a changed array or option,
a missing or altered previous file, a damaged manifest or another layout write it again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from netcover.core import files
from netcover.coverage.kept import MANIFEST, KeptFiles, raster_key

TRANSFORM = Affine(30.0, 0.0, 500_000.0, 0.0, -30.0, 2_560_000.0)
CRS = "EPSG:32648"
SIGNAL = files.by_key("signal").of(tech="4G")
CLASSES = files.by_key("class")


def _layers(seed: int = 0) -> dict[str, np.ndarray]:
    """A level raster with a nodata band and a class raster, by registry entry name."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(-120.0, -60.0, (40, 50)).astype(np.float32)
    level[:5] = np.nan
    return {SIGNAL.name: level, CLASSES.name: rng.integers(0, 4, (40, 50)).astype(np.uint8)}


def _write(folder: Path, previous: Path | None, layers: dict[str, np.ndarray],
           **changed: object) -> KeptFiles:
    kept = KeptFiles(folder, previous)
    for name, array in layers.items():
        entry = SIGNAL if name == SIGNAL.name else CLASSES
        options = {"transform": TRANSFORM, "crs": CRS,
                   "nodata": np.nan if entry is SIGNAL else 255,
                   "descriptions": ("level",), "record": {"assumed_model": "p1812"}, **changed}
        kept.raster(entry, array, **options)
    kept.finish()
    return kept


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_unchanged_raster_is_placed_with_the_bytes_a_fresh_write_makes(tmp_path: Path) -> None:
    first = _write(tmp_path / "a", None, _layers())
    assert (first.written, first.kept) == (2, 0)
    again = _write(tmp_path / "b", tmp_path / "a", _layers())
    assert (again.written, again.kept) == (0, 2)
    assert _bytes(tmp_path / "b") == _bytes(tmp_path / "a")  # the manifest too
    fresh = _write(tmp_path / "c", None, _layers())
    assert _bytes(tmp_path / "b") == _bytes(tmp_path / "c")
    assert os.path.samefile(SIGNAL.in_step(tmp_path / "a"), SIGNAL.in_step(tmp_path / "b"))
    assert fresh.written == 2


def test_a_changed_array_or_option_is_written_again(tmp_path: Path) -> None:
    _write(tmp_path / "a", None, _layers())
    layers = _layers()
    layers[SIGNAL.name][20, 20] += np.float32(0.5)
    changed = _write(tmp_path / "b", tmp_path / "a", layers)
    assert (changed.written, changed.kept) == (1, 1)
    assert SIGNAL.in_step(tmp_path / "b").read_bytes() != SIGNAL.in_step(tmp_path / "a").read_bytes()
    fresh = tmp_path / "fresh"
    _write(fresh, None, layers)
    assert _bytes(tmp_path / "b") == _bytes(fresh)
    other = _write(tmp_path / "c", tmp_path / "a", _layers(), record={"assumed_model": "hata"})
    assert other.kept == 0


def test_a_missing_or_altered_previous_file_is_written_again(tmp_path: Path) -> None:
    _write(tmp_path / "a", None, _layers())
    before = _bytes(tmp_path / "a")
    SIGNAL.in_step(tmp_path / "a").unlink()
    path = CLASSES.in_step(tmp_path / "a")
    path.write_bytes(path.read_bytes() + b"\0")
    again = _write(tmp_path / "b", tmp_path / "a", _layers())
    assert (again.written, again.kept) == (2, 0)
    assert _bytes(tmp_path / "b") == before


@pytest.mark.parametrize("manifest", ["not json", '{"schema": 0, "files": []}',
                                      '{"schema": 1, "netcover": "0.0", "files": []}'])
def test_a_damaged_or_other_manifest_writes_every_raster(tmp_path: Path, manifest: str) -> None:
    _write(tmp_path / "a", None, _layers())
    recorded = json.loads(MANIFEST.in_step(tmp_path / "a").read_text(encoding="utf-8"))
    assert [row[0] for row in recorded["files"]] == sorted([SIGNAL.name, CLASSES.name])
    MANIFEST.in_step(tmp_path / "a").write_text(manifest, encoding="utf-8")
    again = _write(tmp_path / "b", tmp_path / "a", _layers())
    assert (again.written, again.kept) == (2, 0)


def test_the_key_sees_every_part_of_the_file() -> None:
    array = _layers()[SIGNAL.name]
    options = {"transform": TRANSFORM, "crs": CRS, "nodata": np.nan}
    key = raster_key("signal_4G.tif", array, options)
    assert raster_key("signal_4G.tif", array.copy(), dict(options)) == key
    moved = TRANSFORM @ Affine.translation(1e-6, 0.0)  # beyond the 2 decimals str() prints
    others = [raster_key("signal_3G.tif", array, options),
              raster_key("signal_4G.tif", array.astype(np.float64), options),
              raster_key("signal_4G.tif", array.reshape(50, 40), options),
              raster_key("signal_4G.tif", array, {**options, "nodata": -1}),
              raster_key("signal_4G.tif", array, {**options, "transform": moved}),
              raster_key("signal_4G.tif", array, {**options, "crs": "EPSG:32647"})]
    assert len({key, *others}) == 1 + len(others)
