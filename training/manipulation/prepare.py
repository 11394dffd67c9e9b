"""Step 1: find the main face in every development image, group identities, fix the splits.

Writes ``index.json`` (every file with family, label, split, landmarks and
identity group) and ``train_crops.npz`` (aligned working-size crops of the
training reals, which the trainer turns into fakes on the fly) to the cache
folder. Runs with the ``arcface`` face backend, the one scans use by default,
so training crops are cut from the same landmarks as scan-time crops.

    python -m training.manipulation.prepare --data ../shared/data --out .cache/manipulation
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from idolguard.faces import load_backend
from idolguard.forensics.crop import WORK_SIZE, face_crop
from training.manipulation.dataset import assign_splits, iter_files


def main_face(backend, pixels):  # type: ignore[no-untyped-def]
    """The most central of the larger faces: development images show one person each."""
    faces = backend.detect(pixels)
    if not faces:
        return None
    height, width = pixels.shape[:2]
    centre = np.array([width / 2, height / 2])

    def rank(face):  # type: ignore[no-untyped-def]
        middle = face.landmarks.mean(axis=0)
        offset = float(np.linalg.norm(middle - centre)) / max(width, height)
        return face.eye_distance * face.score * (1.0 - offset)

    return max(faces, key=rank)


def run(data: Path, out: Path, seed: int, force: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.json"
    if force or not index.exists():
        detect_and_split(data, index, seed)
    else:
        print(f"reusing {index} (--force to detect again)")
    write_train_crops(data, out, json.loads(index.read_text())["records"])


def detect_and_split(data: Path, index: Path, seed: int) -> None:
    backend = load_backend("arcface", threads=2, detector_side=640)
    files = list(iter_files(data))
    if not files:
        sys.exit(f"no development images under {data}")
    landmarks: list[list[list[float]] | None] = []
    embeddings: list[np.ndarray | None] = []
    started = time.monotonic()
    for n, (relative, _family, _label) in enumerate(files, 1):
        pixels = np.asarray(Image.open(data / relative).convert("RGB"), dtype=np.uint8)
        face = main_face(backend, pixels)
        if face is None:
            landmarks.append(None)
            embeddings.append(None)
        else:
            landmarks.append([[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks])
            embeddings.append(backend.embed(pixels, [face])[0])
        if n % 500 == 0:
            print(f"  {n}/{len(files)} images, {time.monotonic() - started:.0f} s", flush=True)
    paths = [f[0] for f in files]
    families = [f[1] for f in files]
    splits, groups = assign_splits(paths, families, embeddings, seed=seed)
    records = [
        {
            "path": path,
            "family": family,
            "label": label,
            "split": split,
            "landmarks": marks,
            "group": group,
        }
        for (path, family, label), split, marks, group in zip(
            files, splits, landmarks, groups, strict=True
        )
    ]
    index.write_text(json.dumps({"seed": seed, "records": records}))
    summary: dict[str, dict[str, int]] = {}
    for record in records:
        key = f"{record['family']}/{'fake' if record['label'] else 'real'}"
        row = summary.setdefault(key, {"train": 0, "calib": 0, "eval": 0, "no_face": 0})
        row[record["split"]] += 1
        row["no_face"] += record["landmarks"] is None
    for key, row in sorted(summary.items()):
        print(f"  {key:24s} {row}")
    print(f"detection and splits: {time.monotonic() - started:.0f} s")


def write_train_crops(data: Path, out: Path, records: list[dict]) -> None:  # type: ignore[type-arg]
    crops, crop_groups, crop_paths = [], [], []
    for record in records:
        if record["split"] != "train" or record["label"] != 0 or record["landmarks"] is None:
            continue
        pixels = np.asarray(Image.open(data / record["path"]).convert("RGB"), dtype=np.uint8)
        crop, _ = face_crop(pixels, np.array(record["landmarks"]), size=WORK_SIZE)
        crops.append(crop)
        crop_groups.append(record["group"])
        crop_paths.append(record["path"])
    np.savez(
        out / "train_crops.npz",
        crops=np.stack(crops),
        groups=np.array(crop_groups),
        paths=np.array(crop_paths),
    )
    print(f"{len(crops)} training crops written to {out / 'train_crops.npz'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path(".cache/manipulation"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="detect faces again")
    args = parser.parse_args()
    run(args.data, args.out, args.seed, args.force)


if __name__ == "__main__":
    main()
