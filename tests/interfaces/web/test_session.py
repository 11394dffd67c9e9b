"""Signing in and out, CSRF, language choice, rate limits and security headers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interfaces.web.conftest import PASSWORD, Web, email_for


def test_login_sets_a_strict_http_only_cookie_and_logout_ends_the_session(web: Web) -> None:
    client = web.anonymous()
    answer = client.post(
        "/login",
        data={"email": email_for("reviewer"), "password": PASSWORD, "next": "/queue"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    me = client.get("/api/v1/me").json()
    assert (me["email"], me["agency"], me["role"], me["via"]) == (
        "reviewer@stella.test",
        "stella",
        "reviewer",
        "session",
    )
    assert "review.decide" in me["permissions"] and "notices.send" not in me["permissions"]
    refused = client.post("/logout", follow_redirects=False)  # no CSRF token
    assert refused.status_code == 403
    out = client.post(
        "/logout",
        data={"csrf_token": me["csrf_token"]},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert out.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password_is_generic_and_next_cannot_leave_the_site(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    wrong = client.post("/login", data={"email": email_for("admin"), "password": "nope" * 4})
    assert wrong.status_code == 401 and "Wrong e-mail or password" in wrong.text
    unknown = client.post("/login", data={"email": "nobody@x.test", "password": "nope" * 4})
    assert unknown.status_code == 401 and "Wrong e-mail or password" in unknown.text
    answer = client.post(
        "/login",
        data={"email": email_for("admin"), "password": PASSWORD, "next": "//evil.test/x"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_someone_in_two_agencies_chooses_one(sqlite_web: Web) -> None:
    sqlite_web.installation.accounts.grant(email_for("viewer"), "nova", "reviewer", actor="t")
    client = sqlite_web.anonymous()
    first = client.post("/login", data={"email": email_for("viewer"), "password": PASSWORD})
    assert first.status_code == 200 and 'name="agency"' in first.text
    assert '<option value="nova">' in first.text and '<option value="stella">' in first.text
    chosen = client.post(
        "/login",
        data={"email": email_for("viewer"), "password": PASSWORD, "agency": "nova"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert client.get("/api/v1/me").json()["role"] == "reviewer"


def test_pages_redirect_to_sign_in_and_the_api_answers_401(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer igt_" + "x" * 43})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["error"]
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_tokens_need_no_csrf_but_cookies_do_and_foreign_origins_are_refused(
    sqlite_web: Web,
) -> None:
    assert sqlite_web.api("admin").get("/api/v1/me").json()["via"] == "token"
    browser = sqlite_web.browser("admin")
    cross = browser.post(
        "/logout",
        data={"csrf_token": browser.csrf},
        headers={"Origin": "https://evil.test"},
        follow_redirects=False,
    )
    assert cross.status_code == 403


def test_language_follows_the_browser_then_the_switch(sqlite_web: Web) -> None:
    korean = sqlite_web.anonymous(**{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert "로그인" in korean.get("/login").text
    english = sqlite_web.anonymous(**{"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in" in english.get("/login").text
    nothing = sqlite_web.anonymous(**{"Accept-Language": ""})
    assert 'lang="ko"' in nothing.get("/login").text  # the default for a Korean service
    switched = english.get("/lang/ko?next=/login")
    assert switched.status_code == 200 and 'lang="ko"' in switched.text
    english.get("/lang/xx?next=/login")
    assert 'lang="ko"' in english.get("/login").text  # unknown codes change nothing


def test_sign_in_attempts_are_rate_limited_per_address(sqlite_web: Web) -> None:
    client = sqlite_web.anonymous()
    limit = sqlite_web.installation.settings.web.login_per_minute
    for _ in range(limit):
        client.post("/login", data={"email": "x@y.test", "password": "p" * 12})
    blocked = client.post("/login", data={"email": email_for("admin"), "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1


def test_every_answer_carries_security_headers(sqlite_web: Web) -> None:
    answer = sqlite_web.anonymous().get("/login")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_openapi_schema_documents_the_api(sqlite_web: Web) -> None:
    schema = sqlite_web.anonymous().get("/api/openapi.json").json()
    assert "/api/v1/me" in schema["paths"]
    assert not any(not path.startswith("/api/") for path in schema["paths"])


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),  # names no site: refused, as the README says
        ({"Origin": "null"}, 403),
        ({"Origin": "https://evil.test"}, 403),
        ({"Referer": "https://evil.test/page"}, 403),
        ({"Referer": "http://testserver/dashboard"}, 303),  # browsers that send no Origin
        ({"Origin": "http://testserver"}, 303),
    ],
)
def test_cookie_changes_need_this_sites_origin_even_with_the_csrf_token(
    sqlite_web: Web, headers: dict[str, str], status: int
) -> None:
    browser = sqlite_web.browser("admin")
    del browser.headers["Origin"]  # the fixture's client sends it, as browsers do
    answer = browser.post(
        "/logout", data={"csrf_token": browser.csrf}, headers=headers, follow_redirects=False
    )
    assert answer.status_code == status, answer.text
    signed_in = browser.get("/api/v1/me").status_code == 200
    assert signed_in == (status == 403)


def test_api_tokens_need_no_origin(sqlite_web: Web) -> None:
    client = sqlite_web.api("admin")
    answer = client.post("/api/v1/cases", json={"title": "no origin needed"})
    assert answer.status_code == 201, answer.text


def _login_failure(client: Any, email: str, password: str) -> tuple[int, str]:
    answer = client.post("/login", data={"email": email, "password": password})
    return answer.status_code, answer.text.replace(email, "EMAIL")


def test_lockout_looks_like_any_failure_so_it_reveals_no_account(
    sqlite_web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = sqlite_web.installation.accounts
    verified: list[str] = []
    original = accounts._verify

    def counting(encoded: str, password: str) -> bool:
        verified.append(password)
        return original(encoded, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    client = sqlite_web.anonymous(**{"Accept-Language": "ko"})
    known = email_for("viewer")
    answers = {_login_failure(client, known, f"wrong password {n}") for n in range(5)}
    verified.clear()
    locked = _login_failure(client, known, PASSWORD)  # the right password, but locked
    locked_checks = len(verified)
    verified.clear()
    unknown = _login_failure(client, "nobody@stella.test", PASSWORD)
    assert locked_checks == len(verified) == 1  # same work, so the same time
    assert locked == unknown
    assert answers == {unknown}  # the fifth failure, which locked, reads the same too
    status, text = unknown
    assert status == 401
    assert "올바르지 않습니다" in text and "5번 연속 실패하면" in text and "15분" in text
    english = sqlite_web.anonymous()
    assert (
        "locked for 15 minutes"
        in english.post("/login", data={"email": "nobody@x.test", "password": "p" * 12}).text
    )
