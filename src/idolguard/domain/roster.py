"""The roster: protected artists, their names in every script, and their reference faces.

Reference photos are kept as write-once originals, and templates are stored
per face backend, so switching backend (or upgrading a model) re-embeds from
the photos instead of asking the agency to enrol everyone again.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from idolguard.faces import DetectedFace, FaceBackend, FaceBackendError
from idolguard.faces.calibration import Calibration, load_calibration
from idolguard.faces.gallery import Gallery
from idolguard.faces.quality import assess, enrolment_problem
from idolguard.forensics.ai_model import clip_available, shared_encoder
from idolguard.forensics.consistency import FEATURE_VERSION, outer_embeddings
from idolguard.media import MediaError, MediaLimits, MediaType, load_image, sniff
from idolguard.media.digests import file_digests
from idolguard.signals.base import JSONDict
from idolguard.signals.faces import IMAGE_DECODE_SIDE
from idolguard.signals.identity import Candidate, Identification
from idolguard.signals.text import ArtistNames
from idolguard.signals.watchlist import (
    ArtistContext,
    BackendTemplates,
    ContextReferences,
    Watchlist,
    unit_rows,
)
from idolguard.storage.blobs import BlobStore
from idolguard.storage.database import Database
from idolguard.storage.models import (
    Artist,
    ArtistAlias,
    ArtistPhoto,
    Bank,
    FaceContext,
    FaceTemplate,
)

_FOLD_DROP = re.compile("[\\s\\-_.\u00b7\u30fb'\u2019\"()]+")
# Candidates listed per face for reviewers, named or not.
CANDIDATES = 3
# Detections below this score are not faces a reference photo can be about.
MIN_DET_SCORE = 0.5


class RosterError(ValueError):
    """A roster operation was refused; the message says why and what to do."""


@dataclass(frozen=True)
class PhotoProblem:
    path: str
    problem: str


class EnrolmentError(RosterError):
    """One or more reference photos cannot be used; nothing was changed."""

    def __init__(self, problems: Sequence[PhotoProblem]) -> None:
        self.problems = list(problems)
        lines = "; ".join(f"{p.path}: {p.problem}" for p in self.problems)
        super().__init__(f"photo(s) rejected, nothing enrolled: {lines}")


@dataclass(frozen=True)
class ArtistSummary:
    id: int
    name: str
    group: str | None
    aliases: list[str]
    photos: int
    templates: int  # for the current backend

    def as_json(self) -> JSONDict:
        return {
            "id": self.id,
            "name": self.name,
            "group": self.group,
            "aliases": self.aliases,
            "photos": self.photos,
            "templates": self.templates,
        }


@dataclass(frozen=True)
class _Prepared:
    path: Path
    sha256: str
    template: FaceTemplate


@dataclass
class _GalleryCache:
    stamp: tuple[int, int] = (-1, -1)
    gallery: Gallery[int] | None = None
    names: dict[int, str] = field(default_factory=dict)


def fold(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, without spaces and punctuation.

    NFKC turns full-width Latin and decomposed Hangul jamo into the ordinary
    forms, so full-width "JENNIE", "jennie" and "Jen-nie" meet, and so do the
    composed and decomposed spellings of "제니".
    """
    return _FOLD_DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


def clean_name(text: str, what: str = "name") -> str:
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if not cleaned or not fold(cleaned):
        raise RosterError(f"{what} must not be empty")
    if len(cleaned) > 200:
        raise RosterError(f"{what} is longer than 200 characters")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise RosterError(f"{what} contains control characters")
    return cleaned


