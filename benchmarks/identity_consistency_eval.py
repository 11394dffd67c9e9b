"""Identity consistency on swaps whose source and target identities are known.

Not part of the test suite. For each identity A of the development face sets
(``recognition/asian`` web photos, ``recognition/lfw`` photos; both show the
whole head, unlike the tight K-pop crops), the first photos are A's
enrolment references; A's other photos are the *genuine* queries. A *swap*
query puts the inner face of one of A's other photos onto a photo of another
person B of the same set (``forensics.synth.face_swap`` on aligned crops,
pasted back into B's whole photo, which then goes through face detection
again). Every query is compared with A's references exactly as a scan does
(``forensics.consistency``): the ArcFace identity score (inner) and the
masked-head CLIP score (outer). Only queries *named* as A (identity score at
the naming threshold or above) count: the signal runs only on those.

Identities are split by a hash of their name: ``calib`` fits the logistic
model and its threshold (5 % FPR on calib genuine), ``report`` gives the
figures (AUC, TPR at 1 % FPR on genuine photos, and at the shipped
threshold). ``--write`` stores the fitted model in
``forensics/models/identity_consistency.json``. Per-face cost: the outer
view and its CLIP embedding, median over the queries, one thread.

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=src:. python benchmarks/identity_consistency_eval.py [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from idolguard.faces.arcface import ArcFaceBackend
from idolguard.faces.calibration import load_calibration
from idolguard.faces.gallery import label_score
from idolguard.forensics import synth
from idolguard.forensics.ai_model import shared_encoder
from idolguard.forensics.consistency import (
    FEATURE_VERSION,
    MODEL_FILE,
    load_consistency_model,
    outer_embeddings,
    outer_similarity,
)
from idolguard.forensics.crop import face_crop
from idolguard.forensics.face_model import MODEL_DIR

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "recognition"
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "identity_consistency"
REFERENCES = 3
QUERIES = 3
CALIB_FPR = 0.05
SWAP_TRIES = 8


@dataclass(frozen=True)
class Face:
    inner: NDArray[np.float32]  # ArcFace embedding
    outer: NDArray[np.float32]  # CLIP embedding of the masked head
    ms: float  # outer view + CLIP, this face


class Extractor:
    def __init__(self) -> None:
        self.backend = ArcFaceBackend(threads=1)
        self.encoder = shared_encoder(1)

    def largest(self, pixels: NDArray[np.uint8]) -> tuple[NDArray[np.float32], Face] | None:
        faces = [f for f in self.backend.detect_faces(pixels) if f.score >= 0.5]
        if not faces:
            return None
        face = max(faces, key=lambda f: f.width * f.height)
        inner = self.backend.embed(pixels, [face])[0]
        start = time.perf_counter()
        outer = outer_embeddings(self.encoder, pixels, [face.landmarks])[0]
        ms = (time.perf_counter() - start) * 1000
        return face.landmarks, Face(inner, outer, ms)


def load(path: Path) -> NDArray[np.uint8]:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def identities(limit: int, references: int) -> Iterator[tuple[str, list[Path]]]:
    minimum = references + 2
    for folder in ("asian", "lfw"):
        found = 0
        for person in sorted((DATA / folder).iterdir()):
            if not person.is_dir():
                continue
            photos = sorted(p for p in person.iterdir() if p.suffix.lower() in (".jpg", ".png"))
            if len(photos) >= minimum:
                yield f"{folder}/{person.name}", photos[: references + QUERIES]
                found += 1
                if found >= limit:
                    break


def split_of(name: str) -> str:
    return "calib" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 == 0 else "report"


def cached(key: str, make: object) -> Face | None:
    path = CACHE / FEATURE_VERSION / (hashlib.sha256(key.encode()).hexdigest()[:24] + ".npz")
    if path.exists():
        data = np.load(path)
        if data["inner"].size == 0:
            return None
        return Face(data["inner"], data["outer"], float(data["ms"]))
    face = make()  # type: ignore[operator]
    path.parent.mkdir(parents=True, exist_ok=True)
    if face is None:
        np.savez(path, inner=np.zeros(0), outer=np.zeros(0), ms=0.0)
    else:
        np.savez(path, inner=face.inner, outer=face.outer, ms=face.ms)
    return face  # type: ignore[no-any-return]


def swapped(
    extractor: Extractor,
    query: Path,
    target: Path,
    seed: int,
    ref_inner: NDArray[np.float32],
    threshold: float,
) -> Face | None:
    """A's face (``query``) swapped onto B's photo (``target``), named as A if any try is.

    ``synth.face_swap`` draws random masks (whole face, inner face, single
    parts) and strengths; many carry too little of A to be named as A, and
    only named faces are ever judged for consistency, so up to ``SWAP_TRIES``
    masks are drawn and the first swap named as A is kept (else the last).
    """
    source_pixels, target_pixels = load(query), load(target)
    source = extractor.largest(source_pixels)
    host = extractor.largest(target_pixels)
    if source is None or host is None:
        return None
    source_crop, _ = face_crop(source_pixels, source[0])
    target_crop, matrix = face_crop(target_pixels, host[0])
    rng = np.random.default_rng(seed)
    found = None
    for _ in range(SWAP_TRIES):
        fake, mask = synth.face_swap(target_crop, source_crop, rng)
        found = extractor.largest(synth.paste_back(target_pixels, fake, mask, matrix))
        if found is not None and label_score(found[1].inner, ref_inner) >= threshold:
            break
    return None if found is None else found[1]


def auc(negatives: list[float], positives: list[float]) -> float:
    neg, pos = np.asarray(negatives), np.asarray(positives)
    if not len(neg) or not len(pos):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def tpr_at(negatives: list[float], positives: list[float], fpr: float) -> tuple[float, float]:
    """The threshold passing at most ``fpr`` of negatives, and the positives it catches."""
    neg = np.sort(np.asarray(negatives))[::-1]
    allowed = int(np.floor(fpr * len(neg)))
    threshold = float(neg[allowed]) + 1e-9 if allowed < len(neg) else float("-inf")
    return threshold, float(np.mean(np.asarray(positives) >= threshold))


def fit_logistic(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weights (inner, outer, bias) by Newton's method with a little L2 (class-balanced)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weights = np.where(y == 1, 0.5 / max(1, int(y.sum())), 0.5 / max(1, int((1 - y).sum())))
    beta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ beta)))
        gradient = design.T @ (weights * (p - y)) + 1e-3 * beta
        hessian = (design * (weights * p * (1 - p))[:, None]).T @ design + 1e-3 * np.eye(len(beta))
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=40, help="identities per folder")
    parser.add_argument(
        "--feature",
        choices=("raw", "cohort", "zscore"),
        default="cohort",
        help="outer feature: raw similarity, or minus the mean over the other identities",
    )
    parser.add_argument(
        "--references", type=int, default=REFERENCES, help="enrolment photos per identity"
    )
    parser.add_argument(
        "--shipped", action="store_true", help="score with the shipped model instead of a fit"
    )
    parser.add_argument("--write", action="store_true", help="store the fitted model")
    args = parser.parse_args()
    extractor = Extractor()
    threshold = load_calibration("arcface").threshold
    rng = np.random.default_rng(19)
    people = list(identities(args.limit, args.references))
    by_folder: dict[str, list[tuple[str, list[Path]]]] = {}
    for name, photos in people:
        by_folder.setdefault(name.split("/")[0], []).append((name, photos))

    def photo_face(path: Path) -> Face | None:
        def make() -> Face | None:
            found = extractor.largest(load(path))
            return None if found is None else found[1]

        return cached(str(path), make)

    rows: list[dict[str, object]] = []
    ref_outers: dict[str, NDArray[np.float32]] = {}
    for name, photos in people:
        refs = [f for f in (photo_face(p) for p in photos[: args.references]) if f is not None]
        if len(refs) < 2:
            continue
        ref_inner = np.stack([f.inner for f in refs])
        ref_outer = np.stack([f.outer for f in refs])
        ref_outers[name] = ref_outer
        split = split_of(name)
        folder = by_folder[name.split("/")[0]]
        others = [o for o in folder if o[0] != name and split_of(o[0]) == split]
        others = others or [o for o in folder if o[0] != name]
        for query in photos[args.references :]:
            genuine = photo_face(query)
            _target, target_photos = others[int(rng.integers(len(others)))]
            target = target_photos[int(rng.integers(len(target_photos)))]
            seed = int(rng.integers(1 << 31))

            swap = cached(
                f"swap{SWAP_TRIES}|{query}|{target}|{seed}",
                partial(swapped, extractor, query, target, seed, ref_inner, threshold),
            )
            for kind, face in (("genuine", genuine), ("swap", swap)):
                if face is None:
                    continue
                rows.append(
                    {
                        "identity": name,
                        "split": split,
                        "kind": kind,
                        "inner": label_score(face.inner, ref_inner),
                        "outer": outer_similarity(face.outer, ref_outer),
                        "ms": face.ms,
                        "vector": face.outer,
                    }
                )
        print(f"{name}: {len(rows)} rows", file=sys.stderr)

    for row in rows:
        # The cohort: the other enrolled identities of the same set (a scan's other artists).
        folder = str(row["identity"]).split("/")[0]
        cohort = [
            outer_similarity(row["vector"], refs)  # type: ignore[arg-type]
            for other, refs in ref_outers.items()
            if other != row["identity"] and other.split("/")[0] == folder
        ]
        row["cohort"] = float(np.mean(cohort))
        row["cohort_std"] = float(np.std(cohort))
        row["outer_raw"] = row["outer"]
        if args.feature == "cohort":
            row["outer"] = float(row["outer_raw"]) - float(row["cohort"])  # type: ignore[arg-type]
        elif args.feature == "zscore":
            row["outer"] = (float(row["outer_raw"]) - float(row["cohort"])) / max(  # type: ignore[arg-type]
                float(row["cohort_std"]),
                1e-3,  # type: ignore[arg-type]
            )
    named = [r for r in rows if float(r["inner"]) >= threshold]  # type: ignore[arg-type]
    for kind in ("genuine", "swap"):
        total = sum(1 for r in rows if r["kind"] == kind)
        hit = sum(1 for r in named if r["kind"] == kind)
        print(f"{kind}: {hit}/{total} named as the enrolled artist")
    calib = [r for r in named if r["split"] == "calib"]
    x = np.array([[r["inner"], r["outer"]] for r in calib], dtype=np.float64)
    y = np.array([1.0 if r["kind"] == "swap" else 0.0 for r in calib])
    beta = fit_logistic(x, y)
    if args.shipped:
        model = load_consistency_model()
        beta = np.array([model.inner_weight, model.outer_weight, model.bias])

    def probability(row: dict[str, object]) -> float:
        z = beta[0] * float(row["inner"]) + beta[1] * float(row["outer"]) + beta[2]  # type: ignore[arg-type]
        return float(1 / (1 + np.exp(-z)))

    calib_genuine = [probability(r) for r in calib if r["kind"] == "genuine"]
    calib_swaps = [probability(r) for r in calib if r["kind"] == "swap"]
    shipped, _ = tpr_at(calib_genuine, calib_swaps, CALIB_FPR)
    if args.shipped:
        shipped = load_consistency_model().threshold
    print(
        f"{'shipped' if args.shipped else 'fitted'}: inner {beta[0]:.3f}, "
        f"outer {beta[1]:.3f}, bias {beta[2]:.3f}; "
        f"threshold {shipped:.3f} ({CALIB_FPR:.0%} FPR on calib genuine)"
    )
    print("split        | genuine | swaps | AUC   | AUC outer only | TPR@1%FPR ", end="")
    print("| TPR / FPR at threshold")
    for split in ("calib", "report", "report/asian", "report/lfw"):
        half, _, folder = split.partition("/")
        part = [r for r in named if r["split"] == half and str(r["identity"]).startswith(folder)]
        genuine = [probability(r) for r in part if r["kind"] == "genuine"]
        swaps = [probability(r) for r in part if r["kind"] == "swap"]
        outer_auc = auc(
            [-float(r["outer"]) for r in part if r["kind"] == "genuine"],  # type: ignore[arg-type]
            [-float(r["outer"]) for r in part if r["kind"] == "swap"],  # type: ignore[arg-type]
        )
        _, tpr1 = tpr_at(genuine, swaps, 0.01)
        tpr = float(np.mean(np.asarray(swaps) >= shipped))
        fpr = float(np.mean(np.asarray(genuine) >= shipped))
        print(
            f"{split:12} | {len(genuine):7} | {len(swaps):5} | {auc(genuine, swaps):.3f} | "
            f"{outer_auc:.3f}          | {tpr1:.3f}     | {tpr:.3f} / {fpr:.3f}"
        )
    costs = [float(r["ms"]) for r in rows if float(r["ms"]) > 0]  # type: ignore[arg-type]
    print(f"outer view + CLIP per face: median {statistics.median(costs):.1f} ms (1 thread)")
    if args.write and not args.shipped:
        report = [r for r in named if r["split"] == "report"]
        model = {
            # Named after its weights: results of another fit are never mixed with these.
            "version": f"{FEATURE_VERSION}-lr-"
            + hashlib.sha256(np.round(beta, 6).tobytes()).hexdigest()[:6],
            "inner_weight": round(float(beta[0]), 6),
            "outer_weight": round(float(beta[1]), 6),
            "bias": round(float(beta[2]), 6),
            "threshold": round(shipped, 6),
            "cohort_default": round(
                float(np.mean([float(r["cohort"]) for r in calib])),  # type: ignore[arg-type]
                6,
            ),
            "feature": args.feature,
            "calib_fpr": CALIB_FPR,
            "report_auc": round(
                auc(
                    [probability(r) for r in report if r["kind"] == "genuine"],
                    [probability(r) for r in report if r["kind"] == "swap"],
                ),
                4,
            ),
            "data": "recognition/asian + recognition/lfw, identity-disjoint calib/report halves; "
            "swaps by forensics.synth.face_swap",
        }
        (MODEL_DIR / MODEL_FILE).write_text(json.dumps(model, indent=2) + "\n")
        print(f"wrote {MODEL_DIR / MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
