"""Settings of the link planner: costs, radio parameters and what must be connected.

All money is in the plan currency ``[links.costs] currency`` (VND by default, see
:mod:`netcover.config.link_costs`). The default rates are planning placeholders of the right order
for rural Vietnam (trenching along a road, microwave radio pairs), former US-dollar figures
converted at ``[links.costs] vnd_per_usd``; replace them with the operator's own rates. The lead
maps the scenario's ``[links]`` section onto :class:`LinkSettings` one to one, so field names are
plain and flat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from netcover.config.link_costs import LEGACY_MONEY, LinkCosts, money_defaults, resolve_link_money
from netcover.config.microwave import MicrowaveSettings
from netcover.config.options import BACKHAULS, CONNECTIONS, POINT_TYPES, ROAD_CLASSES
from netcover.errors import ScenarioError

__all__ = ["LinkSettings"]


@dataclass(frozen=True)
class LinkSettings:
    """Everything the link planner needs besides the data; every field has a documented default.

    Attributes
    ----------
    cost_per_km_national, cost_per_km_provincial, cost_per_km_commune, cost_per_km_track : float
        Cost (plan currency) per km of new fibre trenched along a road of that class (reinstating a
        national road costs more than a track).
    slope_free_grade_pct : float
        Road grade (percent) up to which trenching costs the flat rate.
    slope_surcharge_per_pct : float
        Extra cost fraction per percent of grade above ``slope_free_grade_pct`` (0.03: a 15 % road
        costs 30 % more than a flat one when the free grade is 5 %).
    reuse_cost_factor : float
        Cost of using existing fibre that is not yet part of the connected network, as a fraction of
        ``cost_per_km_commune`` (splicing, ports, leasing). Existing fibre that touches a connected
        point or a fibre-backhauled site is part of the network and costs nothing.
    last_mile_cost_per_km : float
        Cost (plan currency) per km of the drop from the road to a terminal (off-road trench or poles).
    max_snap_m : float
        A terminal farther than this from every road or fibre route is unreachable by road.
    node_merge_m : float
        Vertices of roads and fibre routes closer than this are one network node.
    fibre_join_m : float
        A fibre-route vertex is spliced to the nearest road node within this distance.
    hop_equipment_cost : float
        Cost (plan currency) of a microwave hop (radio pair, antennas, installation, a light mast at
        an office); hops cost equipment, not distance.
    relay_site_cost : float
        Cost (plan currency) of a new relay mast on a hilltop (power, mast, access), charged half
        to each hop.
    max_hop_km : float
        Longest microwave hop considered.
    max_hops_per_end : int
        A planned end with more hops than this gets a warning (mast space, capacity); the plan
        itself is not limited.
    min_hop_m : float
        Hop ends closer than this are joined by a drop cable (``last_mile_cost_per_km``), not a hop.
    freq_ghz : float
        Link frequency, 7-23 GHz in the usual licensed bands.
    k_factor : float
        Effective earth-radius factor (4/3 for the standard atmosphere).
    clearance_fraction : float
        Fraction of the first Fresnel zone radius the path must clear over terrain plus earth bulge.
    tx_power_dbm : float
        Transmitter output power.
    antenna_gain_dbi : float
        Gain of each of the two antennas.
    misc_loss_db : float
        Feeder, branching and radome losses, both ends together.
    rx_threshold_dbm : float or None
        Receiver threshold (BER 1e-6), dBm; None (the default): the threshold of ``[links.microwave]
        modulation`` in its channel (:data:`netcover.config.microwave.MODULATIONS`).
    fade_margin_db : float
        Floor of the fade margin: received level minus threshold must be at least this; the margin
        a hop needs for its availability comes from ITU-R P.530 (``[links.microwave]``).
    water_vapour_g_m3 : float
        Water-vapour density for the gaseous loss (7.5 g/m3 is the ITU reference atmosphere).
    terminal_types : tuple of str
        Data-network point types that must be connected when their ``connection`` is "none".
    root_point_connections : tuple of str
        Values of a point's ``connection`` that put it on the existing network ("fibre"; a "lan"
        point has its own uplink, not the district's fibre).
    connect_point_connections : tuple of str
        Values of ``connection`` that make a point of ``terminal_types`` a terminal.
    connect_site_backhaul : tuple of str
        Site ``backhaul`` values that make an existing BTS site a terminal of its operator's plan
        (default "none" only).
    root_site_backhaul : tuple of str
        Site ``backhaul`` values that put a site on its operator's existing network. "unknown" is
        used when the column is missing or empty: **assumption** (issue 14): a site on air is
        backhauled unless the sites table says otherwise. A "satellite" site is in neither list:
        backhauled, but no hub for others (its tower may still relay a hop).
    government_carrier : str
        Owner (the fibre routes' ``owner`` value) whose fibre the government data network may use.
        **Assumption**: "VNPT", which runs Vietnam's specialised data network for party and state
        agencies (mạng truyền số liệu chuyên dùng). "" : the government network uses only fibre
        without an owner.
    sharing : bool
        False (default): each network uses only its owner's fibre and towers. True: an operator's
        (and the government's) plan may use another owner's fibre and backhauled towers; links that
        do are marked with both owners and the saving against the plan without sharing.
    villages_network : str
        Which plan connects villages: "government" (default: fibre for every household is a
        public target, Vietnam's universal-service programme) or an operator's name.
    new_sites_operator : str
        Operator that builds the site plan's new sites (a terminal of its backhaul plan). "": the
        siting step's ``baseline_operator``, else the operator with the most sites in the inventory
        (**assumption**, stated in the plan's summary).
    connect_villages : bool
        Make villages without fibre terminals (Vietnam's target: fibre on request for every household).
    village_min_households : int
        A village is a terminal when at least this many of its households have no fibre...
    village_max_fibre_share : float
        ... and at most this share of its households has fibre (0: only villages with no fibre at
        all; a few early connections over a radio or a long drop do not make a village served).
    office_mast_m : float
        Antenna height above ground of a microwave hop at an office or other data-network point.
    hilltop_mast_m : float
        Antenna height above ground at a hilltop relay.
    n_hilltops : int
        Number of DEM hilltops offered as relay sites (0 disables relays).
    hilltop_spacing_m : float
        Minimum spacing between hilltop relay candidates.
    hilltop_min_rise_m : float
        A hilltop rises at least this above the lowest ground within ``hilltop_spacing_m``.
    benefit_institution : float
        Benefit of connecting one data-network point, in households-equivalent.
    benefit_site : float
        Benefit of connecting one BTS site, in households-equivalent.
    n_phases : int
        Number of build phases when ``phase_budget`` is 0 (equal shares of the total cost).
    phase_budget : float
        Net present cost per build phase; 0 splits the plan into ``n_phases`` equal-cost phases.
    costs : LinkCosts
        Cost table, demand and appraisal (``[links.costs]``): currency, exchange rate, OPEX,
        cellular and satellite options, years and discount rate.
    microwave : MicrowaveSettings
        ``[links.microwave]``: climate, availability per link class, hop profiles, radio.
    """

    cost_per_km_national: float = 12_000.0
    cost_per_km_provincial: float = 10_000.0
    cost_per_km_commune: float = 8_000.0
    cost_per_km_track: float = 6_000.0
    slope_free_grade_pct: float = 5.0
    slope_surcharge_per_pct: float = 0.03
    reuse_cost_factor: float = 0.05
    last_mile_cost_per_km: float = 8_000.0
    max_snap_m: float = 500.0
    node_merge_m: float = 1.0
    fibre_join_m: float = 50.0
    hop_equipment_cost: float = 15_000.0
    relay_site_cost: float = 25_000.0
    max_hop_km: float = 20.0
    min_hop_m: float = 100.0
    max_hops_per_end: int = 4
    freq_ghz: float = 15.0
    k_factor: float = 4.0 / 3.0
    clearance_fraction: float = 0.6
    tx_power_dbm: float = 20.0
    antenna_gain_dbi: float = 38.0
    misc_loss_db: float = 3.0
    rx_threshold_dbm: float | None = None
    fade_margin_db: float = 25.0
    water_vapour_g_m3: float = 7.5
    terminal_types: tuple[str, ...] = ("district_agency", "commune_office", "school",
                                       "health_station")
    root_point_connections: tuple[str, ...] = ("fibre",)
    connect_point_connections: tuple[str, ...] = ("lan", "none")
    connect_site_backhaul: tuple[str, ...] = ("none",)
    root_site_backhaul: tuple[str, ...] = ("fibre", "microwave", "unknown")
    government_carrier: str = "VNPT"
    sharing: bool = False
    villages_network: str = "government"
    new_sites_operator: str = ""
    connect_villages: bool = True
    village_min_households: int = 50
    village_max_fibre_share: float = 0.25
    office_mast_m: float = 15.0
    hilltop_mast_m: float = 20.0
    n_hilltops: int = 30
    hilltop_spacing_m: float = 2_000.0
    hilltop_min_rise_m: float = 50.0
    benefit_institution: float = 100.0
    benefit_site: float = 300.0
    n_phases: int = 3
    phase_budget: float = 0.0
    microwave: MicrowaveSettings = field(default_factory=MicrowaveSettings)
    costs: LinkCosts = field(default_factory=LinkCosts)

    def __post_init__(self) -> None:
        if isinstance(self.costs, LinkCosts):  # money in the plan currency (issue 14)
            money = resolve_link_money({n: getattr(self, n) for n in LEGACY_MONEY},
                                       money_defaults(type(self)), self.costs)
            for name, value in money.items():
                object.__setattr__(self, name, value)
        self._check_lists()
        self._check_numbers()
        self._check_networks()

    def _check_lists(self) -> None:
        """The lists of place kinds: tuples of known values, no value both terminal and root."""
        lists = ("terminal_types", "root_point_connections", "connect_point_connections",
                 "connect_site_backhaul", "root_site_backhaul")
        for name in lists:
            value = getattr(self, name)
            if isinstance(value, list):  # TOML arrays arrive as lists; keep the settings hashable
                object.__setattr__(self, name, tuple(value))
        _check_choices("terminal_types", self.terminal_types, POINT_TYPES)
        for name, allowed in (("root_point_connections", CONNECTIONS),
                              ("connect_point_connections", CONNECTIONS),
                              ("connect_site_backhaul", BACKHAULS),
                              ("root_site_backhaul", BACKHAULS)):
            _check_choices(name, getattr(self, name), allowed)
        for kind in ("point_connections", "site_backhaul"):
            both = set(getattr(self, f"connect_{kind}")) & set(getattr(self, f"root_{kind}"))
            if both:
                msg = (f"[links] value(s) {sorted(both)} are in both connect_{kind} and "
                       f"root_{kind}; a place cannot be a terminal and on the network at once")
                raise ScenarioError(msg)

    def _check_numbers(self) -> None:
        """Costs, distances and radio figures in their ranges."""
        positive = ("cost_per_km_national", "cost_per_km_provincial", "cost_per_km_commune",
                    "cost_per_km_track", "last_mile_cost_per_km", "max_snap_m", "node_merge_m",
                    "max_hop_km", "freq_ghz", "k_factor", "clearance_fraction", "n_phases",
                    "max_hops_per_end")
        for name in positive:
            if not getattr(self, name) > 0:
                msg = f"[links] {name} = {getattr(self, name)!r} must be > 0"
                raise ScenarioError(msg)
        non_negative = ("slope_free_grade_pct", "slope_surcharge_per_pct", "reuse_cost_factor",
                        "fibre_join_m", "hop_equipment_cost", "relay_site_cost", "min_hop_m",
                        "misc_loss_db", "fade_margin_db", "water_vapour_g_m3",
                        "village_min_households", "village_max_fibre_share", "office_mast_m",
                        "hilltop_mast_m", "n_hilltops", "hilltop_spacing_m", "hilltop_min_rise_m",
                        "benefit_institution", "benefit_site", "phase_budget")
        for name in non_negative:
            if getattr(self, name) < 0:
                msg = f"[links] {name} = {getattr(self, name)!r} must be >= 0"
                raise ScenarioError(msg)
        if not 1.0 <= self.freq_ghz <= 50.0:
            msg = (f"[links] freq_ghz = {self.freq_ghz} is outside 1-50 GHz, the range of the "
                   "gaseous-loss model; point-to-point links use 7-23 GHz")
            raise ScenarioError(msg)

    def _check_networks(self) -> None:
        """The names of the per-network settings (issue 14)."""
        for name in ("government_carrier", "villages_network", "new_sites_operator"):
            if not isinstance(getattr(self, name), str):
                msg = f"[links] {name} must be a string, not {getattr(self, name)!r}"
                raise ScenarioError(msg)
        if not self.villages_network.strip():
            msg = ('[links] villages_network is empty; give "government" or the name of the '
                   "operator that connects the villages")
            raise ScenarioError(msg)

    def road_cost_per_km(self, road_class: str) -> float:
        """Cost (plan currency) per km of trenching along a road of ``road_class`` (of
        :data:`ROAD_CLASSES`)."""
        if road_class not in ROAD_CLASSES:
            msg = f"road class {road_class!r} is not one of {list(ROAD_CLASSES)}"
            raise ScenarioError(msg)
        return float(getattr(self, f"cost_per_km_{road_class}"))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of all settings, the keys accepted in the scenario's ``[links]`` section."""
        return tuple(f.name for f in fields(cls))


def _check_choices(name: str, values: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    if isinstance(values, str):
        msg = f"[links] {name} must be a list of strings, not the string {values!r}"
        raise ScenarioError(msg)
    bad = [v for v in values if v not in allowed]
    if bad:
        msg = f"[links] {name} has unknown value(s) {bad}; choose from {list(allowed)}"
        raise ScenarioError(msg)
