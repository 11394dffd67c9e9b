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
