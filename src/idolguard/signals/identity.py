"""Naming the detected faces against the current roster (a context signal).

Runs in the coordinating process on every scan, from the embeddings the
``faces`` signal cached, because the roster changes between scans: a video
analysed last week is re-checked against artists enrolled today for the
cost of a matrix product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal, Stage
from idolguard.signals.faces import decode_embedding
from idolguard.signals.presentation import FindingsView, ReportScore, ScanField, ScoreExplanation


@dataclass(frozen=True)
class Candidate:
    artist_id: int
    name: str
    similarity: float  # raw cosine, backend-specific scale
    score: float  # calibrated confidence in [0, 1]; 0.5 at the naming threshold


@dataclass(frozen=True)
class Identification:
    identity: Candidate | None  # the best candidate if it clears the threshold, else unknown
    candidates: list[Candidate]  # best few regardless, for reviewers


class FaceMatcher(Protocol):
    def identify(
        self, backend: str, embeddings: Sequence[NDArray[np.float32]]
    ) -> list[Identification]: ...

    def roster_summary(self, backend: str) -> JSONDict: ...


class IdentitySignal(Signal):
    name = "identity"
    version = "1"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    stage = Stage.CONTEXT
    requires = ("faces",)
    description = "names enrolled artists among detected faces (open set: unknown is an answer)"

    display_order = 30
    explanation = ScoreExplanation(
        label_ko="신원 일치",
        label_en="Identity",
        meaning_ko="검출된 얼굴이 등록된 아티스트와 같은 사람이라는 보정된 신뢰도(0~1). "
        "0.5가 이름을 붙이는 기준값이다.",
        meaning_en="Calibrated face-match confidence in [0, 1] that a detected face is the "
        "enrolled artist; 0.5 is the naming threshold.",
        limits_ko="작거나 가려진 얼굴, 저화질, 옆모습, 닮은 사람에서는 정확도가 낮다. "
        "이것만으로 신원을 증명하지 않으며 사람이 확인해야 한다.",
        limits_en="Lower accuracy on small, occluded, low-quality or profile faces and on "
        "look-alikes. Not proof of identity on its own; a person must confirm it.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        named = [f["identity"] for f in result.get("faces", []) if f.get("identity")]
        if not named:
            return []
        return [
            ReportScore(
                cls.name,
                ", ".join(f"{n['name']} ({float(n['score']):.2f})" for n in named[:5]),
                f"similarity {max(float(n['similarity']) for n in named):.3f}",
                cls.explanation,
            )
        ]

    def __init__(self, matcher: FaceMatcher) -> None:
        self.matcher = matcher

    def analyse(self, item: AnalysisItem) -> JSONDict:
        faces = item.results.get("faces")
        if not faces:
            return {"faces": [], "artists": [], "roster": None}
        backend = str(faces["backend"])
        entries = list(faces.get("faces", []))
        wanted = [i for i, face in enumerate(entries) if face.get("embedding")]
        found = self.matcher.identify(
            backend, [decode_embedding(entries[i]["embedding"]) for i in wanted]
        )
        per_face: list[JSONDict] = [
            {"identity": None, "candidates": [], "reason": "face too small to identify"}
            for _ in entries
        ]
        for index, identification in zip(wanted, found, strict=True):
            per_face[index] = {
                "identity": _candidate(identification.identity),
                "candidates": [_candidate(c) for c in identification.candidates],
                "reason": None,
            }
        artists = sorted({f["identity"]["name"] for f in per_face if f["identity"]})
        return {
            "faces": per_face,
            "artists": artists,
            "roster": self.matcher.roster_summary(backend),
        }

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """The artists named; each face's name is shown with the face (``faces``)."""
        return {"artists": sorted(result.get("artists") or [])}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        return [ScanField("artists", list((results.get(cls.name) or {}).get("artists", [])), 40)]

    def summary(self, result: Mapping[str, Any]) -> str:
        artists = result.get("artists") or []
        return ", ".join(artists)


def _candidate(candidate: Candidate | None) -> JSONDict | None:
    if candidate is None:
        return None
    return {
        "artist_id": candidate.artist_id,
        "name": candidate.name,
        "score": round(candidate.score, 4),
        "similarity": round(candidate.similarity, 4),
    }
