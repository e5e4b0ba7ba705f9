"""``netcover.plan_sites`` and ``netcover.evaluate``: new sites for the gaps of a coverage, and
scores of operators' proposals, from a :class:`~netcover.coverage.result.Coverage`.

Both work on what :func:`netcover.compute_coverage` returned (its people, units, roads and network
points when it was computed from a scenario) and take the ``[siting]`` settings of its scenario,
changed by keyword (``n_sites=5``, ``objective="budget"``...; see
:class:`~netcover.config.siting.SitingSettings`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from netcover.config.siting import SitingSettings
    from netcover.coverage.result import Coverage
    from netcover.siting.plan import SitePlan

__all__ = ["ProposalEvaluation", "evaluate", "plan_sites"]


@dataclass
class ProposalEvaluation:
    """Scores of site proposals (see :func:`evaluate`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per proposal: ``new_people`` it covers (beyond every operator's coverage;
        ``new_people_own``: beyond its operator's), ``overlap_share`` of its footprint already
        covered, ``nearest_site``, ``cost``, a better place nearby, ``advice``; all at full
        resolution (``screening_new_people``: the 100 m screening figure), see
        :mod:`netcover.siting.proposals`.
    combined : dict
        All proposals together: ``new_people``, ``share_covered_before``/``after``.
    footprints : geopandas.GeoDataFrame
        Each proposal's full-resolution footprint as a polygon (working CRS), with ``new_people``
        and ``people_in_footprint``.
    """

    table: pd.DataFrame
    combined: dict[str, Any]
    footprints: gpd.GeoDataFrame


def plan_sites(coverage: Coverage, *, settings: SitingSettings | None = None,
               **changes: Any) -> SitePlan:
    """Rank new sites that cover the people a coverage leaves without usable service.

    Parameters
    ----------
    coverage : Coverage
        From :func:`netcover.compute_coverage`, with a population.
    settings : SitingSettings, optional
        Default: the scenario's ``[siting]`` settings.
    **changes
        Settings changed by name, e.g. ``n_sites=5``, ``objective="budget"``, ``budget=500_000``.

    Returns
    -------
    SitePlan
        ``ranked`` (one row per new site, in build order, with the people it adds and its cost),
        ``by_unit``, ``summary``.

    Examples
    --------
    >>> import netcover as nc
    >>> from netcover.data.examples import example_dem, example_population, example_sites
    >>> dem = example_dem()
    >>> cov = nc.compute_coverage(example_sites(), dem, radius_km=2, population=example_population())
    >>> plan = nc.plan_sites(cov, n_sites=1, max_road_m=5_000, candidate_spacing_m=600)
    >>> len(plan.ranked), plan.summary["new_sites"]
    (1, 1)
    """
    from netcover.siting import plan as planning

    s = _settings(coverage, settings, changes)
    problem = planning.prepare(coverage.inputs, coverage.result, s)
    return planning.plan_sites(problem)


def evaluate(coverage: Coverage, proposals: str | Path | None = None, *,
             settings: SitingSettings | None = None, **changes: Any) -> ProposalEvaluation:
    """Score operators' site proposals against a coverage: the people each newly covers.

    Parameters
    ----------
    coverage : Coverage
        From :func:`netcover.compute_coverage`, with a population.
    proposals : str or Path, optional
        A proposals table or point layer (default: the scenario's ``inputs.proposals``).
    settings : SitingSettings, optional
        Default: the scenario's ``[siting]`` settings.
    **changes
        Settings changed by name, e.g. ``proposal_search_radius_m=1_000``.

    Returns
    -------
    ProposalEvaluation

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import netcover as nc
    >>> from netcover.data.examples import example_dem, example_population, example_sites
    >>> cov = nc.compute_coverage(example_sites(tx_power_dbm=20), example_dem(), radius_km=2,
    ...                           population=example_population())
    >>> path = Path(tempfile.mkdtemp()) / "proposals.csv"
    >>> _ = path.write_text("proposal_id,operator,lon,lat,height_m\\nP1,Op A,105.0145,23.1275,30\\n")
    >>> ev = nc.evaluate(cov, path, proposal_search_radius_m=300)
    >>> ev.table["proposal_id"].tolist(), bool(ev.combined["new_people"] > 0)
    (['P1'], True)
    """
    from netcover.siting import plan as planning
    from netcover.siting.proposals import proposal_footprints, read_proposals, score_proposals

    s = _settings(coverage, settings, changes)
    inputs = coverage.inputs
    path = proposals if proposals is not None else inputs.scenario.inputs.proposals
    if path is None:
        msg = "no proposals: give the proposals file (or a scenario with inputs.proposals)"
        raise ValueError(msg)
    found = read_proposals(path, s, inputs.crs, terrain=inputs.terrain)
    problem = planning.prepare(inputs, coverage.result, s, with_matrix=False)
    scores = score_proposals(problem, found)
    return ProposalEvaluation(scores.table, scores.combined,
                              proposal_footprints(problem, found, scores))


def _settings(coverage: Coverage, settings: SitingSettings | None, changes: dict[str, Any]
              ) -> SitingSettings:
    s = settings if settings is not None else coverage.inputs.scenario.siting
    if coverage.inputs.population is None:
        msg = ("the coverage has no population: give population= to compute_coverage (or a "
               "scenario with people); sites are planned for people")
        raise ValueError(msg)
    return dataclasses.replace(s, **changes) if changes else s
