"""Sharing one case: its confirmed items' hashes, copied into a bank that is then published.

Confirmed items land in their artist's bank (``artist-<id>``, content ``item-<id>``), which
may hold far more than one incident. To share just one case, its items' hashes are copied
into a bank of the publisher's choosing (created if needed) and that bank is published:
the same explicit step, by the same role, with the same labels, as publishing a bank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from idolguard.domain.banks import BankService
from idolguard.domain.cases import CaseService
from idolguard.domain.exchange.publishing import ExchangeError, ExchangeService, PublishResult
from idolguard.domain.review.decisions import block_bank_name
from idolguard.exchange.formats import BankRecord


@dataclass(frozen=True)
class SharedCase:
    case: str
    items: int  # confirmed items whose hashes were shared
    missing: list[int]  # confirmed items with no banked hashes (nothing to share)
    result: PublishResult


def share_case(
    cases: CaseService,
    banks: BankService,
    exchange: ExchangeService,
    case: str,
    *,
    into: str,
    tags: Sequence[str],
    actor: str,
) -> SharedCase:
    """Copy the case's confirmed items' hashes into ``into`` and publish that bank."""
    items = cases.list_items(states=["confirmed"], case=case)
    if not items:
        raise ExchangeError(f"case {case} has no confirmed items to share")
    wanted: dict[str, set[str]] = {}
    for item in items:
        wanted.setdefault(block_bank_name(item.artist_id), set()).add(f"item-{item.id}")
    records: list[BankRecord] = []
    found: set[str] = set()
    for bank, content_ids in wanted.items():
        try:
            banked = list(banks.export_records(bank))
        except ValueError:
            continue  # the bank is gone: its items are reported missing
        for record in banked:
            if record.content_id in content_ids:
                found.add(record.content_id)
                records.append(
                    BankRecord(record.content_id, record.signal_type, record.signal, bank=into)
                )
    missing = [item.id for item in items if f"item-{item.id}" not in found]
    if not records:
        raise ExchangeError(f"case {case}: none of its confirmed items has banked hashes")
    banks.import_records(records, into)
    result = exchange.publish(into, tags, actor=actor)
    return SharedCase(case, len(found), missing, result)
