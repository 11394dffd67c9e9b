"""Agency to agency: pulling another agency's published bank into a bank of this one.

The subscribed bank is marked with its origin (the publisher's server, agency
and bank). Its hashes match like any other bank's, but nothing here can change
them: ``BankService`` refuses to add to an origin-marked bank, and only the
publisher's feed (updates and withdrawals) does, through ``pull``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from idolguard.clock import utcnow
from idolguard.domain.banks import BANK_NAME, BankService
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.exchange.publishing import ExchangeError, signal_key
from idolguard.exchange.feed_client import FeedError, iter_pages
from idolguard.exchange.formats import SIGNAL_TYPES, BankRecord, normalize_signal
from idolguard.storage.database import Database
from idolguard.storage.models import Bank, ExchangeSubscription


@dataclass(frozen=True)
class PullResult:
    bank: str
    origin: str
    added: int
    removed: int
    checkpoint: int

    def to_json(self) -> dict[str, Any]:
        return {
            "bank": self.bank,
            "origin": self.origin,
            "added": self.added,
            "removed": self.removed,
            "checkpoint": self.checkpoint,
        }


def origin_of(url: str, agency: str, bank: str) -> str:
    return f"{url.rstrip('/')}#{agency}/{bank}"


def subscribed_content_id(signal_type: str, signal: str) -> str:
    """One content per subscribed signal, so a withdrawal removes exactly that hash."""
    return f"{signal_type}-{signal_key(signal)[:32]}"


class SubscriptionService:
    def __init__(self, database: Database, custody: CustodyLog, banks: BankService) -> None:
        self.db = database
        self.custody = custody
        self.banks = banks

    def subscribe(
        self, *, url: str, agency: str, remote_bank: str, token: str, local_bank: str, actor: str
    ) -> str:
        """Record a subscription (nothing is fetched yet: ``pull`` does); returns its origin."""
        if not url.startswith(("http://", "https://")):
            raise ExchangeError(f"the publisher's URL must start with http:// or https://: {url!r}")
        if not BANK_NAME.match(local_bank):
            raise ExchangeError(f"invalid bank name {local_bank!r}")
        origin = origin_of(url, agency, remote_bank)
        with self.db.session() as session:
            bank = session.scalar(select(Bank).where(Bank.name == local_bank))
            if bank is not None and bank.origin != origin:
                raise ExchangeError(
                    f"bank {local_bank!r} already exists: subscribe into a bank of its own"
                )
            found = session.scalar(
                select(ExchangeSubscription).where(ExchangeSubscription.local_bank == local_bank)
            )
            if found is not None:
                raise ExchangeError(f"bank {local_bank!r} already has a subscription")
            session.add(
                ExchangeSubscription(
                    local_bank=local_bank,
                    url=url.rstrip("/"),
                    agency=agency,
                    remote_bank=remote_bank,
                    token=token,
                    after_seq=0,
                )
            )
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{local_bank}",
                details={"event": "subscribe", "origin": origin},
            )
        return origin

    def subscriptions(self) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return [
                {
                    "bank": s.local_bank,
                    "origin": origin_of(s.url, s.agency, s.remote_bank),
                    "checkpoint": s.after_seq,
                    "last_fetch_at": s.last_fetch_at.isoformat() if s.last_fetch_at else None,
                }
                for s in session.scalars(
                    select(ExchangeSubscription).order_by(ExchangeSubscription.local_bank)
                )
            ]

    def pull(
        self, *, actor: str, bank: str | None = None, client: httpx.Client | None = None
    ) -> Iterator[PullResult]:
        """Fetch every subscription (or one) from its checkpoint and apply the changes."""
        with self.db.session() as session:
            query = select(ExchangeSubscription).order_by(ExchangeSubscription.local_bank)
            if bank is not None:
                query = query.where(ExchangeSubscription.local_bank == bank)
            subs = [
                (s.id, s.local_bank, s.url, s.agency, s.remote_bank, s.token, s.after_seq)
                for s in session.scalars(query)
            ]
        if bank is not None and not subs:
            raise ExchangeError(f"no subscription fills bank {bank!r}")
        for sub_id, local, url, agency, remote, token, after in subs:
            yield self._pull_one(sub_id, local, url, agency, remote, token, after, actor, client)

    def _pull_one(
        self,
        sub_id: int,
        local: str,
        url: str,
        agency: str,
        remote: str,
        token: str,
        after: int,
        actor: str,
        client: httpx.Client | None,
    ) -> PullResult:
        origin = origin_of(url, agency, remote)
        added = removed = skipped = 0
        checkpoint = after
        try:
            for page in iter_pages(url, agency, remote, token, after=after, client=client):
                upserts: dict[str, tuple[BankRecord, ...]] = {}
                deletions: list[str] = []
                for change in page.changes:
                    if change.signal_type not in SIGNAL_TYPES:
                        continue  # a type this version cannot match: skipped, not an error
                    try:
                        normalize_signal(change.signal_type, change.signal)
                    except ValueError:
                        skipped += 1  # one malformed hash must not stall the feed for ever
                        continue
                    content_id = subscribed_content_id(change.signal_type, change.signal)
                    if change.deleted:
                        upserts.pop(content_id, None)
                        deletions.append(content_id)
                        continue
                    record = BankRecord(
                        content_id=content_id,
                        signal_type=change.signal_type,
                        signal=change.signal,
                        label=",".join(change.tags) or None,
                        source=origin,
                        bank=local,
                    )
                    upserts[content_id] = (record,)
                page_added, page_removed = self.banks.apply_feed(local, origin, upserts, deletions)
                added += page_added
                removed += page_removed
                checkpoint = page.checkpoint
                self._save_checkpoint(sub_id, checkpoint)
        except FeedError as exc:
            raise ExchangeError(f"pulling {origin} into {local!r}: {exc}") from exc
        finally:
            self.custody.record(
                actor=actor,
                action="exchange",
                subject=f"bank:{local}",
                details={
                    "event": "pull",
                    "origin": origin,
                    "after": after,
                    "checkpoint": checkpoint,
                    "added": added,
                    "removed": removed,
                    "skipped": skipped,
                },
            )
        return PullResult(local, origin, added, removed, checkpoint)

    def _save_checkpoint(self, sub_id: int, checkpoint: int) -> None:
        with self.db.session() as session:
            sub = session.get(ExchangeSubscription, sub_id)
            if sub is not None:
                sub.after_seq = checkpoint
                sub.last_fetch_at = utcnow()
