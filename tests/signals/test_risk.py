from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from idolguard.media import MediaType, SniffResult
from idolguard.media.types import MediaLimits
from idolguard.signals.base import AnalysisItem
from idolguard.signals.risk import RiskSignal, noisy_or


def item(**results: Any) -> AnalysisItem:
    sniffed = SniffResult(MediaType.IMAGE, "jpeg", "image/jpeg")
    return AnalysisItem(
        Path("x.jpg"), "0" * 64, "0" * 32, 1, sniffed, MediaLimits(), results=results
    )


ARTIST = {"faces": [{"identity": {"name": "Jennie", "score": 0.98}}, {"identity": None}]}


def test_noisy_or() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([2.0]) == 1.0


def test_nothing_found_is_zero() -> None:
    result = RiskSignal().analyse(item(explicit={"score": 0.01}))
    assert result == {"score": 0.0, "reasons": []}


def test_artist_in_explicit_content_ranks_above_either_alone() -> None:
    signal = RiskSignal()
    both = signal.analyse(item(identity=ARTIST, explicit={"score": 0.9}))
    artist_only = signal.analyse(item(identity=ARTIST, explicit={"score": 0.01}))
    explicit_only = signal.analyse(item(identity={"faces": []}, explicit={"score": 0.9}))
    assert both["score"] > 0.85
    assert both["score"] > explicit_only["score"] > artist_only["score"] > 0
    assert both["reasons"][0] == "Jennie recognised (score 0.98) with explicitness 0.90"
    assert "no enrolled artist recognised" in explicit_only["reasons"][0]


def test_declared_ai_generation_and_bank_matches_are_reasons() -> None:
    provenance = {
        "ai_generated": True,
        "findings": [{"ai": True, "source": "C2PA action c2pa.created", "kind": "c2pa"}],
    }
    bank = {"verdict": "match", "matches": [{"bank": "confirmed", "bank_kind": "block"}]}
    result = RiskSignal().analyse(item(identity=ARTIST, provenance=provenance, bank_match=bank))
    assert result["score"] >= 0.95
    assert result["reasons"][0] == "hash match in block bank(s) confirmed"
    assert any("declared AI-generated (C2PA action c2pa.created)" in r for r in result["reasons"])


def test_allow_listed_source_is_mentioned_but_adds_nothing() -> None:
    result = RiskSignal().analyse(item(bank_match={"verdict": "allow-listed", "matches": []}))
    assert result["score"] == 0.0
    assert result["reasons"] == ["matches an allow-listed (known benign) source"]
