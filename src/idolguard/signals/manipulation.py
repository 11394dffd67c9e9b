"""Per-face manipulation scores (face swap / blending) with heatmaps, for images and videos.

Reads the faces the ``faces`` signal found (its landmarks give the aligned
crop the model was trained on), scores each with the shipped model
(``forensics.face_model``: BlendNet fused with a CLIP face head when the CLIP
encoder is installed, BlendNet alone otherwise) and, for faces at or above the calibrated
threshold, writes a heatmap PNG under the working folder, named by the
file's SHA-256 so cached results and their pictures stay together. Videos are
scored on the frames the faces signal sampled and aggregated per face track
(``forensics.tracks``): a median over frames plus the time ranges flagged.

The score is evidence for a reviewer, not a verdict: the model learnt
blending boundaries from synthetic fakes, it has not seen every generator,
and a whole-face synthesis with no boundary is the ``ai_generated`` signal's
job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.config import FaceSettings, ManipulationSettings
from idolguard.forensics.ai_model import clip_available, shared_encoder
from idolguard.forensics.crop import WORK_SIZE, face_crop
from idolguard.forensics.face_model import (
    FaceManipulationModel,
    FaceScore,
    load_calibration,
    load_fusion,
    load_token_head,
    model_version,
    sigmoid,
)
from idolguard.forensics.heatmap import cell_heat, render_heatmap
from idolguard.forensics.sizes import threshold_for
from idolguard.forensics.temporal.evidence import TemporalEvidence
from idolguard.forensics.temporal.model import MODEL_FILE as TEMPORAL_MODEL_FILE
from idolguard.forensics.token_head import patch_heat
from idolguard.forensics.tracks import aggregate_track
from idolguard.media import MediaType
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.faces import IMAGE_DECODE_SIDE, decode_embedding
from idolguard.signals.manipulation_video import add_temporal
from idolguard.signals.presentation import (
    NOT_SCORED,
    FindingsView,
    ReportScore,
    ScanField,
    ScoreExplanation,
    format_score,
    heatmap_path,
    model_detail,
)
from idolguard.signals.video_timeline import timeline_report_rows, video_timeline
from idolguard.signals.watchlist import Watchlist

# The whole-picture heatmap the review page lays over its preview: a grid of
# this many cells along the picture's longer side.
PICTURE_GRID = 32
# Below this eye distance (pixels of the decoded picture) the crop is mostly
# upsampling blur, which says nothing about blending either way: even at the
# thresholds ``forensics.sizes`` sets for small faces, 3 % of real faces under
# 20 px would be flagged, and a group photo has dozens of them. Between this
# and the training faces' sizes, ``forensics.sizes`` raises the threshold.
MIN_EYE_PIXELS = 20.0


def cascade_tag(settings: ManipulationSettings, watchlist: Watchlist) -> str:
    """The part of a signal version that the cascade's routing decides.

    In a cascade, which faces took the expensive path depends on the gate and
    on who is enrolled, so both are part of the version: cached results are
    recomputed when either changes.
    """
    if settings.mode != "cascade":
        return settings.mode
    return f"c{settings.suspicious:g}+w{watchlist.digest[:8]}"


class _Router:
    """Decides, per face, whether the expensive CLIP path runs, and says why.

    ``all`` sends every face; ``fast`` none; ``cascade`` the faces near an
    enrolled artist, the faces BlendNet finds suspicious, and every face of
    an explicit picture.
    """

    def __init__(
        self, signal: ManipulationSignal, faces: Mapping[str, Any], *, explicit: bool
    ) -> None:
        self.mode = signal.cascade.mode
        self.suspicious = signal.cascade.suspicious
        self.explicit = explicit
        self.reasons: dict[int, list[str]] = {}
        backend = str(faces.get("backend") or "")
        self.artist: set[int] = set()
        if self.mode == "cascade":
            for index, face in enumerate(faces.get("faces", [])):
                embedding = face.get("embedding")
                if embedding and signal.watchlist.near(backend, decode_embedding(embedding)):
                    self.artist.add(index)

    def wants_clip(self, index: int, blendnet_probability: float) -> bool:
        if self.mode == "fast":
            return False
        if self.mode == "all":
            reasons = ["mode_all"]
        else:
            reasons = [
                reason
                for reason, applies in (
                    ("enrolled_artist", index in self.artist),
                    ("suspicious", blendnet_probability >= self.suspicious),
                    ("explicit", self.explicit),
                )
                if applies
            ]
        self.reasons[index] = reasons
        return bool(reasons)

    def describe(self, index: int, path: str) -> JSONDict:
        """What the scan JSON says about how this face was judged."""
        return {"path": path, "escalated_by": self.reasons.get(index, []) if path == "full" else []}


def heatmap_name(sha256: str, face_index: int) -> str:
    """Where a face's heatmap lives under the heatmap folder (content-addressed)."""
    return f"{sha256[:2]}/{sha256}-face{face_index}.png"


