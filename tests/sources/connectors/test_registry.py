"""Connectors are plug-ins: one module with an ``idolguard_connectors`` hook adds a source kind."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from idolguard import plugins
from idolguard.interfaces.cli.main import app as cli
from idolguard.plugins import plugin_manager
from idolguard.sources.connectors.base import SourceError
from idolguard.sources.connectors.registry import (
    ConnectorConflictError,
    connectors,
    make_connector,
)

BUILTIN_KINDS = {"folder", "urls", "feed", "html", "reddit", "telegram", "x-archive", "profiles"}

# A whole third-party connector: one module, one hook, nothing else touched.
PLUGIN_SOURCE = """
from typing import Any, ClassVar

from idolguard.hookspecs import hookimpl
from idolguard.sources.connectors.base import Connector, Option, Poll


class GuestbookConnector(Connector):
    kind: ClassVar[str] = "guestbook"
    description: ClassVar[str] = "a guestbook's entries"
    options: ClassVar[tuple[Option, ...]] = (Option("url", "the guestbook", required=True),)

    def poll(self, cursor: Any, web: Any) -> Poll:
        return Poll(found=[], cursor={})


@hookimpl
def idolguard_connectors() -> list[type[Connector]]:
    return [GuestbookConnector]
"""


@pytest.fixture
def guestbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A throwaway plug-in module, importable for this test only."""
    folder = tmp_path / "plugin"
    folder.mkdir()
    (folder / "idolguard_guestbook.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "idolguard_guestbook", raising=False)
    return importlib.import_module("idolguard_guestbook")


def test_builtin_connectors_come_from_the_plugin_manager() -> None:
    assert set(connectors(plugin_manager(load_entry_points=False))) == BUILTIN_KINDS
    assert set(connectors()) >= BUILTIN_KINDS


def test_a_plugin_module_adds_a_source_kind(guestbook: ModuleType) -> None:
    manager = plugin_manager(load_entry_points=False)
    manager.register(guestbook)
    found = connectors(manager)
    assert set(found) == {*BUILTIN_KINDS, "guestbook"}
    source = make_connector("guestbook", {"url": "https://example.com/book"}, manager)
    assert type(source).__name__ == "GuestbookConnector"
    with pytest.raises(SourceError, match="need"):
        make_connector("guestbook", {}, manager)


def test_unknown_kinds_name_the_known_ones() -> None:
    with pytest.raises(SourceError, match="unknown source kind 'nope'; known: feed, folder"):
        make_connector("nope", {})


def test_two_plugins_with_one_kind_are_refused(guestbook: ModuleType) -> None:
    manager = plugin_manager(load_entry_points=False)
    manager.register(guestbook, name="one")

    class Again:
        idolguard_connectors = staticmethod(guestbook.idolguard_connectors)

    manager.register(Again(), name="two")
    with pytest.raises(
        ConnectorConflictError, match="two plugins offer a source kind named 'guestbook'"
    ):
        connectors(manager)


def test_sources_kinds_lists_a_plugin_connector(
    guestbook: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugins, "BUILTIN", (*plugins.BUILTIN, guestbook.__name__))
    monkeypatch.setenv("IDOLGUARD_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["sources", "kinds"])
    assert result.exit_code == 0, result.output
    assert "guestbook: a guestbook's entries" in result.output
    assert "url (str, required): the guestbook" in result.output
    assert "feed:" in result.output
