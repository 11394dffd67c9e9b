"""Scanning on a real local Ray cluster: separate worker processes, a real database.

One cluster serves the whole module (two CPUs, so two actor processes, and a
small object store). The database is the PostgreSQL test server when
``IDOLGUARD_TEST_POSTGRES_URL`` is set (CI), SQLite otherwise. The module skips
only when Ray (the ``cluster`` extra) is not installed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.domain import banks as banks_module
from idolguard.pipeline.cluster import AnalysisActor, ClusterStage, stop_shared_stages
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.worker import analyse_file, build_worker_state
from idolguard.storage.models import Media, Sighting
from tests.conftest import POSTGRES_ENV, _reset_postgres

ray = pytest.importorskip("ray", reason="cluster tests need the `cluster` extra (Ray)")

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

SIGNALS = ["pdq", "vpdq", "bank_match"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A local Ray cluster on loopback with two worker CPUs; its address."""
    ray.init(
        address="local",  # a new cluster, whatever `ray start` left recorded on this host
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=80 * 1024 * 1024,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level="WARNING",
    )
    yield str(ray.get_runtime_context().gcs_address)
    ray.shutdown()


@pytest.fixture
def cluster_app(tmp_path: Path) -> Iterator[IdolGuard]:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'idolguard.sqlite3'}"
    settings = replace(
        load_settings(environ={}, home=tmp_path / "home"), database_url=url, workers=2
    )
    with IdolGuard(settings) as instance:
        yield instance


