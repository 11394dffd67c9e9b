"""Accounts: tenants, users, roles, sign-in and lockout, API tokens, sessions, audit.

Every test runs on SQLite and (when configured) PostgreSQL, against the real
schema. The clock is injected so lockouts and expiries are tested without
sleeping; the password hasher is a cheap argon2id so the suite stays fast.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from idolguard.domain.accounts import (
    GENERIC_FAILURE,
    PERMISSIONS,
    ROLES,
    AccountError,
    AccountService,
    AuthError,
    LockedError,
    PermissionDenied,
    Principal,
    TenantChoiceRequired,
    allowed,
)
from idolguard.domain.custody.log import CustodyLog
from idolguard.storage.database import Database
from idolguard.storage.models import ApiToken, Tenant, UserAccount, WebSession

ADMIN = "admin@idolguard.test"
PASSWORD = "correct horse battery staple"
KIM = "kim.reviewer@example.org"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts verifications, to see when sign-in skips or spends one."""

    def __init__(self, time_cost: int = 1, memory_cost: int = 8) -> None:
        super().__init__(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def custody(db: Database) -> CustodyLog:
    return CustodyLog(db)


@pytest.fixture
def accounts(db: Database, custody: CustodyLog, clock: Clock) -> AccountService:
    return AccountService(
        db,
        custody,
        clock=clock,
        hasher=CountingHasher(),
        max_failures=3,
        lockout=timedelta(minutes=10),
    )


@pytest.fixture
def kim(accounts: AccountService) -> AccountService:
    """Agency ``star-ent`` with Kim as its reviewer."""
    accounts.create_tenant("star-ent", "Star Entertainment", actor=ADMIN)
    accounts.add_user(KIM, PASSWORD, display_name="Kim Ji-woo", actor=ADMIN)
    accounts.grant(KIM, "star-ent", "reviewer", actor=ADMIN)
    return accounts


def account_entries(custody: CustodyLog) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.subject, e.actor, e.details) for e in custody.entries() if e.action == "account"]


def events(custody: CustodyLog) -> list[str]:
    return [details["event"] for _, _, details in account_entries(custody)]


def user_row(db: Database, email: str) -> UserAccount:
    with db.session() as session:
        row = session.scalar(select(UserAccount).where(UserAccount.email == email))
        assert row is not None
        return row


def disable_tenant(db: Database, slug: str) -> None:
    with db.session() as session:
        session.execute(update(Tenant).where(Tenant.slug == slug).values(disabled=True))


def count_sessions(db: Database) -> int:
    with db.session() as session:
        return len(list(session.scalars(select(WebSession.id))))


# -------------------------------------------------------------------- tenants
def test_create_tenant_and_look_it_up(
    accounts: AccountService, custody: CustodyLog, clock: Clock
) -> None:
    created = accounts.create_tenant(
        "  Star-Ent ", "Star\tEntertainment", actor=ADMIN, database_url="sqlite:///x"
    )
    accounts.create_tenant("alpha-music", "Alpha Music", actor=ADMIN)
    assert (created.slug, created.name, created.database_url) == (
        "star-ent",
        "Star Entertainment",
        "sqlite:///x",
    )
    assert created.created_at == START and created.disabled is False
    assert accounts.tenant("star-ent") == created
    assert [t.slug for t in accounts.tenants()] == ["alpha-music", "star-ent"]
    assert accounts.tenants()[0].database_url is None
    assert account_entries(custody)[0] == (
        f"tenant:{created.id}",
        ADMIN,
        {
            "event": "tenant_created",
            "slug": "star-ent",
            "name": "Star Entertainment",
            "own_database": True,
        },
    )


@pytest.mark.parametrize(
    "slug", ["a", "1agency", "has space", "under_score", "x" * 41, "-dash", "", "한국"]
)
def test_tenant_slug_rules(accounts: AccountService, slug: str) -> None:
    with pytest.raises(AccountError, match="2 to 40 characters of a-z, 0-9 and '-'"):
        accounts.create_tenant(slug, "Agency", actor=ADMIN)
    assert accounts.tenants() == []


def test_tenant_duplicates_unknowns_and_names(accounts: AccountService) -> None:
    accounts.create_tenant("ab", "Shortest", actor=ADMIN)
    accounts.create_tenant("a" + "b" * 39, "Longest", actor=ADMIN)
    with pytest.raises(AccountError, match="an agency named 'ab' already exists"):
        accounts.create_tenant("AB", "Again", actor=ADMIN)
    with pytest.raises(AccountError, match="no agency 'nope'"):
        accounts.tenant("nope")
    with pytest.raises(AccountError, match="the agency name must not be empty"):
        accounts.create_tenant("empty-name", " \x00 ", actor=ADMIN)
    assert len(accounts.tenants()) == 2


