"""The development data, its identity-disjoint splits, and the face landmarks found in it.

Splitting by file lets one person's photos sit on both sides, and a detector
can then score "is this someone I trained on" instead of "is this face
altered". The folders carry no identity labels, so people are grouped by
their ArcFace embeddings (cosine at or above ``SAME_PERSON``, joined
transitively) and whole groups are assigned to a split by a hash of their
first file, which keeps the split stable when files are added.

Splits: ``train`` (the only reals any model learns from), ``calib`` (where
thresholds are chosen), ``eval`` (reported figures only). Fakes are never
trained on: the face model learns from synthetic fakes of ``train`` reals.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
SAME_PERSON = 0.45
SPLIT_SHARES = (("train", 0.6), ("calib", 0.2), ("eval", 0.2))

# folder under the data root -> (family, label); label 1 = manipulated / generated
FOLDERS: dict[str, tuple[str, int]] = {
    "manipulation/lfw_faceswap/real": ("lfw_faceswap", 0),
    "manipulation/lfw_faceswap/fake": ("lfw_faceswap", 1),
    "manipulation/yonsei/real": ("yonsei", 0),
    "manipulation/yonsei/fake": ("yonsei", 1),
    "manipulation/gan_faces": ("gan_faces", 1),
    "recognition/kpop": ("kpop", 0),
    "recognition/asian": ("asian", 0),
    "recognition/celebs": ("celebs", 0),
}
# Families that only ever provide training reals (identification sets).
TRAIN_ONLY = {"kpop", "asian", "celebs"}


@dataclass(frozen=True)
class Record:
    path: str  # relative to the data root
    family: str
    label: int
    split: str
    landmarks: list[list[float]] | None  # five points of the main face, image pixels
    group: int  # identity group (or the file itself when no face was found)


def iter_files(root: Path) -> Iterator[tuple[str, str, int]]:
    for folder, (family, label) in FOLDERS.items():
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                yield str(path.relative_to(root)), family, label


def _bucket(key: str, seed: int) -> str:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    total = 0.0
    for name, share in SPLIT_SHARES:
        total += share
        if position < total:
            return name
    return SPLIT_SHARES[-1][0]


def identity_groups(embeddings: NDArray[np.float32], threshold: float = SAME_PERSON) -> list[int]:
    """Connected components of the "same person" graph (union-find over all pairs)."""
    count = len(embeddings)
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if count:
        similarity = embeddings @ embeddings.T
        rows, cols = np.nonzero(np.triu(similarity >= threshold, k=1))
        for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[max(root_a, root_b)] = min(root_a, root_b)
    return [find(i) for i in range(count)]


def assign_splits(
    paths: list[str],
    families: list[str],
    embeddings: list[NDArray[np.float32] | None],
    seed: int = 0,
) -> tuple[list[str], list[int]]:
    """Split and identity group for every file; groups never straddle splits within a family."""
    splits = [""] * len(paths)
    groups = [-1] * len(paths)
    next_group = 0
    for family in sorted(set(families)):
        members = [i for i, f in enumerate(families) if f == family]
        with_face = [i for i in members if embeddings[i] is not None]
        matrix = (
            np.stack([embeddings[i] for i in with_face]).astype(np.float32)
            if with_face
            else np.zeros((0, 512), np.float32)
        )
        local = identity_groups(matrix)
        first_path: dict[int, str] = {}
        for position, root in enumerate(local):
            i = with_face[position]
            first_path.setdefault(root, paths[i])
            groups[i] = next_group + root
        next_group += len(with_face) + 1
        for i in members:
            if groups[i] < 0:
                groups[i] = next_group
                next_group += 1
        for position, root in enumerate(local):
            i = with_face[position]
            splits[i] = "train" if family in TRAIN_ONLY else _bucket(first_path[root], seed)
        for i in members:
            if not splits[i]:
                splits[i] = "train" if family in TRAIN_ONLY else _bucket(paths[i], seed)
    return splits, groups


def load_records(index_file: Path) -> list[Record]:
    data = json.loads(index_file.read_text())
    return [Record(**row) for row in data["records"]]


def records_where(
    records: list[Record], *, split: str | None = None, family: str | None = None
) -> list[Record]:
    return [
        r
        for r in records
        if (split is None or r.split == split) and (family is None or r.family == family)
    ]


def training_arguments(doc: str, *, fpr: float | None = None) -> argparse.ArgumentParser:
    """The options every step shares; steps that write a model card also get ``--fpr``."""
    from idolguard.forensics.face_model import MODEL_DIR

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", type=Path, default=Path(".cache/manipulation"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    if fpr is not None:
        parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
        parser.add_argument("--fpr", type=float, default=fpr, help="calib reals flagged")
        parser.add_argument("--version", default="1")
    return parser
