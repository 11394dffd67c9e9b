"""The evidence PDF's score table: every signal score the analysis record holds."""

from __future__ import annotations

from typing import Any

from idolguard.domain.custody.bundles import _score_list
from idolguard.signals.builtin import SCORE_EXPLANATIONS
from idolguard.signals.presentation import NOT_SCORED


def _record() -> dict[str, Any]:
    """An analysis record as stored for a face-swap deepfake (values as the signals write)."""
    return {
        "risk": {"score": 0.93, "reasons": ["manipulation 0.99"]},
        "manipulation": {
            "model": "blendnet@3",
            "threshold": 0.5,
            "score": 0.9912,
            "flagged": True,
            "faces": [{"index": 0, "score": 0.9912, "flagged": True}, {"index": 1, "score": 0.1}],
        },
        "ai_generated": {
            "model": "clip-vit-b16-int8+head@2",
            "threshold": 0.6,
            "declared": True,
            "score": 0.7345,
            "generated": True,
            "combined": 0.95,
        },
        "identity": {
            "faces": [{"identity": {"name": "Kim", "score": 0.88, "similarity": 0.61}}],
            "artists": ["Kim"],
        },
        "explicit": {"score": 0.12},
        "provenance": {
            "ai_generated": True,
            "findings": [{"kind": "c2pa", "ai": True, "source": "c2pa.actions"}],
        },
    }


def test_the_deepfake_scores_are_in_the_pdf_table() -> None:
    scores = {score.name: score for score in _score_list(_record())}

    assert scores["manipulation"].value == "0.99"
    assert "1 of 2 face(s) flagged" in (scores["manipulation"].detail or "")
    assert "blendnet@3" in (scores["manipulation"].detail or "")
    assert scores["ai_generated"].value == "0.73"
    assert "declared AI-made" in (scores["ai_generated"].detail or "")
    assert "0.95" in (scores["ai_generated"].detail or "")
    assert set(scores) == {
        "risk",
        "manipulation",
        "ai_generated",
        "identity",
        "explicit",
        "provenance",
    }
    assert "c2pa" in (scores["provenance"].detail or "")


def test_every_listed_score_has_its_meaning_and_limits_in_both_languages() -> None:
    for score in _score_list(_record()):
        explanation = SCORE_EXPLANATIONS[score.name]
        assert explanation.meaning_ko and explanation.meaning_en
        assert explanation.limits_ko and explanation.limits_en


def test_a_signal_that_ran_but_could_not_score_says_so() -> None:
    record = {
        "manipulation": {"model": "blendnet@3", "score": None, "faces": [], "note": "no faces"},
        "ai_generated": {"model": "clip", "score": None, "declared": False},
    }
    scores = {score.name: score for score in _score_list(record)}

    assert scores["manipulation"].value == NOT_SCORED
    assert "no faces" in (scores["manipulation"].detail or "")
    assert scores["ai_generated"].value == NOT_SCORED


def test_no_analysis_gives_no_scores() -> None:
    assert _score_list({}) == []
