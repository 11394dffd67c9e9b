"""The hash exchange over HTTP: staff publish and hand out tokens; partners read the feed.

Staff routes (``/api/v1/exchange/...``) use the ordinary session or API token
and the ``exchange.*`` permissions. Feed routes
(``/api/v1/exchange/feeds/{agency}/{bank}/...``) are what HMA, pytx (through
``idolguard.exchange.pytx_extension``) and subscribing agencies call: they take
a bank-scoped exchange token (``igx_...``), which opens that one feed and
nothing else, and are rate-limited per client address. Every refusal of a
feed token is the same 401, so a stranger cannot tell which agencies or banks
exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from idolguard.app import IdolGuard
from idolguard.domain.accounts import AccountError
from idolguard.domain.cases import CaseError
from idolguard.domain.exchange import (
    FEED_PAGE_LIMIT,
    ExchangeNotFound,
    TokenGrant,
    TokenRefused,
)
from idolguard.interfaces.web.auth import Caller, NotSignedIn, require
from idolguard.interfaces.web.errors import NotFound
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.state import client_address, web_state

router = APIRouter()

Reader = Annotated[Caller, Depends(require("exchange.read"))]
Publisher = Annotated[Caller, Depends(require("exchange.publish"))]
Manager = Annotated[Caller, Depends(require("exchange.manage"))]


class PublishIn(BaseModel):
    tags: list[str] = Field(default_factory=list, max_length=16)


class WithdrawIn(BaseModel):
    content_id: str | None = Field(default=None, max_length=128)


class TokenIn(BaseModel):
    bank: str = Field(max_length=128)
    scope: str = Field(pattern="^(read|publish)$")
    name: str = Field(min_length=1, max_length=200)


def _found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ExchangeNotFound as exc:
        raise NotFound(str(exc)) from exc


# ------------------------------------------------------------------------- staff
@router.get("/api/v1/exchange/banks", tags=["exchange"])
def publications(caller: Reader) -> dict[str, Any]:
    """The banks this agency shares (labels, live hash counts) and those it subscribes to."""
    return {
        "published": [p.to_json() for p in caller.app.exchange.publications()],
        "subscribed": caller.app.subscriptions.subscriptions(),
    }


@router.post("/api/v1/exchange/banks/{bank}/publish", tags=["exchange"])
def publish(caller: Publisher, bank: str, body: PublishIn) -> dict[str, Any]:
    """Share the bank's current hashes with these labels (again: share later additions too)."""
    result = _found(lambda: caller.app.exchange.publish(bank, body.tags, actor=caller.actor))
    return _result(result)


@router.post("/api/v1/exchange/banks/{bank}/withdraw", tags=["exchange"])
def withdraw(caller: Publisher, bank: str, body: WithdrawIn) -> dict[str, Any]:
    """Stop sharing one content item, or (without ``content_id``) the whole bank."""
    result = _found(
        lambda: caller.app.exchange.withdraw(bank, content_id=body.content_id, actor=caller.actor)
    )
    return _result(result)


class ShareCaseIn(BaseModel):
    into: str = Field(min_length=1, max_length=128)
    tags: list[str] = Field(default_factory=list, max_length=16)


@router.post("/api/v1/exchange/cases/{number}/publish", tags=["exchange"])
def publish_case(caller: Publisher, number: str, body: ShareCaseIn) -> dict[str, Any]:
    """Share one case: its confirmed items' hashes go into bank ``into``, which is published."""
    try:
        caller.app.cases.get_case(number)
    except CaseError as exc:
        raise NotFound(str(exc)) from exc
    shared = caller.app.share_case(number, into=body.into, tags=body.tags, actor=caller.actor)
    return {
        "case": shared.case,
        "items": shared.items,
        "missing": shared.missing,
        **_result(shared.result),
    }


@router.get("/api/v1/exchange/tokens", tags=["exchange"])
def list_tokens(caller: Manager) -> dict[str, Any]:
    return {"tokens": caller.app.exchange_tokens.list()}


