"""User-facing interfaces: the CLI (and later the web app and REST API)."""
