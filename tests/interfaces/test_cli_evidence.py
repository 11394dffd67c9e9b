"""From a scan to a verified evidence bundle, through the real ``idolguard`` command."""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import sample
from tests.interfaces.test_cli import jsonl, run
from tests.tsa import LoopbackTSA


@pytest.fixture
def home(tmp_path: Path, tsa: LoopbackTSA) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "idolguard.toml").write_text(
        f'operator = "reviewer-kim"\n[evidence]\ntsa_url = "{tsa.url}"\n'
        f'tsa_roots_file = "{tsa.ca_path}"\n'
    )
    return home


def test_scan_review_export_verify_and_tamper(home: Path, tmp_path: Path, tsa: LoopbackTSA) -> None:
    run(home, "bank", "add", str(sample("astronaut.jpg")), "--bank", "confirmed")
    folder = tmp_path / "found"
    folder.mkdir()
    with Image.open(sample("astronaut.jpg")) as image:
        image.resize((256, 256)).save(folder / "reupload.jpg", quality=75)
    run(home, "scan", str(folder), "--json")

    queue = jsonl(run(home, "review", "list", "--json").stdout)
    assert len(queue) == 1 and queue[0]["state"] == "new"
    item = str(queue[0]["id"])
    shown = json.loads(run(home, "review", "next", "--json").stdout)
    assert shown["state"] == "in_review" and shown["assigned_to"] == "reviewer-kim"
    assert shown["evidence"][0]["timestamped_at"]
    preview = Path(run(home, "review", "show", item).stdout.strip())
    assert preview.is_file() and "blurred" in preview.name

    refused = run(home, "review", "confirm", item, "--reason", "", check=False)
    assert refused.returncode == 2 and "reason" in refused.stderr
    confirmed = run(home, "review", "confirm", item, "--reason", "face swap, reported by fans")
    case = confirmed.stdout.split("case ")[-1].strip()
    assert case.startswith("IG-")

    bundle = tmp_path / "bundle.zip"
    summary = json.loads(run(home, "case", "export", case, "--out", str(bundle), "--json").stdout)
    assert summary["timestamped"] is True
    exported = bundle.read_bytes()
    again = run(home, "case", "export", case, "--out", str(bundle), check=False)
    assert again.returncode == 2 and "already exists; pass --force" in again.stderr
    assert bundle.read_bytes() == exported
    assert "wrote" in run(home, "case", "export", case, "--out", str(bundle), "--force").stdout

    ok = run(home, "verify", str(bundle), "--tsa-roots", str(tsa.ca_path), "--json")
    assert json.loads(ok.stdout)["ok"] is True and json.loads(ok.stdout)["trusted_time"] is True

    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    bad = run(home, "verify", str(tampered), check=False)
    assert bad.returncode == 1 and "FAIL" in bad.stdout and "ALTERED" in bad.stdout

    audit = run(home, "audit", "verify", "--json")
    assert json.loads(audit.stdout)["ok"] is True
    log = jsonl(run(home, "audit", "log", "--item", item, "--json").stdout)
    assert [e["action"] for e in log][:3] == ["open", "capture", "timestamp"]
    assert {"view", "transition", "bank"} <= {e["action"] for e in log}
    assert run(home, "audit", "anchor").returncode == 0
    assert json.loads(run(home, "audit", "verify", "--json").stdout)["anchors_checked"] == 1


class _Pages(http.server.BaseHTTPRequestHandler):
    image = b""

    def do_GET(self) -> None:
        if self.path == "/post/1":
            body = (
                b"<html><head><title>\xec\xa0\x9c\xeb\x8b\x88 fancam</title>"
                b'<meta property="og:image" content="/media/a.jpg">'
                b'<meta name="author" content="@uploader_1"></head><body></body></html>'
            )
            content_type = "text/html; charset=utf-8"
        elif self.path == "/media/a.jpg":
            body, content_type = self.image, "image/jpeg"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    _Pages.image = sample("rocket.jpg").read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_capture_url_records_where_the_media_came_from(home: Path, site: str) -> None:
    refused = run(home, "capture", f"{site}/post/1", check=False)
    assert refused.returncode == 2 and "--allow-private" in refused.stderr
    out = run(home, "capture", f"{site}/post/1", "--allow-private").stdout
    item = out.split()[1]
    detail = json.loads(run(home, "item", "show", item, "--json").stdout)
    assert detail["location"] == f"{site}/post/1" and detail["origin"] == "capture"
    source = detail["source"]
    assert source["page_title"] == "제니 fancam" and source["uploader"] == "@uploader_1"
    assert source["media_url"] == f"{site}/media/a.jpg"
    assert source["media_fetch"]["sha256"] == detail["sha256"]
    missing = run(home, "capture", f"{site}/gone", "--allow-private", check=False)
    assert missing.returncode == 2 and "404" in missing.stderr


def test_item_add_and_retention_dry_run(home: Path) -> None:
    env_home = home
    out = run(
        env_home,
        "item",
        "add",
        str(sample("coffee.jpg")),
        "--url",
        "https://www.youtube.com/watch?v=x",
        "--uploader",
        "@someone",
        "--reporter",
        "fan",
        "--contact",
        "fan@example.org",
    ).stdout
    item = out.split()[1]
    detail = json.loads(run(env_home, "item", "show", item, "--json").stdout)
    assert detail["source"]["platform"] == "youtube" and detail["reporter"] == "fan"
    dry = json.loads(run(env_home, "retention", "apply", "--dry-run", "--json").stdout)
    assert dry["dry_run"] is True and dry["deleted_items"] == []
    assert os.path.exists(env_home / "idolguard.sqlite3")
