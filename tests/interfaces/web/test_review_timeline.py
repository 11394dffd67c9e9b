"""A video item's timeline: per-second strip per face track, flagged ranges, blurred keyframes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from idolguard.demo import write_pan_video
from tests.helpers import sample
from tests.interfaces.web.conftest import Web


@pytest.fixture
def video_item(web: Web, tmp_path: Path) -> int:
    clip = tmp_path / "clip.mp4"
    write_pan_video(Image.open(sample("astronaut.jpg")), clip, seconds=3.0, size=(480, 360))
    opened = web.agency("stella").intake.add_file(
        clip, actor="t", source={"url": "https://example.com/v/1", "platform": "example"}
    )
    return opened.item_id


def test_the_item_shows_a_strip_per_track_and_serves_blurred_keyframes(
    web: Web, video_item: int
) -> None:
    timeline = web.api("viewer").get(f"/api/v1/items/{video_item}").json()["findings"]["timeline"]
    assert timeline, "the astronaut's track has a strip"
    track = timeline[0]
    assert len(track["cells"]) == 3 and [c["t"] for c in track["cells"]] == [0, 1, 2]
    assert all(c["level"] is None or 0 <= c["level"] <= 9 for c in track["cells"])
    for lang, title in (("en", "Timeline per face"), ("ko", "얼굴별 시간 흐름")):
        page = web.browser("reviewer", lang=lang).get(f"/items/{video_item}")
        assert page.status_code == 200, page.text
        assert title in page.text and page.text.count('class="timeline-cell') == 3
        assert "style=" not in page.text

    # Keyframes: blurred and grey like previews, with checked input and agency separation.
    client = web.api("viewer")
    answer = client.get(f"/api/v1/items/{video_item}/keyframe", params={"at": 1.5})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    assert "no-store" in answer.headers["cache-control"]
    with Image.open(io.BytesIO(answer.content)) as picture:
        pixels = np.asarray(picture.convert("RGB")).astype(int)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    assert client.get(f"/api/v1/items/{video_item}/keyframe?at=-1").status_code == 422
    assert client.get(f"/api/v1/items/{video_item}/keyframe?at=nan").status_code == 422
    assert web.api("admin", "nova").get(f"/api/v1/items/{video_item}/keyframe").status_code == 404
    photo = web.agency("stella").intake.add_file(
        sample("coffee.jpg"), actor="t", source={"url": "https://example.com/p/9"}
    )
    assert client.get(f"/api/v1/items/{photo.item_id}/keyframe").status_code == 200  # itself
