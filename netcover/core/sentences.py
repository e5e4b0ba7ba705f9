"""The explanations ``netcover evaluate`` writes in English, in Vietnamese.

The scores table (``proposals_scored.csv``) explains each proposal in English sentences that any
reader of the table can read: ``advice`` (the better place, or a capacity proposal's relief),
``sharing`` (another operator's tower nearby) and ``verdict_reason``. The Vietnamese report and the
dossier show them through :func:`translated`, which knows the templates those sentences are made
of (:data:`CLAUSES`, beside the code that fills them in: :mod:`netcover.siting.verdict`,
:mod:`netcover.siting.sharing`, :mod:`netcover.siting.relief` and the better-place search).

A text is first matched whole; otherwise it is cut into clauses at "; " (outside brackets) and
each clause is matched alone. A template's fields are carried over: numbers in the Vietnamese
style (``1.612``, ``19,5``), compass directions translated, phrases (who, what) translated by
the same templates, names and ids as they are. A clause that matches no template stays in
English, so a sentence is never lost, only left untranslated (the tests make every sentence the
producers write translate).
"""

from __future__ import annotations

import re
from functools import cache

from netcover.core.i18n import COMPASS, Lang

__all__ = ["CLAUSES", "translated"]

#: English template -> Vietnamese template. ``{name}`` is a field; fields named in
#: :data:`_PHRASES` are themselves translated, numbers get the Vietnamese separators.
CLAUSES: dict[str, str] = {
    # the better-place search (netcover.siting.better)
    "move it {dist} m {direction} onto a hilltop or ridge ({lon}, {lat}) and it reaches {extra} "
    "more people": "dời {dist} m về phía {direction}, lên đỉnh đồi hoặc sống núi ({lon}, {lat}) "
                   "thì phủ thêm được {extra} người",
    "move it {dist} m {direction} ({lon}, {lat}) and it reaches {extra} more people":
        "dời {dist} m về phía {direction} ({lon}, {lat}) thì phủ thêm được {extra} người",
    "no place within {radius} m adds more people":
        "không có vị trí nào trong phạm vi {radius} m phủ thêm được nhiều người hơn",
    # sharing (netcover.siting.sharing)
    "that place is {dist} m from {who}: {share}": "vị trí đó cách {who} {dist} m: {share}",
    "{who} is {dist} m away: {share} and save about {saving} USD (a {height} m mast not built and "
    "an assumed {pct} of the base cost; for two proposals the saving is the pair's, once)":
        "{who} cách {dist} m: {share} và tiết kiệm khoảng {saving} USD (không phải xây cột "
        "{height} m và giả định {pct} chi phí phần nền; với hai đề xuất, khoản tiết kiệm tính "
        "một lần cho cả hai)",
    # capacity relief (netcover.siting.relief)
    "{what}: it takes no busy-hour users off its operator's existing cells":
        "{what}: không chuyển được người dùng giờ cao điểm nào khỏi các cell hiện có của "
        "doanh nghiệp",
    "{what}: it takes {users} busy-hour users off {n} existing cell(s); the busiest, {cell}, goes "
    "from {before} to {after} PRB load, and users there get {t1} instead of {t0} Mb/s":
        "{what}: chuyển {users} người dùng giờ cao điểm khỏi {n} cell hiện có; cell bận nhất, "
        "{cell}, giảm tải PRB từ {before} xuống {after}, người dùng ở đó đạt {t1} thay vì {t0} "
        "Mb/s",
    "{what}: it takes {users} busy-hour users off {n} existing cell(s); the busiest, {cell}, goes "
    "from {before} to {after} PRB load":
        "{what}: chuyển {users} người dùng giờ cao điểm khỏi {n} cell hiện có; cell bận nhất, "
        "{cell}, giảm tải PRB từ {before} xuống {after}",
    # the verdict (netcover.siting.verdict)
    "its new people are not known": "chưa biết số người được phủ sóng mới",
    "it newly covers only {new} people (fewer than {least})":
        "chỉ phủ sóng mới cho {new} người (ít hơn {least})",
    "each of its {new} new people costs {per} USD (more than {most})":
        "mỗi người trong số {new} người được phủ sóng mới tốn {per} USD (nhiều hơn {most})",
    "it newly covers {new} people at {per} USD each":
        "phủ sóng mới cho {new} người, mỗi người {per} USD",
    "it newly covers {new} people": "phủ sóng mới cho {new} người",
    "it takes no busy-hour users off its operator's existing cells":
        "không chuyển được người dùng giờ cao điểm nào khỏi các cell hiện có của doanh nghiệp",
    "the busiest cell it offloads ({cell}) is only {before} loaded in the busy hour (under "
    "{share_limit}): no capacity need yet":
        "cell bận nhất được giảm tải ({cell}) chỉ tải {before} vào giờ cao điểm (dưới "
        "{share_limit}): chưa cần thêm dung lượng",
    "it takes only {users} busy-hour users: {cell} stays at {after} PRB load ({before} before)":
        "chỉ chuyển được {users} người dùng giờ cao điểm: {cell} vẫn ở mức tải PRB {after} "
        "(trước đó {before})",
    "it takes {users} busy-hour users off {cell} and its neighbours (PRB load {before} to "
    "{after}, users there get {t1} instead of {t0} Mb/s)":
        "chuyển {users} người dùng giờ cao điểm khỏi {cell} và các cell lân cận (tải PRB từ "
        "{before} xuống {after}, người dùng ở đó đạt {t1} thay vì {t0} Mb/s)",
    "it takes {users} busy-hour users off {cell} and its neighbours (PRB load {before} to "
    "{after})":
        "chuyển {users} người dùng giờ cao điểm khỏi {cell} và các cell lân cận (tải PRB từ "
        "{before} xuống {after})",
    "but {rest}": "nhưng {rest}",
}

