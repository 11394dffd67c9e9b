"""Exporting a case as an evidence bundle (see ``evidence.bundle`` for the format)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from idolguard import __version__
from idolguard.clock import utc_iso, utcnow
from idolguard.config import Settings
from idolguard.domain.cases import CaseService, ItemView
from idolguard.domain.custody.capture import EvidenceService, EvidenceView
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.takedowns import NoticeService
from idolguard.evidence.bundle import MANIFEST, MANIFEST_TSR, build_manifest, write_zip
from idolguard.evidence.canonical import canonical_json, sha256_hex
from idolguard.evidence.case_report import (
    CaseReport,
    ReportEvent,
    ReportItem,
    ReportScore,
    render_report,
)
from idolguard.evidence.previews import first_picture, render_preview
from idolguard.evidence.timestamp import TimestampClient, TimestampError, token_certificates_pem
from idolguard.media import MediaError
from idolguard.media.digests import file_digests
from idolguard.signals.registry import presentation_for
from idolguard.storage.blobs import BlobStore

VERIFY_TEXT = """How to verify this bundle / 이 번들을 검증하는 방법
=================================================

With IdolGuard:    idolguard verify {name} [--tsa-roots tsa-root.pem]

Without IdolGuard (any machine with sha256sum and OpenSSL):
1. Unzip. Every file's SHA-256 is listed in manifest.json; compare with `sha256sum`.
2. If manifest.tsr exists, it is an RFC 3161 timestamp over manifest.json:
   openssl ts -verify -in manifest.tsr -data manifest.json -CAfile <the TSA's root certificate>
3. Each evidence/item-*.json was hashed and logged when captured; its .tsr (if any):
   openssl ts -verify -in evidence/item-N-M.tsr -data evidence/item-N-M.json -CAfile <root>
4. The original's SHA-256 and MD5 (`sha256sum`, `md5sum` on originals/*) must equal
   "media.sha256" and "media.md5" in its evidence manifest.
5. custody/log.jsonl is a hash chain: see README "Chain of custody" for the formula.

