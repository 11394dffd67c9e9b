"""``idolguard impersonation`` through the real command: allow-list, check, queue, errors."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from tests.helpers import sample
from tests.interfaces.test_cli import jsonl, run

SCAM = "Official account. Fan meeting tickets, gift card payment only, DM me on telegram"


def test_impersonation_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Image.open(sample("astronaut.jpg")) as image:
        image.convert("RGB").resize((180, 180)).save(tmp_path / "avatar.jpg", quality=80)
    profiles = [
        {"platform": "x", "handle": "haneul_real", "display_name": "Haneul", "bio": SCAM,
         "avatar_file": "avatar.jpg"},
        {"platform": "instagram", "handle": "@Haneul_Official", "display_name": "Haneul",
         "bio": SCAM, "avatar_file": "avatar.jpg"},
        {"platform": "x", "handle": "haneul_daily", "display_name": "Haneul pics",
         "bio": "fan account 💕", "avatar_file": "avatar.jpg"},
    ]  # fmt: skip
    (tmp_path / "profiles.json").write_text(json.dumps(profiles), encoding="utf-8")
    (tmp_path / "one.json").write_text(json.dumps(profiles[0]), encoding="utf-8")
    (tmp_path / "official.json").write_text(json.dumps(profiles[1]), encoding="utf-8")

    run(home, "roster", "add", "Haneul", "--photo", str(sample("astronaut.jpg")))
    added = run(home, "impersonation", "official-add", "Haneul", "Instagram", "@Haneul_Official")
    assert "Haneul: official instagram @haneul_official" in added.stdout
    listed = json.loads(run(home, "impersonation", "official-list", "--json").stdout)
    assert listed == [
        {"artist_id": 1, "artist": "Haneul", "platform": "instagram", "handle": "haneul_official"}
    ]

    checked = jsonl(
        run(home, "impersonation", "check", str(tmp_path / "profiles.json"), "--json").stdout
    )
    assert [(c["profile"], c["flagged"], c["official"]) for c in checked] == [
        ("x:@haneul_real", True, False),
        ("instagram:@haneul_official", False, True),
        ("x:@haneul_daily", False, False),
    ]
    # The avatar is the reference photo resized: PDQ copy or the enrolled face, whichever is surer.
    assert {"avatar_copy", "avatar_face"} & {r["code"] for r in checked[0]["reasons"]}

    queued = run(home, "impersonation", "queue", str(tmp_path / "one.json"))
    assert "FLAGGED → Haneul  item #1" in queued.stdout
    listing = run(home, "review", "list", "--json", check=False)
    assert listing.returncode == 0 and "haneul_real" in listing.stdout

    refused = run(home, "impersonation", "queue", str(tmp_path / "official.json"), check=False)
    assert refused.returncode == 2 and "never queued" in refused.stderr
    assert "Traceback" not in refused.stderr
    (tmp_path / "bad.json").write_text('{"platform": "x"}', encoding="utf-8")
    bad = run(home, "impersonation", "check", str(tmp_path / "bad.json"), check=False)
    assert bad.returncode == 2 and "profile 1: a profile needs handle" in bad.stderr
    assert "Traceback" not in bad.stderr
