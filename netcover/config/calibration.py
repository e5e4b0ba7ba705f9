"""Model calibration: a correction of predicted levels per technology, fitted to measurements.

As the Standard Propagation Model is tuned from drive tests, the correction is
``offset_db + slope_db_per_decade * log10(d / 1 km)``, ``d`` the distance to the site. The scenario's
``[calibration.<technology>]`` sections hold it (``netcover monitor calibrate`` writes them); the
coverage engine adds it to every level of that technology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MIN_DISTANCE_KM", "Calibration"]

#: Shortest distance used in the fit (km): the log of a distance near 0 would dominate it.
MIN_DISTANCE_KM = 0.05


@dataclass(frozen=True)
class Calibration:
    """Correction of one technology's predicted levels (dB)."""

    offset_db: float = 0.0
    slope_db_per_decade: float = 0.0

    def correction(self, distance_km: np.ndarray) -> np.ndarray:
        """dB to add to predictions at these distances."""
        import numpy as np

        d = np.maximum(np.asarray(distance_km, dtype=float), MIN_DISTANCE_KM)
        return self.offset_db + self.slope_db_per_decade * np.log10(d)
