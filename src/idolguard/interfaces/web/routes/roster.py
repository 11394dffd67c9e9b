"""The roster: protected artists, their names in every script, and their reference photos.

Uploaded reference photos are streamed to a private temporary folder under the
working directory, checked by the roster service (which finds the face in each
and refuses the lot if any photo is unusable) and deleted afterwards: the
roster keeps its own write-once copy of the photos it accepted.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from idolguard.domain.roster import ArtistSummary, EnrolmentError
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import found
from idolguard.interfaces.web.ids import Id
from idolguard.interfaces.web.state import web_state
from idolguard.interfaces.web.templating import render

router = APIRouter()

MAX_PHOTOS = 20
_CHUNK = 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_ALIAS_SPLIT = re.compile(r"[,\n\r]+")

Reader = Annotated[Caller, Depends(require("roster.read"))]
Writer = Annotated[Caller, Depends(require("roster.write"))]


class AliasesIn(BaseModel):
    """``aliases``: a list of names, or one text with names on lines or between commas."""

    aliases: (
        list[Annotated[str, Field(max_length=200)]] | Annotated[str, Field(max_length=5000)]
    ) = Field(min_length=1)


def artist_ref(artist_id: int) -> str:
    """The roster resolves ``#12`` as an id (names and aliases otherwise)."""
    return f"#{artist_id}"


def split_aliases(text: str | None) -> list[str]:
    """Aliases typed one per line or separated by commas, blanks dropped."""
    return [part.strip() for part in _ALIAS_SPLIT.split(text or "") if part.strip()]


def _uploads(files: list[UploadFile] | None) -> list[UploadFile]:
    """The files actually chosen (browsers send an empty part when none is)."""
    return [f for f in files or [] if f.filename or (f.size or 0) > 0]


@contextmanager
def received_photos(
    request: Request, caller: Caller, files: list[UploadFile]
) -> Iterator[tuple[list[Path], dict[str, str]]]:
    """Copy uploads into a fresh private folder; yields the paths and path -> original name.

    Each file may be at most the configured upload size; the folder is
    removed afterwards whatever happens.
    """
    if not files:
        raise HTTPException(400, "choose at least one photo")
    if len(files) > MAX_PHOTOS:
        raise HTTPException(400, f"too many photos: at most {MAX_PHOTOS} at a time")
    limit = web_state(request).max_upload_bytes
    root = caller.app.settings.working_dir / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="roster-", dir=root))
    try:
        paths: list[Path] = []
        names: dict[str, str] = {}
        for index, upload in enumerate(files, start=1):
            original = Path(upload.filename or f"photo-{index}").name[:200] or f"photo-{index}"
            safe = _SAFE_NAME.sub("_", original)[-80:].lstrip(".") or "photo"
            target = folder / f"{index:02d}-{safe}"
            written = 0
            with target.open("wb") as out:
                while chunk := upload.file.read(_CHUNK):
                    written += len(chunk)
                    if written > limit:
                        raise HTTPException(
                            413,
                            f"{original}: the photo is too large "
                            f"(at most {limit // (1024 * 1024)} MB per photo)",
                        )
                    out.write(chunk)
            paths.append(target)
            names[str(target)] = original
        yield paths, names
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _rejected(error: EnrolmentError, names: dict[str, str]) -> JSONResponse:
    """A 400 naming each refused photo by the name it was uploaded under."""
    problems = [
        {"photo": names.get(p.path, Path(p.path).name), "problem": p.problem}
        for p in error.problems
    ]
    lines = "; ".join(f"{p['photo']}: {p['problem']}" for p in problems)
    return JSONResponse(
        {"error": f"photo(s) rejected, nothing was changed: {lines}", "problems": problems},
        status_code=400,
    )


# --------------------------------------------------------------------- API


@router.get("/api/v1/artists", tags=["roster"])
def list_artists(
    caller: Reader, q: Annotated[str | None, Query(max_length=200)] = None
) -> dict[str, Any]:
    """Artists on the roster, by name; ``q`` searches names and aliases in any script and groups."""
    artists = caller.app.roster.list_artists(q.strip() if q and q.strip() else None)
    return {"artists": [a.as_json() for a in artists]}