def test_database_url_password_stays_out_of_the_log(
    accounts: AccountService, custody: CustodyLog
) -> None:
    accounts.create_tenant(
        "beta", "Beta", actor=ADMIN, database_url="postgresql://beta:s3cr3t-pw@db/beta"
    )
    assert "s3cr3t-pw" not in json.dumps([d for _, _, d in account_entries(custody)])


# ---------------------------------------------------------------------- users
def test_add_user_normalises_and_cleans(
    accounts: AccountService, custody: CustodyLog, clock: Clock
) -> None:
    view = accounts.add_user(
        "  Kim.Reviewer@EXAMPLE.org ",
        PASSWORD,
        display_name="Kim\x00  \u202eJi-woo\n",
        actor=ADMIN,
    )
    assert (view.email, view.display_name, view.disabled) == (KIM, "Kim Ji-woo", False)
    assert (view.created_at, view.last_login_at, view.roles) == (START, None, {})
    fullwidth = accounts.add_user(
        "\uff4c\uff45\uff45@example.org", PASSWORD, display_name="이서연", actor=ADMIN
    )
    assert (fullwidth.email, fullwidth.display_name) == ("lee@example.org", "이서연")
    assert user_row(accounts.db, KIM).password_hash.startswith("$argon2id$")
    assert account_entries(custody) == [
        (
            f"user:{view.id}",
            ADMIN,
            {"event": "user_added", "email": KIM, "display_name": "Kim Ji-woo"},
        ),
        (
            f"user:{fullwidth.id}",
            ADMIN,
            {"event": "user_added", "email": "lee@example.org", "display_name": "이서연"},
        ),
    ]


@pytest.mark.parametrize(
    "email",
    [
        "no-at-sign",
        "two@@example.org",
        "a@b@example.org",
        "@example.org",
        "someone@localhost",
        "someone@.org",
        "someone@example.",
        "some one@example.org",
        "x" * 245 + "@example.org",
    ],
)
def test_invalid_emails_are_refused(accounts: AccountService, email: str) -> None:
    with pytest.raises(AccountError, match="is not an e-mail address"):
        accounts.add_user(email, PASSWORD, display_name="Someone", actor=ADMIN)
    assert accounts.users() == []