class ManipulationSignal(Signal):
    name = "manipulation"
    media_types = frozenset({MediaType.IMAGE, MediaType.VIDEO})
    requires = ("faces", "explicit")
    description = "face swap / blending score per face (model trained here), heatmaps, video tracks"

    display_order = 10
    detector = True  # the review page lists it with the manipulation detectors
    explanation = ScoreExplanation(
        label_ko="조작 탐지",
        label_en="Manipulation",
        meaning_ko="얼굴 교체·편집 탐지 모델의 점수(0~1). 높을수록 조작 가능성이 크다.",
        meaning_en="Manipulation-detector model score in [0, 1]; higher means a face swap "
        "or edit is more likely.",
        limits_ko="모델 점수이지 판정이 아니다. 학습하지 않은 새 방법은 놓칠 수 있고, "
        "압축과 크기 변경은 정확도를 떨어뜨린다.",
        limits_en="A model score, not a finding. Detectors miss methods they were not "
        "trained on; compression and resizing lower accuracy.",
    )

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        """Listed whenever the analysis ran, also when it could not score (the table says so)."""
        if not result:
            return []
        faces = [f for f in result.get("faces") or [] if isinstance(f, dict)]
        flagged = sum(1 for f in faces if f.get("flagged"))
        counted = f"{flagged} of {len(faces)} face(s) flagged" if faces else ""
        score = result.get("score")
        value = format_score(score) if score is not None else NOT_SCORED
        rows = [ReportScore(cls.name, value, model_detail(result, counted), cls.explanation)]
        return rows + timeline_report_rows(cls.name, result, cls.explanation)

    def __init__(
        self,
        settings: FaceSettings,
        *,
        threads: int = 1,
        heatmap_dir: Path | None = None,
        blur_explicit: float = 0.5,
        cascade: ManipulationSettings | None = None,
        watchlist: Watchlist | None = None,
    ) -> None:
        self.settings = settings
        self.threads = threads
        self.heatmap_dir = heatmap_dir
        self.blur_explicit = blur_explicit
        self.cascade = cascade or ManipulationSettings()
        self.watchlist = watchlist or Watchlist()
        self.calibration = load_calibration()
        wants_clip = self.cascade.mode != "fast" and clip_available()
        # The patch-token head replaces the linear CLIP face head when it ships.
        self.tokens = load_token_head() if wants_clip else None
        self.fusion = load_fusion() if wants_clip and self.tokens is None else None
        self.threshold = (
            self.tokens.threshold
            if self.tokens is not None
            else self.fusion.threshold
            if self.fusion is not None
            else self.calibration.threshold
        )
        self.model_version = model_version(self.calibration, self.fusion, self.tokens)
        self.model_name = f"blendnet@{self.model_version}"
        # Results from BlendNet alone and fused ones differ: installing CLIP recomputes; so
        # do a change of mode and, in a cascade, of the enrolled faces that choose the path.
        self.version = f"5+{self.model_version}+{cascade_tag(self.cascade, self.watchlist)}"
        # Videos also get the temporal evidence (``forensics.temporal``) when its model ships.
        self._temporal: TemporalEvidence | None = None
        if TEMPORAL_MODEL_FILE.is_file():
            self._temporal = TemporalEvidence(threads)
            self.version += f"+t{self._temporal.model.version}"
        self._model: FaceManipulationModel | None = None

    @property
    def model(self) -> FaceManipulationModel:
        if self._model is None:
            full = self.fusion is not None or self.tokens is not None
            clip = shared_encoder(self.threads) if full else None
            self._model = FaceManipulationModel(self.threads, clip=clip)
        return self._model

    def analyse(self, item: AnalysisItem) -> JSONDict:
        faces = item.results.get("faces")
        base: JSONDict = {"model": self.model_name, "threshold": round(self.threshold, 4)}
        if not isinstance(faces, Mapping):
            return {**base, "score": None, "flagged": False, "faces": [], "note": "no face results"}
        explicit = (item.results.get("explicit") or {}).get("score")
        blur = isinstance(explicit, int | float) and explicit >= self.blur_explicit
        router = _Router(self, faces, explicit=blur)
        grid: list[list[float]] | None = None
        if item.media_type is MediaType.VIDEO:
            entries = self._video(item, faces, blur, router)
        else:
            entries, grid = self._image(item, faces, blur, router)
        scored = [e["score"] for e in entries if e.get("score") is not None]
        result: JSONDict = {
            **base,
            "score": round(max(scored), 4) if scored else None,
            "flagged": any(e.get("flagged") for e in entries),
            "mode": self.cascade.mode,
            "paths": {
                path: sum(1 for e in entries if e.get("path") == path) for path in ("full", "fast")
            },
            "faces": entries,
        }
        if grid is not None:
            result["heatmap"] = grid
        if item.media_type is MediaType.VIDEO:
            result["ranges"] = sorted(
                (dict(r, face=e["index"]) for e in entries for r in e.get("ranges", [])),
                key=lambda r: (r["start"], r["face"]),
            )
        return result

    # ------------------------------------------------------------------ images
    def _image(
        self, item: AnalysisItem, faces: Mapping[str, Any], blur: bool, router: _Router
    ) -> tuple[list[JSONDict], list[list[float]] | None]:
        decoded = item.image(IMAGE_DECODE_SIDE)
        pixels = np.asarray(decoded.image, dtype=np.uint8)
        scale = decoded.image.width / max(1, decoded.original_width)
        wanted: list[tuple[int, NDArray[np.float32]]] = []
        entries: list[JSONDict] = []
        for index, face in enumerate(faces.get("faces", [])):
            landmarks = np.asarray(face["landmarks"], dtype=np.float32) * scale
            entries.append({"index": index})
            if _eye_distance(landmarks) < MIN_EYE_PIXELS:
                entries[-1].update(score=None, flagged=False, note="face too small to judge")
            else:
                wanted.append((index, landmarks))
        if not wanted:
            return entries, None
        cut = [face_crop(pixels, marks) for _, marks in wanted]
        scores = self.model.score(
            [crop for crop, _ in cut],
            lambda i, probability: router.wants_clip(wanted[i][0], probability),
        )
        heats = [self._heat(score) for score in scores]
        for (index, marks), (crop, _), score, heat in zip(wanted, cut, scores, heats, strict=True):
            threshold = self._threshold(_eye_distance(marks), score.path)
            entries[index].update(
                self._face_entry(score, heat, threshold, crop, item.sha256, index, blur)
            )
            entries[index].update(router.describe(index, score.path))
        grid = picture_grid(pixels.shape[1], pixels.shape[0], [m for _, m in cut], heats)
        return entries, grid

    # ------------------------------------------------------------------ videos
    def _video(
        self, item: AnalysisItem, faces: Mapping[str, Any], blur: bool, router: _Router
    ) -> list[JSONDict]:
        info = item.video_info()
        sampled = item.video_frames(
            self.settings.video_seconds_per_frame, 640, self.settings.video_max_frames
        )
        frames = {round(f.timestamp, 3): f for f in sampled.frames}
        entries: list[JSONDict] = []
        strips: dict[int, tuple[list[float], list[float]]] = {}
        for index, face in enumerate(faces.get("faces", [])):
            observations = (face.get("track") or {}).get("observations") or []
            times, crops, eyes = [], [], []
            for observation in observations:
                frame = frames.get(round(float(observation["time"]), 3))
                if frame is None:
                    continue
                to_frame = max(frame.image.size) / max(1, max(info.width, info.height))
                landmarks = np.asarray(observation["landmarks"], dtype=np.float32) * to_frame
                eye_distance = _eye_distance(landmarks)
                if eye_distance < MIN_EYE_PIXELS:
                    continue
                pixels = np.asarray(frame.image, dtype=np.uint8)
                times.append(float(observation["time"]))
                eyes.append(eye_distance)
                crops.append(face_crop(pixels, landmarks)[0])
            if not crops:
                entries.append(
                    {"index": index, "score": None, "flagged": False, "note": "no frame to judge"}
                )
                continue
            fast = self.model.score(crops, lambda _i, _p: False)
            track_blend = float(
                np.median([self.calibration.probability(s.blend_logit) for s in fast])
            )
            expensive = self.fusion is not None or self.tokens is not None
            full = expensive and router.wants_clip(index, track_blend)
            scores = self._escalate(crops, fast) if full else fast
            path = scores[0].path
            threshold = self._threshold(float(np.median(eyes)), path)
            verdict = aggregate_track(
                times,
                [s.logit for s in scores],
                probability=sigmoid,
                threshold=threshold,
                every_seconds=sampled.every_seconds,
            )
            strips[index] = (times, [s.probability for s in scores])
            peak = verdict.peak_index
            heat = self._heat(scores[peak])
            entry: JSONDict = {"index": index}
            entry.update(
                self._face_entry(
                    scores[peak], heat, threshold, crops[peak], item.sha256, index, blur
                )
            )
            flagged = verdict.probability >= threshold
            entry.update(
                score=round(verdict.probability, 4),
                logit=round(verdict.logit, 4),
                flagged=flagged,
                frames=verdict.frames,
                flagged_frames=verdict.flagged_frames,
                peak_time=round(times[peak], 3),
                peak_score=round(scores[peak].probability, 4),
                ranges=[
                    {"start": r.start, "end": r.end, "peak": r.peak, "frames": r.frames}
                    for r in verdict.ranges
                ],
            )
            entry.update(router.describe(index, path))
            entries.append(entry)
        if self._temporal is not None:
            add_temporal(
                self._temporal,
                item,
                info.duration_seconds,
                faces,
                entries,
                strips,
                frames,
                self.heatmap_dir,
            )
        return entries

    def _escalate(self, crops: list[NDArray[np.uint8]], fast: list[FaceScore]) -> list[FaceScore]:
        """The fused scores of a track BlendNet has already scored, without running it again.

        The cascade decides per track from BlendNet's median, so BlendNet has
        run on every crop by then; scoring the escalated track from scratch
        ran it twice.
        """
        model = self.model
        if model.tokens is not None:  # the token head fuses inside ``score`` (BlendNet runs again)
            return model.score(crops)
        if model.clip is None or model.fusion is None:
            return fast
        fusion = model.fusion
        out: list[FaceScore] = []
        for start in range(0, len(crops), 64):
            part = crops[start : start + 64]
            embeddings = model.clip.embed([Image.fromarray(c) for c in part])
            for score, row in zip(fast[start : start + 64], embeddings, strict=True):
                clip_logit = fusion.clip_logit(row)
                logit = fusion.logit(score.blend_logit, clip_logit)
                out.append(
                    FaceScore(logit, sigmoid(logit), score.blend_logit, clip_logit, score.cells)
                )
        return out

    # ------------------------------------------------------------------ shared
    def _heat(self, score: FaceScore) -> NDArray[np.float32]:
        """The token head's 14x14 patch evidence on the expensive path, BlendNet's cells else."""
        if score.patches is not None:
            return patch_heat(score.patches, score.probability)
        return cell_heat(score.cells, self.calibration.probability)

    def _threshold(self, eye_distance: float, path: str) -> float:
        """Small faces need stronger evidence (see ``forensics.sizes``); each path has its own."""
        if path == "full" or (self.fusion is None and self.tokens is None):
            return threshold_for(eye_distance, self.model_version, self.threshold)
        fast_version = model_version(self.calibration, None)
        return threshold_for(eye_distance, fast_version, self.calibration.threshold)

    def _face_entry(
        self,
        score: FaceScore,
        heat: NDArray[np.float32],
        threshold: float,
        crop: NDArray[np.uint8],
        sha256: str,
        index: int,
        blur: bool,
    ) -> JSONDict:
        flagged = score.probability >= threshold
        entry: JSONDict = {
            "score": round(score.probability, 4),
            "logit": round(score.logit, 4),
            "blendnet": round(self.calibration.probability(score.blend_logit), 4),
            "clip": None if score.clip_logit is None else round(sigmoid(score.clip_logit), 4),
            # Which CLIP face head gave "clip": the patch-token head or the linear probe.
            "clip_head": None
            if score.clip_logit is None
            else f"tokens@{self.tokens.version}"
            if self.tokens is not None
            else "linear",
            "flagged": flagged,
            "threshold": round(threshold, 4),
            "cells": [[round(float(v), 3) for v in row] for row in heat],
            "heatmap": None,
        }
        if flagged and self.heatmap_dir is not None:
            name = heatmap_name(sha256, index)
            target = self.heatmap_dir / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".tmp")
                partial.write_bytes(render_heatmap(crop, heat, blur=blur))
                partial.replace(target)
            entry["heatmap"] = name
        return entry

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """Its detector entry, and for videos the per-second strip of each track (``timeline``)."""
        out = super().findings(result, view)
        timeline = video_timeline(result)
        if timeline:
            out["timeline"] = timeline
        return out

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """Its score, and the per-face heatmaps' paths (each face's verdict is under ``faces``)."""
        manipulation = results.get(cls.name) or {}
        found = (heatmap_path(f.get("heatmap"), heatmap_dir) for f in manipulation.get("faces", []))
        return [
            ScanField("manipulation", manipulation.get("score"), 60),
            ScanField("heatmaps", [path for path in found if path], 80),
        ]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """None: its evidence reaches the listing through risk's reasons."""
        return []

    def summary(self, result: Mapping[str, Any]) -> str:
        score = result.get("score")
        if score is None:
            return ""
        flagged = sum(1 for f in result.get("faces", []) if f.get("flagged"))
        return f"manipulation {score:.2f}" + (f" ({flagged} face(s) flagged)" if flagged else "")


