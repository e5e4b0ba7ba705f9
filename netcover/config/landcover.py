"""Land-cover classes: what each class code of a land-cover raster means for propagation.

Each class has a representative clutter height ``R`` (m), added to the terrain at the intermediate
points of every path profile (ITU-R P.1812-6 section 3.2), and a clutter category of ITU-R P.2108-1
section 3.1 (Table 3) that selects the formula of the terminal clutter loss at a receiver standing in
that class (:func:`netcover.radio.p2108.terminal_clutter_loss`): Eq (2b) for "water/sea" and
"open/rural", Eq (2a) for "suburban", "urban/trees/forest" and "dense urban". A class may also carry
an additional loss per band (dB), a user's measured or assumed correction.

The default table (:data:`WORLDCOVER`) maps the ESA WorldCover 10 m classes (codes 10-100, product
user manual v2.0). Heights are those of ITU-R P.1812-6 Table 2 for the category each class is mapped
to (water/sea 0 m, open/rural 0 m, suburban 10 m, urban/trees/forest 15 m, dense urban 20 m). The
mapping follows crc-covlib's default WorldCover -> P.1812 mapping (tree cover -> urban/trees/forest,
permanent water -> water/sea, every other class -> open/rural) except built-up, mapped to suburban
(rural villages, not city blocks); each row says why. A receiver at 1.5 m in a class of ``R`` = 0 m
stands above its clutter and gets no terminal loss.

Any other scheme is mapped by a CSV table named by ``[inputs] landcover_table``::

    code,name,height_m,category,loss_db_900,loss_db_1800
    1,forest,15,urban/trees/forest,2,3
    2,paddy,0,open/rural,,

``loss_db_<MHz>`` columns are optional; a column applies to the jobs whose frequency is within 10 %
of its MHz (the nearest column when several are), an empty value meaning 0 dB.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias, get_args

from netcover.errors import Problem, ScenarioError, format_problems

__all__ = [
    "BAND_TOLERANCE", "CATEGORIES", "EQ_2B_CATEGORIES", "NODATA_CODE", "P1812_TABLE2_HEIGHT_M",
    "TERMINAL_CLUTTER", "WORLDCOVER", "LandCoverClass", "LandCoverTable", "TerminalClutter",
    "read_landcover_table",
]

TerminalClutter: TypeAlias = Literal["auto", "p2108", "none"]
#: ``[coverage] terminal_clutter``: when the P.2108 section 3.1 terminal loss of the receiver's class
#: is added. "auto": with models whose profile carries no clutter (hata, fspl, or p1812 without
#: clutter heights); with p1812 and clutter heights the clutter of the cells around the receiver
#: already shields it (ITU-R P.1812-6 section 3.2: P.1812-6 has no separate terminal clutter loss),
#: and adding P.2108 too would count that shielding twice. "p2108": always; "none": never. A
#: class's ``loss_db_<MHz>`` is added in every case.
TERMINAL_CLUTTER: tuple[TerminalClutter, ...] = get_args(TerminalClutter)
#: ITU-R P.2108-1 section 3.1 Table 3 clutter categories.
CATEGORIES = ("water/sea", "open/rural", "suburban", "urban/trees/forest", "dense urban")
#: Categories whose terminal loss is the height-gain formula Eq (2b); the others use Eq (2a).
EQ_2B_CATEGORIES = frozenset({"water/sea", "open/rural"})
#: ITU-R P.1812-6 section 3.2 Table 2: default representative clutter height per category (m).
P1812_TABLE2_HEIGHT_M = {"water/sea": 0.0, "open/rural": 0.0, "suburban": 10.0,
                         "urban/trees/forest": 15.0, "dense urban": 20.0}
#: A ``loss_db_<MHz>`` column applies to frequencies within this share of its MHz.
BAND_TOLERANCE = 0.10
#: Class given to cells the land-cover raster does not cover (nodata): WorldCover's 60
#: (bare/sparse vegetation, open/rural, R = 0 m), i.e. those cells are treated as open ground.
NODATA_CODE = 60


@dataclass(frozen=True)
class LandCoverClass:
    """One class of a land-cover raster.

    Attributes
    ----------
    code : int
        Value of the class in the raster (0..32767).
    name : str
        What the class is.
    height_m : float
        Representative clutter height R (m), >= 0 (ITU-R P.1812-6 section 3.2).
    category : str
        ITU-R P.2108-1 Table 3 category, one of :data:`CATEGORIES`.
    loss_db : tuple of (float, float)
        (band MHz, additional loss dB) pairs, the user's extra loss for a receiver in this class.
    source : str
        Why the class has these values.
    """

    code: int
    name: str
    height_m: float
    category: str
    loss_db: tuple[tuple[float, float], ...] = ()
    source: str = ""

    def extra_loss_db(self, frequency_mhz: float) -> float:
        """The additional loss of the band nearest ``frequency_mhz`` within :data:`BAND_TOLERANCE`
        (0 dB when no band is that near)."""
        near = [(abs(mhz - frequency_mhz), db) for mhz, db in self.loss_db
                if abs(mhz - frequency_mhz) <= BAND_TOLERANCE * mhz]
        return min(near)[1] if near else 0.0


@dataclass(frozen=True)
class LandCoverTable:
    """The classes of a land-cover raster, by code.

    Attributes
    ----------
    classes : tuple of LandCoverClass
        One per code, sorted by code.
    source : Path or None
        CSV the table was read from; None for the default :data:`WORLDCOVER` table.
    nodata_code : int
        Class of cells without land cover (raster nodata or outside the raster).
    """

    classes: tuple[LandCoverClass, ...]
    source: Path | None = None
    nodata_code: int = NODATA_CODE

    def __post_init__(self) -> None:
        if self.nodata_code not in self.codes:
            object.__setattr__(self, "nodata_code", self.classes[0].code)

    @property
    def codes(self) -> tuple[int, ...]:
        """Class codes, ascending."""
        return tuple(c.code for c in self.classes)

    def by_code(self, code: int) -> LandCoverClass:
        """The class of ``code`` (KeyError when unknown)."""
        for c in self.classes:
            if c.code == code:
                return c
        raise KeyError(code)

    def fingerprint(self) -> str:
        """Digest of every value of the table (for cache keys)."""
        text = repr([(c.code, c.height_m, c.category, c.loss_db) for c in self.classes])
        return hashlib.sha256(f"{text}|{self.nodata_code}".encode()).hexdigest()[:16]


def _wc(code: int, name: str, category: str, why: str) -> LandCoverClass:
    return LandCoverClass(code, name, P1812_TABLE2_HEIGHT_M[category], category,
                          source=f"ESA WorldCover {code}; {why}; R from ITU-R P.1812-6 Table 2")


#: ESA WorldCover 10 m (v100/v200) classes with their P.1812/P.2108 category.
WORLDCOVER = LandCoverTable((
    _wc(10, "tree cover", "urban/trees/forest", "trees are P.2108 Table 3's 'urban/trees/forest'"),
    _wc(20, "shrubland", "open/rural", "shrubs under 5 m (WorldCover definition) stand below a "
        "pedestrian's horizon clutter: open/rural"),
    _wc(30, "grassland", "open/rural", "open ground"),
    _wc(40, "cropland", "open/rural", "open ground"),
    _wc(50, "built-up", "suburban", "the built-up of the rural districts netcover plans for "
        "(houses of 1-2 storeys among gardens) is P.2108's 'suburban' (R 10 m), not 'urban' (15 m) "
        "as crc-covlib maps it; a city needs a landcover_table"),
    _wc(60, "bare / sparse vegetation", "open/rural", "open ground"),
    _wc(70, "snow and ice", "open/rural", "open ground"),
    _wc(80, "permanent water bodies", "water/sea", "water"),
    _wc(90, "herbaceous wetland", "open/rural", "low vegetation"),
    _wc(95, "mangroves", "urban/trees/forest", "trees"),
    _wc(100, "moss and lichen", "open/rural", "open ground"),
))


def read_landcover_table(path: str | Path) -> LandCoverTable:
    """Read a user's class table (CSV ``code,name,height_m,category[,loss_db_<MHz>...]``).

    Raises
    ------
    ScenarioError
        Unreadable file, a missing column, or a row with a bad value (the message names the file,
        the row and the field, and says what to write).
    """
    p = Path(path)
    rows = _read_rows(p)
    problems: list[Problem] = []
    classes = [_row(p, i + 2, row, problems) for i, row in enumerate(rows)]
    ok = sorted((c for c in classes if c is not None), key=lambda c: c.code)
    codes = [c.code for c in ok]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(Problem(str(p), f"code {code} is listed more than once; give each code "
                                "one row", field="code"))
    if problems:
        raise ScenarioError(format_problems(problems))
    return LandCoverTable(tuple(ok), source=p, nodata_code=NODATA_CODE)


def _read_rows(p: Path) -> list[dict[str, str]]:
    """The CSV's rows, keys and values stripped; ScenarioError without rows or a column."""
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            raw = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        msg = f"{p}: cannot read the land-cover table ({exc}); give a UTF-8 CSV"
        raise ScenarioError(msg) from exc
    rows = [{str(k).strip(): str(v or "").strip() for k, v in row.items() if k} for row in raw]
    missing = [c for c in ("code", "name", "height_m", "category") if not rows or c not in rows[0]]
    if missing:
        msg = (f"{p}: the land-cover table needs a header code,name,height_m,category and one row "
               f"per class (missing: {', '.join(missing)})")
        raise ScenarioError(msg)
    return rows


