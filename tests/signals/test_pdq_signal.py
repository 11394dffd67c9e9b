from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from idolguard.media import MediaLimits, sniff
from idolguard.signals import AnalysisItem
from idolguard.signals.pdq import PDQSignal, pdq_hash, pdq_variants
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