@router.get("/api/v1/artists/{artist_id}", tags=["roster"])
def get_artist(caller: Reader, artist_id: Id) -> dict[str, Any]:
    """One artist: names, group, aliases and how many reference photos and templates they have."""
    return found(caller.app.roster.get, artist_ref(artist_id)).as_json()


@router.post("/api/v1/artists", tags=["roster"], status_code=201, response_model=None)
def add_artist(
    request: Request,
    caller: Writer,
    name: Annotated[str, Form(max_length=200)],
    photos: Annotated[list[UploadFile], File(description="reference photos, one face each")],
    group: Annotated[str | None, Form(max_length=200)] = None,
    aliases: Annotated[str | None, Form(max_length=5000)] = None,
) -> dict[str, Any] | JSONResponse:
    """Enrol an artist from reference photos (multipart; aliases comma or newline separated).

    Every photo must show the artist's face clearly; if any does not, nothing
    is enrolled and ``problems`` lists each refused photo and why.
    """
    with received_photos(request, caller, _uploads(photos)) as (paths, names):
        try:
            summary: ArtistSummary = caller.app.roster.add_artist(
                name,
                paths,
                aliases=split_aliases(aliases),
                group=group.strip() if group and group.strip() else None,
            )
        except EnrolmentError as exc:
            return _rejected(exc, names)
    return summary.as_json()


@router.post("/api/v1/artists/{artist_id}/photos", tags=["roster"], response_model=None)
def add_photos(
    request: Request,
    caller: Writer,
    artist_id: Id,
    photos: Annotated[list[UploadFile], File(description="reference photos, one face each")],
) -> dict[str, Any] | JSONResponse:
    """Add reference photos to an artist (photos already on file are skipped)."""
    ref = artist_ref(artist_id)
    found(caller.app.roster.get, ref)
    with received_photos(request, caller, _uploads(photos)) as (paths, names):
        try:
            summary = caller.app.roster.add_photos(ref, paths)
        except EnrolmentError as exc:
            return _rejected(exc, names)
    return summary.as_json()


@router.post("/api/v1/artists/{artist_id}/aliases", tags=["roster"])
def add_aliases(caller: Writer, artist_id: Id, body: AliasesIn) -> dict[str, Any]:
    """Add names the artist is known by (Hangul, romanisations, nicknames)."""
    ref = artist_ref(artist_id)
    found(caller.app.roster.get, ref)
    texts = [body.aliases] if isinstance(body.aliases, str) else body.aliases
    aliases = [a for text in texts for a in split_aliases(text)]
    if not aliases:
        raise HTTPException(400, "give at least one alias")
    return caller.app.roster.add_aliases(ref, aliases).as_json()


@router.delete("/api/v1/artists/{artist_id}", tags=["roster"])
def remove_artist(caller: Writer, artist_id: Id) -> dict[str, Any]:
    """Take an artist off the roster (their face templates go; stored photo originals stay)."""
    ref = artist_ref(artist_id)
    found(caller.app.roster.get, ref)
    name = caller.app.roster.remove_artist(ref)
    return {"removed": artist_id, "name": name}


# ------------------------------------------------------------------- pages


@router.get("/roster", include_in_schema=False)
def roster_page(
    request: Request, caller: Reader, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    query = q.strip() if q and q.strip() else None
    artists = caller.app.roster.list_artists(query)
    return render(
        request,
        "roster_list.html",
        caller=caller,
        artists=artists,
        query=query or "",
        max_photos=MAX_PHOTOS,
        max_mb=web_state(request).settings.max_upload_mb,
    )


@router.get("/roster/{artist_id}", include_in_schema=False)
def artist_page(request: Request, caller: Reader, artist_id: Id) -> Response:
    artist = found(caller.app.roster.get, artist_ref(artist_id))
    cases = [c for c in caller.app.cases.list_cases() if c.artist_id == artist.id]
    return render(
        request,
        "roster_artist.html",
        caller=caller,
        artist=artist,
        cases=cases,
        officials=caller.app.officials.listing(artist_ref(artist.id)),
        max_photos=MAX_PHOTOS,
        max_mb=web_state(request).settings.max_upload_mb,
    )
