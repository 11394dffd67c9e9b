"""The leave-one-family-out data: matched processing, conditions, fakes, row order, cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from training.manipulation.lofo_data import (
    CONDITIONS,
    PICTURE_SIDE,
    FeatureCache,
    Item,
    apply_condition,
    matched_picture,
    part_blend,
    planned_rows,
)


def _picture(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def test_reals_and_fakes_of_any_size_come_out_alike() -> None:
    """A 768 px PNG and a 160 px JPEG both become a PICTURE_SIDE square re-encoded the same way."""
    big, small = matched_picture(_picture(768, 600)), matched_picture(_picture(160, 160, 1))
    assert big.shape == small.shape == (PICTURE_SIDE, PICTURE_SIDE, 3)
    assert big.dtype == small.dtype == np.uint8


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_condition_keeps_the_size_and_only_clean_keeps_the_pixels(condition: str) -> None:
    image = matched_picture(_picture(300, 300))
    out = apply_condition(image, condition)
    assert out.shape == image.shape
    assert (condition == "clean") == bool(np.array_equal(out, image))


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown condition"):
        apply_condition(np.zeros((8, 8, 3), np.uint8), "sepia")


def test_part_blends_change_parts_of_the_face_only() -> None:
    face = np.full((192, 192, 3), 90, np.uint8)
    donor = np.full((192, 192, 3), 200, np.uint8)
    out, mask = part_blend(face, donor, np.random.default_rng(4))
    changed = (out != face).any(axis=2).mean()
    assert 0.0 < changed < 0.25 and float(mask.mean()) < 0.12


def _item(key: str, label: int, split: str, family: str = "f") -> Item:
    return Item(key, "face", family, label, split, 0, key, "p", "as is")


def test_rows_come_clean_first_then_reported_conditions_then_augmentation() -> None:
    items = [
        _item("r1", 0, "eval"),
        _item("r2", 0, "train"),
        _item("f1", 1, "train", "swap"),
        _item("f2", 1, "calib", "swap"),
    ]
    rows = planned_rows(items)
    conditions = [c for _, c in rows]
    assert conditions[: len(items)] == ["clean"] * len(items)
    assert len(rows) == len(set(rows))
    reported = [(i.key, c) for i, c in rows[len(items) :] if c != "clean"]
    # eval reals and tested fakes get every reported condition; the train real only its draw
    assert {c for k, c in reported if k == "r1"} == set(CONDITIONS) - {"clean"}
    assert len([c for k, c in reported if k == "r2"]) == 1


def test_the_feature_cache_reads_back_what_it_stored(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    embeds = np.random.default_rng(0).standard_normal((2, 512)).astype(np.float32)
    tokens = np.random.default_rng(1).standard_normal((2, 197, 768)).astype(np.float32)
    cache.add(["a|clean", "b|jpeg50"], embeds, tokens)
    again = FeatureCache(tmp_path)  # a new run finds the chunk
    assert "b|jpeg50" in again and "b|clean" not in again
    got_embeds, got_tokens = again.get(["b|jpeg50"])
    assert np.allclose(got_embeds[0], embeds[1], atol=1e-2)
    assert np.allclose(got_tokens[0], tokens[1], atol=1e-2)
