from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from idolguard.faces import load_backend
from idolguard.forensics.crop import WORK_SIZE, crop_template, face_crop
from idolguard.forensics.synth import face_mask, face_swap, jpeg, paste_back, self_blend
from tests.helpers import sample


@pytest.fixture(scope="module")
def portrait() -> tuple[np.ndarray, np.ndarray]:
    """The public-domain astronaut portrait and its five landmarks."""
    pixels = np.asarray(Image.open(sample("astronaut.jpg")).convert("RGB"))
    face = load_backend("arcface").detect(pixels)[0]
    return pixels, face.landmarks


def test_mask_covers_the_face_and_not_the_corners() -> None:
    rng = np.random.default_rng(0)
    template = crop_template(WORK_SIZE)
    (x0, y0), (x1, y1) = template.min(axis=0).astype(int), template.max(axis=0).astype(int)
    covered = 0.0
    for _ in range(60):
        mask = face_mask(WORK_SIZE, rng)
        assert mask.shape == (WORK_SIZE, WORK_SIZE)
        assert mask.min() >= 0.0 and mask.max() <= 1.0
        # Whole face, inner face or single parts: always something between eyes and mouth.
        assert mask[y0 - 5 : y1 + 5, x0 - 5 : x1 + 5].max() > 0.2
        assert mask[:8, :8].max() == 0.0 and mask[-8:, -8:].max() == 0.0
        covered += float((mask > 0.1).mean())
    assert 0.05 < covered / 60 < 0.5


def test_self_blend_changes_only_what_the_mask_covers(portrait) -> None:  # type: ignore[no-untyped-def]
    pixels, landmarks = portrait
    crop, _ = face_crop(pixels, landmarks)
    changed = 0
    for seed in range(10):
        fake, mask = self_blend(crop, np.random.default_rng(seed))
        assert fake.shape == crop.shape and fake.dtype == np.uint8
        inside = mask >= 0.9 * mask.max()
        outside = mask == 0.0
        # Where nothing was pasted the picture is the target: the original or a
        # whole-image colour change, never a moved copy.
        difference = np.abs(fake.astype(int) - crop.astype(int)).mean(axis=2)
        if difference[outside].mean() < 0.5:
            changed += difference[inside].mean() > 1.0
    assert changed >= 2


def test_synthesis_is_reproducible_from_the_seed(portrait) -> None:  # type: ignore[no-untyped-def]
    pixels, landmarks = portrait
    crop, _ = face_crop(pixels, landmarks)
    first = self_blend(crop, np.random.default_rng(5))[0]
    again = self_blend(crop, np.random.default_rng(5))[0]
    assert np.array_equal(first, again)


def test_face_swap_pastes_the_other_face(portrait) -> None:  # type: ignore[no-untyped-def]
    pixels, landmarks = portrait
    crop, _ = face_crop(pixels, landmarks)
    other = np.full_like(crop, 90)
    fake, mask = face_swap(crop, other, np.random.default_rng(1))
    inside = mask > 0.9
    assert inside.any()
    assert np.abs(fake[inside].astype(int) - crop[inside].astype(int)).mean() > 5
    assert np.array_equal(fake[mask == 0], crop[mask == 0])


def test_paste_back_leaves_the_rest_of_the_photo_alone(portrait) -> None:  # type: ignore[no-untyped-def]
    pixels, landmarks = portrait
    crop, matrix = face_crop(pixels, landmarks)
    fake, mask = self_blend(crop, np.random.default_rng(3))
    whole = paste_back(pixels, fake, mask, matrix)
    assert whole.shape == pixels.shape
    x1, y1 = landmarks.min(axis=0).astype(int)
    assert np.array_equal(whole[:20, :20], pixels[:20, :20])  # far from the face
    assert np.array_equal(whole[-20:, -20:], pixels[-20:, -20:])
    face = (slice(y1, y1 + 40), slice(x1, x1 + 40))
    assert np.abs(whole[face].astype(int) - pixels[face].astype(int)).mean() > 0.5


def test_jpeg_round_trip_loses_detail() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    low = jpeg(noise, 30)
    assert low.shape == noise.shape
    assert np.abs(low.astype(int) - noise.astype(int)).mean() > 10
