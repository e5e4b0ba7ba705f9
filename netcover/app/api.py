"""``netcover.load_scenario``, ``netcover.run`` and ``netcover.sample_scenario``: whole scenarios.

A scenario file names the inputs and the settings of every step (see the bundled sample's
``scenario.toml``); :func:`run` does what ``netcover run`` does and returns where the results are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from netcover.app import sample
from netcover.config import scenario as scenario_file
from netcover.config.scenario import Scenario

if TYPE_CHECKING:
    from netcover.app.pipeline import Reporter, RunResult

__all__ = ["load_scenario", "run", "sample_scenario"]


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (TOML): the inputs it names and the settings of every step.

    Parameters
    ----------
    path : str or Path
        The scenario file; the paths in it are relative to its folder.

    Returns
    -------
    Scenario
        Frozen; sections as attributes (``inputs``, ``coverage``, ``siting``, ``links``...).

    Raises
    ------
    DataFileError
        The file is missing or unreadable.
    ScenarioError
        Malformed TOML, unknown keys (the closest valid key suggested), wrong types or values.

    Examples
    --------
    >>> import netcover as nc
    >>> scenario = nc.load_scenario(nc.sample_scenario())
    >>> scenario.coverage.model, scenario.coverage.radius_km, scenario.inputs.dem.name
    ('p1812', 15.0, 'dem.tif')
    """
    return scenario_file.load_scenario(path)


def sample_scenario() -> Path:
    """The bundled sample's ``scenario.toml`` (Quản Bạ district, synthetic, calibrated to public
    figures): a complete scenario to try every function on.

    Examples
    --------
    >>> import netcover as nc
    >>> nc.sample_scenario().name
    'scenario.toml'
    """
    return sample.sample_scenario()


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
