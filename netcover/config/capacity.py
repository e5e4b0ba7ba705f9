"""Settings of the capacity step (``[capacity]``): busy-hour demand and the throughput target.

Busy-hour demand of a place (:func:`busy_hour_users`, :func:`offered_mbps`)::

    users   = people x smartphone share x busy-hour active share
    traffic = users x busy-hour MB per active user x 8 / 3600          (Mb/s)

The smartphone share is the reported indicator ``share_adults_with_smartphone`` of the commune
(:mod:`netcover.data.reported`, latest period) where the scenario's reported indicators give it,
else :attr:`CapacitySettings.smartphone_share`; it is applied to all people (children share a
household's phone), an approximation.

The defaults are **assumptions** of the right order for rural Vietnam, to be replaced by the
operator's busy-hour counters:

- ``smartphone_share`` 0.70: about the share of adults with a smartphone reported for rural
  northern districts in 2024 (the sample district reports 69%);
- ``active_share`` 0.30 and ``busy_hour_mb`` 140: a smartphone moving about 16 GB a month (the
  order of the Ericsson Mobility Report's figure for South-East Asia and Oceania, 2023), 8% of a
  day's traffic in the busy hour (usual planning share, 6-10%), spread over the 30% of
  smartphones active in that hour: 16,000 / 30 x 0.08 / 0.30 = 142 MB per active user;
- ``target_mbps`` 40: Vietnam's mobile broadband speed target (4G >= 40 Mb/s, as netcover issue
  #15 states it; the monitoring targets' source applies);
- ``pool_sector_carriers`` true: a sector's carriers share its users
  (:mod:`netcover.coverage.sectorpool`);
- ``iterations`` 20 and ``tolerance`` 1e-4: the load fixed point (:mod:`netcover.coverage.capacity`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from netcover.errors import ScenarioError

if TYPE_CHECKING:  # numpy is imported by the functions: reading a scenario does not load it
    import numpy as np

__all__ = ["CapacitySettings", "busy_hour_users", "offered_mbps"]


@dataclass(frozen=True)
class CapacitySettings:
    """``[capacity]``: busy-hour demand and the user-throughput target (see the module notes).

    Attributes
    ----------
    smartphone_share : float
        Share of people with a smartphone where no reported figure is given, [0, 1].
    active_share : float
        Share of smartphones active in the busy hour, [0, 1].
    busy_hour_mb : float
        Megabytes an active smartphone moves in the busy hour (downlink).
    target_mbps : float
        User-throughput target (Mb/s) that the tables count people against.
    pool_sector_carriers : bool
        Serve a place from all the carriers of its best cell's sector (True) or from its best cell
        alone (see :mod:`netcover.coverage.sectorpool`).
    iterations : int
        Most iterations of the load fixed point.
    tolerance : float
        The fixed point stops when no cell's load changes by more than this.
    """

    smartphone_share: float = 0.70
    active_share: float = 0.30
    busy_hour_mb: float = 140.0
    target_mbps: float = 40.0
    pool_sector_carriers: bool = True
    iterations: int = 20
    tolerance: float = 1e-4

    def __post_init__(self) -> None:
        for name in ("smartphone_share", "active_share"):
            value = getattr(self, name)
            if isinstance(value, (int, float)) and not 0.0 <= value <= 1.0:
                msg = f"[capacity] {name} = {value!r} is a share: give a value in [0, 1] (0.7 = 70%)"
                raise ScenarioError(msg)
        for name in ("busy_hour_mb", "target_mbps", "tolerance"):
            value = getattr(self, name)
            if isinstance(value, (int, float)) and not (math.isfinite(value) and value > 0.0):
                msg = f"[capacity] {name} = {value!r} must be a positive number"
                raise ScenarioError(msg)
        if isinstance(self.iterations, int) and self.iterations < 1:
            msg = f"[capacity] iterations = {self.iterations!r} must be >= 1"
            raise ScenarioError(msg)

    def as_dict(self) -> dict[str, float]:
        """The settings by name (for the tables' record of what they assume)."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


def busy_hour_users(people: np.ndarray | float, smartphone_share: np.ndarray | float,
                    settings: CapacitySettings) -> np.ndarray:
    """Smartphones active in the busy hour: people x smartphone share x active share."""
    import numpy as np

    return (np.asarray(people, dtype=np.float64) * np.asarray(smartphone_share, dtype=np.float64)
            * settings.active_share)


def offered_mbps(users: np.ndarray | float, settings: CapacitySettings) -> np.ndarray:
    """Busy-hour offered traffic (Mb/s) of ``users`` active smartphones: users x MB x 8 / 3600."""
    import numpy as np

    return np.asarray(users, dtype=np.float64) * settings.busy_hour_mb * 8.0 / 3600.0
