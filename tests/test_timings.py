"""Per-stage timings (:mod:`netcover.core.timings`, ``netcover run --profile``, ``NETCOVER_TIMINGS``).

No wall-clock figure is asserted: only which stages are listed, how they nest and add up, and that
nothing is timed or written when the switch is off.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from netcover.app.cli import cli
from netcover.core import files, timings
from netcover.core.timings import collect, stage

#: The stages of a whole run of the miniature district, as the table lists them.
RUN_STAGES = ["start-up", "read scenario", "read inputs", "coverage", "coverage/losses, sectors, layers",
              "coverage/loss cache trim", "coverage/statistics", "coverage/writing",
              "coverage/capacity", "siting", "links",
              "monitoring", "maps, report, print maps"]


def test_off_nothing_is_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(timings.ENV_SWITCH, raising=False)
    with collect() as clock:
        assert clock is None
        assert timings.active() is None
        ctx = stage("coverage")
        with ctx:
            pass
        assert ctx is stage("links")  # one shared do-nothing context
    monkeypatch.setenv(timings.ENV_SWITCH, "0")
    with collect() as clock:
        assert clock is None


@pytest.mark.parametrize("word", ["1", "true", "YES", " on "])
def test_the_environment_switches_it_on(monkeypatch: pytest.MonkeyPatch, word: str) -> None:
    monkeypatch.setenv(timings.ENV_SWITCH, word)
    with collect() as clock:
        assert clock is not None and timings.active() is clock
    assert timings.active() is None
    with collect(False) as clock:  # an explicit choice wins over the environment
        assert clock is None


def test_nested_stages_are_a_tree_with_their_calls_summed() -> None:
    with collect(True) as clock:
        assert clock is not None
        with stage("read inputs"):
            pass
        with stage("coverage"):
            for _ in range(3):
                with stage("losses"):
                    with stage("tile"):
                        pass
            with stage("statistics"):
                pass
        with stage("links"):
            pass
        with collect(False) as inner:  # an inner collect keeps the outer collector
            assert inner is clock
    rows = clock.rows()
    assert [r.path for r in rows] == ["read inputs", "coverage", "coverage/losses",
                                      "coverage/losses/tile", "coverage/statistics", "links"]
    by = {r.path: r for r in rows}
    assert by["coverage/losses"].calls == 3 and by["coverage"].calls == 1
    assert by["coverage/losses/tile"].depth == 2 and by["coverage/losses/tile"].name == "tile"
    assert by["coverage"].wall_s >= by["coverage/losses"].wall_s >= by["coverage/losses/tile"].wall_s
    assert clock.total().wall_s >= sum(r.wall_s for r in rows if r.depth == 0)
    table = clock.table().splitlines()
    assert table[0].split()[:2] == ["stage", "calls"]
    assert [line.split()[0] for line in table[2:-1]] == ["read", "coverage", "losses", "tile",
                                                         "statistics", "links", "total"]
    assert table[4].startswith("  losses") and table[5].startswith("    tile")
    assert table[-1].startswith("Peak memory: ")
    assert timings.active() is None and stage("after") is stage("again")


def test_stages_in_threads_are_recorded_under_a_lock() -> None:
    n_threads, n_calls = 8, 200

    def work() -> None:
        for _ in range(n_calls):
            with stage("job"), stage("part"):
                pass

    with collect(True) as clock:
        assert clock is not None
        with stage("pool"):
            threads = [threading.Thread(target=work) for _ in range(n_threads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    by = {r.path: r for r in clock.rows()}
    # each thread has its own stack: its stages are not under the main thread's "pool"
    assert set(by) == {"pool", "job", "job/part"}
    assert by["job"].calls == by["job/part"].calls == n_threads * n_calls


def test_run_profile_lists_the_stages_and_writes_timings_json(mini_scenario: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(mini_scenario), "--out", str(out), "--profile"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    table = result.output.split("Time per stage (also in timings.json):\n", 1)[1].splitlines()
    names = [line[:36].strip() for line in table[2:]]
    assert names[:names.index("total") + 1] == [p.rsplit("/", 1)[-1] for p in RUN_STAGES] + ["total"]
    saved = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in saved["stages"]] == RUN_STAGES
    assert all(s["calls"] == 1 and s["wall_s"] >= 0.0 and s["cpu_s"] >= 0.0 for s in saved["stages"])
    top = sum(s["wall_s"] for s in saved["stages"] if "/" not in s["path"])
    assert saved["total"]["wall_s"] >= top
    assert saved["peak_rss_mb"] > 0.0
    assert files.match("timings.json") is files.by_key("timings")


def test_the_module_example_runs() -> None:
    import doctest

    assert doctest.testmod(timings, raise_on_error=False, verbose=False).failed == 0
