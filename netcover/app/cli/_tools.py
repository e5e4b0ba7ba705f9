"""Helpers every ``netcover`` command uses: one-line errors, progress bars, stderr output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from netcover.errors import NetcoverError, ScenarioError, ValidationError, format_problems

if TYPE_CHECKING:
    from netcover.config.sections import ExecutionSettings
    from netcover.core.executor import Executor

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


#: Warnings said since the last other line, printed folded by :func:`flush_warnings`.
_PENDING: list[str] = []


def echo_err(text: str) -> None:
    """Say ``text`` on stderr. One-line warnings and notes wait for the next other line (or the
    command's end) and are then printed with repeats folded
    (:func:`~netcover.core.textformat.fold_warnings`)."""
    if text.startswith(("warning: ", "note: ")) and "\n" not in text:
        _PENDING.append(text)
        return
    flush_warnings()
    click.echo(text, err=True)


def flush_warnings() -> None:
    """Print the warnings :func:`echo_err` holds back, repeats of one kind as one line."""
    from netcover.core.textformat import fold_warnings

    lines = fold_warnings(_PENDING)
    _PENDING.clear()
    for line in lines:
        click.echo(line, err=True)


def handle_errors(func: F) -> F:
    """Turn exceptions into a one-line message and exit code 1 (2 for bugs), unless --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as exc:
            flush_warnings()
            if debug:
                raise
            problems = getattr(exc, "problems", None)
            if isinstance(exc, ValidationError | ScenarioError) and problems:
                echo_err(format_problems(problems))
                echo_err(f"error: {len(problems)} problem(s) found; fix them and run again")
            else:
                kind = "" if isinstance(exc, NetcoverError) else f"unexpected {type(exc).__name__}: "
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                hint = "" if isinstance(exc, NetcoverError) else " (run with --debug for details)"
                echo_err(f"error: {kind}{first}{hint}")
            ctx.exit(1 if isinstance(exc, NetcoverError | OSError) else 2)
        finally:
            flush_warnings()

    return wrapper  # type: ignore[return-value]


#: Percent steps of the plain progress lines written when stderr is not a terminal.
PROGRESS_STEP_PCT = 10


def progress_bar(items: Sequence[T], label: str) -> Iterator[T]:
    """A progress bar on stderr over ``items``; plain lines when stderr is not a terminal.

    A log file gets one line as the stage starts and one per :data:`PROGRESS_STEP_PCT` percent
    done (``Tiles: 40% (4/10)``), instead of a bar redrawn with carriage returns.
    """
    if sys.stderr.isatty():
        with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
            yield from bar
        return
    total = len(items)
    click.echo(f"{label}: 0% (0/{total:,})", err=True)
    shown = 0
    for done, item in enumerate(items, start=1):
        yield item
        pct = 100 * done // total
        if pct >= shown + PROGRESS_STEP_PCT or done == total:
            shown = pct - pct % PROGRESS_STEP_PCT
            click.echo(f"{label}: {pct}% ({done:,}/{total:,})", err=True)


def stop_on_sigterm() -> None:
    """On SIGTERM, say so in one line and exit (code 143) through every ``finally``, so worker
    pools are shut down and staged outputs removed, instead of dying with workers left behind."""
    import signal

    def _stop(signum: int, _frame: object) -> None:
        flush_warnings()
        echo_err(f"error: stopped by {signal.Signals(signum).name}")
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)


def exit_now(code: int | str | None) -> None:
    """End the process with ``code`` (as ``sys.exit`` would) without tearing the interpreter down.

    Freeing every module and object at exit takes half a second after a run of the sample
    (gigabytes of arrays, about 1,100 modules), with nothing left to save: the command's outputs are
    renamed into place and its databases committed before it returns. So the exit handlers run
    (:mod:`atexit`, which also ends :func:`weakref.finalize` objects and :mod:`logging`), the
    standard streams are flushed, and the process ends with :func:`os._exit`. Where another
    non-daemon thread is still alive (a pool not shut down), it exits the ordinary way instead, which
    waits for that thread, and so it does under a profiler or a tracer (``python -m cProfile``
    writes its figures after the command returns).
    """
    import atexit
    import os
    import threading

    if isinstance(code, str):  # sys.exit("text"): say it, exit 1
        click.echo(code, err=True)
        code = 1
    status = 0 if code is None else int(code)
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others or sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a broken pipe: nothing more to say
            pass
    os._exit(status)


def execution_options(func: F) -> F:
    """Add ``--scheduler`` and ``--workers`` to a command (see :func:`named_executor`)."""
    func = click.option(
        "--workers", type=click.IntRange(min=1), metavar="N",
        help="Jobs at the same time: processes, or workers of a local Dask cluster "
             "(default: the scenario's [execution] workers).")(func)
    return click.option(
        "--scheduler", metavar="TEXT",
        help="Where per-site and candidate jobs run: inprocess, processes, local (a Dask "
             "LocalCluster), or a Dask scheduler address such as tcp://10.0.0.5:8786 "
             "(default: the scenario's [execution] scheduler).")(func)


@contextmanager
def named_executor(settings: ExecutionSettings, scheduler: str | None,
                   workers: int | None) -> Iterator[Executor | None]:
    """The executor ``--scheduler``/``--workers`` or ``[execution]`` name, closed at the end.

    Yields None when neither names one (the command's own default applies).
    """
    from netcover.core.parallel import executor_for, executor_named

    if not executor_named(settings, scheduler, workers):
        yield None
        return
    with executor_for(settings, scheduler, workers) as executor:
        yield executor
