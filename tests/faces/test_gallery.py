from __future__ import annotations

import numpy as np
import pytest

from idolguard.faces.gallery import Gallery, mean_embedding


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_scores_blend_best_template_and_centroid() -> None:
    gallery: Gallery[str] = Gallery(dim=3)
    gallery.add("a", unit(1, 0, 0))
    gallery.add("b", unit(0, 1, 0))
    gallery.add("a", unit(0, 0, 1))
    query = unit(1, 0, 0)
    scores, labels = gallery.scores(query[None])
    assert labels == ["a", "b"]
    centroid = mean_embedding([unit(1, 0, 0), unit(0, 0, 1)])
    assert scores[0, 0] == pytest.approx(0.5 * (1.0 + float(centroid @ query)))
    assert scores[0, 1] == pytest.approx(0.0, abs=1e-6)


def test_search_ranks_labels_and_sees_additions() -> None:
    gallery: Gallery[int] = Gallery(dim=2)
    gallery.add(1, unit(1, 0))
    assert gallery.search(unit(0, 1)[None], k=3)[0][0][0] == 1
    gallery.add(2, unit(0, 1))
    ranked = gallery.search(unit(0.2, 1)[None], k=3)[0]
    assert [label for label, _ in ranked] == [2, 1]
    assert ranked[0][1] > ranked[1][1]


def test_empty_gallery_and_wrong_dimension() -> None:
    gallery: Gallery[str] = Gallery(dim=4)
    assert gallery.search(np.zeros((2, 4), np.float32)) == [[], []]
    with pytest.raises(ValueError, match="4-d"):
        gallery.add("x", np.ones(3, np.float32))


def test_thousands_of_templates_search_in_one_product() -> None:
    rng = np.random.default_rng(0)
    gallery: Gallery[int] = Gallery(dim=64)
    vectors = rng.normal(size=(3000, 64)).astype(np.float32)
    for i, v in enumerate(vectors):
        gallery.add(i % 1000, v)
    query = vectors[1234] / np.linalg.norm(vectors[1234])
    assert gallery.search(query[None], k=1)[0][0][0] == 1234 % 1000
