"""End-to-end scan throughput on 1080p photos with 1-5 faces, and where the time goes.

Reproduce (repository root, after scripts/bootstrap):

    .venv/bin/python benchmarks/bench_scan_throughput.py --images 60 --workers 2

Test photos are composed once from 1-5 face photos of the East-Asian
development set (``../shared/data/recognition/asian``), 1920x1080, saved as
JPEG q90 (typical social-media re-encode), in one of two scenes:

* ``collage`` (default): the photos side by side, each filling its own tile,
  so every face keeps the photo it was taken in, as in a real picture or a
  fan collage. The cascade's cheap stage then escalates faces at about the
  rate it does on real photos.
* ``pasted``: the photos pasted at 250-450 px as rectangles onto a bundled
  public-domain photo (the scene of the figures before 2026-12-08). Every
  face sits next to a hard paste boundary, which is what a blending detector
  is built to suspect, so this is the cascade's worst case: most pictures go
  down the expensive path. Three artists are enrolled so identification does
real work. The scan is the real ``idolguard scan`` pipeline with every
signal (faces, identity, explicitness, provenance, PDQ, manipulation in its default
cascade or `--mode`, AI generation, bank match, risk) on
``--workers`` processes, into a fresh SQLite home. Per-stage figures are
measured separately, single-threaded, in this process.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.demo import sample_image
from idolguard.media import MediaLimits, sniff
from idolguard.signals.base import AnalysisItem, Stage

DATA = Path(__file__).resolve().parents[2] / "shared/data/recognition/asian"


def compose(out: Path, count: int, seed: int, scene: str = "collage") -> list[Path]:
    if scene == "collage":
        return compose_collage(out, count, seed)
    rng = random.Random(seed)
    people = sorted(p for p in DATA.iterdir() if p.is_dir())
    backgrounds = ["rocket", "coffee", "chelsea", "astronaut"]
    paths = []
    for i in range(count):
        canvas = sample_image(backgrounds[i % 4]).convert("RGB").resize((1920, 1080))
        n_faces = 1 + i % 5
        slots = rng.sample(range(5), n_faces)
        for slot in slots:
            person = rng.choice(people)
            face = Image.open(rng.choice(sorted(person.iterdir()))).convert("RGB")
            height = rng.randint(250, 450)
            face = face.resize((max(1, round(face.width * height / face.height)), height))
            x = 20 + slot * 380 + rng.randint(0, 20)
            canvas.paste(face, (min(x, 1920 - face.width), rng.randint(50, 1080 - height - 20)))
        path = out / f"photo_{i:03d}_{n_faces}faces.jpg"
        canvas.save(path, quality=90)
        paths.append(path)
    return paths


# Tile layouts (columns per row) for 1-5 photos on a 1920x1080 canvas.
_LAYOUTS = {1: (1,), 2: (2,), 3: (3,), 4: (2, 2), 5: (3, 2)}


def compose_collage(out: Path, count: int, seed: int) -> list[Path]:
    """1-5 face photos side by side, each scaled to cover its tile and centre-cropped."""
    rng = random.Random(seed)
    people = sorted(p for p in DATA.iterdir() if p.is_dir())
    paths = []
    for i in range(count):
        canvas = Image.new("RGB", (1920, 1080))
        n_faces = 1 + i % 5
        rows = _LAYOUTS[n_faces]
        tile_h = 1080 // len(rows)
        for row, columns in enumerate(rows):
            tile_w = 1920 // columns
            for column in range(columns):
                person = rng.choice(people)
                photo = Image.open(rng.choice(sorted(person.iterdir()))).convert("RGB")
                scale = max(tile_w / photo.width, tile_h / photo.height)
                size = (
                    max(tile_w, round(photo.width * scale)),
                    max(tile_h, round(photo.height * scale)),
                )
                photo = photo.resize(size, Image.Resampling.BICUBIC)
                left, top = (size[0] - tile_w) // 2, (size[1] - tile_h) // 2
                tile = photo.crop((left, top, left + tile_w, top + tile_h))
                canvas.paste(tile, (column * tile_w, row * tile_h))
        path = out / f"photo_{i:03d}_{n_faces}photos.jpg"
        canvas.save(path, quality=90)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--mode", choices=("cascade", "all", "fast"), default="cascade")
    parser.add_argument("--scene", choices=("collage", "pasted"), default="collage")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        photos_dir = root / "photos"
        photos_dir.mkdir()
        photos = compose(photos_dir, args.images, seed=0, scene=args.scene)
        base = load_settings(environ={}, home=root / "home")
        settings = replace(
            base,
            workers=args.workers,
            manipulation=replace(base.manipulation, mode=args.mode),
        )
        with IdolGuard(settings) as app:
            people = sorted(
                p for p in DATA.iterdir() if p.is_dir() and len(list(p.iterdir())) >= 10
            )
            for person in people[:3]:
                for photo in sorted(person.iterdir()):
                    try:
                        app.roster.add_artist(person.name, [photo])
                        break
                    except ValueError:
                        continue
            start = time.perf_counter()
            summary = app.scanner().run([photos_dir])
            elapsed = time.perf_counter() - start
            failed = summary.failed
            faces = sum(
                len((r.results.get("faces") or {}).get("faces", [])) for r in summary.records
            )
            print(
                f"scan of {len(photos)} 1080p {args.scene} photos ({faces} faces) with "
                f"{args.workers} workers: "
                f"{elapsed:.1f} s, {len(photos) / elapsed:.2f} images/s, {failed} failed "
                f"(includes worker start-up and model loading)"
            )
            paths: dict[str, int] = {}
            pictures_scored = 0
            for record in summary.records:
                for face in (record.results.get("manipulation") or {}).get("faces", []):
                    why = "+".join(face.get("escalated_by", []))
                    flag = " flagged" if face.get("flagged") else ""
                    key = f"{face.get('path', 'not judged')} {why}{flag}".strip()
                    paths[key] = paths.get(key, 0) + 1
                ai = record.results.get("ai_generated") or {}
                pictures_scored += ai.get("path") == "full"
            print(
                f"manipulation mode {settings.manipulation.mode}: faces per path {paths}; "
                f"AI-generation scored on {pictures_scored} of {len(photos)} pictures"
            )

            # Per stage, one thread, models already loaded.
            single = replace(settings.faces, threads=1)
            app_single = IdolGuard(replace(settings, faces=single))
            signals = app_single.signals()
            limits = MediaLimits()
            timings: dict[str, list[float]] = {s.name: [] for s in signals if s.name != "vpdq"}
            decode: list[float] = []
            for path in photos[: min(len(photos), 30)]:
                t0 = time.perf_counter()
                item = AnalysisItem(
                    path, "0" * 64, "0" * 32, path.stat().st_size, sniff(path, limits), limits
                )
                item.image(2048)
                decode.append(time.perf_counter() - t0)
                ordered = [s for s in signals if s.stage is Stage.CONTENT]
                ordered += [s for s in signals if s.stage is Stage.CONTEXT]
                for signal in [s for s in ordered if s.applies_to(item.media_type)]:
                    t0 = time.perf_counter()
                    item.results[signal.name] = signal.analyse(item)
                    timings[signal.name].append(time.perf_counter() - t0)
            warm = {k: v[1:] for k, v in timings.items()}  # first call loads the model
            print("per-stage median ms per photo (1 thread; faces/identity include every face):")
            print(f"  {'decode (2048 px draft)':24s} {statistics.median(decode) * 1000:7.1f}")
            total = statistics.median(decode)
            for name, values in warm.items():
                print(f"  {name:24s} {statistics.median(values) * 1000:7.1f}")
                total += statistics.median(values)
            print(f"  {'total':24s} {total * 1000:7.1f}  -> {1 / total:.1f} images/s per core")
            app_single.close()


if __name__ == "__main__":
    main()
