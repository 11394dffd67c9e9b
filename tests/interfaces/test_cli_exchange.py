"""``idolguard exchange``: publish, token, withdraw, list; refusals exit 2 without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from idolguard.interfaces.cli import main as cli_main


def run(home: Path, *args: str, check: bool = True) -> Result:
    """In-process (a subprocess per command would cost seconds each)."""
    result = CliRunner().invoke(
        cli_main.app,
        list(args),
        env={"IDOLGUARD_HOME": str(home), "IDOLGUARD_DATABASE_URL": None, "COLUMNS": "200"},
    )
    if check and result.exit_code != 0:
        raise AssertionError(f"exit {result.exit_code}\n{result.output}\n{result.exception!r}")
    return result


PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_exchange_commands(tmp_path: Path) -> None:
    home = tmp_path / "home"
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"pdq {PDQ}\n")
    run(home, "bank", "import", str(hashes), "--bank", "confirmed")

    published = run(home, "exchange", "publish", "confirmed", "--tag", "ncii")
    assert "1 shared" in published.output
    issued = run(home, "exchange", "token", "confirmed", "--name", "platform")
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("igx_")
    listed = json.loads(run(home, "exchange", "list", "--json").stdout)
    assert listed["published"][0]["shared"] == 1
    assert listed["tokens"][0]["scope"] == "read"
    assert token not in json.dumps(listed)  # only the hash is kept
    withdrawn = run(home, "exchange", "withdraw", "confirmed")
    assert "withdrew 1" in withdrawn.output

    for args, message in (
        (("exchange", "publish", "nope"), "no bank named 'nope'"),
        (("exchange", "token", "confirmed", "--name", "x", "--scope", "all"), "scope must be"),
        (("exchange", "pull", "--bank", "nope"), "no subscription"),
        (
            (
                "exchange",
                "subscribe",
                "--url=ftp://x",
                "--agency=a",
                "--bank=b",
                "--token=t",
                "--into=mine",
            ),
            "http://",
        ),
    ):
        refused = run(home, *args, check=False)
        assert refused.exit_code == 2, refused.output
        assert message in refused.output and "Traceback" not in refused.output


def test_bank_import_and_export_stopncii(tmp_path: Path) -> None:
    home = tmp_path / "home"
    listing = tmp_path / "stopncii.json"
    listing.write_text(
        json.dumps(
            {
                "count": 2,
                "hashRecords": [
                    {"signalType": "ImagePDQ", "hashValue": PDQ, "hashStatus": "Active"},
                    {"signalType": "ImagePDQ", "hashValue": "0" * 64, "hashStatus": "Withdrawn"},
                ],
            }
        )
    )
    imported = run(home, "bank", "import", str(listing), "--bank", "ncii", "--format", "stopncii")
    assert "imported 1 new hash(es) from 1 record(s)" in imported.output
    out = tmp_path / "out.json"
    run(home, "bank", "export", str(out), "--format", "stopncii")
    data = json.loads(out.read_text())
    assert [(r["signalType"], r["hashValue"]) for r in data["hashRecords"]] == [("ImagePDQ", PDQ)]
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    refused = run(home, "bank", "import", str(bad), "--bank", "x", "-f", "stopncii", check=False)
    assert refused.exit_code == 2 and "invalid JSON" in refused.output
