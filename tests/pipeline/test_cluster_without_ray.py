"""Without the `cluster` extra, asking for a cluster says how to install it."""

from __future__ import annotations

import sys

import pytest

from idolguard.pipeline.cluster import ClusterError, connect


def test_a_cluster_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as when not installed
    with pytest.raises(ClusterError, match=r"pip install 'idolguard\[cluster\]'"):
        connect("auto")
