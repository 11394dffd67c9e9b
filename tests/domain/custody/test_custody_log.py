"""The custody log in the database: append-only, hash-chained, verifiable, anchored."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from idolguard.app import IdolGuard
from idolguard.evidence.timestamp import TimestampClient
from tests.tsa import LoopbackTSA

ACTOR = "auditor@test"


def _fill(app: IdolGuard, n: int = 6) -> None:
    for i in range(n):
        app.custody.record(
            actor=ACTOR, action="view", subject=f"item:{i}", details={"note": f"보기 {i}"}
        )


def _drop_guards(app: IdolGuard) -> None:
    """What an attacker with database access would do first."""
    with app.database.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER custody_entry_no_update"))
            conn.execute(text("DROP TRIGGER custody_entry_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER custody_entry_no_change ON custody_entry"))


def test_intact_log_verifies(app: IdolGuard) -> None:
    _fill(app)
    report = app.custody.verify()
    assert report.ok and report.chain.entries == 6
    assert app.custody.head() == (6, report.chain.head)


def test_database_refuses_edits_and_deletes(app: IdolGuard) -> None:
    _fill(app, 2)
    for statement in (
        "UPDATE custody_entry SET actor = 'someone else' WHERE seq = 1",
        "DELETE FROM custody_entry WHERE seq = 2",
    ):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            app.database.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    assert app.custody.verify().ok


@pytest.mark.parametrize(
    ("statement", "broken"),
    [
        ("UPDATE custody_entry SET actor = 'mallory' WHERE seq = 3", 3),
        ('UPDATE custody_entry SET details = \'{"note": "changed"}\' WHERE seq = 4', 4),
        ("DELETE FROM custody_entry WHERE seq = 2", 3),
        ("UPDATE custody_entry SET entry_hash = prev_hash WHERE seq = 5", 5),
    ],
)
def test_tampering_is_pinpointed(app: IdolGuard, statement: str, broken: int) -> None:
    _fill(app)
    _drop_guards(app)
    with app.database.engine.begin() as conn:
        conn.execute(text(statement))
    report = app.custody.verify()
    assert not report.ok and report.chain.first_broken == broken
    assert report.problems()


def test_truncating_the_tail_is_detected(app: IdolGuard) -> None:
    _fill(app)
    _drop_guards(app)
    with app.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM custody_entry WHERE seq >= 5"))
    report = app.custody.verify()
    assert not report.ok
    assert "removed from the end" in " ".join(report.problems())


def test_anchor_timestamps_the_head(app: IdolGuard, tsa: LoopbackTSA) -> None:
    _fill(app, 3)
    anchor = app.custody.anchor(TimestampClient(tsa.url), actor=ACTOR)
    assert anchor.seq == 3
    report = app.custody.verify(tsa.ca_pem)
    assert report.ok and report.anchors_checked == 1
    # Rewriting history before the anchor, even with every hash recomputed, breaks it.
    _drop_guards(app)
    with app.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM custody_entry"))
        conn.execute(text("UPDATE custody_head SET seq = 0, entry_hash = :z"), {"z": "0" * 64})
    _fill(app, 4)  # a fresh, internally consistent chain
    report = app.custody.verify(tsa.ca_pem)
    assert not report.ok and "timestamped" in " ".join(report.problems())


def _forge(app: IdolGuard, seq: int, prev: str, note: str) -> str:
    """Insert a row with correct hashes, as a forger who knows the format would."""
    from datetime import UTC, datetime

    from idolguard.evidence.chain import content_hash, link_hash
    from idolguard.storage.models import CustodyEntry

    at = datetime(2024, 5, 1, 9, 32, tzinfo=UTC)
    details = {"note": note}
    content = content_hash(seq, at, "forger", "view", "item:x", details)
    entry = link_hash(seq, prev, content)
    with app.database.session() as session:
        session.add(
            CustodyEntry(
                seq=seq,
                at=at,
                actor="forger",
                action="view",
                subject="item:x",
                details=details,
                content_hash=content,
                prev_hash=prev,
                entry_hash=entry,
            )
        )
    return entry


def test_appended_forged_row_is_named_as_appended_not_removed(app: IdolGuard) -> None:
    """Found item 8: a well-forged appended row was reported as 'removed from the end'."""
    _fill(app, 4)
    seq, head = app.custody.head()
    _forge(app, seq + 1, head, "forged")
    report = app.custody.verify()
    text_ = " ".join(report.problems())
    assert not report.ok and report.chain.ok  # the chain itself is consistent: only the head
    assert "appended" in text_ and "forged" in text_, text_
    assert "removed" not in text_, text_


def test_appended_row_with_bad_hashes_is_named_as_appended(app: IdolGuard) -> None:
    _fill(app, 4)
    with app.database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO custody_entry (seq, at, actor, action, subject, details, "
                "content_hash, prev_hash, entry_hash) SELECT 5, at, actor, action, subject, "
                "details, content_hash, entry_hash, entry_hash FROM custody_entry WHERE seq = 4"
            )
        )
    report = app.custody.verify()
    text_ = " ".join(report.problems())
    assert not report.ok and report.chain.first_broken == 5
    assert "a forged row was appended" in text_, text_


@pytest.mark.parametrize(
    ("statements", "words"),
    [
        (["UPDATE custody_entry SET actor = 'mallory' WHERE seq = 3"], "edited"),
        (["DELETE FROM custody_entry WHERE seq = 3"], "entry 3 removed"),
        (
            [
                "UPDATE custody_entry SET seq = 100 WHERE seq = 3",
                "UPDATE custody_entry SET seq = 3 WHERE seq = 4",
                "UPDATE custody_entry SET seq = 4 WHERE seq = 100",
            ],
            "written as entry 4, so rows were reordered",
        ),
        (["DELETE FROM custody_entry WHERE seq >= 5"], "removed from the end"),
    ],
    ids=["edited", "removed", "reordered", "tail-removed"],
)
def test_each_tamper_is_named_for_what_was_seen(
    app: IdolGuard, statements: list[str], words: str
) -> None:
    _fill(app)
    _drop_guards(app)
    with app.database.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    report = app.custody.verify()
    assert not report.ok
    assert words in " ".join(report.problems()), report.problems()
