"""Registration of the source connectors that ship with IdolGuard: adding one is one line here.

A hook implementation module (``idolguard_connectors``) listed in
``idolguard.plugins.BUILTIN``, so the built-in connectors are found exactly
the way an installed plug-in's are.
"""

from __future__ import annotations

from idolguard.hookspecs import hookimpl
from idolguard.sources.connectors.base import Connector
from idolguard.sources.connectors.feed import FeedConnector
from idolguard.sources.connectors.folder import FolderConnector
from idolguard.sources.connectors.html_pages import HtmlPagesConnector
from idolguard.sources.connectors.profiles import ProfilesConnector
from idolguard.sources.connectors.reddit import RedditListingConnector
from idolguard.sources.connectors.telegram_export import TelegramExportConnector
from idolguard.sources.connectors.url_list import UrlListConnector
from idolguard.sources.connectors.x_archive import XArchiveConnector


@hookimpl
def idolguard_connectors() -> list[type[Connector]]:
    return [
        FolderConnector,
        UrlListConnector,
        FeedConnector,
        HtmlPagesConnector,
        RedditListingConnector,
        TelegramExportConnector,
        XArchiveConnector,
        ProfilesConnector,
    ]