@router.post("/api/v1/exchange/tokens", tags=["exchange"], status_code=201)
def issue_token(caller: Manager, body: TokenIn) -> dict[str, Any]:
    """A feed token for one bank; the answer holds the token itself, shown this once."""
    issued = _found(
        lambda: caller.app.exchange_tokens.issue(
            body.bank, body.scope, body.name, actor=caller.actor
        )
    )
    return dict(issued.to_json())


@router.delete("/api/v1/exchange/tokens/{token_id}", tags=["exchange"])
def revoke_token(caller: Manager, token_id: Id) -> dict[str, Any]:
    _found(lambda: caller.app.exchange_tokens.revoke(token_id, actor=caller.actor))
    return {"revoked": token_id}


# -------------------------------------------------------------------------- feed
def _feed_access(scope: str) -> Callable[[Request, str, str], tuple[IdolGuard, TokenGrant]]:
    """A dependency: the agency's services and the grant of a token valid for this feed."""

    def dependency(request: Request, agency: str, bank: str) -> tuple[IdolGuard, TokenGrant]:
        state = web_state(request)
        state.limiter.hit(
            "exchange",
            client_address(request),
            limit=state.settings.exchange_per_minute,
            window=60,
        )
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise NotSignedIn("use 'Authorization: Bearer <exchange token>'")
        refused = "this exchange token is unknown, revoked or not for this feed"
        try:
            services = state.installation.tenant(agency)
            grant = services.exchange_tokens.verify(credential.strip(), bank, scope)
        except (AccountError, TokenRefused) as exc:
            raise NotSignedIn(refused) from exc
        return services, grant

    dependency.exchange_scope = scope  # type: ignore[attr-defined]
    return dependency


FeedReader = Annotated[tuple[IdolGuard, TokenGrant], Depends(_feed_access("read"))]
FeedPublisher = Annotated[tuple[IdolGuard, TokenGrant], Depends(_feed_access("publish"))]


@router.get(
    "/api/v1/exchange/feeds/{agency}/{bank}/changes",
    tags=["exchange"],
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def feed_changes(
    access: FeedReader,
    agency: str,
    bank: str,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=FEED_PAGE_LIMIT)] = FEED_PAGE_LIMIT,
) -> Response:
    """Changes after checkpoint ``after``, oldest first: updates and deletions (``deleted``).

    Pass the answer's ``checkpoint`` as ``after`` next time; ``more`` says another page
    is waiting now. Each change carries the signal type (pytx's names), the signal and
    the agency's labels, nothing else.
    """
    services, grant = access
    page = _found(
        lambda: services.exchange.changes(bank, after=after, limit=limit, actor=grant.actor)
    )
    # Serialised directly: FastAPI's generic encoder costs more than the query on big pages.
    body = json.dumps(page.to_json(), ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json")


@router.post("/api/v1/exchange/feeds/{agency}/{bank}/publish", tags=["exchange"])
def feed_publish(access: FeedPublisher, agency: str, bank: str, body: PublishIn) -> dict[str, Any]:
    """What ``POST /api/v1/exchange/banks/{bank}/publish`` does, for a publish-scoped token."""
    services, grant = access
    return _result(_found(lambda: services.exchange.publish(bank, body.tags, actor=grant.actor)))


@router.post("/api/v1/exchange/feeds/{agency}/{bank}/withdraw", tags=["exchange"])
def feed_withdraw(
    access: FeedPublisher, agency: str, bank: str, body: WithdrawIn
) -> dict[str, Any]:
    """Withdraw one content item or the whole bank, for a publish-scoped token."""
    services, grant = access
    result = _found(
        lambda: services.exchange.withdraw(bank, content_id=body.content_id, actor=grant.actor)
    )
    return _result(result)


def _result(result: Any) -> dict[str, Any]:
    return {
        "bank": result.bank,
        "added": result.added,
        "updated": result.updated,
        "withdrawn": result.withdrawn,
        "checkpoint": result.seq,
    }
