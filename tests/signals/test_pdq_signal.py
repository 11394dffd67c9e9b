from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from idolguard.media import MediaLimits, sniff, trim_candidates
from idolguard.signals import AnalysisItem
from idolguard.signals.bank_match import BankMatch, match_stored_hashes
from idolguard.signals.pdq import (
    PDQSignal,
    bank_pdq_variants,
    pdq_hash,
    pdq_variants,
    query_pdq_hashes,
)
from tests.helpers import distance as _distance
from tests.helpers import sample


def _item(path: Path) -> AnalysisItem:
    limits = MediaLimits()
    return AnalysisItem(path, "0" * 64, "0" * 32, path.stat().st_size, sniff(path, limits), limits)


def test_hash_is_deterministic_hex_with_quality() -> None:
    image = Image.open(sample("rocket.jpg")).convert("RGB")
    first, second = pdq_hash(image), pdq_hash(image.copy())
    assert first == second
    assert len(first.hex) == 64 and int(first.hex, 16) > 0
    assert first.quality >= 50


def test_flat_image_has_low_quality_and_no_usable_hash(tmp_path: Path) -> None:
    path = tmp_path / "flat.png"
    Image.new("RGB", (300, 200), (120, 120, 120)).save(path)
    result = PDQSignal().analyse(_item(path))
    assert result["quality"] < 50
    assert result["hash"] is None


def test_variants_are_hashes_of_the_transformed_pixels() -> None:
    image = Image.open(sample("chelsea.jpg")).convert("RGB")
    variants = pdq_variants(image)
    assert len(variants) == 8
    assert variants["mirror"] == pdq_hash(ImageOps.mirror(image))
    assert _distance(variants["original"].hex, variants["mirror"].hex) > 80


def test_signal_adds_trimmed_hash_for_bordered_images(tmp_path: Path) -> None:
    image = Image.open(sample("rocket.jpg")).convert("RGB")
    bordered = ImageOps.expand(image, border=64, fill="black")
    path = tmp_path / "bordered.jpg"
    bordered.save(path, quality=90)
    result = PDQSignal().analyse(_item(path))
    original = pdq_hash(image).hex
    assert result["trimmed"] is not None
    assert _distance(result["trimmed"]["hash"], original) <= 20
    assert _distance(result["hash"], original) > 31


def test_draft_decoded_hash_stays_close_to_full_resolution(tmp_path: Path) -> None:
    image = Image.open(sample("astronaut.jpg")).convert("RGB").resize((2048, 2048))
    path = tmp_path / "big.jpg"
    image.save(path, quality=92)
    full = pdq_hash(Image.open(path).convert("RGB")).hex
    fast = PDQSignal().analyse(_item(path))["hash"]
    assert _distance(full, fast) <= 16
    assert np.asarray(image).shape == (2048, 2048, 3)


def _story(image: Image.Image) -> Image.Image:
    """A story screenshot: the photo on a blurred, darkened, enlarged copy of itself."""
    screen = ImageOps.fit(image, (540, 960)).filter(ImageFilter.GaussianBlur(24))
    screen = Image.eval(screen, lambda v: int(v * 0.7))
    photo = image.resize((540, round(540 * image.height / image.width)))
    screen.paste(photo, (0, (960 - photo.height) // 2))
    return screen


def test_signal_matches_story_screenshots_through_the_low_detail_trim(tmp_path: Path) -> None:
    image = Image.open(sample("chelsea.jpg")).convert("RGB")
    path = tmp_path / "story.jpg"
    _story(image).save(path, quality=85)
    result = PDQSignal().analyse(_item(path))
    original = pdq_hash(image).hex
    assert _distance(result["variants"]["trimmed_detail"], original) <= 20
    assert _distance(result["hash"], original) > 31
    assert result["trimmed"] is None or _distance(result["trimmed"]["hash"], original) > 31


def test_lower_detail_limit_keeps_a_smooth_sky() -> None:
    image = Image.open(sample("rocket.jpg")).convert("RGB")
    cuts = trim_candidates(_story(image))
    original = pdq_hash(image).hex
    assert _distance(pdq_hash(cuts["trimmed_detail"]).hex, original) > 31  # cut into the sky
    assert _distance(pdq_hash(cuts["trimmed_detail2"]).hex, original) <= 20


def test_bank_variants_include_the_photos_own_trim() -> None:
    framed = ImageOps.expand(Image.open(sample("rocket.jpg")).convert("RGB"), 40, fill="white")
    variants = bank_pdq_variants(framed)
    assert set(pdq_variants(framed)) < set(variants)
    assert variants["trimmed"] == query_pdq_hashes(framed)["trimmed"]


def test_bank_match_queries_every_stored_variant() -> None:
    seen: list[dict[str, str]] = []

    class Recorder:
        def match_pdq(self, hashes: dict[str, str]) -> list[BankMatch]:
            seen.append(dict(hashes))
            return []

        def match_vpdq(self, frames: object) -> list[BankMatch]:
            return []

        def match_exact(self, md5: str, sha256: str) -> list[BankMatch]:
            return []

    results = {"pdq": {"hash": "a" * 64, "trimmed": None, "variants": {"trimmed_detail": "b" * 64}}}
    match_stored_hashes(Recorder(), "", "", results)  # type: ignore[arg-type]
    assert seen == [{"original": "a" * 64, "trimmed_detail": "b" * 64}]
