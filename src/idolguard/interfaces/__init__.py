"""User-facing interfaces: the CLI, the web app and its REST API.

They call the services of ``idolguard.app.IdolGuard`` and never import the
storage layer; storage failures reach them as ``idolguard.app.StartupError``.
"""
