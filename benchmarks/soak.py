"""Soak: ``idolguard watch`` against a loopback forum that changes every few seconds.

    PYTHONPATH=src python benchmarks/soak.py --minutes 30

A loopback forum (an RSS feed; a new post with a new generated image every
``--change-seconds``) is watched by a real ``idolguard watch`` process in a
fresh home (SQLite). Every minute, and at the end, the script prints the RSS of
the watch process tree, its open file descriptors, the database size and the
errors seen so far (source reports with an error or failed files, tracebacks on
stderr). The verdict compares the RSS after the warm-up with the RSS at the end
(target: under 10 % growth) and the descriptor counts of the two halves of the
run after the warm-up (target: no growth); any error fails it too, and the exit
status is then 1. ``watch`` looks at a source at most once a minute, so the
warm-up (default a sixth of the run) should span a few passes. Images are
generated shapes, never photos of people.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.website import Answer, ChangingSite  # noqa: E402

KEEP_POSTS = 20


def picture(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        box = sorted(rng.sample(range(320), 2)) + sorted(rng.sample(range(240), 2))
        draw.rectangle(
            (box[0], box[2], box[1], box[3]), fill=tuple(rng.randrange(256) for _ in range(3))
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Forum:
    """A feed whose newest ``KEEP_POSTS`` posts change every ``interval`` seconds."""

    def __init__(self, site: ChangingSite, interval: float) -> None:
        self.site, self.interval, self.posts = site, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def post(self) -> None:
        self.posts += 1
        n = self.posts
        self.site.serve(f"/media/{n}.png", picture(n), "image/png")
        items = "".join(
            f"<item><title>post {p}</title><link>{self.site.url(f'/posts/{p}')}</link>"
            f'<guid isPermaLink="false">{p}</guid><description>fancam {p}</description>'
            f'<enclosure url="{self.site.url(f"/media/{p}.png")}" type="image/png" length="1"/>'
            "</item>"
            for p in range(n, max(0, n - KEEP_POSTS), -1)
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>forum</title><link>{self.site.url('/')}</link>{items}</channel></rss>"
        ).encode()
        self.site.routes["/feed.xml"] = Answer(
            200, feed, "application/rss+xml", headers={"ETag": f'"v{n}"'}
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.post()

    def start(self) -> None:
        self.post()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return pids


def rss_bytes(pid: int) -> int:
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):  # the process may just have ended
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def open_fds(pid: int) -> int:
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            total += len(os.listdir(f"/proc/{member}/fd"))
    return total


def db_bytes(home: Path) -> int:
    names = ("*.sqlite3", "*.sqlite3-wal", "*.sqlite3-shm")
    return sum(p.stat().st_size for name in names for p in home.glob(name) if p.is_file())


@dataclass
class Errors:
    reports: int = 0
    failed_files: int = 0
    source_errors: list[str] = field(default_factory=list)
    tracebacks: int = 0

    def read(self, stdout: io.TextIOBase) -> None:
        for line in stdout:
            try:
                report = json.loads(line)
            except ValueError:
                continue
            if not isinstance(report, dict) or "source" not in report:
                continue
            self.reports += 1
            self.failed_files += int(report.get("failed") or 0)
            if report.get("error"):
                self.source_errors.append(str(report["error"])[:200])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--warmup-minutes", type=float, default=None, help="default: 1/6 of the run"
    )
    parser.add_argument("--change-seconds", type=float, default=5.0)
    parser.add_argument("--sample-seconds", type=float, default=60.0)
    args = parser.parse_args()
    warmup = args.warmup_minutes if args.warmup_minutes is not None else args.minutes / 6

    home = Path(tempfile.mkdtemp(prefix="idolguard-soak-"))
    (home / "idolguard.toml").write_text(
        'operator = "soak"\n[monitor]\nper_host_delay_seconds = 0\nallow_private = true\n'
        "timeout = 5\nretries = 0\n"
    )
    env = {**os.environ, "IDOLGUARD_HOME": str(home), "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    cli = [sys.executable, "-m", "idolguard"]

    with ChangingSite() as site:
        site.server.handle_error = lambda *_: None  # type: ignore[method-assign]  # resets: noise
        forum = Forum(site, args.change_seconds)
        forum.start()
        subprocess.run(
            [*cli, "sources", "add", "feed", "forum", "--url", site.url("/feed.xml"),
             "--every", "1m"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        stderr_path = home / "watch.stderr"
        with stderr_path.open("w") as stderr:
            watch = subprocess.Popen(
                [*cli, "watch", "--json", "--no-urls", "--max-sleep", "2"],
                env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )  # fmt: skip
        errors = Errors()
        assert watch.stdout is not None
        reader = threading.Thread(target=errors.read, args=(watch.stdout,), daemon=True)
        reader.start()
        started = time.monotonic()
        baseline: tuple[int, int] | None = None
        samples: list[tuple[float, int, int, int]] = []
        print("minute  rss_MB  fds  db_MB  posts  reports  failed  source_errors  tracebacks")
        try:
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                if watch.poll() is not None:
                    print(f"watch exited early with status {watch.returncode}")
                    break
                time.sleep(min(args.sample_seconds, args.minutes * 60 - elapsed))
                elapsed = time.monotonic() - started
                rss, fds, db = rss_bytes(watch.pid), open_fds(watch.pid), db_bytes(home)
                errors.tracebacks = stderr_path.read_text(errors="replace").count("Traceback")
                samples.append((elapsed, rss, fds, db))
                if baseline is None and elapsed >= warmup * 60:
                    baseline = (rss, fds)
                print(
                    f"{elapsed / 60:6.1f}  {rss / 2**20:6.1f}  {fds:3d}  {db / 2**20:5.2f}  "
                    f"{forum.posts:5d}  {errors.reports:7d}  {errors.failed_files:6d}  "
                    f"{len(errors.source_errors):13d}  {errors.tracebacks:10d}",
                    flush=True,
                )
        finally:
            early_exit = watch.poll()
            watch.send_signal(signal.SIGINT)
            try:
                watch.wait(30)
            except subprocess.TimeoutExpired:
                watch.kill()
            forum.stop()
    if not samples:
        print("no samples taken")
        return 1
    if baseline is None:
        baseline = samples[0][1], samples[0][2]
    _, _, fds, db = samples[-1]
    # A sample can fall mid-pass (workers, sockets): the end is the median of the last three
    # RSS samples, and descriptors leak when the floor of the second half of the run after
    # the warm-up rises above the highest count of its first half.
    rss = sorted(sample[1] for sample in samples[-3:])[len(samples[-3:]) // 2]
    growth = (rss - baseline[0]) / baseline[0] * 100 if baseline[0] else 0.0
    after = [sample[2] for sample in samples if sample[0] >= warmup * 60] or [fds]
    half = max(1, len(after) // 2)
    fd_leak = len(after) > 1 and min(after[half:]) > max(after[:half])
    print()
    print(f"run: {samples[-1][0] / 60:.1f} min, warm-up {warmup:.1f} min, {forum.posts} posts")
    print(f"rss after warm-up {baseline[0] / 2**20:.1f} MB, at the end {rss / 2**20:.1f} MB: "
          f"{growth:+.1f} % (median of the last 3; target under 10 %)")  # fmt: skip
    print(
        f"open descriptors after warm-up {baseline[1]}, at the end {fds}, range after warm-up "
        f"{min(after)}-{max(after)}: {'growing' if fd_leak else 'no growth'} (target: no growth)"
    )
    print(f"database {db / 2**20:.2f} MB; reports {errors.reports}, failed files "
          f"{errors.failed_files}, source errors {len(errors.source_errors)}, "
          f"tracebacks {errors.tracebacks}")  # fmt: skip
    for message in sorted(set(errors.source_errors))[:10]:
        print(f"  source error: {message}")
    print(f"home (kept for inspection): {home}")
    ok = (
        growth < 10
        and not fd_leak
        and early_exit is None
        and not errors.tracebacks
        and not errors.source_errors
        and not errors.failed_files
    )
    print("verdict:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
