"""The takedown loop through the real ``idolguard`` command: confirm → draft → send → watch."""

from __future__ import annotations

import json
from pathlib import Path

from tests.domain.takedowns.test_takedowns import DIRECTORY
from tests.helpers import sample
from tests.interfaces.test_cli import jsonl, run
from tests.smtp import LoopbackSMTP
from tests.website import ChangingSite


def _home(tmp_path: Path, smtp: LoopbackSMTP, *, signature: str = "/s/ Kim Minji") -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "platforms.toml").write_text(DIRECTORY.format(country="US"))
    (home / "idolguard.toml").write_text(
        f"""operator = "lawyer-kim"
[notices]
sender_name = "Kim Minji"
organisation = "Example Entertainment"
email = "legal@example-ent.test"
phone = "+82 2 555 0100"
address = "1 Example-ro, Seoul"
signature = "{signature}"
directory_file = "{home / "platforms.toml"}"
[smtp]
host = "{smtp.host}"
port = {smtp.port}
security = "none"
[watch]
per_host_delay_seconds = 0
allow_private = true
timeout = 5
"""
    )
    return home


def test_notice_loop_from_draft_to_removal(
    tmp_path: Path, smtp_server: LoopbackSMTP, website: ChangingSite
) -> None:
    home = _home(tmp_path, smtp_server)
    website.serve("/v/1", sample("astronaut.jpg").read_bytes())
    url = website.url("/v/1")
    run(home, "item", "add", str(sample("astronaut.jpg")), "--url", url)
    confirmed = run(home, "review", "confirm", "1", "--reason", "face swap")
    case = confirmed.stdout.split("case ")[-1].strip()

    refused = run(home, "notice", "draft", case, "--regime", "take_it_down", check=False)
    assert refused.returncode == 2 and "--category intimate" in refused.stderr
    no_person = run(
        home, "notice", "draft", case, "--regime", "dsa", "--category", "intimate", check=False
    )
    assert no_person.returncode == 0  # the DSA does not ask who is depicted...
    run(home, "notice", "mark", f"{case}-N01", "withdrawn", "--note", "wrong regime")
    no_person = run(
        home,
        "notice",
        "draft",
        case,
        "--regime",
        "take_it_down",
        "--category",
        "intimate",
        check=False,
    )  # ...TAKE IT DOWN does, and the case has no enrolled artist
    assert no_person.returncode == 2 and "depicted_person" in no_person.stderr
    assert "good_faith_statement" not in no_person.stderr
    drafted = json.loads(
        run(
            home,
            "notice",
            "draft",
            case,
            "--regime",
            "take_it_down",
            "--category",
            "intimate",
            "--field",
            "depicted_person=Han Yuri (STELLA)",
            "--json",
        ).stdout
    )
    number = drafted[0]["number"]
    assert drafted[0]["status"] == "drafted" and drafted[0]["recipient"] == "abuse@loopback.test"

    sent = json.loads(run(home, "notice", "send", number, "--json").stdout)
    assert sent["status"] == "sent" and sent["due_at"]
    assert len(smtp_server.messages) == 1

    listed = jsonl(run(home, "notice", "list", "--json").stdout)
    assert [(n["number"], n["status"]) for n in listed] == [
        (number, "sent"),
        (f"{case}-N01", "withdrawn"),
    ]
    assert listed[0]["overdue"] is False
    deadlines = run(home, "notice", "deadlines", "--json")
    assert deadlines.returncode == 0 and json.loads(deadlines.stdout)["overdue"] == []

    checks = jsonl(run(home, "watch-urls", "--json").stdout)
    assert [c["outcome"] for c in checks] == ["live"]
    website.gone("/v/1")
    checks = jsonl(run(home, "watch-urls", "--json", "--item", "1").stdout)
    assert checks[0]["outcome"] == "removed" and checks[0]["notices_closed"] == [number]

    shown = json.loads(run(home, "notice", "show", number, "--json").stdout)
    assert shown["status"] == "removed" and shown["items"][0]["removed_at"]
    assert [e["to"] for e in shown["events"]] == ["drafted", "sent", "removed"]
    [stats] = json.loads(run(home, "notice", "stats", "--json").stdout)
    assert stats["urls_removed"] == 1 and stats["median_hours_to_takedown"] is not None
    table = run(home, "notice", "stats").stdout
    assert "under a minute" in table and "0.0" not in table  # removed within seconds
    assert json.loads(run(home, "audit", "verify", "--json").stdout)["ok"] is True