def _row(path: Path, line: int, row: dict[str, str], problems: list[Problem]
         ) -> LandCoverClass | None:
    """One class from a CSV row; its problems go to ``problems`` (None when it has any)."""
    before = len(problems)

    def bad(field: str, fix: str) -> None:
        problems.append(Problem(str(path), f"{field}={row.get(field, '')!r}: {fix}", f"row {line}",
                                field))

    code = _number(row.get("code", ""))
    if code is None or code != int(code) or not 0 <= code <= 32767:
        bad("code", "give the class's integer value in the raster, 0..32767")
    height = _number(row.get("height_m", ""))
    if height is None or height < 0:
        bad("height_m", "give the representative clutter height in metres, >= 0 "
            "(ITU-R P.1812-6 Table 2: 0 open, 10 suburban, 15 trees/urban, 20 dense urban)")
    category = row.get("category", "").lower()
    if category not in CATEGORIES:
        bad("category", f"use one of {', '.join(CATEGORIES)} (ITU-R P.2108 Table 3)")
    losses = _band_losses(row, bad)
    if len(problems) > before or code is None or height is None:
        return None
    return LandCoverClass(int(code), row.get("name", "") or f"class {int(code)}", height, category,
                          losses, source=f"{path.name} row {line}")


def _band_losses(row: dict[str, str], bad: Callable[[str, str], None]
                 ) -> tuple[tuple[float, float], ...]:
    """The row's ``loss_db_<MHz>`` values as (MHz, dB), sorted; bad ones reported by ``bad``."""
    losses = []
    for key, value in row.items():
        if not key.startswith("loss_db_") or not value:
            continue
        mhz, db = _number(key.removeprefix("loss_db_")), _number(value)
        if mhz is None or mhz <= 0:
            bad(key, "name the column loss_db_<MHz>, e.g. loss_db_900")
        elif db is None:
            bad(key, "give the additional loss in dB, or leave it empty")
        else:
            losses.append((mhz, db))
    return tuple(sorted(losses))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
