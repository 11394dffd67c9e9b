"""The connectors IdolGuard ships: adding one is one new module and one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idolguard.sources.connectors.base import Connector, SourceError
from idolguard.sources.connectors.feed import FeedConnector
from idolguard.sources.connectors.folder import FolderConnector
from idolguard.sources.connectors.html_pages import HtmlPagesConnector
from idolguard.sources.connectors.reddit import RedditListingConnector
from idolguard.sources.connectors.telegram_export import TelegramExportConnector
from idolguard.sources.connectors.url_list import UrlListConnector
from idolguard.sources.connectors.x_archive import XArchiveConnector

CONNECTORS: dict[str, type[Connector]] = {
    c.kind: c
    for c in (
        FolderConnector,
        UrlListConnector,
        FeedConnector,
        HtmlPagesConnector,
        RedditListingConnector,
        TelegramExportConnector,
        XArchiveConnector,
    )
}


def connector_class(kind: str) -> type[Connector]:
    try:
        return CONNECTORS[kind]
    except KeyError:
        raise SourceError(
            f"unknown source kind {kind!r}; known: {', '.join(sorted(CONNECTORS))}"
        ) from None


def make_connector(kind: str, options: Mapping[str, Any]) -> Connector:
    """A configured connector; ``SourceError`` says what is wrong with the options."""
    return connector_class(kind)(options)
