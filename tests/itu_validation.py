"""Readers for the ITU-R P.1812 validation set (test helper, not package code).

The set (see ``README.md`` in its folder) has one ``validation_profiles/<name>.csv`` per path and one
``validation_results/<name>_<k>_log.csv`` per measurement row ``k`` of that path, listing the inputs
used and every intermediate quantity of the reference computation.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ENV_VAR = "NETCOVER_ITU_VALIDATION"
_LOG_NAME = re.compile(r"^(?P<profile>.+)_(?P<row>\d+)_log\.csv$")


def candidate_dirs() -> list[Path]:
    """Folders looked at, in order: ``$NETCOVER_ITU_VALIDATION``, then ``<repo>/../shared/...``."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    repo = Path(__file__).resolve().parent.parent
    dirs.append(repo.parent / "shared" / "itu-p1812-validation")
    return dirs


def find_validation_dir() -> Path | None:
    """First candidate folder holding both ``validation_profiles`` and ``validation_results``."""
    for path in candidate_dirs():
        if (path / "validation_profiles").is_dir() and (path / "validation_results").is_dir():
            return path
    return None


@dataclass(frozen=True)
class Profile:
    """One validation path: distances (km), ground heights (m), clutter heights (m), zones."""

    name: str
    header: dict[str, str]
    d_km: NDArray[np.float64]
    h_m: NDArray[np.float64]
    r_m: NDArray[np.float64]
    zone: NDArray[np.int64]
    measurements: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReferenceLog:
    """One reference log: parameters by normalised name (first occurrence), and all rows in order."""

    path: Path
    profile: str
    row: int
    values: dict[str, float]
    rows: list[tuple[str, str, float]]

    def __getitem__(self, name: str) -> float:
        return self.values[name]


def _norm(name: str) -> str:
    """'Lbulla (dB)' -> 'Lbulla', 'DN ' -> 'DN', 'dct (km) ' -> 'dct'."""
    return re.sub(r"\s*\(.*\)\s*$", "", name.strip()).strip()


def read_profile(path: Path) -> Profile:
    """Parse ``validation_profiles/<name>.csv``."""
    header: dict[str, str] = {}
    rows: list[list[float]] = []
    meas: list[list[str]] = []
    block = "header"
    with open(path, newline="", encoding="utf-8") as fh:
        for rec in csv.reader(fh):
            if not rec:
                continue
            first = rec[0].strip()
            if first.startswith("{Begin of Profile"):
                block = "profile"
            elif first.startswith("{Begin of Measurements"):
                block = "measurements"
            elif first.startswith("{End of"):
                block = "other"
            elif block == "profile" and not first.startswith("Number of Points"):
                rows.append([float(x) if x.strip() else np.nan for x in rec[:5]])
            elif block == "measurements":
                meas.append(rec)
            elif block == "header" and len(rec) > 1:
                header[first.rstrip(":")] = rec[1].strip()
    arr = np.asarray(rows, dtype=np.float64)
    return Profile(path.stem, header, arr[:, 0], arr[:, 1], np.nan_to_num(arr[:, 3]),
                   arr[:, 4].astype(np.int64), meas)


def read_log(path: Path) -> ReferenceLog:
    """Parse ``validation_results/<profile>_<k>_log.csv`` (rows: name, reference, -, value)."""
    match = _LOG_NAME.match(path.name)
    if match is None:
        msg = f"{path}: not a log file name of the form <profile>_<k>_log.csv"
        raise ValueError(msg)
    values: dict[str, float] = {}
    rows: list[tuple[str, str, float]] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for rec in csv.reader(fh):
            if len(rec) < 4 or rec[0].startswith("#") or not rec[0].strip():
                continue
            try:
                value = float(rec[3])
            except ValueError:
                continue
            name = _norm(rec[0])
            rows.append((name, rec[1].strip(), value))
            values.setdefault(name, value)
    return ReferenceLog(path, match["profile"], int(match["row"]), values, rows)


def log_paths(root: Path) -> list[Path]:
    """Every reference log of the set, sorted by name."""
    return sorted((root / "validation_results").glob("*_log.csv"))


def profile_path(root: Path, log: ReferenceLog) -> Path:
    """Profile file a log belongs to."""
    return root / "validation_profiles" / f"{log.profile}.csv"
