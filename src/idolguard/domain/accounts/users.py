"""Users and their roles in agencies: add, change password, grant, revoke, disable.

Every change ends the sessions (and, for a revocation, the tokens) it makes
stale, in the same transaction as the change and its audit entry.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from idolguard.domain.accounts.base import AccountStore
from idolguard.domain.accounts.model import (
    ROLES,
    AccountError,
    UserView,
    _clean_text,
    _password,
    _valid_email,
    _view_of_user,
)
from idolguard.storage.models import Membership, Tenant, UserAccount


class Users(AccountStore):
    """People and their roles: adding users, passwords, grants and revocations, disabling."""

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

    def _set_disabled(self, email: str, disabled: bool, actor: str) -> UserView:
        with self.db.session() as session:
            user = self._user(session, _valid_email(email))
            if user.disabled != disabled:
                user.disabled = disabled
                ended = self._end_sessions(session, user.id) if disabled else 0
                event = "user_disabled" if disabled else "user_enabled"
                self._audit(session, actor, f"user:{user.id}", event, sessions_ended=ended)
            return self._user_view(session, user)
