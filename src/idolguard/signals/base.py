"""The one interface every analysis implements.

A *signal* turns one piece of media into a small JSON-serialisable result:
PDQ hashes, bank matches, and later face identities, manipulation and
explicitness scores. The pipeline knows nothing about any particular signal;
it asks each enabled signal whether it applies, runs it, and stores the result
under the signal's name and version, so changing a model means bumping its
version and old results are recomputed rather than silently mixed.

A signal also owns how its result is shown: ``report_scores`` and
``explanation`` for the evidence report and bundles, ``findings`` for the
review page, ``scan_fields`` for the scan JSON and ``scan_reasons`` for the
CLI listing. So a plug-in signal appears wherever a built-in one does, with
sensible defaults when it says nothing: its name, description and score.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Final

from idolguard.media import (
    DecodedImage,
    MediaLimits,
    MediaType,
    SniffResult,
    VideoFrame,
    VideoInfo,
    load_image,
    probe_video,
    sample_frames,
)
from idolguard.signals.presentation import (
    FindingsView,
    ReportScore,
    RiskHarm,
    ScanField,
    ScoreExplanation,
    detector_findings,
    format_score,
    number,
    rounded,
)

JSONDict = dict[str, Any]
# Signals that do not say where they come in a listing come after the built-in ones.
DEFAULT_DISPLAY_ORDER: Final = 100


class Stage(StrEnum):
    """When a signal runs, which decides whether its result may be cached.

    ``CONTENT`` signals depend only on the bytes: they run in worker processes
    and their results are reused whenever the same SHA-256 is seen again.
    ``CONTEXT`` signals depend on state that changes (the hash banks, the
    roster): they run in the coordinating process, after the content signals,
    on every scan, using only earlier results, never the media itself.
    """

    CONTENT = "content"
    CONTEXT = "context"


@dataclass(frozen=True)
class SampledFrames:
    """Frames picked from a video for per-frame models, plus what went wrong decoding it."""

    frames: list[VideoFrame]
    every_seconds: float
    warnings: list[str]
    truncated: bool


@dataclass
class AnalysisItem:
    """One file being analysed, with decoded forms cached so signals share the decode work."""

    path: Path
    sha256: str
    md5: str
    size_bytes: int
    sniff: SniffResult
    limits: MediaLimits
    results: dict[str, JSONDict] = field(default_factory=dict)
    # Where the file was seen (url, platform, caption, title, hashtags, uploader):
    # context signals such as caption text read it; content signals must not,
    # since their results are cached by content and shared by every sighting.
    source: Mapping[str, Any] = field(default_factory=dict)
    _images: dict[int | None, DecodedImage] = field(default_factory=dict, repr=False)
    _video: VideoInfo | None = field(default=None, repr=False)
    _frames: dict[tuple[float, int, int], SampledFrames] = field(default_factory=dict, repr=False)

    @property
    def media_type(self) -> MediaType:
        return self.sniff.media_type

    def image(self, max_side: int | None = None) -> DecodedImage:
        """Decode (once per size) an RGB view at least ``max_side`` on its longest side."""
        if max_side not in self._images:
            self._images[max_side] = load_image(self.path, self.limits, max_side=max_side)
        return self._images[max_side]

    def video_info(self) -> VideoInfo:
        if self._video is None:
            self._video = probe_video(self.path, self.limits)
        return self._video

    def video_frames(
        self, every_seconds: float = 1.0, max_side: int = 640, max_frames: int = 300
    ) -> SampledFrames:
        """Sampled frames, decoded once and shared by every per-frame model (faces, explicitness).

        Long videos are sampled more sparsely rather than truncated, so a
        clip's last minutes are never silently skipped.
        """
        key = (every_seconds, max_side, max_frames)
        if key not in self._frames:
            duration = self.video_info().duration_seconds
            every = max(every_seconds, duration / max_frames if duration > 0 else every_seconds)
            with sample_frames(self.path, self.limits, every_seconds=every, max_side=max_side) as s:
                frames = list(s)[: max_frames * 2]
                self._frames[key] = SampledFrames(frames, every, list(s.warnings), s.truncated)
        return self._frames[key]


class Signal(ABC):
    """Base class of all analyses. Subclasses set the class attributes and implement ``analyse``.

    ``analyse`` may raise ``MediaError`` when the media cannot be decoded: the
    pipeline then records the file as failed. Any other exception is a bug in
    the signal; it is recorded against that signal and the others still run.
    """

    name: ClassVar[str]
    version: str  # instances may refine it when it depends on configuration (a model choice)
    media_types: ClassVar[frozenset[MediaType]] = frozenset(MediaType)
    stage: ClassVar[Stage] = Stage.CONTENT
    requires: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    def applies_to(self, media_type: MediaType) -> bool:
        return media_type in self.media_types

    @abstractmethod
    def analyse(self, item: AnalysisItem) -> JSONDict:
        """Return a JSON-serialisable result for ``item``."""

    def summary(self, result: Mapping[str, Any]) -> str:
        """One short human-readable phrase for tables; signals override it to be useful."""
        return ""

    # -- presentation -------------------------------------------------------------------
    # How a result is shown belongs to the kind of signal, not to one configured instance:
    # results stored long ago are shown without building the signal (or loading its model),
    # so these are class attributes and class methods, found by name through the
    # ``idolguard_signal_types`` hook (``signals.registry.presentation_for``).

    # What the signal's score means and where it stops being reliable, in Korean and
    # English, next to every value in the evidence report (None: a generic explanation).
    explanation: ClassVar[ScoreExplanation | None] = None
    # Where the signal's rows come in the report's score table (lower first).
    display_order: ClassVar[int] = DEFAULT_DISPLAY_ORDER

    @classmethod
    def report_scores(cls, result: Mapping[str, Any]) -> list[ReportScore]:
        """The rows of the evidence report's score table (and a bundle's score list).

        By default, the result's numeric ``score`` under the signal's name; none if
        it has none.
        """
        score = result.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float):
            return []
        return [ReportScore(cls.name, format_score(score), None, cls.explanation)]

    # Its result's ``width`` and ``height`` (and, for a video, ``duration_seconds``) are the
    # frame the review page's boxes are measured in (the face detector's).
    measures_frame: ClassVar[bool] = False
    # It scores manipulation or synthesis of the pixels: the review page lists it among the
    # manipulation detectors, with its heatmap if it stored one.
    detector: ClassVar[bool] = False

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """This signal's part of the review page (``domain.findings.item_findings``).

        Keys of the findings it fills: the page's own blocks (``faces``, ``risk``...)
        are set, and ``detectors`` and ``other`` are lists that collect every signal's
        entries. By default a detector's entry (``detector``), else an entry of the
        page's generic block: the signal's name, label, description and score.
        """
        if cls.detector:
            return {"detectors": [detector_findings(cls.name, result)]}
        explanation = cls.explanation
        return {
            "other": [
                {
                    "signal": cls.name,
                    "label": (
                        {"ko": explanation.label_ko, "en": explanation.label_en}
                        if explanation is not None
                        else None
                    ),
                    "description": cls.description or None,
                    "score": rounded(result.get("score")),
                }
            ]
        }

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """This signal's top-level fields of the scan JSON (``cli.output.record_to_json``).

        Asked for every signal a plug-in lists, also when the file has no result of it
        (its documented fields are then null), and for any other name with a result.
        ``results`` holds the file's results by signal name; ``heatmap_dir`` is where
        heatmap files are. By default the numeric ``score`` under the signal's name.
        """
        result = results.get(cls.name)
        if not isinstance(result, Mapping) or number(result.get("score")) is None:
            return []
        return [ScanField(cls.name, result["score"])]

    @classmethod
    def scan_reasons(cls, result: Mapping[str, Any]) -> list[str]:
        """Reasons the CLI listing may give for the file, strongest first.

        The listing shows the first reason of the first signal (by ``display_order``)
        that gives one. By default the signal's name and score; signals whose
        evidence reaches the listing through risk's reasons give none.
        """
        score = number(result.get("score"))
        return [] if score is None else [f"{cls.name} {score:.2f}"]

    @classmethod
    def risk_harm(cls, result: Mapping[str, Any]) -> RiskHarm | None:
        """The harm this result adds to the risk score, or ``None`` (the default: none).

        The built-in harms (explicitness, declared or detected AI generation, face
        manipulation, caption vocabulary) are weighed by ``signals.risk`` itself, as one
        triage policy; a plug-in signal declares its own here. It counts when its result
        exists before risk runs: content signals always, context signals that risk
        follows in the run order.
        """
        return None

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.version)
