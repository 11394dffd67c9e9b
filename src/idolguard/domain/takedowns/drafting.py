"""Drafting: a case's confirmed items become one notice per platform, every field checked.

A notice is a legal act, so it is drafted from the case's evidence with every
field its regime requires (``notices.compose`` refuses gaps): the regime is
the one asked for or the best fit for the platform and the content, the
recipient comes from the platform directory, and the notice is stored with
its exact text and linked to the items it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idolguard.domain.takedowns.base import (
    NO_CHANNEL,
    SENDABLE_ITEM_STATES,
    NoticeBase,
    NoticeError,
    NoticeFieldsMissing,
)
from idolguard.domain.takedowns.senders import SenderSettingsError, merged
from idolguard.domain.takedowns.views import NoticeView
from idolguard.evidence.canonical import sha256_hex
from idolguard.notices.compose import MissingFieldsError, NoticeRequest, Sender, Target, compose
from idolguard.notices.directory import Platform
from idolguard.notices.regimes import (
    CATEGORIES,
    REGIMES,
    Regime,
    RegimeError,
    get_regime,
    suggest_regimes,
    unlisted_regimes,
    unsuitable_reason,
)
from idolguard.platforms import is_web_url
from idolguard.storage.models import (
    Artist,
    Case,
    Evidence,
    Item,
    ItemEvent,
    Notice,
    NoticeEvent,
    NoticeItem,
)


class Drafting(NoticeBase):
    """Drafting notices from cases (``draft``) and what it decides along the way."""

    def draft(
        self,
        case_ref: str | int,
        *,
        actor: str,
        regime: str | None = None,
        platform: str | None = None,
        item_ids: Sequence[int] = (),
        recipient: str | None = None,
        category: str | None = None,
        owns_copyright: bool | None = None,
        copyrighted_work: str | None = None,
        explanation: str | None = None,
        overrides: Mapping[str, str] | None = None,
        language: str | None = None,
        follow_up_of: str | None = None,
        auto: bool = False,
        sender_fields: Mapping[str, str] | None = None,
    ) -> list[NoticeView]:
        """Draft one notice per platform for the case's items; nothing is stored if any fails.

        An automatic follow-up (``auto``) whose platform has no directory contact
        is still drafted, without a recipient: it waits as a task that needs one
        (``needs_recipient``) instead of being lost in a log line.
        """
        if category is not None and category not in CATEGORIES:
            raise NoticeError(f"category must be one of {', '.join(CATEGORIES)}")
        language = language or self.settings.notices.language
        if language not in ("ko", "en", "ko+en"):
            raise NoticeError("language must be ko, en or ko+en")
        owns = self.settings.notices.owns_copyright if owns_copyright is None else owns_copyright
        with self.db.session() as session:
            case = self._case(session, case_ref)
            items = self._items_for(session, case, item_ids, auto=auto)
            groups = self._by_platform(items, platform)
            previous = self._notice(session, follow_up_of) if follow_up_of else None
            sender = self._sender(sender_fields)
            person = self._person(session, case)
            drafted: list[Notice] = []
            for key, group in groups.items():
                entry = self.directory.get(key)
                results = {i.id: self.analysis.stored_results(i.media_sha256)[0] for i in group}
                content = category or self._category(results.values(), group)
                chosen = self._regime_for(regime, entry, content, owns)
                channel, address = self._recipient(chosen, entry, key, recipient, optional=auto)
                number = self._next_number(session, case)
                now = self.clock()
                request = NoticeRequest(
                    regime=chosen.key,
                    number=number,
                    case_number=case.number,
                    platform=self._platform_label(entry, key),
                    category=content,
                    person=person,
                    targets=tuple(self._target(session, i, results[i.id]) for i in group),
                    sender=sender,
                    date=now,
                    language=language,
                    copyrighted_work=copyrighted_work,
                    explanation=explanation,
                    follow_up_of=previous.number if previous else None,
                    overrides=dict(overrides or {}),
                )
                try:
                    composed = compose(request)
                except MissingFieldsError as exc:
                    raise NoticeFieldsMissing(exc) from exc
                except ValueError as exc:  # an unknown --field
                    raise NoticeError(str(exc)) from exc
                notice = Notice(
                    number=number,
                    case_id=case.id,
                    regime=chosen.key,
                    platform=key,
                    channel=channel,
                    recipient=address,
                    language=language,
                    category=content,
                    status="drafted",
                    fields=composed.package(request),
                    subject=composed.subject,
                    body=composed.body,
                    body_sha256=sha256_hex(composed.body.encode("utf-8")),
                    follow_up_of=previous.id if previous else None,
                    auto=auto,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
                session.add(notice)
                session.flush()
                for item in group:
                    session.add(NoticeItem(notice_id=notice.id, item_id=item.id, url=item.location))
                session.add(
                    NoticeEvent(
                        notice_id=notice.id,
                        at=now,
                        actor=actor,
                        to_status="drafted",
                        note=self._auto_note(address) if auto else None,
                    )
                )
                self._log(
                    session,
                    notice.id,
                    actor=actor,
                    details={
                        "event": "drafted",
                        "number": number,
                        "regime": chosen.key,
                        "platform": key,
                        "recipient": address,
                        "items": [item.id for item in group],
                        "body_sha256": notice.body_sha256,
                        "follow_up_of": request.follow_up_of,
                    },
                )
                session.flush()
                drafted.append(notice)
            return [self._view(session, notice) for notice in drafted]

    def _sender(self, fields: Mapping[str, str] | None) -> Sender:
        """The agency's sender with this notice's own values (from the draft form) over it."""
        try:
            return merged(self.sender(), fields or {})
        except SenderSettingsError as exc:
            raise NoticeError(str(exc)) from exc

    def _items_for(
        self, session: Session, case: Case, item_ids: Sequence[int], *, auto: bool
    ) -> list[Item]:
        if item_ids:
            items = []
            for item_id in item_ids:
                item = session.get(Item, item_id)
                if item is None:
                    raise NoticeError(f"no item #{item_id}")
                if item.case_id != case.id:
                    raise NoticeError(
                        f"item {item_id} is not in case {case.number}: "
                        f"attach it first (idolguard case attach {case.number} {item_id})"
                    )
                if not auto and item.state not in SENDABLE_ITEM_STATES:
                    raise NoticeError(
                        f"item {item_id} is {item.state}: only confirmed content is noticed "
                        f"(idolguard review confirm {item_id} --reason ...)"
                    )
                items.append(item)
        else:
            items = list(
                session.scalars(
                    select(Item)
                    .where(Item.case_id == case.id, Item.state.in_(["confirmed", "reappeared"]))
                    .order_by(Item.id)
                )
            )
            if not items:
                raise NoticeError(
                    f"case {case.number} has no confirmed items awaiting a notice; "
                    "confirm items in review, or name items with --item"
                )
        with_url = [i for i in items if is_web_url(i.location)]
        if not with_url:
            raise NoticeError(
                "none of these items has a web address: a notice must say where the content "
                "is. Capture the URL (idolguard capture URL) or add the file with "
                "`idolguard item add FILE --url URL`"
            )
        return with_url

    def _by_platform(self, items: list[Item], only: str | None) -> dict[str, list[Item]]:
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(self._platform_key(item.location), []).append(item)
        if only is not None:
            if only not in groups:
                raise NoticeError(
                    f"no item of this case is on platform {only!r}; "
                    f"platforms: {', '.join(sorted(groups))}"
                )
            groups = {only: groups[only]}
        return groups

    def _category(self, results: Iterable[Mapping[str, Any]], items: Sequence[Item] = ()) -> str:
        """Impersonation for account items; else intimate when any item's explicitness
        reaches the threshold that blurs it."""
        if items and all(_account_of(item) is not None for item in items):
            return "impersonation"
        threshold = self.settings.review.blur_explicit
        for result in results:
            score = float((result.get("explicit") or {}).get("score") or 0.0)
            if score >= threshold:
                return "intimate"
        return "non_intimate"

    def _regime_for(
        self, requested: str | None, entry: Platform | None, category: str, owns: bool
    ) -> Regime:
        if requested is not None:
            try:
                chosen = get_regime(requested)
            except RegimeError as exc:
                raise NoticeError(str(exc)) from exc
            reason = unsuitable_reason(chosen, category=category, owns_copyright=owns)
            if reason:
                raise NoticeError(reason)
            return chosen
        regimes = entry.regimes if entry is not None else unlisted_regimes()
        korean = entry is not None and entry.country == "KR"
        fitting = suggest_regimes(
            regimes,
            category=category,
            owns_copyright=owns,
            korean=korean,
        )
        if not fitting:
            name = entry.name if entry else "this platform"
            raise NoticeError(
                f"no regime fits: {name} answers to {', '.join(regimes)} and the content is "
                f"{category}; choose one with --regime (see `idolguard notice regimes`)"
            )
        return REGIMES[fitting[0]]

    @staticmethod
    def _auto_note(address: str) -> str:
        if address:
            return "re-upload follow-up, drafted automatically"
        return "re-upload follow-up, drafted automatically: needs a recipient"

    def _recipient(
        self,
        regime: Regime,
        entry: Platform | None,
        key: str,
        given: str | None,
        *,
        optional: bool = False,
    ) -> tuple[str, str]:
        if given:
            return self._address(given)
        target = self.directory.get(regime.addressed_to) if regime.addressed_to else entry
        contact = target.contact_for(regime.key) if target is not None else None
        if contact is None and optional:
            return NO_CHANNEL, ""
        if contact is None:
            where = target.name if target is not None else key
            raise NoticeError(
                f"the platform directory ({self.directory.source}) has no contact for {where} "
                f"under {regime.key}; pass --to ADDRESS (e-mail or web-form URL), or add one "
                "to the directory ([notices] directory_file)"
            )
        return contact.channel, contact.address

    @staticmethod
    def _platform_label(entry: Platform | None, key: str) -> str:
        return entry.name if entry is not None else key

    def _person(self, session: Session, case: Case) -> str | None:
        artist = session.get(Artist, case.artist_id) if case.artist_id is not None else None
        if artist is None:
            return None
        return f"{artist.name} ({artist.group_name})" if artist.group_name else artist.name

    def _target(self, session: Session, item: Item, results: Mapping[str, Any]) -> Target:
        evidence = session.scalar(
            select(Evidence).where(Evidence.item_id == item.id).order_by(Evidence.id.desc())
        )
        media = self.cases.media_type_of(session, item.media_sha256)
        return Target(
            item_id=item.id,
            url=item.location,
            sha256=item.media_sha256,
            media_type=media,
            first_seen=item.opened_at,
            pdq=(results.get("pdq") or {}).get("hash"),
            manifest_sha256=evidence.manifest_sha256 if evidence else None,
            timestamped_at=evidence.timestamp_time if evidence else None,
            original_stored=self.blobs.contains(item.media_sha256),
            reviewed=self._reviewed(session, item.id),
            account=_account_of(item),
        )

    @staticmethod
    def _reviewed(session: Session, item_id: int) -> bool:
        """A reviewer's confirm decision is in the item's history (not just a matching hash)."""
        confirmed = session.scalar(
            select(func.count())
            .select_from(ItemEvent)
            .where(ItemEvent.item_id == item_id, ItemEvent.to_state == "confirmed")
        )
        return bool(confirmed)

    @staticmethod
    def _next_number(session: Session, case: Case) -> str:
        count = session.scalar(select(func.count()).where(Notice.case_id == case.id)) or 0
        return f"{case.number}-N{count + 1:02d}"


def _account_of(item: Item) -> dict[str, Any] | None:
    """An account item's profile as captured and its impersonation reasons, else ``None``."""
    source = item.source or {}
    if source.get("kind") != "account":
        return None
    profile = source.get("account") or {}
    analysis = source.get("impersonation") or {}
    return {
        "platform": profile.get("platform"),
        "handle": profile.get("handle"),
        "display_name": profile.get("display_name"),
        "reasons": list(analysis.get("reasons") or []),
    }
