"""Accounts: roles and permissions, the errors and views the account service hands out.

The vocabulary shared by the service's parts and by the interfaces: who may do
what (``PERMISSIONS``, ``allowed``), what a principal, token or session looks
like, and how e-mail addresses, names, passwords and short names are checked.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult

from idolguard.storage.models import Membership, Tenant, UserAccount

ROLES = ("admin", "reviewer", "legal", "viewer")

_ALL = frozenset(ROLES)
_STAFF = frozenset({"admin", "reviewer", "legal"})
_ADMIN = frozenset({"admin"})
_REVIEW = frozenset({"admin", "reviewer"})
_LEGAL = frozenset({"admin", "legal"})

PERMISSIONS: Mapping[str, frozenset[str]] = {
    "dashboard.read": _ALL,
    "roster.read": _ALL,
    "roster.write": _ADMIN,
    "review.read": _ALL,
    "review.decide": _REVIEW,
    "media.reveal": _STAFF,
    "cases.read": _ALL,
    "cases.write": _STAFF,
    "evidence.export": _LEGAL,
    "notices.read": _ALL,
    "notices.write": _LEGAL,
    "notices.send": _LEGAL,
    "sources.read": _ALL,
    "sources.write": _ADMIN,
    "audit.read": _LEGAL,
    "users.manage": _ADMIN,
    "portal.write": _ADMIN,
    "exchange.read": _ALL,  # which banks are shared, with which labels
    "exchange.publish": _LEGAL,  # sharing hashes with platforms and agencies is a legal act
    "exchange.manage": _ADMIN,  # feed tokens for partners
}

TOKEN_PREFIX = "igt_"
_TOKEN_RE = re.compile(r"igt_[A-Za-z0-9_-]{43}")
_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_SLUG_RE = re.compile(r"[a-z][a-z0-9-]{1,39}")
_SHOWN_PREFIX = 12  # characters of a token kept in clear, so people can tell tokens apart
_TOUCH_EVERY = timedelta(minutes=1)  # last-used times are refreshed at most this often
_MIN_PASSWORD, _MAX_PASSWORD = 12, 1024
_MAX_EMAIL, _MAX_NAME = 254, 200
# Invisible format characters kept in names: joiners used by emoji and some scripts.
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
SIGN_IN_ACTOR = "system:sign-in"  # actor of failed sign-ins: the claimed identity is unproven
GENERIC_FAILURE = "wrong e-mail or password"


def allowed(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action``.

    ===================  =====  ========  =====  ======
    action               admin  reviewer  legal  viewer
    ===================  =====  ========  =====  ======
    dashboard.read       yes    yes       yes    yes
    roster.read          yes    yes       yes    yes
    roster.write         yes    -         -      -
    review.read          yes    yes       yes    yes
    review.decide        yes    yes       -      -
    media.reveal         yes    yes       yes    -
    cases.read           yes    yes       yes    yes
    cases.write          yes    yes       yes    -
    evidence.export      yes    -         yes    -
    notices.read         yes    yes       yes    yes
    notices.write        yes    -         yes    -
    notices.send         yes    -         yes    -
    sources.read         yes    yes       yes    yes
    sources.write        yes    -         -      -
    audit.read           yes    -         yes    -
    users.manage         yes    -         -      -
    portal.write         yes    -         -      -
    ===================  =====  ========  =====  ======

    Why: reviewers judge content, so they decide and must see it unblurred;
    legal staff act on confirmed cases (notices, evidence bundles) and need
    to see what they certify; viewers (management, the artist's team) follow
    progress but never see unblurred abuse material nor act. What is
    monitored and who is protected (sources, roster) changes what the system
    collects, so only admins change it; what the public portal says in the
    agency's name (its statement, contact, artist list) is the agency
    speaking, so only admins change that too.

    An unknown action or role raises ``ValueError``: a typo in a permission
    check must fail loudly, not silently allow or deny.
    """
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(sorted(PERMISSIONS))}")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role in PERMISSIONS[action]


class AccountError(ValueError):
    """An account request was refused; the message says why, for people."""


class AuthError(AccountError):
    """Sign-in or credential check failed. The message never says which part was wrong."""


