"""Radio propagation models: free space, Hata / COST-231 Hata and ITU-R P.1812 per profile.

The numba kernels shared with the area engine live in the private module ``_diffraction``.
"""

from __future__ import annotations

from netcover.radio.basic import (
    Environment,
    effective_earth_radius_km,
    free_space_loss,
    hata_loss,
    hata_validity,
)
from netcover.radio.p1812 import (
    Polarisation,
    beta0_percent,
    inverse_complementary_normal,
    p1812_profile_loss,
    path_centre_latitude,
)

__all__ = [
    "Environment",
    "Polarisation",
    "beta0_percent",
    "effective_earth_radius_km",
    "free_space_loss",
    "hata_loss",
    "hata_validity",
    "inverse_complementary_normal",
    "p1812_profile_loss",
    "path_centre_latitude",
]
