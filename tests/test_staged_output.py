"""All-or-nothing results: the output folder is replaced in renames, recovered after a kill.

Kills are real (``kill -9`` of a subprocess at each step of the replacement, made deterministic by
hooking the step) and simulated (an exception at each step). Afterwards a new run recovers: the
earlier results, byte-identical, or the new ones; no staging or backup folder is left.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import netcover.core._staging as nio
from netcover.core.io import recover_output, staged_output, write_text
from netcover.errors import OutputError

from .conftest import snapshot

REPO = Path(__file__).resolve().parents[1]


def _earlier_results(out: Path) -> dict[str, bytes]:
    """An output folder of an earlier run plus a file the user added; its bytes."""
    with staged_output(out) as stage:
        write_text(stage / "coverage" / "class.txt", "old class")
        write_text(stage / "report_en.html", "old report")
    write_text(out / "notes_by_hand.txt", "mine")
    return snapshot(out)


def _new_run(stage: Path) -> None:
    write_text(stage / "coverage" / "class.txt", "new class")
    write_text(stage / "report_en.html", "new report")


def _siblings(out: Path) -> list[str]:
    """Staging and backup folders beside ``out``."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


_KILL_AT = """
import os, signal, sys
sys.path.insert(0, {repo!r})
import netcover.core._staging as nio
from netcover.core.io import staged_output, write_text
step, calls = int(sys.argv[2]), []
real_move, real_remove = nio._move, nio._remove
def hook(real):
    def call(*args):
        calls.append(1)
        if len(calls) == step:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args)
    return call
nio._move, nio._remove = hook(real_move), hook(real_remove)
with staged_output(sys.argv[1]) as stage:
    write_text(stage / "coverage" / "class.txt", "new class")
    write_text(stage / "report_en.html", "new report")
"""


@pytest.mark.parametrize("step", [1, 2, 3])
def test_kill_9_between_the_renames_then_the_next_run_recovers(tmp_path: Path, step: int) -> None:
    """Step 1: before out -> backup; 2: before staging -> out; 3: before the backup is deleted."""
    out = tmp_path / "reports"
    before = _earlier_results(out)
    script = tmp_path / "kill.py"
    script.write_text(_KILL_AT.format(repo=str(REPO)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(out), str(step)], check=False,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert _siblings(out), "the kill left no staging or backup folder: the hook did not run"

    recovered = recover_output(out)
    assert recovered
    assert _siblings(out) == []
    now = snapshot(out)
    if step <= 2:  # killed before the new results were in place: the old ones, byte-identical
        assert now == before
    else:
        assert now["coverage/class.txt"] == b"new class"
        assert now["notes_by_hand.txt"] == b"mine"


@pytest.mark.parametrize("where", ["_move", "_remove"])
def test_failure_at_each_step_leaves_old_or_new_results(tmp_path: Path, where: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    before = _earlier_results(out)
    real = getattr(nio, where)

    def fail(*args: Path) -> None:
        monkeypatch.setattr(nio, where, real)
        raise OSError(errno.EIO, "simulated failure")

    monkeypatch.setattr(nio, where, fail)
    with pytest.raises(OSError), staged_output(out) as stage:
        _new_run(stage)
    with staged_output(out) as stage:  # the next run starts by recovering
        write_text(stage / "other.txt", "x")
    assert _siblings(out) == []
    after = snapshot(out)
    expected = before if where == "_move" else {**before, "coverage/class.txt": b"new class",
                                                "report_en.html": b"new report"}
    assert after == {**expected, "other.txt": b"x"}


def test_failed_run_leaves_earlier_results_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    before = _earlier_results(out)
    with pytest.raises(RuntimeError), staged_output(out) as stage:
        _new_run(stage)
        raise RuntimeError("a later step failed")
    assert snapshot(out) == before
    assert _siblings(out) == []


def test_symlink_and_plain_file_where_the_run_writes_folders(tmp_path: Path) -> None:
    """``out/links`` a symlink, ``out/print`` a plain file: replaced, the link's target untouched."""
    out, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    write_text(elsewhere / "keep.txt", "keep")
    out.mkdir()
    (out / "links").symlink_to(elsewhere, target_is_directory=True)
    write_text(out / "print", "a file")
    with staged_output(out) as stage:
        write_text(stage / "links" / "links_ranked.csv", "a,b\n")
        write_text(stage / "print" / "coverage_en.png", "png")
    assert not (out / "links").is_symlink()
    assert (out / "links" / "links_ranked.csv").read_text() == "a,b\n"
    assert (out / "print" / "coverage_en.png").read_text() == "png"
    assert snapshot(elsewhere) == {"keep.txt": b"keep"}


def test_unproduced_entries_and_symlinks_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _earlier_results(out)
    (out / "data").symlink_to(tmp_path, target_is_directory=True)
    with staged_output(out) as stage:
        write_text(stage / "report_en.html", "new")
    assert (out / "data").is_symlink()
    assert (out / "coverage" / "class.txt").read_text() == "old class"
    assert (out / "notes_by_hand.txt").read_text() == "mine"


def test_leftovers_of_killed_runs_are_removed_but_not_those_of_live_runs(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    _earlier_results(out)
    dead = tmp_path / ".reports.staging-999999999-dead"  # no such process
    old_style = out / ".staging-abc123"  # left inside out by older versions
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as live:
        alive = tmp_path / f".reports.staging-{live.pid}-live"
        for folder in (dead, old_style, alive):
            write_text(folder / "half.tif", "half")
        with staged_output(out) as stage:
            write_text(stage / "report_en.html", "new")
        live.kill()
    assert not dead.exists()
    assert not (out / old_style.name).exists()
    assert alive.exists()


def test_read_only_output_folder_is_one_clear_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    real_mkdir = Path.mkdir

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        if ".staging-" in self.name:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(OutputError) as err, staged_output(out):
        pass
    assert str(tmp_path) in str(err.value) and "--out" in str(err.value)


def test_disk_full_while_writing_is_one_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    before = _earlier_results(out)
    with pytest.raises(OutputError) as err, staged_output(out) as stage:
        target = stage / "coverage" / "signal_4G.tif"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
    message = str(err.value)
    assert "signal_4G.tif" in message and "free some space" in message
    assert snapshot(out) == before


def test_an_input_error_is_not_reported_as_an_output_problem(tmp_path: Path) -> None:
    beside = tmp_path / "dem.tif"  # an input in the output folder's parent
    with (pytest.raises(PermissionError) as err, staged_output(tmp_path / "reports")):
        raise PermissionError(errno.EACCES, "Permission denied", str(beside))
    assert not isinstance(err.value, OutputError)


def test_recover_restores_a_backup_when_the_output_folder_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    backup = tmp_path / ".reports.backup-999999999-abcd"
    write_text(backup / "report_en.html", "old")
    assert recover_output(out) == [out]
    assert (out / "report_en.html").read_text() == "old"
    assert not backup.exists()


def test_an_output_folder_that_is_the_current_folder(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    _earlier_results(out)
    monkeypatch.chdir(out)
    with staged_output(".") as stage:
        write_text(stage / "report_en.html", "new")
    assert Path("report_en.html").read_text() == "new"  # the process works in the new folder
    assert Path("notes_by_hand.txt").read_text() == "mine"
    assert Path.cwd() == out.resolve() and _siblings(out) == []
