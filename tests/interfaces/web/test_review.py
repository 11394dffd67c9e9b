"""The review queue and item pages and API: worst first, blurred until a logged reveal."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
from argon2 import PasswordHasher
from PIL import Image

from idolguard.app import IdolGuard
from tests.helpers import face_photo, sample
from tests.interfaces.web.conftest import Web, email_for
from tests.website import ChangingSite

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


def _allow_loopback_captures(web: Web) -> None:
    """The test site is on loopback, which captures refuse unless [watch] allow_private."""
    stella = web.agency("stella")
    stella.settings = replace(
        stella.settings, watch=replace(stella.settings.watch, allow_private=True)
    )


def test_link_reports_wait_in_the_queue_and_are_captured_with_one_click(
    sqlite_web: Web, website: ChangingSite
) -> None:
    """Issue 17 #2: URL-only fan reports were listed nowhere but the API."""
    web = sqlite_web
    _allow_loopback_captures(web)
    stella = web.agency("stella")
    stella.reports.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    artist = stella.roster.add_artist("Han Yuri", [face_photo("yaoming.jpg")]).id
    url = website.url("/status/1.jpg")  # not there yet: the first capture fails
    sent = web.anonymous().post(
        "/api/v1/public/stella/reports",
        data={"url": url, "artist": str(artist), "description": "<script>x</script> 합성"},
    )
    assert sent.status_code == 201, sent.text
    number = sent.json()["number"]

    reviewer = web.browser("reviewer", lang="ko")
    queue = reviewer.get("/queue")
    assert 'data-testid="link-reports"' in queue.text and "링크 제보 — 수집 대기" in queue.text
    assert f'action="/reports/{number}/capture"' in queue.text
    assert "&lt;script&gt;x&lt;/script&gt; 합성" in queue.text and "<script>x" not in queue.text
    viewer_queue = web.browser("viewer").get("/queue")
    assert number in viewer_queue.text and f"/reports/{number}/capture" not in viewer_queue.text
    assert reviewer.get("/queue", params={"state": "new"}).text.count(number) == 0

    no_token = reviewer.post(f"/reports/{number}/capture", follow_redirects=False)
    assert no_token.status_code == 403
    failed = reviewer.post(
        f"/reports/{number}/capture", data={"csrf_token": reviewer.csrf}, follow_redirects=False
    )
    assert failed.status_code == 303 and failed.headers["location"] == f"/queue#report-{number}"
    queue = reviewer.get("/queue")
    assert 'data-testid="capture-error"' in queue.text
    assert "사이트가 오류로 응답했습니다" in queue.text and "다시 수집" in queue.text

    website.serve("/status/1.jpg", sample("astronaut.jpg").read_bytes())
    done = reviewer.post(
        f"/reports/{number}/capture", data={"csrf_token": reviewer.csrf}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    item_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert stella.reports.get(number).item_id == item_id
    assert 'data-testid="link-reports"' not in reviewer.get("/queue").text


def test_item_page_shows_the_fans_words_and_contact_only_to_case_writers(sqlite_web: Web) -> None:
    """Issue 17 #3: the fan's description, contact and chosen artist were on no staff page."""
    web = sqlite_web
    stella = web.agency("stella")
    stella.reports.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    artist = stella.roster.add_artist("Han Yuri", [face_photo("yaoming.jpg")]).id
    sent = stella.reports.submit(
        artist_id=artist,
        url="https://x.com/someone/status/1",
        upload=sample("astronaut.jpg"),
        upload_name="a.jpg",
        description="<b>팬 커뮤니티</b>에서 봤어요",
        contact="fan@example.org",
        language="ko",
    )
    item_id = stella.reports.get(sent.number).item_id
    page = web.browser("reviewer", lang="ko").get(f"/items/{item_id}")
    assert page.status_code == 200
    assert 'data-testid="fan-reports"' in page.text and sent.number in page.text
    assert "&lt;b&gt;팬 커뮤니티&lt;/b&gt;에서 봤어요" in page.text
    assert "fan@example.org" in page.text and "Han Yuri" in page.text
    assert re.search(r'data-testid="item-platform">\s*x\s*<', page.text)
    viewer = web.browser("viewer", lang="ko").get(f"/items/{item_id}")
    assert "fan@example.org" not in viewer.text and "사건을 수정할 수 있는 역할에만" in viewer.text
    # The risk breakdown names the fan's choice, in Korean on a Korean page.
    assert 'data-testid="risk-breakdown"' in page.text and "제보한 팬이 Han Yuri 선택" in page.text
    queue = web.browser("reviewer", lang="ko").get("/queue")
    assert re.search(r'data-testid="platform">x<', queue.text)  # was "—" for x.com
    assert "제보한 팬이 Han Yuri 선택" in queue.text  # the why column


def test_queue_filters(sqlite_web: Web) -> None:
    web = sqlite_web
    face, other = _arrange(web)
    stella = web.agency("stella")
    yao = stella.cases.get_item(face).artist_id
    browser = web.browser("reviewer")

    def listed(**params: str) -> list[int]:
        page = browser.get("/queue", params=params)
        assert page.status_code == 200, page.text
        return [int(i) for i in re.findall(r'data-item-id="(\d+)"', page.text)]

    assert listed() == [face, other]
    assert listed(artist=str(yao)) == [face]
    assert listed(origin="manual") == [face, other] and listed(origin="fan") == []
    assert listed(platform="example") == [face, other] and listed(platform="x") == []
    assert listed(state="new") == [face, other] and listed(state="in_review") == []
    assert listed(artist="", origin="", platform="", state="") == [face, other]
    for bad in ({"artist": "abc"}, {"artist": str(2**63)}, {"artist": "²"}, {"state": "gone"}):
        page = browser.get("/queue", params=bad)
        assert page.status_code == 400 and 'data-testid="filter-invalid"' in page.text