def test_duplicate_user_and_display_name_limits(accounts: AccountService) -> None:
    accounts.add_user(KIM, PASSWORD, display_name="Kim", actor=ADMIN)
    with pytest.raises(AccountError, match=f"a user with the address {KIM} already exists"):
        accounts.add_user(KIM.upper(), PASSWORD, display_name="Kim again", actor=ADMIN)
    with pytest.raises(AccountError, match="the display name is too long: 201 characters"):
        accounts.add_user("b@example.org", PASSWORD, display_name="x" * 201, actor=ADMIN)
    with pytest.raises(AccountError, match="the display name must not be empty"):
        accounts.add_user("c@example.org", PASSWORD, display_name="\u200b", actor=ADMIN)
    accounts.add_user("d@example.org", PASSWORD, display_name="y" * 200, actor=ADMIN)
    assert [u.email for u in accounts.users()] == ["d@example.org", KIM]


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        (KIM, "short-pass1", "at least 12 characters \\(this one has 11\\)"),
        (KIM, "ab" * 513, "at most 1024 characters"),
        (KIM, "z" * 20, "one character repeated"),
        (KIM, "my-KIM.REVIEWER-password", "must not contain the name part of the e-mail"),
        ("lee@example.org", "xxLEExx-password", "must not contain the name part of the e-mail"),
    ],
)
def test_password_policy(accounts: AccountService, email: str, password: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_user(email, password, display_name="Someone", actor=ADMIN)
    assert accounts.users() == []


def test_password_policy_boundaries(accounts: AccountService) -> None:
    accounts.add_user("a@example.org", "exactly-12ch", display_name="A", actor=ADMIN)
    accounts.add_user("jo@example.org", "jo-jo-jo-jo-jo", display_name="Jo", actor=ADMIN)
    accounts.add_user("b@example.org", "ab" * 512, display_name="B", actor=ADMIN)
    assert len(accounts.users()) == 3


# -------------------------------------------------------------------- sign-in
def test_authenticate_success(kim: AccountService, custody: CustodyLog, clock: Clock) -> None:
    clock.advance(minutes=5)
    principal = kim.authenticate("  KIM.reviewer@example.org", PASSWORD)
    user = user_row(kim.db, KIM)
    tenant = kim.tenant("star-ent")
    assert principal == Principal(
        user.id, KIM, "Kim Ji-woo", tenant.id, "star-ent", "reviewer", "password"
    )
    assert user.last_login_at == START + timedelta(minutes=5)
    assert account_entries(custody)[-1] == (
        f"user:{user.id}",
        KIM,
        {"event": "signed_in", "tenant": "star-ent", "role": "reviewer"},
    )


def test_failures_share_one_generic_message(kim: AccountService, custody: CustodyLog) -> None:
    kim.add_user("nobody-home@example.org", PASSWORD, display_name="No roles", actor=ADMIN)
    kim.add_user("gone@example.org", PASSWORD, display_name="Gone", actor=ADMIN)
    kim.grant("gone@example.org", "star-ent", "viewer", actor=ADMIN)
    kim.disable_user("gone@example.org", actor=ADMIN)
    attempts = [
        (KIM, "wrong password here"),
        ("stranger@example.org", PASSWORD),
        ("not even an address", PASSWORD),
        ("nobody-home@example.org", PASSWORD),
        ("gone@example.org", PASSWORD),
    ]
    for email, password in attempts:
        with pytest.raises(AuthError) as caught:
            kim.authenticate(email, password)
        assert str(caught.value) == GENERIC_FAILURE
        assert not isinstance(caught.value, LockedError)
    with pytest.raises(AuthError) as caught:
        kim.authenticate(KIM, PASSWORD, "other-agency")
    assert str(caught.value) == GENERIC_FAILURE
    failures = [
        (subject, details["reason"])
        for subject, _, details in account_entries(custody)
        if details["event"] == "sign_in_failed"
    ]
    ids = {email: user_row(kim.db, email).id for email in (KIM, "nobody-home@example.org")}
    gone = user_row(kim.db, "gone@example.org").id
    assert failures == [
        (f"user:{ids[KIM]}", "wrong password"),
        ("user:unknown", "unknown address"),
        ("user:unknown", "unknown address"),
        (f"user:{ids['nobody-home@example.org']}", "no membership"),
        (f"user:{gone}", "disabled"),
        (f"user:{ids[KIM]}", "no membership"),
    ]


def test_unknown_email_spends_a_verification_and_is_logged(
    kim: AccountService, custody: CustodyLog
) -> None:
    hasher = kim.hasher
    assert isinstance(hasher, CountingHasher)
    before = hasher.verifications
    with pytest.raises(AuthError, match=GENERIC_FAILURE):
        kim.authenticate(" Stranger@Example.ORG ", PASSWORD)
    assert hasher.verifications == before + 1
    assert account_entries(custody)[-1] == (
        "user:unknown",
        "system:sign-in",
        {"event": "sign_in_failed", "reason": "unknown address", "email": "stranger@example.org"},
    )


def test_lockout_and_unlock(kim: AccountService, custody: CustodyLog, clock: Clock) -> None:
    hasher = kim.hasher
    assert isinstance(hasher, CountingHasher)
    for failures in (1, 2):
        with pytest.raises(AuthError) as caught:
            kim.authenticate(KIM, "not the password")
        assert not isinstance(caught.value, LockedError)
        assert user_row(kim.db, KIM).failed_logins == failures
    with pytest.raises(LockedError) as locked:
        kim.authenticate(KIM, "not the password")
    assert locked.value.retry_after_seconds == 600.0
    assert "try again in 10 minutes" in str(locked.value)
    row = user_row(kim.db, KIM)
    assert (row.locked_until, row.failed_logins) == (START + timedelta(minutes=10), 0)

    clock.advance(minutes=4)
    verified = hasher.verifications
    with pytest.raises(LockedError) as still:
        kim.authenticate(KIM, PASSWORD)  # the right password does not help while locked
    assert still.value.retry_after_seconds == 360.0
    # Only a dummy hash is checked: as slow as for an unknown address, so no timing tell.
    assert hasher.verifications == verified + 1

    clock.advance(minutes=6)
    assert kim.authenticate(KIM, PASSWORD).role == "reviewer"
    row = user_row(kim.db, KIM)
    assert (row.locked_until, row.failed_logins) == (None, 0)
    assert events(custody)[-6:] == [
        "sign_in_failed",
        "sign_in_failed",
        "sign_in_failed",
        "locked_out",
        "sign_in_failed",
        "signed_in",
    ]
    lockout = next(d for _, _, d in account_entries(custody) if d["event"] == "locked_out")
    assert lockout == {
        "event": "locked_out",
        "email": KIM,
        "failures": 3,
        "until": "2026-11-25T09:10:00.000000Z",
    }


def test_success_resets_the_failure_count(kim: AccountService) -> None:
    for _ in range(2):
        with pytest.raises(AuthError):
            kim.authenticate(KIM, "not the password")
    kim.authenticate(KIM, PASSWORD)
    assert user_row(kim.db, KIM).failed_logins == 0
    for _ in range(2):
        with pytest.raises(AuthError) as caught:
            kim.authenticate(KIM, "not the password")
        assert not isinstance(caught.value, LockedError)


def test_set_password_unlocks_and_ends_sessions(kim: AccountService, custody: CustodyLog) -> None:
    kim.start_session(kim.authenticate(KIM, PASSWORD))
    for _ in range(3):
        with pytest.raises(AuthError):
            kim.authenticate(KIM, "not the password")
    kim.set_password(KIM, "a brand new passphrase", actor=ADMIN)
    assert count_sessions(kim.db) == 0
    assert kim.authenticate(KIM, "a brand new passphrase").email == KIM
    with pytest.raises(AuthError, match=GENERIC_FAILURE):
        kim.authenticate(KIM, PASSWORD)
    with pytest.raises(AccountError, match="one character repeated"):
        kim.set_password(KIM, "=" * 12, actor=ADMIN)
    set_entries = [d for _, _, d in account_entries(custody) if d["event"] == "password_set"]
    assert set_entries == [{"event": "password_set", "sessions_ended": 1}]


def test_rehash_on_login(db: Database, custody: CustodyLog, clock: Clock) -> None:
    weak = AccountService(db, custody, clock=clock, hasher=cheap_hasher())
    weak.create_tenant("star-ent", "Star", actor=ADMIN)
    weak.add_user(KIM, PASSWORD, display_name="Kim", actor=ADMIN)
    weak.grant(KIM, "star-ent", "legal", actor=ADMIN)
    old = user_row(db, KIM).password_hash
    assert "$m=8,t=1,p=1$" in old

    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    strong = AccountService(db, custody, clock=clock, hasher=stronger)
    assert strong.authenticate(KIM, PASSWORD).role == "legal"
    new = user_row(db, KIM).password_hash
    assert new != old and "$m=16,t=2,p=1$" in new
    assert stronger.verify(new, PASSWORD)
    strong.authenticate(KIM, PASSWORD)
    assert user_row(db, KIM).password_hash == new  # nothing to upgrade the second time
    assert "$m=16,t=2,p=1$" not in json.dumps([d for _, _, d in account_entries(custody)])


def test_membership_is_required_per_tenant(kim: AccountService, custody: CustodyLog) -> None:
    kim.create_tenant("moon-ent", "Moon Entertainment", actor=ADMIN)
    assert kim.authenticate(KIM, PASSWORD).tenant_slug == "star-ent"  # the only one
    with pytest.raises(AuthError, match=GENERIC_FAILURE):
        kim.authenticate(KIM, PASSWORD, "moon-ent")

    kim.grant(KIM, "moon-ent", "legal", actor=ADMIN)
    with pytest.raises(TenantChoiceRequired) as choice:
        kim.authenticate(KIM, PASSWORD)
    assert str(choice.value) == "choose an agency to sign in to"
    assert isinstance(choice.value, AccountError) and not isinstance(choice.value, AuthError)
    moon = kim.authenticate(KIM, PASSWORD, "moon-ent")
    assert (moon.tenant_slug, moon.role) == ("moon-ent", "legal")
    star = kim.authenticate(KIM, PASSWORD, "Star-Ent")
    assert (star.tenant_slug, star.role) == ("star-ent", "reviewer")

    disable_tenant(kim.db, "moon-ent")
    with pytest.raises(AuthError, match="this agency's access is suspended"):
        kim.authenticate(KIM, PASSWORD, "moon-ent")
    assert kim.authenticate(KIM, PASSWORD).tenant_slug == "star-ent"  # the only usable one
    disable_tenant(kim.db, "star-ent")
    with pytest.raises(AuthError, match=GENERIC_FAILURE):
        kim.authenticate(KIM, PASSWORD)


def test_grant_revoke_and_user_lists(kim: AccountService, custody: CustodyLog) -> None:
    kim.create_tenant("moon-ent", "Moon", actor=ADMIN)
    kim.add_user("lee@example.org", PASSWORD, display_name="Lee", actor=ADMIN)
    kim.grant("lee@example.org", "moon-ent", "viewer", actor=ADMIN)
    view = kim.grant(KIM, "moon-ent", "admin", actor=ADMIN)
    assert view.roles == {"moon-ent": "admin", "star-ent": "reviewer"}
    kim.grant(KIM, "moon-ent", "admin", actor=ADMIN)  # unchanged: no new entry
    assert kim.grant(KIM, "moon-ent", "legal", actor=ADMIN).roles["moon-ent"] == "legal"
    with pytest.raises(AccountError, match="unknown role 'owner'"):
        kim.grant(KIM, "moon-ent", "owner", actor=ADMIN)
    with pytest.raises(AccountError, match=r"no user ghost@example\.org"):
        kim.grant("ghost@example.org", "moon-ent", "viewer", actor=ADMIN)

    assert [(u.email, u.roles) for u in kim.users()] == [
        (KIM, {"moon-ent": "legal", "star-ent": "reviewer"}),
        ("lee@example.org", {"moon-ent": "viewer"}),
    ]
    # One agency's list shows only that agency's roles.
    assert [(u.email, u.roles) for u in kim.users("moon-ent")] == [
        (KIM, {"moon-ent": "legal"}),
        ("lee@example.org", {"moon-ent": "viewer"}),
    ]
    assert [u.email for u in kim.users("star-ent")] == [KIM]

    assert kim.revoke(KIM, "moon-ent", actor=ADMIN).roles == {"star-ent": "reviewer"}
    with pytest.raises(AccountError, match=f"{KIM} has no role in agency 'moon-ent'"):
        kim.revoke(KIM, "moon-ent", actor=ADMIN)
    grants = [
        (d["tenant"], d["role"], d["previous"])
        for _, _, d in account_entries(custody)
        if d["event"] == "role_granted"
    ]
    assert grants == [
        ("star-ent", "reviewer", None),
        ("moon-ent", "viewer", None),
        ("moon-ent", "admin", None),
        ("moon-ent", "legal", "admin"),
    ]
    assert account_entries(custody)[-1][2] == {
        "event": "role_revoked",
        "tenant": "moon-ent",
        "role": "legal",
        "sessions_ended": 0,
        "tokens_revoked": 0,
    }


# ---------------------------------------------------------------- permissions
def test_permission_table() -> None:
    assert set(ROLES) == {"admin", "reviewer", "legal", "viewer"}
    assert all(allowed("admin", action) for action in PERMISSIONS)
    assert not allowed("viewer", "media.reveal")
    assert not allowed("viewer", "review.decide")
    assert allowed("legal", "notices.send")
    assert not allowed("reviewer", "notices.send")
    assert allowed("reviewer", "review.decide") and allowed("reviewer", "media.reveal")
    assert allowed("legal", "evidence.export") and allowed("legal", "media.reveal")
    assert not allowed("legal", "review.decide")
    assert not allowed("reviewer", "roster.write")
    viewer = sorted(action for action in PERMISSIONS if allowed("viewer", action))
    assert viewer == [
        "cases.read",
        "dashboard.read",
        "exchange.read",
        "notices.read",
        "review.read",
        "roster.read",
        "sources.read",
    ]
    admin_only = [a for a in PERMISSIONS if not any(allowed(r, a) for r in ROLES[1:])]
    assert admin_only == [
        "roster.write",
        "sources.write",
        "users.manage",
        "portal.write",
        "exchange.manage",
    ]
    assert [a for a in PERMISSIONS if allowed("reviewer", a) != allowed("legal", a)] == [
        "review.decide",
        "evidence.export",
        "notices.write",
        "notices.send",
        "audit.read",
        "exchange.publish",
    ]
    required = {
        "roster.read",
        "roster.write",
        "review.read",
        "review.decide",
        "media.reveal",
        "cases.read",
        "evidence.export",
        "notices.read",
        "notices.write",
        "notices.send",
        "sources.read",
        "sources.write",
        "dashboard.read",
        "users.manage",
        "portal.write",
        "exchange.read",
        "exchange.publish",
        "exchange.manage",
    }
    assert required <= set(PERMISSIONS)


def test_unknown_actions_and_roles_fail_loudly() -> None:
    with pytest.raises(ValueError, match=r"unknown action 'media\.revael'"):
        allowed("admin", "media.revael")
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        allowed("owner", "cases.read")


def test_principal_can_and_require() -> None:
    viewer = Principal(1, "v@example.org", "V", 2, "star-ent", "viewer", "session")
    assert viewer.can("cases.read") and not viewer.can("media.reveal")
    viewer.require("dashboard.read")
    with pytest.raises(PermissionDenied) as denied:
        viewer.require("media.reveal")
    assert str(denied.value) == "the viewer role may not do 'media.reveal' in agency 'star-ent'"
    with pytest.raises(ValueError, match="unknown action"):
        viewer.require("media.unblur")


# --------------------------------------------------------------------- tokens
def test_issue_and_verify_token(kim: AccountService, clock: Clock) -> None:
    issued = kim.issue_token(KIM, "star-ent", "CI uploader", actor=ADMIN)
    assert issued.token.startswith("igt_") and len(issued.token) == 47
    assert issued.prefix == issued.token[:12]
    assert (issued.name, issued.tenant_slug, issued.expires_at) == (
        "CI uploader",
        "star-ent",
        None,
    )
    with kim.db.session() as session:
        row = session.get(ApiToken, issued.id)
        assert row is not None
        assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in (row.prefix, row.name, row.token_hash)

    clock.advance(seconds=5)
    principal = kim.verify_token(issued.token)
    assert (principal.email, principal.tenant_slug, principal.role, principal.via) == (
        KIM,
        "star-ent",
        "reviewer",
        "token",
    )
    clock.advance(seconds=30)
    kim.verify_token(issued.token)
    [view] = kim.tokens()
    assert (view.id, view.prefix, view.email, view.tenant_slug) == (
        issued.id,
        issued.prefix,
        KIM,
        "star-ent",
    )
    # last used is refreshed at most once a minute
    assert view.last_used_at == START + timedelta(seconds=5)
    clock.advance(seconds=60)
    kim.verify_token(issued.token)
    assert kim.tokens()[0].last_used_at == START + timedelta(seconds=95)

    kim.grant(KIM, "star-ent", "viewer", actor=ADMIN)
    assert kim.verify_token(issued.token).role == "viewer"  # role read live


def test_token_refusals(kim: AccountService, clock: Clock) -> None:
    kim.add_user("lee@example.org", PASSWORD, display_name="Lee", actor=ADMIN)
    with pytest.raises(AccountError, match=r"lee@example\.org has no role in agency 'star-ent'"):
        kim.issue_token("lee@example.org", "star-ent", "x", actor=ADMIN)
    with pytest.raises(AccountError, match="lifetime must be positive"):
        kim.issue_token(KIM, "star-ent", "x", actor=ADMIN, expires_in=timedelta(0))
    with pytest.raises(AccountError, match="the token name must not be empty"):
        kim.issue_token(KIM, "star-ent", "  ", actor=ADMIN)

    short = kim.issue_token(KIM, "star-ent", "short", actor=ADMIN, expires_in=timedelta(hours=1))
    assert short.expires_at == START + timedelta(hours=1)
    clock.advance(minutes=59)
    kim.verify_token(short.token)
    clock.advance(minutes=1)
    with pytest.raises(AuthError, match="expired"):
        kim.verify_token(short.token)

    revoked = kim.issue_token(KIM, "star-ent", "revoked", actor=ADMIN)
    kim.revoke_token(revoked.id, actor=ADMIN)
    kim.revoke_token(revoked.id, actor=ADMIN)  # twice is harmless
    with pytest.raises(AuthError, match="unknown or revoked"):
        kim.verify_token(revoked.token)
    with pytest.raises(AccountError, match="no API token 9999"):
        kim.revoke_token(9999, actor=ADMIN)
    assert [t.revoked_at for t in kim.tokens()] == [None, clock.now]


def test_tokens_die_with_user_or_membership(kim: AccountService) -> None:
    kim.create_tenant("moon-ent", "Moon", actor=ADMIN)
    kim.grant(KIM, "moon-ent", "legal", actor=ADMIN)
    star = kim.issue_token(KIM, "star-ent", "star", actor=ADMIN)
    moon = kim.issue_token(KIM, "moon-ent", "moon", actor=ADMIN)
    assert [t.tenant_slug for t in kim.tokens("moon-ent")] == ["moon-ent"]

    kim.revoke(KIM, "moon-ent", actor=ADMIN)
    with pytest.raises(AuthError):
        kim.verify_token(moon.token)
    assert kim.tokens("moon-ent")[0].revoked_at is not None
    assert kim.verify_token(star.token).tenant_slug == "star-ent"

    disable_tenant(kim.db, "star-ent")
    with pytest.raises(AuthError, match="may no longer act"):
        kim.verify_token(star.token)
    with kim.db.session() as session:
        session.execute(update(Tenant).values(disabled=False))
    assert kim.verify_token(star.token).role == "reviewer"

    kim.disable_user(KIM, actor=ADMIN)
    with pytest.raises(AuthError, match="may no longer act"):
        kim.verify_token(star.token)
    with pytest.raises(AccountError, match="is disabled: no token can be issued"):
        kim.issue_token(KIM, "star-ent", "again", actor=ADMIN)
    kim.enable_user(KIM, actor=ADMIN)
    assert kim.verify_token(star.token).email == KIM


@pytest.mark.parametrize(
    "token",
    ["", "igt_", "igt_short", "Bearer igt_" + "A" * 43, "igt_" + "A" * 44, "xyz_" + "A" * 43],
)
def test_malformed_tokens_never_reach_the_database(
    kim: AccountService, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    def no_database() -> None:
        raise AssertionError("the database was consulted")

    monkeypatch.setattr(kim.db, "session", no_database)
    with pytest.raises(AuthError, match="not a valid API token"):
        kim.verify_token(token)


def test_well_formed_but_unknown_token(kim: AccountService) -> None:
    issued = kim.issue_token(KIM, "star-ent", "real", actor=ADMIN)
    forged = issued.token[:-1] + ("B" if issued.token[-1] != "B" else "C")
    with pytest.raises(AuthError, match="unknown or revoked"):
        kim.verify_token(forged)


# ------------------------------------------------------------------- sessions
def test_session_start_and_use(kim: AccountService, clock: Clock) -> None:
    signed_in = kim.authenticate(KIM, PASSWORD)
    new = kim.start_session(signed_in)
    assert len(new.token) == 43 and len(new.csrf_token) == 43 and new.token != new.csrf_token
    assert new.expires_at == START + timedelta(hours=12)
    assert new.principal == Principal(
        signed_in.user_id, KIM, "Kim Ji-woo", signed_in.tenant_id, "star-ent", "reviewer", "session"
    )
    with kim.db.session() as session:
        [row] = session.scalars(select(WebSession))
        assert row.session_hash == hashlib.sha256(new.token.encode()).hexdigest()
        assert row.csrf_token == new.csrf_token
    assert kim.session(new.token) == (new.principal, new.csrf_token)

    kim.grant(KIM, "star-ent", "legal", actor=ADMIN)
    found = kim.session(new.token)
    assert found is not None and found[0].role == "legal"  # role read live

    assert kim.session("x" * 43) is None
    assert kim.session("not a cookie") is None
    kim.end_session(new.token)
    kim.end_session(new.token)  # twice is harmless
    assert kim.session(new.token) is None


def test_session_idle_timeout(kim: AccountService, clock: Clock) -> None:
    new = kim.start_session(kim.authenticate(KIM, PASSWORD))
    clock.advance(hours=1, minutes=59)
    assert kim.session(new.token) is not None
    clock.advance(hours=1, minutes=59)  # still within two hours of the last use
    assert kim.session(new.token) is not None
    clock.advance(hours=2)
    assert kim.session(new.token) is None
    assert count_sessions(kim.db) == 0  # deleted when found idle


def test_session_absolute_expiry(kim: AccountService, clock: Clock) -> None:
    new = kim.start_session(kim.authenticate(KIM, PASSWORD))
    for _ in range(11):
        clock.advance(hours=1)
        assert kim.session(new.token) is not None
    clock.advance(minutes=59)
    assert kim.session(new.token) is not None
    clock.advance(minutes=1)
    assert kim.session(new.token) is None


def test_sessions_end_with_user_or_membership(kim: AccountService) -> None:
    first = kim.start_session(kim.authenticate(KIM, PASSWORD))
    kim.disable_user(KIM, actor=ADMIN)
    assert count_sessions(kim.db) == 0
    assert kim.session(first.token) is None
    with pytest.raises(AuthError, match=GENERIC_FAILURE):
        kim.authenticate(KIM, PASSWORD)

    kim.enable_user(KIM, actor=ADMIN)
    principal = kim.authenticate(KIM, PASSWORD)
    second = kim.start_session(principal)
    kim.revoke(KIM, "star-ent", actor=ADMIN)
    assert kim.session(second.token) is None
    with pytest.raises(AuthError, match="may no longer sign in"):
        kim.start_session(principal)


def test_token_principals_cannot_start_sessions(kim: AccountService) -> None:
    issued = kim.issue_token(KIM, "star-ent", "api", actor=ADMIN)
    with pytest.raises(AccountError, match="an API token cannot start a browser session"):
        kim.start_session(kim.verify_token(issued.token))
    assert count_sessions(kim.db) == 0


def test_purge_expired_sessions(kim: AccountService, clock: Clock) -> None:
    principal = kim.authenticate(KIM, PASSWORD)
    stale = kim.start_session(principal)
    clock.advance(hours=1)
    busy = kim.start_session(principal)
    clock.advance(hours=1, minutes=30)  # stale idle for 2 h 30 min, busy for 1 h 30 min
    fresh = kim.start_session(principal)
    assert kim.purge_expired_sessions() == 1
    assert kim.session(stale.token) is None
    assert kim.session(busy.token) is not None and kim.session(fresh.token) is not None
    for _ in range(10):
        clock.advance(hours=1)
        kim.session(busy.token)
    clock.advance(minutes=30)  # busy reaches its 12 hours; fresh has been idle for 10.5 hours
    assert kim.purge_expired_sessions() == 2
    assert kim.purge_expired_sessions() == 0


# ---------------------------------------------------------------------- audit
def test_audit_trail_holds_no_secrets(kim: AccountService, custody: CustodyLog) -> None:
    session_token = kim.start_session(kim.authenticate(KIM, PASSWORD)).token
    with pytest.raises(AuthError):
        kim.authenticate(KIM, "a wrong password 123")
    issued = kim.issue_token(KIM, "star-ent", "export bot", actor=ADMIN)
    kim.revoke_token(issued.id, actor=ADMIN)
    kim.set_password(KIM, "another secret passphrase", actor=ADMIN)
    kim.disable_user(KIM, actor=ADMIN)

    assert events(custody) == [
        "tenant_created",
        "user_added",
        "role_granted",
        "signed_in",
        "sign_in_failed",
        "token_issued",
        "token_revoked",
        "password_set",
        "user_disabled",
    ]
    token_id = f"token:{issued.id}"
    token_entries = [d for s, _, d in account_entries(custody) if s == token_id]
    assert token_entries[0] == {
        "event": "token_issued",
        "prefix": issued.prefix,
        "name": "export bot",
        "user": user_row(kim.db, KIM).id,
        "email": KIM,
        "tenant": "star-ent",
        "expires_at": None,
    }
    logged = json.dumps([(s, a, d) for s, a, d in account_entries(custody)], ensure_ascii=False)
    secrets = [
        PASSWORD,
        "a wrong password 123",
        "another secret passphrase",
        issued.token,
        issued.token[len(issued.prefix) :],
        session_token,
        user_row(kim.db, KIM).password_hash,
        "$argon2id$",
    ]
    for secret in secrets:
        assert secret not in logged
    assert issued.prefix in logged
    assert custody.verify().ok


def test_failed_change_leaves_no_entry(kim: AccountService, custody: CustodyLog) -> None:
    before = len(account_entries(custody))
    with pytest.raises(AccountError):
        kim.grant(KIM, "no-such-agency", "admin", actor=ADMIN)
    with pytest.raises(AccountError):
        kim.create_tenant("star-ent", "Again", actor=ADMIN)
    assert len(account_entries(custody)) == before


def test_suspending_an_agency_ends_access_and_is_audited(
    kim: AccountService, custody: CustodyLog
) -> None:
    new = kim.start_session(kim.authenticate(KIM, PASSWORD))
    issued = kim.issue_token(KIM, "star-ent", "script", actor=ADMIN)
    assert kim.set_tenant_disabled("star-ent", True, actor=ADMIN).disabled
    assert kim.session(new.token) is None
    with pytest.raises(AuthError):
        kim.verify_token(issued.token)
    with pytest.raises(AuthError):
        kim.authenticate(KIM, PASSWORD, "star-ent")
    assert not kim.set_tenant_disabled("star-ent", False, actor=ADMIN).disabled
    assert kim.verify_token(issued.token).tenant_slug == "star-ent"
    assert events(custody)[-3:] == ["tenant_disabled", "sign_in_failed", "tenant_enabled"]
