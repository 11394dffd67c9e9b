"""Accounts through the loop: official handles, checks, the queue, a case, evidence."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from idolguard.app import IdolGuard
from idolguard.config import MonitorSettings, NoticeSettings, Settings, WatchSettings
from idolguard.domain.fan_reports import ReportError
from idolguard.domain.impersonation import ImpersonationError, OfficialsError
from idolguard.domain.review.decisions import QueueFilters
from idolguard.domain.takedowns import NoticeError
from idolguard.signals.impersonation import Profile
from tests.helpers import sample
from tests.website import ChangingSite

ACTOR = "reviewer@test"
SCAM = "Official account. Private fan meeting tickets, 입금 후 카톡으로 연락주세요."


def avatar(side: int = 200, name: str = "astronaut.jpg") -> bytes:
    """The roster's reference photo re-used as an avatar: resized and re-encoded."""
    out = io.BytesIO()
    with Image.open(sample(name)) as image:
        image.convert("RGB").resize((side, side)).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def roster(app: IdolGuard) -> IdolGuard:
    app.roster.add_artist("Haneul", [sample("astronaut.jpg")], aliases=["하늘"])
    app.officials.add("Haneul", "instagram", "@Haneul_Official")
    return app


def test_official_handles_are_listed_normalised_and_unique(roster: IdolGuard) -> None:
    (entry,) = roster.officials.listing()
    assert (entry.artist, entry.platform, entry.handle) == (
        "Haneul",
        "instagram",
        "haneul_official",
    )
    with pytest.raises(OfficialsError, match="already listed as Haneul's"):
        roster.officials.add("Haneul", "Instagram", "haneul_official")
    with pytest.raises(OfficialsError, match="platform"):
        roster.officials.add("Haneul", "in sta", "x")
    with pytest.raises(OfficialsError, match="handle"):
        roster.officials.add("Haneul", "x", "@")
    assert roster.officials.remove("instagram", "@HANEUL_OFFICIAL")
    assert not roster.officials.remove("instagram", "haneul_official")


def test_copied_reference_photo_is_found_by_pdq(roster: IdolGuard) -> None:
    profile = Profile("x", "haneul_kr", "Haneul", "hello", avatar=avatar())
    result = roster.impersonation.check(profile, faces=False)
    assert result.flagged and result.artist == "Haneul"
    assert {"name_imitation", "avatar_copy"} <= {r.code for r in result.reasons}


def test_official_profile_is_never_flagged_nor_queued(roster: IdolGuard) -> None:
    profile = Profile("instagram", "haneul_official", "Haneul", SCAM, avatar=avatar())
    assert roster.impersonation.check(profile, faces=False).official
    with pytest.raises(ImpersonationError, match="official account"):
        roster.impersonation.queue(profile, actor=ACTOR, force=True)


def test_flagged_profile_becomes_an_account_item_that_confirms_into_a_case(
    roster: IdolGuard,
) -> None:
    profile = Profile(
        "x", "haneul_official_kr", "Haneul", SCAM, avatar=avatar(), links=("https://t.me/vip",)
    )
    queued = roster.impersonation.queue(profile, actor=ACTOR)
    assert queued.result.flagged and queued.opened is not None and queued.opened.created
    item = roster.cases.get_item(queued.opened.item_id)
    assert item.location == "https://x.com/haneul_official_kr"
    assert item.origin == "account" and item.source["kind"] == "account"
    assert item.source["account"]["handle"] == "haneul_official_kr"
    assert item.source["impersonation"]["flagged"] is True
    assert item.risk >= queued.result.risk
    assert item.artist_id == queued.result.artist_id

    # The profile as seen is in the hashed evidence manifest.
    (evidence,) = roster.evidence.for_item(item.id)
    manifest = json.loads(evidence.manifest)
    assert manifest["source"]["account"]["handle"] == "haneul_official_kr"
    assert "scam_vocabulary" in json.dumps(manifest["source"]["impersonation"])

    rows = roster.review.queue(QueueFilters(origin="account"))
    assert [r.item.id for r in rows] == [item.id]
    confirmed = roster.review.confirm(item.id, actor=ACTOR, reason="impersonator")
    assert confirmed.case_id is not None


