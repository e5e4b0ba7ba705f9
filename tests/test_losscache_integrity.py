"""Loss cache integrity: damaged entries are computed again, an unwritable cache is no cache.

Also the cache's upkeep: ``cache_info``, ``clear_cache``, ``trim_cache`` (least recently used first),
``NETCOVER_CACHE_MAX_MB`` and ``netcover cache info|clear``.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from netcover.app.cli import cli
from netcover.app.pipeline import run_step
from netcover.config.scenario import load_scenario
from netcover.coverage.cacheupkeep import cache_info, cache_limit_mb, clear_cache, trim_cache
from netcover.coverage.engine import compute_coverage
from netcover.coverage.losscache import FORMAT_VERSION, CachedLoss, CacheWarning, LossCache
from netcover.data.inputs import load_inputs
from netcover.errors import InputError

from .conftest import write_mini_district

KEY_A, KEY_B = "a" * 32, "b" * 32


def _loss(seed: int) -> CachedLoss:
    rng = np.random.default_rng(seed)
    return CachedLoss(rng.uniform(80, 160, (20, 30)).astype(np.float32), 3, 70000)


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.np[yz]") if p.is_file())


def _only_entry(folder: Path) -> Path:
    (path,) = _entries(folder)
    return path


def test_round_trip_is_exact_to_the_cache_step(tmp_path: Path) -> None:
    cache = LossCache(tmp_path)
    loss = _loss(1)
    cache.put(KEY_A, loss)
    got = cache.get(KEY_A)
    assert got is not None and (got.row_off, got.col_off) == (3, 70000)
    np.testing.assert_allclose(got.loss_db, loss.loss_db, atol=0.005)
    cache.put_arrays(KEY_B, {"x": np.arange(5, dtype=np.int64)})
    arrays = cache.get_arrays(KEY_B)
    assert arrays is not None
    np.testing.assert_array_equal(arrays["x"], np.arange(5))


@pytest.mark.parametrize("damage", ["altered", "empty", "truncated", "header only"])
def test_a_damaged_entry_is_a_miss_with_a_warning(tmp_path: Path, damage: str) -> None:
    cache = LossCache(tmp_path)
    cache.put(KEY_A, _loss(1))
    path = _only_entry(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "altered":
        data[-7] ^= 0x55
    elif damage == "empty":
        data = bytearray()
    elif damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data = data[:20]
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="computed again"):
        assert cache.get(KEY_A) is None
    assert cache.misses == 1 and cache.hits == 0
    cache.put(KEY_A, _loss(1))  # recomputed and rewritten: good again
    assert cache.get(KEY_A) is not None


@pytest.mark.parametrize("where", [8, 40, 44, 75, 80, 200, -1])
def test_one_flipped_bit_anywhere_is_found(tmp_path: Path, where: int) -> None:
    """The key, checksum field (its CRC-32 and zero padding), length and payload are checked."""
    cache = LossCache(tmp_path)
    cache.put_arrays(KEY_A, {"x": np.arange(100, dtype=np.float64)})
    path = _only_entry(tmp_path)
    data = bytearray(path.read_bytes())
    data[where] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="computed again"):
        assert cache.get_arrays(KEY_A) is None


def test_entries_of_format_2_are_old(tmp_path: Path) -> None:
    """Entries of the SHA-256 format (folder v2) are never read; ``cache_info`` counts them old."""
    cache = LossCache(tmp_path)
    cache.put(KEY_A, _loss(1))
    path = _only_entry(tmp_path)
    assert path.parts[-3] == f"v{FORMAT_VERSION}" and FORMAT_VERSION != "2"
    older = tmp_path / "v2" / path.parent.name / path.name
    older.parent.mkdir(parents=True)
    path.rename(older)
    assert cache.get(KEY_A) is None and not LossCache.has(tmp_path, KEY_A)
    assert cache_info(tmp_path).old_entries == 1


def test_an_entry_swapped_between_keys_is_not_used(tmp_path: Path) -> None:
    cache = LossCache(tmp_path)
    cache.put(KEY_A, _loss(1))
    cache.put(KEY_B, _loss(2))
    a, b = (p for p in _entries(tmp_path))
    shutil.copyfile(a, b)  # key B's file now holds key A's (valid) entry
    with pytest.warns(CacheWarning, match="another key"):
        assert cache.get(KEY_B) is None
    assert cache.get(KEY_A) is not None


def test_entries_of_the_old_format_are_never_read(tmp_path: Path) -> None:
    old = tmp_path / KEY_A[:2] / f"{KEY_A}.npy"
    old.parent.mkdir(parents=True)
    np.save(old, np.zeros((3, 8), dtype=np.uint16))
    cache = LossCache(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get(KEY_A) is None
    assert not LossCache.has(tmp_path, KEY_A)
    assert cache_info(tmp_path).old_entries == 1


def test_an_unwritable_cache_folder_means_no_cache_with_one_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = LossCache(blocker / "loss")
    with pytest.warns(CacheWarning, match="without cache") as caught:
        for seed in range(3):
            cache.put(f"{seed:032d}", _loss(seed))
        cache.put_arrays(KEY_B, {"x": np.arange(3)})
    assert len([w for w in caught if issubclass(w.category, CacheWarning)]) == 1
    assert cache.get(f"{0:032d}") is None


def test_altered_entries_do_not_change_the_coverage(tmp_path: Path) -> None:
    """Every cached loss altered (still a readable array): the coverage is that of a fresh run."""
    inputs = load_inputs(load_scenario(write_mini_district(tmp_path / "mini")))
    folder = tmp_path / "cache"
    fresh = compute_coverage(inputs, cache=LossCache(folder))
    for path in _entries(folder):
        data = bytearray(path.read_bytes())
        data[-400:] = bytes(400)  # the last rows of the window: 0 dB of loss
        path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning):
        again = compute_coverage(inputs, cache=LossCache(folder))
    np.testing.assert_array_equal(again.classes, fresh.classes)
    np.testing.assert_array_equal(again.min_loss_db, fresh.min_loss_db)


def test_info_trim_and_clear(tmp_path: Path) -> None:
    cache = LossCache(tmp_path / "loss")
    for k in range(4):
        cache.put(f"{k:032d}", _loss(k))
    paths = _entries(tmp_path)
    for age, path in enumerate(paths):  # entry 0 is the least recently used
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert cache.get(f"{0:032d}") is not None  # used now: the most recently used
    info = cache_info(tmp_path / "loss")
    size = paths[0].stat().st_size
    assert (info.entries, info.bytes) == (4, 4 * size)
    assert trim_cache(tmp_path / "loss", 2 * size) == (2, 2 * size)
    assert {p.name for p in _entries(tmp_path)} == {paths[0].name, paths[3].name}
    gone = clear_cache(tmp_path / "loss")
    assert gone.entries == 2 and _entries(tmp_path) == []
    keep = tmp_path / "loss" / "notes.txt"
    keep.write_text("not a cache file")
    clear_cache(tmp_path / "loss")
    assert keep.exists()


def test_cache_limit_from_scenario_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETCOVER_CACHE_MAX_MB", raising=False)
    assert cache_limit_mb(None) is None
    monkeypatch.setenv("NETCOVER_CACHE_MAX_MB", "250")
    assert cache_limit_mb(None) == 250.0
    assert cache_limit_mb(100.0) == 100.0
    monkeypatch.setenv("NETCOVER_CACHE_MAX_MB", "lots")
    with pytest.raises(InputError, match="NETCOVER_CACHE_MAX_MB"):
        cache_limit_mb(None)
    with pytest.raises(InputError, match="cache_max_mb"):
        cache_limit_mb(-5.0)


def test_a_run_prints_the_cache_size_and_keeps_it_under_the_cap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NETCOVER_CACHE_DIR", str(folder))
    scenario = load_scenario(write_mini_district(tmp_path / "mini"))
    lines: list[str] = []
    run_step("coverage", scenario, tmp_path / "out", report=lines.append)
    full = cache_info(folder)
    assert full.entries > 2
    assert any(line.startswith(f"Loss cache {folder}: {full.entries} entries") for line in lines)
    monkeypatch.setenv("NETCOVER_CACHE_MAX_MB", str(full.bytes / 2 / 1e6))
    lines.clear()
    run_step("coverage", scenario, tmp_path / "out", report=lines.append)
    assert 0 < cache_info(folder).bytes <= full.bytes / 2
    assert any("least recently used entries" in line for line in lines), lines


def test_cache_commands(tmp_path: Path) -> None:
    cache = LossCache(tmp_path / "loss")
    cache.put(KEY_A, _loss(1))
    runner = CliRunner()
    shown = runner.invoke(cli, ["cache", "info", "--cache-dir", str(tmp_path / "loss")])
    assert shown.exit_code == 0 and "1 entries" in shown.output and str(tmp_path) in shown.output
    cleared = runner.invoke(cli, ["cache", "clear", "--cache-dir", str(tmp_path / "loss")])
    assert cleared.exit_code == 0 and "Removed 1 entries" in cleared.output
    assert _entries(tmp_path) == []


def test_kept_arrays_are_made_once_and_read_back(tmp_path: Path) -> None:
    from netcover.coverage.losscache import LossCache

    made: list[int] = []

    def make() -> dict[str, np.ndarray]:
        made.append(1)
        return {"a": np.arange(3, dtype=np.int32), "b": np.ones(2)}

    cache = LossCache(tmp_path)
    first = cache.kept_arrays("k" * 32, ["a", "b"], make)
    again = cache.kept_arrays("k" * 32, ["a", "b"], make)
    assert len(made) == 1 and again["a"].dtype == np.int32
    np.testing.assert_array_equal(again["a"], first["a"])
    cache.kept_arrays("k" * 32, ["a", "c"], make)  # a name the entry lacks: made again
    assert len(made) == 2
    LossCache(None).kept_arrays("k" * 32, ["a"], make)  # no folder: made, nothing stored
    assert len(made) == 3


def test_unpacking_looks_up_every_word_as_numpy_would() -> None:
    """Every packed word (65535: no value) becomes its table value, in the window's shape."""
    from netcover.coverage._cache_kernels import look_up
    from netcover.coverage.losscache import _unpacked

    words = np.arange(65536, dtype=np.uint16).reshape(256, 256)[::-1]
    table = _unpacked(100.0)
    got = look_up(table, np.ascontiguousarray(words))
    assert got.shape == words.shape and got.dtype == np.float32
    assert got.tobytes() == np.take(table, words).tobytes()
    assert np.isnan(got[0, 255]) and got[255, 1] == np.float32(0.01)
