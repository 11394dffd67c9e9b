"""Browser sessions: cookie and CSRF token, absolute and idle limits, re-checked on each use."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, or_, select

from idolguard.domain.accounts.base import AccountStore
from idolguard.domain.accounts.model import (
    _SESSION_RE,
    _TOUCH_EVERY,
    AccountError,
    AuthError,
    NewSession,
    Principal,
    _principal,
    _rowcount,
    _sha256,
)
from idolguard.storage.models import WebSession


class Sessions(AccountStore):
    """Browser sessions: started after a password sign-in, re-checked on every request."""

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