class RosterService:
    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        limits: MediaLimits,
        backend_factory: Callable[[], FaceBackend],
        backend_key: str,
    ) -> None:
        self.database = database
        self.blobs = blobs
        self.limits = limits
        self._backend_factory = backend_factory
        self._backend: FaceBackend | None = None
        self.backend_key = backend_key
        self._lock = threading.Lock()
        self._galleries: dict[str, _GalleryCache] = {}
        self._ensured = False

    @property
    def backend(self) -> FaceBackend:
        if self._backend is None:
            self._backend = self._backend_factory()
        return self._backend

    # --- enrolment -------------------------------------------------------

    def add_artist(
        self,
        name: str,
        photos: Sequence[Path],
        *,
        aliases: Iterable[str] = (),
        group: str | None = None,
    ) -> ArtistSummary:
        name = clean_name(name)
        alias_list = [clean_name(a, "alias") for a in aliases]
        group = clean_name(group, "group") if group else None
        if not photos:
            raise RosterError("give at least one reference photo (--photo FILE)")
        with self.database.session() as session:
            if session.scalar(select(Artist).where(Artist.name == name)) is not None:
                raise RosterError(
                    f"artist {name!r} is already on the roster; "
                    "use `roster add-photo` to add photos"
                )
        prepared = self._prepare(photos)
        with self.database.session() as session:
            artist = Artist(name=name, group_name=group)
            session.add(artist)
            session.flush()
            self._add_aliases(session, artist, [name, *alias_list])
            self._store_photos(session, artist, prepared)
            session.flush()
            return self._summary(session, artist)

    def add_photos(self, artist_ref: str, photos: Sequence[Path]) -> ArtistSummary:
        if not photos:
            raise RosterError("give at least one photo")
        with self.database.session() as session:
            self._resolve(session, artist_ref)
        prepared = self._prepare(photos)
        with self.database.session() as session:
            artist = self._resolve(session, artist_ref)
            self._store_photos(session, artist, prepared)
            session.flush()
            return self._summary(session, artist)

    def add_aliases(self, artist_ref: str, aliases: Iterable[str]) -> ArtistSummary:
        with self.database.session() as session:
            artist = self._resolve(session, artist_ref)
            self._add_aliases(session, artist, [clean_name(a, "alias") for a in aliases])
            session.flush()
            return self._summary(session, artist)

    def remove_artist(self, artist_ref: str) -> str:
        """Remove an artist and their templates; the photo originals stay (write-once store)."""
        with self.database.session() as session:
            artist = self._resolve(session, artist_ref)
            name = artist.name
            session.execute(update(Bank).where(Bank.artist_id == artist.id).values(artist_id=None))
            session.delete(artist)
        return name

    def _prepare(self, photos: Sequence[Path]) -> list[_Prepared]:
        """Check and embed every photo before touching the database: all or nothing."""
        prepared: list[_Prepared] = []
        problems: list[PhotoProblem] = []
        seen: set[str] = set()
        for path in photos:
            try:
                item = self._prepare_one(Path(path))
            except (MediaError, RosterError) as exc:
                problems.append(PhotoProblem(str(path), str(exc)))
                continue
            except OSError as exc:
                problems.append(PhotoProblem(str(path), f"cannot read file: {exc.strerror or exc}"))
                continue
            if item.sha256 in seen:
                continue
            seen.add(item.sha256)
            prepared.append(item)
        if problems:
            raise EnrolmentError(problems)
        return prepared

    def _prepare_one(self, path: Path) -> _Prepared:
        kind = sniff(path, self.limits)
        if kind.media_type is not MediaType.IMAGE:
            raise RosterError(f"not a photo ({kind.format}); reference photos must be images")
        pixels, faces = self._detect(path)
        problem = enrolment_problem(pixels, faces)
        if problem:
            raise RosterError(problem)
        sha256, _md5, _size = file_digests(path)
        return _Prepared(path=path, sha256=sha256, template=self._template(pixels, faces))

    def _detect(self, path: Path) -> tuple[NDArray[np.uint8], list[DetectedFace]]:
        decoded = load_image(path, self.limits, max_side=IMAGE_DECODE_SIDE)
        pixels = np.asarray(decoded.image, dtype=np.uint8)
        return pixels, [f for f in self.backend.detect(pixels) if f.score >= MIN_DET_SCORE]

    def _store_photos(self, session: Session, artist: Artist, prepared: list[_Prepared]) -> None:
        existing = {p.sha256 for p in artist.photos}
        for item in prepared:
            if item.sha256 in existing:
                continue
            self.blobs.put_file(item.path, expected_sha256=item.sha256)
            photo = ArtistPhoto(sha256=item.sha256, filename=item.path.name)
            artist.photos.append(photo)
            photo.templates.append(item.template)

    def _template(self, pixels: NDArray[np.uint8], faces: list[DetectedFace]) -> FaceTemplate:
        """The template of the photo's main (largest) face under the current backend."""
        face = max(faces, key=lambda f: f.eye_distance)
        quality = assess(pixels, face)
        embedding = self.backend.embed(pixels, [face])[0]
        return FaceTemplate(
            backend=self.backend_key,
            embedding=np.asarray(embedding, dtype="<f4").tobytes(),
            face={
                "box": [round(v, 1) for v in face.box],
                "det_score": round(face.score, 4),
                "eye_distance": round(quality.eye_distance, 2),
                "sharpness": round(quality.sharpness, 2),
            },
        )

    def _add_aliases(self, session: Session, artist: Artist, aliases: Iterable[str]) -> None:
        have = {a.folded for a in artist.aliases}
        for alias in aliases:
            folded = fold(alias)
            if folded and folded not in have:
                artist.aliases.append(ArtistAlias(alias=alias, folded=folded))
                have.add(folded)

    # --- lookup -----------------------------------------------------------

    def _resolve(self, session: Session, ref: str) -> Artist:
        """An artist by exact name, id (``#12``), or unambiguous alias in any script."""
        ref = ref.strip()
        if ref.startswith("#") and ref[1:].isdigit():
            artist = session.get(Artist, int(ref[1:]))
            if artist is not None:
                return artist
        exact = session.scalar(select(Artist).where(Artist.name == ref))
        if exact is not None:
            return exact
        matches = session.scalars(
            select(Artist).join(ArtistAlias).where(ArtistAlias.folded == fold(ref)).distinct()
        ).all()
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RosterError(
                f"no artist named {ref!r} on the roster (see `idolguard roster list`)"
            )
        listing = ", ".join(f"{a.name} (#{a.id}, {a.group_name or 'no group'})" for a in matches)
        raise RosterError(f"{ref!r} is ambiguous: {listing}; use the exact name or #id")

    def artist_names(self) -> list[ArtistNames]:
        """Every artist's name and aliases, for the caption text signal (a ``NameSource``).

        Group names are left out: a group name alone does not say which
        person is in a file, and the harm is to a person.
        """
        with self.database.session() as session:
            artists = session.scalars(
                select(Artist).options(selectinload(Artist.aliases)).order_by(Artist.id)
            ).all()
            return [
                ArtistNames(a.id, a.name, tuple(alias.alias for alias in a.aliases))
                for a in artists
            ]

    def get(self, artist_ref: str) -> ArtistSummary:
        with self.database.session() as session:
            return self._summary(session, self._resolve(session, artist_ref))

    def list_artists(self, query: str | None = None) -> list[ArtistSummary]:
        with self.database.session() as session:
            statement = select(Artist).options(
                selectinload(Artist.aliases), selectinload(Artist.photos)
            )
            if query:
                statement = statement.where(
                    or_(
                        Artist.aliases.any(ArtistAlias.folded.contains(fold(query))),
                        Artist.group_name.ilike(f"%{query.strip()}%"),
                    )
                )
            artists = session.scalars(statement.order_by(Artist.name)).all()
            counts = dict(
                session.execute(
                    select(ArtistPhoto.artist_id, func.count(FaceTemplate.id))
                    .join(FaceTemplate)
                    .where(FaceTemplate.backend == self.backend_key)
                    .group_by(ArtistPhoto.artist_id)
                ).all()
            )
            return [self._summary(session, a, counts.get(a.id, 0)) for a in artists]

    def _summary(
        self, session: Session, artist: Artist, templates: int | None = None
    ) -> ArtistSummary:
        if templates is None:
            templates = (
                session.scalar(
                    select(func.count(FaceTemplate.id))
                    .join(ArtistPhoto)
                    .where(
                        ArtistPhoto.artist_id == artist.id, FaceTemplate.backend == self.backend_key
                    )
                )
                or 0
            )
        return ArtistSummary(
            id=artist.id,
            name=artist.name,
            group=artist.group_name,
            aliases=[a.alias for a in artist.aliases if a.alias != artist.name],
            photos=len(artist.photos),
            templates=templates,
        )

    # --- templates per backend ---------------------------------------------

    def missing_templates(self) -> int:
        with self.database.session() as session:
            return (
                session.scalar(
                    select(func.count(ArtistPhoto.id)).where(
                        ~ArtistPhoto.templates.any(FaceTemplate.backend == self.backend_key)
                    )
                )
                or 0
            )

    def ensure_templates(
        self, progress: Callable[[int, int], None] | None = None
    ) -> list[PhotoProblem]:
        """Embed every stored reference photo that has no template for the current backend."""
        with self.database.session() as session:
            todo = session.execute(
                select(ArtistPhoto.id, ArtistPhoto.sha256, ArtistPhoto.filename).where(
                    ~ArtistPhoto.templates.any(FaceTemplate.backend == self.backend_key)
                )
            ).all()
        problems: list[PhotoProblem] = []
        for done, (photo_id, sha256, filename) in enumerate(todo, start=1):
            label = f"{filename or sha256[:12]} (photo #{photo_id})"
            try:
                with self.blobs.local_path(sha256) as original:
                    pixels, faces = self._detect(original)
                if not faces:
                    raise RosterError(f"the {self.backend.name} backend finds no face in it")
                template = self._template(pixels, faces)
            except (MediaError, RosterError, OSError) as exc:
                problems.append(PhotoProblem(label, str(exc)))
                continue
            with self.database.session() as session:
                template.photo_id = photo_id
                session.add(template)
            if progress:
                progress(done, len(todo))
        return problems

    # --- identification (FaceMatcher) ------------------------------------------

    def calibration(self, backend: str) -> Calibration:
        name, _, version = backend.partition("@")
        return load_calibration(name, version or None)

    def _gallery(self, backend: str) -> _GalleryCache:
        with self.database.session() as session:
            stamp_row = session.execute(
                select(func.count(FaceTemplate.id), func.max(FaceTemplate.id)).where(
                    FaceTemplate.backend == backend
                )
            ).one()
            # Enrolment raises the max id, removal lowers the count (templates cascade).
            stamp = (int(stamp_row[0] or 0), int(stamp_row[1] or 0))
            with self._lock:
                cache = self._galleries.setdefault(backend, _GalleryCache())
                if cache.stamp == stamp and cache.gallery is not None:
                    return cache
                rows = session.execute(
                    select(ArtistPhoto.artist_id, Artist.name, FaceTemplate.embedding)
                    .join(FaceTemplate, FaceTemplate.photo_id == ArtistPhoto.id)
                    .join(Artist, Artist.id == ArtistPhoto.artist_id)
                    .where(FaceTemplate.backend == backend)
                ).all()
                gallery: Gallery[int] | None = None
                names: dict[int, str] = {}
                for artist_id, name, blob in rows:
                    vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
                    if gallery is None:
                        gallery = Gallery(dim=vector.shape[0])
                    gallery.add(artist_id, vector)
                    names[artist_id] = name
                cache.stamp, cache.gallery, cache.names = stamp, gallery, names
                return cache

    def identify(
        self, backend: str, embeddings: Sequence[NDArray[np.float32]]
    ) -> list[Identification]:
        if not embeddings:
            return []
        if backend == self.backend_key and not self._ensured:
            # Photos enrolled under another backend get templates for this one,
            # once per process; photos it cannot use are reported by `roster reembed`.
            self._ensured = True
            if self.missing_templates():
                self.ensure_templates()
        cache = self._gallery(backend)
        if cache.gallery is None:
            return [Identification(None, []) for _ in embeddings]
        calibration = self.calibration(backend)
        results = []
        for ranked in cache.gallery.search(np.stack(embeddings), k=CANDIDATES):
            candidates = [
                Candidate(
                    artist_id=artist_id,
                    name=cache.names[artist_id],
                    similarity=similarity,
                    score=calibration.confidence(similarity),
                )
                for artist_id, similarity in ranked
            ]
            best = candidates[0] if candidates else None
            named = best if best is not None and best.similarity >= calibration.threshold else None
            results.append(Identification(named, candidates))
        return results

    def watchlist(self, *, context: bool = False) -> Watchlist:
        """A snapshot of every backend's templates for the scan workers' manipulation cascade.

        With ``context``, also the references identity consistency compares with
        (``context_references``): only scans that run that signal pay for them.
        """
        with self.database.session() as session:
            backends = session.scalars(select(FaceTemplate.backend).distinct()).all()
        snapshot: dict[str, BackendTemplates] = {}
        for backend in backends:
            cache = self._gallery(backend)
            if cache.gallery is None:
                continue
            try:
                calibration = self.calibration(backend)
            except FaceBackendError:
                continue  # templates of a backend this version cannot calibrate: not used
            snapshot[backend] = BackendTemplates(
                unit_rows(cache.gallery.vectors()), calibration.threshold, calibration.slope
            )
        return Watchlist(snapshot, self.context_references() if context else None)

    def context_references(self) -> ContextReferences | None:
        """Every artist's templates and outer-head features under the current backend.

        A photo's feature is computed the first time it is needed and stored
        (``FaceContext``), from the same main face its template came from; None
        when the CLIP encoder is not installed or the backend cannot be calibrated.
        """
        if not clip_available():
            return None
        backend = self.backend_key
        try:
            threshold = self.calibration(backend).threshold
        except FaceBackendError:
            return None
        version = f"{FEATURE_VERSION}/{backend}"
        with self.database.session() as session:
            rows = session.execute(
                select(ArtistPhoto.id, ArtistPhoto.artist_id, Artist.name, ArtistPhoto.sha256)
                .add_columns(FaceTemplate.embedding)
                .join(FaceTemplate, FaceTemplate.photo_id == ArtistPhoto.id)
                .join(Artist, Artist.id == ArtistPhoto.artist_id)
                .where(FaceTemplate.backend == backend)
                .order_by(ArtistPhoto.artist_id, ArtistPhoto.id)
            ).all()
            stored: dict[int, bytes] = {
                photo_id: blob
                for photo_id, blob in session.execute(
                    select(FaceContext.photo_id, FaceContext.embedding).where(
                        FaceContext.version == version
                    )
                ).all()
            }
        for photo_id, _artist, _name, sha256, _template in rows:
            if photo_id not in stored:
                found = self._outer_feature(photo_id, sha256, version)
                if found is not None:
                    stored[photo_id] = found
        grouped: dict[int, tuple[str, list[NDArray[np.float32]], list[NDArray[np.float32]]]] = {}
        for photo_id, artist_id, name, _sha256, template in rows:
            _, templates, outer = grouped.setdefault(artist_id, (name, [], []))
            templates.append(np.frombuffer(template, dtype="<f4").astype(np.float32))
            if photo_id in stored:
                outer.append(np.frombuffer(stored[photo_id], dtype="<f4").astype(np.float32))
        artists = tuple(
            ArtistContext(artist_id, name, unit_rows(templates), unit_rows(outer))
            for artist_id, (name, templates, outer) in sorted(grouped.items())
        )
        return ContextReferences(backend, FEATURE_VERSION, threshold, artists)

    def _outer_feature(self, photo_id: int, sha256: str, version: str) -> bytes | None:
        """Compute and store one reference photo's outer-head feature (None: unusable)."""
        try:
            with self.blobs.local_path(sha256) as original:
                pixels, faces = self._detect(original)
        except (MediaError, OSError):
            return None
        if not faces:
            return None
        face = max(faces, key=lambda f: f.eye_distance)
        vector = outer_embeddings(shared_encoder(1), pixels, [face.landmarks])[0]
        blob = np.asarray(vector, dtype="<f4").tobytes()
        try:
            with self.database.session() as session:
                session.add(FaceContext(photo_id=photo_id, version=version, embedding=blob))
        except IntegrityError:
            pass  # another process stored the same feature first
        return blob

    def roster_summary(self, backend: str) -> JSONDict:
        cache = self._gallery(backend)
        calibration = self.calibration(backend)
        return {
            "artists": len(cache.names),
            "templates": len(cache.gallery) if cache.gallery is not None else 0,
            "threshold": calibration.threshold,
            "false_accept_rate": calibration.far,
        }
