"""The cost table and demand of the link plan: technologies, CAPEX, yearly OPEX, net present cost.

TOML ``[links.costs]`` (reached as ``LinkSettings.costs``) and ``[links.costs.demand]``. Every money
figure is in the plan currency ``currency`` (``"VND"`` by default, ``"USD"`` possible); figures whose
source is in US dollars are converted at ``vnd_per_usd``. The trenching and microwave prices of
``[links]`` (``cost_per_km_*``, ``last_mile_cost_per_km``, ``hop_equipment_cost``,
``relay_site_cost``, ``phase_budget``) are in the plan currency too; their defaults are the former
USD figures converted (:func:`resolve_link_money`), and a value that can only be US dollars (below
:data:`MIN_VND`) is refused with the fix.

Every default is a planning assumption, not a quote: :meth:`LinkCosts.assumptions` lists the ones a
scenario left at their default, with their source, for the report to print.

A technology's net present cost over ``years`` at ``discount_rate`` (paid yearly, in arrears) is
``capex + opex_per_year * (1 - (1 + r) ** -years) / r`` (:func:`netcover.links.technology.npv`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias, cast, get_args

from netcover.config.radio import RSRP_THRESHOLDS
from netcover.errors import ScenarioError

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CURRENCIES", "LEGACY_MONEY", "MIN_VND", "STANDALONE", "TECHNOLOGIES", "Assumption", "Currency",
    "Demand", "LinkCosts", "annuity_factor", "link_money_defaults", "money_defaults", "npv",
    "resolve_link_money",
]

Currency: TypeAlias = Literal["VND", "USD"]
CURRENCIES: tuple[Currency, ...] = get_args(Currency)
#: Technologies a terminal can be connected by; the last three are standalone subscriptions.
TECHNOLOGIES = ("fibre", "microwave", "cellular", "vsat", "leo")
STANDALONE = ("cellular", "vsat", "leo")

#: Money fields of ``[links]``, in the plan currency; their dataclass defaults are US dollars.
LEGACY_MONEY = ("cost_per_km_national", "cost_per_km_provincial", "cost_per_km_commune",
                "cost_per_km_track", "last_mile_cost_per_km", "hop_equipment_cost",
                "relay_site_cost", "phase_budget")
#: Smallest plausible value in VND of each money field of ``[links]`` (about 40 USD): a smaller
#: positive value is a figure still given in US dollars.
MIN_VND = 1_000_000.0

_VND_PER_USD_SOURCE = ("rounded commercial-bank selling rate of 2025 (State Bank of Viet Nam "
                       "central rate about 25,000-25,200 VND/USD, banks' selling rates about "
                       "26,000-26,400 in the second half of 2025); set the rate of your costing date")

#: Default of each money field of LinkCosts: (value, currency of the source, source).
_MONEY: dict[str, tuple[float, Currency, str]] = {
    "fibre_opex_per_km_year": (5_000_000.0, "VND", "assumption: maintenance, repairs and pole "
                               "rental of rural aerial/buried fibre, about 2% of its CAPEX a year"),
    "hop_opex_per_year": (25_000_000.0, "VND", "assumption: spectrum fee of a licensed point-to-"
                          "point pair and yearly maintenance of both ends"),
    "cellular_capex": (3_000_000.0, "VND", "assumption: outdoor 4G CPE (router with directional "
                       "antenna) and its installation"),
    "cellular_fee_per_month": (500_000.0, "VND", "assumption: business 4G data plan of a Vietnamese "
                               "operator without volume cap"),
    "vsat_capex": (2_500.0, "USD", "assumption: GEO Ku-band VSAT terminal (1.2 m dish, modem) and "
                   "installation"),
    "vsat_fee_per_month": (200.0, "USD", "assumption: GEO VSAT service (e.g. VINASAT capacity) of "
                           "about 10-20 Mbps"),
    "leo_capex": (500.0, "USD", "assumption: LEO user terminal (Starlink-class kit) and mounting; "
                  "the service is licensed as a pilot in Viet Nam since 2025"),
    "leo_fee_per_month": (100.0, "USD", "assumption: LEO business/standard service plan"),
}

_PLAIN_SOURCES: dict[str, str] = {
    "vnd_per_usd": _VND_PER_USD_SOURCE,
    "years": "assumption: 10-year appraisal period, the life of the radio and CPE equipment "
             "(fibre lasts longer: its residual value is not counted)",
    "discount_rate": "assumption: 8% a year real; ADB's Guidelines for the Economic Analysis of "
                     "Projects (2017) recommend 9% (6% for some social sectors): use your "
                     "financing rate",
    "cellular_max_mbps": "assumption: sustained downlink of one outdoor 4G CPE in good coverage "
                         "(RSRP >= -95 dBm) on a shared rural 10-20 MHz LTE cell",
    "cellular_min_rsrp_dbm": "the 4G 'good' coverage class of the coverage step (RSRP >= -95 dBm, "
                             "netcover.config.radio.RSRP_THRESHOLDS)",
    "cellular_availability_pct": "assumption: one rural 4G site with battery backup, no redundancy",
    "vsat_max_mbps": "assumption: a GEO VSAT service plan of about 20 Mbps downlink",
    "vsat_availability_pct": "assumption: Ku-band GEO link in a tropical rain climate without "
                             "site diversity",
    "leo_max_mbps": "assumption: LEO service downlink, typically 50-200 Mbps",
    "leo_availability_pct": "assumption: LEO service availability without obstructions",
}

_DEMAND_SOURCES: dict[str, str] = {
    "school": "ITU / UN Envoy on Technology 2030 targets for universal and meaningful connectivity, "
              "as used by Giga (ITU-UNICEF): at least 20 Mbps per school",
    "commune_office": "assumption: e-government services and the online meeting system down to "
                      "the commune level on the specialised data network",
    "district_agency": "assumption: district agency LAN, e-government and video meetings",
    "health_station": "assumption: health information system and teleconsultation video",
    "other": "assumption",
    "site": "NGMN 'Guidelines for LTE Backhaul Traffic Estimation' (2011): last-mile provisioning = "
            "max(one cell's quiet-time peak, busy-time mean of all cells), about 150 Mbps for a "
            "3-sector 20 MHz 2x2 LTE site; Viet Nam's 4G >= 40 Mbps target is per user, not a "
            "site's backhaul",
    "candidate": "as site (a new 4G site of the site plan)",
    "village": "assumption: the aggregate busy-hour demand of a village access node (fibre to the "
               "home is the target there)",
}


@dataclass(frozen=True)
class Assumption:
    """A default figure the plan used: the TOML key, its value and unit, and where it comes from."""

    key: str
    value: float
    unit: str
    source: str

    def __str__(self) -> str:
        return f"{self.key} = {self.value:,.6g} {self.unit} ({self.source})"


@dataclass(frozen=True)
class Demand:
    """Demand per terminal (Mbps, downlink, busy hour) by category; TOML ``[links.costs.demand]``.

    Categories are the data-network point types, ``site`` (an existing BTS that needs backhaul),
    ``candidate`` (a new site of the site plan) and ``village``. Sources: ``_DEMAND_SOURCES``.
    """

    district_agency: float = 50.0
    commune_office: float = 20.0
    school: float = 20.0
    health_station: float = 10.0
    other: float = 10.0
    site: float = 150.0
    candidate: float = 150.0
    village: float = 100.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and value < 0:
                msg = f"[links.costs.demand] {f.name} = {value!r} must be >= 0 Mbps"
                raise ScenarioError(msg)

    def of(self, category: str) -> float:
        """Demand (Mbps) of a terminal of ``category`` (``other`` for an unknown category)."""
        return float(getattr(self, category, self.other))


@dataclass(frozen=True)
class LinkCosts:
    """Cost table of the technologies and the appraisal; TOML ``[links.costs]``.

    Attributes
    ----------
    currency : {"VND", "USD"}
        Currency of every money figure of ``[links]`` and ``[links.costs]`` and of the plan.
    vnd_per_usd : float
        Exchange rate converting the defaults whose source is in USD (see ``assumptions()``).
    years, discount_rate : int, float
        Appraisal period and yearly discount rate of the net present cost.
    technologies : tuple of str
        Technologies the plan may use (of :data:`TECHNOLOGIES`); leave one out to forbid it.
    fibre_opex_per_km_year : float
        Yearly operation and maintenance of one km of new or reused fibre (and drops).
    hop_opex_per_year : float
        Yearly cost of one microwave hop (licence fee, maintenance).
    cellular_capex, cellular_fee_per_month, cellular_max_mbps, cellular_availability_pct : float
        4G fixed wireless at a terminal: offered only where the coverage step gives the terminal
        at least ``cellular_min_rsrp_dbm`` and its demand is at most ``cellular_max_mbps``.
    vsat_* , leo_* : float
        GEO VSAT and LEO satellite: CAPEX, monthly fee, downlink limit (Mbps), availability (%).
    standalone_villages : bool
        Offer standalone options (cellular, satellite) to villages too; off by default: a village's
        aim is fibre to the homes, which a subscription at one point does not give.
    demand : Demand
        Mbps per terminal category.
    """

    currency: Currency = "VND"
    vnd_per_usd: float = 26_000.0
    years: int = 10
    discount_rate: float = 0.08
    technologies: tuple[str, ...] = TECHNOLOGIES
    fibre_opex_per_km_year: float | None = None
    hop_opex_per_year: float | None = None
    cellular_capex: float | None = None
    cellular_fee_per_month: float | None = None
    cellular_max_mbps: float = 20.0
    cellular_min_rsrp_dbm: float = RSRP_THRESHOLDS.good
    cellular_availability_pct: float = 99.5
    vsat_capex: float | None = None
    vsat_fee_per_month: float | None = None
    vsat_max_mbps: float = 20.0
    vsat_availability_pct: float = 99.5
    leo_capex: float | None = None
    leo_fee_per_month: float | None = None
    leo_max_mbps: float = 100.0
    leo_availability_pct: float = 99.5
    standalone_villages: bool = False
    demand: Demand = field(default_factory=Demand)

    def __post_init__(self) -> None:
        if isinstance(self.technologies, list):
            object.__setattr__(self, "technologies", tuple(self.technologies))
        self._check()
        for name, (value, unit, _) in _MONEY.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value * self.rate(unit))

    @property
    def defaulted(self) -> tuple[str, ...]:
        """Money fields left at their default (the source figure converted)."""
        return tuple(n for n, (value, unit, _) in _MONEY.items()
                     if getattr(self, n) == value * self.rate(unit))

    def _check(self) -> None:
        if self.currency not in CURRENCIES:
            msg = f"[links.costs] currency = {self.currency!r} must be one of {list(CURRENCIES)}"
            raise ScenarioError(msg)
        bad = [t for t in self.technologies if t not in TECHNOLOGIES]
        if bad or isinstance(self.technologies, str):
            msg = (f"[links.costs] technologies has unknown value(s) {bad or self.technologies!r}; "
                   f"choose from {list(TECHNOLOGIES)}")
            raise ScenarioError(msg)
        checks = {"vnd_per_usd": self.vnd_per_usd > 0, "years": self.years >= 1,
                  "discount_rate": -1 < self.discount_rate <= 1}
        for tech in STANDALONE:
            pct = getattr(self, f"{tech}_availability_pct")
            checks[f"{tech}_availability_pct"] = 0 <= pct <= 100
            checks[f"{tech}_max_mbps"] = getattr(self, f"{tech}_max_mbps") >= 0
        checks.update({name: (getattr(self, name) is None or getattr(self, name) >= 0)
                       for name in _MONEY})
        for name, ok in checks.items():
            if not ok:
                msg = (f"[links.costs] {name} = {getattr(self, name)!r} is out of range (money and "
                       "Mbps >= 0, years >= 1, vnd_per_usd > 0, percentages 0-100, "
                       "discount_rate in (-1, 1])")
                raise ScenarioError(msg)

    def rate(self, unit: Currency) -> float:
        """Plan-currency units per one unit of ``unit`` (``vnd_per_usd`` for USD in a VND plan)."""
        if unit == self.currency:
            return 1.0
        return self.vnd_per_usd if unit == "USD" else 1.0 / self.vnd_per_usd

    def assumptions(self, links_defaults: Mapping[str, float] | None = None) -> list[Assumption]:
        """The figures of the cost table left at their default, with their source.

        ``links_defaults``: money fields of ``[links]`` left at their default, with their value in
        the plan currency (:func:`link_money_defaults`).
        """
        cur = self.currency
        out = [Assumption(f"links.{n}", v, cur, "assumption: netcover's former USD planning "
                          "figure, converted at vnd_per_usd")
               for n, v in (links_defaults or {}).items()]
        out += [Assumption(f"links.costs.{n}", float(getattr(self, n)), cur,
                           f"{_MONEY[n][2]}; {_MONEY[n][0]:,.0f} {_MONEY[n][1]}")
                for n in self.defaulted]
        units = {"vnd_per_usd": "VND/USD", "years": "years", "discount_rate": "per year",
                 "cellular_min_rsrp_dbm": "dBm"}
        for name, source in _PLAIN_SOURCES.items():
            if getattr(self, name) == _field_default(LinkCosts, name):
                unit = units.get(name, "Mbps" if name.endswith("mbps") else "%")
                out.append(Assumption(f"links.costs.{name}", float(getattr(self, name)), unit,
                                      source))
        for name, source in _DEMAND_SOURCES.items():
            if getattr(self.demand, name) == _field_default(Demand, name):
                out.append(Assumption(f"links.costs.demand.{name}",
                                      float(getattr(self.demand, name)), "Mbps", source))
        return out


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 paid at the end of each of ``years`` years at ``rate`` (``years`` if 0)."""
    if rate == 0:
        return float(years)
    return (1.0 - (1.0 + rate) ** -years) / rate


