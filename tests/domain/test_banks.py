"""Re-uploads of banked content match; unrelated content does not; allow-lists win."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.demo import bordered, phone_screenshot, write_pan_video
from idolguard.domain.banks import BankError, BankService
from idolguard.exchange.formats import BankRecord
from idolguard.signals.pdq import pdq_hash
from tests.helpers import distance as _distance
from tests.helpers import sample


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


REUPLOADS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg-q30": lambda im: _jpeg(im, 30),
    "jpeg-q10": lambda im: _jpeg(im, 10),
    "half-size": lambda im: im.resize((im.width // 2, im.height // 2)),
    "160px": lambda im: im.resize((160, round(160 * im.height / im.width))),
    "mirror": ImageOps.mirror,
    "rot90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "rot180": lambda im: im.transpose(Image.Transpose.ROTATE_180),
    "grayscale": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "black-border": lambda im: bordered(im, "black"),
    "white-border": lambda im: bordered(im, "white"),
    "screenshot": phone_screenshot,
    "mirror+border": lambda im: bordered(ImageOps.mirror(im), "black"),
}


def _pdq_queries(image: Image.Image) -> dict[str, str]:
    from idolguard.media import trim_borders

    queries = {"original": pdq_hash(image).hex}
    trimmed = trim_borders(image)
    if trimmed is not None:
        queries["trimmed"] = pdq_hash(trimmed).hex
    return queries


@pytest.fixture
def banked(app: IdolGuard, tmp_path: Path) -> BankService:
    for name in ("rocket.jpg", "astronaut.jpg"):
        app.banks.add_file(sample(name), "confirmed", label="test")
    return app.banks


@pytest.mark.parametrize("edit", sorted(REUPLOADS))
def test_reuploads_match_their_banked_original(banked: BankService, edit: str) -> None:
    for name, content_prefix in (("rocket.jpg", "rocket"), ("astronaut.jpg", "astronaut")):
        original = Image.open(sample(name)).convert("RGB")
        matches = banked.match_pdq(_pdq_queries(REUPLOADS[edit](original)))
        assert matches, f"{edit} of {name} did not match"
        best = min(matches, key=lambda m: m.distance)
        assert best.distance <= 31
        assert best.label == "test"
        assert content_prefix  # matched content is reported by id below
        assert {m.bank for m in matches} == {"confirmed"}


def test_unrelated_images_do_not_match(banked: BankService) -> None:
    for name in ("chelsea.jpg", "coffee.jpg"):
        image = Image.open(sample(name)).convert("RGB")
        assert banked.match_pdq(_pdq_queries(image)) == []
        assert banked.match_pdq(_pdq_queries(ImageOps.mirror(image))) == []


def test_exact_match_by_md5_and_sha256(app: IdolGuard) -> None:
    added = app.banks.add_file(sample("coffee.jpg"), "confirmed")
    from idolguard.media.digests import file_digests

    sha256, md5, _ = file_digests(sample("coffee.jpg"))
    assert added.sha256 == sha256
    [match] = app.banks.match_exact(md5, "f" * 64)
    assert (match.signal_type, match.strength, match.content_id) == ("md5", "exact", sha256[:16])


def test_adding_twice_is_idempotent_and_kinds_do_not_mix(app: IdolGuard) -> None:
    first = app.banks.add_file(sample("coffee.jpg"), "confirmed")
    second = app.banks.add_file(sample("coffee.jpg"), "confirmed")
    assert first.created and first.signals == 10  # sha256 + md5 + 8 PDQ variants
    assert not second.created and second.signals == 0
    with pytest.raises(BankError, match="block-list bank"):
        app.banks.add_file(sample("coffee.jpg"), "confirmed", allow=True)
    with pytest.raises(BankError, match="invalid bank name"):
        app.banks.create_bank("../etc")
    [summary] = app.banks.list_banks()
    assert (summary.name, summary.kind, summary.contents, summary.signals) == (
        "confirmed",
        "block",
        1,
        10,
    )


def test_new_hashes_from_another_process_match_within_a_second(settings: Settings) -> None:
    with IdolGuard(settings) as matcher, IdolGuard(settings) as curator:
        query = _pdq_queries(Image.open(sample("rocket.jpg")).convert("RGB"))
        assert matcher.banks.match_pdq(query) == []
        curator.banks.add_file(sample("rocket.jpg"), "confirmed")
        import time

        deadline = time.monotonic() + 1.0
        matches = matcher.banks.match_pdq(query)
        while not matches and time.monotonic() < deadline:
            time.sleep(0.05)
            matches = matcher.banks.match_pdq(query)
        assert matches and matches[0].distance == 0


def test_a_bank_deleted_or_disabled_by_another_process_stops_matching_here(
    settings: Settings,
) -> None:
    from sqlalchemy import update

    from idolguard.storage.models import Bank

    with IdolGuard(settings) as matcher, IdolGuard(settings) as curator:
        rocket = _pdq_queries(Image.open(sample("rocket.jpg")).convert("RGB"))
        coffee = _pdq_queries(Image.open(sample("coffee.jpg")).convert("RGB"))
        curator.banks.add_file(sample("rocket.jpg"), "leaks")
        curator.banks.add_file(sample("coffee.jpg"), "other")
        matcher.banks.refresh(force=True)
        assert matcher.banks.match_pdq(rocket) and matcher.banks.match_pdq(coffee)

        curator.banks.delete_bank("leaks")
        matcher.banks.refresh(force=True)
        assert matcher.banks.match_pdq(rocket) == []  # gone here too, not only in the curator
        assert matcher.banks.match_pdq(coffee)  # the other bank still matches

        with curator.database.session() as session:  # switched off (by SQL, as an admin might)
            session.execute(update(Bank).where(Bank.name == "other").values(enabled=False))
        matcher.banks.refresh(force=True)
        assert matcher.banks.match_pdq(coffee) == []
        with curator.database.session() as session:
            session.execute(update(Bank).where(Bank.name == "other").values(enabled=True))
        matcher.banks.refresh(force=True)
        assert matcher.banks.match_pdq(coffee)


def test_videos_match_reencoded_copies_and_frames(app: IdolGuard, tmp_path: Path) -> None:
    from idolguard.media import MediaLimits, probe_video
    from idolguard.signals.vpdq import vpdq_frames

    astronaut = Image.open(sample("astronaut.jpg")).convert("RGB")
    banked, copy, other = tmp_path / "b.mp4", tmp_path / "copy.mp4", tmp_path / "other.mp4"
    write_pan_video(astronaut, banked, seconds=4)
    write_pan_video(astronaut, copy, seconds=4, size=(320, 180), bitrate=200_000)
    write_pan_video(Image.open(sample("chelsea.jpg")).convert("RGB"), other, seconds=4)
    app.banks.add_file(banked, "clips")

    def query(path: Path) -> list[list[object]]:
        frames = vpdq_frames(path, probe_video(path, MediaLimits()), seconds_per_hash=1.0)
        return [list(f) for f in frames]

    [match] = app.banks.match_vpdq(query(copy))
    assert match.signal_type == "vpdq" and match.query_match_percent == 100.0
    assert app.banks.match_vpdq(query(other)) == []
    import av

    with av.open(str(copy)) as container:
        frame = next(container.decode(video=0)).to_image()
    frame_matches = app.banks.match_pdq(_pdq_queries(frame))
    assert frame_matches, "a frame of a banked clip should be flagged"
    assert {(m.signal_type, m.strength) for m in frame_matches} == {("vpdq-frame", "review")}


def test_mirrored_clip_matches_through_the_mirrored_bank_frames(
    app: IdolGuard, tmp_path: Path
) -> None:
    import av

    from idolguard.media import MediaLimits, probe_video
    from idolguard.signals.vpdq import vpdq_frames

    astronaut = Image.open(sample("astronaut.jpg")).convert("RGB")
    banked, flipped = tmp_path / "b.mp4", tmp_path / "mirror.mp4"
    write_pan_video(astronaut, banked, seconds=3)
    with av.open(str(banked)) as source, av.open(str(flipped), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        for frame in source.decode(video=0):
            mirrored = ImageOps.mirror(frame.to_image())
            for packet in stream.encode(av.VideoFrame.from_image(mirrored)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    query = [
        list(f)
        for f in vpdq_frames(flipped, probe_video(flipped, MediaLimits()), seconds_per_hash=1.0)
    ]
    as_banked = vpdq_frames(banked, probe_video(banked, MediaLimits()), seconds_per_hash=0)
    # Without the mirrored frames no query frame would be within the threshold.
    assert min(_distance(str(q[3]), f.hash) for q in query for f in as_banked) > 31
    app.banks.add_file(banked, "clips")
    [match] = app.banks.match_vpdq(query)
    assert match.query_match_percent == 100.0
    # The share of the banked clip matched counts its frames once, not twice.
    assert match.bank_match_percent is not None and match.bank_match_percent <= 100.0


def test_export_and_import_round_trip(app: IdolGuard, settings: Settings, tmp_path: Path) -> None:
    app.banks.add_file(sample("rocket.jpg"), "confirmed", label="r")
    app.banks.add_file(sample("coffee.jpg"), "sources", allow=True)
    records = list(app.banks.export_records())
    assert {r.signal_type for r in records} == {"sha256", "md5", "pdq"}
    assert any(r.allow for r in records)
    from dataclasses import replace

    other_settings = replace(
        settings, home=tmp_path / "other", database_url=f"sqlite:///{tmp_path / 'other.db'}"
    )
    with IdolGuard(other_settings) as other:
        assert other.banks.import_records(records, None) == len(records)
        assert other.banks.import_records(records, None) == 0
        kinds = {b.name: b.kind for b in other.banks.list_banks()}
        assert kinds == {"confirmed": "block", "sources": "allow"}
        rocket = Image.open(sample("rocket.jpg")).convert("RGB")
        assert other.banks.match_pdq(_pdq_queries(rocket))[0].bank == "confirmed"


def test_import_rejects_bad_signals(app: IdolGuard) -> None:
    with pytest.raises(BankError, match="cannot bank"):
        app.banks.import_records([BankRecord("x", "pdq", "not-hex")], "confirmed")
    with pytest.raises(BankError, match="names no bank"):
        app.banks.import_records([BankRecord("x", "pdq", "0" * 64)], None)
