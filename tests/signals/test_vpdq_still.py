"""A banked photo re-posted as a letterboxed vertical clip is matched through an early frame."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

from idolguard.media import MediaLimits, sniff
from idolguard.signals import AnalysisItem
from idolguard.signals.bank_match import BankMatch, match_stored_hashes
from idolguard.signals.pdq import pdq_hash
from idolguard.signals.vpdq import VPDQSignal, still_queries
from tests.helpers import distance, sample


def _vertical_clip(photo: Image.Image, path: Path, seconds: int = 2) -> None:
    frame = Image.new("RGB", (360, 640), "black")
    scaled = photo.resize((360, round(360 * photo.height / photo.width)))
    frame.paste(scaled, (0, (640 - scaled.height) // 2))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 360, 640, "yuv420p"
        for _ in range(10 * seconds):
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_trimmed_frame_of_a_letterboxed_clip_matches_the_photo(tmp_path: Path) -> None:
    photo = Image.open(sample("chelsea.jpg")).convert("RGB")
    clip = tmp_path / "vertical.mp4"
    _vertical_clip(photo, clip)
    queries = still_queries(clip, MediaLimits(), min_quality=50)
    original = pdq_hash(photo).hex
    assert distance(queries["frame_original"], original) > 31  # the bars hide it
    assert distance(queries["frame_trimmed"], original) <= 31


def test_signal_stores_the_still_queries(tmp_path: Path) -> None:
    clip = tmp_path / "vertical.mp4"
    _vertical_clip(Image.open(sample("coffee.jpg")).convert("RGB"), clip)
    limits = MediaLimits()
    item = AnalysisItem(clip, "0" * 64, "0" * 32, clip.stat().st_size, sniff(clip, limits), limits)
    result = VPDQSignal().analyse(item)
    assert set(result["still_queries"]) >= {"frame_original", "frame_trimmed"}


def test_bank_match_sends_the_still_queries_to_the_photo_bank() -> None:
    sent: list[dict[str, str]] = []

    class Recorder:
        def match_pdq(self, hashes: dict[str, str]) -> list[BankMatch]:
            sent.append(dict(hashes))
            return []

        def match_vpdq(self, frames: object) -> list[BankMatch]:
            return []

        def match_exact(self, md5: str, sha256: str) -> list[BankMatch]:
            return []

    results = {"vpdq": {"frames": [], "still_queries": {"frame_trimmed": "c" * 64}}}
    match_stored_hashes(Recorder(), "", "", results)  # type: ignore[arg-type]
    assert sent == [{"frame_trimmed": "c" * 64}]
