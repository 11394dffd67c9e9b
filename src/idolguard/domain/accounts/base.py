"""The shared core of the account service: its settings and the lookups every part uses.

``AccountService`` is composed of one part per concern (tenants, users, sign-in
and lockout, API tokens, browser sessions); each part is a subclass of
``AccountStore`` so that all of them read the same database, custody log, clock
and limits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idolguard.clock import utcnow
from idolguard.domain.accounts.model import (
    AccountError,
    UserView,
    _rowcount,
    _slug,
    _view_of_user,
)
from idolguard.domain.custody.log import CustodyLog
from idolguard.storage.database import Database
from idolguard.storage.models import ApiToken, Membership, Tenant, UserAccount, WebSession


class AccountStore:
    """The database, custody log, clock and limits every part shares, and their common lookups."""

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
