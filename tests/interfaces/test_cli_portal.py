"""``idolguard --tenant <agency> portal``: set, show and clear an agency's portal text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.interfaces.test_cli import run
from tests.interfaces.test_cli_accounts import run_stdin


def test_set_show_clear_through_the_real_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "tenant", "add", "stella", "--name", "Stella Entertainment")
    run(home, "tenant", "add", "nova", "--name", "Nova Music")
    stella = ("--tenant", "stella", "--operator", "kim.admin", "portal")

    needs_agency = run(home, "portal", "show", check=False)
    assert needs_agency.returncode == 2 and "--tenant" in needs_agency.stderr
    assert "no portal text yet" in run(home, *stella, "show").stdout

    hostile = '<p onclick="x()">고맙습니다</p><script>alert(1)</script><a href="javascript:x">y</a>'
    done = run(home, *stella, "set", "statement", "--lang", "ko", "--html", hostile)
    assert done.stdout.strip() == '<p>고맙습니다</p><a rel="noopener noreferrer nofollow">y</a>'
    assert "removed" in done.stderr

    text = tmp_path / "artists.html"
    text.write_text("<ul><li>Han Yuri</li></ul>", encoding="utf-8")
    run(home, *stella, "set", "artists", "--lang", "en", "--file", str(text))
    piped = run_stdin(
        home, "<p>protect@stella.example</p>", *stella, "set", "contact", "-l", "en", "-f", "-"
    )
    assert piped.returncode == 0, piped.stderr

    shown = json.loads(run(home, *stella, "show", "--json").stdout)["blocks"]
    assert [(b["key"], b["language"], b["updated_by"]) for b in shown] == [
        ("statement", "ko", "kim.admin"),
        ("contact", "en", "kim.admin"),
        ("artists", "en", "kim.admin"),
    ]
    # Another agency's portal is its own.
    assert "no portal text yet" in run(home, "--tenant", "nova", "portal", "show").stdout

    for bad in (
        ("set", "banner", "--lang", "ko", "--html", "<p>x</p>"),
        ("set", "statement", "--lang", "ja", "--html", "<p>x</p>"),
        ("set", "statement", "--lang", "ko", "--html", "<script>x</script>"),
        ("set", "statement", "--lang", "ko"),
        ("set", "statement", "--lang", "ko", "--html", "x", "--file", str(text)),
    ):
        refused = run(home, *stella, *bad, check=False)
        assert refused.returncode == 2, (bad, refused.stdout, refused.stderr)

    assert "cleared statement (ko)" in run(home, *stella, "clear", "statement", "-l", "ko").stdout
    assert "there was no" in run(home, *stella, "clear", "statement", "-l", "ko").stdout
    log = run(home, "--tenant", "stella", "audit", "log").stdout
    assert "portal:statement:ko" in log and "kim.admin" in log
    run(home, "--tenant", "stella", "audit", "verify")
