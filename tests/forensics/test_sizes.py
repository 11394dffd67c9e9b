from __future__ import annotations

import json
from pathlib import Path

from idolguard.forensics import sizes
from idolguard.forensics.face_model import load_calibration, load_fusion, model_version
from idolguard.forensics.sizes import BANDS, size_thresholds, threshold_for


def write(folder: Path, version: str, thresholds: list[float]) -> None:
    bands = [
        {"min_eye": low, "max_eye": high, "threshold": t}
        for (low, high), t in zip(BANDS, thresholds, strict=True)
    ]
    (folder / "size_thresholds.json").write_text(json.dumps({"models": {version: bands}}))


def test_bands_are_read_per_model_version(tmp_path: Path) -> None:
    write(tmp_path, "v9", [0.97, 0.9, 0.8, 0.7])
    assert size_thresholds("v9", tmp_path) == ((0, 0.97), (20, 0.9), (28, 0.8), (40, 0.7))
    assert size_thresholds("v8", tmp_path) == ()
    assert size_thresholds("v9", tmp_path / "missing") == ()


def test_threshold_for_picks_the_band_and_never_goes_below_the_default(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, "v9", [0.97, 0.9, 0.8, 0.5])
    real = sizes.size_thresholds
    monkeypatch.setattr(sizes, "size_thresholds", lambda version: real(version, tmp_path))
    try:
        assert threshold_for(15, "v9", 0.76) == 0.97
        assert threshold_for(25, "v9", 0.76) == 0.9
        assert threshold_for(60, "v9", 0.76) == 0.76  # the band's 0.5 is below the default
        assert threshold_for(60, "unknown-version", 0.76) == 0.76
    finally:
        real.cache_clear()


def test_the_shipped_bands_cover_the_shipped_models() -> None:
    calibration = load_calibration()
    for fusion in (None, load_fusion()):
        bands = size_thresholds(model_version(calibration, fusion))
        assert [low for low, _ in bands] == [low for low, _ in BANDS]
        thresholds = [t for _, t in bands]
        assert thresholds[0] >= thresholds[-1]
