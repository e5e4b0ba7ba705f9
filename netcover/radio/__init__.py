"""Radio propagation models: free space, Hata / COST-231 Hata and ITU-R P.1812 per profile.

P.1812's terrain diffraction is its delta-Bullington model or, as an option, the three-edge Deygout
construction of :mod:`netcover.radio.deygout`.

The numba kernels shared with the area engine live in the private module ``_diffraction``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netcover.core.lazy import lazy_exports

if TYPE_CHECKING:
    from netcover.radio.basic import (
        Environment,
        effective_earth_radius_km,
        free_space_loss,
        hata_loss,
        hata_validity,
    )
    from netcover.radio.deygout import deygout_profile_loss
    from netcover.radio.p1812 import (
        Polarisation,
        beta0_percent,
        inverse_complementary_normal,
        p1812_profile_loss,
        path_centre_latitude,
    )

#: Public name -> the module that defines it, imported on first use of the name.
_EXPORTS = {
    "Environment": "netcover.radio.basic",
    "effective_earth_radius_km": "netcover.radio.basic",
    "free_space_loss": "netcover.radio.basic",
    "hata_loss": "netcover.radio.basic",
    "hata_validity": "netcover.radio.basic",
    "Polarisation": "netcover.radio.p1812",
    "beta0_percent": "netcover.radio.p1812",
    "inverse_complementary_normal": "netcover.radio.p1812",
    "p1812_profile_loss": "netcover.radio.p1812",
    "path_centre_latitude": "netcover.radio.p1812",
    "deygout_profile_loss": "netcover.radio.deygout",
}

__all__ = [
    "Environment", "Polarisation", "beta0_percent", "deygout_profile_loss",
    "effective_earth_radius_km", "free_space_loss", "hata_loss", "hata_validity",
    "inverse_complementary_normal", "p1812_profile_loss", "path_centre_latitude",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