def test_unflagged_profile_opens_nothing_unless_forced(roster: IdolGuard) -> None:
    fan = Profile("x", "haneul_daily", "Haneul 💕", "fan account, not affiliated", avatar=avatar())
    assert roster.impersonation.queue(fan, actor=ACTOR).opened is None
    forced = roster.impersonation.queue(fan, actor=ACTOR, force=True)
    assert forced.opened is not None and not forced.result.flagged


def test_profile_without_image_or_url_is_refused_clearly(roster: IdolGuard) -> None:
    with pytest.raises(ImpersonationError, match="avatar or banner"):
        roster.impersonation.queue(Profile("x", "haneul", "Haneul", SCAM), actor=ACTOR)
    odd = Profile("someforum", "haneul", "Haneul", SCAM, avatar=avatar())
    with pytest.raises(ImpersonationError, match="give the profile's url"):
        roster.impersonation.queue(odd, actor=ACTOR)


def test_confirmed_account_gets_an_impersonation_notice_that_states_what_was_seen(
    settings: Settings,
) -> None:
    sender = NoticeSettings(sender_name="Kim Minji", email="legal@example-ent.test")
    with IdolGuard(replace(settings, notices=sender)) as app:
        app.roster.add_artist("Haneul", [sample("astronaut.jpg")])
        profile = Profile("x", "haneul_real", "Haneul", SCAM, avatar=avatar())
        queued = app.impersonation.queue(profile, actor=ACTOR)
        assert queued.opened is not None
        item = app.review.confirm(queued.opened.item_id, actor=ACTOR, reason="impersonator")
        assert item.case_number is not None
        [notice] = app.notices.draft(item.case_number, actor=ACTOR)
        assert notice.regime == "impersonation"
        assert notice.recipient == "https://help.x.com/forms/impersonation"
        body = notice.body
        assert "https://x.com/haneul_real" in body and "@haneul_real" in body
        assert "사칭" in body and "impersonat" in body
        # The reasons the analysis gave, not a claim the record does not hold.
        assert "scam vocabulary" in body and "사기 어휘" in body
        assert "deepfake" not in body

        # A depiction regime is refused for an account, and the reverse.
        with pytest.raises(NoticeError, match="impersonation report"):
            app.notices.draft(item.case_number, actor=ACTOR, regime="dsa")


def test_watch_keeps_an_account_live_when_only_its_avatar_changes(
    settings: Settings, website: ChangingSite
) -> None:
    watch = WatchSettings(per_host_delay_seconds=0, allow_private=True, timeout=5)
    with IdolGuard(replace(settings, watch=watch)) as app:
        app.roster.add_artist("Haneul", [sample("astronaut.jpg")])
        url = website.url("/haneul_real")
        profile = Profile("x", "haneul_real", "Haneul", SCAM, url=url, avatar=avatar())
        queued = app.impersonation.queue(profile, actor=ACTOR)
        assert queued.opened is not None
        item_id = queued.opened.item_id
        app.review.confirm(item_id, actor=ACTOR, reason="impersonator")

        # The impersonator swapped avatars: the account is still there.
        website.serve("/haneul_real", avatar(name="chelsea.jpg"))
        first = app.watcher.check_item(item_id)
        assert first.check.outcome == "live", first.check.detail
        # The platform suspended it.
        website.gone("/haneul_real")
        second = app.watcher.check_item(item_id)
        assert second.check.outcome == "removed"


