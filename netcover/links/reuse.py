"""A link plan made again only when one of its inputs has changed.

The link step's plan depends on the coverage only through the cellular option at the terminals:
the best 4G level and the busy-hour 4G throughput at each data-network point and settlement
(:func:`~netcover.links.graph.entity_levels`). A tilt changed on one sector changes the coverage
rasters, but mostly not those values; planning again would give the same plan, byte for byte.

:func:`inputs_key` hashes every input of :func:`~netcover.links.networks.plan_networks` (roads,
fibre routes, data-network points, masts, settlements, new sites, DEM and land-cover heights, the
link settings, the terminals' 4G levels, the working CRS) and the code that plans
(:func:`netcover.core.codeversion.code_digest`: the version and a digest of the package's files);
of the terminals' busy-hour throughputs, which change in their last digits with the load of any
cell, only what the plan reads of them (:func:`~netcover.links.standalone.throughput_decisions`).
The link manifest (``links/links_manifest.json``, in the registry :mod:`netcover.core.files`) keeps
that key, the plan's summary text, its currency, the backhaul of each new site
(:func:`~netcover.links.networks.new_site_backhaul`) and the SHA-256 of each file the plan wrote.
:func:`reuse_plan` gives back the previous run's record, with its files hard-linked (or copied)
into the new folder, when the key is the same and every file is there with its recorded SHA-256;
a changed input or code, or a missing or damaged file, plans again. The manifest holds no clock
and no path of the run folder: the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netcover.core.codeversion import code_digest
from netcover.core.files import by_key
from netcover.core.io import file_sha256, place_file

__all__ = ["MANIFEST", "PlanRecord", "frame_digest", "inputs_key", "record_plan", "reuse_plan"]

#: The manifest entry of the registry.
MANIFEST = by_key("links_manifest")
#: Version of the manifest's layout and of the key's recipe (a new one plans again).
_SCHEMA = 1
#: Columns of :func:`~netcover.links.networks.new_site_backhaul`.
_BACKHAUL = ("key", "network", "backhaul_cost", "backhaul_links", "note")


def _update_array(h: Any, name: str, values: np.ndarray | None) -> None:
    if values is None:
        h.update(f"{name}=None;".encode())
        return
    arr = np.ascontiguousarray(values)
    h.update(f"{name}:{arr.dtype.str}{arr.shape};".encode())
    h.update(arr.tobytes())


def frame_digest(frame: pd.DataFrame | None) -> str:
    """SHA-256 of a (Geo)DataFrame's content: column names, dtypes, index and values, the
    geometry as WKB and the CRS ("None" for None)."""
    if frame is None:
        return "None"
    h = hashlib.sha256(repr((list(map(str, frame.columns)), [str(t) for t in frame.dtypes],
                             len(frame))).encode("utf-8"))
    geometry = getattr(frame, "_geometry_column_name", None)
    _update_array(h, "index", pd.util.hash_pandas_object(frame.index, index=False).to_numpy())
    for col in frame.columns:
        series = frame[col]
        if col == geometry:
            import shapely

            crs = getattr(series, "crs", None)
            h.update(f"crs={crs.to_wkt() if crs is not None else None};".encode())
            h.update(repr(list(shapely.to_wkb(series.to_numpy(), hex=True))).encode())
            continue
        try:
            hashed = pd.util.hash_pandas_object(series, index=False).to_numpy()
        except TypeError:  # unhashable cells (lists...): their text
            hashed = np.frombuffer(repr(series.tolist()).encode("utf-8"), dtype=np.uint8)
        _update_array(h, f"column {col}", hashed)
    return h.hexdigest()


def _levels_digest(levels: Mapping[str, float] | None) -> str:
    """Digest of entity key -> value (exact: the floats' ``repr``)."""
    if levels is None:
        return "None"
    return hashlib.sha256(repr(sorted((str(k), float(v)) for k, v in levels.items()))
                          .encode("utf-8")).hexdigest()


def inputs_key(*, frames: Mapping[str, pd.DataFrame | None],
               arrays: Mapping[str, np.ndarray | None], settings: Any,
               levels: Mapping[str, Mapping[str, float] | None], other: Any = None) -> str:
    """The key of a link plan's inputs.

    Parameters
    ----------
    frames : mapping of str to DataFrame or None
        The vector inputs by name (roads, fibre routes, points, masts, settlements, new sites).
    arrays : mapping of str to ndarray or None
        The gridded inputs by name (DEM heights, land-cover heights).
    settings : object
        The link settings (a dataclass: its ``repr``, which shows every field).
    levels : mapping of str to (mapping of str to float) or None
        Per-terminal values by name (4G level, busy-hour throughput), by entity key.
    other : JSON-like, optional
        Anything else the plan depends on (grid origin and cell size, the working CRS).

    Returns
    -------
    str
        Hex SHA-256; equal keys mean equal inputs.
    """
    h = hashlib.sha256(f"links-inputs {_SCHEMA} {code_digest()}".encode())
    h.update(repr(settings).encode("utf-8"))
    h.update(json.dumps(other, sort_keys=True, default=str).encode("utf-8"))
    for name in sorted(frames):
        h.update(f"frame {name}={frame_digest(frames[name])};".encode())
    for name in sorted(arrays):
        _update_array(h, name, arrays[name])
    for name in sorted(levels):
        h.update(f"levels {name}={_levels_digest(levels[name])};".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class PlanRecord:
    """What later steps need of a plan, as the link manifest keeps it.

    Attributes
    ----------
    key : str
        :func:`inputs_key` of the plan's inputs.
    summary : str
        The plan's :meth:`~netcover.links.plan.LinkPlan.summary`.
    currency : str
        The plan's currency.
    backhaul : DataFrame
        :func:`~netcover.links.networks.new_site_backhaul` of every new site.
    files : list of (str, str)
        Each file the plan wrote (relative to the links folder) and its SHA-256, in writing order.
    """

    key: str
    summary: str
    currency: str
    backhaul: pd.DataFrame
    files: list[tuple[str, str]]


def _relative(path: Path, folder: Path) -> str:
    return path.resolve().relative_to(folder.resolve()).as_posix()


def _cell(value: Any) -> Any:
    """A backhaul table's cell as JSON (NaN kept as None: strict JSON)."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return str(value)


def record_plan(folder: Path, *, key: str, summary: str, currency: str,
                backhaul: pd.DataFrame, files: Sequence[Path]) -> Path:
    """Write the link manifest of a plan just made into ``folder``; its path.

    ``files``: what the plan wrote in ``folder``; ``backhaul``: its backhaul of the new sites.
    """
    folder = Path(folder)
    rows = [[_cell(v) for v in row] for row in backhaul.loc[:, list(_BACKHAUL)].itertuples(index=False)]
    return MANIFEST.write(folder, {
        "schema": _SCHEMA, "netcover": code_digest(), "key": key, "summary": summary,
        "currency": currency, "backhaul": rows,
        "files": [[_relative(Path(p), folder), file_sha256(p)] for p in files]})


def _read_record(path: Path) -> PlanRecord | None:
    """The record of a link manifest; None when it is missing, unreadable, of another layout, or
    names a file outside its folder."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("schema") != _SCHEMA:
            return None
        files = [(str(rel), str(sha)) for rel, sha in data["files"]]
        rows = [[math.nan if v is None else v for v in row] for row in data["backhaul"]]
        backhaul = pd.DataFrame(rows, columns=list(_BACKHAUL))
        backhaul["backhaul_cost"] = backhaul["backhaul_cost"].astype(float)
        record = PlanRecord(str(data["key"]), str(data["summary"]), str(data["currency"]),
                            backhaul, files)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    inside = all(rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts
                 for rel, _ in files)
    return record if inside else None


def reuse_plan(previous: Path | None, folder: Path, key: str) -> tuple[PlanRecord, list[Path]] | None:
    """The previous run's plan record and its files placed in ``folder`` (manifest last), when
    its key is ``key`` and each of its files is intact; else None (nothing is placed).

    ``previous``: the ``links`` folder of the run the new results replace (None: plan again).
    """
    if previous is None:
        return None
    before = MANIFEST.in_step(previous)
    record = _read_record(before)
    if record is None or record.key != key:
        return None
    for rel, sha in record.files:
        src = Path(previous) / rel
        if not src.is_file() or file_sha256(src) != sha:
            return None
    placed = [place_file(Path(previous) / rel, Path(folder) / rel) for rel, _ in record.files]
    return record, [*placed, place_file(before, MANIFEST.in_step(folder))]
