"""Model calibration: a correction of predicted levels per technology, band and land-cover class.

As the Standard Propagation Model is tuned from drive tests, a correction is
``offset_db + slope_db_per_decade * log10(d / 1 km)``, ``d`` the distance to the site. The scenario's
``[calibration.<technology>]`` section holds the technology-wide correction (every band, every
land-cover class: the layout of earlier versions, still valid), and its ``[[calibration.<technology>
.entries]]`` the corrections of one band (``band_mhz``) and/or one land-cover class (``landcover``,
the class code of the land-cover raster); ``netcover monitor calibrate`` writes both::

    [calibration.4G]                # every band and class
    offset_db = -6.1
    slope_db_per_decade = 0.0
    n = 412                         # measurements it was fitted on, and its error (dB):
    rmse_before_db = 9.3            # before calibration
    rmse_cv_db = 3.2                # after, k-fold cross-validated
    residual_sd_db = 3.2            # spread of the cross-validated residuals

    [[calibration.4G.entries]]      # one band and one class (omit a key: every band / class)
    band_mhz = 1800.0
    landcover = 10
    label = "tree cover"
    offset_db = -12.0
    ...

The coverage engine adds to each level the most specific correction of its sector's technology:
the entry of the sector's band and the cell's class, else of the class (every band), else of the
band (every class), else the technology-wide one. A band entry applies to sectors within
:data:`BAND_TOLERANCE` of its frequency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "BAND_TOLERANCE", "MIN_DISTANCE_KM", "MIN_POINTS_PER_ENTRY", "Calibration", "CalibrationEntry",
    "calibration_problems",
]

#: Shortest distance used in the fit (km): the log of a distance near 0 would dominate it.
MIN_DISTANCE_KM = 0.05
#: Fewest measurements a band or land-cover class needs to get its own correction (fewer: refused,
#: the band-wide or technology-wide correction applies there).
MIN_POINTS_PER_ENTRY = 10
#: A band entry applies to sectors whose frequency is within this share of its ``band_mhz``.
BAND_TOLERANCE = 0.05


def _log_correction(offset_db: float, slope: float, distance_km: np.ndarray) -> np.ndarray:
    import numpy as np

    d = np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM)
    return offset_db + slope * np.log10(d)


@dataclass(frozen=True)
class CalibrationEntry:
    """Correction of one band and/or one land-cover class of a technology (dB).

    Attributes
    ----------
    band_mhz : float or None
        Band (the serving cells' frequency) it was fitted on; None: every band.
    landcover : int or None
        Land-cover class code (of the land-cover raster); None: every class.
    label : str
        Name of the class, for the reader.
    offset_db, slope_db_per_decade : float
        The correction: ``offset_db + slope_db_per_decade * log10(d / 1 km)``.
    n : int
        Measurements it summarises.
    rmse_before_db, rmse_cv_db, residual_sd_db : float or None
        Over those measurements: RMSE of measured minus predicted before calibration, after it
        (k-fold cross-validated) and the standard deviation of the cross-validated residuals.
    """

    band_mhz: float | None = None
    landcover: int | None = None
    label: str = ""
    offset_db: float = 0.0
    slope_db_per_decade: float = 0.0
    n: int = 0
    rmse_before_db: float | None = None
    rmse_cv_db: float | None = None
    residual_sd_db: float | None = None

    def correction(self, distance_km: np.ndarray) -> np.ndarray:
        """dB to add to predictions at these distances."""
        return _log_correction(self.offset_db, self.slope_db_per_decade, distance_km)

    def matches_band(self, band_mhz: float | None) -> bool:
        """Whether the entry applies to a sector of ``band_mhz`` (None: unknown band)."""
        if self.band_mhz is None:
            return True
        return band_mhz is not None and abs(band_mhz - self.band_mhz) <= BAND_TOLERANCE * self.band_mhz


@dataclass(frozen=True)
class Calibration:
    """Correction of one technology's predicted levels (dB): technology-wide terms and, in
    ``entries``, those of single bands and land-cover classes (see the module's doc).

    ``n``, ``rmse_before_db``, ``rmse_cv_db`` and ``residual_sd_db`` describe the whole calibration
    over all the technology's measurements (None when written by hand): ``residual_sd_db`` is the
    spread of the calibrated model's cross-validated errors.
    """

    offset_db: float = 0.0
    slope_db_per_decade: float = 0.0
    n: int = 0
    rmse_before_db: float | None = None
    rmse_cv_db: float | None = None
    residual_sd_db: float | None = None
    entries: tuple[CalibrationEntry, ...] = ()

    def correction(self, distance_km: np.ndarray, *, band_mhz: float | None = None,
                   landcover: np.ndarray | None = None) -> np.ndarray:
        """dB to add to predictions at these distances (km), for a sector of ``band_mhz``, at
        cells of class ``landcover`` (integer codes, an array broadcastable with
        ``distance_km``; None: no land-cover layer, class-agnostic corrections only)."""
        import numpy as np

        base = self.term(band_mhz, None)
        codes = sorted({e.landcover for e in self.entries if e.landcover is not None
                        and e.landcover >= 0 and e.matches_band(band_mhz)})
        if landcover is None or not codes:
            return _correction_of(base, distance_km)
        # offset and slope of every class code (the last slot: codes without an entry)
        offset = np.full(codes[-1] + 2, base.offset_db)
        slope = np.full(codes[-1] + 2, base.slope_db_per_decade)
        for code in codes:
            term = self.term(band_mhz, code)
            offset[code], slope[code] = term.offset_db, term.slope_db_per_decade
        lc = np.asarray(landcover)
        idx = np.where((lc >= 0) & (lc <= codes[-1]), lc, codes[-1] + 1)
        logd = np.log10(np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM))
        return offset[idx] + slope[idx] * logd

    def term(self, band_mhz: float | None, landcover: int | None) -> Calibration | CalibrationEntry:
        """The most specific correction for a sector of ``band_mhz`` at a cell of class
        ``landcover``: band and class, class, band, else the technology-wide one (``self``)."""
        if landcover is not None:
            found = self._best(band_mhz, landcover)
            if found is not None:
                return found
        found = self._best(band_mhz, None)
        return found if found is not None else self

    def _best(self, band_mhz: float | None, landcover: int | None) -> CalibrationEntry | None:
        """Entry of this class (None: class-agnostic) for the band: the nearest band's, else the
        every-band one, else None."""
        same = [e for e in self.entries if e.landcover == landcover and e.matches_band(band_mhz)]
        banded = [e for e in same if e.band_mhz is not None]
        if banded and band_mhz is not None:
            return min(banded, key=lambda e: abs(float(e.band_mhz or 0.0) - band_mhz))
        every = [e for e in same if e.band_mhz is None]
        return every[0] if every else None

    def spread_db(self, band_mhz: float | None = None) -> float | None:
        """Spread (dB) of the calibrated model's cross-validated errors on ``band_mhz`` (the band
        entry's), else over the technology; None when unknown (a correction written by hand)."""
        entry = self._best(band_mhz, None) if band_mhz is not None else None
        if entry is not None and entry.residual_sd_db is not None:
            return entry.residual_sd_db
        return self.residual_sd_db


def _correction_of(term: Calibration | CalibrationEntry, distance_km: np.ndarray) -> np.ndarray:
    return _log_correction(term.offset_db, term.slope_db_per_decade, distance_km)


def calibration_problems(cal: Calibration) -> list[tuple[str, str]]:
    """Problems of a calibration's entries: (key below the technology, what to fix)."""
    problems, seen = [], set()
    for i, e in enumerate(cal.entries):
        key = f"entries[{i}]"
        if e.band_mhz is not None and not 30.0 <= e.band_mhz <= 100_000.0:
            problems.append((f"{key}.band_mhz", f"{e.band_mhz:g} MHz is not a mobile band; give "
                             "the serving cells' frequency in MHz (or omit it: every band)"))
        if e.landcover is not None and not 0 <= e.landcover <= 32767:
            problems.append((f"{key}.landcover", f"class code {e.landcover} is outside 0-32767; "
                             "give a code of the land-cover raster (or omit it: every class)"))
        if e.band_mhz is None and e.landcover is None:
            problems.append((key, "an entry names a band_mhz, a landcover class or both; the "
                             "technology-wide correction goes in the section itself"))
        if (e.band_mhz, e.landcover) in seen:
            problems.append((key, f"a second entry for band {e.band_mhz} and class {e.landcover}; "
                             "keep one"))
        seen.add((e.band_mhz, e.landcover))
    return problems
