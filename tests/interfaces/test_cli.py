"""The CLI contract from the README, run through the real command in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from PIL import Image, ImageOps

from tests.helpers import sample
from tests.website import ChangingSite


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDOLGUARD_HOME": str(home), "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "idolguard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_scan_json_contract_and_bank_workflow(tmp_path: Path, samples_dir: Path) -> None:
    home = tmp_path / "home"
    (samples_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    mirrored = tmp_path / "reupload.jpg"
    ImageOps.mirror(Image.open(sample("rocket.jpg"))).save(mirrored, quality=60)

    added = run(
        home,
        "bank",
        "add",
        str(sample("rocket.jpg")),
        "--bank",
        "confirmed",
        "--label",
        "confirmed deepfake",
    )
    assert "added" in added.stderr
    lines = jsonl(run(home, "scan", "--json", str(samples_dir), str(mirrored)).stdout)
    assert len(lines) == 6
    for line in lines:
        for key in (
            "path",
            "sha256",
            "media_type",
            "error",
            "pdq",
            "pdq_quality",
            "bank_matches",
            "signals",
        ):
            assert key in line
    by_name = {Path(str(line["path"])).name: line for line in lines}
    assert by_name["broken.jpg"]["error"]
    assert by_name["chelsea.jpg"]["bank_matches"] == []
    [hit] = by_name["reupload.jpg"]["bank_matches"]  # type: ignore[misc]
    assert hit["bank"] == "confirmed" and hit["distance"] <= 31 and hit["variant"] == "mirror"
    assert "pdq" in by_name["rocket.jpg"]["signals"]  # type: ignore[operator]
    # No caption for plain files: the text signal reads the file name, and finds nothing here.
    assert by_name["rocket.jpg"]["text"] == {
        "fields": ["file_name"],
        "artists": [],
        "terms": [],
        "score": 0.0,
    }

    matched = jsonl(run(home, "bank", "match", "--json", str(mirrored)).stdout)
    assert matched[0]["path"] == str(mirrored) and matched[0]["matches"]

    table = run(home, "scan", str(samples_dir)).stdout
    assert "rocket.jpg" in table and "match" in table

    listed = run(home, "bank", "list").stdout
    assert "confirmed" in listed

    export = tmp_path / "bank.csv"
    run(home, "bank", "export", str(export))
    other = tmp_path / "other-home"
    imported = run(other, "bank", "import", str(export))
    assert "imported" in imported.stderr
    again = jsonl(run(other, "bank", "match", "--json", str(mirrored)).stdout)
    assert again[0]["matches"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["bank", "add", str(sample("rocket.jpg"))], "--bank"),
        (["scan", "--signal", "nope", "."], "unknown signal"),
        (["bank", "import", "/nonexistent.csv"], "no such file"),
    ],
)
def test_usage_errors_exit_non_zero(tmp_path: Path, args: list[str], needle: str) -> None:
    result = run(tmp_path / "home", *args, check=False)
    assert result.returncode == 2
    assert needle in result.stderr


def test_malformed_import_is_refused_whole(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    good = '{"content_id": "a", "signal_type": "pdq", "signal": "' + "0f" * 32 + '", "bank": "b"}'
    bad.write_text(good + "\n{not json\n")
    result = run(tmp_path / "home", "bank", "import", str(bad), check=False)
    assert result.returncode == 2 and "2" in result.stderr
    assert "b " not in run(tmp_path / "home", "bank", "list").stdout


@pytest.mark.parametrize("command", [["scan", "--json"], ["bank", "add", "--bank", "b"]])
def test_missing_path_is_a_usage_error_and_records_nothing(
    tmp_path: Path, command: list[str]
) -> None:
    """A mistyped path used to exit 0 with an empty scan (or "0 of 1 file(s) banked")."""
    home = tmp_path / "home"
    missing = tmp_path / "missing.jpg"
    result = run(home, *command, str(sample("rocket.jpg")), str(missing), check=False)
    assert result.returncode == 2
    assert f"'{missing}' does not exist" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (home / "idolguard.sqlite3").exists()  # nothing opened, nothing recorded


def test_killed_scan_resumes_without_losing_or_duplicating(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    base = Image.open(sample("astronaut.jpg")).convert("RGB")
    for i in range(24):
        base.rotate(i * 3).save(folder / f"img{i:02}.jpg", quality=85)
    home = tmp_path / "home"
    env = {**os.environ, "IDOLGUARD_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "idolguard", "--workers", "1", "scan", "--json", str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    seen = [process.stdout.readline() for _ in range(3)]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert all(seen)
    lines = jsonl(run(home, "scan", "--json", str(folder)).stdout)
    assert len(lines) == 24 and all(line["pdq"] for line in lines)
    cached = [line for line in lines if line["cached_signals"]]
    assert len(cached) >= 3  # work done before the kill was kept
    import sqlite3

    db = sqlite3.connect(home / "idolguard.sqlite3")
    rows = db.execute(
        "SELECT media_sha256, COUNT(*) FROM analysis_result "
        "WHERE signal='pdq' GROUP BY media_sha256"
    ).fetchall()
    assert len(rows) == 24 and all(count == 1 for _, count in rows)


def test_demo_runs_and_gets_every_verdict_right(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "demo", "--workdir", str(tmp_path / "demo"))
    assert "unexpected" not in result.stdout
    assert "15/15 files got the expected verdict" in result.stdout
    assert "team-photo.jpg: recognised Yao Ming (score" in result.stdout


def test_review_list_shows_link_reports_and_review_capture_captures_them(
    tmp_path: Path, website: ChangingSite
) -> None:
    """Issue 17 #2: link-only fan reports were listed by no CLI command."""
    from idolguard.app import IdolGuard
    from idolguard.config import load_settings

    home = tmp_path / "home"
    home.mkdir()
    run(home, "review", "list")  # creates the database
    url = website.url("/p/1.jpg")
    env = {k: v for k, v in os.environ.items() if k != "IDOLGUARD_DATABASE_URL"}
    with IdolGuard(load_settings(env, home=home)) as app:
        app.reports.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        sent = app.reports.submit(
            artist_id=None,
            url=url,
            upload=None,
            upload_name=None,
            description="saw it",
            contact=None,
            language="ko",
        )
    listed = run(home, "review", "list")
    assert "link report — awaiting capture" in listed.stdout and sent.number in listed.stdout
    rows = jsonl(run(home, "review", "list", "--json").stdout)
    assert [(r["kind"], r["number"]) for r in rows] == [("link_report", sent.number)]
    failed = run(home, "review", "capture", sent.number, "--allow-private", check=False)
    assert failed.returncode != 0 and "could not capture" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert "(last capture failed: http_error)" in run(home, "review", "list").stdout
    website.serve("/p/1.jpg", sample("astronaut.jpg").read_bytes())
    done = run(home, "review", "capture", sent.number, "--allow-private")
    assert f"report {sent.number}: item" in done.stdout
    assert [r["kind"] for r in jsonl(run(home, "review", "list", "--json").stdout)] == ["item"]
