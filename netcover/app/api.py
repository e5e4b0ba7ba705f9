"""``netcover.load_scenario``, ``netcover.run`` and ``netcover.sample_scenario``: whole scenarios.

A scenario file names the inputs and the settings of every step (see the bundled sample's
``scenario.toml``); :func:`run` does what ``netcover run`` does and returns where the results are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from netcover.app.sample import sample_scenario
from netcover.config.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from netcover.app.pipeline import Reporter, RunResult

__all__ = ["load_scenario", "run", "sample_scenario"]


def run(scenario: Scenario | str | Path, out_dir: str | Path | None = None, *,
        report: Reporter | None = None) -> RunResult:
    """Run a whole scenario (coverage, gaps and site plan, links, maps, report), as ``netcover run``.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A scenario (:func:`load_scenario`) or its file.
    out_dir : str or Path, optional
        The results folder (default ``reports/<slug>``), replaced all at once when the run
        succeeds.
    report : callable, optional
        Receives progress lines (e.g. ``print``).

    Returns
    -------
    RunResult
        ``out_dir``, ``files`` written and the run's ``summary``.

    Examples
    --------
    >>> import tempfile
    >>> import netcover as nc
    >>> result = nc.run(nc.sample_scenario(), tempfile.mkdtemp())  # doctest: +SKIP
    >>> (result.out_dir / "report.html").is_file()  # doctest: +SKIP
    True
    """
    from netcover.app.pipeline import run as run_pipeline

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    return run_pipeline(scenario, out_dir, report=report)
