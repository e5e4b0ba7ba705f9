"""Atomic writes and staged outputs: a failure leaves earlier results intact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from netcover.core.io import atomic_path, staged_output, write_raster, write_text
from netcover.errors import CRSError


def test_atomic_path_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    write_text(target, "new")
    assert target.read_text() == "new"


def test_staged_output_keeps_old_results_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with staged_output(out) as stage:
        write_text(stage / "a.txt", "first")
    with pytest.raises(RuntimeError), staged_output(out) as stage:
        write_text(stage / "a.txt", "second")
        raise RuntimeError("step failed")
    assert (out / "a.txt").read_text() == "first"
    assert [p.name for p in out.iterdir()] == ["a.txt"]


def test_staged_output_replaces_and_keeps_others(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with staged_output(out) as stage:
        write_text(stage / "a.txt", "1")
        write_text(stage / "sub" / "b.txt", "1")
    with staged_output(out) as stage:
        write_text(stage / "sub" / "c.txt", "2")
    assert (out / "a.txt").read_text() == "1"
    assert sorted(p.name for p in (out / "sub").iterdir()) == ["c.txt"]


def test_raster_has_crs_tiles_and_compression(tmp_path: Path) -> None:
    data = np.arange(300 * 260, dtype="float32").reshape(300, 260)
    path = write_raster(tmp_path / "r.tif", data, Affine(30, 0, 5e5, 0, -30, 2.56e6), "EPSG:32648",
                        nodata=np.nan, descriptions=("loss_db",))
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32648
        assert src.profile["tiled"] and src.block_shapes[0] == (256, 256)
        assert src.compression.value == "DEFLATE"
        assert src.descriptions == ("loss_db",)
        np.testing.assert_array_equal(src.read(1), data)
    with pytest.raises(CRSError):
        write_raster(tmp_path / "x.tif", data, Affine.identity(), None)  # type: ignore[arg-type]


def test_geopackages_are_reproducible(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from netcover.core.io import write_layers

    gdf = gpd.GeoDataFrame({"name": ["Tam Sơn"]}, geometry=[Point(500_000, 2_550_000)],
                           crs="EPSG:32648")
    a = write_layers(tmp_path / "a.gpkg", {"places": gdf, "more": gdf})
    b = write_layers(tmp_path / "b.gpkg", {"places": gdf, "more": gdf})
    assert a.read_bytes() == b.read_bytes()
    assert gpd.read_file(a, layer="more").crs.to_epsg() == 32648
