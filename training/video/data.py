"""The development clips for the temporal model: label, generator and person of each.

Reals come from four sources (HDTF, MEAD, LivePortrait driving clips,
video-retalking inputs); fakes from five generators. Evaluation holds out
a whole generator (leave-one-generator-out) and scores each real clip with
a model that never saw its source, so neither a person nor a recording
set is on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIDEO = Path("../shared/data/video")
EXTRA = Path("/work/main/.cache/extra-data/talking_heads")


@dataclass(frozen=True)
class Clip:
    path: Path
    fake: bool
    group: str  # the generator for fakes, the source for reals
    person: str

    @property
    def key(self) -> str:
        return f"{self.group}/{self.path.parent.name}/{self.path.stem}"


def clips(video: Path = VIDEO, extra: Path = EXTRA) -> list[Clip]:
    out: list[Clip] = []
    for p in sorted((video / "real").glob("*.mp4")):
        out.append(Clip(p, False, "HDTF", p.stem.rsplit("_", 1)[0]))
    for p in sorted((video / "fake").glob("*.mp4")):
        out.append(Clip(p, True, "SadTalker", p.stem.split("__")[0]))
    for p in sorted((extra / "real" / "dreamtalk").glob("*.mp4")):
        out.append(Clip(p, False, "MEAD", p.stem.split("_")[0]))
    for p in sorted((extra / "real" / "LivePortrait").glob("*.mp4")):
        out.append(Clip(p, False, "LivePortrait-driving", p.stem))
    for p in sorted((extra / "real" / "video-retalking").glob("*.mp4")):
        out.append(Clip(p, False, "retalking", p.stem))
    for p in sorted((extra / "fake" / "AniTalker").rglob("*.mp4")):
        out.append(Clip(p, True, "AniTalker", p.stem.split("-")[0]))
    for p in sorted((extra / "fake" / "dreamtalk").glob("*.mp4")):
        out.append(Clip(p, True, "DreamTalk", p.stem.rsplit("@", 1)[-1]))
    for p in sorted((extra / "fake" / "LivePortrait").glob("*.gif")):
        out.append(Clip(p, True, "LivePortrait", p.stem))
    for p in sorted((extra / "fake" / "MuseTalk").glob("*.mp4")):
        out.append(Clip(p, True, "MuseV", p.stem))
    return out
