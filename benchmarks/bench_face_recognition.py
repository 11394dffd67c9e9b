"""Face detection and identification accuracy on the development face data.

Reproduce (from the repository root, after scripts/bootstrap):

    .venv/bin/python benchmarks/bench_face_recognition.py --backend arcface
    .venv/bin/python benchmarks/bench_face_recognition.py --backend dlib

Reads ``../shared/data/recognition`` (override with ``--data``); embeddings are
cached under ``--cache`` so re-runs only redo the statistics. Prints:

* detection recall per set (images where a face was found);
* LFW verification accuracy on the standard 6,000 pairs, 10-fold (threshold
  chosen on nine folds, accuracy measured on the tenth);
* open-set identification on the K-pop and East-Asian sets: identities are
  split into enrolled and unknown (repeated over random splits); enrolled
  artists get ``--templates`` reference photos, every other photo of them is
  a query that must be named correctly, and every photo of an unknown
  identity must come back unnamed. The threshold used is the one shipped in
  the backend's calibration file (chosen on *other* data), so these figures
  are not tuned on the queries they report.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from idolguard.faces import load_backend
from idolguard.faces.calibration import load_calibration
from idolguard.faces.gallery import Gallery

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
_BACKEND = None


def _init(name: str) -> None:
    global _BACKEND
    _BACKEND = load_backend(name, threads=1)


def _embed_one(path: str) -> tuple[str, np.ndarray | None, float]:
    assert _BACKEND is not None
    with Image.open(path) as im:
        image = np.asarray(im.convert("RGB"))
    start = time.perf_counter()
    faces = _BACKEND.detect(image)
    if not faces:
        return path, None, time.perf_counter() - start
    height, width = image.shape[:2]
    centre = np.array([width / 2, height / 2])

    def rank(face: object) -> float:
        # The labelled person is the biggest face, ties broken towards the centre.
        x1, y1, x2, y2 = face.box  # type: ignore[attr-defined]
        area = (x2 - x1) * (y2 - y1)
        offset = np.linalg.norm(np.array([(x1 + x2) / 2, (y1 + y2) / 2]) - centre)
        return area - 4.0 * offset**2

    best = max(faces, key=rank)
    vector = _BACKEND.embed(image, [best])[0]
    return path, vector, time.perf_counter() - start


def embed_all(
    backend: str, paths: Sequence[Path], cache: Path, workers: int
) -> dict[str, np.ndarray | None]:
    cache.parent.mkdir(parents=True, exist_ok=True)
    done: dict[str, np.ndarray | None] = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            for key, found, vec in zip(data["paths"], data["found"], data["vectors"], strict=True):
                done[str(key)] = vec if found else None
    todo = [str(p) for p in paths if str(p) not in done]
    if todo:
        print(f"  embedding {len(todo)} images with {backend} on {workers} workers ...", flush=True)
        start = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(backend,)) as pool:
            for i, (path, vector, _) in enumerate(pool.map(_embed_one, todo, chunksize=16)):
                done[path] = vector
                if (i + 1) % 1000 == 0:
                    print(f"    {i + 1}/{len(todo)}", flush=True)
        elapsed = time.perf_counter() - start
        print(f"  {len(todo) / elapsed:.1f} images/s (detect + embed)", flush=True)
        dim = next((v.shape[0] for v in done.values() if v is not None), 1)
        keys = sorted(done)
        np.savez(
            cache,
            paths=np.array(keys),
            found=np.array([done[k] is not None for k in keys]),
            vectors=np.stack(
                [done[k] if done[k] is not None else np.zeros(dim, np.float32) for k in keys]
            ),
        )
    return {str(p): done[str(p)] for p in paths}


def identity_folders(root: Path, skip: Sequence[str] = ()) -> dict[str, list[Path]]:
    folders = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in skip):
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            folders[folder.name] = files
    return folders


def lfw_pairs(root: Path) -> list[tuple[Path, Path, bool]]:
    lines = (root / "pairs.txt").read_text().split("\n")[1:]
    pairs = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3:
            name, a, b = parts
            pairs.append((_lfw(root, name, a), _lfw(root, name, b), True))
        elif len(parts) == 4:
            n1, a, n2, b = parts
            pairs.append((_lfw(root, n1, a), _lfw(root, n2, b), False))
    return pairs


def _lfw(root: Path, name: str, number: str) -> Path:
    return root / name / f"{name}_{int(number):04d}.jpg"


def lfw_accuracy(pairs: list[tuple[Path, Path, bool]], vectors: dict[str, np.ndarray | None]):
    sims = np.array(
        [
            float(vectors[str(a)] @ vectors[str(b)])  # type: ignore[operator]
            if vectors[str(a)] is not None and vectors[str(b)] is not None
            else -1.0
            for a, b, _ in pairs
        ]
    )
    same = np.array([s for _, _, s in pairs])
    n_folds = max(2, len(pairs) // 600)
    folds = np.arange(len(pairs)) // (len(pairs) // n_folds)
    accuracies = []
    for fold in range(n_folds):
        train, test = folds != fold, folds == fold
        candidates = np.unique(sims[train])
        best = max(candidates, key=lambda t: np.mean((sims[train] >= t) == same[train]))
        accuracies.append(np.mean((sims[test] >= best) == same[test]))
    return float(np.mean(accuracies)), float(np.std(accuracies)), sims, same


def open_set_trials(
    folders: dict[str, list[Path]],
    vectors: dict[str, np.ndarray | None],
    *,
    templates: int,
    unknown_fraction: float,
    splits: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulated enrol-and-query rounds.

    Returns, per query: whether its identity was enrolled, whether the best
    gallery label is the right one, and the best score. Each round enrols a
    random two thirds of the identities with ``templates`` random photos each.
    """
    rng = np.random.default_rng(seed)
    names = [n for n, files in folders.items() if len(files) > templates]
    known, correct, best_scores = [], [], []
    for _ in range(splits):
        order = rng.permutation(names)
        n_unknown = max(1, round(len(order) * unknown_fraction))
        unknown, enrolled = order[:n_unknown], order[n_unknown:]
        gallery: Gallery[str] = Gallery(dim=_dim(vectors))
        queries: list[tuple[str | None, np.ndarray]] = []
        for name in enrolled:
            files = [f for f in rng.permutation(folders[name]) if vectors[str(f)] is not None]
            for f in files[:templates]:
                gallery.add(str(name), vectors[str(f)])  # type: ignore[arg-type]
            queries += [(str(name), vectors[str(f)]) for f in files[templates:]]  # type: ignore[misc]
        for name in unknown:
            queries += [
                (None, vectors[str(f)]) for f in folders[name] if vectors[str(f)] is not None
            ]  # type: ignore[misc]
        if not queries:
            continue
        for (truth, _), candidates in zip(
            queries, gallery.search(np.stack([q for _, q in queries]), k=1), strict=True
        ):
            best_name, best_score = candidates[0]
            known.append(truth is not None)
            correct.append(best_name == truth)
            best_scores.append(best_score)
    return np.array(known), np.array(correct), np.array(best_scores)


