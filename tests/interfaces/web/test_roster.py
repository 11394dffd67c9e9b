"""Roster pages and API: enrolment from uploaded photos, aliases, removal, roles, agencies."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image

from idolguard.interfaces.web.routes.roster import split_aliases
from tests.helpers import face_photo, sample
from tests.interfaces.web.browser import chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, email_for


def _photo(name: str = "yaoming.jpg") -> tuple[str, bytes, str]:
    return (name, face_photo(name).read_bytes(), "image/jpeg")


def _enrol(web: Web, name: str = "Yao Ming", **fields: str) -> dict[str, object]:
    answer = web.api("admin").post(
        "/api/v1/artists",
        data={"name": name, **fields},
        files=[("photos", _photo())],
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def _uploads_left(web: Web) -> list[str]:
    root = web.agency("stella").settings.working_dir / "uploads"
    return [p.name for p in root.iterdir()] if root.exists() else []


def test_aliases_split_on_commas_and_lines() -> None:
    assert split_aliases("야오밍, Yao\n姚明\r\n,, ") == ["야오밍", "Yao", "姚明"]
    assert split_aliases(None) == []


def test_admin_enrols_from_a_real_face_and_everyone_can_read(web: Web) -> None:
    body = _enrol(web, group="Rockets", aliases="야오밍, 姚明\nYao")
    assert body["name"] == "Yao Ming" and body["group"] == "Rockets"
    assert body["aliases"] == ["야오밍", "姚明", "Yao"]
    assert body["photos"] == 1 and body["templates"] == 1
    assert _uploads_left(web) == []  # the temporary copies are gone
    artist_id = body["id"]
    viewer = web.api("viewer")
    assert viewer.get(f"/api/v1/artists/{artist_id}").json()["name"] == "Yao Ming"
    listed = viewer.get("/api/v1/artists", params={"q": "야오밍"}).json()["artists"]
    assert [a["id"] for a in listed] == [artist_id]
    assert viewer.get("/api/v1/artists", params={"q": "nobody"}).json() == {"artists": []}
    assert web.api("viewer").get("/api/v1/artists/999").status_code == 404
    # The same name twice is refused with the domain's explanation.
    again = web.api("admin").post(
        "/api/v1/artists", data={"name": "Yao Ming"}, files=[("photos", _photo())]
    )
    assert again.status_code == 400 and "already on the roster" in again.json()["error"]


def test_only_roster_writers_enrol(sqlite_web: Web) -> None:
    for role in ("reviewer", "legal", "viewer"):
        answer = sqlite_web.api(role).post(
            "/api/v1/artists", data={"name": "X"}, files=[("photos", _photo())]
        )
        assert answer.status_code == 403, role
    assert sqlite_web.agency("stella").roster.list_artists() == []


def test_unusable_photos_are_named_and_nothing_is_enrolled(sqlite_web: Web) -> None:
    admin = sqlite_web.api("admin")
    no_face = admin.post(
        "/api/v1/artists",
        data={"name": "Nobody"},
        files=[
            ("photos", _photo()),
            ("photos", ("coffee.jpg", sample("coffee.jpg").read_bytes(), "image/jpeg")),
        ],
    )
    assert no_face.status_code == 400
    body = no_face.json()
    assert [p["photo"] for p in body["problems"]] == ["coffee.jpg"]
    assert "coffee.jpg" in body["error"] and "nothing was changed" in body["error"]
    assert "/uploads/" not in body["error"]  # no server paths
    text = admin.post(
        "/api/v1/artists",
        data={"name": "Nobody"},
        files=[("photos", ("notes.txt", b"just some words\n" * 10, "text/plain"))],
    )
    assert text.status_code == 400, text.text
    assert "not an image" in text.json()["error"]
    assert text.json()["problems"][0]["photo"] == "notes.txt"
    assert sqlite_web.agency("stella").roster.list_artists() == []
    assert _uploads_left(sqlite_web) == []


def test_photo_count_and_size_limits(sqlite_web: Web) -> None:
    admin = sqlite_web.api("admin")
    tiny = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(tiny, format="PNG")
    many = [("photos", (f"p{i}.png", tiny.getvalue(), "image/png")) for i in range(21)]
    too_many = admin.post("/api/v1/artists", data={"name": "Many"}, files=many)
    assert too_many.status_code == 400 and "at most 20" in too_many.json()["error"]
    none = admin.post(
        "/api/v1/artists", data={"name": "None"}, files=[("photos", ("", b"", "image/png"))]
    )
    assert none.status_code == 422 and "photos" in none.json()["error"]
    state = sqlite_web.app.state.idolguard
    state.settings = replace(state.settings, max_upload_mb=1)
    big = admin.post(
        "/api/v1/artists",
        data={"name": "Big"},
        files=[("photos", ("big.jpg", b"\xff" * (1024 * 1024 + 10), "image/jpeg"))],
    )
    assert big.status_code == 413 and "big.jpg" in big.json()["error"]
    assert _uploads_left(sqlite_web) == []


def test_photos_aliases_and_removal(sqlite_web: Web) -> None:
    artist_id = _enrol(sqlite_web)["id"]
    admin = sqlite_web.api("admin")
    mirrored = io.BytesIO()
    Image.open(face_photo("yaoming.jpg")).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(
        mirrored, format="JPEG"
    )
    added = admin.post(
        f"/api/v1/artists/{artist_id}/photos",
        files=[("photos", ("mirror.jpg", mirrored.getvalue(), "image/jpeg"))],
    )
    assert added.status_code == 200, added.text
    assert added.json()["photos"] == 2
    named = admin.post(f"/api/v1/artists/{artist_id}/aliases", json={"aliases": ["야오밍", "Ming"]})
    assert named.status_code == 200 and named.json()["aliases"] == ["야오밍", "Ming"]
    typed = admin.post(f"/api/v1/artists/{artist_id}/aliases", json={"aliases": "大姚\n"})
    assert "大姚" in typed.json()["aliases"]
    assert admin.post("/api/v1/artists/999/aliases", json={"aliases": ["x"]}).status_code == 404
    assert admin.delete("/api/v1/artists/999").status_code == 404
    reviewer = sqlite_web.api("reviewer")
    assert reviewer.delete(f"/api/v1/artists/{artist_id}").status_code == 403
    assert (
        reviewer.post(f"/api/v1/artists/{artist_id}/aliases", json={"aliases": ["x"]}).status_code
        == 403
    )
    removed = admin.delete(f"/api/v1/artists/{artist_id}")
    assert removed.status_code == 200 and removed.json()["name"] == "Yao Ming"
    assert admin.get(f"/api/v1/artists/{artist_id}").status_code == 404


def test_another_agency_sees_nothing(sqlite_web: Web) -> None:
    artist_id = _enrol(sqlite_web)["id"]
    nova = sqlite_web.api("admin", "nova")
    assert nova.get(f"/api/v1/artists/{artist_id}").status_code == 404
    assert nova.get("/api/v1/artists").json() == {"artists": []}
    assert nova.delete(f"/api/v1/artists/{artist_id}").status_code == 404
    assert sqlite_web.agency("stella").roster.get(f"#{artist_id}").name == "Yao Ming"


def test_pages_in_both_languages_and_forms_only_for_writers(sqlite_web: Web) -> None:
    artist_id = _enrol(sqlite_web, group="Rockets", aliases="야오밍")["id"]
    for lang, heading in (("en", "Roster"), ("ko", "아티스트 명단")):
        viewer = sqlite_web.browser("viewer", lang=lang)
        page = viewer.get("/roster")
        assert page.status_code == 200 and heading in page.text
        assert "Yao Ming" in page.text and "야오밍" in page.text and "Rockets" in page.text
        assert 'data-testid="enrol-form"' not in page.text
        detail = viewer.get(f"/roster/{artist_id}")
        assert detail.status_code == 200 and "야오밍" in detail.text
        assert 'data-testid="remove-form"' not in detail.text
    admin = sqlite_web.browser("admin")
    page = admin.get("/roster", params={"q": "rock"})
    assert (
        'data-testid="enrol-form"' in page.text
        and 'type="file" name="photos" multiple' in page.text
    )
    assert "Yao Ming" in admin.get("/roster", params={"q": "야오밍"}).text
    assert "Yao Ming" not in admin.get("/roster", params={"q": "zzz"}).text
    detail = admin.get(f"/roster/{artist_id}")
    assert 'data-testid="remove-form"' in detail.text and 'data-testid="photos-form"' in detail.text
    assert admin.get("/roster/999").status_code == 404
    assert "<script>" not in page.text and "style=" not in page.text


def test_browser_enrolment_needs_the_csrf_token(sqlite_web: Web) -> None:
    admin = sqlite_web.browser("admin")
    refused = admin.post("/api/v1/artists", data={"name": "Yao"}, files=[("photos", _photo())])
    assert refused.status_code == 403
    accepted = admin.post(
        "/api/v1/artists",
        data={"name": "Yao"},
        files=[("photos", _photo())],
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert accepted.status_code == 201, accepted.text


@pytest.mark.browser
def test_enrol_in_a_real_browser(sqlite_web: Web) -> None:
    with live_server(sqlite_web.app) as base, chromium() as browser:
        page = browser.new_page(locale="en-US")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/login?next=/roster")
        page.fill("input[name=email]", email_for("admin"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/roster")
        form = "[data-testid=enrol-form]"
        page.fill(f"{form} input[name=name]", "Yao Ming")
        page.fill(f"{form} textarea[name=aliases]", "야오밍, 姚明")
        page.set_input_files(f"{form} input[name=photos]", [str(sample("coffee.jpg"))])
        page.click(f"{form} button[type=submit]")
        error = page.locator(f"{form} [data-error]")
        error.wait_for(state="visible")
        assert "coffee.jpg" in error.inner_text()
        page.set_input_files(f"{form} input[name=photos]", [str(face_photo("yaoming.jpg"))])
        page.click(f"{form} button[type=submit]")
        page.wait_for_url(f"{base}/roster/*")
        assert "야오밍" in page.inner_text("[data-testid=aliases]")
        page.check("[data-testid=remove-form] input[name=confirm]")
        page.click("[data-testid=remove-form] button[type=submit]")
        page.wait_for_url(f"{base}/roster")
        assert "Yao Ming" not in page.inner_text("main")
        assert not [p for p in problems if "Content Security Policy" in p], problems