def npv(capex: float | np.ndarray, opex_per_year: float | np.ndarray, *, rate: float,
        years: int) -> float | np.ndarray:
    """Net present cost: ``capex`` now plus ``opex_per_year`` over ``years`` at ``rate``."""
    return capex + opex_per_year * annuity_factor(rate, years)


def _field_default(cls: type, name: str) -> object:
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    return f.default


def resolve_link_money(values: Mapping[str, float], defaults: Mapping[str, float],
                       costs: LinkCosts) -> dict[str, float]:
    """The money fields of ``[links]`` in the plan currency.

    A field equal to its dataclass default (a former USD figure), or to that default already
    converted, is the converted default; any other value is taken as given in the plan currency. In
    a VND plan a positive value below :data:`MIN_VND` can only be US dollars: :class:`ScenarioError`
    names the field and the fix.
    """
    out: dict[str, float] = {}
    for name in LEGACY_MONEY:
        value = float(values[name])
        if name in link_money_defaults(values, defaults, costs):
            out[name] = defaults[name] * costs.rate("USD")
            continue
        if costs.currency == "VND" and 0 < value < MIN_VND:
            msg = (f"[links] {name} = {value:,.6g} is read in the plan currency VND ([links.costs] "
                   f"currency); {value:,.6g} VND is not a plausible cost. If it is US dollars, "
                   f"give {value * costs.vnd_per_usd:,.0f} (at vnd_per_usd = "
                   f"{costs.vnd_per_usd:,.0f}) or set [links.costs] currency = \"USD\"")
            raise ScenarioError(msg)
        out[name] = value
    return out


def money_defaults(cls: type) -> dict[str, float]:
    """The dataclass defaults (former USD figures) of the money fields of ``[links]`` of ``cls``."""
    return {f.name: float(cast(float, f.default)) for f in dataclasses.fields(cls)
            if f.name in LEGACY_MONEY}


def link_money_defaults(values: Mapping[str, float], defaults: Mapping[str, float],
                        costs: LinkCosts) -> tuple[str, ...]:
    """Money fields of ``[links]`` left at their default (its USD figure, converted or not)."""
    usd = costs.rate("USD")
    return tuple(n for n in LEGACY_MONEY
                 if float(values[n]) in (defaults[n], defaults[n] * usd))
