"""API bearer tokens: kept only as SHA-256, named by their prefix, re-checked on every use."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from idolguard.clock import utc_iso
from idolguard.domain.accounts.base import AccountStore
from idolguard.domain.accounts.model import (
    _SHOWN_PREFIX,
    _TOKEN_RE,
    _TOUCH_EVERY,
    TOKEN_PREFIX,
    AccountError,
    AuthError,
    IssuedToken,
    Principal,
    TokenView,
    _clean_text,
    _principal,
    _sha256,
    _valid_email,
)
from idolguard.storage.models import ApiToken, Tenant, UserAccount


class Tokens(AccountStore):
    """API bearer tokens: issuing, checking, listing and revoking them."""

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
