"""Database schema. Changes here need an Alembic revision in ``migrations/versions``.

One concept, kept whole: the tables and their constraints are read together by every
migration and by reviewers of one, so splitting them by area would hide the relations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from idolguard.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend.

    SQLite has no time zones; without this, values read back naive and
    comparisons with aware datetimes fail. Evidence times must be unambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Media(Base):
    """One distinct piece of content, identified by the SHA-256 of its bytes."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(8))
    format: Mapped[str | None] = mapped_column(String(16))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    original_stored: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanRun(Base):
    __tablename__ = "scan_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="running")
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    files_analysed: Mapped[int] = mapped_column(Integer, default=0)
    files_cached: Mapped[int] = mapped_column(Integer, default=0)
    files_failed: Mapped[int] = mapped_column(Integer, default=0)
    # Liveness: the process running the scan and when it last made progress. A run
    # still "running" whose process is gone is marked "interrupted" (see AnalysisStore).
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None] = mapped_column()


class Sighting(Base):
    """Where and when a file was seen. Every sighting is kept even when the content is known."""

    __tablename__ = "sighting"
    # Not unique: one page (a post, a gallery) shows many files, and each is its own
    # sighting at that location. A scan records a path once (the store looks it up
    # by this index first) and a monitored entry once (looked up by ``entry_id``).
    __table_args__ = (Index("ix_sighting_scan_location", "scan_id", "location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan_run.id", ondelete="CASCADE"))
    media_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    location: Mapped[str] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)  # a plain sentence
    # The decoder's exception text behind error_message, for debugging only.
    error_detail: Mapped[str | None] = mapped_column(Text)
    # Set when a monitored source found it: which source, which entry, and what
    # the source said about it (post, uploader, caption, posted time, fetch record).
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_source.id", ondelete="SET NULL"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitor_entry.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[dict[str, Any] | None] = mapped_column()


