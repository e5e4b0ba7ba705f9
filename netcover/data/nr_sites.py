"""5G NR cells of a site inventory: the subcarrier spacing and the channel bandwidth.

A 5G row (``technology`` 5G, NR or 5G NR) gives its carrier frequency and channel bandwidth as a 4G
row does. Its subcarrier spacing is the optional ``scs_khz`` column (15, 30 or 60 kHz) or, where
empty or absent, the band's usual spacing (:func:`netcover.config.nr.default_scs_khz`: 30 kHz from
2,300 MHz up, else 15 kHz). The bandwidth must be one of TS 38.101-1 Table 5.3.2-1 at that spacing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from netcover.config.nr import NR_RESOURCE_BLOCKS, NR_SCS_KHZ, default_scs_khz
from netcover.config.siting import SitingSettings
from netcover.core.tables import row_label
from netcover.errors import Problem

__all__ = ["NR_ALIASES", "SCS_COLUMN", "check_nr_cells", "check_planned_nr_bandwidth"]

#: Optional column of the sites table: subcarrier spacing of a 5G cell, kHz.
SCS_COLUMN = "scs_khz"
#: Spellings of 5G NR in the ``technology`` column (lower case).
NR_ALIASES: dict[str, str] = {"5g": "5G", "nr": "5G", "5g nr": "5G", "5gnr": "5G", "5g-nr": "5G"}


def check_nr_cells(df: pd.DataFrame, label: str) -> list[Problem]:
    """Fill ``scs_khz`` of the 5G rows (given or the band's default) and check it and the bandwidth.

    ``df`` has ``technology`` already normalised ("5G") and numeric ``frequency_mhz`` and
    ``bandwidth_mhz``; ``scs_khz`` is added (NaN on other rows) when absent and some row is 5G.
    Modified in place.
    """
    is_nr = (df["technology"].astype(str) == "5G").to_numpy()
    if SCS_COLUMN not in df.columns and not is_nr.any():
        return []
    given = (pd.to_numeric(df[SCS_COLUMN], errors="coerce") if SCS_COLUMN in df.columns
             else pd.Series(np.nan, index=df.index)).to_numpy(dtype=float)
    raw = df[SCS_COLUMN] if SCS_COLUMN in df.columns else pd.Series("", index=df.index)
    freq = pd.to_numeric(df["frequency_mhz"], errors="coerce").to_numpy(dtype=float)
    bw = pd.to_numeric(df["bandwidth_mhz"], errors="coerce").to_numpy(dtype=float)
    problems: list[Problem] = []
    scs = np.full(len(df), np.nan)
    allowed = ", ".join(f"{s:g}" for s in NR_SCS_KHZ)
    for i in np.flatnonzero(is_nr):
        text = "" if pd.isna(raw.iloc[i]) else str(raw.iloc[i]).strip()
        if text and not any(math.isclose(given[i], s) for s in NR_SCS_KHZ):
            problems.append(Problem(label, f"{text!r} is not an NR subcarrier spacing; give one of "
                                    f"{allowed} (kHz), or leave it empty for the band's default",
                                    row_label(i), SCS_COLUMN))
            continue
        if not text and not (math.isfinite(freq[i]) and freq[i] > 0):
            continue  # the frequency's own problem is reported by the range checks
        scs[i] = given[i] if text else default_scs_khz(float(freq[i]))
        problems += _bandwidth_problem(bw[i], scs[i], label, int(i))
    df[SCS_COLUMN] = scs
    return problems + _mixed_spacing_problems(df, scs, label)


def _mixed_spacing_problems(df: pd.DataFrame, scs: np.ndarray, label: str) -> list[Problem]:
    """An operator's 5G cells on one carrier must share a spacing: their SS-RSRP and its noise
    are per resource element of it, and they interfere with each other."""
    if "operator" not in df.columns:
        return []
    known = np.isfinite(scs)
    found = pd.DataFrame({"operator": df["operator"].astype(str).to_numpy()[known],
                          "frequency_mhz": pd.to_numeric(df["frequency_mhz"], errors="coerce")
                          .to_numpy(dtype=float)[known], "scs": scs[known],
                          "row": np.flatnonzero(known)})
    problems = []
    for (op, freq), g in found.groupby(["operator", "frequency_mhz"], sort=True):
        if g["scs"].nunique() > 1:
            rows = ", ".join(row_label(int(i)) for i in g["row"])
            values = ", ".join(f"{v:g}" for v in sorted(g["scs"].unique()))
            problems.append(Problem(label, f"{op}'s 5G cells on {freq:g} MHz ({rows}) have "
                                    f"subcarrier spacings {values} kHz; give the cells of one "
                                    "carrier one scs_khz", field=SCS_COLUMN))
    return problems


def check_planned_nr_bandwidth(df: pd.DataFrame, label: str, settings: SitingSettings) -> list[Problem]:
    """Rows of a proposals table that are 5G sectors (their ``technology``, else the plan's) whose
    bandwidth (theirs, else the plan's) is not an NR channel at the plan's spacing
    (:attr:`~netcover.config.siting.SitingSettings.scs_khz`, else the band's usual one)."""
    n = len(df)

    def column(name: str, default: object) -> pd.Series:
        given = df[name] if name in df.columns else pd.Series(np.nan, index=df.index)
        return given.where(given.notna() & (given.astype(str).str.strip() != ""), default)

    tech = column("technology", settings.technology).astype(str).str.strip().str.lower()
    freq = pd.to_numeric(column("frequency_mhz", settings.frequency_mhz), errors="coerce")
    bw = pd.to_numeric(column("bandwidth_mhz", settings.bandwidth_mhz), errors="coerce")
    problems: list[Problem] = []
    for i in range(n):
        f = float(freq.iloc[i])
        if tech.iloc[i] in NR_ALIASES and math.isfinite(f) and f > 0:
            scs = settings.scs_khz or default_scs_khz(f)
            problems += _bandwidth_problem(float(bw.iloc[i]), scs, label, i)
    return problems


def _bandwidth_problem(bw: float, scs: float, label: str, i: int) -> list[Problem]:
    table = NR_RESOURCE_BLOCKS[scs]
    if not math.isfinite(bw) or any(math.isclose(bw, b, abs_tol=1e-6) for b in table):
        return []
    text = ", ".join(f"{b:g}" for b in table)
    return [Problem(label, f"{bw:g} MHz is not an NR channel bandwidth at {scs:g} kHz subcarrier "
                    f"spacing; use one of {text} (TS 38.101-1 Table 5.3.2-1)", row_label(i),
                    "bandwidth_mhz")]
