"""Accounts: agencies (tenants), users, roles, API tokens and browser sessions.

Several agencies may share one installation. Each agency is a *tenant* with a
database of its own; this module is the control plane that decides who may
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

import hashlib
import math
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso, utcnow
from idolguard.domain.custody import CustodyLog
from idolguard.storage.database import Database
from idolguard.storage.models import ApiToken, Membership, Tenant, UserAccount, WebSession

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


@dataclass(frozen=True)
class _Candidate:
    """What sign-in needs from the user row before the (slow, DB-free) hash check."""

    id: int
    email: str
    password_hash: str
    locked_until: datetime | None


# ------------------------------------------------------------------ helpers
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


class AccountService:
    """Tenants, users, roles, tokens and sessions, each change audited in the custody log."""

    def __init__(
        self,
        database: Database,
        custody: CustodyLog,
        *,
        clock: Callable[[], datetime] = utcnow,
        hasher: PasswordHasher | None = None,
        max_failures: int = 5,
        lockout: timedelta = timedelta(minutes=15),
        session_lifetime: timedelta = timedelta(hours=12),
        session_idle: timedelta = timedelta(hours=2),
    ) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        self.db = database
        self.custody = custody
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self.max_failures = max_failures
        self.lockout = lockout
        self.session_lifetime = session_lifetime
        self.session_idle = session_idle
        self._dummy_hash: str | None = None

    # --------------------------------------------------------------- tenants
    def create_tenant(
        self, slug: str, name: str, *, actor: str, database_url: str | None = None
    ) -> TenantView:
        """Register an agency. Its own database is created by whoever opens it, not here."""
        slug = _slug(slug)
        if not _SLUG_RE.fullmatch(slug):
            raise AccountError(
                f"agency short name {slug!r} must be 2 to 40 characters of a-z, 0-9 and '-', "
                "starting with a letter"
            )
        name = _clean_text(name, "the agency name")
        url = (database_url or "").strip() or None
        try:
            with self.db.session() as session:
                if session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
                    raise AccountError(f"an agency named {slug!r} already exists")
                row = Tenant(slug=slug, name=name, database_url=url, created_at=self.clock())
                session.add(row)
                session.flush()
                # The URL may carry a database password: the log says only whether there is one.
                self._audit(
                    session,
                    actor,
                    f"tenant:{row.id}",
                    "tenant_created",
                    slug=slug,
                    name=name,
                    own_database=url is not None,
                )
                return _tenant_view(row)
        except IntegrityError as exc:  # created at the same moment by someone else
            raise AccountError(f"an agency named {slug!r} already exists") from exc

    def tenants(self) -> list[TenantView]:
        with self.db.session() as session:
            return [_tenant_view(t) for t in session.scalars(select(Tenant).order_by(Tenant.slug))]

    def tenant(self, slug: str) -> TenantView:
        with self.db.session() as session:
            return _tenant_view(self._tenant(session, slug))

    def set_tenant_disabled(self, slug: str, disabled: bool, *, actor: str) -> TenantView:
        """Suspend an agency (nobody signs in to it, its tokens stop) or lift the suspension.

        Its data is untouched: suspension is about access, and evidence must survive it.
        """
        with self.db.session() as session:
            tenant = self._tenant(session, slug)
            if tenant.disabled != disabled:
                tenant.disabled = disabled
                if disabled:
                    session.execute(delete(WebSession).where(WebSession.tenant_id == tenant.id))
                event = "tenant_disabled" if disabled else "tenant_enabled"
                self._audit(session, actor, f"tenant:{tenant.id}", event, slug=tenant.slug)
            return _tenant_view(tenant)

    # ----------------------------------------------------------------- users
    def add_user(self, email: str, password: str, *, display_name: str, actor: str) -> UserView:
        address = _valid_email(email)
        name = _clean_text(display_name, "the display name")
        encoded = self.hasher.hash(_password(password, address))
        try:
            with self.db.session() as session:
                if self._find_user(session, address) is not None:
                    raise AccountError(f"a user with the address {address} already exists")
                user = UserAccount(
                    email=address,
                    display_name=name,
                    password_hash=encoded,
                    created_at=self.clock(),
                    disabled=False,
                    failed_logins=0,
                )
                session.add(user)
                session.flush()
                self._audit(
                    session,
                    actor,
                    f"user:{user.id}",
                    "user_added",
                    email=address,
                    display_name=name,
                )
                return self._user_view(session, user)
        except IntegrityError as exc:
            raise AccountError(f"a user with the address {address} already exists") from exc

    def set_password(self, email: str, password: str, *, actor: str) -> None:
        """Replace the password, clear any lockout, and sign the user out everywhere.

        Ending sessions matters: a password is usually changed because someone
        else may know it, and they may be signed in already. API tokens are
        separate credentials and stay valid (revoke them explicitly).
        """
        address = _valid_email(email)
        encoded = self.hasher.hash(_password(password, address))
        with self.db.session() as session:
            user = self._user(session, address)
            user.password_hash = encoded
            user.failed_logins = 0
            user.locked_until = None
            ended = self._end_sessions(session, user.id)
            self._audit(session, actor, f"user:{user.id}", "password_set", sessions_ended=ended)

    def grant(self, email: str, tenant_slug: str, role: str, *, actor: str) -> UserView:
        """Give the user ``role`` in the agency, creating or changing the membership."""
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        with self.db.session() as session:
            user = self._user(session, _valid_email(email))
            tenant = self._tenant(session, tenant_slug)
            membership = self._membership(session, user.id, tenant.id)
            previous = membership.role if membership else None
            if previous != role:
                if membership is None:
                    session.add(Membership(user_id=user.id, tenant_id=tenant.id, role=role))
                else:
                    membership.role = role
                session.flush()
                self._audit(
                    session,
                    actor,
                    f"user:{user.id}",
                    "role_granted",
                    tenant=tenant.slug,
                    role=role,
                    previous=previous,
                )
            return self._user_view(session, user)

    def revoke(self, email: str, tenant_slug: str, *, actor: str) -> UserView:
        """Remove the user from the agency: their sessions there end, their tokens there die."""
        with self.db.session() as session:
            user = self._user(session, _valid_email(email))
            tenant = self._tenant(session, tenant_slug)
            membership = self._membership(session, user.id, tenant.id)
            if membership is None:
                raise AccountError(f"{user.email} has no role in agency {tenant.slug!r}")
            role = membership.role
            session.delete(membership)
            ended = self._end_sessions(session, user.id, tenant.id)
            revoked = self._revoke_tokens(session, user.id, tenant.id)
            self._audit(
                session,
                actor,
                f"user:{user.id}",
                "role_revoked",
                tenant=tenant.slug,
                role=role,
                sessions_ended=ended,
                tokens_revoked=revoked,
            )
            session.flush()
            return self._user_view(session, user)

    def disable_user(self, email: str, *, actor: str) -> UserView:
        """Stop the user signing in. Sessions end now; tokens are refused when next used."""
        return self._set_disabled(email, True, actor)

    def enable_user(self, email: str, *, actor: str) -> UserView:
        """Undo :meth:`disable_user`. Tokens issued before work again unless revoked."""
        return self._set_disabled(email, False, actor)

    def users(self, tenant_slug: str | None = None) -> list[UserView]:
        """All users, or the members of one agency.

        For one agency, ``roles`` holds only that agency's role: an agency's
        admin has no business learning who else a person works for.
        """
        with self.db.session() as session:
            query = (
                select(UserAccount, Membership.role, Tenant.slug)
                .outerjoin(Membership, Membership.user_id == UserAccount.id)
                .outerjoin(Tenant, Tenant.id == Membership.tenant_id)
                .order_by(UserAccount.email, Tenant.slug)
            )
            if tenant_slug is not None:
                query = query.where(Tenant.id == self._tenant(session, tenant_slug).id)
            found: dict[int, tuple[UserAccount, dict[str, str]]] = {}
            for user, role, slug in session.execute(query):
                roles = found.setdefault(user.id, (user, {}))[1]
                if slug is not None and role is not None:
                    roles[slug] = role
            return [_view_of_user(user, roles) for user, roles in found.values()]

    # --------------------------------------------------------------- sign-in
    def authenticate(self, email: str, password: str, tenant_slug: str | None = None) -> Principal:
        """Check a password and return who signed in, for which agency, in which role.

        The hash check runs outside any transaction (it is deliberately slow);
        the outcome (counters, lockout, rehash, audit entries) is then written
        in one transaction, and only after it commits is an error raised, so a
        failed attempt is always counted and logged.
        """
        address = normalise_email(email)[:_MAX_EMAIL] if isinstance(email, str) else ""
        with self.db.session() as session:
            user = self._find_user(session, address) if address else None
            candidate = (
                _Candidate(user.id, user.email, user.password_hash, user.locked_until)
                if user is not None
                else None
            )
        if candidate is None:
            self._verify(self._dummy(), password)  # as slow as for a real account
            self._audit_unknown(address)
            raise AuthError(GENERIC_FAILURE)
        now = self.clock()
        if candidate.locked_until is not None and candidate.locked_until > now:
            # As slow as a real check, so timing does not single out locked (hence known) accounts.
            self._verify(self._dummy(), password)
            self._audit_locked_attempt(candidate)
            raise LockedError((candidate.locked_until - now).total_seconds())
        correct = self._verify(candidate.password_hash, password)
        upgraded = self._upgraded_hash(candidate, password) if correct else None
        outcome = self._settle(candidate, correct, upgraded, tenant_slug, now)
        if isinstance(outcome, AccountError):
            raise outcome
        return outcome

    # ---------------------------------------------------------------- tokens
    def issue_token(
        self,
        email: str,
        tenant_slug: str,
        name: str,
        *,
        actor: str,
        expires_in: timedelta | None = None,
    ) -> IssuedToken:
        """A bearer token for the API, acting as the user in one agency (no expiry when None)."""
        label = _clean_text(name, "the token name")
        if expires_in is not None and expires_in <= timedelta(0):
            raise AccountError("a token's lifetime must be positive")
        with self.db.session() as session:
            user = self._user(session, _valid_email(email))
            tenant = self._tenant(session, tenant_slug)
            if user.disabled:
                raise AccountError(f"{user.email} is disabled: no token can be issued")
            if tenant.disabled:
                raise AccountError(f"agency {tenant.slug!r} is disabled: no token can be issued")
            if self._membership(session, user.id, tenant.id) is None:
                raise AccountError(
                    f"{user.email} has no role in agency {tenant.slug!r}: grant one first"
                )
            now = self.clock()
            plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
            row = ApiToken(
                token_hash=_sha256(plaintext),
                prefix=plaintext[:_SHOWN_PREFIX],
                name=label,
                user_id=user.id,
                tenant_id=tenant.id,
                created_at=now,
                expires_at=now + expires_in if expires_in is not None else None,
            )
            session.add(row)
            session.flush()
            self._audit(
                session,
                actor,
                f"token:{row.id}",
                "token_issued",
                prefix=row.prefix,
                name=label,
                user=user.id,
                email=user.email,
                tenant=tenant.slug,
                expires_at=utc_iso(row.expires_at) if row.expires_at else None,
            )
            return IssuedToken(row.id, plaintext, row.prefix, label, tenant.slug, row.expires_at)

    def verify_token(self, token: str) -> Principal:
        """Who a bearer token acts for, in the role they hold now; AuthError when not valid."""
        if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
            raise AuthError("not a valid API token")
        now = self.clock()
        with self.db.session() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(token)))
            if row is None or row.revoked_at is not None:
                raise AuthError("this API token is unknown or revoked")
            if row.expires_at is not None and row.expires_at <= now:
                raise AuthError("this API token has expired")
            live = self._live(session, row.user_id, row.tenant_id)
            if live is None:
                raise AuthError("this API token's user may no longer act for its agency")
            if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
                row.last_used_at = now
            return _principal(*live, via="token")

    def tokens(self, tenant_slug: str | None = None) -> list[TokenView]:
        """Every token (revoked and expired ones too, so the history stays visible)."""
        with self.db.session() as session:
            query = (
                select(ApiToken, UserAccount.email, Tenant.slug)
                .join(UserAccount, UserAccount.id == ApiToken.user_id)
                .join(Tenant, Tenant.id == ApiToken.tenant_id)
                .order_by(ApiToken.id)
            )
            if tenant_slug is not None:
                query = query.where(Tenant.id == self._tenant(session, tenant_slug).id)
            return [
                TokenView(
                    t.id,
                    t.prefix,
                    t.name,
                    email,
                    slug,
                    t.created_at,
                    t.expires_at,
                    t.last_used_at,
                    t.revoked_at,
                )
                for t, email, slug in session.execute(query)
            ]

    def revoke_token(self, token_id: int, *, actor: str) -> None:
        """Revoke a token for good; revoking one already revoked changes nothing."""
        with self.db.session() as session:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise AccountError(f"no API token {token_id}")
            if row.revoked_at is not None:
                return
            row.revoked_at = self.clock()
            tenant = session.get(Tenant, row.tenant_id)
            self._audit(
                session,
                actor,
                f"token:{row.id}",
                "token_revoked",
                prefix=row.prefix,
                name=row.name,
                user=row.user_id,
                tenant=tenant.slug if tenant else None,
            )

    # -------------------------------------------------------------- sessions
    def start_session(self, principal: Principal) -> NewSession:
        """A browser session for a principal that :meth:`authenticate` returned.

        API tokens cannot open browser sessions: a leaked token must not be
        turnable into a cookie that outlives its revocation checks.
        """
        if principal.via == "token":
            raise AccountError("an API token cannot start a browser session; sign in instead")
        now = self.clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.session() as session:
            live = self._live(session, principal.user_id, principal.tenant_id)
            if live is None:
                raise AuthError("this account may no longer sign in to this agency")
            row = WebSession(
                session_hash=_sha256(token),
                csrf_token=csrf,
                user_id=principal.user_id,
                tenant_id=principal.tenant_id,
                created_at=now,
                expires_at=now + self.session_lifetime,
                last_seen_at=now,
            )
            session.add(row)
            return NewSession(token, csrf, row.expires_at, _principal(*live, via="session"))

    def session(self, token: str) -> tuple[Principal, str] | None:
        """``(principal, csrf_token)`` for a session cookie, or None when it is not valid.

        The role is re-read every time, so revocations apply to open browsers
        at once. A session found expired or idle is deleted on the spot.
        """
        if not isinstance(token, str) or not _SESSION_RE.fullmatch(token):
            return None
        now = self.clock()
        with self.db.session() as session:
            row = session.scalar(
                select(WebSession).where(WebSession.session_hash == _sha256(token))
            )
            if row is None:
                return None
            live = self._live(session, row.user_id, row.tenant_id)
            if live is None or row.expires_at <= now or now - row.last_seen_at >= self.session_idle:
                session.delete(row)
                return None
            if now - row.last_seen_at >= _TOUCH_EVERY:
                row.last_seen_at = now
            return _principal(*live, via="session"), row.csrf_token

    def end_session(self, token: str) -> None:
        """Sign out; unknown tokens are ignored (signing out twice is not an error)."""
        if not isinstance(token, str) or not _SESSION_RE.fullmatch(token):
            return
        with self.db.session() as session:
            session.execute(delete(WebSession).where(WebSession.session_hash == _sha256(token)))

    def purge_expired_sessions(self) -> int:
        """Delete sessions past their absolute or idle limit; returns how many."""
        now = self.clock()
        with self.db.session() as session:
            result = session.execute(
                delete(WebSession).where(
                    or_(
                        WebSession.expires_at <= now,
                        WebSession.last_seen_at <= now - self.session_idle,
                    )
                )
            )
            return _rowcount(result)

    # ------------------------------------------------------------- internals
    def _audit(
        self, session: Session, actor: str, subject: str, event: str, **details: Any
    ) -> None:
        self.custody.append(
            session,
            actor=actor,
            action="account",
            subject=subject,
            details={"event": event, **details},
        )

    def _tenant(self, session: Session, slug: str) -> Tenant:
        row = session.scalar(select(Tenant).where(Tenant.slug == _slug(slug)))
        if row is None:
            raise AccountError(f"no agency {slug!r}")
        return row

    @staticmethod
    def _find_user(session: Session, address: str) -> UserAccount | None:
        return session.scalar(select(UserAccount).where(UserAccount.email == address))

    def _user(self, session: Session, address: str) -> UserAccount:
        user = self._find_user(session, address)
        if user is None:
            raise AccountError(f"no user {address}")
        return user

    @staticmethod
    def _membership(session: Session, user_id: int, tenant_id: int) -> Membership | None:
        return session.scalar(
            select(Membership).where(
                Membership.user_id == user_id, Membership.tenant_id == tenant_id
            )
        )

    @staticmethod
    def _live(
        session: Session, user_id: int, tenant_id: int
    ) -> tuple[UserAccount, Tenant, Membership] | None:
        """The user, agency and membership, when the user may act for the agency right now."""
        found = session.execute(
            select(UserAccount, Tenant, Membership)
            .join(Membership, Membership.user_id == UserAccount.id)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(UserAccount.id == user_id, Tenant.id == tenant_id)
        ).first()
        if found is None:
            return None
        user, tenant, membership = found
        if user.disabled or tenant.disabled:
            return None
        return user, tenant, membership

    @staticmethod
    def _user_view(session: Session, user: UserAccount) -> UserView:
        rows = session.execute(
            select(Tenant.slug, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id)
            .order_by(Tenant.slug)
        )
        return _view_of_user(user, {slug: role for slug, role in rows})

    @staticmethod
    def _end_sessions(session: Session, user_id: int, tenant_id: int | None = None) -> int:
        query = delete(WebSession).where(WebSession.user_id == user_id)
        if tenant_id is not None:
            query = query.where(WebSession.tenant_id == tenant_id)
        return _rowcount(session.execute(query))

    def _revoke_tokens(self, session: Session, user_id: int, tenant_id: int) -> int:
        result = session.execute(
            update(ApiToken)
            .where(
                ApiToken.user_id == user_id,
                ApiToken.tenant_id == tenant_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=self.clock())
        )
        return _rowcount(result)

    def _set_disabled(self, email: str, disabled: bool, actor: str) -> UserView:
        with self.db.session() as session:
            user = self._user(session, _valid_email(email))
            if user.disabled != disabled:
                user.disabled = disabled
                ended = self._end_sessions(session, user.id) if disabled else 0
                event = "user_disabled" if disabled else "user_enabled"
                self._audit(session, actor, f"user:{user.id}", event, sessions_ended=ended)
            return self._user_view(session, user)

    # sign-in internals
    def _dummy(self) -> str:
        """A hash made with the current parameters, to verify against for unknown addresses."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def _verify(self, encoded: str, password: str) -> bool:
        if not isinstance(password, str):
            return False
        try:
            return self.hasher.verify(encoded, unicodedata.normalize("NFKC", password))
        except (VerificationError, InvalidHashError):
            return False

    def _audit_unknown(self, address: str) -> None:
        with self.db.session() as session:
            self._audit(
                session,
                SIGN_IN_ACTOR,
                "user:unknown",
                "sign_in_failed",
                reason="unknown address",
                email=address,
            )

    def _audit_locked_attempt(self, candidate: _Candidate) -> None:
        with self.db.session() as session:
            self._audit(
                session,
                SIGN_IN_ACTOR,
                f"user:{candidate.id}",
                "sign_in_failed",
                reason="locked",
                email=candidate.email,
            )

    def _upgraded_hash(self, candidate: _Candidate, password: str) -> str | None:
        """A new hash when the stored one uses weaker parameters than the hasher's (rehash)."""
        if not self.hasher.check_needs_rehash(candidate.password_hash):
            return None
        return self.hasher.hash(unicodedata.normalize("NFKC", password))

    def _settle(
        self,
        candidate: _Candidate,
        correct: bool,
        upgraded: str | None,
        tenant_slug: str | None,
        now: datetime,
    ) -> Principal | AccountError:
        """Write the outcome of a password check; return the principal or the error to raise."""
        with self.db.session() as session:
            if not correct:
                return self._count_failure(session, candidate, now)
            user = session.execute(
                select(UserAccount)
                .where(UserAccount.id == candidate.id)
                .execution_options(populate_existing=True)
            ).scalar_one()
            if user.locked_until is not None and user.locked_until > now:  # locked meanwhile
                return LockedError((user.locked_until - now).total_seconds())
            if user.disabled:
                return self._refuse(session, user, "disabled", AuthError(GENERIC_FAILURE))
            chosen = self._choose_membership(session, user, tenant_slug)
            if isinstance(chosen, AccountError):
                return chosen
            tenant, membership = chosen
            if upgraded is not None and user.password_hash == candidate.password_hash:
                user.password_hash = upgraded  # unless the password was changed meanwhile
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            principal = _principal(user, tenant, membership, via="password")
            self._audit(
                session,
                user.email,
                f"user:{user.id}",
                "signed_in",
                tenant=tenant.slug,
                role=membership.role,
            )
            return principal

    def _count_failure(
        self, session: Session, candidate: _Candidate, now: datetime
    ) -> AccountError:
        """One more consecutive failure, counted in SQL so parallel attempts all count."""
        session.execute(
            update(UserAccount)
            .where(UserAccount.id == candidate.id)
            .values(failed_logins=UserAccount.failed_logins + 1)
        )
        user = session.execute(
            select(UserAccount)
            .where(UserAccount.id == candidate.id)
            .execution_options(populate_existing=True)
        ).scalar_one()
        failures = user.failed_logins
        subject = f"user:{user.id}"
        self._audit(
            session,
            SIGN_IN_ACTOR,
            subject,
            "sign_in_failed",
            reason="wrong password",
            email=user.email,
            failures=failures,
        )
        if failures < self.max_failures:
            return AuthError(GENERIC_FAILURE)
        # The count restarts, so after the lockout the user gets max_failures tries again.
        user.failed_logins = 0
        user.locked_until = now + self.lockout
        self._audit(
            session,
            SIGN_IN_ACTOR,
            subject,
            "locked_out",
            email=user.email,
            failures=failures,
            until=utc_iso(user.locked_until),
        )
        return LockedError(self.lockout.total_seconds())

    def _choose_membership(
        self, session: Session, user: UserAccount, tenant_slug: str | None
    ) -> tuple[Tenant, Membership] | AccountError:
        """The agency to sign in to: the one asked for, or the only one the user has."""
        query = (
            select(Tenant, Membership)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user.id)
            .order_by(Tenant.slug)
        )
        if tenant_slug is not None:
            query = query.where(Tenant.slug == _slug(tenant_slug))
        rows = [(tenant, membership) for tenant, membership in session.execute(query)]
        usable = [(t, m) for t, m in rows if not t.disabled]
        if tenant_slug is not None and rows and not usable:
            return self._refuse(
                session,
                user,
                "agency disabled",
                AuthError(
                    "this agency's access is suspended; ask the installation's administrator"
                ),
                tenant=rows[0][0].slug,
            )
        if not usable:
            asked = {"tenant": _slug(tenant_slug)[:40]} if tenant_slug is not None else {}
            return self._refuse(session, user, "no membership", AuthError(GENERIC_FAILURE), **asked)
        if len(usable) > 1:
            return TenantChoiceRequired("choose an agency to sign in to")
        return usable[0]

    def _refuse(
        self, session: Session, user: UserAccount, reason: str, error: AccountError, **details: Any
    ) -> AccountError:
        """Log a sign-in refused despite the right password, and hand back the error."""
        self._audit(
            session,
            SIGN_IN_ACTOR,
            f"user:{user.id}",
            "sign_in_failed",
            reason=reason,
            email=user.email,
            **details,
        )
        return error


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
