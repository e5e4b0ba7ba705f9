"""The explanations ``netcover evaluate`` writes in English, in Vietnamese
(:mod:`netcover.core.sentences`): every sentence the producers write translates whole."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from netcover.config.siting import SitingSettings
from netcover.core.i18n import advice
from netcover.core.sentences import CLAUSES, translated
from netcover.data.proposals import Proposal
from netcover.siting.relief import relief_sentence
from netcover.siting.sharing import masts_of, sharing_near, sharing_table
from netcover.siting.verdict import verdict_of

#: English words of the templates: none may be left in a translated sentence.
ENGLISH = re.compile(r"\b(people|users?|covers?|takes?|busy-hour|mast|tower|place|but|each|"
                     r"loaded|load|cells|capacity|site|move|reaches|save|proposals?|away|"
                     r"known|before|instead|neighbours|share|antennas)\b")

MOVE = "move it 1,612 m north-west (104.98632, 23.16558) and it reaches 322 more people"
HILL = ("move it 1,970 m south onto a hilltop or ridge (104.96435, 23.11590) and it reaches "
        "1,204 more people")
NONE = "no place within 2,000 m adds more people"


def _vi(text: str) -> str:
    out = translated(text, "vi")
    left = ENGLISH.findall(out)
    assert not left, (text, out, left)
    return out


def test_the_better_place_advice_translates_with_vietnamese_numbers() -> None:
    assert _vi(MOVE) == ("dời 1.612 m về phía tây bắc (104,98632, 23,16558) thì phủ thêm được "
                         "322 người")
    assert _vi(HILL).startswith("dời 1.970 m về phía nam, lên đỉnh đồi hoặc sống núi (104,96435")
    assert _vi(HILL).endswith("thì phủ thêm được 1.204 người")
    assert _vi(NONE) == "không có vị trí nào trong phạm vi 2.000 m phủ thêm được nhiều người hơn"
    assert advice(MOVE, "vi") == translated(MOVE, "vi") and advice(MOVE, "en") == MOVE
    dossier = translated(HILL, "vi", thousands="\u00a0")  # the dossier's numbers: 1 970
    assert dossier.startswith("dời 1\u00a0970 m") and "1\u00a0204 người" in dossier


def _proposal(pid: str, operator: str, x: float, y: float) -> Proposal:
    return Proposal(pid, operator, x, y, 30.0, [])


def test_every_sharing_sentence_translates() -> None:
    settings = SitingSettings()
    proposals = [_proposal("MBF-P01", "MobiFone", 0.0, 0.0), _proposal("VTL-P02", "Viettel", 50.0, 0.0)]
    cells = pd.DataFrame({"site_id": ["VNP-QB-011"], "operator": ["VNPT"], "x": [0.0],
                          "y": [80.0]})
    table = sharing_table(proposals, settings, cells=cells)
    sentences = [s for s in table["sharing"] if s]
    assert len(sentences) == 2
    for text in sentences:
        vi = _vi(text)
        assert "tiết kiệm khoảng" in vi and "chi phí phần nền" in vi
    assert "đề xuất VTL-P02 của Viettel cách 50 m: dùng chung một cột" in _vi(sentences[0])
    masts = masts_of(proposals, cells)
    near = sharing_near(10.0, 70.0, "MobiFone", masts, settings)
    assert _vi(near) == "vị trí đó cách cột VNP-QB-011 của VNPT 14 m: lắp ăng-ten lên cột đó"
    both = f"{MOVE}; {near}"  # the advice of a better place near another operator's mast
    assert _vi(both).startswith("dời 1.612 m") and "; vị trí đó cách cột VNP-QB-011" in _vi(both)


@pytest.mark.parametrize("row", [
    {"users_offloaded": 94.2, "cells_offloaded": "VTL-QB-004-L18-3;VTL-QB-004-L09-3",
     "load_before": 0.99, "load_after": 0.70, "throughput_before_mbps": 19.5,
     "throughput_after_mbps": 47.5, "added_to_site": "VTL-QB-004"},
    {"users_offloaded": 1204.0, "cells_offloaded": "A-1", "load_before": 0.91,
     "load_after": 0.55, "throughput_before_mbps": np.nan, "throughput_after_mbps": np.nan,
     "added_to_site": ""},
    {"users_offloaded": 0.0, "added_to_site": "VTL-QB-004"},
    {"users_offloaded": 0.0, "added_to_site": ""},
])
def test_every_relief_sentence_translates(row: dict[str, object]) -> None:
    vi = _vi(relief_sentence(row))
    assert vi.startswith(("bổ sung dung lượng vào trạm VTL-QB-004", "trạm dung lượng:"))
    if row["users_offloaded"]:
        assert "giảm tải PRB từ" in vi


def _rows() -> list[dict[str, object]]:
    """Rows reaching every branch of the verdict."""
    cover = {"purpose": "coverage", "new_people": 206.0, "cost": 113_923.0,
             "cost_per_new_person": 553.0}
    cap = {"purpose": "capacity", "users_offloaded": 94.0, "cells_offloaded": "C-1;C-2",
           "load_before": 0.99, "load_after": 0.70, "throughput_before_mbps": 19.5,
           "throughput_after_mbps": 47.5}
    move = {"advice": MOVE, "extra_people": 322.0, "better_lon": 104.98632,
            "better_new_people": 528.0}
    share = {"share_with": "VTL-P02", "sharing": sharing_table(
        [_proposal("MBF-P01", "MobiFone", 0.0, 0.0), _proposal("VTL-P02", "Viettel", 50.0, 0.0)],
        SitingSettings())["sharing"].iloc[0]}
    return [
        cover, {**cover, **move}, {**cover, **share}, {**cover, **move, **share},
        {"purpose": "coverage"}, {**cover, "new_people": 12.0, "cost_per_new_person": 9_000.0},
        {**cover, "new_people": 12.0, **move},
        {**cover, "new_people": 80.0, "cost_per_new_person": 1_500.0},
        {**cover, "cost_per_new_person": np.nan, "cost": np.nan},
        cap, {**cap, "throughput_after_mbps": 10.0}, {**cap, "users_offloaded": 0.0},
        {**cap, "load_before": 0.4, "load_after": 0.3},
        {**cap, "load_before": 0.95, "load_after": 0.94},
        {**cover, **cap, "purpose": "both"},
    ]


def test_every_verdict_reason_translates() -> None:
    reasons = {verdict_of(row)[1] for row in _rows()}
    assert len(reasons) >= 14  # every branch gives its own sentence
    for reason in reasons:
        vi = _vi(reason)
        assert vi[:1].isupper() and vi.endswith("."), vi
    moved = verdict_of({"purpose": "coverage", "new_people": 12.0, "cost": 10_000.0,
                        "advice": MOVE, "extra_people": 322.0, "better_lon": 104.98632,
                        "better_new_people": 528.0})[1]
    assert _vi(moved) == ("Chỉ phủ sóng mới cho 12 người (ít hơn 50); nhưng dời 1.612 m về phía "
                          "tây bắc (104,98632, 23,16558) thì phủ thêm được 322 người.")


def test_unknown_text_stays_english_and_english_is_untouched() -> None:
    assert translated("Something else; it newly covers 5 people.", "vi") == (
        "Something else; phủ sóng mới cho 5 người.")
    for text in (MOVE, "Anything at all.", ""):
        assert translated(text, "en") == text
    assert translated(None, "vi") == "" and translated(np.nan, "vi") == ""


def test_every_template_has_the_same_fields_in_both_languages() -> None:
    def fields(t: str) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", t))

    for en, vi in CLAUSES.items():
        assert fields(en) == fields(vi), en
