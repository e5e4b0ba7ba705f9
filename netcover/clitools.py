"""Helpers every ``netcover`` command uses: one-line errors, progress bars, stderr output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import click

from .errors import NetcoverError, ScenarioError, ValidationError, format_problems

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
