from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from idolguard.config import ReviewSettings
from idolguard.media import MediaType, SniffResult
from idolguard.media.types import MediaLimits
from idolguard.signals.base import AnalysisItem
from idolguard.signals.risk import (
    ARTIST_ONLY_WEIGHT,
    CAPTION_HARM_WEIGHT,
    CAPTION_NAME_WEIGHT,
    UNNAMED_HARM_WEIGHT,
    RiskSignal,
    noisy_or,
)
from idolguard.signals.text import ArtistNames, TextSignal


def item(source: dict[str, Any] | None = None, **results: Any) -> AnalysisItem:
    sniffed = SniffResult(MediaType.IMAGE, "jpeg", "image/jpeg")
    return AnalysisItem(
        Path("x.jpg"), "0" * 64, "0" * 32, 1, sniffed, MediaLimits(), results, source or {}
    )


ARTIST = {"faces": [{"identity": {"name": "Jennie", "score": 0.98}}, {"identity": None}]}


def test_noisy_or() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([2.0]) == 1.0


def test_nothing_found_is_zero() -> None:
    result = RiskSignal().analyse(item(explicit={"score": 0.01}))
    assert (result["score"], result["reasons"]) == (0.0, [])
    assert result["breakdown"]["terms"] == []


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


class OneArtist:
    def artist_names(self) -> list[ArtistNames]:
        return [ArtistNames(1, "Jennie", ("제니",))]


def caption(text: str) -> dict[str, Any]:
    """The text signal's result for a caption, with Jennie on the roster."""
    return TextSignal(OneArtist()).analyse(item({"caption": text}))


def test_caption_naming_an_artist_with_deepfake_vocabulary_opens_an_item() -> None:
    result = RiskSignal().analyse(item(identity={"faces": []}, text=caption("제니 딥페이크 합성")))
    who = CAPTION_NAME_WEIGHT * 0.9
    harm = CAPTION_HARM_WEIGHT * (1 - 0.1 * 0.5)
    assert result["score"] == pytest.approx(
        noisy_or([who * harm, ARTIST_ONLY_WEIGHT * who]), abs=1e-4
    )
    assert result["score"] >= ReviewSettings().open_min_risk
    assert result["reasons"] == [
        "Jennie named in caption ('제니', exact; score 0.63) with "
        "caption: deepfake vocabulary (딥페이크, 합성)",
        "Jennie named in caption ('제니', exact; score 0.63)",
    ]


def test_caption_vocabulary_raises_a_recognised_face() -> None:
    signal = RiskSignal()
    face_only = signal.analyse(item(identity=ARTIST, explicit={"score": 0.01}))
    both = signal.analyse(
        item(identity=ARTIST, explicit={"score": 0.01}, text=caption("jennie deepfake 합성"))
    )
    assert both["score"] > 0.75 > face_only["score"]
    assert both["reasons"][0] == (
        "Jennie recognised (score 0.98) with caption: deepfake vocabulary (deepfake, 합성)"
    )


def test_caption_name_without_harm_is_a_small_term_and_a_face_outranks_it() -> None:
    signal = RiskSignal()
    named = signal.analyse(item(text=caption("제니 공항 패션")))
    assert named["score"] == pytest.approx(ARTIST_ONLY_WEIGHT * CAPTION_NAME_WEIGHT * 0.9)
    assert named["reasons"] == ["Jennie named in caption ('제니', exact; score 0.63)"]
    face = signal.analyse(item(identity=ARTIST, text=caption("제니 공항 패션")))
    assert face["reasons"] == ["Jennie recognised (score 0.98)"]


def test_caption_vocabulary_without_a_name_counts_as_unnamed_harm() -> None:
    result = RiskSignal().analyse(item(text=caption("몰카 leaked")))
    harm = CAPTION_HARM_WEIGHT * (1 - 0.2 * 0.6)
    assert result["score"] == pytest.approx(UNNAMED_HARM_WEIGHT * harm, abs=1e-4)
    assert result["score"] < ReviewSettings().open_min_risk
    assert result["reasons"] == [
        "no enrolled artist recognised, but caption: sexual vocabulary (몰카, leaked)"
    ]


def test_a_text_result_with_nothing_found_changes_nothing() -> None:
    signal = RiskSignal()
    for results in [{}, {"identity": ARTIST, "explicit": {"score": 0.9}}]:
        assert signal.analyse(item(**results, text=caption("cat video"))) == signal.analyse(
            item(**results)
        )


