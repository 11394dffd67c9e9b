"""The web app as an import string, for servers that start several worker processes.

``idolguard serve --workers N`` (and uvicorn or gunicorn run by hand) start
each worker process by importing :func:`create`; settings come from the
environment (``IDOLGUARD_HOME``, ``IDOLGUARD_DATABASE_URL``, ``IDOLGUARD_CONFIG``)
because nothing else crosses into a freshly started process. Rate limits are
then counted in the database, so they hold across the processes (sign-in
lockouts always were: they live in the user table). By hand::

    uvicorn --factory idolguard.interfaces.web.asgi:create --workers 4 \\
        --http idolguard.interfaces.web.asgi:GuardedH11Protocol
"""

from __future__ import annotations

import atexit
from typing import Any

from fastapi import FastAPI

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.interfaces.web.app import create_app


def create() -> FastAPI:
    """One worker process's app: the installation from the environment, shared limits."""
    installation = IdolGuard(load_settings())
    atexit.register(installation.close)
    return create_app(installation, installation.settings.web, shared_limits=True)


def __getattr__(name: str) -> Any:
    # ``serve``'s slow-client guard, reachable by an import string (uvicorn's ``--http``).
    if name == "GuardedH11Protocol":
        from idolguard.interfaces.cli.serve import guarded_protocol

        return guarded_protocol()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
