"""Monitoring through the real ``idolguard`` command: add sources, watch, inspect, remove."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from idolguard.domain.takedowns.watch import WatchResult
from idolguard.interfaces.cli.main import app as cli
from idolguard.interfaces.cli.notices import print_watch_result
from idolguard.interfaces.cli.sources import _outcome
from idolguard.media.types import MediaLimits
from idolguard.notices.liveness import Comparison, check_url
from idolguard.sources.connectors.feed import FeedConnector
from tests.domain.monitoring.test_monitor import serve_feed, serve_gallery
from tests.helpers import face_photo, sample
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


def test_a_post_and_a_gallery_with_several_images_from_the_command_line(
    tmp_path: Path, website: ChangingSite
) -> None:
    home = _home(tmp_path)
    with (home / "idolguard.toml").open("a") as config:
        config.write("[review]\nopen_min_risk = 0.0\n")  # every file opens an item
    serve_gallery(website)
    website.serve("/media/1.jpg", face_photo("players.jpg").read_bytes())  # in the post and gallery
    run(home, "roster", "add", "Yao Ming", "--photo", str(face_photo("yaoming.jpg")))
    run(home, "sources", "add", "feed", "board", "--url", website.url("/feed.xml"))
    run(home, "sources", "add", "html", "gallery", "--url", website.url("/gallery"))

    once = run(home, "sources", "run", "board")
    assert "processed 2, failed 0" in once.stdout and "Traceback" not in once.stderr
    watched = run(home, "watch", "--once", "--json", "--no-urls")
    reports = [
        (r["source"], r["processed"], r["failed"], r["error"]) for r in jsonl(watched.stdout)
    ]
    assert reports == [("gallery", 3, 0, None)] and "Traceback" not in watched.stderr

    shown = json.loads(run(home, "sources", "show", "board", "--json").stdout)
    assert shown["sightings"] and len(shown["sightings"]) == 2
    by_media = {s["details"]["media_url"]: s for s in shown["sightings"]}
    him = by_media[website.url("/media/1.jpg")]
    assert him["artists"] == ["Yao Ming"] and him["location"] == website.url("/posts/9")
    assert him["item"]["id"] and him["item"]["state"] and him["risk"] == him["item"]["risk"]
    assert by_media[website.url("/media/0.jpg")]["artists"] == []
    text = run(home, "sources", "show", "gallery").stdout
    assert text.count("recognised: Yao Ming;") == 1
    assert text.count("recognised: no enrolled artist;") == 2
    assert text.count(f"item {him['item']['id']} ") == 0  # the gallery's own item, not the post's
    assert "risk " in text and "item " in text


def test_an_unexpected_error_is_a_clear_failure_and_watch_goes_on(
    tmp_path: Path, website: ChangingSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _home(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(sample("rocket.jpg"), drop / "r.jpg")
    runner = CliRunner()
    env = {"IDOLGUARD_HOME": str(home), "COLUMNS": "200"}
    monkeypatch.delenv("IDOLGUARD_DATABASE_URL", raising=False)
    for args in (
        ["sources", "add", "feed", "board", "--url", website.url("/feed.xml")],
        ["sources", "add", "folder", "drop", "--path", str(drop), "-o", "settle_seconds=0"],
    ):
        assert runner.invoke(cli, args, env=env).exit_code == 0

    def explode(*_args: Any) -> Any:
        raise KeyError("a bug in the connector")

    monkeypatch.setattr(FeedConnector, "poll", explode)
    watched = runner.invoke(cli, ["watch", "--once", "--no-urls"], env=env)
    assert watched.exit_code == 0, watched.output
    assert "board: failed: unexpected error (KeyError)" in watched.output
    assert "drop: listed 1, new 1, processed 1" in watched.output
    ran = runner.invoke(cli, ["sources", "run", "board"], env=env)
    assert ran.exit_code == 1 and isinstance(ran.exception, SystemExit | None)
    assert "board: failed: unexpected error (KeyError)" in ran.output
    assert "Traceback" not in ran.output


def test_a_sighting_without_an_item_or_analysis_says_so() -> None:
    seen = {"error": None, "artists": [], "risk": 0.12, "item": None}
    assert _outcome(seen) == "recognised: no enrolled artist; risk 0.12; no item opened"
    broken = {**seen, "error": "not an image", "risk": None}
    assert _outcome(broken) == "not analysed: not an image"


def test_a_private_address_names_the_setting_to_change(
    tmp_path: Path, website: ChangingSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "idolguard.toml").write_text("[monitor]\nper_host_delay_seconds = 0\nretries = 0\n")
    runner = CliRunner()
    env = {"IDOLGUARD_HOME": str(home), "COLUMNS": "300"}
    monkeypatch.delenv("IDOLGUARD_DATABASE_URL", raising=False)
    add = ["sources", "add", "feed", "board", "--url", website.url("/feed.xml")]
    assert runner.invoke(cli, add, env=env).exit_code == 0
    ran = runner.invoke(cli, ["sources", "run", "board"], env=env)
    assert ran.exit_code == 1
    assert "allow_private = true under [monitor] in idolguard.toml" in ran.output
    listed = runner.invoke(cli, ["sources", "list"], env=env).output
    assert "failing x1: " in listed
    shown = runner.invoke(cli, ["sources", "show", "board"], env=env).output
    assert "allow_private = true under [monitor] in idolguard.toml" in shown
    assert website.log == []


def test_a_liveness_check_of_a_private_address_names_the_watch_setting(
    tmp_path: Path, website: ChangingSite, capsys: pytest.CaptureFixture[str]
) -> None:
    check = check_url(
        website.url("/img.png"),
        lambda _path, _sha: (Comparison.SAME, ""),
        dest_dir=tmp_path,
        limits=MediaLimits(),
    )
    print_watch_result(WatchResult(1, check, "notice_sent", "notice_sent"), as_json=False)
    printed = capsys.readouterr().out
    assert "inconclusive (blocked_address)" in printed
    assert "allow_private = true is set under [watch] in idolguard.toml" in printed
