"""The composition root: builds every service from one ``Settings`` and nothing else.

Interfaces (CLI now, web later) hold an ``IdolGuard`` and call its services;
they never open the database themselves.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from idolguard.config import Settings
from idolguard.domain.banks import BankService
from idolguard.domain.roster import RosterService
from idolguard.faces import FaceBackend, backend_info, load_backend
from idolguard.pipeline.scan import Scanner
from idolguard.signals import (
    Signal,
    SignalContext,
    discover_signals,
    plugin_manager,
    select_signals,
)
from idolguard.storage.analysis_store import AnalysisStore
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database


class IdolGuard:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.database = Database(settings.database_url)
        self.blobs = BlobStore(settings.blob_dir)
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

    def _load_face_backend(self) -> FaceBackend:
        faces = self.settings.faces
        return load_backend(
            faces.backend, threads=self._model_threads, detector_side=faces.detector_side
        )

    @property
    def _model_threads(self) -> int:
        """Inference threads for models run in this process (scan workers set their own)."""
        return self.settings.faces.threads or os.cpu_count() or 1

    def available_signals(self) -> list[Signal]:
        context = SignalContext(
            matching=self.settings.matching,
            limits=self.settings.limits,
            faces=self.settings.faces,
            threads=self._model_threads,
            bank_matcher=self.banks,
            face_matcher=self.roster,
        )
        return discover_signals(context, self._plugins)

    def signals(self, names: Iterable[str] | None = None) -> list[Signal]:
        return select_signals(self.available_signals(), names)

    def scanner(
        self,
        signal_names: Iterable[str] | None = None,
        *,
        workers: int | None = None,
        persist: bool = True,
    ) -> Scanner:
        settings = self.settings if persist else replace(self.settings, store_originals=False)
        return Scanner(
            settings,
            self.analysis,
            self.signals(signal_names),
            workers=workers,
            persist=persist,
        )

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> IdolGuard:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
