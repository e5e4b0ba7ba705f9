"""A dossier of site proposals: one bilingual (Vietnamese/English) A4 page per proposal, as a PDF.

``netcover evaluate SCENARIO PROPOSALS --dossier`` writes ``<out>/proposals/dossier.pdf``
(:func:`write_dossier`). Each page holds the proposal's map (its footprint, the uncovered people
it reaches, existing sites, villages, roads and commune boundaries, drawn offline from the
inputs), the terrain profile to the nearest village it serves, its scores for its own network and
for the market, the capacity effect (capacity proposals), sharing, cost, the better place and the
verdict with its reason (:mod:`netcover.outputs.dossier.page`), and, for after the site is built,
the ``netcover monitor measurements`` command with the folder it writes into: when that folder
already holds a ``site_summary.json``, the drive test's points, bias and RMSE.

The scores are the columns of ``proposals_scored.csv``; a column this run did not write reads
"—" on the page. The PDF embeds its fonts as TrueType (``pdf.fonttype`` 42, matplotlib's DejaVu
Sans, which has the Vietnamese letters) and carries no creation date, so the same inputs give the
same bytes; it is written under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover._version import __version__
from netcover.core.files import by_key
from netcover.core.io import atomic_path
from netcover.core.textsafe import plot_text
from netcover.errors import OutputError
from netcover.outputs.dossier.page import A4_IN, PageInput, draw_page

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from netcover.siting.plan import SitingProblem
    from netcover.siting.proposals import Proposal, ProposalScores

__all__ = ["measurement_folder", "read_site_summary", "write_dossier"]


def measurement_folder(measurements: str | Path, site_id: str) -> Path:
    """Where ``netcover monitor measurements ... --site SITE_ID`` writes:
    ``<measurements>/site_<safe id>`` (:func:`netcover.monitor.site_compare.site_folder`)."""
    from netcover.monitor.site_compare import site_folder

    return site_folder(measurements, site_id)


def read_site_summary(folder: str | Path) -> dict[str, Any] | None:
    """The ``site_summary.json`` in ``folder`` (``points``, ``bias_db``, ``rmse_db``...), or None
    when there is none or it cannot be read."""
    from netcover.monitor.site_files import SITE_FILES

    path = Path(folder) / SITE_FILES["summary"]
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_dossier(problem: SitingProblem, scores: ProposalScores | pd.DataFrame,
                  folder: str | Path, *, proposals: Sequence[Proposal] | None = None,
                  footprints: gpd.GeoDataFrame | None = None,
                  measurements_folder: str | Path | None = None) -> Path:
    """Write ``dossier.pdf`` into ``folder``: one A4 page per proposal (see the module docstring).

    Parameters
    ----------
    problem : SitingProblem
        The problem the proposals were scored on (inputs, demand, settings).
    scores : ProposalScores or DataFrame
        The scores, or their table (the columns of ``proposals_scored.csv``; absent ones read "—").
    folder : str or Path
        Where the PDF goes (the evaluation's ``proposals/`` folder).
    proposals : sequence of Proposal, optional
        The proposals scored: their positions, frequencies and, when ``footprints`` is None, their
        footprints (:func:`netcover.siting.proposals.proposal_footprints`). Without them a page
        places the proposal by its ``lon``/``lat``, uses the plan's frequency and draws no
        footprint.
    footprints : GeoDataFrame, optional
        ``proposal_id`` and the footprint polygon of each proposal, in the working CRS.
    measurements_folder : str or Path, optional
        The folder ``netcover monitor measurements`` writes into (default: ``measurements`` beside
        ``folder``); a page reads its site's ``site_summary.json`` there when it exists.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    OutputError
        There is no proposal to write a page of, or the file cannot be written.

    Examples
    --------
    The scores of :func:`netcover.siting.evaluate_proposals` (``netcover evaluate --dossier``
    does the same):

    >>> import netcover as nc
    >>> from netcover.siting import evaluate_proposals
    >>> run = evaluate_proposals(inputs, coverage, settings, "proposals.csv", out / "proposals",
    ...                          print)  # doctest: +SKIP
    >>> nc.write_dossier(run.problem, run.scores, out / "proposals",
    ...                  proposals=run.proposals)  # doctest: +SKIP
    PosixPath('.../proposals/dossier.pdf')
    """
    import matplotlib
    import pandas as pd
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    table = scores if isinstance(scores, pd.DataFrame) else scores.table
    final = by_key("proposals_dossier").in_step(folder)
    if len(table) == 0:
        msg = f"{final}: no proposals to write a dossier of"
        raise OutputError(msg)
    pages = _pages(problem, table, final.parent, proposals, footprints, measurements_folder)
    meta = {"Title": "Đề xuất trạm · Site proposals", "Creator": f"netcover {__version__}",
            "CreationDate": None}
    with matplotlib.rc_context({"pdf.fonttype": 42, "font.family": "DejaVu Sans"}), \
            atomic_path(final) as tmp, PdfPages(tmp, metadata=meta) as pdf:
        for n, (row, page) in enumerate(pages, start=1):
            fig = Figure(figsize=A4_IN)
            draw_page(fig, problem, row, page, n, len(pages))
            pdf.savefig(fig)
            fig.clear()
    return final


def _pages(problem: SitingProblem, table: pd.DataFrame, folder: Path,
           proposals: Sequence[Proposal] | None, footprints: gpd.GeoDataFrame | None,
           measurements: str | Path | None) -> list[tuple[dict[str, Any], PageInput]]:
    """Each row of ``table`` with what its page shows besides it."""
    from pyproj import Transformer

    by_id = {p.proposal_id: p for p in proposals or ()}
    if footprints is None and proposals:
        from netcover.siting.proposals import proposal_footprints

        footprints = proposal_footprints(problem, list(proposals))
    shapes = ({} if footprints is None else
              dict(zip(footprints["proposal_id"].astype(str), footprints.geometry, strict=True)))
    measure_root = Path(measurements) if measurements is not None else folder.parent / "measurements"
    scenario = problem.inputs.scenario.path
    to_xy = Transformer.from_crs("EPSG:4326", problem.inputs.crs, always_xy=True)
    out: list[tuple[dict[str, Any], PageInput]] = []
    for record in table.to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        pid = str(row["proposal_id"])
        prop = by_id.get(pid)
        x, y = ((prop.x, prop.y) if prop is not None
                else to_xy.transform(float(row["lon"]), float(row["lat"])))
        site = measurement_folder(measure_root, pid)
        command = ("netcover monitor measurements "
                   f"{shlex.quote(_shown(scenario) if scenario else 'scenario.toml')} "
                   f"<drive-test.csv> --site {shlex.quote(pid)}")
        out.append((row, PageInput(x=float(x), y=float(y), frequency_mhz=_frequency(problem, prop),
                                   footprint=shapes.get(pid), measure_command=plot_text(command),
                                   measure_path=plot_text(f"{site}/"),
                                   measured=read_site_summary(site))))
    return out


def _shown(path: str | Path) -> str:
    """``path`` as the page shows it: relative to the working folder when under it (as typed)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _frequency(problem: SitingProblem, prop: Proposal | None) -> float:
    """The proposal's first sector's frequency (MHz), else the plan's."""
    if prop is not None and prop.sectors:
        value = prop.sectors[0].get("frequency_mhz")
        if value is not None and value == value:
            return float(value)
    return float(problem.settings.frequency_mhz)
