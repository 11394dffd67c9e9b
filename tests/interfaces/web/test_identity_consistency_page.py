"""The item page shows an identity-consistency reason in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest

from idolguard.signals.base import AnalysisItem, JSONDict
from idolguard.signals.identity_consistency import IdentityConsistencySignal
from tests.helpers import sample
from tests.interfaces.web.conftest import Web

STORED: dict[str, Any] = {
    "model": "ctx1-test",
    "threshold": 0.69,
    "score": 0.93,
    "flagged": True,
    "faces": [
        {
            "index": 0,
            "artist_id": 1,
            "name": "Jennie",
            "score": 0.93,
            "flagged": True,
            "inner": 0.8,
            "outer": 0.6,
            "cohort": 0.7,
        }
    ],
}


def test_a_flagged_face_gives_its_reason_in_korean_and_english(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    def judged(self: IdentityConsistencySignal, item: AnalysisItem) -> JSONDict:
        return dict(STORED)

    monkeypatch.setattr(IdentityConsistencySignal, "analyse", judged)
    stella = web.agency("stella")
    opened = stella.intake.add_file(
        sample("coffee.jpg"), actor="t", source={"url": "https://example.com/p/2"}
    )
    item = stella.cases.get_item(opened.item_id)

    english = web.browser("viewer").get(f"/items/{item.id}")
    korean = web.browser("viewer", lang="ko").get(f"/items/{item.id}")

    assert english.status_code == 200 and korean.status_code == 200, english.text
    assert 'data-signal="identity_consistency"' in english.text
    assert "<h3>Identity consistency</h3>" in english.text
    assert "Jennie&#39;s face on a head that does not match" in english.text
    assert "<h3>신원 일관성</h3>" in korean.text
    assert "Jennie의 얼굴이 등록 사진과 맞지 않는 머리" in korean.text
