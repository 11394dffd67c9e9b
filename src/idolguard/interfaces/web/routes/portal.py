"""An agency's own words on its public portal pages: admins edit, the custody chain records.

Blocks (statement, contact, artists) are HTML per language. The domain
sanitises them to its allow-list before storing and the answer carries the
stored, cleaned text, so the admin sees at once what the public will see.
Changes need the ``portal.write`` permission and, from a browser, the
session's CSRF token like every other change.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from idolguard.domain.fan_reports.portal_content import BLOCKS, LANGUAGES, MAX_HTML
from idolguard.interfaces.web.auth import Caller, require
from idolguard.interfaces.web.errors import NotFound
from idolguard.interfaces.web.templating import render

router = APIRouter()

Editor = Annotated[Caller, Depends(require("portal.write"))]


class BlockIn(BaseModel):
    html: str = Field(max_length=MAX_HTML)


def _checked(block: str, language: str) -> tuple[str, str]:
    if block not in BLOCKS or language not in LANGUAGES:
        raise NotFound(f"no portal block {block!r} in {language!r}")
    return block, language


@router.get("/api/v1/portal", tags=["portal"])
def list_blocks(caller: Editor) -> dict[str, Any]:
    """The agency's portal blocks as stored (sanitised), with who changed each and when."""
    return {
        "blocks": [view.to_json() for view in caller.app.portal.blocks()],
        "keys": list(BLOCKS),
        "languages": list(LANGUAGES),
    }


@router.put("/api/v1/portal/{block}/{language}", tags=["portal"])
def set_block(caller: Editor, block: str, language: str, body: BlockIn) -> dict[str, Any]:
    """Set one block (``statement``, ``contact`` or ``artists``) in ``ko`` or ``en``.

    The HTML is reduced to a strict allow-list (paragraphs, emphasis, lists,
    h3/h4, quotes, links with https/mailto/tel); the answer is what was stored.
    400 when nothing is left once cleaned.
    """
    key, lang = _checked(block, language)
    return caller.app.portal.set_block(key, lang, body.html, actor=caller.actor).to_json()


@router.delete("/api/v1/portal/{block}/{language}", tags=["portal"])
def clear_block(caller: Editor, block: str, language: str) -> dict[str, Any]:
    """Remove one block; ``cleared`` is false when there was nothing to remove."""
    key, lang = _checked(block, language)
    return {"cleared": caller.app.portal.clear_block(key, lang, actor=caller.actor)}


@router.get("/portal", include_in_schema=False)
def portal_page(request: Request, caller: Editor) -> Response:
    stored = {(view.key, view.language): view for view in caller.app.portal.blocks()}
    return render(
        request,
        "portal_admin.html",
        caller=caller,
        keys=BLOCKS,
        languages=LANGUAGES,
        stored=stored,
    )
