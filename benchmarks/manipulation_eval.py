"""Manipulation and AI-generation figures per family, as uploaded and after re-upload damage.

Not part of the test suite. Every picture goes through the product's own path:
the ``faces`` signal detects faces in the (possibly damaged) file, the
``manipulation`` signal scores them, the file's score is its highest face
score (as in ``scan --json``), and ``ai_generated`` scores the whole picture.
Only the ``eval`` split is used (identity-disjoint from everything the models
were trained or calibrated on; see ``training/manipulation/dataset.py``), so
run ``python -m training.manipulation.prepare`` first to have the split.

Families:
* ``self_blended``: eval reals (LFW, Yonsei) against self-blended copies of
  the same photos, made with ``forensics.synth`` and pasted back into the
  whole photo, so faces are detected again as in a real upload;
* ``lfw_faceswap``: LFW photos against landmark face swaps made from LFW;
* ``yonsei``: Yonsei photos against expert Photoshop composites of eyes,
  nose or mouth;
* ``gan_faces``: GAN portraits against the LFW and Yonsei eval reals, scored
  by ``ai_generated`` (and, for comparison, by the face model);
* ``video``: the talking-head clips, real against generated (SadTalker).

Conditions: as uploaded, JPEG quality 75 and 50, half-size resize (saved
losslessly, so it measures resizing alone), and a screenshot-style re-encode
(1.5x zoom, browser bars, PNG capture, JPEG 85 re-upload).

A file where no face is found scores 0 for the face model. Columns: AUC,
TPR at 1 % FPR, and accuracy of the signals' own verdicts (`flagged`, with the thresholds
per face size; `generated`). Usage::

    PYTHONPATH=src:. python benchmarks/manipulation_eval.py [--limit 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from training.manipulation.dataset import Record, load_records, records_where  # noqa: E402
from training.manipulation.metrics import roc_auc, tpr_at_fpr  # noqa: E402

from idolguard.config import FaceSettings, ManipulationSettings  # noqa: E402
from idolguard.forensics.crop import face_crop, model_view  # noqa: E402
from idolguard.forensics.face_model import FaceManipulationModel  # noqa: E402
from idolguard.forensics.synth import paste_back, self_blend  # noqa: E402
from idolguard.media import MediaLimits, sniff  # noqa: E402
from idolguard.signals.ai_generated import AIGeneratedSignal  # noqa: E402
from idolguard.signals.base import AnalysisItem  # noqa: E402
from idolguard.signals.faces import FacesSignal  # noqa: E402
from idolguard.signals.manipulation import ManipulationSignal  # noqa: E402

Picture = np.ndarray


def _encode(picture: Picture, fmt: str, **options: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def screenshot(picture: Picture) -> bytes:
    """As if viewed zoomed in a browser, captured as PNG, and the capture re-uploaded as JPEG."""
    image = Image.fromarray(picture)
    zoomed = image.resize(
        (int(image.width * 1.5), int(image.height * 1.5)), Image.Resampling.BICUBIC
    )
    canvas = Image.new("RGB", (zoomed.width + 40, zoomed.height + 120), (245, 245, 245))
    canvas.paste(zoomed, (20, 70))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, 44), fill=(32, 33, 36))
    draw.rectangle((12, 10, canvas.width - 12, 34), fill=(60, 64, 67))
    draw.text((20, canvas.height - 40), "♡ 1.2K   ⤴ share", fill=(40, 40, 40))
    capture = Image.open(io.BytesIO(_encode(np.asarray(canvas), "PNG"))).convert("RGB")
    return _encode(np.asarray(capture), "JPEG", quality=85)


CONDITIONS: dict[str, Callable[[Picture, bytes | None], bytes]] = {
    "as uploaded": lambda p, raw: raw if raw is not None else _encode(p, "PNG"),
    "JPEG 75": lambda p, raw: _encode(p, "JPEG", quality=75),
    "JPEG 50": lambda p, raw: _encode(p, "JPEG", quality=50),
    "half size": lambda p, raw: _encode(
        np.asarray(
            Image.fromarray(p).resize(
                (max(1, p.shape[1] // 2), max(1, p.shape[0] // 2)), Image.Resampling.BILINEAR
            )
        ),
        "PNG",
    ),
    "screenshot": lambda p, raw: screenshot(p),
}


class Judge:
    """The product's signals, run on one file at a time."""

    def __init__(self, threads: int, mode: str = "all") -> None:
        settings = FaceSettings()
        # "all" measures the models themselves; the cascade's routing depends on who is
        # enrolled and is measured by benchmarks/manipulation_cascade.py.
        cascade = ManipulationSettings(mode=mode)
        self.faces = FacesSignal(settings, threads=threads)
        self.manipulation = ManipulationSignal(settings, threads=threads, cascade=cascade)
        self.ai = AIGeneratedSignal(settings, threads=threads, cascade=cascade)
        self.limits = MediaLimits()
        self.folder = Path(tempfile.mkdtemp(prefix="idolguard-eval-"))

    def item(self, data: bytes, suffix: str) -> AnalysisItem:
        digest = hashlib.sha256(data).hexdigest()
        path = self.folder / f"{digest}{suffix}"
        path.write_bytes(data)
        return AnalysisItem(
            path, digest, "0" * 32, len(data), sniff(path, self.limits), self.limits
        )

    def run(self, item: AnalysisItem, *, ai: bool) -> tuple[float, float | None, bool, bool, bool]:
        """(face score, AI score, face judged, face flagged, picture flagged as generated)."""
        item.results["faces"] = self.faces.analyse(item)
        result = self.manipulation.analyse(item)
        score = result.get("score")
        generated = self.ai.analyse(item) if ai else {}
        return (
            float(score) if score is not None else 0.0,
            generated.get("score"),
            score is not None,
            bool(result.get("flagged")),
            bool(generated.get("generated")),
        )


