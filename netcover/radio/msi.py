"""Antenna pattern files (MSI / Planet) and the pattern of a ``sites.csv`` row.

:func:`read_msi` reads an ``.msi`` / ``.pln`` file into a
:class:`~netcover.radio.antenna.TabulatedPattern`; :func:`pattern_for_sector` gives the pattern a
sector of the sites table names: its pattern file, else an omni or a 3GPP parametric pattern of its
beamwidths (:mod:`netcover.radio.antenna`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from netcover.errors import DataFileError, InputError
from netcover.radio.antenna import (
    DIPOLE_GAIN_DBI,
    N_ANGLES,
    AntennaPattern,
    OmniPattern,
    ParametricPattern,
    TabulatedPattern,
)

__all__ = ["pattern_for_sector", "read_msi"]


def pattern_for_sector(h_beamwidth_deg: float, v_beamwidth_deg: float,
                       pattern_file: str | os.PathLike[str] | None = None) -> AntennaPattern:
    """The pattern of one ``sites.csv`` row.

    A pattern file (``.msi`` / ``.pln``) wins; otherwise ``h_beamwidth_deg >= 360`` gives an
    :class:`OmniPattern` and anything else a :class:`ParametricPattern` with default front-to-back
    and side-lobe levels.
    """
    if pattern_file is not None and str(pattern_file).strip():
        return read_msi(pattern_file)
    if h_beamwidth_deg >= 360.0:
        return OmniPattern(v_beamwidth_deg)
    return ParametricPattern(h_beamwidth_deg, v_beamwidth_deg)


def _is_number(word: str) -> bool:
    try:
        float(word.replace(",", "."))
    except ValueError:
        return False
    return True


class _MsiParser:
    """Line-by-line reader of one MSI / Planet file; errors name the file and the line."""

    def __init__(self, path: Path, lines: list[str]):
        self.path = path
        self.lines = lines
        self.pos = 0
        self.header: dict[str, tuple[int, list[str]]] = {}
        self.tables: dict[str, np.ndarray] = {}

    def fail(self, line_no: int, what: str) -> InputError:
        return InputError(f"{self.path}: line {line_no}: {what}")

    def parse(self) -> TabulatedPattern:
        while self.pos < len(self.lines):
            line_no = self.pos + 1
            words = self.lines[self.pos].split()
            self.pos += 1
            if not words:
                continue
            key = words[0].upper()
            if _is_number(key):
                raise self.fail(line_no, "data line outside a HORIZONTAL/VERTICAL block: does the "
                                         "block's announced count match its number of lines?")
            if key in ("HORIZONTAL", "VERTICAL"):
                if key in self.tables:
                    raise self.fail(line_no, f"second {key} block (a file holds one of each)")
                self.tables[key] = self._block(key, words, line_no)
            else:
                self.header.setdefault(key, (line_no, words[1:]))
        for key in ("HORIZONTAL", "VERTICAL"):
            if key not in self.tables:
                msg = f"{self.path}: no {key} block (expected a line '{key} 360' and 360 values)"
                raise InputError(msg)
        gain, tilt, name, freq = self._gain(), self._tilt(), self._name(), self._frequency()
        try:
            return TabulatedPattern(self.tables["HORIZONTAL"], self.tables["VERTICAL"],
                                    gain_dbi=gain, electrical_tilt_deg=tilt, name=name,
                                    frequency_mhz=freq)
        except InputError as exc:
            msg = f"{self.path}: {exc}"
            raise InputError(msg) from exc

    def _number(self, line_no: int, word: str, what: str) -> float:
        try:
            value = float(word.replace(",", "."))
        except ValueError:
            raise self.fail(line_no, f"{what}: {word!r} is not a number") from None
        if not math.isfinite(value):
            raise self.fail(line_no, f"{what}: {word!r} is not a finite number")
        return value

    def _block(self, key: str, words: list[str], line_no: int) -> np.ndarray:
        if len(words) != 2 or not words[1].isdigit() or int(words[1]) == 0:
            raise self.fail(line_no, f"{key} must be followed by the number of points, e.g. "
                                     f"'{key} 360'")
        count = int(words[1])
        angles = np.empty(count)
        values = np.empty(count)
        for k in range(count):
            if self.pos >= len(self.lines):
                raise self.fail(line_no, f"{key} block announces {count} points, the file ends "
                                         f"after {k}")
            row_no = self.pos + 1
            row = self.lines[self.pos].split()
            self.pos += 1
            if len(row) != 2:
                raise self.fail(row_no, f"{key} point {k + 1} of {count}: expected 'angle "
                                        f"attenuation', got {len(row)} field(s)")
            angles[k] = self._number(row_no, row[0], f"{key} angle")
            values[k] = self._number(row_no, row[1], f"{key} attenuation")
            if not 0.0 <= angles[k] < 360.0:
                raise self.fail(row_no, f"{key} angle {angles[k]:g} outside [0, 360)")
            if values[k] < 0.0:
                raise self.fail(row_no, f"{key} attenuation {values[k]:g} dB is negative: values "
                                        "are losses relative to the maximum gain")
        order = np.argsort(angles, kind="stable")
        angles, values = angles[order], values[order]
        dup = np.flatnonzero(np.diff(angles) == 0.0)
        if dup.size:
            raise self.fail(line_no, f"{key} block lists angle {angles[dup[0]]:g} twice")
        return np.interp(np.arange(N_ANGLES, dtype=np.float64), angles, values, period=360.0)

    def _name(self) -> str:
        entry = self.header.get("NAME")
        return " ".join(entry[1]) if entry and entry[1] else self.path.stem

    def _frequency(self) -> float | None:
        entry = self.header.get("FREQUENCY")
        if entry is None or not entry[1]:
            return None
        line_no, words = entry
        low, sep, high = words[0].partition("-")
        if sep and low:  # a band such as "1710-1880": its centre
            return (self._number(line_no, low, "FREQUENCY")
                    + self._number(line_no, high, "FREQUENCY")) / 2.0
        return self._number(line_no, words[0], "FREQUENCY")

    def _gain(self) -> float | None:
        entry = self.header.get("GAIN")
        if entry is None:
            return None
        line_no, words = entry
        if not words:
            raise self.fail(line_no, "GAIN has no value (expected e.g. 'GAIN 17.5 dBi')")
        value = self._number(line_no, words[0], "GAIN")
        unit = words[1].lower() if len(words) > 1 else "dbd"
        if unit not in ("dbi", "dbd"):
            raise self.fail(line_no, f"GAIN unit {words[1]!r} unknown: use dBi or dBd")
        return value + DIPOLE_GAIN_DBI if unit == "dbd" else value

    def _tilt(self) -> float:
        for key in ("ELECTRICAL_TILT", "TILT"):
            entry = self.header.get(key)
            if entry is None or not entry[1]:
                continue
            line_no, words = entry
            if key == "TILT" and words[0].upper() in ("ELECTRICAL", "MECHANICAL"):
                # "TILT ELECTRICAL" names the kind of tilt; a number may follow it.
                if len(words) < 2 or words[0].upper() == "MECHANICAL":
                    continue
                words = words[1:]
            return self._number(line_no, words[0], key)
        return 0.0


def read_msi(path: str | os.PathLike[str]) -> TabulatedPattern:
    """Read an MSI / Planet antenna pattern file (``.msi``, ``.pln``: same format).

    Recognised keywords (case-insensitive, first occurrence wins; others are ignored): ``NAME``,
    ``FREQUENCY`` (MHz), ``GAIN`` value with unit ``dBi`` or ``dBd`` (dBd + 2.15 = dBi; no unit means
    dBd, the Planet convention), ``ELECTRICAL_TILT`` or ``TILT`` (degrees; ``TILT ELECTRICAL`` alone
    only names the tilt kind), then ``HORIZONTAL n`` and ``VERTICAL n`` blocks of ``n`` lines
    ``angle attenuation``. Horizontal angles are clockwise from boresight; vertical angles are measured
    from the horizon, positive downwards, 0..359. Points need not be one degree apart: they are
    interpolated linearly (periodically) to one-degree tables.

    Raises
    ------
    DataFileError
        The file is missing or unreadable.
    InputError
        The content is malformed; the message names the file, the line and the problem.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        msg = f"{p}: cannot read antenna pattern file ({exc.strerror or exc}); check pattern_file"
        raise DataFileError(msg) from exc
    return _MsiParser(p, text.splitlines()).parse()
