"""The composition root: builds every service from one ``Settings`` and nothing else.

The interfaces (the CLI, the web app and the REST API) hold an ``IdolGuard``
and call its services; they never open the database themselves, and the
storage layer's errors reach them only as ``StartupError``, so no interface
imports storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

from idolguard.config import Settings, sqlite_url
from idolguard.domain.accounts import AccountError, AccountService, TenantView
from idolguard.domain.banks import BankService
from idolguard.domain.cases import CaseService
from idolguard.domain.custody.bundles import BundleExporter
from idolguard.domain.custody.capture import EvidenceService
from idolguard.domain.custody.log import CustodyLog
from idolguard.domain.custody.retention import RetentionService
from idolguard.domain.dashboard import DashboardService
from idolguard.domain.exchange import (
    ExchangeService,
    ExchangeTokens,
    SharedCase,
    SubscriptionService,
    share_case,
)
from idolguard.domain.fan_reports import FanReportService
from idolguard.domain.fan_reports.portal_content import PortalService
from idolguard.domain.impersonation import ImpersonationService, OfficialHandleService
from idolguard.domain.monitoring import MonitorService
from idolguard.domain.ratelimits import SharedRateLimits
from idolguard.domain.review.decisions import ReviewService
from idolguard.domain.review.intake import IntakeService
from idolguard.domain.review.retro import RetroMatcher
from idolguard.domain.review.triage import Triage
from idolguard.domain.roster import RosterService
from idolguard.domain.takedowns import NoticeService
from idolguard.domain.takedowns.senders import SenderSettingsService
from idolguard.domain.takedowns.watch import UrlWatcher
from idolguard.evidence.timestamp import TimestampClient
from idolguard.faces import FaceBackend, backend_info, load_backend
from idolguard.notices.directory import PlatformDirectory
from idolguard.pipeline.records import FileRecord
from idolguard.pipeline.scan import Scanner
from idolguard.signals import (
    Signal,
    SignalContext,
    discover_signals,
    plugin_manager,
    select_signals,
)
from idolguard.signals import risk as risk_weights
from idolguard.signals.identity_consistency import IdentityConsistencySignal
from idolguard.signals.watchlist import Watchlist
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database, DatabaseError


class StartupError(RuntimeError):
    """The installation cannot be opened: its database cannot be used or migrated.

    The storage layer's own error, translated here so that the interfaces can
    catch it without importing storage; the message says what to check.
    """


class IdolGuard:
    """All services over one database and evidence store.

    The installation's own instance also holds the control plane
    (``accounts``: agencies, users, roles, tokens); each agency's data lives in
    an instance of its own, reached with ``tenant(slug)``, with its own
    database, evidence store and custody chain.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tenants: dict[str, IdolGuard] = {}
        settings.home.mkdir(parents=True, exist_ok=True)
        try:
            self.database = Database(settings.database_url)
        except DatabaseError as exc:
            raise StartupError(str(exc)) from exc
        self.blobs = BlobStore(settings.blob_dir, settings.evidence_key)
        self.analysis = AnalysisStore(self.database)
        self.banks = BankService(
            self.database,
            self.blobs if settings.store_originals else None,
            settings.matching,
            settings.limits,
        )
        faces = settings.faces
        backend_class = backend_info(faces.backend).load_class()
        self.roster = RosterService(
            self.database,
            self.blobs,
            settings.limits,
            self._load_face_backend,
            backend_key=f"{backend_class.name}@{backend_class.version}",
        )
        self._plugins = plugin_manager()
        self.custody = CustodyLog(self.database)
        self.cases = CaseService(self.database, self.custody)
        self.evidence = EvidenceService(
            self.database,
            self.blobs,
            self.custody,
            thresholds=self._thresholds(),
            timestamp_client=self.timestamp_client,
        )
        self.triage = Triage(
            self.database, self.analysis, self.cases, self.evidence, settings.review
        )
        self.review = ReviewService(
            self.database,
            settings,
            self.cases,
            self.banks,
            self.blobs,
            self.custody,
            self.analysis,
        )
        self.retro = RetroMatcher(self.analysis, self.banks, self.triage)
        self.banks.add_listener(self.retro.on_bank_added)
        self.retention = RetentionService(
            self.database, self.blobs, self.custody, settings.retention
        )
        self.intake = IntakeService(
            settings, self.triage, self.blobs, lambda: self.scanner(workers=0, triage=False)
        )
        self.senders = SenderSettingsService(self.database, self.custody, settings.notices)
        self.notices = NoticeService(
            self.database,
            settings,
            self.cases,
            self.custody,
            self.blobs,
            self.analysis,
            self.platform_directory,
            sender=self.senders.sender,
        )
        self.triage.add_listener(self.notices.on_item_opened)
        self.reports = FanReportService(
            self.database, self.intake, self.cases, self.roster, self.custody
        )
        self.portal = PortalService(
            self.database, self.custody, self.notices.stats, self.platform_directory
        )
        self.watcher = UrlWatcher(
            self.database,
            settings,
            self.cases,
            self.notices,
            self.analysis,
            lambda: self.scanner(["pdq", "vpdq"], workers=0, persist=False, triage=False),
        )
        self.monitor = MonitorService(
            self.database,
            settings,
            self.triage,
            self.custody,
            self.blobs,
            lambda: self.scanner(workers=0, triage=False),
        )
        self.accounts = AccountService(self.database, self.custody)
        # Web rate limits counted in the database, for web servers of several processes.
        self.rate_limits = SharedRateLimits(self.database)
        self.dashboard = DashboardService(self.database)
        self.exchange = ExchangeService(self.database, self.custody)
        self.exchange_tokens = ExchangeTokens(self.database, self.custody)
        self.subscriptions = SubscriptionService(self.database, self.custody, self.banks)
        self.officials = OfficialHandleService(self.database, self.roster)
        self.impersonation = ImpersonationService(
            settings,
            self.database,
            self.roster,
            self.officials,
            self.triage,
            self.blobs,
            lambda names, persist: self.scanner(names, workers=0, persist=persist, triage=False),
        )
        self.monitor.account_triage = self.impersonation.triage_monitored
        self.reports.account_capture = self.impersonation.open_reported

    def share_case(self, case: str, *, into: str, tags: Sequence[str], actor: str) -> SharedCase:
        """Publish one case's confirmed items' hashes through bank ``into``."""
        return share_case(
            self.cases, self.banks, self.exchange, case, into=into, tags=tags, actor=actor
        )

    def tenant(self, slug: str) -> IdolGuard:
        """The services of one agency (built once, closed with this instance)."""
        view = self.accounts.tenant(slug)
        if view.disabled:
            raise AccountError(f"the agency {slug!r} is disabled")
        if slug not in self._tenants:
            self._tenants[slug] = IdolGuard(tenant_settings(self.settings, view))
        return self._tenants[slug]

    def platform_directory(self) -> PlatformDirectory:
        """The platform directory: ``[notices] directory_file``, else the built-in one."""
        path = self.settings.notices.directory_file
        return PlatformDirectory.load(Path(path).expanduser() if path else None)

    def timestamp_client(self) -> TimestampClient | None:
        """The configured time-stamping authority, or ``None`` when there is none."""
        evidence = self.settings.evidence
        if not evidence.tsa_url:
            return None
        roots = None
        if evidence.tsa_roots_file:
            roots = Path(evidence.tsa_roots_file).expanduser().read_bytes()
        return TimestampClient(evidence.tsa_url, timeout=evidence.tsa_timeout, roots_pem=roots)

    def tsa_roots(self) -> bytes | None:
        path = self.settings.evidence.tsa_roots_file
        return Path(path).expanduser().read_bytes() if path else None

    def exporter(self) -> BundleExporter:
        return BundleExporter(
            self.settings,
            self.cases,
            self.evidence,
            self.custody,
            self.blobs,
            self.timestamp_client(),
            self.notices,
        )

    def _thresholds(self) -> dict[str, object]:
        """The thresholds and weights in force, recorded in every evidence manifest."""
        return {
            "matching": asdict(self.settings.matching),
            "review": asdict(self.settings.review),
            "risk": {
                "ai_generated_harm": risk_weights.AI_GENERATED_HARM,
                "bank_match": dict(risk_weights.BANK_MATCH),
                "unnamed_harm_weight": risk_weights.UNNAMED_HARM_WEIGHT,
                "artist_only_weight": risk_weights.ARTIST_ONLY_WEIGHT,
                "caption_harm_weight": risk_weights.CAPTION_HARM_WEIGHT,
                "caption_name_weight": risk_weights.CAPTION_NAME_WEIGHT,
            },
            "faces": {
                "backend": self.settings.faces.backend,
                "min_det_score": self.settings.faces.min_det_score,
                "min_face_pixels": self.settings.faces.min_face_pixels,
            },
        }

    def _load_face_backend(self) -> FaceBackend:
        faces = self.settings.faces
        return load_backend(
            faces.backend, threads=self._model_threads, detector_side=faces.detector_side
        )

    @property
    def _model_threads(self) -> int:
        """Inference threads for models run in this process (scan workers set their own)."""
        return self.settings.faces.threads or os.cpu_count() or 1

    def available_signals(self, watchlist: Watchlist | None = None) -> list[Signal]:
        """Every signal, built for this installation (``watchlist``: the roster's snapshot,
        taken here unless the caller already took one)."""
        context = SignalContext(
            matching=self.settings.matching,
            limits=self.settings.limits,
            faces=self.settings.faces,
            threads=self._model_threads,
            bank_matcher=self.banks,
            face_matcher=self.roster,
            name_matcher=self.roster,
            heatmap_dir=self.settings.heatmap_dir,
            blur_explicit=self.settings.review.blur_explicit,
            manipulation=self.settings.manipulation,
            watchlist=watchlist if watchlist is not None else self.roster.watchlist(),
        )
        return discover_signals(context, self._plugins)

    def signals(
        self, names: Iterable[str] | None = None, watchlist: Watchlist | None = None
    ) -> list[Signal]:
        return select_signals(self.available_signals(watchlist), names)

    def scanner(
        self,
        signal_names: Iterable[str] | None = None,
        *,
        workers: int | None = None,
        persist: bool = True,
        triage: bool = True,
        cluster: str | None = None,
    ) -> Scanner:
        """A scanner; with ``triage``, files that need a look open review items as they finish."""
        settings = self.settings if persist else replace(self.settings, store_originals=False)
        actor = self.settings.operator

        def open_items(record: FileRecord) -> None:
            self.triage.on_record(record, actor=actor)

        # One snapshot of the enrolled faces serves this process's signals and the workers';
        # with the artists' head features only when identity consistency runs.
        names = None if signal_names is None else list(signal_names)
        watchlist = self.roster.watchlist(
            context=names is None or IdentityConsistencySignal.name in names
        )
        return Scanner(
            settings,
            self.analysis,
            self.signals(names, watchlist),
            workers=workers,
            persist=persist,
            on_record=open_items if triage else None,
            watchlist=watchlist,
            # Read-only look-ups (URL re-checks, ``bank match``) stay local: they are small,
            # and would otherwise take the cluster's actors from the scan they interleave with.
            cluster=cluster if persist else "",
        )

    def close(self) -> None:
        for instance in self._tenants.values():
            instance.close()
        self._tenants.clear()
        self.database.dispose()

    def __enter__(self) -> IdolGuard:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def tenant_settings(settings: Settings, tenant: TenantView) -> Settings:
    """An agency's settings: the installation's, with its own home, database and evidence store.

    Separate databases make the separation between agencies structural rather
    than a filter every query must remember; the home under ``tenants/`` keeps
    each agency's originals, working files and exports apart too.
    """
    home = settings.home / "tenants" / tenant.slug
    return replace(
        settings,
        home=home,
        database_url=tenant.database_url or sqlite_url(home / "idolguard.sqlite3"),
    )