FLAGGED_FACE = {
    "score": 0.9,
    "flagged": True,
    "faces": [{"index": 0, "score": 0.9, "flagged": True}],
    "ranges": [{"start": 3.0, "end": 9.0, "peak": 0.95, "frames": 6, "face": 0}],
}


def test_a_flagged_face_swap_of_an_artist_is_urgent() -> None:
    signal = RiskSignal()
    swapped = signal.analyse(item(identity=ARTIST, manipulation=FLAGGED_FACE))
    plain = signal.analyse(item(identity=ARTIST))
    assert swapped["score"] > 0.7 > plain["score"]
    assert swapped["reasons"][0] == (
        "Jennie recognised (score 0.98) with face manipulation 0.90 (1 face(s) flagged; at 3-9 s)"
    )


def test_an_unflagged_manipulation_score_is_not_a_harm() -> None:
    calm = {"score": 0.2, "flagged": False, "faces": [{"index": 0, "score": 0.2}]}
    result = RiskSignal().analyse(item(identity=ARTIST, manipulation=calm))
    assert result["score"] == pytest.approx(ARTIST_ONLY_WEIGHT * 0.98, abs=1e-3)
    assert not any("manipulation" in r for r in result["reasons"])


def test_the_ai_model_counts_only_when_nothing_was_declared() -> None:
    signal = RiskSignal()
    modelled = {"score": 0.92, "generated": True, "declared": False, "combined": 0.92}
    result = signal.analyse(item(identity={"faces": []}, ai_generated=modelled))
    assert result["reasons"] == [
        "no enrolled artist recognised, but looks AI-generated (model score 0.92)"
    ]
    declared = {
        "ai_generated": True,
        "findings": [{"ai": True, "source": "IPTC digital source type", "kind": "xmp"}],
    }
    both = signal.analyse(
        item(
            identity={"faces": []},
            provenance=declared,
            ai_generated={**modelled, "declared": True, "combined": 0.99},
        )
    )
    assert not any("looks AI-generated" in r for r in both["reasons"])
    assert any("declared AI-generated" in r for r in both["reasons"])


FACE_SWAP = {"flagged": True, "score": 0.99, "faces": [{"flagged": True}]}
NOBODY = {"faces": [{"identity": None}]}
FAN_CHOSE_JENNIE = {"reported_artist": {"artist_id": 1, "name": "Jennie"}}


def test_a_fans_chosen_artist_stands_in_for_recognition_like_a_caption_name() -> None:
    """Issue 17 #3: a fan-reported face swap (manipulation 0.99) of an artist nobody's face
    matched scored 0.29 (unnamed harm) and sank below neutral photos."""
    signal = RiskSignal()
    unnamed = signal.analyse(item(identity=NOBODY, manipulation=FACE_SWAP))
    assert unnamed["score"] == pytest.approx(0.29, abs=0.01)  # what the fan's report got
    reported = signal.analyse(
        item(FAN_CHOSE_JENNIE, identity=NOBODY, manipulation=FACE_SWAP, explicit={"score": 0.02})
    )
    assert reported["score"] >= 0.6
    assert reported["reasons"][0].startswith("Jennie named by the fan who reported it")
    # ... which ranks it above a neutral, recognised photo of an artist.
    neutral = signal.analyse(item(identity=ARTIST, explicit={"score": 0.1}))
    assert reported["score"] > neutral["score"]
    # Counted like a caption naming her (an exact pick from the roster: the top name score).
    named = signal.analyse(item(identity=NOBODY, manipulation=FACE_SWAP, text=caption("제니")))
    assert named["score"] <= reported["score"] < 0.7


def test_the_breakdown_lists_each_signal_with_score_weight_and_reason_key() -> None:
    result = RiskSignal().analyse(
        item(FAN_CHOSE_JENNIE, identity=NOBODY, manipulation=FACE_SWAP, explicit={"score": 0.3})
    )
    breakdown = result["breakdown"]
    factors = {f["signal"]: f for f in breakdown["factors"]}
    assert factors["report"] == {
        "signal": "report",
        "role": "who",
        "score": 1.0,
        "weight": CAPTION_NAME_WEIGHT,
        "value": CAPTION_NAME_WEIGHT,
        "key": "reported",
        "values": {"name": "Jennie"},
    }
    assert factors["manipulation"]["score"] == 0.99 and factors["manipulation"]["weight"] == 0.85
    assert factors["explicit"]["value"] == 0.3
    assert [t["kind"] for t in breakdown["terms"]] == ["artist_harm", "artist_only"]
    assert noisy_or([t["value"] for t in breakdown["terms"]]) == pytest.approx(
        result["score"], abs=1e-3
    )
