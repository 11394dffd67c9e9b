"""Evidence timestamps against a real TSA, retries, and encryption at rest."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from idolguard.app import IdolGuard
from idolguard.config import Settings
from idolguard.evidence.bundle import verify_bundle
from idolguard.evidence.timestamp import verify_timestamp
from tests.helpers import sample
from tests.tsa import LoopbackTSA

ACTOR = "lawyer@test"


def _with_tsa(settings: Settings, tsa: LoopbackTSA) -> Settings:
    evidence = replace(settings.evidence, tsa_url=tsa.url, tsa_roots_file=str(tsa.ca_path))
    return replace(settings, evidence=evidence, operator=ACTOR)


def test_manifests_are_timestamped_and_verify(settings: Settings, tsa: LoopbackTSA) -> None:
    with IdolGuard(_with_tsa(settings, tsa)) as app:
        opened = app.intake.add_file(sample("rocket.jpg"), actor=ACTOR, source={"url": "u"})
        (record,) = app.evidence.for_item(opened.item_id)
        assert record.timestamp_token is not None and record.timestamp_error is None
        check = verify_timestamp(record.timestamp_token, record.manifest, roots_pem=tsa.ca_pem)
        assert check.valid and check.trusted
        assert "timestamp" in [e.action for e in app.custody.entries()]


def test_unreachable_tsa_is_recorded_and_retried(settings: Settings, tsa: LoopbackTSA) -> None:
    tsa.mode = "http500"
    try:
        with IdolGuard(_with_tsa(settings, tsa)) as app:
            opened = app.intake.add_file(sample("coffee.jpg"), actor=ACTOR)
            (record,) = app.evidence.for_item(opened.item_id)
            assert record.timestamp_token is None and "500" in (record.timestamp_error or "")
            tsa.mode = "ok"
            (retried,) = app.evidence.stamp_pending(actor=ACTOR)
            assert retried.timestamp_token is not None and retried.timestamp_error is None
            assert app.evidence.stamp_pending(actor=ACTOR) == []
    finally:
        tsa.mode = "ok"


def test_originals_encrypted_at_rest_still_export_verifiably(
    settings: Settings, tmp_path: Path
) -> None:
    key = bytes(range(32))
    with IdolGuard(replace(settings, evidence_key=key, operator=ACTOR)) as app:
        opened = app.intake.add_file(sample("astronaut.jpg"), actor=ACTOR, source={"url": "u"})
        item = app.cases.get_item(opened.item_id)
        stored = app.blobs.path_for(item.sha256).read_bytes()
        assert sample("astronaut.jpg").read_bytes()[:2000] not in stored
        app.review.confirm(opened.item_id, actor=ACTOR, reason="deepfake")  # hashes a sealed copy
        assert app.evidence.check_originals() == []
        out = tmp_path / "case.zip"
        app.exporter().export(
            app.cases.get_item(opened.item_id).case_number or "", out, actor=ACTOR
        )
    result = verify_bundle(out)
    assert result.ok, result.to_json()["problems"]
