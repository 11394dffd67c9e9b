"""Identity consistency: is an enrolled artist's face on the artist's own head?

A face swap of an artist is *named* as the artist, because recognition reads
the inner face the swap brought; the hair, ears and face outline around it
still belong to the person in the original photo. For every face named as an
enrolled artist (and only those: one CLIP embedding per such face), this
signal compares the masked head around the face with the artist's reference
photos (``forensics.consistency``) and gives a probability-like swap score
with a reason. It runs in the scan workers from the roster snapshot they get
(``Watchlist.context``); the snapshot's digest is part of the version, so
enrolling or removing an artist recomputes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from idolguard.faces.gallery import label_score
from idolguard.forensics.ai_model import clip_available, shared_encoder
from idolguard.forensics.consistency import (
    ConsistencyModel,
    cohort_similarity,
    load_consistency_model,
    outer_embeddings,
    outer_similarity,
)
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.faces import IMAGE_DECODE_SIDE, decode_embedding
from idolguard.signals.presentation import (
    FindingsView,
    ReportScore,
    RiskHarm,
    ScanField,
    ScoreExplanation,
    format_score,
    model_detail,
    number,
    rounded,
)
from idolguard.signals.watchlist import ArtistContext, ContextReferences

# Below this eye distance (pixels) the head around a face is too small to compare.
MIN_EYE_PIXELS: Final = 24.0
# How far risk trusts an inconsistent head (policy, like the other harms' weights):
# below manipulation's, since a restyled artist (new hair) also reads as inconsistent.
RISK_WEIGHT: Final = 0.6

REASON_FLAGGED: Final = {
    "en": "{name}'s face on a head that does not match their reference photos "
    "(hair, ears, face outline): a face swap is possible",
    "ko": "{name}의 얼굴이 등록 사진과 맞지 않는 머리(헤어, 귀, 얼굴 윤곽) 위에 있다: "
    "얼굴 교체 가능성",
}
REASON_CONSISTENT: Final = {
    "en": "the head around the face matches {name}'s reference photos",
    "ko": "얼굴 주변의 머리가 {name}의 등록 사진과 일치한다",
}


def reason(entry: Mapping[str, Any], language: str) -> str:
    """A judged face's reason in ``language`` ("ko" or "en")."""
    texts = REASON_FLAGGED if entry.get("flagged") else REASON_CONSISTENT
    return texts.get(language, texts["en"]).format(name=entry.get("name") or "?")