#: Phrases inside a clause, translated before the clause's template is filled.
_PHRASES: dict[str, dict[str, str]] = {
    "who": {"{operator}'s proposal {id}": "đề xuất {id} của {operator}",
            "{operator}'s mast {id}": "cột {id} của {operator}"},
    "share": {"share one tower": "dùng chung một cột",
              "put the antennas on its tower": "lắp ăng-ten lên cột đó"},
    "what": {"capacity added to site {site} (as carriers of its sectors, on their azimuths)":
             "bổ sung dung lượng vào trạm {site} (thành sóng mang của các sector, theo hướng "
             "của chúng)",
             "capacity site": "trạm dung lượng"},
}

_NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?%?")


def translated(text: object, lang: Lang, *, thousands: str = ".") -> str:
    """``text`` (an explanation ``netcover evaluate`` wrote) in ``lang``; unknown clauses stay as
    they are. Numbers get ``thousands`` between groups of digits (the report's ``1.612``; the
    dossier writes ``1 612``) and a decimal comma."""
    text = "" if text is None or text != text else str(text)  # None and NaN: no text
    if lang == "en" or not text.strip():
        return text
    whole = _clause(text.strip(), lang, thousands)
    if whole is not None:
        return whole
    body, capital, stop = _bare(text.strip())
    parts = [_clause(p, lang, thousands) or _clause_rest(p, lang, thousands) for p in _split(body)]
    out = "; ".join(parts)
    if capital:
        out = out[:1].upper() + out[1:]
    return out + stop


def _bare(text: str) -> tuple[str, bool, str]:
    """A sentence without its capital first letter and final full stop, and whether it had them."""
    stop = "." if text.endswith(".") else ""
    body = text[:-1] if stop else text
    capital = body[:1].isupper()
    if capital:
        body = body[:1].lower() + body[1:]
    return body, capital, stop


def _clause_rest(clause: str, lang: Lang, thousands: str) -> str:
    """A clause no template matched whole: as it is, or (capitalised) matched in lower case."""
    if clause[:1].isupper():
        lowered = _clause(clause[:1].lower() + clause[1:], lang, thousands)
        if lowered is not None:
            return lowered[:1].upper() + lowered[1:]
    return clause


def _split(text: str) -> list[str]:
    """``text`` cut at "; " outside brackets."""
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and text.startswith("; ", k):
            parts.append(text[start:k])
            start = k + 2
    return [*parts, text[start:]]


def _clause(clause: str, lang: Lang, thousands: str,
            table: dict[str, str] | None = None) -> str | None:
    """``clause`` through the first template of ``table`` (default :data:`CLAUSES`) matching it
    whole; None when none does."""
    for en, vi in (table or CLAUSES).items():
        m = _pattern(en).fullmatch(clause)
        if m is not None:
            return vi.format(**{k: _field(k, v, lang, thousands)
                                for k, v in m.groupdict().items()})
    return None


def _field(name: str, value: str, lang: Lang, thousands: str) -> str:
    if name in _PHRASES:
        return _clause(value, lang, thousands, _PHRASES[name]) or value
    if name == "direction":
        return COMPASS.get(value, value)
    if name == "rest":
        return translated(value, lang, thousands=thousands)
    if _NUMBER.fullmatch(value):
        return value.replace(",", "\0").replace(".", ",").replace("\0", thousands)
    return value


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The regular expression of an English template: its text literal, each field lazy."""
    pieces = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if k % 2 == 0 else f"(?P<{p}>.+?)"
                    for k, p in enumerate(pieces))
    return re.compile(regex, re.DOTALL)
