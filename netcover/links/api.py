"""``netcover.plan_links``: fibre and microwave links connecting sites and institutions.

From a scenario (its roads, network points with fibre routes, settlements, sites and DEM) or from
what :func:`netcover.load_inputs` or :func:`netcover.compute_coverage` returned; the ``[links]``
settings of the scenario, changed by keyword (see :class:`~netcover.config.links.LinkSettings`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.errors import InputError

if TYPE_CHECKING:
    from netcover.config.links import LinkSettings
    from netcover.config.scenario import Scenario
    from netcover.coverage.result import Coverage
    from netcover.data.inputs import Inputs
    from netcover.links.plan import LinkPlan

__all__ = ["plan_links"]


def plan_links(source: Scenario | Inputs | Coverage | str | Path, *,
               settings: LinkSettings | None = None, **changes: Any) -> LinkPlan:
    """Plan the links that connect every site, commune office, school and health station.

    Parameters
    ----------
    source : Scenario, Inputs, Coverage, str or Path
        A scenario (or its file) naming roads, a network layer, settlements and sites; or its
        inputs (:func:`netcover.load_inputs`); or a coverage computed from a scenario, whose 4G
        levels give terminals in good coverage a cellular option (the others have none).
    settings : LinkSettings, optional
        Default: the scenario's ``[links]`` settings.
    **changes
        Settings changed by name, e.g. ``max_hop_km=15``, ``cost_per_km_commune=234_000_000`` (in
        the plan currency, ``[links.costs] currency``: VND by default).

    Returns
    -------
    LinkPlan
        ``ranked`` (one row per link in build order: phase, type, cost, people it connects),
        ``links`` (the same as a GeoDataFrame), ``unreachable``, ``summary()``.

    Raises
    ------
    InputError
        The scenario lacks an input the planner needs (roads, network, settlements, sites).

    Examples
    --------
    >>> import netcover as nc
    >>> plan = nc.plan_links(nc.sample_scenario())  # doctest: +SKIP
    >>> plan.ranked[["rank", "type", "cost"]].head(2)  # doctest: +SKIP
       rank       type     cost
    0     1      fibre  ...
    >>> nc.plan_links(nc.load_scenario(nc.sample_scenario()), max_hop_km=-1)  # doctest: +SKIP
    """
    from netcover.data.entities import missing_link_inputs
    from netcover.links.step import plan_scenario_links

    inputs = _inputs(source)
    missing = missing_link_inputs(inputs)
    if missing:
        where = inputs.scenario.path or "the scenario"
        raise InputError(f"{where}: the link planner needs {', '.join(missing)}; name them in "
                         "[inputs] (roads, network, settlements, sites)")
    s = settings if settings is not None else inputs.scenario.links
    if changes:
        s = dataclasses.replace(s, **changes)
    return plan_scenario_links(inputs, s, coverage=_coverage_result(source))


def _coverage_result(source: Any) -> Any:
    """The engine's result of a coverage given as ``source`` (None for any other source)."""
    from netcover.coverage.result import Coverage

    return source.result if isinstance(source, Coverage) else None


def _inputs(source: Any) -> Inputs:
    from netcover.config.scenario import Scenario, load_scenario
    from netcover.coverage.result import Coverage
    from netcover.data.inputs import Inputs, load_inputs

    if isinstance(source, Coverage):
        return source.inputs
    if isinstance(source, Inputs):
        return source
    if isinstance(source, str | Path):
        source = load_scenario(source)
    if isinstance(source, Scenario):
        return load_inputs(source)
    msg = f"plan_links needs a scenario, its inputs or a coverage, not {type(source).__name__}"
    raise TypeError(msg)