def picture_grid(
    width: int,
    height: int,
    matrices: Sequence[NDArray[np.float64]],
    heats: Sequence[NDArray[np.float32]],
    cells: int = PICTURE_GRID,
) -> list[list[float]]:
    """Faces' cell heat drawn into one grid over the whole picture (0 away from faces).

    Each grid cell takes the heat of the face-crop cell its centre falls in,
    the highest where faces overlap, so the review page can lay the grid over
    a preview of any size.
    """
    scale = max(width, height) / cells
    cols, rows = max(1, round(width / scale)), max(1, round(height / scale))
    xs = (np.arange(cols) + 0.5) * width / cols
    ys = (np.arange(rows) + 0.5) * height / rows
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    homogeneous = np.hstack([points, np.ones((len(points), 1))])
    grid = np.zeros(len(points), dtype=np.float32)
    for matrix, heat in zip(matrices, heats, strict=True):
        in_crop = homogeneous @ matrix.T
        index = np.floor(in_crop / WORK_SIZE * heat.shape[0]).astype(int)
        inside = ((index >= 0) & (index < heat.shape[0])).all(axis=1)
        values = np.zeros(len(points), dtype=np.float32)
        values[inside] = heat[index[inside, 1], index[inside, 0]]
        grid = np.maximum(grid, values)
    return [[round(float(v), 3) for v in row] for row in grid.reshape(rows, cols)]


def _eye_distance(landmarks: NDArray[np.float32]) -> float:
    return float(np.linalg.norm(landmarks[1] - landmarks[0]))
