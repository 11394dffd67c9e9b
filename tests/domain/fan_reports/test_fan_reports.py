"""Fan reports: number and PIN, duplicates, withdrawal, lockout, URL capture."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from idolguard.app import IdolGuard
from idolguard.clock import utcnow
from idolguard.domain.fan_reports import (
    GENERIC_FAILURE,
    WITHDRAWN_REASON,
    CaptureFailed,
    ReportAccessDenied,
    ReportError,
    ReportLocked,
    normalise_url,
)
from idolguard.signals.base import AnalysisItem
from idolguard.signals.manipulation import ManipulationSignal
from idolguard.storage.models import Artist, FanReport
from tests.helpers import sample
from tests.website import ChangingSite

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def reports_app(app: IdolGuard) -> IdolGuard:
    app.reports.hasher = CHEAP
    return app


def _artist(app: IdolGuard, name: str = "Han Yuri") -> int:
    with app.database.session() as session:
        artist = Artist(name=name, group_name="STELLA")
        session.add(artist)
        session.flush()
        return artist.id


def _submit(app: IdolGuard, **kwargs: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "artist_id": None,
        "url": None,
        "upload": None,
        "upload_name": None,
        "description": None,
        "contact": None,
        "language": "ko",
    }
    values.update(kwargs)
    return app.reports.submit(**values)  # type: ignore[arg-type]


def _item_of(app: IdolGuard, number: str) -> int:
    item_id = app.reports.get(number).item_id
    assert item_id is not None
    return item_id


def test_upload_opens_a_fan_report_item_and_keeps_only_the_pin_hash(
    reports_app: IdolGuard,
) -> None:
    app = reports_app
    artist = _artist(app)
    sent = _submit(
        app,
        artist_id=artist,
        upload=sample("astronaut.jpg"),
        upload_name="clip.jpg",
        description="seen on a forum",
        contact="fan@example.org",
    )
    assert re.fullmatch(r"R-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", sent.number)
    assert re.fullmatch(r"\d{8}", sent.pin)
    assert (sent.status, sent.duplicate) == ("received", False)
    item = app.cases.get_item(_item_of(app, sent.number))
    assert (item.origin, item.reporter, item.state) == ("report", "fan", "new")
    assert item.location == f"report:{sent.number}"
    assert item.artist_id == artist
    assert item.source["description"] == "seen on a forum"
    assert item in app.cases.queue()
    with app.database.session() as session:
        row = session.query(FanReport).one()
        assert row.pin_hash.startswith("$argon2id$") and sent.pin not in row.pin_hash
        assert row.contact == "fan@example.org"
    entries = [e for e in app.custody.entries() if e.action == "report"]
    assert len(entries) == 1 and entries[0].details["contact_given"] is True
    logged = json.dumps([e.details for e in app.custody.entries()])
    assert "fan@example.org" not in logged and sent.pin not in logged
    listed = app.reports.list_reports(10)
    assert [r.number for r in listed] == [sent.number]
    assert "pin" not in json.dumps(listed[0].to_json(include_contact=True)).replace("pending", "")
    assert "contact" not in listed[0].to_json()


def test_status_follows_the_item_and_wrong_pins_lock_the_report(reports_app: IdolGuard) -> None:
    app = reports_app
    sent = _submit(app, upload=sample("coffee.jpg"), url="https://Example.COM/p/1#frag")
    item_id = _item_of(app, sent.number)
    assert app.cases.get_item(item_id).location == "https://example.com/p/1"
    assert app.reports.status(sent.number, sent.pin).status == "received"
    # The number is forgiving about case and spaces; the PIN about spaces.
    loose = sent.number.lower().replace("-", "- ")
    pin = f"{sent.pin[:4]} {sent.pin[4:]}"
    assert app.reports.status(loose, pin).number == sent.number
    app.cases.transition(item_id, "in_review", actor="t", reason="look")
    assert app.reports.status(sent.number, sent.pin).status == "in_review"
    app.cases.transition(item_id, "confirmed", actor="t", reason="deepfake")
    assert app.reports.status(sent.number, sent.pin).status == "action_taken"

    with pytest.raises(ReportAccessDenied, match=GENERIC_FAILURE):
        app.reports.status("R-ZZZZZZZZ", sent.pin)
    for _ in range(4):
        with pytest.raises(ReportAccessDenied, match=GENERIC_FAILURE):
            app.reports.status(sent.number, "00000000")
    assert app.reports.status(sent.number, sent.pin).status == "action_taken"  # resets
    for _ in range(5):
        with pytest.raises(ReportAccessDenied):
            app.reports.status(sent.number, "00000000")
    with pytest.raises(ReportLocked) as locked:
        app.reports.status(sent.number, sent.pin)
    assert 0 < locked.value.retry_after_seconds <= 15 * 60 + 1
    with pytest.raises(ReportLocked):
        app.reports.withdraw(sent.number, sent.pin)
    with app.database.session() as session:
        row = session.query(FanReport).one()
        row.locked_until = utcnow() - timedelta(seconds=1)
    assert app.reports.status(sent.number, sent.pin).status == "action_taken"


def test_duplicates_by_file_and_by_url_follow_one_item(reports_app: IdolGuard) -> None:
    app = reports_app
    first = _submit(app, upload=sample("rocket.jpg"))
    again = _submit(app, upload=sample("rocket.jpg"), contact="x@example.org")
    assert again.duplicate and again.number != first.number and again.pin != first.pin
    assert _item_of(app, again.number) == _item_of(app, first.number)
    assert app.reports.get(again.number).duplicate_of == first.number
    assert len(app.cases.list_items()) == 1

    by_url = _submit(app, url="https://site.example/v/9", upload=sample("chelsea.jpg"))
    url_only = _submit(app, url="HTTPS://SITE.EXAMPLE/v/9#t=3")
    assert url_only.duplicate
    assert _item_of(app, url_only.number) == _item_of(app, by_url.number)
    assert len(app.cases.list_items()) == 2
    assert app.reports.pending_urls() == []


def test_url_only_reports_wait_for_staff_capture(
    reports_app: IdolGuard, website: ChangingSite
) -> None:
    app = reports_app
    artist = _artist(app)
    website.serve("/media/1.jpg", sample("astronaut.jpg").read_bytes())
    url = website.url("/media/1.jpg")
    first = _submit(app, url=url, artist_id=artist, contact="me@example.org")
    second = _submit(app, url=url)
    assert second.duplicate and first.status == "received"
    assert website.hits("/media/1.jpg") == []  # nothing fetched while the fan waited
    assert app.cases.list_items() == []
    assert {r.number for r in app.reports.pending_urls()} == {first.number, second.number}

    view = app.reports.capture(first.number, actor="staff", allow_private_addresses=True)
    assert view.item_id is not None and not view.pending_capture
    item = app.cases.get_item(view.item_id)
    assert (item.reporter, item.artist_id, item.source["report"]) == ("fan", artist, first.number)
    assert _item_of(app, second.number) == view.item_id
    assert app.reports.pending_urls() == []
    with pytest.raises(ReportError, match="already has item"):
        app.reports.capture(second.number, actor="staff", allow_private_addresses=True)


def test_withdrawal_dismisses_only_undecided_items_nobody_else_reported(
    reports_app: IdolGuard,
) -> None:
    app = reports_app
    alone = _submit(app, upload=sample("astronaut.jpg"))
    item_id = _item_of(app, alone.number)
    status = app.reports.withdraw(alone.number, alone.pin)
    assert (status.status, status.can_withdraw, status.still_acted_on) == (
        "withdrawn",
        False,
        False,
    )
    assert app.cases.get_item(item_id).state == "dismissed"
    assert app.cases.events(item_id)[-1].reason == WITHDRAWN_REASON
    assert app.reports.withdraw(alone.number, alone.pin).status == "withdrawn"  # idempotent
    # A withdrawn report is not an "earlier report": the same file opens a fresh report.
    fresh = _submit(app, upload=sample("astronaut.jpg"))
    assert not fresh.duplicate

    shared = _submit(app, upload=sample("coffee.jpg"))
    other = _submit(app, upload=sample("coffee.jpg"))
    shared_item = _item_of(app, shared.number)
    app.reports.withdraw(shared.number, shared.pin)
    assert app.cases.get_item(shared_item).state == "new"  # someone else still reports it
    assert app.reports.status(other.number, other.pin).status == "received"

    confirmed = _submit(app, upload=sample("rocket.jpg"))
    confirmed_item = _item_of(app, confirmed.number)
    app.cases.transition(confirmed_item, "confirmed", actor="t", reason="deepfake")
    status = app.reports.withdraw(confirmed.number, confirmed.pin)
    assert status.status == "withdrawn" and status.still_acted_on
    assert app.cases.get_item(confirmed_item).state == "confirmed"
    events = [e.details.get("event") for e in app.custody.entries() if e.action == "report"]
    assert events.count("withdrawn") == 3


def test_refusals_say_what_is_wrong(reports_app: IdolGuard, tmp_path: Path) -> None:
    app = reports_app
    with pytest.raises(ReportError, match=r"address .* or upload"):
        _submit(app)
    with pytest.raises(ReportError, match="http"):
        _submit(app, url="javascript:alert(1)")
    with pytest.raises(ReportError, match="roster"):
        _submit(app, url="https://x.example/", artist_id=999)
    with pytest.raises(ReportError, match="2000"):
        _submit(app, url="https://x.example/", description="x" * 2001)
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    with pytest.raises(ReportError, match="photo or video") as caught:
        _submit(app, upload=text)
    assert str(tmp_path) not in str(caught.value)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ReportError, match="empty"):
        _submit(app, upload=empty)
    assert app.reports.list_reports() == [] and app.cases.list_items() == []


def test_normalise_url() -> None:
    assert normalise_url(" HTTPS://User@WWW.Example.com:8443/A/b?q=1#x ") == (
        "https://User@www.example.com:8443/A/b?q=1"
    )
    assert normalise_url("http://example.com") == "http://example.com/"


def test_retention_drops_fan_contacts_once_the_report_is_settled(
    reports_app: IdolGuard,
) -> None:
    app = reports_app
    waiting = _submit(app, url="https://forum.example/t/1", contact="fan@example.org")
    open_one = _submit(app, upload=sample("coffee.jpg"), contact="other@example.org")
    with app.database.session() as session:
        session.execute(update(FanReport).values(created_at=utcnow() - timedelta(days=400)))
    report = app.retention.apply(actor="t", dry_run=True)
    assert report.report_contacts_purged == [waiting.number]  # its item is still open
    app.retention.apply(actor="t")
    with app.database.session() as session:
        contacts = dict(session.execute(select(FanReport.number, FanReport.contact)).all())
    assert contacts == {waiting.number: None, open_one.number: "other@example.org"}
    purged = [e for e in app.custody.entries() if e.action == "delete"]
    assert [e.details["field"] for e in purged] == ["contact"]


def test_a_duplicate_does_not_reveal_what_was_done_before_it(reports_app: IdolGuard) -> None:
    """Uploading a file must not tell anyone (the faker included) whether it was acted on."""
    app = reports_app
    first = _submit(app, upload=sample("rocket.jpg"))
    early = _submit(app, upload=sample("rocket.jpg"))  # before any decision
    item_id = _item_of(app, first.number)
    app.review.confirm(item_id, actor="staff", reason="confirmed fake")
    late = _submit(app, upload=sample("rocket.jpg"))  # after the confirmation
    assert late.duplicate and late.status == "received"
    assert late.to_json() == {"number": late.number, "pin": late.pin, "status": "received"}
    assert app.reports.status(late.number, late.pin).status == "received"
    # The item changed after these two reports arrived: their holders see it.
    assert app.reports.status(first.number, first.pin).status == "action_taken"
    assert app.reports.status(early.number, early.pin).status == "action_taken"
    withdrawn = app.reports.withdraw(late.number, late.pin)
    assert (withdrawn.status, withdrawn.still_acted_on) == ("withdrawn", False)
    # Staff see the link to the earlier report and the item.
    staff = app.reports.get(late.number)
    assert (staff.duplicate_of, staff.item_id) == (first.number, item_id)
    assert app.cases.get_item(item_id).state == "confirmed"  # the withdrawal undid nothing


def _face_swap_seen(self: ManipulationSignal, item: AnalysisItem) -> dict[str, Any]:
    """Stands in for the manipulation model: every picture is a 0.99 face swap."""
    return {"score": 0.99, "flagged": True, "faces": [{"index": 0, "flagged": True}]}


def test_a_fan_reported_face_swap_of_the_chosen_artist_ranks_high(
    reports_app: IdolGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17 #3, the exact scenario: the fan picks the artist, the manipulation model
    says 0.99, no face is recognised. It scored 0.29 and sank below neutral photos."""
    app = reports_app
    monkeypatch.setattr(ManipulationSignal, "analyse", _face_swap_seen)
    artist = _artist(app, "Han Yuri")
    sent = _submit(app, artist_id=artist, upload=sample("astronaut.jpg"), description="합성 같아요")
    item = app.cases.get_item(_item_of(app, sent.number))
    assert item.source["reported_artist"] == {"artist_id": artist, "name": "Han Yuri"}
    assert item.risk >= 0.6, item.risk
    neutral = app.intake.add_file(sample("coffee.jpg"), actor="t", source={"caption": "Han Yuri"})
    assert app.cases.get_item(neutral.item_id).risk < item.risk
    assert next(i.id for i in app.cases.queue()) == item.id
    why = app.review.findings(item.id)["risk"]["breakdown"]
    assert {f["key"] for f in why["factors"]} >= {"reported", "manipulation"}


def test_a_failed_capture_is_kept_on_the_report_and_can_be_retried(
    reports_app: IdolGuard, website: ChangingSite
) -> None:
    app = reports_app
    url = website.url("/media/later.jpg")  # 404 for now
    sent = _submit(app, url=url, description="<b>여기</b> 봤어요", contact="fan@example.org")
    with pytest.raises(CaptureFailed) as failure:
        app.reports.capture(sent.number, actor="staff", allow_private_addresses=True)
    assert failure.value.code == "http_error"
    (waiting,) = app.reports.pending_urls()
    assert waiting.capture_error_code == "http_error" and waiting.capture_failed_at is not None
    assert url in (waiting.capture_error or "")
    events = [e.details.get("event") for e in app.custody.entries() if e.action == "report"]
    assert "capture_failed" in events

    website.serve("/media/later.jpg", sample("astronaut.jpg").read_bytes())
    view = app.reports.capture(sent.number, actor="staff", allow_private_addresses=True)
    assert view.item_id is not None and view.capture_error is None
    assert app.reports.pending_urls() == []
    (linked,) = app.reports.for_item(view.item_id)
    assert (linked.number, linked.description) == (sent.number, "<b>여기</b> 봤어요")