def test_missing_fields_and_bad_input_are_clear_errors(
    tmp_path: Path, smtp_server: LoopbackSMTP, website: ChangingSite
) -> None:
    home = _home(tmp_path, smtp_server, signature="")
    website.serve("/v/1", sample("rocket.jpg").read_bytes())
    run(home, "item", "add", str(sample("rocket.jpg")), "--url", website.url("/v/1"))
    case = run(home, "review", "confirm", "1", "--reason", "fake").stdout.split("case ")[-1]
    result = run(home, "notice", "draft", case.strip(), "--regime", "dsa", check=False)
    assert result.returncode == 0  # the DSA asks for no signature
    result = run(
        home,
        "notice",
        "draft",
        case.strip(),
        "--regime",
        "dmca",
        "--owns-copyright",
        check=False,
    )
    assert result.returncode == 2
    assert "signature" in result.stderr and "copyrighted_work" in result.stderr
    assert "Traceback" not in result.stderr
    bad = run(home, "notice", "draft", case.strip(), "--field", "oops", check=False)
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr
    missing = run(home, "notice", "show", "IG-1999-0001-N01", check=False)
    assert missing.returncode == 2 and "no notice" in missing.stderr
    bad_time = run(
        home, "notice", "mark", "IG-1999-0001-N01", "acknowledged", "--at", "yesterday", check=False
    )
    assert bad_time.returncode == 2 and "UTC time" in bad_time.stderr
    regimes = json.loads(run(home, "notice", "regimes", "--json").stdout)
    assert [r["key"] for r in regimes] == [
        "take_it_down",
        "dmca",
        "dsa",
        "kr_tba",
        "kcsc",
        "impersonation",
    ]
    platforms = json.loads(run(home, "notice", "platforms", "--json").stdout)
    assert {p["key"] for p in platforms["platforms"]} >= {"localhost", "kcsc"}


def test_sender_settings_from_the_cli(tmp_path: Path, smtp_server: LoopbackSMTP) -> None:
    """Issue 17, 8: the agency's sender is set and shown from the CLI too, over [notices]."""
    home = _home(tmp_path, smtp_server)
    shown = json.loads(run(home, "notice", "sender", "--json").stdout)["fields"]
    assert shown["name"] == {"value": "Kim Minji", "source": "installation"}
    changed = run(home, "notice", "sender", "--set", "title=Legal counsel", "--set", "name=Lee")
    assert "Legal counsel" in changed.stdout and "(agency)" in changed.stdout
    shown = json.loads(run(home, "notice", "sender", "--json").stdout)["fields"]
    assert shown["name"]["value"] == "Lee" and shown["title"]["source"] == "agency"
    bad = run(home, "notice", "sender", "--set", "nickname=x", check=False)
    assert bad.returncode != 0 and "unknown sender field" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = run(home, "notice", "recipient", "IG-2026-0001-N09", "a@b.example", check=False)
    assert missing.returncode != 0 and "no notice" in missing.stderr


def test_an_unconfirmed_send_is_told_and_resent_only_with_resend(
    tmp_path: Path, smtp_server: LoopbackSMTP, website: ChangingSite
) -> None:
    home = _home(tmp_path, smtp_server)
    website.serve("/v/1", sample("astronaut.jpg").read_bytes())
    run(home, "item", "add", str(sample("astronaut.jpg")), "--url", website.url("/v/1"))
    case = run(home, "review", "confirm", "1", "--reason", "swap").stdout.split("case ")[-1]
    drafted = run(home, "notice", "draft", case.strip(), "--regime", "dsa", "--json").stdout
    number = json.loads(drafted)[0]["number"]

    smtp_server.drop_data = True
    lost = run(home, "notice", "send", number, check=False)
    assert lost.returncode == 2 and "Traceback" not in lost.stderr
    assert "unconfirmed" in lost.stderr and f"notice send {number} --resend" in lost.stderr
    smtp_server.drop_data = False
    plain = run(home, "notice", "send", number, check=False)
    assert plain.returncode == 2 and "--resend" in plain.stderr and smtp_server.messages == []
    again = json.loads(run(home, "notice", "send", number, "--resend", "--json").stdout)
    assert again["status"] == "sent" and len(smtp_server.messages) == 1
