"""Bearer tokens for one bank's exchange feed, scoped ``read`` or ``publish``.

Separate from staff API tokens on purpose: a platform's matcher or a partner
agency holds one, and it opens one bank's feed and nothing else of the agency
(no cases, no media, no other bank). ``publish`` also reads. Only the token's
SHA-256 is stored; the plaintext is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from idolguard.clock import utcnow
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.exchange.publishing import ExchangeError, ExchangeNotFound
from idolguard.storage.database import Database
from idolguard.storage.models import Bank, ExchangeToken

EXCHANGE_TOKEN_PREFIX = "igx_"
SCOPES = ("read", "publish")
_TOKEN_RE = re.compile(r"igx_[A-Za-z0-9_-]{43}")
_SHOWN = 12


class TokenRefused(ExchangeError):
    """The token is malformed, unknown, revoked, or not for this bank and scope."""


@dataclass(frozen=True)
class IssuedExchangeToken:
    id: int
    token: str  # the plaintext: shown once
    prefix: str
    bank: str
    scope: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "prefix": self.prefix,
            "bank": self.bank,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class TokenGrant:
    """What a verified token may do, and how the custody log names its holder."""

    id: int
    prefix: str
    bank: str
    scope: str

    @property
    def actor(self) -> str:
        return f"exchange-token:{self.prefix}"


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ExchangeTokens:
    def __init__(self, database: Database, custody: CustodyLog) -> None:
        self.db = database
        self.custody = custody

    def issue(self, bank: str, scope: str, name: str, *, actor: str) -> IssuedExchangeToken:
        if scope not in SCOPES:
            raise ExchangeError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        label = name.strip()
        if not label or len(label) > 200:
            raise ExchangeError("a token needs a name (up to 200 characters)")
        plaintext = EXCHANGE_TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as session:
            if session.scalar(select(Bank.id).where(Bank.name == bank)) is None:
                raise ExchangeNotFound(f"no bank named {bank!r}")
            row = ExchangeToken(
                token_hash=_sha256(plaintext),
                prefix=plaintext[:_SHOWN],
                name=label,
                bank_name=bank,
                scope=scope,
                created_by=actor,
            )
            session.add(row)
            session.flush()
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{bank}",
                details={
                    "event": "token_issued",
                    "token": row.id,
                    "prefix": row.prefix,
                    "scope": scope,
                    "name": label,
                },
            )
            return IssuedExchangeToken(row.id, plaintext, row.prefix, bank, scope)

    def revoke(self, token_id: int, *, actor: str) -> None:
        with self.db.session() as session:
            row = session.get(ExchangeToken, token_id)
            if row is None or row.revoked_at is not None:
                raise ExchangeNotFound(f"no live exchange token {token_id}")
            row.revoked_at = utcnow()
            self.custody.append(
                session,
                actor=actor,
                action="exchange",
                subject=f"bank:{row.bank_name}",
                details={"event": "token_revoked", "token": row.id, "prefix": row.prefix},
            )

    def list(self) -> list[dict[str, Any]]:
        with self.db.session() as session:
            return [
                {
                    "id": t.id,
                    "prefix": t.prefix,
                    "name": t.name,
                    "bank": t.bank_name,
                    "scope": t.scope,
                    "created_by": t.created_by,
                    "created_at": t.created_at.isoformat(),
                    "revoked": t.revoked_at is not None,
                }
                for t in session.scalars(select(ExchangeToken).order_by(ExchangeToken.id))
            ]

    def verify(self, token: str, bank: str, scope: str) -> TokenGrant:
        """The grant of a live token for ``bank`` that allows ``scope``; TokenRefused otherwise.

        One message for every refusal, so a caller cannot probe which banks exist.
        """
        refused = TokenRefused("this exchange token is unknown, revoked or not for this feed")
        if not _TOKEN_RE.fullmatch(token):
            raise refused
        with self.db.session() as session:
            row = session.scalar(
                select(ExchangeToken).where(ExchangeToken.token_hash == _sha256(token))
            )
            if row is None or row.revoked_at is not None or row.bank_name != bank:
                raise refused
            if scope == "publish" and row.scope != "publish":
                raise refused
            return TokenGrant(row.id, row.prefix, row.bank_name, row.scope)
