"""Accounts: agencies (tenants), users, roles, API tokens and browser sessions.

One module per concern: ``model`` (roles, permissions, errors, views),
``tenants``, ``users``, ``signin`` (passwords and lockout), ``tokens`` and
``sessions``, put together as one ``AccountService`` in ``service``.

Several agencies may share one installation. Each agency is a *tenant* with a
database of its own; this package is the control plane that decides who may
act for which agency, and it lives only in the installation's main database.

A user is one person (one e-mail address, one password) and holds one role
in each agency they work for. Every request is made by a :class:`Principal`:
a user acting for one agency in one role, obtained from a password
(:meth:`AccountService.authenticate`), a browser session
(:meth:`AccountService.session`) or an API token
(:meth:`AccountService.verify_token`). Sessions and tokens re-read the
membership on every use, so a role change or revocation applies at once.

Secrets are kept only as one-way values: passwords as argon2id hashes,
session cookies and API tokens as SHA-256 (they are 256 random bits, so a
fast hash is enough; a slow KDF would only slow every request). Every change
and every sign-in attempt is written to the chain-of-custody log in the same
transaction as the change itself, and never with a password, a hash or a
token in clear (tokens are named by their prefix).

Sign-in is rate limited per account: ``max_failures`` consecutive wrong
passwords lock the account for ``lockout``. Limits per client address belong
to the web layer, which knows the address. Only known addresses lock, so
``LockedError`` is for the operator (CLI, audit log); the web app answers
every failure, lockout included, with one message. Unknown addresses and
locked accounts cost the same hash verification as a real check.
"""

from __future__ import annotations

from idolguard.domain.accounts.model import (
    GENERIC_FAILURE,
    PERMISSIONS,
    ROLES,
    SIGN_IN_ACTOR,
    TOKEN_PREFIX,
    AccountError,
    AuthError,
    IssuedToken,
    LockedError,
    NewSession,
    PermissionDenied,
    Principal,
    TenantChoiceRequired,
    TenantView,
    TokenView,
    UserView,
    allowed,
    normalise_email,
)
from idolguard.domain.accounts.service import AccountService

__all__ = [
    "GENERIC_FAILURE",
    "PERMISSIONS",
    "ROLES",
    "SIGN_IN_ACTOR",
    "TOKEN_PREFIX",
    "AccountError",
    "AccountService",
    "AuthError",
    "IssuedToken",
    "LockedError",
    "NewSession",
    "PermissionDenied",
    "Principal",
    "TenantChoiceRequired",
    "TenantView",
    "TokenView",
    "UserView",
    "allowed",
    "normalise_email",
]
