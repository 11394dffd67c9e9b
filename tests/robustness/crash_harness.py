"""Kill the real CLI with SIGKILL at random points, re-run it, and check nothing was lost.

Shared by ``tests/robustness/test_crash_kill.py`` (a few kill points per path, in CI)
and ``benchmarks/crash_kill.py`` (20 or more per path). Each path works in its own
home: the command is started in a subprocess (its own process group, so the
scan's worker processes die with it), killed after a random delay drawn from a
seeded generator, started again and killed again, and finally run to the end.
Then the database and the evidence store must hold every input exactly once,
``idolguard evidence check`` must re-hash clean, ``idolguard audit verify`` must
pass, and no scan may be left "running".
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CONFIG = """
[review]
open_min_risk = 0.0  # every scanned file opens an item: manifests and custody entries too

[web]
reports_per_hour = 1000000  # every upload of the test comes from 127.0.0.1

[monitor]
per_host_delay_seconds = 0.0
allow_private = true
obey_robots = false
"""


@dataclass
class Outcome:
    """What one path's kill run did: where it killed, and what the checks found."""

    path: str
    seed: int
    delays: list[float] = field(default_factory=list)  # seconds after start of each kill
    killed_alive: int = 0  # kills that hit a process still running (not already finished)
    kept: int = 0  # files recorded before the final re-run: work the kills did not lose
    scratch_aged: int = 0  # scratch copies the kills left, which the re-run must remove
    problems: list[str] = field(default_factory=list)


def make_images(folder: Path, count: int, seed: int, prefix: str = "img") -> list[Path]:
    """Distinct generated images (shapes on noise): no photographs of people."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        pixels = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
        image = Image.fromarray(pixels).resize((320, 240), Image.Resampling.BILINEAR)
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = (int(v) for v in rng.integers(0, 280, 2))
            color = tuple(int(c) for c in rng.integers(0, 256, 3))
            draw.ellipse((x, y, x + 40 + i, y + 30), fill=color)
        path = folder / f"{prefix}{i:02}.jpg"
        image.save(path, quality=85)
        paths.append(path)
    return paths


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "idolguard.toml").write_text(CONFIG)
    return home


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "IDOLGUARD_HOME": str(home), "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    env.pop("IDOLGUARD_CONFIG", None)
    return env


def cli(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idolguard", *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a checking command (``evidence check``, ``audit verify``...) in this process.

    The same Typer app as ``idolguard``, without a second or two of start-up per check.
    """
    from typer.testing import CliRunner

    from idolguard.interfaces.cli.main import app

    env: dict[str, str | None] = {
        "IDOLGUARD_HOME": str(home),
        "COLUMNS": "200",
        "IDOLGUARD_DATABASE_URL": None,
        "IDOLGUARD_CONFIG": None,
    }
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, "")


def kill_after(home: Path, args: Sequence[str], delay: float) -> float | None:
    """Start ``idolguard args`` and SIGKILL its process group after ``delay`` seconds.

    Returns None when the kill hit the running process, else how long it took to end.
    """
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "idolguard", *args],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        process.wait(timeout=delay)
        ended: float | None = time.monotonic() - start
    except subprocess.TimeoutExpired:
        ended = None
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the scan's pool workers too
    process.wait()
    return ended


def kill_series(
    outcome: Outcome,
    home: Path,
    round_: Callable[[int], Sequence[str]],
    kill_points: int,
    longest: float,
    progress: Callable[[], int] | None = None,
) -> None:
    """Kill ``round_(i)`` (which adds new work, then names the command) ``kill_points`` times.

    Each delay is drawn from (0.3 s, ``longest``); when a run ends before its kill,
    ``longest`` shrinks to that run's duration, so later kills land inside the work.
    When ``progress`` (work recorded so far) has not moved for two kills, ``longest``
    grows: on a loaded machine start-up alone can outlast every delay, and kills that
    all land before the first record test little.
    """
    rng = random.Random(outcome.seed)
    done, still = (progress() if progress else 0), 0
    for i in range(kill_points):
        command = round_(i)
        delay = round(rng.uniform(0.3, longest), 3)
        outcome.delays.append(delay)
        ended = kill_after(home, command, delay)
        if ended is None:
            outcome.killed_alive += 1
        else:
            longest = max(0.5, ended * 0.95)
        if progress is not None and ended is None:
            now = progress()
            still = still + 1 if now == done else 0
            done = now
            if still >= 2:
                longest, still = min(longest * 1.5, 40.0), 0


SCRATCH = ("working/monitor/entry-*", "working/reports/report-*", "originals/.incoming-*")


