"""Domain refusals as HTTP answers: what was not found is 404, what was refused is 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from idolguard.domain.cases import CaseError
from idolguard.domain.dashboard import DashboardError
from idolguard.domain.exchange import ExchangeError
from idolguard.domain.fan_reports.portal_content import PortalError
from idolguard.domain.review.decisions import ReviewError
from idolguard.domain.review.intake import IntakeError
from idolguard.domain.roster import RosterError
from idolguard.domain.takedowns import NoticeError
from idolguard.media import MediaError

_T = TypeVar("_T")


class NotFound(LookupError):
    """The thing asked for does not exist in the caller's agency (or at all)."""


def domain_errors() -> tuple[type[Exception], ...]:
    """Errors whose message is written for people and safe to show them."""
    return (
        CaseError,
        DashboardError,
        IntakeError,
        ReviewError,
        RosterError,
        NoticeError,
        MediaError,
        PortalError,
        ExchangeError,
    )


def found(getter: Callable[..., _T], *args: object) -> _T:
    """Call a domain getter; its refusal ("no item #7") becomes a 404."""
    try:
        return getter(*args)
    except domain_errors() as exc:
        raise NotFound(str(exc)) from exc
