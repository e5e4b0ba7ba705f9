"""The main job: read and check a scenario's inputs, then run every step and write the results.

Results are written through :func:`netcover.io.staged_output`: they appear in the output folder
only when the whole run has succeeded, so a failed run leaves earlier results intact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Scenario
from .inputs import Inputs, load_inputs
from .io import staged_output
from .summary import summarize, write_summary

#: Receives one line of progress text.
Reporter = Callable[[str], None]


@dataclass
class RunResult:
    """What a run produced."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def default_out_dir(scenario: Scenario) -> Path:
    """``reports/<slug>`` under the current directory."""
    return Path("reports") / scenario.scenario.slug


def run(scenario: Scenario, out_dir: str | Path | None = None, *,
        report: Reporter | None = None) -> RunResult:
    """Run the scenario and write its results.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    out_dir : str or Path, optional
        Where results go (default :func:`default_out_dir`).
    report : callable, optional
        Receives progress lines.

    Returns
    -------
    RunResult
        The output folder and the files written in it.
    """
    say = report or (lambda _line: None)
    out = Path(out_dir) if out_dir is not None else default_out_dir(scenario)
    say(f"Reading and checking the inputs of {scenario.path or 'the scenario'}")
    inputs = load_inputs(scenario)
    for w in inputs.warnings:
        say(str(w))
    result = RunResult(out_dir=out, summary=summarize(inputs))
    with staged_output(out) as stage:
        staged = write_summary(result.summary, stage)
        staged += _run_steps(inputs, stage, say)
    result.files = [out / p.relative_to(stage) for p in staged]
    say(f"Wrote {len(result.files)} files to {out}")
    return result


def _run_steps(inputs: Inputs, stage: Path, say: Reporter) -> list[Path]:
    """The modelling steps after input checks; each returns the files it wrote under ``stage``."""
    return []