def evaluate_images(  # type: ignore[no-untyped-def]
    judge: Judge,
    data: Path,
    records: list[Record],
    limit: int | None,
    seed: int,
    conditions: list[str] | None = None,
):
    reals = [r for r in records if r.label == 0 and r.family in ("lfw_faceswap", "yonsei")]
    rng = np.random.default_rng(seed)
    if limit:
        reals = reals[:limit]
    samples: list[
        tuple[str, int, Picture, bytes | None, bool]
    ] = []  # family, label, pixels, raw, ai
    for family in ("lfw_faceswap", "yonsei"):
        chosen = [r for r in records if r.family == family]
        chosen = [r for r in chosen if r.label == 1][:limit] + [r for r in chosen if r.label == 0][
            :limit
        ]
        for r in chosen:
            raw = (data / r.path).read_bytes()
            pixels = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
            samples.append((family, r.label, pixels, raw, r.label == 0))
    for r in reals:
        if r.landmarks is None:
            continue
        raw = (data / r.path).read_bytes()
        pixels = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
        crop, matrix = face_crop(pixels, np.array(r.landmarks))
        fake, mask = self_blend(crop, rng)
        samples.append(("self_blended", 1, paste_back(pixels, fake, mask, matrix), None, False))
    gans = [r for r in records if r.family == "gan_faces"][:limit]
    for r in gans:
        raw = (data / r.path).read_bytes()
        samples.append(
            ("gan_faces", 1, np.asarray(Image.open(io.BytesIO(raw)).convert("RGB")), raw, True)
        )

    table: list[dict[str, object]] = []
    for condition, damage in CONDITIONS.items():
        if conditions and condition not in conditions:
            continue
        started = time.monotonic()
        scored: list[tuple[str, int, float, float | None, bool, bool, bool]] = []
        for family, label, pixels, raw, ai in samples:
            payload = damage(pixels, raw)
            item = judge.item(payload, ".jpg" if payload[:2] == b"\xff\xd8" else ".png")
            scored.append((family, label, *judge.run(item, ai=ai)))
            item.path.unlink()
        real_faces = [s for s in scored if s[0] in ("lfw_faceswap", "yonsei") and s[1] == 0]
        families = {
            "self_blended": real_faces + [s for s in scored if s[0] == "self_blended"],
            "lfw_faceswap": [s for s in scored if s[0] == "lfw_faceswap"],
            "yonsei": [s for s in scored if s[0] == "yonsei"],
        }
        for family, rows in families.items():
            table.append(_row(condition, family, "face model", rows, 2, 5))
        gan_rows = real_faces + [s for s in scored if s[0] == "gan_faces"]
        table.append(_row(condition, "gan_faces", "ai_generated", gan_rows, 3, 6))
        table.append(_row(condition, "gan_faces", "face model", gan_rows, 2, 5))
        print(
            f"  {condition}: {len(samples)} files in {time.monotonic() - started:.0f} s", flush=True
        )
        for row in table[-5:]:
            print("  " + _markdown(row), flush=True)
    return table


def _row(
    condition: str, family: str, model: str, rows: list, column: int, flagged: int
) -> dict[str, object]:  # type: ignore[type-arg]
    labels = np.array([r[1] for r in rows])
    scores = np.array([r[column] if r[column] is not None else 0.0 for r in rows], dtype=np.float64)
    return {
        "condition": condition,
        "family": family,
        "model": model,
        "real": int((labels == 0).sum()),
        "fake": int((labels == 1).sum()),
        "no_face": int(sum(1 for r in rows if not r[4])),
        "auc": roc_auc(labels, scores),
        "tpr_at_1pct_fpr": tpr_at_fpr(labels, scores, 0.01),
        # The signals' own verdicts (per-face-size thresholds included).
        "accuracy": float(np.mean([bool(r[flagged]) == bool(r[1]) for r in rows])),
    }


