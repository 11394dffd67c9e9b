"""Dashboard figures: per-day series, per artist and platform, time to takedown, deadlines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from idolguard.app import IdolGuard
from idolguard.clock import utcnow
from idolguard.config import NoticeSettings, Settings
from idolguard.domain.dashboard import DashboardError, DashboardService, item_platform, ttd_bucket
from idolguard.storage.models import Artist, Item, ItemEvent
from tests.helpers import sample

ACTOR = "lawyer@test"

DIRECTORY = """
[platforms.localhost]
name = "Loopback Video"
kind = "platform"
country = "US"
domains = ["localhost"]
regimes = ["take_it_down", "dmca", "dsa", "kr_tba"]
languages = ["en", "ko"]
escalation = ["kcsc"]
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


def with_notices(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose notices go through web forms (KCSC): no mail server is needed."""
    directory = tmp_path / "platforms.toml"
    directory.write_text(DIRECTORY)
    return replace(settings, notices=replace(SENDER, directory_file=str(directory)))


@pytest.fixture
def dapp(settings: Settings, tmp_path: Path) -> Iterator[IdolGuard]:
    with IdolGuard(with_notices(settings, tmp_path)) as instance:
        yield instance


def add_artist(app: IdolGuard, name: str) -> int:
    with app.database.session() as session:
        artist = Artist(name=name, group_name="STELLA")
        session.add(artist)
        session.flush()
        return artist.id


def add_item(app: IdolGuard, photo: str, url: str | None, **source: Any) -> int:
    if url is None:
        return app.intake.add_file(sample(photo), actor=ACTOR).item_id
    return app.intake.add_file(
        sample(photo), actor=ACTOR, source={"url": url, **source}, location=url
    ).item_id


def backdate(app: IdolGuard, item_id: int, *, opened: datetime, confirmed: datetime) -> None:
    with app.database.session() as session:
        session.execute(update(Item).where(Item.id == item_id).values(opened_at=opened))
        session.execute(
            update(ItemEvent)
            .where(ItemEvent.item_id == item_id, ItemEvent.to_state == "confirmed")
            .values(at=confirmed)
        )


def send_notice(app: IdolGuard, item_id: int, *, sent_at: datetime) -> str:
    case = app.cases.get_item(item_id).case_number
    assert case is not None
    [draft] = app.notices.draft(
        case, actor=ACTOR, regime="kcsc", category="intimate", item_ids=[item_id]
    )
    app.notices.mark(draft.number, "sent", actor=ACTOR, at=sent_at)
    return draft.number


@pytest.fixture
def arranged(dapp: IdolGuard) -> dict[str, Any]:
    """Four items over three platforms and two artists, three notices at different stages."""
    yuri, dana = add_artist(dapp, "Han Yuri"), add_artist(dapp, "Park Dana")
    on_x = add_item(dapp, "astronaut.jpg", "https://x.com/a/1", platform="x")
    on_loop = add_item(dapp, "chelsea.jpg", "http://localhost/v/2")  # platform from the URL
    local = add_item(dapp, "coffee.jpg", None)  # a local file: unknown platform, stays queued
    late_x = add_item(dapp, "rocket.jpg", "https://x.com/a/4", platform="x")
    dapp.review.confirm(on_x, actor=ACTOR, reason="face swap", artist_id=yuri)
    dapp.review.confirm(on_loop, actor=ACTOR, reason="face swap", artist_id=dana)
    dapp.review.confirm(late_x, actor=ACTOR, reason="face swap", artist_id=yuri)
    start = utcnow()
    backdate(dapp, on_x, opened=start - timedelta(days=2), confirmed=start - timedelta(days=1))
    removed = send_notice(dapp, on_loop, sent_at=start - timedelta(hours=30))
    dapp.notices.mark(removed, "removed", actor=ACTOR, at=start - timedelta(hours=20))
    kcsc_hours = dapp.settings.notices.kcsc_deadline_hours
    overdue = send_notice(dapp, late_x, sent_at=start - timedelta(hours=kcsc_hours + 32))
    soon = send_notice(dapp, on_x, sent_at=start - timedelta(hours=kcsc_hours - 18))
    now = utcnow()
    dapp.dashboard.clock = lambda: now
    return {
        "yuri": yuri,
        "dana": dana,
        "local": local,
        "removed": removed,
        "overdue": overdue,
        "soon": soon,
        "now": now,
        "start": start,
    }


def test_series_counts_per_day_with_empty_days(dapp: IdolGuard, arranged: dict[str, Any]) -> None:
    summary = dapp.dashboard.summary(days=7)
    series = summary["series"]
    assert len(series) == 7 and summary["days"] == 7
    now: datetime = arranged["now"]
    assert series[-1]["day"] == now.date().isoformat() == summary["to"]
    assert series[0]["day"] == (now.date() - timedelta(days=6)).isoformat() == summary["from"]
    by_day: dict[str, dict[str, int]] = {row["day"]: row for row in series}

    def day(offset: int) -> dict[str, int]:
        return by_day[(arranged["start"] - timedelta(days=offset)).date().isoformat()]

    today = by_day[now.date().isoformat()]
    # Three items found today (one was backdated); two confirmed today; one removed today.
    assert (today["found"], today["confirmed"], today["removed"]) == (3, 2, 1)
    assert day(2)["found"] == 1 and day(1)["confirmed"] == 1
    assert sum(row["found"] for row in series) == 4
    assert sum(1 for row in series if row["found"] == row["confirmed"] == row["removed"] == 0) >= 4
    totals = summary["totals"]
    assert totals == {
        "queue": 1,
        "found": 4,
        "confirmed": 3,
        "removed": 1,
        "open_notices": 2,
        "overdue": 1,
        "due_soon": 1,
    }
    # The window counts: one day back leaves out what happened before today.
    one_day = dapp.dashboard.summary(days=1)
    assert len(one_day["series"]) == 1
    assert one_day["totals"]["found"] == 3 and one_day["totals"]["confirmed"] == 2


def test_totals_per_artist_and_per_platform(dapp: IdolGuard, arranged: dict[str, Any]) -> None:
    summary = dapp.dashboard.summary(days=30)
    by_artist = {row["artist"]: row for row in summary["by_artist"]}
    assert set(by_artist) == {"Han Yuri", "Park Dana", "unknown"}
    yuri, dana, unknown = by_artist["Han Yuri"], by_artist["Park Dana"], by_artist["unknown"]
    assert yuri["artist_id"] == arranged["yuri"] and unknown["artist_id"] is None
    assert (yuri["found"], yuri["confirmed"], yuri["removed"]) == (2, 2, 0)
    assert (dana["found"], dana["confirmed"], dana["removed"]) == (1, 1, 1)
    assert (unknown["found"], unknown["confirmed"], unknown["removed"]) == (1, 0, 0)
    by_platform = {row["platform"]: row for row in summary["by_platform"]}
    assert set(by_platform) == {"x", "localhost", "unknown"}
    assert (by_platform["x"]["found"], by_platform["x"]["confirmed"]) == (2, 2)
    assert by_platform["localhost"]["removed"] == 1
    assert by_platform["unknown"]["found"] == 1


def test_filters_by_artist_and_platform(dapp: IdolGuard, arranged: dict[str, Any]) -> None:
    yuri = dapp.dashboard.summary(artist_id=arranged["yuri"])
    assert [row["artist"] for row in yuri["by_artist"]] == ["Han Yuri"]
    assert yuri["totals"]["found"] == 2 and yuri["totals"]["queue"] == 0
    assert [row["number"] for row in yuri["overdue"]] == [arranged["overdue"]]
    assert yuri["time_to_takedown"]["count"] == 0
    loop = dapp.dashboard.summary(platform="localhost")
    assert [row["platform"] for row in loop["by_platform"]] == ["localhost"]
    assert loop["totals"]["found"] == 1 and loop["totals"]["removed"] == 1
    assert loop["time_to_takedown"]["count"] == 1 and loop["overdue"] == []
    x = dapp.dashboard.summary(platform="X")  # platform names are not case-sensitive
    assert x["filters"]["platform"] == "x" and x["totals"]["found"] == 2
    assert [row["number"] for row in x["due_soon"]] == [arranged["soon"]]


def test_time_to_takedown_histogram(dapp: IdolGuard, arranged: dict[str, Any]) -> None:
    ttd = dapp.dashboard.summary()["time_to_takedown"]
    counts = {b["key"]: b["count"] for b in ttd["buckets"]}
    assert list(counts) == ["lt_6h", "6_24h", "24_48h", "48_72h", "3_7d", "gt_7d"]
    assert counts == {"lt_6h": 0, "6_24h": 1, "24_48h": 0, "48_72h": 0, "3_7d": 0, "gt_7d": 0}
    assert ttd["count"] == 1
    assert ttd["median_hours"] == pytest.approx(10.0, abs=0.01)
    assert ttd["p90_hours"] == pytest.approx(10.0, abs=0.01)
    # The same definition as the notice statistics.
    [stats] = [s for s in dapp.notices.stats() if s.urls_removed]
    assert stats.median_hours == pytest.approx(ttd["median_hours"], abs=0.01)


def test_overdue_and_due_soon_follow_the_clock(dapp: IdolGuard, arranged: dict[str, Any]) -> None:
    summary = dapp.dashboard.summary()
    [late] = summary["overdue"]
    assert late["number"] == arranged["overdue"] and late["platform"] == "x"
    assert late["hours_overdue"] == pytest.approx(32.0, abs=0.2)
    assert late["due_at"].endswith("Z")
    [soon] = summary["due_soon"]
    assert soon["number"] == arranged["soon"]
    assert soon["hours_left"] == pytest.approx(18.0, abs=0.2)
    # A day later the second notice is overdue too.
    later: datetime = arranged["now"] + timedelta(days=1)
    dapp.dashboard.clock = lambda: later
    summary = dapp.dashboard.summary()
    assert [row["number"] for row in summary["overdue"]] == [arranged["overdue"], arranged["soon"]]
    assert summary["due_soon"] == [] and summary["totals"]["overdue"] == 2
    # A closed notice is not overdue, however late it was.
    dapp.notices.mark(arranged["overdue"], "removed", actor=ACTOR)
    assert [row["number"] for row in dapp.dashboard.summary()["overdue"]] == [arranged["soon"]]


def test_return_from_a_rejected_notice_is_not_a_new_confirmation(dapp: IdolGuard) -> None:
    artist = add_artist(dapp, "Han Yuri")
    item = add_item(dapp, "astronaut.jpg", "https://x.com/a/1", platform="x")
    dapp.review.confirm(item, actor=ACTOR, reason="face swap", artist_id=artist)
    number = send_notice(dapp, item, sent_at=utcnow())
    dapp.notices.mark(number, "rejected", actor=ACTOR)
    assert dapp.cases.get_item(item).state == "confirmed"
    summary = dapp.dashboard.summary(days=1)
    assert summary["totals"]["confirmed"] == 1 and summary["totals"]["open_notices"] == 0


def test_empty_database_and_bad_windows(app: IdolGuard) -> None:
    summary = app.dashboard.summary(days=365)
    assert len(summary["series"]) == 365
    assert summary["by_artist"] == [] and summary["by_platform"] == []
    assert summary["time_to_takedown"]["median_hours"] is None
    assert summary["totals"]["queue"] == 0
    for days in (0, 366, -1):
        with pytest.raises(DashboardError):
            app.dashboard.summary(days=days)


def test_buckets_and_platform_names() -> None:
    assert [ttd_bucket(h) for h in (0, 5.99, 6, 23.9, 24, 48, 71.9, 72, 167.9, 168, 1000)] == [
        "lt_6h",
        "lt_6h",
        "6_24h",
        "6_24h",
        "24_48h",
        "48_72h",
        "48_72h",
        "3_7d",
        "3_7d",
        "gt_7d",
        "gt_7d",
    ]
    assert item_platform({"platform": "YouTube"}, "/tmp/a.jpg") == "youtube"
    assert item_platform({}, "https://www.x.com/a/1") == "x"
    assert item_platform({"local_path": "/tmp/a.jpg"}, "/tmp/a.jpg") == "unknown"


def test_service_takes_a_clock(app: IdolGuard) -> None:
    fixed = datetime(2026, 1, 15, 12, 0, tzinfo=utcnow().tzinfo)
    service = DashboardService(app.database, clock=lambda: fixed)
    summary = service.summary(days=3)
    assert [row["day"] for row in summary["series"]] == ["2026-01-13", "2026-01-14", "2026-01-15"]
