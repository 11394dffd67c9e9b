"""Web fixtures: a real app over two agencies with one user per role, and clients for them.

``web`` builds the installation (SQLite, or PostgreSQL when configured) with
agencies ``stella`` and ``nova``; ``stella`` has an admin, a reviewer, a legal
officer and a viewer, ``nova`` an admin. ``web.api(role)`` is a TestClient with
that user's API token; ``web.browser(role)`` a TestClient signed in through the
real login form, with its CSRF token at ``.csrf``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.domain.accounts import ROLES, AccountService
from idolguard.interfaces.web import create_app

PASSWORD = "correct horse battery staple"
AGENCIES = {"stella": "Stella Entertainment", "nova": "Nova Music"}


def email_for(role: str, agency: str = "stella") -> str:
    return f"{role}@{agency}.test"


class SignedIn(TestClient):
    csrf: str = ""


@dataclass
class Web:
    installation: IdolGuard
    app: Any
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    _clients: list[TestClient] = field(default_factory=list)

    def agency(self, slug: str = "stella") -> IdolGuard:
        """An agency's services, for arranging data directly."""
        return self.installation.tenant(slug)

    def anonymous(self, **headers: str) -> TestClient:
        """A client with no credentials (English unless ``Accept-Language`` is given)."""
        client = TestClient(self.app, headers={"Accept-Language": "en", **headers})
        self._clients.append(client)
        return client

    def api(self, role: str, agency: str = "stella") -> TestClient:
        """A client that authenticates with the user's API token (no cookies, no CSRF)."""
        client = TestClient(
            self.app, headers={"Authorization": f"Bearer {self.tokens[(role, agency)]}"}
        )
        self._clients.append(client)
        return client

    def browser(self, role: str, agency: str = "stella", lang: str = "en") -> SignedIn:
        """A client signed in through ``POST /login``; ``.csrf`` holds the session's token."""
        # Browsers send Origin on every unsafe request; cookie changes without it are refused.
        client = SignedIn(
            self.app, headers={"Accept-Language": lang, "Origin": "http://testserver"}
        )
        self._clients.append(client)
        answer = client.post(
            "/login",
            data={"email": email_for(role, agency), "password": PASSWORD, "next": "/dashboard"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        me = client.get("/api/v1/me")
        assert me.status_code == 200, me.text
        client.csrf = me.json()["csrf_token"]
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


def build_web(settings: Settings) -> Web:
    installation = IdolGuard(settings)
    installation.accounts = AccountService(
        installation.database,
        installation.custody,
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    accounts = installation.accounts
    actor = "test"
    web = Web(installation, create_app(installation))
    for slug, name in AGENCIES.items():
        accounts.create_tenant(slug, name, actor=actor)
    for role in ROLES:
        accounts.add_user(email_for(role), PASSWORD, display_name=role.title(), actor=actor)
        accounts.grant(email_for(role), "stella", role, actor=actor)
        web.tokens[(role, "stella")] = accounts.issue_token(
            email_for(role), "stella", "tests", actor=actor
        ).token
    accounts.add_user(email_for("admin", "nova"), PASSWORD, display_name="Nova", actor=actor)
    accounts.grant(email_for("admin", "nova"), "nova", "admin", actor=actor)
    web.tokens[("admin", "nova")] = accounts.issue_token(
        email_for("admin", "nova"), "nova", "tests", actor=actor
    ).token
    return web


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:
    """On SQLite and (when configured) PostgreSQL, like every storage-touching test."""
    built = build_web(settings)
    try:
        yield built
    finally:
        built.close()
        built.installation.close()


@pytest.fixture
def sqlite_web(sqlite_settings: Settings) -> Iterator[Web]:
    """For web behaviour that does not depend on the database."""
    built = build_web(sqlite_settings)
    try:
        yield built
    finally:
        built.close()
        built.installation.close()
