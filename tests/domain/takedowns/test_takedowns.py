"""Takedown notices end to end: draft per regime, send over real SMTP, track to removal
against a web server that changes its answers, deadlines, escalation and re-upload follow-ups."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.clock import utcnow
from idolguard.config import NoticeSettings, Settings, WatchSettings
from idolguard.domain.takedowns import NoticeError
from idolguard.domain.takedowns.views import format_duration
from idolguard.notices.regimes import REGIME_KEYS, REGIMES
from idolguard.storage.models import Artist
from tests.helpers import sample
from tests.smtp import LoopbackSMTP
from tests.tsa import LoopbackTSA
from tests.website import ChangingSite

ACTOR = "lawyer@test"

DIRECTORY = """
[platforms.localhost]
name = "Loopback Video"
kind = "platform"
country = "{country}"
domains = ["localhost"]
regimes = ["take_it_down", "dmca", "dsa", "kr_tba"]
languages = ["en", "ko"]
escalation = ["kcsc", "ftc"]
checked = ""
notes = "test platform"

[[platforms.localhost.contacts]]
channel = "email"
address = "abuse@loopback.test"
regimes = ["take_it_down", "dmca", "dsa", "kr_tba"]
note = "test"

[platforms.kcsc]
name = "Korea Communications Standards Commission"
name_ko = "방송통신심의위원회"
kind = "authority"
country = "KR"
domains = []
regimes = ["kcsc"]
checked = ""
notes = ""

[[platforms.kcsc.contacts]]
channel = "webform"
address = "https://www.kocsc.or.kr/report"
regimes = ["kcsc"]
note = "test"

[platforms.ftc]
name = "US Federal Trade Commission"
kind = "authority"
country = "US"
domains = []
regimes = []
checked = ""
notes = ""

[[platforms.ftc.contacts]]
channel = "webform"
address = "https://reportfraud.ftc.gov/"
regimes = []
note = "test"
"""

SENDER = NoticeSettings(
    sender_name="Kim Minji",
    sender_title="Legal counsel",
    organisation="Example Entertainment",
    email="legal@example-ent.test",
    phone="+82 2 555 0100",
    address="1 Example-ro, Seoul",
    signature="/s/ Kim Minji",
)


@pytest.fixture
def notice_settings(settings: Settings, tmp_path: Path, smtp_server: LoopbackSMTP) -> Settings:
    directory = tmp_path / "platforms.toml"
    directory.write_text(DIRECTORY.format(country="US"))
    return replace(
        settings,
        notices=replace(SENDER, directory_file=str(directory)),
        smtp=smtp_server.settings(),
        watch=WatchSettings(per_host_delay_seconds=0, allow_private=True, timeout=5),
    )


@pytest.fixture
def napp(notice_settings: Settings) -> IdolGuard:
    with IdolGuard(notice_settings) as instance:
        yield instance


def _artist(app: IdolGuard) -> int:
    with app.database.session() as session:
        artist = Artist(name="Han Yuri", group_name="STELLA")
        session.add(artist)
        session.flush()
        return artist.id


def _confirmed(app: IdolGuard, site: ChangingSite, path: str, photo: str = "astronaut.jpg") -> int:
    """An item seen at ``site``'s ``path``, confirmed by a reviewer for an enrolled artist."""
    data = sample(photo).read_bytes()
    site.serve(path, data)
    opened = app.intake.add_file(sample(photo), actor=ACTOR, source={"url": site.url(path)})
    app.review.confirm(
        opened.item_id, actor=ACTOR, reason="face swap of the artist", artist_id=_artist(app)
    )
    return opened.item_id


def _case(app: IdolGuard, item_id: int) -> str:
    number = app.cases.get_item(item_id).case_number
    assert number is not None
    return number


