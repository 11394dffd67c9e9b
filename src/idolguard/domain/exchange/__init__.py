"""Hash exchange: what an agency publishes for platforms (HMA, pytx) and other agencies.

``publishing`` turns a bank into a feed of changes (updates and deletions in
``seq`` order) once someone with the right role says so; ``tokens`` are the
bank-scoped bearer tokens that read or publish one feed; ``subscriptions``
pull another agency's feed into an origin-marked bank of this one.
"""

from idolguard.domain.exchange.cases import SharedCase, share_case
from idolguard.domain.exchange.publishing import (
    FEED_PAGE_LIMIT,
    Change,
    ChangePage,
    ExchangeError,
    ExchangeNotFound,
    ExchangeService,
    PublicationView,
    PublishResult,
)
from idolguard.domain.exchange.subscriptions import PullResult, SubscriptionService
from idolguard.domain.exchange.tokens import (
    ExchangeTokens,
    IssuedExchangeToken,
    TokenGrant,
    TokenRefused,
)

__all__ = [
    "FEED_PAGE_LIMIT",
    "Change",
    "ChangePage",
    "ExchangeError",
    "ExchangeNotFound",
    "ExchangeService",
    "ExchangeTokens",
    "IssuedExchangeToken",
    "PublicationView",
    "PublishResult",
    "PullResult",
    "SharedCase",
    "SubscriptionService",
    "TokenGrant",
    "TokenRefused",
    "share_case",
]
