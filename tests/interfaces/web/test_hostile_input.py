"""Hostile input: whatever a stranger or a careless script sends is a clear 4xx, never a 500.

Routes are enumerated from the app itself, so a new route with an id is
covered the moment it exists. Ids outside 1 … 2^63-1 once passed validation
and overflowed in the database driver; nested JSON brackets overflowed
Python's parser; a chunked body over the limit read as a parse error (400)
instead of 413. The last-resort handler is tested too, but only as the net
under these: each input here must be refused before it could reach it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, get_args

import httpx
import pytest
from annotated_types import Ge, Le
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from idolguard.config import Settings
from idolguard.interfaces.web import create_app
from idolguard.interfaces.web.ids import MAX_ID, parse_id
from tests.interfaces.web.browser import live_server
from tests.interfaces.web.conftest import Web

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
BAD_IDS = [str(2**63), "99999999999999999999999", "0", "-1", "²", "٣"]
PUBLIC = "/api/v1/public/stella/reports"


def _client(web: Web, **headers: str) -> TestClient:
    """A client that shows a 500 as a 500 (the fixture's clients would raise instead)."""
    client = TestClient(web.app, raise_server_exceptions=False, headers=headers)
    web._clients.append(client)
    return client


def _admin(web: Web) -> TestClient:
    return _client(web, Authorization=f"Bearer {web.tokens[('admin', 'stella')]}")


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _api_routes(nested.routes)


def _routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    found = list(_api_routes(app.routes))
    assert len(found) > 40, "the app's routes were not all found"
    for route in found:
        for method in sorted(route.methods):
            yield method, route


def _int_path_params(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.path_params if p.field_info.annotation is int]


def _fill(path: str, name: str, value: str) -> str:
    filled = path.replace("{" + name + "}", value)
    for other in ("agency", "number", "block", "language", "code", "topic"):
        filled = filled.replace("{" + other + "}", "stella" if other == "agency" else "x")
    return filled.replace("{item_id}", "1").replace("{artist_id}", "1")


def _bounded(annotation: Any) -> bool:
    """An int annotation carries the id bounds (Ge(1), Le(2^63-1)), however it is wrapped."""
    found = {type(m): m for m in getattr(annotation, "__metadata__", ())}
    if found.get(Ge) == Ge(1) and found.get(Le) == Le(MAX_ID):
        return True
    return any(_bounded(arg) for arg in get_args(annotation))


def _mentions_int(annotation: Any) -> bool:
    return annotation is int or any(_mentions_int(arg) for arg in get_args(annotation))


def test_every_id_parameter_of_every_route_is_bounded(sqlite_web: Web) -> None:
    """Path, query and body: every id the app reads is the one validated ``Id`` type."""
    loose = []
    for method, route in _routes(sqlite_web.app):
        params = route.dependant.path_params + route.dependant.query_params
        for param in params:
            if not param.name.endswith("_id"):
                continue
            direct = param.field_info.annotation is int and {Ge(1), Le(MAX_ID)} <= set(
                param.field_info.metadata
            )
            if not direct and not _bounded(param.field_info.annotation):
                loose.append(f"{method} {route.path} {param.name}")
        body = route.body_field.field_info.annotation if route.body_field else None
        if isinstance(body, type) and issubclass(body, BaseModel):
            for name, field in body.model_fields.items():
                if name.endswith(("_id", "_ids")):
                    annotation = field.rebuild_annotation()
                    if not _mentions_int(annotation):
                        continue  # a name chosen by people (a bank's content id), not a row id
                    if not _bounded(annotation):
                        loose.append(f"{method} {route.path} body.{name}")
    assert not loose, f"ids without the 1 … 2^63-1 bounds: {loose}"


@pytest.mark.parametrize("bad", BAD_IDS)
def test_out_of_range_ids_in_paths_are_refused_not_crashed(sqlite_web: Web, bad: str) -> None:
    client = _admin(sqlite_web)
    checked, wrong = 0, []
    for method, route in _routes(sqlite_web.app):
        for name in _int_path_params(route):
            url = _fill(route.path, name, bad)
            body = {} if method in UNSAFE else None
            answer = client.request(method, url, json=body, follow_redirects=False)
            checked += 1
            if not 400 <= answer.status_code < 500:
                wrong.append(f"{method} {url}: {answer.status_code}")
    assert checked >= 10  # the enumeration found the item and artist routes
    assert not wrong, "; ".join(wrong)


@pytest.mark.parametrize("bad", [2**63, 10**30, 0, -1])
def test_out_of_range_ids_in_queries_and_bodies_are_refused(sqlite_web: Web, bad: int) -> None:
    client = _admin(sqlite_web)
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/api/v1/dashboard?artist_id={bad}", None),
        ("GET", f"/dashboard?artist_id={bad}", None),
        ("POST", "/api/v1/items/1/confirm", {"reason": "r", "artist_id": bad}),
        ("POST", "/api/v1/cases", {"title": "t", "artist_id": bad}),
        ("POST", "/api/v1/cases", {"title": "t", "item_ids": [bad]}),
        ("POST", "/api/v1/cases", {"title": "t", "item_ids": f"#{bad}"}),
        ("POST", "/api/v1/cases/IG-2026-0001/items", {"item_ids": [bad]}),
        ("POST", "/api/v1/notices", {"case": "IG-2026-0001", "item_ids": [bad]}),
    ]
    for method, url, body in calls:
        answer = client.request(method, url, json=body)
        assert answer.status_code == 422, f"{method} {url} {body}: {answer.status_code}"
        assert "Traceback" not in answer.text