def _markdown(row: dict[str, object]) -> str:
    return (
        f"| {row['condition']} | {row['family']} | {row['model']} | {row['real']} "
        f"| {row['fake']} | {row['no_face']} | {row['auc']:.3f} "
        f"| {row['tpr_at_1pct_fpr']:.3f} | {row['accuracy']:.3f} |"
    )


def evaluate_videos(judge: Judge, data: Path) -> list[dict[str, object]]:
    rows = []
    for label, folder in ((0, "video/real"), (1, "video/fake")):
        for path in sorted((data / folder).glob("*.mp4")):
            item = AnalysisItem(
                path,
                hashlib.sha256(path.read_bytes()).hexdigest(),
                "0" * 32,
                path.stat().st_size,
                sniff(path, judge.limits),
                judge.limits,
            )
            item.results["faces"] = judge.faces.analyse(item)
            result = judge.manipulation.analyse(item)
            ai = judge.ai.analyse(item)
            rows.append(
                {
                    "file": path.name,
                    "label": label,
                    "score": result.get("score") or 0.0,
                    "ai": ai.get("score") or 0.0,
                    "ranges": len(result.get("ranges", [])),
                    "flagged": bool(result.get("flagged")),
                    "generated": bool(ai.get("generated")),
                }
            )
            print(
                f"  {folder}/{path.name}: manipulation {rows[-1]['score']:.3f} "
                f"ai {rows[-1]['ai']:.3f} ranges {rows[-1]['ranges']}",
                flush=True,
            )
    return rows


def speed(data: Path, records: list[Record]) -> dict[str, float]:
    """Milliseconds per face on one thread: BlendNet alone, and fused with the CLIP face head."""
    from idolguard.forensics.ai_model import ClipEncoder, clip_available

    crops = [
        face_crop(np.asarray(Image.open(data / r.path).convert("RGB")), np.array(r.landmarks))[0]
        for r in records[:48]
        if r.landmarks is not None
    ]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    for r in records[:48]:
        if r.landmarks is not None:
            pixels = np.asarray(Image.open(data / r.path).convert("RGB"))
            model_view(face_crop(pixels, np.array(r.landmarks))[0])
    timings["decode_align_crop_ms"] = (time.perf_counter() - started) / len(crops) * 1000
    models = {"blendnet_ms": FaceManipulationModel(threads=1)}
    if clip_available():
        models["fused_ms"] = FaceManipulationModel(threads=1, clip=ClipEncoder(threads=1))
    for name, model in models.items():
        for crop in crops[:3]:
            model.score([crop])
        started = time.perf_counter()
        for crop in crops:
            model.score([crop])
        timings[name] = (time.perf_counter() - started) / len(crops) * 1000
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/manipulation"))
    parser.add_argument("--split", default="eval")
    parser.add_argument("--limit", type=int, default=None, help="files per family and class")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument(
        "--condition", action="append", choices=list(CONDITIONS), help="only these (repeatable)"
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mode", choices=("all", "cascade", "fast"), default="all", help="[manipulation] mode"
    )
    args = parser.parse_args()
    records = records_where(load_records(args.cache / "index.json"), split=args.split)
    judge = Judge(args.threads, args.mode)
    face_threshold = judge.manipulation.threshold
    print(
        f"face model {judge.manipulation.version}, threshold {face_threshold:.3f}; "
        f"AI head {judge.ai.version}, threshold {judge.ai.head.threshold:.3f}; split {args.split}"
    )
    timing = speed(args.data, [r for r in records if r.landmarks is not None])
    table = evaluate_images(judge, args.data, records, args.limit, args.seed, args.condition)
    videos = [] if args.no_video else evaluate_videos(judge, args.data)
    print()
    print("| condition | family | model | real | fake | no face | AUC | TPR@1%FPR | acc |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for row in table:
        print(_markdown(row))
    if videos:
        labels = [v["label"] for v in videos]
        for key, verdict, name in (
            ("score", "flagged", "face model (track median)"),
            ("ai", "generated", "ai_generated (frames)"),
        ):
            scores = [float(v[key]) for v in videos]
            accuracy = float(np.mean([bool(v[verdict]) == bool(v["label"]) for v in videos]))
            print(
                f"| as uploaded | video | {name} | {labels.count(0)} | {labels.count(1)} | - "
                f"| {roc_auc(labels, scores):.3f} | {tpr_at_fpr(labels, scores, 0.01):.3f} "
                f"| {accuracy:.3f} |"
            )
    print()
    print(
        "speed, ms per face on 1 thread: "
        + ", ".join(f"{name} {value:.1f}" for name, value in timing.items())
    )
    if args.json:
        args.json.write_text(
            json.dumps({"table": table, "videos": videos, "speed": timing}, indent=1)
        )


if __name__ == "__main__":
    main()
