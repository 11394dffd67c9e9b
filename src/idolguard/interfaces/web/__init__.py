"""The web interface: REST API and bilingual UI over the same domain services as the CLI."""

from idolguard.interfaces.web.app import create_app

__all__ = ["create_app"]
