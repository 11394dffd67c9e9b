"""Monitoring through the real ``idolguard`` command: add sources, watch, inspect, remove."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.domain.test_monitor import serve_feed
from tests.helpers import sample
from tests.interfaces.test_cli import jsonl, run
from tests.website import ChangingSite


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "idolguard.toml").write_text(
        """operator = "protection-team"
[monitor]
per_host_delay_seconds = 0
allow_private = true
timeout = 5
retries = 0
"""
    )
    return home


def test_sources_and_watch_from_the_command_line(tmp_path: Path, website: ChangingSite) -> None:
    home = _home(tmp_path)
    website.serve("/media/a.jpg", sample("astronaut.jpg").read_bytes())
    serve_feed(website, ("7", "/media/a.jpg", "#딥페이크 fancam"))
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(sample("rocket.jpg"), drop / "r.jpg")

    kinds = run(home, "sources", "kinds").stdout
    for kind in ("folder", "urls", "feed", "html", "reddit", "telegram", "x-archive"):
        assert f"{kind}:" in kinds
    run(home, "sources", "add", "feed", "board", "--url", website.url("/feed.xml"), "--every", "2h")
    run(home, "sources", "add", "folder", "drop", "--path", str(drop), "-o", "settle_seconds=0")
    bad = run(home, "sources", "add", "feed", "nourl", check=False)
    assert bad.returncode == 2 and "need url" in bad.stderr
    bad_every = run(
        home, "sources", "add", "folder", "x", "--path", ".", "--every", "soon", check=False
    )
    assert bad_every.returncode == 2 and "15m" in bad_every.stderr

    reports = jsonl(run(home, "watch", "--once", "--json", "--no-urls").stdout)
    by_source = {r["source"]: r for r in reports}
    assert set(by_source) == {"board", "drop"}
    assert by_source["board"]["processed"] == 1 and by_source["drop"]["processed"] == 1
    assert by_source["board"]["error"] is None

    again = run(home, "watch", "--once", "--no-urls").stdout
    assert "board" not in again  # nothing due: the schedule was kept across processes

    listed = json.loads(run(home, "sources", "list", "--json").stdout)
    assert {s["name"]: s["every_seconds"] for s in listed}["board"] == 7200
    shown = json.loads(run(home, "sources", "show", "board", "--json").stdout)
    assert shown["sightings"][0]["details"]["caption"] == "#딥페이크 fancam"
    assert shown["entries"] == {"done": 1}

    once = run(home, "sources", "run", "board").stdout
    assert "listed 1, new 0" in once
    run(home, "sources", "pause", "drop")
    assert "paused" in run(home, "sources", "list").stdout
    run(home, "sources", "remove", "drop", "--yes")
    assert [s["name"] for s in json.loads(run(home, "sources", "list", "--json").stdout)] == [
        "board"
    ]
    missing = run(home, "sources", "show", "drop", check=False)
    assert missing.returncode == 2 and "no source named" in missing.stderr
