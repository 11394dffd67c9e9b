"""Impersonation accounts in the REST API: the official-handle allow-list, checks, queueing.

A profile is sent as JSON (images as base64, at most the upload size); checking
stores nothing, queueing opens a review item of kind ``account`` when the
profile is flagged (or when forced), exactly as ``idolguard impersonation``
does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from idolguard.domain.cases import CaseError
from idolguard.domain.impersonation import ImpersonationError, OfficialsError
from idolguard.domain.roster import RosterError
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.state import web_state
from idolguard.signals.impersonation import Profile, ProfileError

router = APIRouter()

Reader = Annotated[Caller, Depends(require("roster.read"))]
Writer = Annotated[Caller, Depends(require("roster.write"))]
Checker = Annotated[Caller, Depends(require("review.read"))]
Decider = Annotated[Caller, Depends(require("review.decide"))]
Text = Annotated[str, Field(max_length=5000)]


class OfficialIn(BaseModel):
    artist_id: Id
    platform: str = Field(min_length=1, max_length=64)
    handle: str = Field(min_length=1, max_length=200)


class OfficialRef(BaseModel):
    platform: str = Field(min_length=1, max_length=64)
    handle: str = Field(min_length=1, max_length=200)


class ProfileIn(BaseModel):
    """One account as seen: what its public profile shows (images as base64)."""

    platform: str = Field(min_length=1, max_length=64)
    handle: str = Field(min_length=1, max_length=200)
    display_name: Text = ""
    bio: Text = ""
    url: Annotated[str, Field(max_length=2000)] | None = None
    avatar: str | None = None
    banner: str | None = None
    links: list[Annotated[str, Field(max_length=2000)]] = Field(default=[], max_length=50)
    posts: list[Text] = Field(default=[], max_length=50)
    created_at: Annotated[str, Field(max_length=64)] | None = None
    followers: int | None = Field(default=None, ge=0)


class QueueIn(ProfileIn):
    force: bool = False
    case: Annotated[str, Field(max_length=64)] | None = None


def _profile(request: Request, body: ProfileIn) -> Profile:
    limit = web_state(request).max_upload_bytes
    for name in ("avatar", "banner"):
        value = getattr(body, name)
        if value is not None and len(value) * 3 // 4 > limit:
            raise HTTPException(413, f"{name} is too large (at most {limit // (1024 * 1024)} MB)")
    data = body.model_dump(include=set(ProfileIn.model_fields))
    try:
        return Profile.from_json(data)
    except ProfileError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/api/v1/officials", tags=["impersonation"])
def list_officials(caller: Reader, artist_id: Id | None = None) -> dict[str, Any]:
    """The allow-list: each artist's own accounts per platform (never flagged)."""
    ref = f"#{artist_id}" if artist_id is not None else None
    if ref is not None:
        found(caller.app.roster.get, ref)
    return {"officials": [v.as_json() for v in caller.app.officials.listing(ref)]}


@router.post("/api/v1/officials", tags=["impersonation"], status_code=201)
def add_official(caller: Writer, body: OfficialIn) -> dict[str, Any]:
    """List an artist's own account on a platform."""
    ref = f"#{body.artist_id}"
    found(caller.app.roster.get, ref)
    try:
        return caller.app.officials.add(ref, body.platform, body.handle).as_json()
    except (OfficialsError, RosterError) as exc:
        raise HTTPException(400, str(exc)) from None


@router.post("/api/v1/officials/remove", tags=["impersonation"])
def remove_official(caller: Writer, body: OfficialRef) -> dict[str, Any]:
    """Take an account off the allow-list."""
    try:
        removed = caller.app.officials.remove(body.platform, body.handle)
    except OfficialsError as exc:
        raise HTTPException(400, str(exc)) from None
    if not removed:
        raise HTTPException(404, f"{body.platform} @{body.handle.lstrip('@')} is not listed")
    return {"removed": {"platform": body.platform, "handle": body.handle.lstrip("@")}}


@router.post("/api/v1/impersonation/check", tags=["impersonation"])
def check_profile(request: Request, caller: Checker, body: ProfileIn) -> dict[str, Any]:
    """The profile's impersonation risk and reasons (Korean and English); nothing is stored."""
    return caller.app.impersonation.check(_profile(request, body)).as_json()


@router.post("/api/v1/impersonation/queue", tags=["impersonation"])
def queue_profile(request: Request, caller: Decider, body: QueueIn) -> dict[str, Any]:
    """Check a profile and open a review item (kind ``account``) when flagged or forced."""
    profile = _profile(request, body)
    try:
        queued = caller.app.impersonation.queue(
            profile, actor=caller.actor, force=body.force, case=body.case
        )
    except (ImpersonationError, CaseError) as exc:
        raise HTTPException(400, str(exc)) from None
    return {
        **queued.result.as_json(),
        "item_id": queued.opened.item_id if queued.opened else None,
    }