@pytest.mark.parametrize("artist", ["²", "9999999999999999999", "٣", "#0", "-4", "1e3"])
def test_public_report_with_an_impossible_artist_is_a_400(sqlite_web: Web, artist: str) -> None:
    answer = _client(sqlite_web).post(
        PUBLIC, data={"url": "https://forum.example/t/1", "artist": artist}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": "choose an artist from the list"}


def test_public_report_with_an_unknown_but_possible_artist_is_a_400(sqlite_web: Web) -> None:
    answer = _client(sqlite_web).post(
        PUBLIC, data={"url": "https://forum.example/t/1", "artist": str(MAX_ID)}
    )
    assert answer.status_code == 400, answer.text


def test_parse_id_takes_only_ascii_digits_in_range() -> None:
    assert parse_id("#12") == 12
    assert parse_id(" 7 ") == 7
    assert parse_id(str(MAX_ID)) == MAX_ID
    for text in ("", "#", "²", "٣", "0", str(MAX_ID + 1), "1.0", "+1", "1_000"):
        assert parse_id(text) is None, text


@pytest.mark.parametrize("endpoint", ["status", "withdraw"])
def test_public_json_bodies_are_capped_nested_brackets_included(
    sqlite_web: Web, endpoint: str
) -> None:
    client = _client(sqlite_web)
    url = f"{PUBLIC}/{endpoint}"
    nested = "[" * 50_000 + "]" * 50_000
    answer = client.post(url, content=nested, headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text
    big = '{"number": "R-23456789", "pin": "' + "1" * 10_000 + '"}'
    answer = client.post(url, content=big, headers={"content-type": "application/json"})
    assert answer.status_code == 413
    # Under the cap, brackets still nest too deep for nothing: a plain 400, not a crash.
    small = "[" * 1500 + "]" * 1500
    answer = client.post(url, content=small, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    form = client.post(url, data={"number": "R-23456789", "pin": "12345678"})
    assert form.status_code == 404  # a well-formed form still reaches the check


def test_chunked_body_over_the_limit_is_413_from_a_real_server(sqlite_settings: Settings) -> None:
    """No Content-Length: the limit is counted as the body streams in, and answers 413."""
    from idolguard.app import IdolGuard

    settings = replace(sqlite_settings.web, max_upload_mb=1)  # limit: 1 MB + 1 MB overhead
    installation = IdolGuard(sqlite_settings)
    installation.accounts.create_tenant("stella", "Stella", actor="test")
    app = create_app(installation, settings)

    def chunks(total: int) -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(total // 65536):
            yield b"\0" * 65536

    try:
        with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
            headers = {"content-type": "multipart/form-data; boundary=x"}
            answer = client.post(
                "/api/v1/public/stella/reports", content=chunks(4 << 20), headers=headers
            )
            assert answer.status_code == 413, answer.text
            assert "too large" in answer.json()["error"]
            assert answer.headers["x-content-type-options"] == "nosniff"
            # A JSON API route is guarded the same way.
            answer = client.post(
                "/api/v1/public/stella/reports/status",
                content=chunks(4 << 20),
                headers={"content-type": "application/json"},
            )
            assert answer.status_code == 413
            # Under the limit, the same streaming reaches the route (no file: 400).
            small = client.post("/api/v1/public/stella/reports", content=chunks(0), headers=headers)
            assert small.status_code in (400, 422), small.text
    finally:
        installation.close()


def test_an_unexpected_error_is_a_generic_500_without_traceback(sqlite_web: Web) -> None:
    app = sqlite_web.app

    def broken() -> None:
        raise RuntimeError("secret internals /srv/idolguard.db")

    app.add_api_route("/api/v1/broken", broken)
    app.add_api_route("/broken", broken)
    client = _client(sqlite_web, **{"Accept-Language": "ko"})
    api = client.get("/api/v1/broken")
    assert api.status_code == 500
    assert set(api.json()) == {"error"}
    page = client.get("/broken")
    assert page.status_code == 500
    assert "요청을 처리하지 못했습니다" in page.text
    for answer in (api, page):
        assert "secret internals" not in answer.text and "Traceback" not in answer.text
        assert answer.headers["cache-control"] == "no-store"
