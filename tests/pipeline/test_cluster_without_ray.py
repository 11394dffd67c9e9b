"""Without the `cluster` extra, asking for a cluster says how to install it, and the default
local scan never needs Ray."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.pipeline.cluster import ClusterError, connect


def test_a_cluster_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as when not installed
    with pytest.raises(ClusterError, match=r"pip install 'idolguard\[cluster\]'"):
        connect("auto")


def test_the_default_scan_does_not_touch_ray(
    sqlite_settings: Settings, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with IdolGuard(sqlite_settings) as app:
        scanner = app.scanner(["pdq"], workers=0)
        summary = scanner.run([samples_dir])
    assert scanner.cluster is None and scanner._cluster_stage is None
    assert summary.failed == 0 and summary.analysed == summary.total > 0
