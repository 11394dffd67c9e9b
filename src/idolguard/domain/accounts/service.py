"""The account service: one object over the parts, for callers that hold ``app.accounts``.

Each concern is a module of its own (``tenants``, ``users``, ``signin``,
``tokens``, ``sessions``, over the shared ``base``); this class only puts them
together, so the CLI, the web app and the API keep one handle with one set of
limits.
"""

from __future__ import annotations

from idolguard.domain.accounts.sessions import Sessions
from idolguard.domain.accounts.signin import SignIn
from idolguard.domain.accounts.tenants import Tenants
from idolguard.domain.accounts.tokens import Tokens
from idolguard.domain.accounts.users import Users


class AccountService(Tenants, Users, SignIn, Tokens, Sessions):
    """Tenants, users, roles, tokens and sessions, each change audited in the custody log."""
