from __future__ import annotations

import numpy as np
from training.manipulation.dataset import assign_splits, identity_groups


def unit(v: list[float]) -> np.ndarray:
    a = np.array(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def test_identity_groups_join_transitively() -> None:
    a, b, c = unit([1, 0, 0]), unit([0.8, 0.6, 0]), unit([0.3, 0.95, 0])
    far = unit([0, 0, 1])
    groups = identity_groups(np.stack([a, b, c, far]), threshold=0.7)
    # a~b and b~c, though a and c are not similar themselves: one person.
    assert groups[0] == groups[1] == groups[2] != groups[3]


def test_one_person_never_straddles_splits() -> None:
    rng = np.random.default_rng(1)
    people = [unit(list(rng.normal(size=16))) for _ in range(40)]
    paths, families, embeddings = [], [], []
    for person, centre in enumerate(people):
        for shot in range(3):
            paths.append(f"fam/{person}-{shot}.jpg")
            families.append("lfw_faceswap")
            embeddings.append(unit(list(centre + rng.normal(scale=0.05, size=16))))
    paths.append("fam/noface.jpg")
    families.append("lfw_faceswap")
    embeddings.append(None)
    splits, groups = assign_splits(paths, families, embeddings, seed=0)
    for person in range(40):
        assert len({splits[3 * person + k] for k in range(3)}) == 1
        assert len({groups[3 * person + k] for k in range(3)}) == 1
    assert set(splits) <= {"train", "calib", "eval"} and len(set(splits[:-1])) == 3
    # Deterministic: the same files give the same split.
    assert assign_splits(paths, families, embeddings, seed=0)[0] == splits


def test_identification_sets_only_ever_train() -> None:
    splits, _ = assign_splits(["kpop/a.jpg", "kpop/b.jpg"], ["kpop", "kpop"], [None, None])
    assert splits == ["train", "train"]
