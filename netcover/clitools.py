"""Helpers every ``netcover`` command uses: one-line errors, progress bars, stderr output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import NetcoverError, ScenarioError, ValidationError, format_problems

if TYPE_CHECKING:
    from .config import ExecutionSettings
    from .parallel import Executor

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def echo_err(text: str) -> None:
    click.echo(text, err=True)


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

    return wrapper  # type: ignore[return-value]


def progress_bar(items: Sequence[T], label: str) -> Iterator[T]:
    """A progress bar on stderr over ``items``."""
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


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
    from .parallel import executor_for, executor_named

    if not executor_named(settings, scheduler, workers):
        yield None
        return
    with executor_for(settings, scheduler, workers) as executor:
        yield executor
