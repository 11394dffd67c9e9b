"""CLI start-up and literal text: what every command pays before it runs, and what it prints."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from rich.markup import escape
from typer.main import get_command
from typer.testing import CliRunner

from idolguard.interfaces.cli import main as cli_main
from idolguard.interfaces.cli.context import fail

HEAVY = ("numpy", "onnxruntime", "sqlalchemy", "fastapi", "cv2", "av", "torch", "idolguard.app")


def _loaded_after(*args: str) -> list[str]:
    """Heavy modules imported by ``idolguard ARGS`` run in a fresh interpreter."""
    code = (
        "import sys\n"
        f"sys.argv = ['idolguard', *{list(args)!r}]\n"
        "from idolguard.interfaces.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("loaded:"), result.stderr
    return [m for m in last.removeprefix("loaded:").split(",") if m]


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["scan", "--help"]])
def test_version_and_help_import_no_heavy_module(args: list[str]) -> None:
    assert _loaded_after(*args) == []


def test_every_command_is_listed_with_its_own_help() -> None:
    """The command list's one-line helps are the real commands' first paragraphs."""
    group = get_command(cli_main.app)
    assert isinstance(group, cli_main.LazyGroup)
    ctx = typer.Context(group)
    assert set(cli_main.LAZY) <= set(group.list_commands(ctx))
    for name, lazy in cli_main.LAZY.items():
        command = group.get_command(ctx, name)
        assert command is not None and command.help is not None, name
        first = inspect.cleandoc(command.help).split("\n\n")[0].replace("\n", " ")
        assert first == escape(lazy.help), name


def test_help_lists_every_command_and_runs_lazily_loaded_ones() -> None:
    runner = CliRunner()
    listed = runner.invoke(cli_main.app, ["--help"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    for name in [*cli_main.LAZY, "signals", "info"]:
        assert f" {name} " in listed.output
    typo = runner.invoke(cli_main.app, ["sorces"])
    assert typo.exit_code == 2 and "Did you mean 'sources'?" in typo.output


def test_help_keeps_config_sections_in_brackets() -> None:
    """Rich markup read ``[notices]`` as a style tag and dropped it from help texts."""
    app = typer.Typer(cls=cli_main.LazyGroup)

    @app.command("send")
    def send(
        field: Annotated[str, typer.Option(help="Overrides [notices] sender_name.")] = "",
    ) -> None:
        """Send through [smtp]; set [notices] email first."""

    @app.command("other")
    def other() -> None:
        """Another command, so that the app is a group."""

    runner = CliRunner()
    env = {"COLUMNS": "200"}
    listed = runner.invoke(app, ["--help"], env=env).output
    assert "Send through [smtp]; set [notices] email first." in listed
    shown = runner.invoke(app, ["send", "--help"], env=env).output
    assert "set [notices] email first" in shown and "Overrides [notices] sender_name." in shown
    real = runner.invoke(cli_main.app, ["evidence", "--help"], env=env).output
    assert "point [evidence] encryption_key_file at it" in real


def test_errors_keep_config_sections_in_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        fail("e-mail sending is off: set [smtp] host; [notices] sender_name is empty")
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "error: e-mail sending is off: set [smtp] host; [notices] sender_name is empty" in err


def test_error_from_a_real_command_keeps_brackets(tmp_path: Path) -> None:
    env = {**os.environ, "IDOLGUARD_HOME": str(tmp_path / "home"), "COLUMNS": "60"}
    env.pop("IDOLGUARD_DATABASE_URL", None)
    env.pop("IDOLGUARD_TSA_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "idolguard", "audit", "anchor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    # One line, however narrow the terminal: rich no longer wraps (or eats) the message.
    assert "([evidence] tsa_url or IDOLGUARD_TSA_URL)" in result.stderr
    assert "Traceback" not in result.stderr
