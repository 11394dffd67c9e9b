"""Media decoding: the only place that touches image and video codecs.

Everything else receives ``DecodedImage`` / ``VideoFrame`` objects or a
``MediaError`` explaining, in words meant for the person running the scan,
why a file could not be read.
"""

from idolguard.media.image import load_image
from idolguard.media.sniff import MEDIA_EXTENSIONS, sniff
from idolguard.media.trim import trim_borders, trim_candidates
from idolguard.media.types import (
    DecodedImage,
    MediaError,
    MediaErrorCode,
    MediaLimits,
    MediaType,
    SniffResult,
    VideoFrame,
    VideoInfo,
)
from idolguard.media.video import FrameSampler, probe_video, sample_frames

__all__ = [
    "MEDIA_EXTENSIONS",
    "DecodedImage",
    "FrameSampler",
    "MediaError",
    "MediaErrorCode",
    "MediaLimits",
    "MediaType",
    "SniffResult",
    "VideoFrame",
    "VideoInfo",
    "load_image",
    "probe_video",
    "sample_frames",
    "sniff",
    "trim_borders",
    "trim_candidates",
]