class IdentityConsistencySignal(Signal):
    name = "identity_consistency"
    media_types = frozenset({MediaType.IMAGE})
    requires = ("faces",)
    description = (
        "for faces named as an enrolled artist: does the head around the face (hair, ears, "
        "outline) match the artist's reference photos? A swap keeps another person's head"
    )

    display_order = 15
    explanation = ScoreExplanation(
        label_ko="신원 일관성",
        label_en="Identity consistency",
        meaning_ko="등록된 아티스트로 인식된 얼굴에 대해, 얼굴 주변의 머리(헤어, 귀, 얼굴 "
        "윤곽)가 아티스트의 등록 사진과 맞지 않을 가능성(0~1). 높을수록 다른 사람의 머리에 "
        "아티스트의 얼굴을 붙인 얼굴 교체일 가능성이 크다.",
        meaning_en="For a face named as an enrolled artist: how likely (0 to 1) the head "
        "around it (hair, ears, face outline) does not belong to the artist. Higher means a "
        "swap of the artist's face onto someone else's head is more likely.",
        limits_ko="새 헤어스타일, 모자, 강한 조명이나 등록 사진이 적을 때도 높아질 수 있다. "
        "얼굴 주변까지 바꾸는 전체 합성에는 반응하지 않는다. 사람이 확인해야 한다.",
        limits_en="A new hair style, a hat, strong lighting or few reference photos also "
        "raise it; fakes that replace the whole head are not caught. A person must check.",
    )

    def __init__(self, references: ContextReferences | None, *, threads: int = 1) -> None:
        self.references = references
        self.threads = threads
        self.available = clip_available()
        self.model: ConsistencyModel = load_consistency_model()
        digest = references.digest if references is not None else "none"
        self.version = f"1+{self.model.version}+w{digest[:8]}"

    def analyse(self, item: AnalysisItem) -> JSONDict:
        base: JSONDict = {"model": self.model.version, "threshold": self.model.threshold}
        faces = item.results.get("faces")
        refs = self.references
        if not isinstance(faces, Mapping) or refs is None or not refs.artists:
            return {**base, "score": None, "flagged": False, "faces": [], "note": "no artists"}
        if not self.available:
            return {**base, "score": None, "flagged": False, "faces": [], "note": "no CLIP"}
        if str(faces.get("backend")) != refs.backend:
            note = f"faces from {faces.get('backend')}, references from {refs.backend}"
            return {**base, "score": None, "flagged": False, "faces": [], "note": note}
        decoded = item.image(IMAGE_DECODE_SIDE)
        pixels = np.asarray(decoded.image, dtype=np.uint8)
        scale = decoded.image.width / max(1, decoded.original_width)
        named: list[tuple[int, ArtistContext, float, NDArray[np.float32]]] = []
        entries: list[JSONDict] = []
        for index, face in enumerate(faces.get("faces", [])):
            embedding = face.get("embedding")
            if not embedding:
                continue
            query = decode_embedding(embedding)
            query = query / max(float(np.linalg.norm(query)), 1e-12)
            scores = [label_score(query, artist.templates) for artist in refs.artists]
            best = int(np.argmax(scores))
            if scores[best] < refs.threshold:
                continue  # not named: not charged for (the identity signal agrees)
            artist = refs.artists[best]
            landmarks = np.asarray(face["landmarks"], dtype=np.float32) * scale
            entry: JSONDict = {"index": index, "artist_id": artist.artist_id, "name": artist.name}
            entries.append(entry)
            if artist.outer.size == 0:
                entry.update(score=None, flagged=False, note="no reference head to compare with")
            elif float(np.linalg.norm(landmarks[1] - landmarks[0])) < MIN_EYE_PIXELS:
                entry.update(score=None, flagged=False, note="face too small to judge its head")
            else:
                named.append((len(entries) - 1, artist, scores[best], landmarks))
        if named:
            encoder = shared_encoder(self.threads)
            outer = outer_embeddings(encoder, pixels, [marks for *_, marks in named])
            for (position, artist, inner, _), vector in zip(named, outer, strict=True):
                entries[position].update(self._judge(artist, inner, vector))
        scored = [e["score"] for e in entries if e.get("score") is not None]
        return {
            **base,
            "score": max(scored) if scored else None,
            "flagged": any(e.get("flagged") for e in entries),
            "faces": entries,
        }

    def _judge(self, artist: ArtistContext, inner: float, vector: NDArray[np.float32]) -> JSONDict:
        refs = self.references
        assert refs is not None
        outer = outer_similarity(vector, artist.outer)
        others = [a.outer for a in refs.artists if a.artist_id != artist.artist_id and a.outer.size]
        cohort = cohort_similarity(vector, others, self.model.cohort_default)
        score = self.model.probability(inner, outer - cohort)
        judged: JSONDict = {
            "score": round(score, 4),
            "flagged": score >= self.model.threshold,
            "inner": round(inner, 4),
            "outer": round(outer, 4),
            "cohort": round(cohort, 4),
            "references": len(artist.outer),
        }
        judged["reason"] = reason({**judged, "name": artist.name}, "en")
        return judged

    # -- presentation --------------------------------------------------------------------

    @classmethod
    def judged_faces(cls, result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [
            f
            for f in result.get("faces") or []
            if isinstance(f, Mapping) and number(f.get("score")) is not None
        ]

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        judged = cls.judged_faces(result)
        if not judged:
            return []
        worst = max(judged, key=lambda f: float(f["score"]))
        value = f"{worst.get('name')} ({format_score(worst['score'])})"
        flagged = sum(1 for f in judged if f.get("flagged"))
        detail = model_detail(result, f"{flagged} of {len(judged)} named face(s) inconsistent")
        return [ReportScore(cls.name, value, detail, cls.explanation)]

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """The generic block, with each judged face's reason in both languages.

        Nothing when no face was judged: most files show no enrolled artist.
        """
        judged = cls.judged_faces(result)
        if not judged:
            return {}
        explanation = cls.explanation
        assert explanation is not None
        return {
            "other": [
                {
                    "signal": cls.name,
                    "label": {"ko": explanation.label_ko, "en": explanation.label_en},
                    "description": cls.description,
                    "score": rounded(result.get("score")),
                    "reasons": [
                        {
                            "ko": f"{reason(f, 'ko')} ({format_score(f['score'])})",
                            "en": f"{reason(f, 'en')} ({format_score(f['score'])})",
                        }
                        for f in judged
                    ],
                }
            ]
        }

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """None at top level: each named face carries its own (``faces[].identity_consistency``)."""
        return []

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        flagged = [f for f in cls.judged_faces(result) if f.get("flagged")]
        flagged.sort(key=lambda f: -float(f["score"]))
        return [f"identity inconsistent: {f.get('name')} {float(f['score']):.2f}" for f in flagged]

    @classmethod
    def risk_harm(cls, result: Mapping[str, Any]) -> RiskHarm | None:
        flagged = [f for f in cls.judged_faces(result) if f.get("flagged")]
        if not flagged:
            return None
        worst = max(flagged, key=lambda f: float(f["score"]))
        return RiskHarm(
            float(worst["score"]),
            RISK_WEIGHT,
            f"{reason(worst, 'en')} (identity consistency {float(worst['score']):.2f})",
        )

    def summary(self, result: Mapping[str, Any]) -> str:
        flagged = [f for f in self.judged_faces(result) if f.get("flagged")]
        return ", ".join(f"{f.get('name')} inconsistent" for f in flagged)
