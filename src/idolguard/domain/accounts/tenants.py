"""Agencies (tenants): registering, listing and suspending them, each change audited."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from idolguard.domain.accounts.base import AccountStore
from idolguard.domain.accounts.model import (
    _SLUG_RE,
    AccountError,
    TenantView,
    _clean_text,
    _slug,
    _tenant_view,
)
from idolguard.storage.models import Tenant, WebSession


class Tenants(AccountStore):
    """Agencies: registering one, listing them, suspending one."""

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
