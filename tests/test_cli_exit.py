"""The ``netcover`` command ends without tearing the interpreter down (``_tools.exit_now``): the
exit code, the exit handlers and the last words on the standard streams are kept, and a thread
still at work is waited for."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=False)


@pytest.mark.parametrize(("code", "status"), [(3, 3), (0, 0), (None, 0)])
def test_the_exit_handlers_run_and_the_code_is_kept(tmp_path: Path, code: int | None,
                                                    status: int) -> None:
    done = _python(f"""
        import atexit, sys
        from pathlib import Path
        from netcover.app.cli._tools import exit_now
        atexit.register(lambda: Path("handler_ran").write_text("yes"))
        sys.stdout.write("last words without a newline")
        exit_now({code!r})
        Path("after_exit").write_text("should not be here")
        """, tmp_path)
    assert done.returncode == status, done.stderr
    assert done.stdout == "last words without a newline"
    assert (tmp_path / "handler_ran").read_text() == "yes"
    assert not (tmp_path / "after_exit").exists()


def test_a_text_code_is_said_on_stderr_and_exits_1(tmp_path: Path) -> None:
    done = _python("""
        from netcover.app.cli._tools import exit_now
        exit_now("error: something named")
        """, tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: something named"


def test_a_thread_still_at_work_is_waited_for(tmp_path: Path) -> None:
    done = _python("""
        import threading, time
        from pathlib import Path
        from netcover.app.cli._tools import exit_now
        def work():
            time.sleep(0.5)
            Path("thread_done").write_text("yes")
        threading.Thread(target=work).start()
        exit_now(5)
        """, tmp_path)
    assert done.returncode == 5
    assert (tmp_path / "thread_done").read_text() == "yes"


def test_the_command_exits_with_its_code_and_says_its_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run([sys.executable, "-m", "netcover", "--help"], capture_output=True,
                        text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert ok.returncode == 0
    assert "Usage" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "netcover", "run", str(tmp_path / "missing.toml")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                         check=False)
    assert bad.returncode != 0
    assert "missing.toml" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0  # one line, no traceback