def scratch_left(data: Path) -> list[Path]:
    """Scratch copies of downloads and uploads (killed runs leave them behind)."""
    return [path for pattern in SCRATCH for path in data.glob(pattern)]


def age_scratch(outcome: Outcome, data: Path) -> None:
    """Make the killed runs' scratch copies look hours old: the re-run must remove them."""
    old = time.time() - 7 * 3600
    for path in scratch_left(data):
        os.utime(path, (old, old))
    outcome.scratch_aged = len(scratch_left(data))


def count(home: Path, sql: str) -> int:
    if not (home / "idolguard.sqlite3").exists():
        return 0
    with database(home) as db:
        try:
            return int(db.execute(sql).fetchone()[0])
        except sqlite3.OperationalError:  # killed before the schema existed
            return 0


def expect_ok(outcome: Outcome, result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        outcome.problems.append(
            f"{what} exited {result.returncode}: {result.stdout[-800:]} {result.stderr[-800:]}"
        )


@contextmanager
def database(home: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(home / "idolguard.sqlite3")
    try:
        yield db
    finally:
        db.close()


def check_store(outcome: Outcome, home: Path, hashes: set[str], tenant: str | None = None) -> None:
    """Every file once: media, results, items and manifests unduplicated; originals intact."""
    data = home / "tenants" / tenant if tenant else home
    scope = ["--tenant", tenant] if tenant else []
    if left := scratch_left(data):
        outcome.problems.append(f"scratch copies left after the re-run: {left[:3]}")
    try:
        _check_tables(outcome, data, hashes)
    except sqlite3.OperationalError as exc:  # e.g. a schema left half-created
        outcome.problems.append(f"the database cannot be read: {exc}")
        return
    _check_originals_and_chain(outcome, home, data, scope)


def _check_tables(outcome: Outcome, data: Path, hashes: set[str]) -> None:
    with database(data) as db:
        media = {row[0] for row in db.execute("SELECT sha256 FROM media")}
        if missing := hashes - media:
            outcome.problems.append(f"{len(missing)} file(s) have no media record")
        duplicated_results = db.execute(
            "SELECT media_sha256, signal, COUNT(*) FROM analysis_result "
            "GROUP BY media_sha256, signal, signal_version HAVING COUNT(*) > 1"
        ).fetchall()
        if duplicated_results:
            outcome.problems.append(f"duplicated analysis results: {duplicated_results[:3]}")
        items = db.execute(
            "SELECT media_sha256, location, COUNT(*) FROM item "
            "GROUP BY media_sha256, location HAVING COUNT(*) > 1"
        ).fetchall()
        if items:
            outcome.problems.append(f"duplicated items: {items[:3]}")
        manifests = db.execute(
            "SELECT item_id, COUNT(*) FROM evidence GROUP BY item_id HAVING COUNT(*) > 1"
        ).fetchall()
        if manifests:
            outcome.problems.append(f"items with more than one manifest: {manifests[:3]}")


def _check_originals_and_chain(outcome: Outcome, home: Path, data: Path, scope: list[str]) -> None:
    originals = data / "originals"
    blobs = [p for p in originals.rglob("*") if p.is_file()] if originals.exists() else []
    names = [p.name for p in blobs if not p.name.startswith(".")]
    if len(names) != len(set(names)):
        outcome.problems.append("an original is stored twice")
    expect_ok(outcome, check_cli(home, *scope, "evidence", "check"), "idolguard evidence check")
    expect_ok(outcome, check_cli(home, *scope, "audit", "verify"), "idolguard audit verify")
    listed = check_cli(home, *scope, "scans", "--json", "--limit", "1000")
    expect_ok(outcome, listed, "idolguard scans")
    statuses = [json.loads(line)["status"] for line in listed.stdout.splitlines() if line]
    if "running" in statuses:
        outcome.problems.append(f"a killed scan is still listed as running: {statuses}")


# ------------------------------------------------------------------------------------------
# The paths


def scan_path(work: Path, seed: int, kill_points: int, batch: int = 5) -> Outcome:
    """``scan`` of a folder that gains a batch of new images before each kill."""
    outcome = Outcome("scan", seed)
    home = new_home(work / "home")
    folder = work / "media"
    paths: list[Path] = []
    args = ["--workers", "1", "scan", "--json", str(folder)]

    def round_(i: int) -> list[str]:
        paths.extend(make_images(folder, batch, seed * 1000 + i, prefix=f"r{i}-"))
        return args

    media = "SELECT COUNT(*) FROM media"
    kill_series(outcome, home, round_, kill_points, 6.0, lambda: count(home, media))
    outcome.kept = count(home, media)
    final = cli(home, *args)
    expect_ok(outcome, final, "the re-run scan")
    lines = [json.loads(line) for line in final.stdout.splitlines() if line.strip()]
    if sorted(line["path"] for line in lines) != sorted(str(p) for p in paths):
        outcome.problems.append(f"the re-run reported {len(lines)} of {len(paths)} files")
    if errors := [line["error"] for line in lines if line["error"]]:
        outcome.problems.append(f"files failed after the kills: {errors[:3]}")
    check_store(outcome, home, {sha256(p) for p in paths})
    with database(home) as db:
        last = db.execute("SELECT MAX(id) FROM scan_run").fetchone()[0]
        seen = db.execute(
            "SELECT location, COUNT(*) FROM sighting WHERE scan_id = ? GROUP BY location", (last,)
        ).fetchall()
        items = db.execute("SELECT COUNT(*) FROM item").fetchone()[0]
    if sorted(loc for loc, _ in seen) != sorted(str(p) for p in paths) or any(
        n != 1 for _, n in seen
    ):
        outcome.problems.append(f"the re-run's sightings are not one per file: {seen[:3]}")
    if items != len(paths):
        outcome.problems.append(f"{items} items for {len(paths)} files")
    return outcome


def bank_add_path(work: Path, seed: int, kill_points: int, batch: int = 5) -> Outcome:
    """``bank add`` of every image so far, with a batch of new ones before each kill."""
    outcome = Outcome("bank add", seed)
    home = new_home(work / "home")
    paths: list[Path] = []

    def round_(i: int) -> list[str]:
        paths.extend(make_images(work / "media", batch, seed * 1000 + i, prefix=f"r{i}-"))
        return ["bank", "add", *map(str, paths), "--bank", "confirmed", "--label", "kill test"]

    entries = "SELECT COUNT(*) FROM bank_content"
    kill_series(outcome, home, round_, kill_points, 4.0, lambda: count(home, entries))
    outcome.kept = count(home, entries)
    args = ["bank", "add", *map(str, paths), "--bank", "confirmed", "--label", "kill test"]
    expect_ok(outcome, cli(home, *args), "the re-run bank add")
    check_store(outcome, home, set())
    with database(home) as db:
        rows = db.execute(
            "SELECT c.content_id, COUNT(*) FROM bank_content c JOIN bank b ON b.id = c.bank_id "
            "WHERE b.name = 'confirmed' GROUP BY c.content_id"
        ).fetchall()
        signals = db.execute(
            "SELECT content_pk, signal_type, variant, COUNT(*) FROM bank_signal "
            "GROUP BY content_pk, signal_type, variant, value HAVING COUNT(*) > 1"
        ).fetchall()
    if len(rows) != len(paths) or any(n != 1 for _, n in rows):
        outcome.problems.append(f"bank holds {len(rows)} entries for {len(paths)} files")
    if signals:
        outcome.problems.append(f"duplicated bank signals: {signals[:3]}")
    return outcome


def watch_path(work: Path, seed: int, kill_points: int, batch: int = 4) -> Outcome:
    """``watch --once`` against a loopback feed that gains posts before each kill.

    A watcher killed mid-run keeps its lease on the source for 30 minutes (the
    documented way two watchers never run one source together), so later kills and
    the operator's re-run use ``idolguard sources run NAME``.
    """
    from tests.website import Answer, ChangingSite

    outcome = Outcome("watch --once", seed)
    home = new_home(work / "home")
    paths: list[Path] = []
    with ChangingSite() as site:

        def round_(i: int) -> list[str]:
            paths.extend(make_images(work / "media", batch, seed * 1000 + i, prefix=f"r{i}-"))
            items = ""
            for n, path in enumerate(paths):
                site.serve(f"/m/{path.name}", path.read_bytes())
                items += (
                    f"<item><title>post {n}</title><guid>{n}</guid>"
                    f"<link>{site.url(f'/posts/{n}')}</link><enclosure "
                    f'url="{site.url(f"/m/{path.name}")}" type="image/jpeg" length="1"/></item>'
                )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>{items}'
            body = (feed + "</channel></rss>").encode()
            site.routes["/feed.xml"] = Answer(200, body, "application/rss+xml")
            return ["watch", "--once"] if i == 0 else ["sources", "run", "board"]

        url = site.url("/feed.xml")
        expect_ok(outcome, cli(home, "sources", "add", "feed", "board", "--url", url), "add")
        recorded = "SELECT COUNT(*) FROM sighting WHERE entry_id IS NOT NULL"
        kill_series(outcome, home, round_, kill_points, 7.0, lambda: count(home, recorded))
        outcome.kept = count(home, recorded)
        age_scratch(outcome, home)
        expect_ok(outcome, cli(home, "sources", "run", "board"), "the re-run")
    check_store(outcome, home, {sha256(p) for p in paths})
    with database(home) as db:
        entries = db.execute("SELECT state, COUNT(*) FROM monitor_entry GROUP BY state").fetchall()
        seen = db.execute(
            "SELECT entry_id, media_sha256, COUNT(*) FROM sighting WHERE entry_id IS NOT NULL "
            "GROUP BY entry_id, media_sha256"
        ).fetchall()
        item_count = db.execute("SELECT COUNT(*) FROM item").fetchone()[0]
    if sum(n for _, n in entries) != len(paths) or any(state != "done" for state, _ in entries):
        outcome.problems.append(f"feed entries after the re-run: {entries}")
    if len(seen) != len(paths) or any(n != 1 for *_, n in seen):
        outcome.problems.append(f"sightings per entry are not one each: {seen[:4]}")
    if item_count != len(paths):
        outcome.problems.append(f"{item_count} items for {len(paths)} posts")
    return outcome


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "idolguard", "serve", "--port", str(port)],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _upload_all(base: str, pending: list[Path], accepted: dict[Path, str]) -> None:
    """Submit each pending file as a fan report until the server goes away."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        for path in list(pending):
            for _ in range(200):  # wait for the server to listen
                try:
                    answer = client.post(
                        "/api/v1/public/stella/reports",
                        data={"description": "kill test"},
                        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
                    )
                    break
                except httpx.ConnectError:
                    time.sleep(0.05)
                except httpx.HTTPError:
                    return  # killed mid-request
            else:
                return
            if answer.status_code != 201:
                raise AssertionError(f"upload of {path.name}: {answer.status_code} {answer.text}")
            accepted[path] = answer.json()["number"]
            pending.remove(path)


def upload_path(work: Path, seed: int, kill_points: int, batch: int = 4) -> Outcome:
    """Fan report uploads to ``idolguard serve`` (uvicorn), the server killed mid-upload.

    The fan's "re-run" is sending again what got no answer; a file whose report was
    stored but whose answer was lost is sent twice, and must still give one item.
    """
    import threading

    outcome = Outcome("web upload", seed)
    home = new_home(work / "home")
    expect_ok(outcome, cli(home, "tenant", "add", "stella", "--name", "Stella"), "tenant add")
    rng = random.Random(outcome.seed)
    paths: list[Path] = []
    pending: list[Path] = []
    accepted: dict[Path, str] = {}
    longest = 8.0
    still = 0  # kills in a row that hit before any upload was answered (a slow start-up)
    for i in range(kill_points):
        new = make_images(work / "media", batch, seed * 1000 + i, prefix=f"r{i}-")
        paths.extend(new)
        pending.extend(new)
        port = _free_port()
        server = _serve(home, port)
        sender = threading.Thread(
            target=_upload_all, args=(f"http://127.0.0.1:{port}", pending, accepted)
        )
        start = time.monotonic()
        sender.start()
        delay = round(rng.uniform(1.0, longest), 3)
        outcome.delays.append(delay)
        before = len(accepted)
        sender.join(timeout=delay)
        if sender.is_alive():
            outcome.killed_alive += 1
            still = still + 1 if len(accepted) == before else 0
            if still >= 2:  # as in kill_series: let later kills reach the uploads
                longest, still = min(longest * 1.5, 40.0), 0
        else:
            longest = max(1.5, (time.monotonic() - start) * 0.95)
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        sender.join()
    outcome.kept = len(accepted)
    age_scratch(outcome, home / "tenants" / "stella")
    # Another fan's report after the restart: uploads left by the killed server go then.
    later = make_images(work / "media", 1, seed * 1000 + kill_points, prefix="later-")
    paths.extend(later)
    pending.extend(later)
    port = _free_port()
    server = _serve(home, port)
    try:
        _upload_all(f"http://127.0.0.1:{port}", pending, accepted)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    if pending:
        outcome.problems.append(f"{len(pending)} upload(s) never accepted")
    check_store(outcome, home, {sha256(p) for p in paths}, tenant="stella")
    with database(home / "tenants" / "stella") as db:
        items = db.execute(
            "SELECT media_sha256, COUNT(*) FROM item GROUP BY media_sha256"
        ).fetchall()
    if len(items) != len(paths) or any(n != 1 for _, n in items):
        outcome.problems.append(f"{len(items)} uploaded files have items, some twice: {items[:3]}")
    return outcome


PATHS: dict[str, Callable[[Path, int, int], Outcome]] = {
    "scan": scan_path,
    "bank-add": bank_add_path,
    "watch": watch_path,
    "upload": upload_path,
}
