"""Agencies, people and tokens through the real command; ``--tenant`` keeps data apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import sample
from tests.interfaces.test_cli import run

PASSWORD = "correct horse battery staple"


def run_stdin(home: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IDOLGUARD_HOME": str(home), "COLUMNS": "200"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "idolguard", *args],
        env=env,
        input=text,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_agencies_users_tokens_and_separate_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "tenant", "add", "stella", "--name", "Stella Entertainment")
    run(home, "tenant", "add", "nova", "--name", "Nova Music")
    bad = run(home, "tenant", "add", "Not OK!", "--name", "x", check=False)
    assert bad.returncode == 2

    added = run_stdin(
        home,
        PASSWORD + "\n",
        "user",
        "add",
        "Kim@Stella.test",
        "--name",
        "Kim Minji",
        "--agency",
        "stella",
        "--role",
        "reviewer",
        "--password-stdin",
    )
    assert added.returncode == 0, added.stderr
    weak = run_stdin(
        home, "short\n", "user", "add", "lee@nova.test", "--name", "Lee", "--password-stdin"
    )
    assert weak.returncode == 2 and "12" in weak.stderr
    run(home, "user", "grant", "kim@stella.test", "--agency", "nova", "viewer")
    users = json.loads(run(home, "user", "list", "--json").stdout)
    assert users[0]["roles"] == {"nova": "viewer", "stella": "reviewer"}

    created = run(
        home, "token", "create", "kim@stella.test", "--agency", "stella", "--name", "ingest"
    )
    token = created.stdout.strip()
    assert token.startswith("igt_") and "not shown again" in created.stderr
    listed = json.loads(run(home, "token", "list", "--json").stdout)
    assert listed[0]["prefix"] == token[:12] and token not in json.dumps(listed)
    run(home, "token", "revoke", str(listed[0]["id"]))
    assert json.loads(run(home, "token", "list", "--json").stdout)[0]["revoked"] is True

    # Each agency's data is its own: a roster entry in one is not in the other.
    run(
        home,
        "--tenant",
        "stella",
        "roster",
        "add",
        "Han Yuri",
        "--photo",
        str(sample("astronaut.jpg")),
    )
    stella = json.loads(run(home, "--tenant", "stella", "roster", "list", "--json").stdout)
    nova = json.loads(run(home, "--tenant", "nova", "roster", "list", "--json").stdout)
    own = json.loads(run(home, "roster", "list", "--json").stdout)
    assert [a["name"] for a in stella] == ["Han Yuri"] and nova == [] and own == []
    assert (home / "tenants" / "stella" / "idolguard.sqlite3").is_file()
    missing = run(home, "--tenant", "nobody", "roster", "list", check=False)
    assert missing.returncode == 2 and "nobody" in missing.stderr

    run(home, "tenant", "disable", "nova")
    suspended = run(home, "--tenant", "nova", "roster", "list", check=False)
    assert suspended.returncode == 2 and "disabled" in suspended.stderr
    run(home, "tenant", "enable", "nova")
    assert run(home, "--tenant", "nova", "roster", "list", "--json").stdout.strip() == "[]"