class LockedError(AuthError):
    """Too many failed sign-ins: the account is locked for ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: float) -> None:
        self.retry_after_seconds = max(0.0, retry_after_seconds)
        minutes = max(1, math.ceil(self.retry_after_seconds / 60))
        super().__init__(
            f"too many failed sign-ins: this account is locked; try again in {minutes} minute"
            + ("s" if minutes != 1 else "")
        )


class TenantChoiceRequired(AccountError):
    """The password was right but the user works for several agencies: the UI must ask which."""


class PermissionDenied(AccountError):
    """The principal's role does not allow the action."""


@dataclass(frozen=True)
class TenantView:
    id: int
    slug: str
    name: str
    database_url: str | None
    created_at: datetime
    disabled: bool


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    display_name: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    roles: dict[str, str]  # tenant slug -> role


@dataclass(frozen=True)
class Principal:
    """A user acting for one agency in one role; ``via`` says how they proved it."""

    user_id: int
    email: str
    display_name: str
    tenant_id: int
    tenant_slug: str
    role: str
    via: str  # "password" | "session" | "token"

    def can(self, action: str) -> bool:
        return allowed(self.role, action)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied(
                f"the {self.role} role may not do {action!r} in agency {self.tenant_slug!r}"
            )


@dataclass(frozen=True)
class IssuedToken:
    """A new API token. ``token`` is shown once: only its hash is stored."""

    id: int
    token: str
    prefix: str
    name: str
    tenant_slug: str
    expires_at: datetime | None


@dataclass(frozen=True)
class TokenView:
    id: int
    prefix: str
    name: str
    email: str
    tenant_slug: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class NewSession:
    """A new browser session: ``token`` goes in the cookie, ``csrf_token`` into forms."""

    token: str
    csrf_token: str
    expires_at: datetime
    principal: Principal


def normalise_email(email: str) -> str:
    """The one spelling an address is stored and looked up by (NFKC, lower case)."""
    return unicodedata.normalize("NFKC", email.strip()).lower()


def _valid_email(email: str) -> str:
    address = normalise_email(email) if isinstance(email, str) else ""
    local, at, domain = address.partition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or "@" in domain
        or len(labels) < 2
        or not all(labels)
        or len(address) > _MAX_EMAIL
        or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in address)
    ):
        raise AccountError(f"{email!r} is not an e-mail address (expected name@example.org)")
    return address


def _clean_text(value: str, what: str) -> str:
    """Names shown to people: no control or invisible characters, single spaces, bounded."""
    if not isinstance(value, str):
        raise AccountError(f"{what} must be text")
    kept = []
    for char in unicodedata.normalize("NFC", value):
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category != "Cf" or char in _KEPT_FORMAT:
            kept.append(char)
    text = " ".join("".join(kept).split())
    if not text:
        raise AccountError(f"{what} must not be empty")
    if len(text) > _MAX_NAME:
        raise AccountError(f"{what} is too long: {len(text)} characters, at most {_MAX_NAME}")
    return text


def _password(password: str, email: str) -> str:
    """Check the password policy; return the password as it is hashed (NFKC, per NIST 800-63B).

    Length is what makes a password strong, so the rules are few: 12 to 1024
    characters, not one character repeated, not containing the address's name.
    """
    if not isinstance(password, str):
        raise AccountError("a password must be text")
    normal = unicodedata.normalize("NFKC", password)
    if len(normal) < _MIN_PASSWORD:
        raise AccountError(
            f"a password needs at least {_MIN_PASSWORD} characters (this one has {len(normal)})"
        )
    if len(normal) > _MAX_PASSWORD:
        raise AccountError(f"a password may have at most {_MAX_PASSWORD} characters")
    if len(set(normal)) == 1:
        raise AccountError("a password must not be one character repeated")
    local = email.partition("@")[0]
    if len(local) >= 3 and local.casefold() in normal.casefold():
        raise AccountError("a password must not contain the name part of the e-mail address")
    return normal


def _slug(slug: str) -> str:
    return slug.strip().lower() if isinstance(slug, str) else ""


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _tenant_view(row: Tenant) -> TenantView:
    return TenantView(row.id, row.slug, row.name, row.database_url, row.created_at, row.disabled)


def _principal(user: UserAccount, tenant: Tenant, membership: Membership, via: str) -> Principal:
    return Principal(
        user.id, user.email, user.display_name, tenant.id, tenant.slug, membership.role, via
    )


def _view_of_user(user: UserAccount, roles: dict[str, str]) -> UserView:
    return UserView(
        user.id,
        user.email,
        user.display_name,
        user.disabled,
        user.created_at,
        user.last_login_at,
        roles,
    )
