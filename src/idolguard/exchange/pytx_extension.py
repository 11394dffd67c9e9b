"""A python-threatexchange (pytx) extension: HMA and pytx's CLI fetch hashes from IdolGuard.

Importable only with the ``exchange`` extra (``pip install 'idolguard[exchange]'``);
nothing else in IdolGuard imports it. Add it to pytx's CLI with::

    threatexchange config extensions add idolguard.exchange.pytx_extension
    threatexchange config collab edit idolguard stella-ncii --create \\
        --server https://idolguard.example --agency stella --bank confirmed
    IDOLGUARD_EXCHANGE_TOKEN=igx_... threatexchange fetch

The API reads the agency's bank feed (``GET /api/v1/exchange/feeds/...``) with a
bank-scoped read token and keeps the feed's ``checkpoint`` as pytx's fetch
checkpoint, so each fetch asks only for what changed: new or re-labelled hashes
arrive as updates, withdrawn ones as deletions (``None``), which pytx's own merge
removes from its index. Signals come under pytx's type names (``pdq``, ``vpdq``,
``video_md5``); types pytx does not know (IdolGuard's photo ``md5``) are skipped by
pytx itself. Labels become the opinion's tags, as POSITIVE_CLASS: the agency
confirmed the content.

The token comes from ``$IDOLGUARD_EXCHANGE_TOKEN``, else from
``~/.idolguard_exchange_tokens``: lines of ``<collab name> <token>`` (or one line
with just a token, for every collab).
"""

# No ``from __future__ import annotations``: pytx's CLI reads the config dataclass's
# field types as classes (string annotations crash its argument parser).
import os
import time
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from threatexchange.exchanges.auth import SignalExchangeAPIMissingAuthException
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.fetch_state import (
    FetchCheckpointBase,
    FetchDelta,
    FetchedSignalMetadata,
    SignalOpinion,
    SignalOpinionCategory,
)
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPIWithSimpleUpdates
from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest
from threatexchange.signal_type.signal_base import SignalType

from idolguard.exchange.feed_client import FeedError, iter_pages

TOKEN_ENV = "IDOLGUARD_EXCHANGE_TOKEN"
TOKEN_FILE = "~/.idolguard_exchange_tokens"


@dataclass
class _IdolGuardCollabRequired:
    server: str = field(metadata={"help": "the IdolGuard server, e.g. https://idolguard.example"})
    agency: str = field(metadata={"help": "the publishing agency's short name on that server"})
    bank: str = field(metadata={"help": "the bank the agency published"})


@dataclass
class IdolGuardCollabConfig(CollaborationConfigWithDefaults, _IdolGuardCollabRequired):
    """One agency's published bank on one IdolGuard server."""


@dataclass
class IdolGuardCheckpoint(FetchCheckpointBase):
    """The feed's checkpoint: changes after ``seq`` are what the next fetch asks for."""

    seq: int = 0
    fetched_at: int = 0

    def get_progress_timestamp(self) -> int | None:
        return self.fetched_at or None


@dataclass
class IdolGuardSignalMetadata(FetchedSignalMetadata):
    """The agency's labels for one signal (``deepfake``, ``ncii``, ...)."""

    tags: tuple[str, ...] = ()

    def get_as_opinions(self) -> t.Sequence[SignalOpinion]:
        return [SignalOpinion(False, SignalOpinionCategory.POSITIVE_CLASS, set(self.tags))]


_Delta = FetchDelta[tuple[str, str], IdolGuardSignalMetadata, IdolGuardCheckpoint]


class IdolGuardSignalExchangeAPI(
    SignalExchangeAPIWithSimpleUpdates[
        IdolGuardCollabConfig, IdolGuardCheckpoint, IdolGuardSignalMetadata
    ]
):
    """Fetch an agency's published hashes from an IdolGuard server, incrementally."""

    def __init__(self, collab: IdolGuardCollabConfig, token: str) -> None:
        self.collab = collab
        self.token = token

    @classmethod
    def get_name(cls) -> str:
        return "idolguard"

    @staticmethod
    def get_config_cls() -> type[IdolGuardCollabConfig]:
        return IdolGuardCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[IdolGuardCheckpoint]:
        return IdolGuardCheckpoint

    @staticmethod
    def get_record_cls() -> type[IdolGuardSignalMetadata]:
        return IdolGuardSignalMetadata

    @classmethod
    def for_collab(cls, collab: IdolGuardCollabConfig) -> "IdolGuardSignalExchangeAPI":
        token = token_for(collab.name)
        if token is None:
            raise SignalExchangeAPIMissingAuthException(
                cls, env_hint=TOKEN_ENV, file_hint=f"{TOKEN_FILE} ('<collab name> <token>')"
            )
        return cls(collab, token)

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: IdolGuardCheckpoint | None,
    ) -> t.Iterator[_Delta]:
        after = checkpoint.seq if checkpoint is not None else 0
        try:
            for page in iter_pages(
                self.collab.server, self.collab.agency, self.collab.bank, self.token, after=after
            ):
                updates: dict[tuple[str, str], IdolGuardSignalMetadata | None] = {}
                for change in page.changes:  # in seq order: the last change of a key wins
                    key = (change.signal_type, change.signal)
                    updates[key] = None if change.deleted else IdolGuardSignalMetadata(change.tags)
                yield _Delta(updates, IdolGuardCheckpoint(page.checkpoint, int(time.time())))
        except FeedError as exc:
            raise RuntimeError(str(exc)) from exc


def token_for(collab_name: str) -> str | None:
    """The read token for a collab: the environment first, then the token file."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    path = Path(TOKEN_FILE).expanduser()
    if not path.is_file():
        return None
    fallback = None
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == collab_name:
            return parts[1]
        if len(parts) == 1 and not parts[0].startswith("#"):
            fallback = parts[0]
    return fallback


TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(IdolGuardSignalExchangeAPI,))
