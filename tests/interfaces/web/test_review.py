"""The review queue and item pages and API: worst first, blurred until a logged reveal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from idolguard.app import IdolGuard
from tests.helpers import face_photo, sample
from tests.interfaces.web.conftest import Web, email_for

ACTOR = "t"


def _add(agency: IdolGuard, path: Path, url: str, **source: str) -> int:
    opened = agency.intake.add_file(
        path, actor=ACTOR, source={"url": url, "platform": "example", **source}
    )
    assert opened.created
    return opened.item_id


def _arrange(web: Web) -> tuple[int, int]:
    """Stella: Yao Ming enrolled; a risky item of him and a low-risk unrelated photo."""
    stella = web.agency("stella")
    stella.roster.add_artist("Yao Ming", [face_photo("yaoming.jpg")])
    face = _add(stella, face_photo("yaoming.jpg"), "https://example.com/p/1", caption="deepfake")
    other = _add(stella, sample("coffee.jpg"), "https://example.com/p/2")
    assert stella.cases.get_item(face).risk > stella.cases.get_item(other).risk
    return face, other


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int)


def _actions(web: Web, item_id: int) -> list[str]:
    entries = web.agency("stella").custody.entries(subjects={f"item:{item_id}"})
    return [e.action for e in entries]


def test_queue_is_ordered_by_risk_and_items_list_filters(web: Web) -> None:
    face, other = _arrange(web)
    client = web.api("viewer")
    answer = client.get("/api/v1/queue")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["id"] for i in items] == [face, other]
    assert items[0]["risk"] >= items[1]["risk"] and items[0]["artist"] == "Yao Ming"
    assert [i["id"] for i in client.get("/api/v1/queue?limit=1").json()["items"]] == [face]

    listed = client.get("/api/v1/items", params={"artist": "yao ming"}).json()["items"]
    assert [i["id"] for i in listed] == [face]
    assert client.get("/api/v1/items", params={"state": "dismissed"}).json()["items"] == []
    assert len(client.get("/api/v1/items", params={"state": "new,in_review"}).json()["items"]) == 2
    assert client.get("/api/v1/items", params={"state": "bogus"}).status_code == 400
    assert client.get("/api/v1/queue?limit=0").status_code == 422


def test_item_detail_has_findings_with_faces_events_and_evidence(web: Web) -> None:
    face, _ = _arrange(web)
    answer = web.api("viewer").get(f"/api/v1/items/{face}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["item"]["id"] == face and body["item"]["state"] == "new"
    assert [e["to_state"] for e in body["events"]] == ["new"]
    assert len(body["evidence"]) == 1 and len(body["evidence"][0]["manifest_sha256"]) == 64
    findings = body["findings"]
    named = [f for f in findings["faces"] if f["artist"] == "Yao Ming"]
    assert named and named[0]["on_preview"] and 0 < named[0]["box"]["width"] <= 1
    assert findings["risk"]["score"] == body["item"]["risk"]
    detectors = {d["signal"] for d in findings["manipulation"]["detectors"]}
    assert detectors == {"manipulation", "ai_generated"}
    assert "deepfake" in [t["term"] for t in findings["caption"]["terms"]]
    assert "embedding" not in answer.text


def test_blurred_preview_is_grey_and_unlogged(web: Web) -> None:
    face, _ = _arrange(web)
    before = _actions(web, face)
    answer = web.api("viewer").get(f"/api/v1/items/{face}/preview")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert "no-store" in answer.headers["cache-control"]
    assert "private" in answer.headers["cache-control"]
    pixels = _pixels(answer.content)
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    assert _actions(web, face) == before and "reveal" not in before


def test_reveal_is_colour_and_logged_for_reviewers_only(web: Web) -> None:
    face, _ = _arrange(web)
    answer = web.api("reviewer").post(f"/api/v1/items/{face}/preview/reveal")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    assert "no-store" in answer.headers["cache-control"]
    pixels = _pixels(answer.content)
    assert (pixels[..., 0] != pixels[..., 2]).any()
    reveals = [
        e
        for e in web.agency("stella").custody.entries(subjects={f"item:{face}"})
        if e.action == "reveal"
    ]
    assert [e.actor for e in reveals] == [f"web:{email_for('reviewer')}"]

    refused = web.api("viewer").post(f"/api/v1/items/{face}/preview/reveal")
    assert refused.status_code == 403
    assert _actions(web, face).count("reveal") == 1
    assert web.api("reviewer").get(f"/api/v1/items/{face}/preview/reveal").status_code == 405


def test_decisions_need_the_role_and_a_reason(web: Web) -> None:
    face, other = _arrange(web)
    reason = {"reason": "face swap of an enrolled artist"}
    assert web.api("viewer").post(f"/api/v1/items/{face}/confirm", json=reason).status_code == 403
    assert web.api("legal").post(f"/api/v1/items/{face}/confirm", json=reason).status_code == 403
    assert web.api("viewer").post(f"/api/v1/items/{face}/dismiss", json=reason).status_code == 403

    reviewer = web.api("reviewer")
    missing = reviewer.post(f"/api/v1/items/{face}/confirm", json={})
    assert missing.status_code == 422 and "reason" in missing.json()["error"]
    blank = reviewer.post(f"/api/v1/items/{face}/confirm", json={"reason": "   "})
    assert blank.status_code == 422
    too_long = reviewer.post(f"/api/v1/items/{face}/confirm", json={"reason": "x" * 501})
    assert too_long.status_code == 422

    confirmed = reviewer.post(f"/api/v1/items/{face}/confirm", json=reason)
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["id"] == face and body["state"] == "confirmed" and body["case"]
    stella = web.agency("stella")
    case = stella.cases.get_case(body["case"])
    assert case.item_counts == {"confirmed": 1}
    events = stella.cases.events(face)
    assert (
        events[-1].actor == f"web:{email_for('reviewer')}" and events[-1].reason == reason["reason"]
    )

    dismissed = web.api("admin").post(
        f"/api/v1/items/{other}/dismiss", json={"reason": "official photo", "allow_list": True}
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["state"] == "dismissed"
    assert {b.name: b.kind for b in stella.banks.list_banks()}.get("sources") == "allow"

    # Only a confirmed item can be dismissed again; a dismissed one cannot be dismissed twice.
    again = reviewer.post(f"/api/v1/items/{other}/dismiss", json={"reason": "again"})
    assert again.status_code == 400 and "dismissed" in again.json()["error"]
    assert [i["id"] for i in reviewer.get("/api/v1/queue").json()["items"]] == []


def test_unknown_items_and_other_agencies_are_not_found(web: Web) -> None:
    face, _ = _arrange(web)
    reviewer = web.api("reviewer")
    assert reviewer.get("/api/v1/items/999999").status_code == 404
    assert reviewer.get("/api/v1/items/999999/preview").status_code == 404
    assert reviewer.post("/api/v1/items/999999/preview/reveal").status_code == 404
    assert reviewer.post("/api/v1/items/999999/confirm", json={"reason": "x"}).status_code == 404
    nova = web.api("admin", agency="nova")
    assert nova.get(f"/api/v1/items/{face}").status_code == 404
    assert nova.get(f"/api/v1/items/{face}/preview").status_code == 404
    assert nova.post(f"/api/v1/items/{face}/preview/reveal").status_code == 404
    assert nova.post(f"/api/v1/items/{face}/confirm", json={"reason": "x"}).status_code == 404
    assert nova.get("/api/v1/queue").json()["items"] == []
    assert web.api("reviewer").get(f"/items/{999999}").status_code == 404
    assert web.anonymous().get("/api/v1/queue").status_code == 401


def test_browser_decisions_need_the_csrf_token(web: Web) -> None:
    face, _ = _arrange(web)
    browser = web.browser("reviewer")
    body = {"reason": "confirmed in review"}
    refused = browser.post(f"/api/v1/items/{face}/confirm", json=body)
    assert refused.status_code == 403
    assert web.agency("stella").cases.get_item(face).state == "new"
    refused_reveal = browser.post(f"/api/v1/items/{face}/preview/reveal")
    assert refused_reveal.status_code == 403
    accepted = browser.post(
        f"/api/v1/items/{face}/confirm", json=body, headers={"X-CSRF-Token": browser.csrf}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "confirmed"


def test_pages_render_in_both_languages_without_unblurred_images(web: Web) -> None:
    face, other = _arrange(web)
    for lang in ("en", "ko"):
        browser = web.browser("reviewer", lang=lang)
        queue = browser.get("/queue")
        assert queue.status_code == 200, queue.text
        assert f'href="/items/{face}"' in queue.text and f'href="/items/{other}"' in queue.text
        assert queue.text.index(f"/items/{face}") < queue.text.index(f"/items/{other}")
        assert (
            f'src="/api/v1/items/{face}/preview"' in queue.text and 'loading="lazy"' in queue.text
        )
        page = browser.get(f"/items/{face}")
        assert page.status_code == 200, page.text
        for html in (queue.text, page.text):
            assert f'<html lang="{lang}">' in html
            sources = re.findall(r"<img[^>]*src=\"([^\"]*)\"", html)
            assert sources and not any("reveal" in s for s in sources)
            assert "style=" not in html and "<script>" not in html and "onclick" not in html
            assert "/static/review.js" in html
        assert f'data-reveal="/api/v1/items/{face}/preview/reveal"' in page.text
        assert "data-face-box" in page.text and 'id="decision-reason"' in page.text
        assert "Yao Ming" in page.text
        assert ("검토 대기열" in queue.text) == (lang == "ko")
        assert ("원본 보기" in page.text) == (lang == "ko")


def test_pages_follow_the_role(web: Web) -> None:
    face, _ = _arrange(web)
    viewer = web.browser("viewer")
    page = viewer.get(f"/items/{face}")
    assert page.status_code == 200
    assert "data-reveal" not in page.text and 'id="decision-reason"' not in page.text
    legal = web.browser("legal").get(f"/items/{face}")
    assert "data-reveal" in legal.text and 'id="decision-reason"' not in legal.text
    assert web.browser("admin", agency="nova").get(f"/items/{face}").status_code == 404


def test_empty_queue_page(web: Web) -> None:
    page = web.browser("viewer").get("/queue")
    assert page.status_code == 200
    assert 'data-testid="queue-empty"' in page.text