def _images(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """``count`` distinct tiny images (noise, so every PDQ hash differs)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for n in range(count):
        pixels = rng.integers(0, 256, size=(24, 24, 3), dtype=np.uint8)
        path = folder / f"img-{n:04d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def _sightings_by_location(app: IdolGuard, scan_id: int) -> dict[str, int]:
    with app.database.session() as session:
        rows = session.execute(
            select(Sighting.location, func.count())
            .where(Sighting.scan_id == scan_id)
            .group_by(Sighting.location)
        ).all()
    return {str(location): int(n) for location, n in rows}


def _media_count(app: IdolGuard) -> int:
    with app.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Media)) or 0)


def test_a_cluster_scan_records_every_file_as_a_pool_worker_would(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    files = _images(tmp_path / "media", 200)
    (tmp_path / "media" / "copy.png").write_bytes(files[0].read_bytes())  # same content twice
    (tmp_path / "media" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    scanner = cluster_app.scanner(SIGNALS, cluster=cluster)

    summary = scanner.run([tmp_path / "media"])

    assert (summary.total, summary.failed) == (202, 1)
    assert summary.analysed + summary.cached == 201
    recorded = _sightings_by_location(cluster_app, summary.scan_id)
    assert recorded == {str(p): 1 for p in [*files, tmp_path / "media" / "copy.png"]} | {
        str(tmp_path / "media" / "broken.png"): 1
    }
    assert _media_count(cluster_app) == 201  # the copy is one content; the broken file is one
    by_location = {r.location: r for r in summary.records}
    assert by_location[str(tmp_path / "media" / "broken.png")].error_code is not None
    # The actors run the pool's own content function: the same results, field for field.
    local = build_worker_state(cluster_app.settings, scanner.content_names)
    for path in files[:5]:
        expected = analyse_file(path, local)
        got = by_location[str(path)]
        assert got.sha256 == expected.sha256
        assert got.results["pdq"] == expected.results["pdq"]
        assert got.original_stored and cluster_app.blobs.contains(got.sha256 or "")
    # ...and they are separate worker processes, one per CPU.
    stage = scanner._cluster_stage
    assert stage is not None
    pids = set(ray.get([handle.pid.remote() for handle in stage.handles]))
    assert len(pids) == 2 and os.getpid() not in pids


def test_killing_a_worker_mid_scan_loses_and_duplicates_nothing(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    files = _images(tmp_path / "media", 120, seed=1)
    scanner = cluster_app.scanner(SIGNALS, cluster=cluster)
    killed: list[int] = []
    records = []
    for record in scanner.scan([tmp_path / "media"]):
        records.append(record)
        if len(records) == 30:
            stage = scanner._cluster_stage
            assert stage is not None
            pid = ray.get(stage.handles[0].pid.remote())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    assert killed
    assert sorted(r.location for r in records) == sorted(str(p) for p in files)
    assert all(r.error is None for r in records), [r.error for r in records if r.error]
    assert _sightings_by_location(cluster_app, scanner.summary.scan_id) == {
        str(p): 1 for p in files
    }
    assert _media_count(cluster_app) == 120
    # The killed actor was restarted (a new process) and kept working.
    stage = scanner._cluster_stage
    assert stage is not None
    assert _pid_once_up(stage.handles[0]) != killed[0]


def _pid_once_up(handle: Any) -> int:
    """The actor's process id, waiting while Ray restarts it (calls fail meanwhile)."""
    from ray.exceptions import ActorUnavailableError

    for _ in range(60):
        try:
            return int(ray.get(handle.pid.remote(), timeout=30))
        except ActorUnavailableError:
            time.sleep(0.5)
    raise AssertionError("the killed actor was not restarted")


def test_a_bank_deleted_by_another_process_stops_matching_during_a_cluster_scan(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(banks_module, "REFRESH_INTERVAL_SECONDS", 0.0)
    banked = _images(tmp_path / "banked", 4, seed=2)
    files = []
    for n in range(40):  # copies: each file is banked content, and banking stays quick
        copy = tmp_path / "media" / f"copy-{n:02d}.png"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(banked[n % len(banked)].read_bytes())
        files.append(copy)
    # The bank is made, and deleted, by another instance (as another process would).
    other = IdolGuard(cluster_app.settings)
    try:
        other.banks.create_bank("leaks")
        for path in banked:
            other.banks.add_file(path, "leaks")
        scanner = cluster_app.scanner(SIGNALS, cluster=cluster)
        verdicts: list[tuple[int, str]] = []
        deleted_at = None
        for n, record in enumerate(scanner.scan([tmp_path / "media"])):
            verdicts.append((n, record.results["bank_match"]["verdict"]))
            if n == 15:
                other.banks.delete_bank("leaks")
                deleted_at = n
    finally:
        other.close()
    assert deleted_at is not None and len(verdicts) == len(files)
    before = [v for n, v in verdicts if n <= deleted_at]
    after = [v for n, v in verdicts if n > deleted_at]
    assert before and set(before) == {"match"}
    assert after and set(after) == {"none"}


def test_cli_scan_runs_on_the_cluster(cluster: str, cluster_app: IdolGuard, tmp_path: Path) -> None:
    from idolguard.interfaces.cli.main import app as cli

    files = _images(tmp_path / "media", 12, seed=3)
    settings = cluster_app.settings
    args: list[Any] = ["--home", str(settings.home), "--database-url", settings.database_url]
    result = CliRunner().invoke(
        cli, [*args, "scan", "--cluster", cluster, "-s", "pdq", "--json", str(tmp_path / "media")]
    )
    assert result.exit_code == 0, result.output
    assert "12 file(s): 12 analysed" in result.output
    assert all(f.name in result.output for f in files)


def test_an_address_nobody_answers_is_a_clear_cli_error(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    from idolguard.interfaces.cli.main import app as cli

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{unused.getsockname()[1]}"
    _images(tmp_path / "media", 1)
    settings = cluster_app.settings
    args = ["--home", str(settings.home), "--database-url", settings.database_url]
    result = CliRunner().invoke(cli, [*args, "scan", "--cluster", address, str(tmp_path / "media")])
    assert result.exit_code == 3
    assert f"cannot join the Ray cluster at '{address}'" in result.output
    assert "Traceback" not in result.output


def test_cli_watch_analyses_what_a_source_found_on_the_cluster(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    from idolguard.interfaces.cli.main import app as cli

    drop = tmp_path / "drop"
    files = _images(drop, 3, seed=4)
    settings = cluster_app.settings
    args = ["--home", str(settings.home), "--database-url", settings.database_url]
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [*args, "sources", "add", "folder", "drop", "--path", str(drop), "-o", "settle_seconds=0"],
    )
    assert added.exit_code == 0, added.output
    watched = runner.invoke(
        cli, [*args, "watch", "--once", "--no-urls", "--json", "--cluster", cluster]
    )
    assert watched.exit_code == 0, watched.output
    report = json.loads(next(line for line in watched.output.splitlines() if '"source"' in line))
    assert (report["source"], report["processed"], report["failed"]) == ("drop", 3, 0)
    with cluster_app.database.session() as session:
        found = session.scalars(select(Sighting.source_id)).all()
    assert len(found) == len(files) and all(source is not None for source in found)


def test_scanners_alike_share_their_actors_and_a_change_replaces_them(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    _images(tmp_path / "a", 4, seed=5)
    _images(tmp_path / "b", 4, seed=6)
    first = cluster_app.scanner(SIGNALS, cluster=cluster)
    first.run([tmp_path / "a"])
    second = cluster_app.scanner(SIGNALS, cluster=cluster)  # as `watch` makes one per run
    second.run([tmp_path / "b"])
    stage = first._cluster_stage
    assert stage is not None and second._cluster_stage is stage  # models loaded once
    other = cluster_app.scanner(["pdq"], cluster=cluster)
    summary = other.run([tmp_path / "b"])
    assert (summary.total, summary.failed) == (4, 0)
    assert other._cluster_stage is not stage and stage.handles == []  # its CPUs handed back
    lookup = cluster_app.scanner(["pdq"], cluster=cluster, persist=False)
    assert not lookup.cluster  # read-only look-ups stay local


class _HangingActor(AnalysisActor):
    """The real actor, except that a file named ``hang*`` never finishes (a stuck decoder)."""

    def analyse(self, path: str) -> FileRecord:
        if Path(path).name.startswith("hang"):
            time.sleep(3600)
        return super().analyse(path)


def test_a_file_over_its_wall_clock_budget_is_stopped_and_the_rest_finish(
    cluster: str, cluster_app: IdolGuard, tmp_path: Path
) -> None:
    stop_shared_stages()  # the earlier tests' actors hold the cluster's CPUs
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the test's actor class
    files = _images(tmp_path / "media", 6, seed=7)
    hanging = tmp_path / "media" / "hang.png"
    hanging.write_bytes(files[0].read_bytes())
    stage = ClusterStage(
        cluster_app.settings,
        ["pdq"],
        None,
        cluster,
        actors=2,
        file_timeout=4.0,
        actor_class=_HangingActor,
    )
    try:
        records = list(stage.run([hanging, *files]))
    finally:
        stage.stop()
    by_name = {Path(r.location).name: r for r in records}
    assert len(records) == len(by_name) == 7  # every file once
    assert by_name["hang.png"].error_code == "too_slow"
    assert "limits.file_wall_seconds" in (by_name["hang.png"].error or "")
    assert all(by_name[p.name].error is None for p in files), [r.error for r in records]
