"""Settings of gap finding, candidate generation, site selection and proposal scoring.

All money is in **US dollars** (USD). The default costs are planning placeholders of the right
order for a rural macro site in northern Vietnam (tower, shelter, power, radio); replace them with
the operator's own rates. The lead maps the scenario's ``[siting]`` section onto
:class:`SitingSettings` one to one, so field names are plain and flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from netcover.config.nr import NR_RESOURCE_BLOCKS, NR_SCS_KHZ, check_scs, default_scs_khz
from netcover.config.options import OBJECTIVES, POINT_TYPES, SOLVERS, Objective, SolverName
from netcover.config.radio import (
    CLASS_LEVELS,
    LTE_RESOURCE_BLOCKS,
    TECHNOLOGIES,
    USABLE_CLASSES,
    Technology,
    UsableClass,
)
from netcover.errors import ScenarioError

__all__ = ["OBJECTIVES", "SOLVERS", "SitingSettings"]

#: Settings that must be > 0, >= 0, and shares in (0, 1].
_POSITIVE = ("cluster_distance_m", "hilltop_window_m", "max_road_m", "max_gap_distance_km",
             "candidate_spacing_m", "max_candidates", "frequency_mhz", "bandwidth_mhz",
             "mast_height_m", "h_beamwidth_deg", "v_beamwidth_deg", "n_sites",
             "time_limit_s", "proposal_search_radius_m", "proposal_search_spacing_m")
_NON_NEGATIVE = ("min_people", "min_rise_m", "screening_cell_m", "screening_radius_km",
                 "base_cost", "cost_per_mast_m", "cost_per_road_km", "cost_per_backhaul_km",
                 "budget", "target_village_min_population", "mip_gap", "tie_people",
                 "sharing_distance_m")
_SHARES = ("gap_close_share", "target_share")
#: Settings that are shares in [0, 1].
_FRACTIONS = ("sharing_base_saving_share",)


@dataclass(frozen=True)
class SitingSettings:
    """Everything the siting step needs besides the data; every field has a documented default.

    Attributes
    ----------
    usable_class : {"weak", "fair", "good"}
        People below this class are uncovered demand; a new site covers a demand cell when its best
        sector reaches this class of ``technology`` (4G fair: RSRP >= -105 dBm by default). Not a
        key of ``[siting]``: a :class:`~netcover.config.scenario.Scenario` sets it from its one
        setting ``[coverage] usable_class``.
    baseline_operator : str
        "" measures gaps against every operator's network; an operator's name measures them against
        that operator's cells only (an operator filling its own gaps).
    min_people : float
        Population cells with fewer uncovered people than this are not demand (noise of the raster).
    cluster_distance_m : float
        Uncovered cells closer than this (centre to centre) belong to one gap (single linkage). 500 m:
        a hamlet of the karst valleys spreads over 2-5 population cells of 100 m, and two uncovered
        groups this close are reached by the same new site, so planners treat them as one gap.
    gap_close_share : float
        A site or proposal "closes" a gap when it covers at least this share of the gap's people.
    hilltop_window_m : float
        Side of the window of the topographic position index (height minus the window's mean) and
        of the local-maximum search that picks hilltops and ridge shoulders.
    min_rise_m : float
        A terrain candidate stands at least this far above the mean ground of its window.
    max_road_m : float
        A terrain candidate lies within this distance of a road (access and power).
    max_gap_distance_km : float
        A terrain candidate lies within this distance of an uncovered cell.
    candidate_spacing_m : float
        Candidates closer than this are thinned, keeping the highest-ranked (listed places first).
    max_candidates : int
        At most this many terrain candidates (the highest above their surroundings).
    candidate_point_types : tuple of str
        Types of the data network's points offered as candidates (the planner's listed places).
    exclusion_file : str
        Polygon layer of places where no mast may stand (protected karst, military); "" none.
        Relative paths are relative to the scenario file.
    screening_cell_m : float
        Cell of the DEM used to compute candidate coverage: the DEM is block-averaged onto a grid of
        this size aligned with the population grid (0: the population grid's own cell, 100 m on the
        sample), so demand cells and coverage cells coincide.
    screening_radius_km : float
        Coverage radius of a candidate (0: the scenario's ``coverage.radius_km``).
    technology, frequency_mhz, bandwidth_mhz, tx_power_dbm, antenna_gain_dbi : str, float
        The plan's radio: 4G at 900 MHz (band 8: the longest reach of the bands used in the
        district), 10 MHz, 43 dBm per sector, 16 dBi. The bandwidth must be one of the
        technology's channels: LTE's (1.4 to 20 MHz) for 4G, TS 38.101-1 Table 5.3.2-1 at the
        subcarrier spacing for 5G (e.g. ``technology = "5G"``, ``frequency_mhz = 3500``,
        ``bandwidth_mhz = 100``: n78, 273 resource blocks at 30 kHz).
    scs_khz : float
        Subcarrier spacing of a 5G plan's sectors, kHz (15, 30 or 60); 0: the band's usual one
        (:func:`netcover.config.nr.default_scs_khz`: 30 kHz from 2,300 MHz up, else 15 kHz).
        Not used by 4G or 3G plans.
    mast_height_m : float
        Antenna height above ground of a new site.
    azimuths_deg : tuple of float
        Sector azimuths of a new site (three sectors at 0/120/240 degrees).
    h_beamwidth_deg, v_beamwidth_deg, mech_tilt_deg, elec_tilt_deg : float
        Sector antenna: 65 x 10 degree beams, 2 + 2 degrees down-tilt.
    base_cost : float
        USD per new site without mast (radio, shelter, power system, installation).
    cost_per_mast_m : float
        USD per metre of mast.
    cost_per_road_km : float
        USD per km of access road from the nearest road to the site.
    cost_per_backhaul_km : float
        USD per km from the site to the nearest fibre route or fibre-connected point (an existing
        site when the district has no fibre layer).
    objective : {"count", "budget", "target"}
        ``count``: the ``n_sites`` sites reaching most people; ``budget``: most people within
        ``budget``; ``target``: fewest sites reaching ``target_share`` of the people and every
        required village.
    n_sites : int
        Sites to choose with ``objective = "count"``.
    budget : float
        USD available with ``objective = "budget"``.
    target_share : float
        Share of all people (covered before the plan or by it) to reach with ``objective = "target"``.
    target_village_min_population : float
        With ``objective = "target"``, every village of at least this many people must be covered
        (0: no village constraint).
    target_electrified_only : bool
        Only electrified villages are required (Decision 2269/QĐ-TTg: mobile service in every
        electrified village of remote communes).
    solver : {"greedy", "exact"}
        Greedy with 1-swap improvement, or the MILP solved by HiGHS (``scipy.optimize.milp``).
    time_limit_s : float
        Time limit of the exact solver; the result says whether it stopped the solver.
    mip_gap : float
        Relative optimality gap at which the exact solver stops.
    tie_people : float
        Candidates whose added people differ by at most this many people are a tie, and the one
        with the lower cost per new person is chosen (greedy and its swaps; the exact solver breaks
        such ties with a cost term worth less than this many people over all its sites, see
        :mod:`netcover.siting.solvers`). 1 person: below the precision of the population raster
        spread over 100 m cells; 0 turns tie-breaking off.
    proposal_search_radius_m : float
        Around each proposal, places within this distance are tried with the proposal's antenna to
        find a better position (2 km: a move an operator can still negotiate with the same land
        owners and access road).
    proposal_search_spacing_m : float
        Spacing of the places tried around a proposal.
    sharing_distance_m : float
        Proposals of different operators closer than this, or a proposal this close to another
        operator's existing mast, are told to share one tower (:mod:`netcover.siting.sharing`).
        100 m: an assumption, the distance within which two operators' antennas reach the same
        people from one mast (the coverage screening grid is 100 m on the sample); 0 turns the
        suggestion off.
    sharing_base_saving_share : float
        Share of ``base_cost`` the second operator saves by sharing a tower (power system, shelter,
        site works, installation), besides the whole mast (``cost_per_mast_m`` x its height).
        0.5: an assumption, the order of tower-sharing savings operators report; give your own.
    """

    usable_class: UsableClass = "fair"
    baseline_operator: str = ""
    min_people: float = 0.5
    cluster_distance_m: float = 500.0
    gap_close_share: float = 0.5
    hilltop_window_m: float = 600.0
    min_rise_m: float = 10.0
    max_road_m: float = 1_000.0
    max_gap_distance_km: float = 6.0
    candidate_spacing_m: float = 400.0
    max_candidates: int = 1_000
    candidate_point_types: tuple[str, ...] = ("commune_office", "school")
    exclusion_file: str = ""
    screening_cell_m: float = 0.0
    screening_radius_km: float = 0.0
    technology: Technology = "4G"
    frequency_mhz: float = 900.0
    bandwidth_mhz: float = 10.0
    tx_power_dbm: float = 43.0
    antenna_gain_dbi: float = 16.0
    scs_khz: float = 0.0
    mast_height_m: float = 30.0
    azimuths_deg: tuple[float, ...] = (0.0, 120.0, 240.0)
    h_beamwidth_deg: float = 65.0
    v_beamwidth_deg: float = 10.0
    mech_tilt_deg: float = 2.0
    elec_tilt_deg: float = 2.0
    base_cost: float = 60_000.0
    cost_per_mast_m: float = 1_000.0
    cost_per_road_km: float = 20_000.0
    cost_per_backhaul_km: float = 8_000.0
    objective: Objective = "count"
    n_sites: int = 10
    budget: float = 1_000_000.0
    target_share: float = 0.99
    target_village_min_population: float = 0.0
    target_electrified_only: bool = True
    solver: SolverName = "greedy"
    time_limit_s: float = 60.0
    mip_gap: float = 0.005
    proposal_search_radius_m: float = 2_000.0
    proposal_search_spacing_m: float = 200.0
    tie_people: float = 1.0
    sharing_distance_m: float = 100.0
    sharing_base_saving_share: float = 0.5

    def __post_init__(self) -> None:
        for name in ("candidate_point_types", "azimuths_deg"):
            value = getattr(self, name)
            if isinstance(value, list):  # TOML arrays arrive as lists; keep the settings hashable
                object.__setattr__(self, name, tuple(value))
        self._check_choices()
        self._check_ranges()
        self._check_channel()

    def _check_choices(self) -> None:
        for name, value, allowed in (("usable_class", self.usable_class, USABLE_CLASSES),
                                     ("objective", self.objective, OBJECTIVES),
                                     ("solver", self.solver, SOLVERS),
                                     ("technology", self.technology, TECHNOLOGIES)):
            if value not in allowed:
                msg = f"[siting] {name} = {value!r} is not one of {list(allowed)}"
                raise ScenarioError(msg)
        bad = [v for v in self.candidate_point_types if v not in POINT_TYPES]
        if isinstance(self.candidate_point_types, str) or bad:
            msg = (f"[siting] candidate_point_types has unknown value(s) "
                   f"{bad or self.candidate_point_types!r}; choose from {list(POINT_TYPES)}")
            raise ScenarioError(msg)
        if not self.azimuths_deg:
            msg = "[siting] azimuths_deg is empty; give at least one sector azimuth, e.g. [0, 120, 240]"
            raise ScenarioError(msg)

    def _check_channel(self) -> None:
        """The bandwidth (and a 5G plan's spacing) must be a channel of the plan's technology."""
        if self.technology == "5G":
            if self.scs_khz != 0 and self.scs_khz not in NR_SCS_KHZ:
                msg = (f"[siting] scs_khz = {self.scs_khz!r} is not an NR subcarrier spacing; use "
                       f"{', '.join(f'{v:g}' for v in NR_SCS_KHZ)} (kHz), or 0 for the band's usual one")
                raise ScenarioError(msg)
            table = NR_RESOURCE_BLOCKS[self.sector_scs_khz]
            what = f"an NR channel bandwidth at {self.sector_scs_khz:g} kHz subcarrier spacing"
        elif self.technology == "4G":
            table, what = LTE_RESOURCE_BLOCKS, "an LTE channel bandwidth"
        else:
            return
        if not any(math.isclose(self.bandwidth_mhz, b) for b in table):
            msg = (f"[siting] bandwidth_mhz = {self.bandwidth_mhz:g} is not {what}; use one of "
                   f"{', '.join(f'{b:g}' for b in table)}")
            raise ScenarioError(msg)

    @property
    def sector_scs_khz(self) -> float:
        """The subcarrier spacing of a 5G plan's sectors: :attr:`scs_khz`, or the band's usual
        one when 0 (kHz)."""
        if self.scs_khz == 0:
            return default_scs_khz(self.frequency_mhz)
        return check_scs(self.scs_khz)

    def _check_ranges(self) -> None:
        checks = ((_POSITIVE, lambda v: v > 0, "must be > 0"),
                  (_NON_NEGATIVE, lambda v: not v < 0, "must be >= 0"),
                  (_SHARES, lambda v: 0.0 < v <= 1.0, "is a share: give a value in (0, 1]"),
                  (_FRACTIONS, lambda v: 0.0 <= v <= 1.0, "is a share: give a value in [0, 1]"))
        for names, ok, why in checks:
            for name in names:
                if not ok(getattr(self, name)):
                    msg = f"[siting] {name} = {getattr(self, name)!r} {why}"
                    raise ScenarioError(msg)

    @property
    def usable_level(self) -> int:
        """Class code of :attr:`usable_class` (1 weak, 2 fair, 3 good)."""
        return CLASS_LEVELS[self.usable_class]

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of the keys accepted in the scenario's ``[siting]`` section (all settings but
        :attr:`usable_class`, which comes from ``[coverage]``)."""
        return tuple(f.name for f in fields(cls) if f.name != "usable_class")
