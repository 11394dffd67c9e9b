"""Password sign-in and per-account lockout.

The hash check runs outside any transaction; its outcome (counters, lockout,
rehash, audit entries) is written in one. Unknown addresses and locked accounts
cost the same hash verification as a real check, so timing does not reveal
which addresses exist.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from idolguard.clock import utc_iso
from idolguard.domain.accounts.base import AccountStore
from idolguard.domain.accounts.model import (
    _MAX_EMAIL,
    GENERIC_FAILURE,
    SIGN_IN_ACTOR,
    AccountError,
    AuthError,
    LockedError,
    Principal,
    TenantChoiceRequired,
    _principal,
    _slug,
    normalise_email,
)
from idolguard.storage.models import Membership, Tenant, UserAccount


@dataclass(frozen=True)
class _Candidate:
    """What sign-in needs from the user row before the (slow, DB-free) hash check."""

    id: int
    email: str
    password_hash: str
    locked_until: datetime | None


class SignIn(AccountStore):
    """Password sign-in with per-account lockout."""

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
