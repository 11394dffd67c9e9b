"""How the caption text signal's result is shown: the review page's caption block and the
scan JSON's ``text``. Kept apart from ``text`` (a long module about matching words)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idolguard.signals.presentation import rounded


def caption_findings(text: Mapping[str, Any]) -> dict[str, Any]:
    """Who the words name, which harmful words, and the scores, for the review page."""
    return {
        "fields": list(text.get("fields") or []),
        "artists": [
            {
                "artist_id": a.get("artist_id"),
                "name": a.get("name"),
                "matched": a.get("matched"),
                "how": a.get("how"),
                "score": rounded(a.get("score")),
                "field": a.get("field"),
            }
            for a in text.get("artists") or []
        ],
        "terms": [
            {
                "term": t.get("term"),
                "category": t.get("category"),
                "matched": t.get("matched"),
                "weight": rounded(t.get("weight")),
                "field": t.get("field"),
            }
            for t in text.get("terms") or []
        ],
        "manipulation": rounded(text.get("manipulation")),
        "sexual": rounded(text.get("sexual")),
        "score": rounded(text.get("score")),
        "reasons": list(text.get("reasons") or []),
    }


def text_json(text: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The caption text signal in short: who is named, which words, its score."""
    if not text:
        return None
    return {
        "fields": list(text.get("fields", [])),
        "artists": [a.get("name") for a in text.get("artists", [])],
        "terms": [t.get("term") for t in text.get("terms", [])],
        "score": text.get("score"),
    }
