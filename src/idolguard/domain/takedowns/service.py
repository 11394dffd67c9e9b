"""``NoticeService``: the one object callers hold, composed of the notice service's parts."""

from __future__ import annotations

from idolguard.domain.takedowns.followups import FollowUps
from idolguard.domain.takedowns.lifecycle import Lifecycle
from idolguard.domain.takedowns.queries import Queries


class NoticeService(FollowUps, Lifecycle, Queries):
    """Draft (``drafting``, ``followups``), send and track (``lifecycle``), read (``queries``).

    A thin façade: the application, the CLI and the web hold one service per
    agency, and each concept lives in its own module.
    """
