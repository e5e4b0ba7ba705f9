"""Write a link plan: GeoPackage of planned links, ranked CSV, one profile PNG per hop.

Every file is written under a temporary name in its final directory and then renamed, so a reader
never sees half a file and a failed run leaves the previous outputs intact. A hop whose plot in the
previous output folder shows the same profile and settings (its key, see
:func:`~netcover.links.profile_plot.hop_key`) is linked from there instead of drawn again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from netcover.core.files import by_key
from netcover.core.io import atomic_path
from netcover.core.textsafe import safe_name
from netcover.errors import OutputError
from netcover.links.plan import LinkPlan
from netcover.links.profile_plot import hop_key, plot_hop_profile, previous_plot

__all__ = ["LINKS_GPKG", "LINKS_LAYER", "PROFILE_DIR", "RANKED_CSV", "assumption_table", "hop_file_name",
           "write_link_plan"]

LINKS_GPKG = by_key("links_gpkg").name
LINKS_LAYER = next(iter(by_key("links_gpkg").layers))
RANKED_CSV = by_key("links_ranked").name
PROFILE_DIR = str(Path(by_key("hop_profile").name).parent)


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through :func:`netcover.core.io.atomic_path`; OS failures become :class:`OutputError`."""
    try:
        with atomic_path(path) as tmp:
            write(tmp)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        msg = f"could not write {path}: {exc}; check that the folder is writable and has space"
        raise OutputError(msg) from exc
    return path


def hop_file_name(link_id: str, from_name: str, to_name: str) -> str:
    """File name of a hop's profile plot: the link id and both ends, filesystem-safe."""
    hop = safe_name(f"{link_id}_{from_name}_{to_name}", fallback="hop", max_length=120)
    return Path(by_key("hop_profile").of(hop=hop).name).name


def write_link_plan(result: LinkPlan, out_dir: str | Path, *,
                    previous: str | Path | None = None) -> list[Path]:
    """Write ``links.gpkg`` (layer ``planned_links``), ``links_ranked.csv``, ``links_terminals.csv``,
    ``links_assumptions.csv`` (:func:`assumption_table`) and ``hop_profiles/``.

    ``previous``: the ``links`` folder of an earlier run (e.g. the one the new results replace);
    a hop plot there of the same key is hard-linked (or copied), not drawn again.

    Returns
    -------
    list of Path
        The files written, GeoPackage first.

    Raises
    ------
    OutputError
        A file could not be written.
    """
    out = Path(out_dir)
    try:
        (out / PROFILE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"could not create the output folder {out / PROFILE_DIR}: {exc}"
        raise OutputError(msg) from exc
    written = [
        by_key("links_gpkg").write(out, {LINKS_LAYER: result.links}),
        by_key("links_ranked").write(out, result.ranked, float_format="%.6g"),
        by_key("links_terminals").write(out, result.terminals, float_format="%.6g"),
        by_key("links_assumptions").write(out, assumption_table(result), float_format="%.6g"),
    ]
    for hop in result.hop_profiles.values():
        name = hop_file_name(hop.link_id, hop.from_name, hop.to_name)
        before = Path(previous) / PROFILE_DIR / name if previous is not None else None
        if before is not None and previous_plot(before, hop_key(hop)):
            written.append(_atomic(out / PROFILE_DIR / name,
                                   lambda p, b=before: _link_or_copy(b, p)))  # type: ignore[misc]
        else:
            written.append(_atomic(out / PROFILE_DIR / name,
                                   lambda p, h=hop: plot_hop_profile(h, p)))  # type: ignore[misc]
    return written


def assumption_table(plan: LinkPlan) -> pd.DataFrame:
    """What the plan assumes, one row each: the cost and demand figures left at their default
    (``key``, ``value``, ``unit``, ``source``), then the plan's notes (which networks use what)."""
    rows = [{"key": a.key, "value": a.value, "unit": a.unit, "source": a.source}
            for a in plan.assumptions]
    rows += [{"key": "links", "value": float("nan"), "unit": "", "source": note}
             for note in plan.notes]
    return pd.DataFrame(rows, columns=["key", "value", "unit", "source"])


def _link_or_copy(src: Path, dst: Path) -> None:
    """``src`` at ``dst``: a hard link (the files are never changed in place), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
