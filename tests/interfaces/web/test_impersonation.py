"""The impersonation API: allow-list, checks with reasons, queueing, roles, agencies, bad input."""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.helpers import sample
from tests.interfaces.web.conftest import Web

SCAM = "Official account. 팬미팅 티켓, 입금 후 카톡 연락주세요"


def _avatar() -> str:
    out = io.BytesIO()
    with Image.open(sample("astronaut.jpg")) as image:
        image.convert("RGB").resize((160, 160)).save(out, "JPEG", quality=80)
    return base64.b64encode(out.getvalue()).decode()


def test_impersonation_api(sqlite_web: Web) -> None:
    web = sqlite_web
    artist = web.agency("stella").roster.add_artist("Haneul", [sample("astronaut.jpg")])
    admin, reviewer, viewer = web.api("admin"), web.api("reviewer"), web.api("viewer")

    added = admin.post(
        "/api/v1/officials",
        json={"artist_id": artist.id, "platform": "instagram", "handle": "@Haneul_Official"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["handle"] == "haneul_official"
    duplicate = admin.post(
        "/api/v1/officials",
        json={"artist_id": artist.id, "platform": "instagram", "handle": "haneul_official"},
    )
    assert duplicate.status_code == 400 and "already listed" in duplicate.json()["error"]
    missing = admin.post(
        "/api/v1/officials", json={"artist_id": 999, "platform": "x", "handle": "a"}
    )
    assert missing.status_code == 404
    assert (
        viewer.post(
            "/api/v1/officials", json={"artist_id": artist.id, "platform": "x", "handle": "b"}
        ).status_code
        == 403
    )
    listed = viewer.get("/api/v1/officials").json()["officials"]
    assert [(o["platform"], o["handle"]) for o in listed] == [("instagram", "haneul_official")]
    # Another agency sees none of it.
    assert web.api("admin", "nova").get("/api/v1/officials").json() == {"officials": []}

    profile = {"platform": "x", "handle": "haneul_real", "display_name": "Haneul", "bio": SCAM}
    checked = viewer.post("/api/v1/impersonation/check", json={**profile, "avatar": _avatar()})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["flagged"] and body["artist"] == "Haneul"
    assert all(r["ko"] and r["en"] for r in body["reasons"])

    official = {**profile, "platform": "instagram", "handle": "haneul_official"}
    assert viewer.post("/api/v1/impersonation/check", json=official).json()["official"] is True

    assert viewer.post("/api/v1/impersonation/queue", json=profile).status_code == 403
    no_image = reviewer.post("/api/v1/impersonation/queue", json=profile)
    assert no_image.status_code == 400 and "avatar or banner" in no_image.json()["error"]
    queued = reviewer.post("/api/v1/impersonation/queue", json={**profile, "avatar": _avatar()})
    assert queued.status_code == 200, queued.text
    item_id = queued.json()["item_id"]
    item = reviewer.get(f"/api/v1/items/{item_id}").json()["item"]
    assert item["location"] == "https://x.com/haneul_real" and item["origin"] == "account"
    assert item["source"]["impersonation"]["flagged"] is True

    bad = viewer.post("/api/v1/impersonation/check", json={**profile, "avatar": "%%%"})
    assert bad.status_code == 400 and "base64" in bad.json()["error"]
    assert viewer.post("/api/v1/impersonation/check", json={"platform": "x"}).status_code == 422
    removed = admin.post(
        "/api/v1/officials/remove", json={"platform": "instagram", "handle": "haneul_official"}
    )
    assert removed.status_code == 200
    gone = admin.post("/api/v1/officials/remove", json={"platform": "x", "handle": "nobody"})
    assert gone.status_code == 404


def test_fans_can_report_an_account_in_korean_and_english(sqlite_web: Web) -> None:
    web = sqlite_web
    fan = web.anonymous()
    korean = web.anonymous(**{"Accept-Language": "ko"})
    form = fan.get("/report/stella")
    assert 'name="subject" value="account"' in form.text
    assert "An account pretending to be the artist" in form.text
    assert "아티스트를 사칭하는 계정" in korean.get("/report/stella").text

    submit = "/api/v1/public/stella/reports"
    sent = fan.post(submit, data={"url": "https://x.com/haneul_vip", "subject": "account"})
    assert sent.status_code == 201, sent.text
    number = sent.json()["number"]
    report = web.agency("stella").reports.get(number)
    assert report.url == "https://x.com/haneul_vip" and report.pending_capture
    with_file = fan.post(
        submit,
        data={"subject": "account"},
        files={"file": ("a.jpg", sample("astronaut.jpg").read_bytes(), "image/jpeg")},
    )
    assert with_file.status_code == 400 and "profile page" in with_file.json()["error"]
    odd = fan.post(submit, data={"url": "https://x.com/a", "subject": "rumour"})
    assert odd.status_code == 400 and "subject" in odd.json()["error"]


def test_the_review_page_shows_the_account_and_its_reasons(sqlite_web: Web) -> None:
    web = sqlite_web
    web.agency("stella").roster.add_artist("Haneul", [sample("astronaut.jpg")])
    profile = {"platform": "x", "handle": "haneul_real", "display_name": "Haneul", "bio": SCAM}
    queued = web.api("reviewer").post(
        "/api/v1/impersonation/queue", json={**profile, "avatar": _avatar()}
    )
    item_id = queued.json()["item_id"]
    english = web.browser("reviewer").get(f"/items/{item_id}")
    assert english.status_code == 200
    assert 'data-testid="account"' in english.text and "@haneul_real" in english.text
    assert "scam vocabulary" in english.text
    korean = web.browser("reviewer", lang="ko").get(f"/items/{item_id}")
    assert "사기 어휘" in korean.text and "계정 (사칭 검사)" in korean.text


def test_the_artist_page_lists_and_adds_official_accounts(sqlite_web: Web) -> None:
    web = sqlite_web
    artist = web.agency("stella").roster.add_artist("Haneul", [sample("astronaut.jpg")])
    web.agency("stella").officials.add("Haneul", "x", "haneul_official")
    admin_page = web.browser("admin").get(f"/roster/{artist.id}")
    assert "x <code>@haneul_official</code>" in admin_page.text
    assert 'data-testid="officials-form"' in admin_page.text
    viewer_page = web.browser("viewer", lang="ko").get(f"/roster/{artist.id}")
    assert (
        "공식 계정" in viewer_page.text and 'data-testid="officials-form"' not in viewer_page.text
    )