# Account-only regimes (impersonation) report profiles, not media: see
# tests/domain/impersonation for their notice.
@pytest.mark.parametrize("regime", [k for k in REGIME_KEYS if not REGIMES[k].accounts_only])
def test_every_regime_drafts_a_complete_bilingual_notice(
    napp: IdolGuard, website: ChangingSite, regime: str
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    case = _case(napp, item_id)
    [view] = napp.notices.draft(
        case,
        actor=ACTOR,
        regime=regime,
        category="intimate",
        owns_copyright=regime == "dmca",
        copyrighted_work="2025 official photo shoot, (c) Example Entertainment",
    )
    assert view.number == f"{case}-N01" and view.status == "drafted"
    fields = {f["key"]: f["value"] for f in view.package["fields"]}
    assert list(fields) == list(REGIMES[regime].required)
    assert all(value.strip() for value in fields.values())
    assert website.url("/v/1") in view.body and "Han Yuri (STELLA)" in view.body
    assert REGIMES[regime].name_ko in view.subject and REGIMES[regime].name_en in view.subject
    assert "─" * 20 in view.body  # Korean section, then English
    if regime == "kcsc":
        assert view.channel == "webform" and "kocsc" in view.recipient
    else:
        assert (view.channel, view.recipient) == ("email", "abuse@loopback.test")
    if regime == "dmca":
        assert "under penalty of perjury" in view.body
    entries = napp.custody.entries(subjects={f"notice:{view.id}"})
    assert [(e.action, e.details["event"]) for e in entries] == [("notice", "drafted")]


def test_missing_fields_are_refused_with_what_to_set(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    # The signer's fields come from the agency's sender settings over [notices]: none set.
    napp.senders.fallback = replace(napp.settings.notices, signature="", phone="", address="")
    with pytest.raises(NoticeError) as caught:
        napp.notices.draft(_case(napp, item_id), actor=ACTOR, regime="dmca", owns_copyright=True)
    message = str(caught.value)
    for key in ("signature", "copyrighted_work", "contact_address", "contact_phone"):
        assert f"- {key}:" in message
    assert "[notices] signature" in message
    assert napp.notices.list_notices() == []  # nothing half-drafted


def test_regimes_that_do_not_fit_are_refused(napp: IdolGuard, website: ChangingSite) -> None:
    case = _case(napp, _confirmed(napp, website, "/v/1"))
    # The sample photo is not explicit: TAKE IT DOWN and the Korean request do not apply...
    with pytest.raises(NoticeError, match="intimate"):
        napp.notices.draft(case, actor=ACTOR, regime="take_it_down")
    # ...and the DMCA needs the agency to own the copyright of the source.
    with pytest.raises(NoticeError, match="copyright"):
        napp.notices.draft(case, actor=ACTOR, regime="dmca", owns_copyright=False)
    # Without --regime the best fitting regime is chosen: DSA for non-intimate content.
    [view] = napp.notices.draft(case, actor=ACTOR)
    assert view.regime == "dsa" and view.category == "non_intimate"


def test_items_must_be_confirmed_and_have_a_url(napp: IdolGuard, website: ChangingSite) -> None:
    case = _case(napp, _confirmed(napp, website, "/v/1"))
    local = napp.intake.add_file(sample("coffee.jpg"), actor=ACTOR)
    napp.cases.attach(local.item_id, case, actor=ACTOR)
    with pytest.raises(NoticeError, match="review confirm"):
        napp.notices.draft(case, actor=ACTOR, item_ids=[local.item_id])
    napp.review.confirm(local.item_id, actor=ACTOR, reason="harmful")
    with pytest.raises(NoticeError, match="web address"):
        napp.notices.draft(case, actor=ACTOR, item_ids=[local.item_id])


def test_send_over_smtp_starts_the_48_hour_clock(
    napp: IdolGuard, website: ChangingSite, smtp_server: LoopbackSMTP
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(
        _case(napp, item_id), actor=ACTOR, regime="take_it_down", category="intimate"
    )
    sent = napp.notices.send(draft.number, actor=ACTOR)
    assert sent.status == "sent" and sent.sent_at is not None
    assert sent.due_at == sent.sent_at + timedelta(hours=48)
    assert napp.cases.get_item(item_id).state == "notice_sent"

    [received] = smtp_server.messages
    assert received.recipients == ["abuse@loopback.test"]
    message = received.message
    assert message["X-IdolGuard-Notice"] == draft.number
    assert message["Subject"] == draft.subject
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert attachments[f"{draft.number}.pdf"].get_content()[:5] == b"%PDF-"
    package = json.loads(attachments[f"{draft.number}.json"].get_content())
    assert package["regime"] == "take_it_down" and package["urls"] == [website.url("/v/1")]
    # The exact bytes sent are kept as evidence, and the custody log names their hash.
    assert sent.sent_sha256 is not None and napp.blobs.contains(sent.sent_sha256)
    assert b"".join(napp.blobs.chunks(sent.sent_sha256)) == received.raw
    events = [e.details for e in napp.custody.entries(subjects={f"notice:{sent.id}"})]
    assert events[-1]["event"] == "sent" and events[-1]["sha256"] == sent.sent_sha256
    assert napp.custody.verify().ok
    with pytest.raises(NoticeError, match="only a draft"):
        napp.notices.send(draft.number, actor=ACTOR)


def test_failed_sending_keeps_the_draft_and_says_why(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(_case(napp, item_id), actor=ACTOR)
    napp.notices.settings = replace(
        napp.settings, smtp=replace(napp.settings.smtp, port=1)
    )  # nothing listens there
    with pytest.raises(NoticeError, match="try again later"):
        napp.notices.send(draft.number, actor=ACTOR)
    view = napp.notices.get(draft.number)
    assert view.status == "drafted" and view.last_error
    assert napp.cases.get_item(item_id).state == "confirmed"


def test_an_unconfirmed_send_is_recorded_shown_and_never_sent_again_unasked(
    napp: IdolGuard, website: ChangingSite, smtp_server: LoopbackSMTP
) -> None:
    """SMTP took the message, then dropped the line: it may have arrived (issue 22)."""
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(_case(napp, item_id), actor=ACTOR)
    smtp_server.drop_data = True
    with pytest.raises(NoticeError, match="unconfirmed") as raised:
        napp.notices.send(draft.number, actor=ACTOR)
    assert f"notice send {draft.number} --resend" in str(raised.value)
    assert smtp_server.dropped == 1 and smtp_server.messages == []
    view = napp.notices.get(draft.number)
    assert view.status == "unconfirmed" and view.sent_at is None and view.due_at is None
    assert view.last_error and "may or may not have been delivered" in view.last_error
    first_id = view.message_id
    assert first_id and view.sent_sha256 and napp.blobs.contains(view.sent_sha256)
    assert napp.cases.get_item(item_id).state == "confirmed"  # not counted as sent
    events = [e.details for e in napp.custody.entries(subjects={f"notice:{view.id}"})]
    assert events[-1]["event"] == "send_unconfirmed"
    assert events[-1]["message_id"] == first_id

    smtp_server.drop_data = False  # the relay is back; sending again must be asked for
    with pytest.raises(NoticeError, match="--resend"):
        napp.notices.send(draft.number, actor=ACTOR)
    assert smtp_server.messages == []

    sent = napp.notices.send(draft.number, actor=ACTOR, resend=True)
    [received] = smtp_server.messages
    assert received.message["Message-ID"] == first_id == sent.message_id  # same message again
    assert sent.status == "sent" and sent.due_at is not None and sent.last_error is None
    assert b"".join(napp.blobs.chunks(sent.sent_sha256 or "")) == received.raw
    assert napp.cases.get_item(item_id).state == "notice_sent"
    events = [e.details for e in napp.custody.entries(subjects={f"notice:{sent.id}"})]
    assert events[-1]["event"] == "sent" and events[-1]["again_after_unconfirmed"] is True
    assert napp.custody.verify().ok


def test_an_unconfirmed_notice_that_arrived_is_marked_sent_keeping_its_email(
    napp: IdolGuard, website: ChangingSite, smtp_server: LoopbackSMTP
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(_case(napp, item_id), actor=ACTOR)
    smtp_server.drop_data = True
    with pytest.raises(NoticeError):
        napp.notices.send(draft.number, actor=ACTOR)
    emailed = napp.notices.get(draft.number).sent_sha256
    view = napp.notices.mark(draft.number, "sent", actor=ACTOR, note="the platform has it")
    assert view.status == "sent" and view.sent_sha256 == emailed and view.due_at is not None
    assert smtp_server.dropped == 1 and smtp_server.messages == []


def test_webform_notices_are_packaged_then_marked_sent(
    napp: IdolGuard, website: ChangingSite, tmp_path: Path
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(
        _case(napp, item_id), actor=ACTOR, regime="kcsc", category="intimate"
    )
    with pytest.raises(NoticeError, match="web form"):
        napp.notices.send(draft.number, actor=ACTOR)
    paths = napp.notices.package(draft.number, tmp_path / "out", actor=ACTOR)
    assert sorted(p.suffix for p in paths) == [".json", ".pdf", ".txt"]
    assert "허위영상물" in (tmp_path / "out" / draft.number / f"{draft.number}.txt").read_text()
    view = napp.notices.mark(draft.number, "sent", actor=ACTOR, reference="KCSC-123")
    assert view.reference == "KCSC-123" and view.due_at is not None
    assert view.due_at - view.sent_at == timedelta(hours=napp.settings.notices.kcsc_deadline_hours)


def test_deadlines_report_overdue_notices_with_escalation_routes(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(
        _case(napp, item_id), actor=ACTOR, regime="take_it_down", category="intimate"
    )
    sent = napp.notices.send(draft.number, actor=ACTOR)
    assert sent.sent_at is not None
    napp.notices.clock = lambda: sent.sent_at + timedelta(hours=40)
    overdue, soon = napp.notices.deadlines(within_hours=24)
    assert overdue == [] and [v.number for v in soon] == [sent.number]
    napp.notices.clock = lambda: sent.sent_at + timedelta(hours=50)
    overdue, soon = napp.notices.deadlines()
    [late] = overdue
    assert late.notice.number == sent.number and 1.9 < late.hours_overdue < 2.1
    assert any("FTC" in s for s in late.suggestions_en)
    assert any("Korea Communications Standards Commission" in s for s in late.suggestions_en)
    assert [v.number for v in napp.notices.list_notices(overdue=True)] == [sent.number]
    # The platform asked for more before accepting the request: the clock restarts.
    later = sent.sent_at + timedelta(hours=10)
    moved = napp.notices.mark(sent.number, "acknowledged", actor=ACTOR, valid_at=later)
    assert moved.due_at == later + timedelta(hours=48)
    assert napp.notices.deadlines()[0] == []


def test_rejection_returns_items_for_another_route(napp: IdolGuard, website: ChangingSite) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(_case(napp, item_id), actor=ACTOR)
    napp.notices.send(draft.number, actor=ACTOR)
    with pytest.raises(NoticeError, match="can move to"):
        napp.notices.mark(draft.number, "drafted", actor=ACTOR)
    napp.notices.mark(draft.number, "rejected", actor=ACTOR, note="not illegal in their view")
    assert napp.cases.get_item(item_id).state == "confirmed"
    [again] = napp.notices.draft(_case(napp, item_id), actor=ACTOR, regime="dsa")
    assert again.number.endswith("-N02")


def test_liveness_checks_track_removal_and_reappearance(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(
        _case(napp, item_id), actor=ACTOR, regime="take_it_down", category="intimate"
    )
    sent = napp.notices.send(draft.number, actor=ACTOR)
    assert sent.sent_at is not None

    [first] = napp.watcher.run_once()
    assert first.check.outcome == "live" and first.state_after == "notice_sent"
    assert napp.watcher.due() == []  # checked just now: not due again for an hour

    website.gone("/v/1", 410)
    removal_time = sent.sent_at + timedelta(hours=5)
    napp.watcher.clock = lambda: removal_time
    [second] = napp.watcher.run_once()
    assert second.check.outcome == "removed" and second.check.reason == "http_410"
    assert second.state_after == "removed" and second.notices_closed == [sent.number]
    closed = napp.notices.get(sent.number)
    assert closed.status == "removed" and closed.items[0].removed_at == removal_time
    [stats] = napp.notices.stats()
    assert stats.platform == "localhost" and stats.urls_removed == 1
    assert stats.median_hours == pytest.approx(5.0, abs=0.01)

    # A day later the same content is back at the same URL: the item reappears and a
    # follow-up notice citing the first one waits for review.
    website.serve("/v/1", sample("astronaut.jpg").read_bytes())
    napp.watcher.clock = lambda: removal_time + timedelta(hours=25)
    [third] = napp.watcher.run_once()
    assert third.check.outcome == "live" and third.state_after == "reappeared"
    [number] = third.follow_ups
    follow_up = napp.notices.get(number)
    assert follow_up.auto and follow_up.follow_up_of == sent.number
    assert follow_up.regime == "take_it_down" and "re-upload" in follow_up.subject
    assert [c["outcome"] for c in napp.watcher.history(item_id)] == ["live", "removed", "live"]


def test_a_page_that_swaps_the_media_counts_as_removed(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    website.serve("/v/1", sample("coffee.jpg").read_bytes())  # same URL, other picture
    [result] = napp.watcher.run_once(item_ids=[item_id])
    assert result.check.outcome == "removed" and result.check.reason == "different_media"
    assert "PDQ distance" in result.check.detail


def test_a_recompressed_copy_still_counts_as_live(
    napp: IdolGuard, website: ChangingSite, tmp_path: Path
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    with Image.open(sample("astronaut.jpg")) as image:
        image.resize((image.width // 2, image.height // 2)).save(tmp_path / "r.jpg", quality=60)
    website.serve("/v/1", (tmp_path / "r.jpg").read_bytes())
    [result] = napp.watcher.run_once(item_ids=[item_id])
    assert result.check.outcome == "live" and result.check.comparison == "similar"


def test_a_reupload_elsewhere_opens_a_linked_item_and_drafts_a_follow_up(
    napp: IdolGuard, website: ChangingSite, tmp_path: Path
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(
        _case(napp, item_id), actor=ACTOR, regime="take_it_down", category="intimate"
    )
    napp.notices.send(draft.number, actor=ACTOR)
    with Image.open(sample("astronaut.jpg")) as image:
        image.resize((image.width // 2, image.height // 2)).save(tmp_path / "re.jpg", quality=70)
    reupload = napp.intake.add_file(
        tmp_path / "re.jpg", actor="fan-report", source={"url": website.url("/mirror/9")}
    )
    item = napp.cases.get_item(reupload.item_id)
    assert item.parent_id == item_id and item.case_number == _case(napp, item_id)
    [follow_up] = napp.notices.list_notices(status="drafted")
    assert follow_up.auto and follow_up.follow_up_of == draft.number
    assert [i.item_id for i in follow_up.items] == [reupload.item_id]
    assert f"follows {draft.number}" in follow_up.subject
    # Sending waits for a reviewer to confirm the new item.
    with pytest.raises(NoticeError, match="confirm"):
        napp.notices.send(follow_up.number, actor=ACTOR)
    napp.review.confirm(reupload.item_id, actor=ACTOR, reason="re-upload of confirmed fake")
    assert napp.notices.send(follow_up.number, actor=ACTOR).status == "sent"


def test_korean_platforms_default_to_the_korean_request_and_escalate_to_kcsc(
    notice_settings: Settings, website: ChangingSite, tmp_path: Path
) -> None:
    directory = tmp_path / "kr.toml"
    directory.write_text(DIRECTORY.format(country="KR"))
    settings = replace(
        notice_settings,
        notices=replace(notice_settings.notices, directory_file=str(directory)),
    )
    with IdolGuard(settings) as app:
        item_id = _confirmed(app, website, "/v/1")
        [draft] = app.notices.draft(_case(app, item_id), actor=ACTOR, category="intimate")
        assert draft.regime == "kr_tba"
        assert "전기통신사업법" in draft.body and "디지털성범죄피해자지원센터" in draft.body
        sent = app.notices.send(draft.number, actor=ACTOR)
        assert sent.sent_at is not None
        app.notices.clock = lambda: sent.sent_at + timedelta(hours=30)
        [late] = app.notices.deadlines()[0]
        assert any("--regime kcsc" in s for s in late.suggestions_en)
        assert any("방송통신심의위원회" in s for s in late.suggestions_ko)


def test_custody_chain_still_verifies_after_the_whole_loop(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    [draft] = napp.notices.draft(_case(napp, item_id), actor=ACTOR)
    napp.notices.send(draft.number, actor=ACTOR)
    website.gone("/v/1")
    napp.watcher.run_once(item_ids=[item_id])
    assert napp.custody.verify().ok
    actions = {e.details.get("event") for e in napp.custody.entries() if e.action == "notice"}
    assert {"drafted", "sent", "removed"} <= actions
    assert utcnow() >= draft.created_at


def test_the_case_bundle_carries_its_notices_and_the_mail_as_sent(
    napp: IdolGuard, website: ChangingSite, smtp_server: LoopbackSMTP, tmp_path: Path
) -> None:
    import zipfile

    from idolguard.evidence.bundle import verify_bundle

    item_id = _confirmed(napp, website, "/v/1")
    case = _case(napp, item_id)
    [draft] = napp.notices.draft(case, actor=ACTOR)
    napp.notices.send(draft.number, actor=ACTOR)
    out = tmp_path / "case.zip"
    napp.exporter().export(case, out, actor=ACTOR)
    assert verify_bundle(out).ok
    with zipfile.ZipFile(out) as bundle:
        names = set(bundle.namelist())
        assert {f"notices/{draft.number}.json", f"notices/{draft.number}.eml"} <= names
        assert bundle.read(f"notices/{draft.number}.eml") == smtp_server.messages[0].raw
        record = json.loads(bundle.read(f"notices/{draft.number}.json"))
        assert record["status"] == "sent" and record["body"] == draft.body
        logged = [json.loads(line) for line in bundle.read("custody/log.jsonl").splitlines()]
        assert any(e.get("subject") == f"notice:{draft.id}" for e in logged)  # not redacted


# ---------------------------------------------------------------- durations (issue 17, 7)
@pytest.mark.parametrize(
    ("hours", "en", "ko"),
    [
        (None, "—", "—"),
        (0.0, "under a minute", "1분 미만"),
        (0.004, "under a minute", "1분 미만"),
        (0.2, "12 min", "12분"),  # rounded to 0.2 h or 0.0 h before
        (0.99, "59 min", "59분"),
        (1.0, "1 h", "1시간"),
        (5.25, "5.2 h", "5.2시간"),
        (47.9, "47.9 h", "47.9시간"),
        (100.0, "4.2 days", "4.2일"),
    ],
)
def test_durations_show_minutes_under_an_hour(hours: float | None, en: str, ko: str) -> None:
    assert format_duration(hours) == en
    assert format_duration(hours, "en") == en
    assert format_duration(hours, "ko") == ko


# -------------------------------------------- notices state what the record shows (issue 17, 5)
def _draft_body(app: IdolGuard, site: ChangingSite) -> tuple[str, str]:
    item_id = _confirmed(app, site, "/v/1")
    [view] = app.notices.draft(_case(app, item_id), actor=ACTOR, regime="dsa", category="intimate")
    korean, english = view.body.split("─" * 60)
    return korean, english


def test_a_draft_without_a_tsa_claims_no_timestamp(napp: IdolGuard, website: ChangingSite) -> None:
    korean, english = _draft_body(napp, website)

    assert "RFC 3161" not in korean and "RFC 3161" not in english
    assert "Example Entertainment's reviewers confirmed it" in english
    assert "Example Entertainment 검토자가" in korean
    assert "the original files" in english and "원본 파일" in korean


def test_a_draft_without_a_stored_original_does_not_claim_one(
    napp: IdolGuard, website: ChangingSite
) -> None:
    item_id = _confirmed(napp, website, "/v/1")
    napp.blobs.delete(napp.cases.get_item(item_id).sha256)
    [view] = napp.notices.draft(_case(napp, item_id), actor=ACTOR, regime="dsa")
    assert "original file" not in view.body and "원본 파일" not in view.body
    assert view.package["items"][0]["original_stored"] is False


def test_a_draft_with_a_tsa_names_the_timestamp_in_each_language(
    notice_settings: Settings, website: ChangingSite, tsa: LoopbackTSA
) -> None:
    evidence = replace(notice_settings.evidence, tsa_url=tsa.url, tsa_roots_file=str(tsa.ca_path))
    with IdolGuard(replace(notice_settings, evidence=evidence)) as app:
        korean, english = _draft_body(app, website)

    assert "Each file's evidence record carries an RFC 3161 timestamp." in english
    assert "각 파일의 증거 기록에는 RFC 3161 타임스탬프가 있습니다." in korean


# ------------------------------------------- follow-ups are never lost (issue 17, 4)
@pytest.fixture
def undirected(notice_settings: Settings, tmp_path: Path) -> IdolGuard:
    """An installation whose platform directory knows no contact for the test website."""
    directory = tmp_path / "authorities.toml"
    text = DIRECTORY.format(country="US")
    directory.write_text(text[text.index("[platforms.kcsc]") :])
    settings = replace(
        notice_settings, notices=replace(notice_settings.notices, directory_file=str(directory))
    )
    with IdolGuard(settings) as instance:
        yield instance


def _reupload(app: IdolGuard, tmp_path: Path, url: str) -> int:
    with Image.open(sample("astronaut.jpg")) as image:
        image.resize((image.width // 2, image.height // 2)).save(tmp_path / "re.jpg", quality=70)
    return app.intake.add_file(tmp_path / "re.jpg", actor="fan-report", source={"url": url}).item_id


def test_a_follow_up_reuses_the_recipient_given_with_to(
    undirected: IdolGuard, website: ChangingSite, tmp_path: Path
) -> None:
    item_id = _confirmed(undirected, website, "/v/1")
    case = _case(undirected, item_id)
    with pytest.raises(NoticeError, match="no contact"):
        undirected.notices.draft(case, actor=ACTOR, regime="dsa")
    [first] = undirected.notices.draft(case, actor=ACTOR, regime="dsa", recipient="abuse@host.test")
    undirected.notices.send(first.number, actor=ACTOR)

    _reupload(undirected, tmp_path, website.url("/mirror/9"))

    [follow_up] = undirected.notices.list_notices(status="drafted")
    assert follow_up.follow_up_of == first.number and follow_up.auto
    assert follow_up.recipient == "abuse@host.test" and follow_up.channel == "email"
    assert not follow_up.needs_recipient
    assert undirected.notices.list_notices(needs_recipient=True) == []


def test_a_follow_up_with_no_known_recipient_waits_as_a_task(
    undirected: IdolGuard, website: ChangingSite, tmp_path: Path
) -> None:
    item_id = _confirmed(undirected, website, "/v/1")
    [first] = undirected.notices.draft(
        _case(undirected, item_id), actor=ACTOR, regime="dsa", recipient="abuse@host.test"
    )
    undirected.notices.send(first.number, actor=ACTOR)
    # The copy is on another platform: the first notice's recipient is not its operator.
    reupload = _reupload(undirected, tmp_path, "https://mirror.example/p/9")

    [task] = undirected.notices.list_notices(needs_recipient=True)
    assert task.follow_up_of == first.number and [i.item_id for i in task.items] == [reupload]
    assert task.recipient == "" and task.needs_recipient
    data = task.to_json()
    assert data["needs_recipient"] is True and data["recipient"] is None
    assert "needs a recipient" in (undirected.notices.get(task.number).events[0].note or "")
    undirected.review.confirm(reupload, actor=ACTOR, reason="re-upload of confirmed fake")
    with pytest.raises(NoticeError, match="no recipient yet"):
        undirected.notices.send(task.number, actor=ACTOR)
    with pytest.raises(NoticeError, match="e-mail address or a web-form URL"):
        undirected.notices.set_recipient(task.number, "not an address", actor=ACTOR)

    named = undirected.notices.set_recipient(task.number, "abuse@mirror.example", actor=ACTOR)
    assert named.channel == "email" and not named.needs_recipient
    assert undirected.notices.send(task.number, actor=ACTOR).status == "sent"
    events = {e.details.get("event") for e in undirected.custody.entries() if e.action == "notice"}
    assert "recipient" in events
    with pytest.raises(NoticeError, match="only a draft"):
        undirected.notices.set_recipient(task.number, "x@y.example", actor=ACTOR)