def test_a_profiles_source_queues_a_watched_impersonator(
    settings: Settings, website: ChangingSite, tmp_path: Path
) -> None:
    monitor = MonitorSettings(
        per_host_delay_seconds=0.0, timeout=3.0, retries=1, allow_private=True
    )
    with IdolGuard(replace(settings, monitor=monitor)) as app:
        app.roster.add_artist("Haneul", [sample("astronaut.jpg")])
        page = (
            '<meta property="og:title" content="Haneul (@haneul_real) / X">'
            f'<meta property="og:description" content="{SCAM}">'
            '<meta property="og:image" content="/img/a.jpg">'
        )
        fan_page = (
            '<meta property="og:title" content="Haneul pics (@haneul_pics)">'
            '<meta property="og:description" content="fan account 💕">'
            '<meta property="og:image" content="/img/a.jpg">'
        )
        website.serve("/haneul_real", page.encode(), "text/html; charset=utf-8")
        website.serve("/haneul_pics", fan_page.encode(), "text/html; charset=utf-8")
        website.serve("/img/a.jpg", avatar())
        listing = tmp_path / "accounts.txt"
        listing.write_text(
            f"# watched\n{website.url('/haneul_real')}\n{website.url('/haneul_pics')}\n"
        )
        app.monitor.add("profiles", "accounts", {"path": str(listing)}, actor=ACTOR)
        report = app.monitor.run("accounts", actor=ACTOR)
        assert report.error is None and report.processed == 2, report
        assert len(report.opened) == 1  # the impersonator, not the fan
        item = app.cases.get_item(report.opened[0])
        assert item.origin == "account" and item.location == website.url("/haneul_real")
        assert item.source["account"]["handle"] == "haneul_real"
        assert item.source["impersonation"]["flagged"] is True

        again = app.monitor.run("accounts", actor=ACTOR)  # same avatars: nothing new
        assert again.processed == 0 and again.opened == []


def test_a_fan_reports_an_account_and_staff_capture_it_as_an_account_item(
    roster: IdolGuard, website: ChangingSite
) -> None:
    page = (
        '<meta property="og:title" content="Haneul (@haneul_vip) • Instagram">'
        '<meta property="og:description" content="only my real fans: video call, gift card">'
        '<meta property="og:image" content="/img/a.jpg">'
    )
    website.serve("/haneul_vip", page.encode(), "text/html; charset=utf-8")
    website.serve("/img/a.jpg", avatar())
    with pytest.raises(ReportError, match="profile page"):
        roster.reports.submit(
            artist_id=None, url=None, upload=sample("astronaut.jpg"), upload_name="a.jpg",
            description=None, contact=None, language="en", subject="account",
        )  # fmt: skip
    report = roster.reports.submit(
        artist_id=None,
        url=website.url("/haneul_vip"),
        upload=None,
        upload_name=None,
        description="pretends to be Haneul",
        contact=None,
        language="ko",
        subject="account",
    )
    view = roster.reports.capture(report.number, actor="staff", allow_private_addresses=True)
    assert view.item_id is not None
    item = roster.cases.get_item(view.item_id)
    assert item.origin == "account" and item.reporter == "fan"
    assert item.source["account"]["handle"] == "haneul_vip"
    assert item.source["report"] == report.number
    assert item.source["page_sha256"]  # the profile page itself is kept as evidence
    assert item.source["impersonation"]["flagged"] is True


def test_an_avatar_that_is_banked_content_counts_as_likeness(roster: IdolGuard) -> None:
    roster.banks.add_file(sample("rocket.jpg"), "confirmed", label="test")
    rocket = avatar(name="rocket.jpg")
    # Not the artist's name at all, and a scam bio: the banked avatar supplies the likeness.
    profile = Profile("x", "vip_events_kr", "VIP events", SCAM, avatar=rocket)
    result = roster.impersonation.check(profile)
    assert result.flagged
    assert "avatar_banked" in {r.code for r in result.reasons}
    unbanked = Profile("x", "vip_events_kr", "VIP events", SCAM, avatar=avatar(name="coffee.jpg"))
    assert not roster.impersonation.check(unbanked).flagged