def open_set(
    folders: dict[str, list[Path]],
    vectors: dict[str, np.ndarray | None],
    *,
    threshold: float,
    templates: int,
    unknown_fraction: float,
    splits: int,
    seed: int,
) -> dict[str, float]:
    known, correct, scores = open_set_trials(
        folders,
        vectors,
        templates=templates,
        unknown_fraction=unknown_fraction,
        splits=splits,
        seed=seed,
    )
    unknown_scores = scores[~known]
    at_1pct = float(np.quantile(unknown_scores, 0.99))
    return {
        "known_queries": known.sum() / splits,
        "unknown_queries": (~known).sum() / splits,
        "rank1": float(correct[known].mean()),
        "named_correctly": float((correct & (scores >= threshold))[known].mean()),
        "unknown_false_named": float((unknown_scores >= threshold).mean()),
        "threshold_at_1pct": at_1pct,
        "named_correctly_at_1pct": float((correct & (scores > at_1pct))[known].mean()),
    }


def _dim(vectors: dict[str, np.ndarray | None]) -> int:
    return next(v.shape[0] for v in vectors.values() if v is not None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="arcface")
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/recognition"
    )
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/idolguard-bench")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--templates", type=int, default=5)
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--skip-lfw", action="store_true")
    parser.add_argument(
        "--lfw-folds", type=int, default=10, help="use only the first N folds (slow backends)"
    )
    args = parser.parse_args()

    calibration = load_calibration(args.backend)
    print(
        f"backend {args.backend}: shipped threshold {calibration.threshold:.4f} "
        f"(unknown named {calibration.far:.2%} on {calibration.source})"
    )
    sets = {
        "kpop": identity_folders(args.data / "kpop"),
        "asian": identity_folders(args.data / "asian"),
    }
    results = {}
    for set_name, folders in sets.items():
        paths = [p for files in folders.values() for p in files]
        vectors = embed_all(
            args.backend, paths, args.cache / f"{args.backend}-{set_name}.npz", args.workers
        )
        found = sum(v is not None for v in vectors.values())
        print(
            f"{set_name}: {len(folders)} identities, {len(paths)} images, "
            f"face found in {found / len(paths):.1%}"
        )
        results[set_name] = open_set(
            folders,
            vectors,
            threshold=calibration.threshold,
            templates=args.templates,
            unknown_fraction=1 / 3,
            splits=args.splits,
            seed=0,
        )
        r = results[set_name]
        print(
            f"  open set ({args.templates} templates, 1/3 of identities unknown, "
            f"{args.splits} splits): "
            f"rank-1 {r['rank1']:.1%}, named correctly {r['named_correctly']:.1%}, "
            f"unknown wrongly named {r['unknown_false_named']:.2%} "
            f"({r['known_queries']:.0f} known + {r['unknown_queries']:.0f} unknown "
            "queries per split)"
        )
        print(
            f"  at the threshold giving exactly 1% unknown wrongly named on this set "
            f"({r['threshold_at_1pct']:.3f}): named correctly {r['named_correctly_at_1pct']:.1%}"
        )
    if not args.skip_lfw:
        lfw = args.data / "lfw"
        pairs = lfw_pairs(lfw)[: 600 * args.lfw_folds]
        paths = sorted({str(p) for a, b, _ in pairs for p in (a, b)})
        vectors = embed_all(
            args.backend,
            [Path(p) for p in paths],
            args.cache / f"{args.backend}-lfw.npz",
            args.workers,
        )
        found = sum(v is not None for v in vectors.values())
        mean, std, _, _ = lfw_accuracy(pairs, vectors)
        print(
            f"lfw: {len(pairs)} pairs, face found in {found}/{len(paths)} images; "
            f"verification accuracy {mean:.2%} ± {std:.2%} ({len(pairs) // 600}-fold)"
        )


if __name__ == "__main__":
    main()
