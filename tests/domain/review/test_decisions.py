"""Items, cases, review decisions, retroactive matching and retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update

from idolguard.app import IdolGuard
from idolguard.domain.cases import CaseError
from idolguard.domain.review.decisions import block_bank_name
from idolguard.storage.models import Item
from tests.helpers import sample

ACTOR = "reviewer@test"


def _reupload(source: Path, target: Path) -> Path:
    """A typical re-upload: half size, recompressed."""
    with Image.open(source) as image:
        image.resize((image.width // 2, image.height // 2)).save(target, quality=70)
    return target


def _open_manual(app: IdolGuard, path: Path, url: str) -> int:
    opened = app.intake.add_file(
        path, actor=ACTOR, source={"url": url, "platform": "example", "uploader": "@someone"}
    )
    assert opened.created and opened.evidence_id is not None
    return opened.item_id


def test_scan_opens_items_for_block_matches_only(app: IdolGuard, tmp_path: Path) -> None:
    app.banks.add_file(sample("astronaut.jpg"), "confirmed", label="confirmed deepfake")
    folder = tmp_path / "in"
    folder.mkdir()
    _reupload(sample("astronaut.jpg"), folder / "reupload.jpg")
    _reupload(sample("coffee.jpg"), folder / "unrelated.jpg")
    app.scanner(workers=0).run([folder])
    queue = app.cases.queue()
    assert [Path(i.location).name for i in queue] == ["reupload.jpg"]
    item = queue[0]
    assert item.state == "new" and item.risk >= 0.9 and item.origin == "scan"
    # Scanning again re-sees the same item instead of opening a second one.
    app.scanner(workers=0).run([folder])
    assert len(app.cases.queue()) == 1
    actions = [e.action for e in app.custody.entries(subjects={f"item:{item.id}"})]
    assert actions[:2] == ["open", "capture"] and "seen" in actions


def test_allow_listed_files_do_not_open_items(app: IdolGuard, tmp_path: Path) -> None:
    app.banks.add_file(sample("astronaut.jpg"), "confirmed")
    app.banks.add_file(sample("astronaut.jpg"), "sources", allow=True)
    app.scanner(workers=0).run([_reupload(sample("astronaut.jpg"), tmp_path / "r.jpg")])
    assert app.cases.queue() == []


def test_lifecycle_is_enforced_and_every_step_recorded(app: IdolGuard) -> None:
    item_id = _open_manual(app, sample("rocket.jpg"), "https://example.com/p/1")
    with pytest.raises(CaseError, match="can move to"):
        app.cases.transition(item_id, "removed", actor=ACTOR, reason="too early")
    with pytest.raises(CaseError, match="reason"):
        app.cases.transition(item_id, "confirmed", actor=ACTOR, reason=" ")
    claimed = app.cases.claim_next(ACTOR)
    assert claimed is not None and claimed.id == item_id and claimed.assigned_to == ACTOR
    app.review.confirm(item_id, actor=ACTOR, reason="face swap of an enrolled artist")
    app.cases.transition(item_id, "notice_sent", actor=ACTOR, reason="DMCA to example.com")
    app.cases.transition(item_id, "removed", actor=ACTOR, reason="404 since 10:00")
    app.cases.transition(item_id, "reappeared", actor=ACTOR, reason="back at same URL")
    steps = [(e.from_state, e.to_state, e.actor) for e in app.cases.events(item_id)]
    assert steps == [
        (None, "new", ACTOR),
        ("new", "in_review", ACTOR),
        ("in_review", "confirmed", ACTOR),
        ("confirmed", "notice_sent", ACTOR),
        ("notice_sent", "removed", ACTOR),
        ("removed", "reappeared", ACTOR),
    ]
    assert app.custody.verify().ok


def test_confirm_banks_files_a_case_and_rematches_what_was_seen_before(
    app: IdolGuard, tmp_path: Path
) -> None:
    folder = tmp_path / "earlier"
    folder.mkdir()
    _reupload(sample("astronaut.jpg"), folder / "old-reupload.jpg")
    app.scanner(workers=0).run([folder])
    assert app.cases.queue() == []  # nothing known yet: no item

    item_id = _open_manual(app, sample("astronaut.jpg"), "https://example.com/v/42")
    confirmed = app.review.confirm(item_id, actor=ACTOR, reason="confirmed deepfake")
    assert confirmed.state == "confirmed" and confirmed.case_number is not None

    banks = {b.name: b for b in app.banks.list_banks()}
    assert banks[block_bank_name(None)].contents == 1
    reopened = [i for i in app.cases.queue() if i.origin == "retro-match"]
    assert [Path(i.location).name for i in reopened] == ["old-reupload.jpg"]
    assert reopened[0].parent_id == item_id
    assert reopened[0].case_number == confirmed.case_number  # joins the original's case
    assert reopened[0].risk >= 0.7


def test_dismiss_with_allow_list(app: IdolGuard) -> None:
    item_id = _open_manual(app, sample("chelsea.jpg"), "https://example.com/official")
    view = app.review.dismiss(item_id, actor=ACTOR, reason="official photo", allow_list=True)
    assert view.state == "dismissed"
    kinds = {b.name: b.kind for b in app.banks.list_banks()}
    assert kinds.get("sources") == "allow"


def test_cases_attach_and_lookup(app: IdolGuard) -> None:
    case = app.cases.create_case("Deepfake clips on example.com", actor=ACTOR)
    assert case.number.startswith("IG-") and app.cases.get_case(case.number.lower()).id == case.id
    item_id = _open_manual(app, sample("coffee.jpg"), "https://example.com/c")
    app.cases.attach(item_id, case.number, actor=ACTOR, reason="same uploader")
    assert app.cases.get_case(case.id).item_counts == {"new": 1}
    with pytest.raises(CaseError, match="no case"):
        app.cases.get_case("IG-1999-0001")


def test_preview_is_blurred_unless_revealed_and_both_are_logged(app: IdolGuard) -> None:
    item_id = _open_manual(app, sample("astronaut.jpg"), "https://example.com/a")
    blurred = app.review.preview(item_id, actor=ACTOR)
    revealed = app.review.preview(item_id, actor=ACTOR, reveal=True)
    with Image.open(blurred) as b, Image.open(revealed) as r:
        grey = np.asarray(b.convert("RGB")).astype(int)
        assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all()
        detail_revealed = np.abs(np.diff(np.asarray(r.convert("L")).astype(int), axis=1)).mean()
        detail_blurred = np.abs(np.diff(np.asarray(b.convert("L")).astype(int), axis=1)).mean()
        assert detail_revealed > 3 * detail_blurred
    assert not str(blurred).startswith(str(app.settings.blob_dir))  # a working copy
    actions = [e.action for e in app.custody.entries(subjects={f"item:{item_id}"})]
    assert actions.count("view") == 1 and actions.count("reveal") == 1


def test_evidence_manifest_records_source_capture_and_analysis(app: IdolGuard) -> None:
    item_id = _open_manual(app, sample("rocket.jpg"), "https://example.com/p/9")
    (record,) = app.evidence.for_item(item_id)
    manifest = json.loads(record.manifest)
    assert manifest["media"]["sha256"] == app.cases.get_item(item_id).sha256
    assert manifest["source"]["url"] == "https://example.com/p/9"
    assert manifest["source"]["uploader"] == "@someone"
    assert manifest["capture"]["operator"] == ACTOR and manifest["capture"]["tool"] == "IdolGuard"
    assert manifest["analysis"]["pdq"]["version"] and "thresholds" in manifest
    assert manifest["original"]["stored"] is True
    assert "embedding" not in record.manifest.decode()
    capture = [e for e in app.custody.entries() if e.action == "capture"]
    assert capture[-1].details["manifest_sha256"] == record.manifest_sha256


def test_retention_deletes_expired_items_and_logs_it(app: IdolGuard) -> None:
    item_id = _open_manual(app, sample("coffee.jpg"), "https://example.com/x")
    app.review.dismiss(item_id, actor=ACTOR, reason="not our artist")
    sha256 = app.cases.get_item(item_id).sha256
    assert app.retention.apply(actor=ACTOR, dry_run=True).deleted_items == []
    with app.database.session() as session:
        old = app.cases.get_item(item_id).state_changed_at - timedelta(days=400)
        session.execute(update(Item).where(Item.id == item_id).values(state_changed_at=old))
    dry = app.retention.apply(actor=ACTOR, dry_run=True)
    assert dry.deleted_items == [item_id] and app.cases.get_item(item_id)
    report = app.retention.apply(actor=ACTOR)
    assert report.deleted_items == [item_id] and report.deleted_originals == [sha256]
    assert not app.blobs.contains(sha256)
    with app.database.session() as session:
        assert session.scalar(select(Item).where(Item.id == item_id)) is None
    deletions = [e for e in app.custody.entries() if e.action == "delete"]
    assert {d.details.get("sha256") for d in deletions} == {sha256}
    assert app.custody.verify().ok
