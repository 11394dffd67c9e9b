"""Which source connectors exist: the built-in ones and those of installed plug-ins.

Connectors are offered through the ``idolguard_connectors`` hook of the one
plugin manager (``idolguard.plugins``); the built-in ones are registered in
``sources.connectors.builtin``. Adding one is one new module and one
registration line, there or in a plug-in package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pluggy

from idolguard.plugins import plugin_manager
from idolguard.sources.connectors.base import Connector, SourceError

__all__ = ["ConnectorConflictError", "connector_class", "connectors", "make_connector"]


class ConnectorConflictError(SourceError):
    """Two plugins offer a connector of the same kind: which one is meant cannot be guessed."""


def connectors(manager: pluggy.PluginManager | None = None) -> dict[str, type[Connector]]:
    """Every connector class by its ``kind``, from ``manager`` (default: the shared one)."""
    manager = plugin_manager() if manager is None else manager
    found: dict[str, type[Connector]] = {}
    for batch in manager.hook.idolguard_connectors():
        for cls in batch:
            if cls.kind in found:
                raise ConnectorConflictError(
                    f"two plugins offer a source kind named {cls.kind!r} "
                    f"({found[cls.kind].__module__}.{found[cls.kind].__qualname__} and "
                    f"{cls.__module__}.{cls.__qualname__})"
                )
            found[cls.kind] = cls
    return found


def connector_class(kind: str, manager: pluggy.PluginManager | None = None) -> type[Connector]:
    known = connectors(manager)
    try:
        return known[kind]
    except KeyError:
        raise SourceError(
            f"unknown source kind {kind!r}; known: {', '.join(sorted(known))}"
        ) from None


def make_connector(
    kind: str, options: Mapping[str, Any], manager: pluggy.PluginManager | None = None
) -> Connector:
    """A configured connector; ``SourceError`` says what is wrong with the options."""
    return connector_class(kind, manager)(options)
