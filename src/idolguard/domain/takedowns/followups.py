"""Re-upload follow-ups: a re-upload of confirmed content gets a draft citing the earlier notice.

When a new item matches confirmed content (triage), or a removed URL serves the
content again (``watch``), a follow-up notice is drafted automatically with the
earlier notice's regime, category and recipient, and waits for a person to
review and send it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from idolguard.domain.review.triage import Opened
from idolguard.domain.takedowns.base import REUPLOAD_PARENT_STATES, WATCH_ACTOR, NoticeError
from idolguard.domain.takedowns.drafting import Drafting
from idolguard.domain.takedowns.views import NoticeView
from idolguard.platforms import is_web_url
from idolguard.storage.models import Item, Notice, NoticeItem

log = logging.getLogger(__name__)


class FollowUps(Drafting):
    """Automatic follow-up drafts for re-uploads."""

    def on_item_opened(self, opened: Opened) -> None:
        """Triage hook: a new item that re-uploads confirmed content gets a follow-up draft."""
        if not opened.created:
            return
        with self.db.session() as session:
            item = session.get(Item, opened.item_id)
            if item is None or item.parent_id is None or item.case_id is None:
                return
            parent = session.get(Item, item.parent_id)
            if parent is None or parent.state not in REUPLOAD_PARENT_STATES:
                return
            item_id, parent_id = item.id, parent.id
        self.follow_up(item_id, previous_item_id=parent_id)

    def follow_up(self, item_id: int, *, previous_item_id: int | None = None) -> list[NoticeView]:
        """Draft a follow-up notice for ``item_id`` citing the last notice on the same content."""
        with self.db.session() as session:
            item = session.get(Item, item_id)
            if item is None or item.case_id is None:
                return []
            if not is_web_url(item.location):
                return []
            earlier = session.scalar(
                select(Notice)
                .join(NoticeItem, NoticeItem.notice_id == Notice.id)
                .where(
                    NoticeItem.item_id.in_([i for i in (previous_item_id, item_id) if i]),
                    Notice.status != "withdrawn",
                )
                .order_by(Notice.created_at.desc(), Notice.id.desc())
                .limit(1)
            )
            case_id = item.case_id
            # The earlier notice's reviewer-confirmed regime and category carry over: the
            # content is the same, so what made that notice fit still holds. So does its
            # recipient when the re-upload is on the same platform (it may have been given
            # with --to, with no directory entry to find it again).
            regime = earlier.regime if earlier is not None else None
            category = earlier.category if earlier is not None else None
            previous = earlier.number if earlier is not None else None
            same_platform = earlier is not None and earlier.platform == self._platform_key(
                item.location
            )
            recipient = earlier.recipient or None if earlier is not None and same_platform else None
        try:
            drafts = self.draft(
                case_id,
                actor=WATCH_ACTOR,
                regime=regime,
                category=category,
                item_ids=[item_id],
                recipient=recipient,
                follow_up_of=previous,
                auto=True,
            )
        except NoticeError as exc:
            log.warning("re-upload of item %s: no follow-up notice drafted: %s", item_id, exc)
            return []
        for view in drafts:
            if view.needs_recipient:
                log.warning(
                    "re-upload of item %s: follow-up notice %s drafted; it needs a recipient",
                    item_id,
                    view.number,
                )
            else:
                log.info("re-upload of item %s: follow-up notice %s drafted", item_id, view.number)
        return drafts
