"""Identification where photos in the wild fail: small faces, groups, crowds, looks, look-alikes.

Reproduce (from the repository root):

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_identity_hard.py --backend arcface

Reads the K-pop set of ``../shared/data/recognition`` (15 idols of seven
groups). Every photo not used as a reference is turned into one query per
condition, composed from the data (no new photos of people):

* ``clean``: the photo as it is (the current K-pop benchmark's queries);
* ``small_24`` / ``small_32`` / ``small_48``: the face scaled to that width
  inside a 1920x1080 frame over a blurred, unrelated background (fancam
  stills, thumbnails);
* ``group``: the face among three others at 110-170 px in a 1280x480 strip;
* ``crowd``: the face among eleven others at 40-70 px in a 1920x1080 frame;
* ``stage_light`` / ``beauty_filter`` / ``vivid_makeup`` / ``mono``: colour
  casts, skin smoothing, heavy saturation and contrast, black and white;
* ``turned``: the clean photos whose landmarks show a three-quarter or
  profile view (nose off the eye midline by more than a quarter of the eye
  distance), the only pose information the data has.

Look-alikes: in every round each group with several members in the set has
a random half of them enrolled and the others unknown, so the unknown faces
are their own group-mates (same styling, same photo shoots). Groups with one
member are enrolled or unknown at random. Enrolled artists get ``--templates``
clean reference photos. A query is "named correctly" when the right artist
is the best match at or above the threshold; an unknown query is "named"
when any artist reaches the threshold. Detection misses count as failures.

Thresholds: the shipped calibration's, and the one that names exactly 0.5 %
of unknown faces in *this* condition's rounds (an oracle, printed for
comparison only).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from benchmarks.bench_face_recognition import identity_folders
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from idolguard.faces import load_backend
from idolguard.faces.calibration import load_calibration
from idolguard.faces.gallery import Gallery
from idolguard.faces.types import FaceBackend

GROUPS = {
    "twice": ["Chaeyong", "Dahyun", "Jihyo", "Nayeon", "Sana"],
    "apink": ["Chorong", "Naeun"],
    "gfriend": ["Eunha", "Umji", "Yuju"],
    "red_velvet": ["Irene", "Seulgi"],
    "oh_my_girl": ["Arin"],
    "blackpink": ["Lisa"],
    "itzy": ["Yeji"],
}

Box = tuple[float, float, float, float]


def _rng(*parts: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _background(others: list[Path], rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    with Image.open(others[int(rng.integers(len(others)))]) as im:
        return ImageOps.fit(im.convert("RGB"), size).filter(ImageFilter.GaussianBlur(12))


def _face_crop(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def _paste(canvas: Image.Image, face: Image.Image, width: int, x: int, y: int) -> Box:
    """Paste a face crop scaled to ``width`` px; return the box of the face inside it."""
    scaled = face.resize((width, round(width * face.height / face.width)), Image.Resampling.LANCZOS)
    canvas.paste(scaled, (x, y))
    # The K-pop crops are tight aligned crops: the face fills their middle.
    return (x + 0.15 * width, y + 0.1 * scaled.height, x + 0.85 * width, y + 0.95 * scaled.height)


def small(
    face_px: int,
) -> Callable[[Path, list[Path], np.random.Generator], tuple[Image.Image, Box]]:
    def make(path: Path, others: list[Path], rng: np.random.Generator) -> tuple[Image.Image, Box]:
        canvas = _background(others, rng, (1920, 1080))
        # The crop is ~1.4x the face width.
        width = round(face_px * 1.4)
        x, y = int(rng.integers(0, 1920 - width)), int(rng.integers(0, 1080 - width * 2))
        return canvas, _paste(canvas, _face_crop(path), width, x, y)

    return make


def _many(
    path: Path,
    others: list[Path],
    rng: np.random.Generator,
    size: tuple[int, int],
    count: int,
    widths: tuple[int, int],
) -> tuple[Image.Image, Box]:
    canvas = _background(others, rng, size)
    columns = count if size[1] <= 600 else 4
    rows = -(-count // columns)
    cell_w, cell_h = size[0] // columns, size[1] // rows
    target = int(rng.integers(count))
    box: Box = (0, 0, 0, 0)
    for i in range(count):
        width = int(rng.integers(*widths))
        column, row = i % columns, i // columns
        x = column * cell_w + int(rng.integers(0, max(1, cell_w - width)))
        y = row * cell_h + int(rng.integers(0, max(1, cell_h - round(width * 1.1))))
        source = path if i == target else others[int(rng.integers(len(others)))]
        pasted = _paste(canvas, _face_crop(source), width, x, y)
        if i == target:
            box = pasted
    return canvas, box


def group(path: Path, others: list[Path], rng: np.random.Generator) -> tuple[Image.Image, Box]:
    return _many(path, others, rng, (1280, 480), 4, (110, 170))


def crowd(path: Path, others: list[Path], rng: np.random.Generator) -> tuple[Image.Image, Box]:
    return _many(path, others, rng, (1920, 1080), 12, (40, 70))


def _whole(op: Callable[[Image.Image], Image.Image]) -> Callable[..., tuple[Image.Image, Box]]:
    def make(path: Path, others: list[Path], rng: np.random.Generator) -> tuple[Image.Image, Box]:
        face = op(_face_crop(path))
        return face, (0.0, 0.0, float(face.width), float(face.height))

    return make


def _stage_light(face: Image.Image) -> Image.Image:
    r, g, b = face.split()
    return Image.merge(
        "RGB",
        (r.point(lambda v: min(255, int(v * 1.1 + 25))), g.point(lambda v: int(v * 0.6)), b),
    )


def _beauty(face: Image.Image) -> Image.Image:
    smooth = face.filter(ImageFilter.GaussianBlur(2.0))
    return ImageEnhance.Brightness(Image.blend(face, smooth, 0.8)).enhance(1.15)


def _vivid(face: Image.Image) -> Image.Image:
    return ImageEnhance.Contrast(ImageEnhance.Color(face).enhance(1.8)).enhance(1.5)


CONDITIONS: dict[
    str, Callable[[Path, list[Path], np.random.Generator], tuple[Image.Image, Box]]
] = {
    "clean": _whole(lambda im: im),
    "small_24": small(24),
    "small_32": small(32),
    "small_48": small(48),
    "group": group,
    "crowd": crowd,
    "stage_light": _whole(_stage_light),
    "beauty_filter": _whole(_beauty),
    "vivid_makeup": _whole(_vivid),
    "mono": _whole(lambda im: ImageOps.grayscale(im).convert("RGB")),
}


def embed_target(
    backend: FaceBackend, image: Image.Image, box: Box
) -> tuple[np.ndarray | None, float]:
    """The embedding of the detected face that covers ``box`` best (None: not detected)."""
    pixels = np.asarray(image)
    faces = backend.detect(pixels)
    best, best_overlap = None, 0.0
    for face in faces:
        x1, y1, x2, y2 = face.box
        ix = max(0.0, min(x2, box[2]) - max(x1, box[0]))
        iy = max(0.0, min(y2, box[3]) - max(y1, box[1]))
        inter = ix * iy
        union = (x2 - x1) * (y2 - y1) + (box[2] - box[0]) * (box[3] - box[1]) - inter
        if union > 0 and inter / union > best_overlap:
            best, best_overlap = face, inter / union
    if best is None or best_overlap < 0.3:
        return None, 0.0
    x1, y1, x2, y2 = best.box
    nose_offset = abs(best.landmarks[2][0] - (best.landmarks[0][0] + best.landmarks[1][0]) / 2)
    yaw = float(nose_offset / max(best.eye_distance, 1e-6))
    return backend.embed(pixels, [best])[0], yaw


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--backend", default="arcface")
    parser.add_argument("--data", type=Path, default=root.parent / "shared/data/recognition")
    parser.add_argument("--cache", type=Path, default=root / ".cache/identity-hard")
    parser.add_argument("--templates", type=int, default=5)
    parser.add_argument(
        "--detector-side",
        type=int,
        default=None,
        help="detector input side (default: the backend's); shows what a larger pass would find",
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument(
        "--cohort-k",
        type=int,
        default=0,
        help="try cohort normalisation against the East-Asian set's faces (0: off)",
    )
    parser.add_argument("--cohort-alpha", type=float, default=1.0)
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="compose at most N photos per idol for the conditions other than clean (0: all)",
    )
    args = parser.parse_args()

    backend = load_backend(args.backend, threads=1, detector_side=args.detector_side)
    calibration = load_calibration(args.backend, backend.version)
    folders = identity_folders(args.data / "kpop")
    others = [p for files in identity_folders(args.data / "kpop").values() for p in files]
    backgrounds = [p for files in identity_folders(args.data / "asian").values() for p in files]
    args.cache.mkdir(parents=True, exist_ok=True)
    side = f"-side{args.detector_side}" if args.detector_side else ""
    cache_file = args.cache / f"{args.backend}-{backend.version}{side}.npz"
    cached: dict[str, tuple[np.ndarray | None, float]] = {}
    if cache_file.exists():
        with np.load(cache_file) as data:
            for key, found, vec, yaw in zip(
                data["keys"], data["found"], data["vectors"], data["yaw"], strict=True
            ):
                cached[str(key)] = (vec if found else None, float(yaw))

    if args.detector_side:
        # References stay as enrolment makes them (default detector on clean photos).
        default_file = args.cache / f"{args.backend}-{backend.version}.npz"
        if not default_file.exists():
            raise SystemExit("run once without --detector-side first (it makes the references)")
        with np.load(default_file) as data:
            for key, found, vec, yaw in zip(
                data["keys"], data["found"], data["vectors"], data["yaw"], strict=True
            ):
                if str(key).startswith("clean|"):
                    cached[str(key)] = (vec if found else None, float(yaw))
    cohort_spec = None
    if args.cohort_k:
        cohort_spec = (
            cohort_vectors(backend, args.data / "asian", args.cache / f"cohort-{args.backend}.npy"),
            args.cohort_k,
            args.cohort_alpha,
        )
        print(f"cohort normalisation: k={args.cohort_k}, alpha={args.cohort_alpha}")
    conditions = args.conditions.split(",")
    if "clean" not in conditions:
        conditions.insert(0, "clean")  # the references are clean photos
    vectors: dict[str, dict[str, tuple[np.ndarray | None, float]]] = defaultdict(dict)
    start = time.perf_counter()
    for condition in conditions:
        make = CONDITIONS[condition]
        for name, files in folders.items():
            chosen = files
            if args.sample and condition != "clean":
                chosen = sorted(files, key=lambda p: hashlib.sha256(str(p).encode()).digest())
                chosen = chosen[: args.sample]
            for path in chosen:
                key = f"{condition}|{path}"
                if key not in cached:
                    rng = _rng(condition, str(path))
                    distractors = [p for p in others if p.parent.name != name]
                    image, box = make(
                        path, distractors if condition in ("group", "crowd") else backgrounds, rng
                    )
                    cached[key] = embed_target(backend, image, box)
                vectors[condition][str(path)] = cached[key]
        print(
            f"  {condition}: composed and embedded ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    keys = sorted(cached)
    dim = backend.embedding_dim
    np.savez(
        cache_file,
        keys=np.array(keys),
        found=np.array([cached[k][0] is not None for k in keys]),
        vectors=np.stack(
            [cached[k][0] if cached[k][0] is not None else np.zeros(dim, np.float32) for k in keys]
        ),
        yaw=np.array([cached[k][1] for k in keys]),
    )

    clean = (
        vectors["clean"]
        if "clean" in vectors
        else {
            str(p): cached.get(f"clean|{p}", (None, 0.0))
            for files in folders.values()
            for p in files
        }
    )
    turned = {p for p, (v, yaw) in clean.items() if v is not None and yaw > 0.25}
    report = list(conditions) + (["turned"] if "clean" in conditions else [])
    print(
        f"\nbackend {args.backend} v{backend.version}; "
        f"shipped threshold {calibration.threshold:.4f}; "
        f"{args.rounds} rounds, {args.templates} clean references per enrolled artist, "
        "same-group look-alikes as the unknown faces"
    )
    print(
        f"{'condition':<15} {'detected':>8} {'named ok':>9} {'unknown named':>14} "
        f"{'named ok @0.5% oracle':>22}"
    )
    for condition in report:
        source = vectors["clean"] if condition == "turned" else vectors[condition]
        only = turned if condition == "turned" else None
        detected, named, unknown_named, oracle = evaluate(
            folders,
            clean,
            source,
            only,
            args.templates,
            args.rounds,
            calibration.threshold,
            cohort_spec,
        )
        print(
            f"{condition:<15} {detected:>8.3f} {named:>9.3f} {unknown_named:>14.4f} {oracle:>22.3f}"
        )
    print(f"('turned': {len(turned)} clean photos with a three-quarter or profile view)")


def cohort_vectors(backend: FaceBackend, folder: Path, cache: Path) -> np.ndarray:
    """Embeddings of the largest face of every East-Asian photo: impostors outside the roster."""
    if cache.exists():
        return np.load(cache)
    rows = []
    for files in identity_folders(folder).values():
        for path in files:
            with Image.open(path) as im:
                pixels = np.asarray(im.convert("RGB"))
            faces = backend.detect(pixels)
            if faces:
                largest = max(faces, key=lambda f: f.width * f.height)
                rows.append(backend.embed(pixels, [largest])[0])
    vectors = np.stack(rows).astype(np.float32)
    np.save(cache, vectors)
    return vectors


def evaluate(
    folders: dict[str, list[Path]],
    clean: dict[str, tuple[np.ndarray | None, float]],
    queries: dict[str, tuple[np.ndarray | None, float]],
    only: set[str] | None,
    templates: int,
    rounds: int,
    threshold: float,
    cohort: tuple[np.ndarray, int, float] | None = None,
) -> tuple[float, float, float, float]:
    """Detection rate, named correctly, unknown named (at ``threshold``), named at the oracle.

    ``cohort`` = (vectors, k, alpha): subtract alpha x the query's mean similarity to its k
    nearest cohort faces from every artist score (query-side adaptive score normalisation).
    """
    rng = np.random.default_rng(0)
    known_ok: list[tuple[bool, float]] = []  # (right label is best, its score); -1 if not detected
    unknown_scores: list[float] = []
    detected: list[bool] = []
    for _ in range(rounds):
        enrolled: list[str] = []
        for members in GROUPS.values():
            present = [m for m in members if m in folders]
            if len(present) == 1:
                if rng.random() < 0.5:
                    enrolled += present
            else:
                order = list(rng.permutation(present))
                enrolled += order[: max(1, len(order) // 2)]
        gallery: Gallery[str] = Gallery(
            dim=next(v.shape[0] for v, _ in clean.values() if v is not None)
        )
        plan: list[tuple[str | None, str]] = []
        for name, files in folders.items():
            if name in enrolled:
                usable = [str(f) for f in rng.permutation(files) if clean[str(f)][0] is not None]
                for f in usable[:templates]:
                    gallery.add(name, clean[f][0])  # type: ignore[arg-type]
                plan += [(name, f) for f in usable[templates:]]
            else:
                plan += [(None, str(f)) for f in files]
        for truth, f in plan:
            if (only is not None and f not in only) or f not in queries:
                continue
            vector = queries[f][0]
            detected.append(vector is not None)
            if vector is None:
                if truth is not None:
                    known_ok.append((False, -1.0))
                continue
            scores, labels = gallery.scores(vector[None, :])
            row = scores[0]
            if cohort is not None:
                vectors, k, alpha = cohort
                row = row - alpha * float(np.sort(vectors @ vector)[-k:].mean())
            best = int(np.argmax(row))
            best_name, best_score = labels[best], float(row[best])
            if truth is None:
                unknown_scores.append(best_score)
            else:
                known_ok.append((best_name == truth, best_score))
    unknown = np.array(unknown_scores) if unknown_scores else np.zeros(1)
    oracle_threshold = float(np.quantile(unknown, 0.995))
    named = np.mean([ok and score >= threshold for ok, score in known_ok])
    oracle = np.mean([ok and score > oracle_threshold for ok, score in known_ok])
    return (
        float(np.mean(detected)),
        float(named),
        float((unknown >= threshold).mean()),
        float(oracle),
    )


if __name__ == "__main__":
    main()