class AnalysisResult(Base):
    """The output of one signal (at one version) on one piece of content."""

    __tablename__ = "analysis_result"
    __table_args__ = (
        UniqueConstraint("media_sha256", "signal", "signal_version", name="uq_result_signal"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256", ondelete="CASCADE"))
    signal: Mapped[str] = mapped_column(String(64))
    signal_version: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bank(Base):
    """A named list of content: ``block`` for confirmed harmful, ``allow`` for known-benign."""

    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="block")
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on the banks that reviews fill: confirmed items of an artist land in its bank.
    # A soft link (no foreign key: SQLite cannot add one to an existing table without a
    # rebuild that would cascade-delete the bank's contents); removing an artist clears it.
    artist_id: Mapped[int | None] = mapped_column(Integer)
    # Set on banks filled by a subscription to another agency's published bank (a URL
    # naming the publisher): only that publisher's feed may change their contents.
    origin: Mapped[str | None] = mapped_column(Text)
    # Bumped whenever hashes are deleted from the bank, so matchers in other processes
    # know to rebuild their indexes (additions they pick up by id).
    purged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    contents: Mapped[list[BankContent]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class BankContent(Base):
    __tablename__ = "bank_content"
    __table_args__ = (UniqueConstraint("bank_id", "content_id", name="uq_bank_content_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("bank.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[str] = mapped_column(String(128))
    label: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    media_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bank: Mapped[Bank] = relationship(back_populates="contents")
    signals: Mapped[list[BankSignal]] = relationship(
        back_populates="content", cascade="all, delete-orphan", passive_deletes=True
    )


class BankSignal(Base):
    """One hash of banked content. PDQ entries hold one row per flip/rotation variant."""

    __tablename__ = "bank_signal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_pk: Mapped[int] = mapped_column(
        ForeignKey("bank_content.id", ondelete="CASCADE"), index=True
    )
    signal_type: Mapped[str] = mapped_column(String(16))
    variant: Mapped[str] = mapped_column(String(16), default="original")
    # Not indexed: vPDQ values run to kilobytes (over PostgreSQL's btree row limit), and
    # lookups by value happen in BankService's in-memory indexes.
    value: Mapped[str] = mapped_column(Text)
    quality: Mapped[int | None] = mapped_column(Integer)

    content: Mapped[BankContent] = relationship(back_populates="signals")


class Artist(Base):
    """A protected person on the roster."""

    __tablename__ = "artist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    group_name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    aliases: Mapped[list[ArtistAlias]] = relationship(
        back_populates="artist", cascade="all, delete-orphan", passive_deletes=True
    )
    photos: Mapped[list[ArtistPhoto]] = relationship(
        back_populates="artist", cascade="all, delete-orphan", passive_deletes=True
    )


class ArtistAlias(Base):
    """Another name the artist is found under: Hangul, romanisations, nicknames, group tags.

    ``folded`` is the alias NFKC-normalised and case-folded, so a search for
    "JENNIE" or full-width "jennie" finds "Jennie" and Hangul is compared as composed syllables.
    """

    __tablename__ = "artist_alias"
    __table_args__ = (UniqueConstraint("artist_id", "folded"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    folded: Mapped[str] = mapped_column(String(200), index=True)

    artist: Mapped[Artist] = relationship(back_populates="aliases")


class ArtistPhoto(Base):
    """A reference photo; the original is kept in the blob store so templates can be rebuilt."""

    __tablename__ = "artist_photo"
    __table_args__ = (UniqueConstraint("artist_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    artist: Mapped[Artist] = relationship(back_populates="photos")
    templates: Mapped[list[FaceTemplate]] = relationship(
        back_populates="photo", cascade="all, delete-orphan", passive_deletes=True
    )


class FaceTemplate(Base):
    """One photo's face embedding under one backend version (spaces never mix)."""

    __tablename__ = "face_template"
    __table_args__ = (UniqueConstraint("photo_id", "backend"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("artist_photo.id", ondelete="CASCADE"), index=True
    )
    backend: Mapped[str] = mapped_column(String(64), index=True)  # "name@version"
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    face: Mapped[dict[str, Any]] = mapped_column(default=dict)  # box, det_score, quality
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    photo: Mapped[ArtistPhoto] = relationship(back_populates="templates")


class FaceContext(Base):
    """A reference photo's outer-head feature (hair, ears, outline), for identity consistency.

    Computed once per photo and feature version (which names the face backend whose
    landmarks placed the crop), the first time a scan needs it: a CLIP embedding
    costs a tenth of a second, too much to repeat for the whole roster on every scan.
    """

    __tablename__ = "face_context"
    __table_args__ = (UniqueConstraint("photo_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("artist_photo.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(64), index=True)  # "ctx1/arcface@3"
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """An incident concerning one artist: the unit lawyers export and regulators receive."""

    __tablename__ = "case_file"  # "case" is an SQL keyword

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    artist_id: Mapped[int | None] = mapped_column(
        ForeignKey("artist.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Item(Base):
    """One piece of content seen at one location, and where it stands in review and takedown."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("media_sha256", "location", name="uq_item_media_location"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), index=True)
    location: Mapped[str] = mapped_column(Text)  # the source URL, or the local path when none
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # url, final_url, platform, ...
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), index=True
    )
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artist.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    origin: Mapped[str] = mapped_column(String(16))  # scan, retro-match, manual, capture, report
    reporter: Mapped[str] = mapped_column(String(16), default="system")  # system, staff, fan
    reporter_contact: Mapped[str | None] = mapped_column(Text)  # minimal; purged by retention
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemEvent(Base):
    """One step of an item's lifecycle: who moved it, when, from where to where, and why."""

    __tablename__ = "item_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)


class Evidence(Base):
    """An evidence manifest: the exact canonical JSON bytes that were hashed and timestamped."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    manifest: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    operator: Mapped[str] = mapped_column(String(200))
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)
    timestamp_time: Mapped[datetime | None] = mapped_column()
    tsa_url: Mapped[str | None] = mapped_column(Text)
    timestamp_error: Mapped[str | None] = mapped_column(Text)


class CustodyEntry(Base):
    """One link of the hash-chained chain-of-custody log (append-only; triggers refuse edits)."""

    __tablename__ = "custody_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class CustodyHead(Base):
    """The single row naming the newest entry.

    Appenders update it first, which serialises them on SQLite and PostgreSQL
    alike, and verification compares it with the chain, so a truncated tail shows.
    """

    __tablename__ = "custody_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    entry_hash: Mapped[str] = mapped_column(String(64))


class CustodyAnchor(Base):
    """An RFC 3161 timestamp over the chain's head: after it, rewriting history is evident."""

    __tablename__ = "custody_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    token: Mapped[bytes] = mapped_column(LargeBinary)
    gen_time: Mapped[datetime] = mapped_column()
    tsa_url: Mapped[str] = mapped_column(Text)


class Notice(Base):
    """A takedown notice: its regime, recipient, exact text, and where it stands."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(48), unique=True)  # IG-2026-0001-N01
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    regime: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webform
    recipient: Mapped[str] = mapped_column(Text)  # e-mail address or form URL
    language: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    follow_up_of: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="SET NULL"))
    auto: Mapped[bool] = mapped_column(Boolean, default=False)  # drafted by re-upload watch
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    valid_at: Mapped[datetime | None] = mapped_column()  # when the deadline clock started
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    reference: Mapped[str | None] = mapped_column(Text)  # the platform's ticket number
    message_id: Mapped[str | None] = mapped_column(Text)
    sent_sha256: Mapped[str | None] = mapped_column(String(64))  # the e-mail or package as sent
    last_error: Mapped[str | None] = mapped_column(Text)


class NoticeItem(Base):
    """An item a notice names, and when its URL was seen gone."""

    __tablename__ = "notice_item"
    __table_args__ = (UniqueConstraint("notice_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column()


class NoticeEvent(Base):
    __tablename__ = "notice_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class UrlCheck(Base):
    """One liveness check of an item's URL: the record behind every removal time."""

    __tablename__ = "url_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # live | removed | inconclusive
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    comparison: Mapped[str | None] = mapped_column(String(16))
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)


class MonitorSource(Base):
    """A place IdolGuard looks at on a schedule, and how far it has read (the cursor)."""

    __tablename__ = "monitor_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    every_seconds: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cursor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed runs
    runs: Mapped[int] = mapped_column(Integer, default=0)


class MonitorEntry(Base):
    """One thing a source listed, by key: the seen-set that makes monitoring resumable.

    ``pending`` rows are work started but not finished (a crash): the next run
    picks them up. ``done`` rows are never fetched again; ``failed`` rows are
    retried on later runs until ``attempts`` runs out.
    """

    __tablename__ = "monitor_entry"
    __table_args__ = (UniqueConstraint("source_id", "key_hash", name="uq_monitor_entry_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_source.id", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(Text)
    found: Mapped[dict[str, Any]] = mapped_column(default=dict)  # to retry without re-listing
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    media_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    times_listed: Mapped[int] = mapped_column(Integer, default=1)


class Tenant(Base):
    """An agency sharing this installation. Its data lives in a database of its own.

    Separate databases (and evidence stores) make isolation structural: no
    query can forget a tenant filter, and each agency's custody chain and
    bundles stand alone. This table, with the accounts below, is the control
    plane and lives only in the installation's main database.
    """

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    database_url: Mapped[str | None] = mapped_column(Text)  # None: SQLite in the tenant's folder
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, encoded with its parameters
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_login_at: Mapped[datetime | None] = mapped_column()


class Membership(Base):
    """A user's role in one tenant; one role per (user, tenant)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id", name="uq_membership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class ApiToken(Base):
    """A bearer token for the API, bound to one user in one tenant. Only its hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(
        String(16)
    )  # shown in lists, so people can tell tokens apart
    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its hash is stored."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class FanReport(Base):
    """A fan's report of content (a URL and/or a file), checked later with its number and PIN.

    Only the PIN's argon2id hash is kept. ``item_id`` is the review item the
    report opened or joined; a URL-only report has none until staff capture it.
    """

    __tablename__ = "fan_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # R-XXXXXXXX
    pin_hash: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", ondelete="SET NULL"), index=True
    )
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artist.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(Text)  # normalised (no fragment)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)  # minimal; only when the fan gives it
    language: Mapped[str] = mapped_column(String(8), default="ko")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("fan_report.id", ondelete="SET NULL")
    )
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    # The last failed capture of a URL-only report (cleared when one succeeds),
    # so staff see why it still waits and can retry.
    capture_failed_at: Mapped[datetime | None] = mapped_column()
    capture_error_code: Mapped[str | None] = mapped_column(String(32))
    capture_error: Mapped[str | None] = mapped_column(Text)
    # What the fan reports: "content" (a post, photo or video) or "account" (a profile
    # that impersonates the artist; captured through the impersonation check).
    subject: Mapped[str] = mapped_column(String(16), default="content", server_default="content")


class PortalBlock(Base):
    """One piece of an agency's own text on its public portal pages, in one language.

    ``html`` is stored already sanitised (``domain.portal.sanitise_html``), so a
    page can show it as it is; it is sanitised again when shown, in case the
    allow-list was tightened since it was saved.
    """

    __tablename__ = "portal_block"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_portal_block_key_language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32))  # "statement" | "contact" | "artists"
    language: Mapped[str] = mapped_column(String(8))  # "ko" | "en"
    html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)


class AgencySenderField(Base):
    """One of an agency's notice-sender settings (who signs its notices), as an admin set it.

    Stored per agency (each agency has its own database); a field not stored
    here falls back to the installation's ``[notices]`` setting.
    """

    __tablename__ = "agency_sender"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. "sender_name"
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(Text)


class ExchangeEntry(Base):
    """One published hash of a bank, as partners fetch it; a withdrawn one stays as a tombstone.

    ``seq`` grows with every change of the bank's feed (publish, re-label, withdrawal),
    so a fetcher asks for "changes after the seq I saw last" and gets updates and
    deletions in order: pytx's incremental checkpoint. Writers of one feed serialise on
    its ``exchange_publication`` row.
    """

    __tablename__ = "exchange_entry"
    __table_args__ = (
        UniqueConstraint("bank_name", "signal_type", "signal_key", name="uq_exchange_signal"),
        Index("ix_exchange_entry_feed", "bank_name", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(128))
    signal_type: Mapped[str] = mapped_column(String(16))
    signal_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the value (vPDQ is long)
    value: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text, default="")  # comma-separated labels (cheap to read)
    seq: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExchangePublication(Base):
    """A bank someone with the right role chose to share, and the labels partners see."""

    __tablename__ = "exchange_publication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(128), unique=True)
    tags: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"tags": [...]}
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()


class ExchangeToken(Base):
    """A bearer token for one bank's exchange feed, scoped ``read`` or ``publish``; hash only."""

    __tablename__ = "exchange_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(128), index=True)
    scope: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class ExchangeSubscription(Base):
    """Another agency's published bank this agency pulls into a bank of its own."""

    __tablename__ = "exchange_subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_bank: Mapped[str] = mapped_column(String(128), unique=True)
    url: Mapped[str] = mapped_column(Text)  # the publisher's server
    agency: Mapped[str] = mapped_column(String(40))
    remote_bank: Mapped[str] = mapped_column(String(128))
    token: Mapped[str] = mapped_column(Text)  # the publisher's read token for that bank
    after_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_fetch_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfficialHandle(Base):
    """An artist's own account on one platform: the impersonation allow-list.

    ``handle`` is kept normalised (no leading @, case-folded), so "@Haneul" and
    "haneul" are one entry; a profile with this handle on this platform is
    never flagged as an impersonator.
    """

    __tablename__ = "official_handle"
    __table_args__ = (UniqueConstraint("platform", "handle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artist.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(64))
    handle: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitHit(Base):
    """One counted web request for a rate limit, shared by every web worker process.

    ``serve --workers N`` runs N processes; a limit kept in each one's memory would
    let a client make N times the allowed attempts. Rows older than their window
    are deleted as new hits come in.
    """

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_key", "bucket", "client", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[float] = mapped_column(Float)  # seconds since the epoch
