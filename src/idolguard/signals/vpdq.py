"""vPDQ video fingerprints: a PDQ hash per sampled frame, via Meta's ``vpdq``.

Queries are hashed at one frame per second; bank entries are hashed densely
(every frame, consecutive near-identical frames pruned). The asymmetry matters:
a re-timed copy matched 100% of its query frames against a dense bank and only
11% against a 1 fps bank (research note §2.3). Frames are downscaled to 512 px
wide before hashing, 6.8x faster at 1080p for a few bits of deviation.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import vpdq
from PIL import ImageOps

from idolguard.media import (
    MediaError,
    MediaErrorCode,
    MediaLimits,
    MediaType,
    VideoInfo,
    sample_frames,
)
from idolguard.signals.base import AnalysisItem, JSONDict, Signal
from idolguard.signals.pdq import PDQ_DECODE_SIDE, pdq_hash, query_pdq_hashes
from idolguard.signals.presentation import FindingsView, ScanField

VPDQ_WIDTH = 512


class VPDQFrame(NamedTuple):
    frame: int
    timestamp: float
    quality: int
    hash: str


def vpdq_frames(
    path: Path,
    info: VideoInfo,
    *,
    seconds_per_hash: float,
    threads: int = 1,
    prune_distance: int | None = None,
) -> list[VPDQFrame]:
    """Hash ``path``; ``seconds_per_hash=0`` hashes every frame.

    ``prune_distance`` drops frames within that many bits of the last kept
    frame, which keeps dense bank entries small without losing coverage.
    """
    width, height = _downsample(info)
    try:
        features = vpdq.computeHash(
            str(path),
            seconds_per_hash=seconds_per_hash,
            downsample_width=width,
            downsample_height=height,
            thread_count=threads,
        )
    except Exception as exc:  # the binding raises plain exceptions for decode failures
        raise MediaError(
            MediaErrorCode.CORRUPT,
            "video could not be fingerprinted: its frames are damaged",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    frames = [
        VPDQFrame(
            int(f.frame_number),
            round(float(f.timestamp), 3),
            int(f.quality),
            vpdq.hash_to_hex(f.hash),
        )
        for f in features
    ]
    if prune_distance is not None:
        frames = _prune(frames, prune_distance)
    return frames


def still_queries(path: Path, limits: MediaLimits, min_quality: int) -> dict[str, str]:
    """PDQ query hashes of one early frame, as uploaded and trimmed, by name ("frame_trimmed").

    A banked *photo* re-posted as a clip (a vertical video with letterbox
    bars, a slideshow) never matches through vPDQ, whose bank side holds only
    clips, and its bars push every frame hash far from the photo's. The frame
    at about one second (the first may be a fade from black), trimmed like a
    screenshot, is matched against banked photos instead.
    """
    frame = None
    try:
        with sample_frames(path, limits, every_seconds=1.0, max_side=PDQ_DECODE_SIDE) as frames:
            for frame in frames:
                if frame.timestamp >= 1.0:
                    break
    except MediaError:
        return {}
    if frame is None:
        return {}
    return {
        f"frame_{name}": pdq.hex
        for name, pdq in query_pdq_hashes(frame.image).items()
        if pdq.quality >= min_quality
    }


def mirrored_frames(
    path: Path, limits: MediaLimits, *, prune_distance: int | None = None
) -> list[VPDQFrame]:
    """PDQ of every frame flipped left-right, in vPDQ's frame format, for bank entries.

    vPDQ hashes the file as it is, so a mirrored re-upload of a banked clip
    matched none of its frames (0 of 14 in the variant benchmark). The bank
    pays for the flip, as it does for photos, instead of every scan. Frames
    are decoded here at vPDQ's 512 px and hashed with the PDQ reference, a few
    bits from vPDQ's own pipeline; far inside the 31-bit threshold.
    """
    with sample_frames(path, limits, every_seconds=1e-3, max_side=VPDQ_WIDTH) as sampler:
        frames = [
            VPDQFrame(frame.index, round(frame.timestamp, 3), pdq.quality, pdq.hex)
            for frame in sampler
            for pdq in (pdq_hash(ImageOps.mirror(frame.image)),)
        ]
    return _prune(frames, prune_distance) if prune_distance is not None else frames


def _downsample(info: VideoInfo) -> tuple[int, int]:
    if info.width <= VPDQ_WIDTH:
        return 0, 0  # 0 means native size to vpdq
    height = max(2, round(info.height * VPDQ_WIDTH / info.width))
    return VPDQ_WIDTH, height


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _prune(frames: list[VPDQFrame], max_distance: int) -> list[VPDQFrame]:
    kept: list[VPDQFrame] = []
    for frame in frames:
        if not kept or _hamming(kept[-1].hash, frame.hash) > max_distance:
            kept.append(frame)
    return kept


class VPDQSignal(Signal):
    name = "vpdq"
    # 2: adds "still_queries", the trimmed PDQ of an early frame (issue 21).
    version = "2"
    media_types = frozenset({MediaType.VIDEO})
    description = "vPDQ video fingerprint (Meta), one PDQ frame hash per second at 512 px"

    @classmethod
    def findings(cls, result: Mapping[str, Any], view: FindingsView) -> JSONDict:
        """None: frame hashes mean nothing to a reviewer; their bank matches are shown instead."""
        return {}

    @classmethod
    def scan_fields(cls, results: Mapping[str, Any], heatmap_dir: Path | None) -> list[ScanField]:
        """None of its own: the hashes are under ``signals.vpdq``."""
        return []

    def __init__(self, seconds_per_hash: float = 1.0, min_quality: int = 50) -> None:
        self.seconds_per_hash = seconds_per_hash
        self.min_quality = min_quality

    def analyse(self, item: AnalysisItem) -> JSONDict:
        info = item.video_info()
        frames = vpdq_frames(item.path, info, seconds_per_hash=self.seconds_per_hash)
        if not frames:
            raise MediaError(MediaErrorCode.CORRUPT, "no decodable video frames")
        return {
            "seconds_per_hash": self.seconds_per_hash,
            "width": info.width,
            "height": info.height,
            "duration_seconds": info.duration_seconds,
            "codec": info.codec,
            "frames": [list(f) for f in frames],
            "still_queries": still_queries(item.path, item.limits, self.min_quality),
            "good_frames": sum(1 for f in frames if f.quality >= self.min_quality),
        }

    def summary(self, result: Mapping[str, Any]) -> str:
        return f"{len(result.get('frames', []))} frames, {result.get('good_frames')} usable"