tsa/ holds the certificates found in the tokens (and the configured roots, if any);
trust them only after checking them against the TSA's published root.
"""

EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "mp4": "mp4"}


def _score_list(results: dict[str, Any]) -> list[ReportScore]:
    """Every signal score the record holds, for the PDF's score table.

    Each signal says which rows it gives and what they mean (``Signal.report_scores``);
    results of a signal no plug-in lists are shown the default way (name and score).
    """
    shown = sorted(
        ((presentation_for(name), result) for name, result in results.items()),
        key=lambda pair: (pair[0].display_order, pair[0].name),
    )
    return [
        score
        for kind, result in shown
        if isinstance(result, dict)
        for score in kind.report_scores(result)
    ]


class BundleExporter:
    def __init__(
        self,
        settings: Settings,
        cases: CaseService,
        evidence: EvidenceService,
        custody: CustodyLog,
        blobs: BlobStore,
        timestamp_client: TimestampClient | None,
        notices: NoticeService | None = None,
    ) -> None:
        self.notices = notices
        self.settings = settings
        self.cases = cases
        self.evidence = evidence
        self.custody = custody
        self.blobs = blobs
        self.timestamp_client = timestamp_client

    def export(
        self, case_ref: str, out: Path, *, actor: str, overwrite: bool = False
    ) -> dict[str, Any]:
        """Write the case's bundle to ``out``, all or nothing.

        An existing ``out`` is refused unless ``overwrite`` (a bundle already
        handed to a lawyer must not be replaced by accident). The bundle is
        written to a temporary file beside ``out`` and renamed into place, so a
        failed export leaves neither a half-written bundle nor its temporary file.
        """
        if not overwrite and out.exists():
            raise FileExistsError(f"{out} already exists")
        case = self.cases.get_case(case_ref)
        items = self.cases.list_items(case=case.number)
        if not items:
            raise ValueError(f"case {case.number} has no items to export")
        files: dict[str, bytes | Path] = {}
        report_items: list[ReportItem] = []
        manifest_items: list[dict[str, Any]] = []
        roots: list[bytes] = []
        temp_paths: list[Path] = []
        try:
            for item in items:
                entry, report_item = self._item(item, files, roots, temp_paths)
                manifest_items.append(entry)
                if report_item is not None:
                    report_items.append(report_item)
            notice_subjects = self._notices(case.number, files)
            subjects = {f"case:{case.id}"} | {f"item:{i.id}" for i in items} | notice_subjects
            entries = list(self.custody.entries())
            log = b"".join(
                canonical_json(e.to_json() if e.subject in subjects else e.redacted()) + b"\n"
                for e in entries
            )
            files["custody/log.jsonl"] = log
            head = entries[-1].entry_hash if entries else "0" * 64
            generated = utcnow()
            report = CaseReport(
                case_number=case.number,
                title=case.title,
                artist=case.artist,
                status=case.status,
                opened_at=case.created_at,
                generated_at=generated,
                generated_by=actor,
                tool=f"IdolGuard {__version__}",
                custody_head=head,
                custody_entries=len(entries),
                items=report_items,
            )
            files["report.pdf"] = render_report(report)
            files["VERIFY.txt"] = VERIFY_TEXT.format(name=out.name).encode("utf-8")
            for index, pem in enumerate(dict.fromkeys(roots)):
                files[f"tsa/certificate-{index + 1}.pem"] = pem
            header = {
                "case": case.to_json(),
                "created_at": utc_iso(generated),
                "created_by": actor,
                "tool": f"IdolGuard {__version__}",
                "items": manifest_items,
                "notices": sorted(n for n in files if n.startswith("notices/")),
                "custody": {"entries": len(entries), "head": head},
            }
            manifest_bytes, _ = build_manifest(files, header)
            members: dict[str, bytes | Path] = {**files, MANIFEST: manifest_bytes}
            timestamp_note = None
            if self.timestamp_client is not None:
                try:
                    members[MANIFEST_TSR] = self.timestamp_client.stamp(manifest_bytes).response_der
                except TimestampError as exc:
                    timestamp_note = str(exc)
            out.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".bundle-", dir=out.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    write_zip(fh, members)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp_name, out)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        finally:
            for path in temp_paths:
                path.unlink(missing_ok=True)
        summary = {
            "case": case.number,
            "bundle": str(out),
            "items": len(items),
            "manifest_sha256": sha256_hex(manifest_bytes),
            "bundle_sha256": file_digests(out)[0],
            "timestamped": MANIFEST_TSR in members,
            "timestamp_error": timestamp_note,
        }
        self.custody.record(
            actor=actor, action="export", subject=f"case:{case.id}", details=summary
        )
        return summary

    def _notices(self, case_number: str, files: dict[str, bytes | Path]) -> set[str]:
        """The case's takedown notices: their record and, once e-mailed, the message as sent."""
        if self.notices is None:
            return set()
        subjects: set[str] = set()
        for view in self.notices.list_notices(case=case_number, events=True):
            files[f"notices/{view.number}.json"] = canonical_json(view.to_json())
            if (
                view.sent_sha256
                and view.channel == "email"
                and self.blobs.contains(view.sent_sha256)
            ):
                files[f"notices/{view.number}.eml"] = b"".join(self.blobs.chunks(view.sent_sha256))
            subjects.add(f"notice:{view.id}")
        return subjects

    def _item(
        self,
        item: ItemView,
        files: dict[str, bytes | Path],
        roots: list[bytes],
        temp_paths: list[Path],
    ) -> tuple[dict[str, Any], ReportItem | None]:
        records = self.evidence.for_item(item.id)
        entry: dict[str, Any] = {"id": item.id, "sha256": item.sha256, "evidence": []}
        latest: dict[str, Any] = json.loads(records[-1].manifest) if records else {}
        original_name = None
        if self.blobs.contains(item.sha256):
            fmt = str((latest.get("media") or {}).get("format") or "bin").lower()
            original_name = f"originals/{item.sha256}.{EXTENSIONS.get(fmt, fmt[:8] or 'bin')}"
            if original_name not in files:
                fd, name = tempfile.mkstemp(prefix="idolguard-export-")
                with os.fdopen(fd, "wb") as fh:
                    for chunk in self.blobs.chunks(item.sha256):
                        fh.write(chunk)
                temp_paths.append(Path(name))
                files[original_name] = Path(name)
        entry["original"] = original_name
        for index, record in enumerate(records, start=1):
            base = f"evidence/item-{item.id}-{index}"
            files[f"{base}.json"] = record.manifest
            token_name = None
            if record.timestamp_token is not None:
                token_name = f"{base}.tsr"
                files[token_name] = record.timestamp_token
                roots.extend(token_certificates_pem(record.timestamp_token))
            entry["evidence"].append(
                {
                    "manifest": f"{base}.json",
                    "sha256": record.manifest_sha256,
                    "timestamp": token_name,
                }
            )
        if not records:
            return entry, None
        return entry, self._report_item(item, records, latest, files, original_name)

    def _report_item(
        self,
        item: ItemView,
        records: list[EvidenceView],
        manifest: dict[str, Any],
        files: dict[str, bytes | Path],
        original_name: str | None,
    ) -> ReportItem:
        """``manifest`` is the parsed manifest of ``records[-1]``, the latest capture."""
        latest = records[-1]
        results = {k: v.get("result") or {} for k, v in (manifest.get("analysis") or {}).items()}
        explicit = float((results.get("explicit") or {}).get("score") or 0.0)
        blurred = explicit >= self.settings.review.blur_explicit
        thumbnail = None
        if original_name is not None:
            try:
                with self.blobs.local_path(item.sha256) as path:
                    picture = first_picture(path, self.settings.limits, 384)
                thumbnail = render_preview(picture, blur=blurred, max_side=384)
                files[f"previews/item-{item.id}.png"] = thumbnail
            except (MediaError, ValueError, OSError):
                thumbnail = None
        stamped = next((r for r in reversed(records) if r.timestamp_time is not None), None)
        timestamp = (
            f"{stamped.timestamp_time:%Y-%m-%d %H:%M:%S} UTC ({stamped.tsa_url})"
            if stamped is not None and stamped.timestamp_time is not None
            else None
        )
        media = manifest.get("media") or {}
        source = manifest.get("source") or {}
        capture = manifest.get("capture") or {}
        events = [
            ReportEvent(e.at, e.actor, f"{e.from_state or '—'} → {e.to_state}", e.reason)
            for e in self.cases.events(item.id)
        ]
        return ReportItem(
            item_id=item.id,
            state=item.state,
            media_type=str(media.get("media_type") or ""),
            sha256=item.sha256,
            md5=str(media.get("md5") or ""),
            pdq=media.get("pdq"),
            size_bytes=int(media.get("size_bytes") or 0),
            source_url=source.get("url"),
            final_url=source.get("final_url"),
            platform=source.get("platform"),
            uploader=source.get("uploader"),
            page_title=source.get("page_title"),
            captured_at=latest.captured_at,
            operator=latest.operator,
            capture_tool=f"{capture.get('tool', 'IdolGuard')} {capture.get('tool_version', '')}",
            artists=list((results.get("identity") or {}).get("artists") or []),
            scores=_score_list(results),
            reasons=list((results.get("risk") or {}).get("reasons") or []),
            evidence_sha256=latest.manifest_sha256,
            timestamp=timestamp,
            thumbnail_png=thumbnail,
            thumbnail_blurred=blurred,
            events=events,
        )
