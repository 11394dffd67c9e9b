"""Takedown notices on the web: draft, send over a real SMTP server, track, package, pages."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from idolguard.config import NoticeSettings, Settings
from idolguard.interfaces.web.i18n import CATALOG
from idolguard.notices.regimes import REGIME_KEYS
from tests.domain.takedowns.test_takedowns import DIRECTORY, SENDER
from tests.helpers import sample
from tests.interfaces.web.browser import artifacts_dir, chromium, live_server
from tests.interfaces.web.conftest import PASSWORD, Web, build_web, email_for
from tests.smtp import LoopbackSMTP

URL = "https://localhost/v/1"  # the test directory's "localhost" platform takes e-mail
FORM = "https://forms.localhost/report"


def _notice_web(settings: Settings, folder: Path, smtp: LoopbackSMTP) -> Web:
    """The web app with [notices] sender settings, a test directory and the loopback SMTP."""
    directory = folder / "platforms.toml"
    directory.write_text(DIRECTORY.format(country="US"))
    configured = replace(
        settings,
        notices=replace(SENDER, directory_file=str(directory)),
        smtp=smtp.settings(),
    )
    return build_web(configured)


@pytest.fixture
def nweb(settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP) -> Iterator[Web]:
    built = _notice_web(settings, tmp_path, smtp_server)
    try:
        yield built
    finally:
        built.close()
        built.installation.close()


@pytest.fixture
def sqlite_nweb(
    sqlite_settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP
) -> Iterator[Web]:
    built = _notice_web(sqlite_settings, tmp_path, smtp_server)
    try:
        yield built
    finally:
        built.close()
        built.installation.close()


def _confirmed_case(web: Web, url: str = URL) -> tuple[int, str]:
    """A confirmed item seen at ``url`` in agency stella, and the case it opened."""
    agency = web.agency("stella")
    opened = agency.intake.add_file(
        sample("astronaut.jpg"), actor="t", source={"url": url, "platform": "localhost"}
    )
    agency.review.confirm(opened.item_id, actor="t", reason="face swap of the artist")
    case = agency.cases.get_item(opened.item_id).case_number
    assert case is not None
    return opened.item_id, case


def _draft(web: Web, case: str, **extra: object) -> dict[str, object]:
    answer = web.api("legal").post("/api/v1/notices", json={"case": case, **extra})
    assert answer.status_code == 201, answer.text
    [notice] = answer.json()["notices"]
    return notice  # type: ignore[no-any-return]


def test_legal_drafts_sends_and_tracks_a_notice(nweb: Web, smtp_server: LoopbackSMTP) -> None:
    item_id, case = _confirmed_case(nweb)
    legal = nweb.api("legal")
    drafted = legal.post(
        "/api/v1/notices",
        json={"case": case, "regime": "dsa", "explanation": "A face-swapped photo of our artist."},
    )
    assert drafted.status_code == 201, drafted.text
    [notice] = drafted.json()["notices"]
    number = notice["number"]
    assert number == f"{case}-N01" and notice["status"] == "drafted"
    assert (notice["channel"], notice["recipient"]) == ("email", "abuse@loopback.test")

    shown = legal.get(f"/api/v1/notices/{number}")
    assert shown.status_code == 200
    full = shown.json()
    assert URL in full["body"] and "face-swapped photo" in full["body"]
    assert full["events"][0]["to"] == "drafted" and full["escalations"]["en"]
    assert {f["key"] for f in full["fields"]} >= {"signer_name", "contact_email"}
    assert "sent" in full["next_statuses"]
    listed = legal.get("/api/v1/notices", params={"case": case}).json()
    assert [n["number"] for n in listed] == [number] and "body" not in listed[0]

    sent = legal.post(f"/api/v1/notices/{number}/send")
    assert sent.status_code == 200, sent.text
    after = sent.json()
    assert after["status"] == "sent" and after["sent_at"] and after["due_at"]
    assert after["message_id"] and after["sent_sha256"]
    [received] = smtp_server.messages
    assert received.recipients == ["abuse@loopback.test"]
    assert received.message["X-IdolGuard-Notice"] == number
    assert nweb.agency("stella").cases.get_item(item_id).state == "notice_sent"
    again = legal.post(f"/api/v1/notices/{number}/send")
    assert again.status_code == 400 and "only a draft" in again.json()["error"]

    acknowledged = legal.post(
        f"/api/v1/notices/{number}/status",
        json={"status": "acknowledged", "reference": "TICKET-7", "note": "received"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["reference"] == "TICKET-7"
    wrong = legal.post(f"/api/v1/notices/{number}/status", json={"status": "drafted"})
    assert wrong.status_code == 400 and "can move to" in wrong.json()["error"]
    removed = legal.post(f"/api/v1/notices/{number}/status", json={"status": "removed"})
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert [e["to"] for e in removed.json()["events"]] == [
        "drafted",
        "sent",
        "acknowledged",
        "removed",
    ]
    assert nweb.agency("stella").cases.get_item(item_id).state == "removed"
    assert legal.get("/api/v1/notices", params={"status": "removed"}).json()[0]["number"] == number


def test_roles_and_agencies(nweb: Web, smtp_server: LoopbackSMTP) -> None:
    _item, case = _confirmed_case(nweb)
    reviewer = nweb.api("reviewer")
    assert reviewer.post("/api/v1/notices", json={"case": case}).status_code == 403
    number = _draft(nweb, case, regime="dsa")["number"]
    assert reviewer.post(f"/api/v1/notices/{number}/send").status_code == 403
    viewer = nweb.api("viewer")
    assert viewer.get(f"/api/v1/notices/{number}").status_code == 200
    assert viewer.get("/api/v1/notices").status_code == 200
    assert viewer.get("/api/v1/regimes").status_code == 200
    assert viewer.get("/api/v1/notices/deadlines").status_code == 200
    assert viewer.post(f"/api/v1/notices/{number}/send").status_code == 403
    assert viewer.get(f"/api/v1/notices/{number}/package").status_code == 403
    marked = viewer.post(f"/api/v1/notices/{number}/status", json={"status": "withdrawn"})
    assert marked.status_code == 403
    assert smtp_server.messages == []
    assert nweb.anonymous().get("/api/v1/notices").status_code == 401

    legal = nweb.api("legal")
    unknown = legal.get("/api/v1/notices/IG-1999-0001-N01")
    assert unknown.status_code == 404 and "no notice" in unknown.json()["error"]
    assert legal.post("/api/v1/notices/IG-1999-0001-N01/send").status_code == 404
    nova = nweb.api("admin", "nova")
    assert nova.get(f"/api/v1/notices/{number}").status_code == 404
    assert nova.post(f"/api/v1/notices/{number}/send").status_code == 404
    assert nova.get("/api/v1/notices").json() == []
    assert nweb.browser("admin", "nova").get(f"/notices/{number}").status_code == 404


def test_draft_refusals_say_why(nweb: Web) -> None:
    _item, case = _confirmed_case(nweb)
    legal = nweb.api("legal")
    # The astronaut photo is not intimate: TAKE IT DOWN does not apply.
    refused = legal.post("/api/v1/notices", json={"case": case, "regime": "take_it_down"})
    assert refused.status_code == 400 and "intimate" in refused.json()["error"]
    invalid = legal.post("/api/v1/notices", json={"case": case, "regime": "nonsense"})
    assert invalid.status_code == 422
    unknown = legal.post("/api/v1/notices", json={"case": "IG-1999-0001"})
    assert unknown.status_code == 400
    assert legal.get("/api/v1/notices").json() == []


def test_webform_notices_are_packaged_then_marked_sent(
    nweb: Web, smtp_server: LoopbackSMTP
) -> None:
    _item, case = _confirmed_case(nweb)
    number = _draft(nweb, case, regime="dsa", recipient=FORM)["number"]
    legal = nweb.api("legal")
    refused = legal.post(f"/api/v1/notices/{number}/send")
    assert refused.status_code == 400 and "web form" in refused.json()["error"]
    assert smtp_server.messages == []

    package = legal.get(f"/api/v1/notices/{number}/package")
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    assert f'filename="{number}.zip"' in package.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(package.content)) as bundle:
        names = sorted(bundle.namelist())
        assert names == [f"{number}/{number}.{ext}" for ext in ("json", "pdf", "txt")]
        assert bundle.read(f"{number}/{number}.pdf")[:5] == b"%PDF-"
        assert URL in bundle.read(f"{number}/{number}.txt").decode()
    working = nweb.agency("stella").settings.working_dir
    assert not any(working.glob("notice-package-*"))  # removed once sent

    page = nweb.browser("legal").get(f"/notices/{number}")
    assert FORM in page.text and "/send" not in page.text
    sent = legal.post(
        f"/api/v1/notices/{number}/status", json={"status": "sent", "reference": "FORM-42"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["due_at"]


def test_overdue_notices_show_in_deadlines_and_pages(nweb: Web) -> None:
    _item, case = _confirmed_case(nweb)
    number = _draft(nweb, case, regime="dsa")["number"]
    legal = nweb.api("legal")
    assert legal.post(f"/api/v1/notices/{number}/send").status_code == 200
    notices = nweb.agency("stella").notices
    deadlines = legal.get("/api/v1/notices/deadlines", params={"within_hours": 24 * 4}).json()
    assert deadlines["overdue"] == [] and [n["number"] for n in deadlines["due_soon"]] == [number]
    # The platform accepted the request 100 hours ago: the 72-hour DSA clock ran out.
    notices.mark(number, "acknowledged", actor="t", valid_at=notices.clock() - timedelta(hours=100))
    deadlines = legal.get("/api/v1/notices/deadlines").json()
    [late] = deadlines["overdue"]
    assert late["notice"]["number"] == number and 27 < late["hours_overdue"] < 29
    assert late["suggestions"]["en"] and late["suggestions"]["ko"]
    assert [n["number"] for n in legal.get("/api/v1/notices?overdue=true").json()] == [number]

    for lang, word in (("en", "overdue"), ("ko", "기한 초과")):
        browser = nweb.browser("viewer", lang=lang)
        listing = browser.get("/notices")
        assert listing.status_code == 200
        assert 'data-testid="overdue"' in listing.text and word in listing.text
        assert 'data-testid="deadlines-overdue"' in listing.text
        only = browser.get("/notices", params={"overdue": "true"})
        assert number in only.text
        detail = browser.get(f"/notices/{number}")
        assert 'data-testid="overdue"' in detail.text and 'data-testid="escalations"' in detail.text
    filtered = nweb.browser("viewer").get("/notices", params={"status": "removed"})
    assert filtered.status_code == 200 and f'data-number="{number}"' not in filtered.text
    assert f'<tr data-number="{number}">' in only.text


def test_pages_render_in_both_languages(nweb: Web) -> None:
    item_id, case = _confirmed_case(nweb)
    number = _draft(nweb, case, regime="dsa")["number"]
    for lang, title in (("en", "Takedown notices"), ("ko", "삭제 요청")):
        legal = nweb.browser("legal", lang=lang)
        listing = legal.get("/notices")
        assert listing.status_code == 200 and title in listing.text and number in listing.text
        assert "<script>" not in listing.text and "style=" not in listing.text

        form = legal.get("/notices/new", params={"case": case})
        assert form.status_code == 200
        assert 'data-notice-draft="/api/v1/notices"' in form.text
        assert f'name="item_ids" value="{item_id}"' in form.text
        assert 'value="take_it_down"' in form.text and 'value="kr_tba"' in form.text
        assert 'value="localhost"' in form.text  # the directory's platforms
        assert "/static/notices.js" in form.text
        chooser = legal.get("/notices/new")
        assert chooser.status_code == 200 and f'value="{case}"' in chooser.text
        assert legal.get("/notices/new", params={"case": "IG-1999-0001"}).status_code == 404

        detail = legal.get(f"/notices/{number}")
        assert detail.status_code == 200
        assert 'class="notice-body"' in detail.text and URL in detail.text
        assert f'data-api="/api/v1/notices/{number}/send"' in detail.text
        assert f"/api/v1/notices/{number}/package" in detail.text
        assert f'href="/items/{item_id}"' in detail.text
        assert ("Send now" if lang == "en" else "지금 발송") in detail.text
    assert nweb.browser("legal").get("/notices/IG-1999-0001-N01").status_code == 404

    viewer = nweb.browser("viewer")
    seen = viewer.get(f"/notices/{number}")
    assert seen.status_code == 200 and "/send" not in seen.text and "/package" not in seen.text
    assert viewer.get("/notices/new", params={"case": case}).status_code == 403
    reviewer = nweb.browser("reviewer")
    assert reviewer.get("/notices").status_code == 200
    assert nweb.anonymous().get("/notices", follow_redirects=False).status_code == 303


def test_browser_send_needs_the_csrf_token(nweb: Web, smtp_server: LoopbackSMTP) -> None:
    _item, case = _confirmed_case(nweb)
    number = _draft(nweb, case, regime="dsa")["number"]
    browser = nweb.browser("legal")
    assert browser.post(f"/api/v1/notices/{number}/send").status_code == 403
    assert smtp_server.messages == []
    sent = browser.post(f"/api/v1/notices/{number}/send", headers={"X-CSRF-Token": browser.csrf})
    assert sent.status_code == 200 and len(smtp_server.messages) == 1
    page = browser.get(f"/notices/{number}")
    assert f'data-api="/api/v1/notices/{number}/send"' not in page.text
    assert 'data-testid="mark"' in page.text


def test_regimes_platforms_and_messages(nweb: Web) -> None:
    viewer = nweb.api("viewer")
    regimes = viewer.get("/api/v1/regimes").json()
    assert [r["key"] for r in regimes] == list(REGIME_KEYS)
    assert regimes[0]["deadline_hours"] == 48 and regimes[0]["name"]["ko"]
    platforms = viewer.get("/api/v1/platforms").json()
    assert {p["key"] for p in platforms["platforms"]} >= {"localhost", "kcsc"}
    for key in REGIME_KEYS:
        assert CATALOG[f"notices.regime.{key}"]["ko"] != CATALOG[f"notices.regime.{key}"]["en"]
    schema = nweb.anonymous().get("/api/openapi.json").json()
    assert "/api/v1/notices/{number}/package" in schema["paths"]


@pytest.mark.browser
def test_draft_and_send_in_a_real_browser(sqlite_nweb: Web, smtp_server: LoopbackSMTP) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    item_id, case = _confirmed_case(sqlite_nweb)
    with live_server(sqlite_nweb.app) as base, chromium() as browser:
        page = browser.new_page(locale="en-US")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/login?next=/notices/new%3Fcase%3D{case}")
        page.fill("input[name=email]", email_for("legal"))
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/notices/new?case={case}")
        assert page.is_checked(f"input[name=item_ids][value='{item_id}']")
        page.select_option("select[name=regime]", "take_it_down")
        page.click("[data-testid=draft-form] button[type=submit]")
        error = page.locator("[data-testid=draft-form] [data-error]")
        error.wait_for(state="visible")
        assert "intimate" in error.inner_text()  # the domain's reason, shown in the form
        page.select_option("select[name=regime]", "dsa")
        page.fill("textarea[name=explanation]", "A face-swapped photo of our artist.")
        page.click("[data-testid=draft-form] button[type=submit]")
        page.wait_for_url(f"{base}/notices/{case}-N01")
        assert "face-swapped photo" in page.inner_text("[data-testid=notice-body]")
        page.click("[data-testid=send] summary")
        page.click("[data-testid=send] button[type=submit]")
        status = page.locator("[data-testid=notice-status]")
        expect(status).to_have_text("sent")
        page.screenshot(path=str(artifacts_dir() / "notice-sent.png"), full_page=True)
        assert len(smtp_server.messages) == 1
        page.select_option("[data-testid=mark] select[name=status]", "acknowledged")
        page.fill("[data-testid=mark] input[name=reference]", "TICKET-9")
        page.click("[data-testid=mark] button[type=submit]")
        expect(status).to_have_text("acknowledged")
        assert "TICKET-9" in page.inner_text("[data-testid=notice-header]")
        assert not [p for p in problems if "Content Security Policy" in p], problems


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_follow_up_without_a_recipient_is_a_task_on_the_pages(
    sqlite_nweb: Web, tmp_path: Path, lang: str
) -> None:
    """Issue 17, 4: a re-upload on a platform with no contact waits as a task, not a log line."""
    item_id, case = _confirmed_case(sqlite_nweb)
    first = _draft(sqlite_nweb, case, regime="dsa")
    agency = sqlite_nweb.agency("stella")
    agency.notices.mark(str(first["number"]), "sent", actor="t")
    reupload = agency.intake.add_file(
        sample("astronaut.jpg"), actor="fan", source={"url": "https://mirror.example/p/9"}
    )
    assert agency.cases.get_item(reupload.item_id).parent_id == item_id
    api = sqlite_nweb.api("legal")
    [task] = api.get("/api/v1/notices", params={"needs_recipient": True}).json()
    assert task["needs_recipient"] is True and task["follow_up_of"] == first["number"]

    page = sqlite_nweb.browser("legal", lang=lang)
    listing = page.get("/notices").text
    label = CATALOG["notices.needs_recipient"][lang]
    assert 'data-testid="needs-recipient"' in listing and label in listing
    assert 'data-testid="needs-recipient-tasks"' in listing
    detail = page.get(f"/notices/{task['number']}").text
    assert 'data-testid="set-recipient"' in detail and 'data-testid="send"' not in detail

    bad = api.post(f"/api/v1/notices/{task['number']}/recipient", json={"recipient": "nope"})
    assert bad.status_code == 400
    named = api.post(
        f"/api/v1/notices/{task['number']}/recipient", json={"recipient": "abuse@mirror.example"}
    )
    assert named.status_code == 200 and named.json()["needs_recipient"] is False
    assert api.get("/api/v1/notices", params={"needs_recipient": True}).json() == []


@pytest.fixture
def unsigned_web(
    sqlite_settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP
) -> Iterator[Web]:
    """The web app with no [notices] sender at all: only the browser can supply one."""
    directory = tmp_path / "platforms.toml"
    directory.write_text(DIRECTORY.format(country="US"))
    configured = replace(
        sqlite_settings,
        notices=NoticeSettings(directory_file=str(directory)),
        smtp=smtp_server.settings(),
    )
    built = build_web(configured)
    try:
        yield built
    finally:
        built.close()
        built.installation.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_missing_sender_fields_are_named_in_the_pages_language(
    unsigned_web: Web, lang: str
) -> None:
    """Issue 17, 8: no English on the Korean page, no CLI flags, the settings page named."""
    _item_id, case = _confirmed_case(unsigned_web)
    page = unsigned_web.browser("legal", lang=lang)
    answer = page.post(
        "/api/v1/notices",
        json={"case": case, "regime": "dsa"},
        headers={"X-CSRF-Token": page.csrf, "Accept": "application/json"},
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "/settings/sender" in error
    assert "--field" not in error and "idolguard.toml" not in error and "[notices]" not in error
    assert ("신청인 성명" if lang == "ko" else "Name of the person signing") in error
    if lang == "ko":
        assert "Name of the person" not in error and "missing" not in error


def test_admins_set_the_agency_sender_and_others_may_only_read_it(unsigned_web: Web) -> None:
    body = {"name": "Kim Minji", "email": "legal@stella.example", "requester_type": "victim"}
    assert unsigned_web.api("legal").put("/api/v1/settings/sender", json=body).status_code == 403
    saved = unsigned_web.api("admin").put("/api/v1/settings/sender", json=body)
    assert saved.status_code == 200, saved.text
    fields = saved.json()["fields"]
    assert fields["name"] == {"value": "Kim Minji", "source": "agency"}
    assert unsigned_web.api("viewer").get("/api/v1/settings/sender").json()["fields"] == fields
    bad = unsigned_web.api("admin").put("/api/v1/settings/sender", json={"requester_type": "x"})
    assert bad.status_code == 422
    # Another agency's sender is its own.
    nova = unsigned_web.api("admin", agency="nova").get("/api/v1/settings/sender").json()
    assert nova["fields"]["name"]["source"] == "unset"
    audit = unsigned_web.agency("stella").custody.entries()
    assert any(e.subject == "settings:sender" for e in audit)


@pytest.mark.browser
def test_a_lawyer_drafts_a_notice_entirely_in_the_browser(unsigned_web: Web) -> None:
    """Issue 17, 8: an admin sets the sender on its page, a lawyer drafts with no toml."""
    pytest.importorskip("playwright.sync_api")
    _item_id, case = _confirmed_case(unsigned_web)
    with live_server(unsigned_web.app) as base, chromium() as browser:
        admin = browser.new_page(locale="ko-KR")
        admin.goto(f"{base}/login?next=/settings/sender")
        admin.fill("input[name=email]", email_for("admin"))
        admin.fill("input[name=password]", PASSWORD)
        admin.click("button[type=submit]")
        admin.wait_for_url(f"{base}/settings/sender")
        admin.fill("[data-testid=sender-form] input[name=email]", "legal@stella.example")
        admin.click("[data-testid=sender-form] button[type=submit]")
        admin.locator("[data-source=email]").filter(has_text="이 소속사 설정").wait_for()

        lawyer = browser.new_context(locale="ko-KR").new_page()
        lawyer.goto(f"{base}/login?next=/notices/new%3Fcase%3D{case}")
        lawyer.fill("input[name=email]", email_for("legal"))
        lawyer.fill("input[name=password]", PASSWORD)
        lawyer.click("button[type=submit]")
        lawyer.wait_for_url(f"{base}/notices/new?case={case}")
        assert lawyer.input_value("input[name='sender.email']") == "legal@stella.example"
        assert lawyer.input_value("input[name='sender.name']") == ""
        lawyer.select_option("select[name=regime]", "dsa")
        lawyer.click("[data-testid=draft-form] button[type=submit]")
        error = lawyer.locator("[data-testid=draft-form] [data-error]")
        error.wait_for(state="visible")
        assert "신청인 성명" in error.inner_text() and "/settings/sender" in error.inner_text()
        lawyer.fill("input[name='sender.name']", "Kim Minji")
        lawyer.fill("input[name='sender.title']", "변호사")
        lawyer.click("[data-testid=draft-form] button[type=submit]")
        lawyer.wait_for_url(f"{base}/notices/{case}-N01")
        body = lawyer.inner_text("[data-testid=notice-body]")
        assert "Kim Minji, 변호사" in body and "legal@stella.example" in body
        lawyer.screenshot(path=str(artifacts_dir() / "notice-drafted-in-browser.png"))


def test_an_unconfirmed_send_is_shown_in_both_languages_and_resent_on_request(
    nweb: Web, smtp_server: LoopbackSMTP
) -> None:
    _item, case = _confirmed_case(nweb)
    number = _draft(nweb, case, regime="dsa")["number"]
    legal = nweb.api("legal")
    smtp_server.drop_data = True
    lost = legal.post(f"/api/v1/notices/{number}/send")
    assert lost.status_code == 400 and "unconfirmed" in lost.json()["error"]
    smtp_server.drop_data = False
    assert legal.get(f"/api/v1/notices/{number}").json()["status"] == "unconfirmed"
    for lang, label in (("en", "may or may not have reached"), ("ko", "도착했는지 알 수 없습니다")):
        page = nweb.browser("legal", lang=lang).get(f"/notices/{number}")
        assert page.status_code == 200 and label in page.text
        assert f'data-api="/api/v1/notices/{number}/send?resend=true"' in page.text
    plain = legal.post(f"/api/v1/notices/{number}/send")
    assert plain.status_code == 400 and "--resend" in plain.json()["error"]
    assert smtp_server.messages == []
    again = legal.post(f"/api/v1/notices/{number}/send", params={"resend": "true"})
    assert again.status_code == 200 and again.json()["status"] == "sent"
    assert len(smtp_server.messages) == 1
