"""The content stage on a Ray cluster (``scan --cluster``, ``watch --cluster``).

The scan's content stage is distributed over Ray actors instead of the local
process pool; everything else stays where it was. Each actor builds the same
:class:`~idolguard.pipeline.worker.WorkerState` a pool worker builds (models
loaded once per actor, not per file) and runs the same ``analyse_file``, so a
record computed on the cluster is the record a pool worker would compute. The
coordinating process (the driver) still runs the context signals (bank
matching) and writes every record, one transaction per file, into the
installation's database, which a cluster shares: PostgreSQL.

Why actors and not plain tasks: a task would load the face and manipulation
models for every file. Why the driver writes: a worker that dies (a hostile
file, a lost host, a scheduler kill) then never leaves half a record, and a
file whose task died is simply submitted again. A file is yielded exactly once
(its record is written once), and the database keys content by SHA-256, so a
retry cannot duplicate a record.

Files are read by path on the worker: a multi-host cluster needs them (and the
installation's home with its ``originals/`` store) on a filesystem every host
mounts at the same place. Ray is an optional dependency (the ``cluster`` extra),
imported only when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idolguard.config import Settings
from idolguard.media import MediaErrorCode
from idolguard.pipeline.records import FileRecord
from idolguard.signals.watchlist import Watchlist

# Each actor keeps this many files queued: one running, one ready, so an actor
# never waits for the driver between files while in-flight work stays bounded.
IN_FLIGHT_PER_ACTOR = 2
# A file whose actor died this many times is recorded as failed instead of tried again:
# it is probably what kills them (the pool's suspect isolation, in one number).
MAX_ATTEMPTS = 3
# Stages (sets of actors) kept alive in one process for scanners alike; see shared_stage.
SHARED_STAGES = 1
# How long the actors may take to start (load every model) before the cluster is given up on.
START_TIMEOUT_SECONDS = 600.0
# How long ``wait`` blocks before the driver checks for overdue files.
POLL_SECONDS = 1.0


class ClusterError(Exception):
    """The Ray cluster cannot be used: the extra is missing or the address does not answer."""


def ray_module() -> Any:
    """``ray``, or a :class:`ClusterError` that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ClusterError(
            "scanning on a cluster needs Ray: pip install 'idolguard[cluster]'"
        ) from exc
    return ray


def connect(address: str) -> Any:
    """Join the Ray cluster at ``address`` ("auto": the one this host belongs to).

    A process already connected (a test driving a local cluster, a second scan
    in one process) keeps its connection.
    """
    ray = ray_module()
    _check_reachable(address)
    if ray.is_initialized():
        return ray
    try:
        ray.init(
            address=address,
            log_to_driver=False,
            logging_level="WARNING",
            configure_logging=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address!r}: {exc}") from exc
    return ray


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast on a ``host:port`` nothing listens on (Ray itself retries for minutes)."""
    if address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"a cluster address is 'auto' or host:port, not {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(
            f"cannot join the Ray cluster at {address!r}: {exc.strerror or exc} "
            "(is `ray start --head` running there?)"
        ) from exc


class AnalysisActor:
    """One Ray worker process: the scan's content signals, loaded once."""

    def __init__(
        self, settings: Settings, signal_names: list[str], watchlist: Watchlist | None
    ) -> None:
        from idolguard.pipeline.worker import build_worker_state

        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        self.state = build_worker_state(settings, signal_names, watchlist=watchlist)

    def analyse(self, path: str) -> FileRecord:
        from idolguard.pipeline.worker import analyse_file

        return analyse_file(Path(path), self.state)

    def pid(self) -> int:
        """This actor's process id (tests kill it to check that no file is lost)."""
        return os.getpid()


@dataclass
class _Task:
    path: Path
    actor: int
    submitted: float
    attempts: int = 1


@dataclass
class ClusterStage:
    """Runs the content stage of one scan on Ray actors, with bounded work in flight.

    ``actors`` defaults to the cluster's CPU count (one actor per CPU).
    """

    settings: Settings
    signal_names: list[str]
    watchlist: Watchlist | None
    address: str
    actors: int | None = None
    file_timeout: float = 120.0
    actor_class: type[AnalysisActor] = AnalysisActor  # what each Ray worker runs
    handles: list[Any] = field(default_factory=list, init=False)

    def start(self) -> None:
        ray = connect(self.address)
        count = self.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(self.actor_class)
        # Passed by value: small (settings, the enrolled faces' embeddings), and a restarted
        # actor is built again from the same arguments.
        self.handles = [
            remote.remote(self.settings, self.signal_names, self.watchlist) for _ in range(count)
        ]
        # Models load before the first file is sent, so no file's time budget pays for them.
        self._await_ready(ray, self.handles)

    def _await_ready(self, ray: Any, handles: list[Any]) -> None:
        """Wait until ``handles`` answer (started or restarted, models loaded)."""
        from ray.exceptions import RayActorError

        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                ray.get([handle.pid.remote() for handle in handles])
                return
            except RayActorError as exc:  # still restarting: ask again
                if time.monotonic() > deadline:
                    raise ClusterError(
                        f"the cluster's workers did not start within {START_TIMEOUT_SECONDS:.0f} s"
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        ray = ray_module()
        for handle in self.handles:
            ray.kill(handle, no_restart=True)
        self.handles = []

    def run(self, files: list[Path]) -> Iterator[FileRecord]:
        """Yield one record per file, in completion order; each file exactly once."""
        if not files:
            return
        ray = ray_module()
        if not self.handles:
            self.start()
        pending = list(reversed(files))
        in_flight: dict[Any, _Task] = {}
        load = [0] * len(self.handles)
        try:
            while pending or in_flight:
                while pending and len(in_flight) < IN_FLIGHT_PER_ACTOR * len(self.handles):
                    self._submit(_Task(pending.pop(), -1, 0.0), in_flight, load)
                done, _ = ray.wait(list(in_flight), num_returns=1, timeout=POLL_SECONDS)
                for ref in done:
                    task = in_flight.pop(ref)
                    load[task.actor] -= 1
                    _started_next(in_flight, task.actor)
                    record = self._outcome(ray, ref, task, in_flight, load)
                    if record is not None:
                        yield record
                yield from self._overdue(ray, in_flight, load)
        finally:
            # Work still in flight here means the scan was abandoned (an error or Ctrl-C in
            # the caller): drop the queued files rather than wait for them.
            for ref in in_flight:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)

    def _submit(
        self, task: _Task, in_flight: dict[Any, _Task], load: list[int], avoid: int = -1
    ) -> None:
        """Queue ``task`` on the least busy actor; ``avoid``: one that just died (restarting)."""
        choices = [n for n in range(len(self.handles)) if n != avoid] or [avoid]
        actor = min(choices, key=load.__getitem__)
        task.actor, task.submitted = actor, time.monotonic()
        ref = self.handles[actor].analyse.remote(str(task.path))
        in_flight[ref] = task
        load[actor] += 1

    def _outcome(
        self, ray: Any, ref: Any, task: _Task, in_flight: dict[Any, _Task], load: list[int]
    ) -> FileRecord | None:
        """The file's record, or ``None`` when its worker died and it was submitted again."""
        from ray.exceptions import RayActorError, RayTaskError, TaskCancelledError

        try:
            record: FileRecord = ray.get(ref)
            return record
        except (RayActorError, TaskCancelledError):
            # The worker process died (killed, out of memory, its host lost): the
            # file is innocent until it has killed MAX_ATTEMPTS workers.
            if task.attempts >= MAX_ATTEMPTS:
                return _failure(
                    task.path,
                    MediaErrorCode.CORRUPT,
                    f"the worker analysing this file died {task.attempts} times "
                    "(corrupt or hostile media, or the cluster lost the worker)",
                )
            task.attempts += 1
            self._submit(task, in_flight, load, avoid=task.actor)
            return None
        except RayTaskError as exc:
            return _failure(task.path, MediaErrorCode.CORRUPT, f"analysis failed: {exc.cause}")

    def _overdue(
        self, ray: Any, in_flight: dict[Any, _Task], load: list[int]
    ) -> Iterator[FileRecord]:
        """Stop files over ``file_timeout``: restart their actor, record them as too slow.

        An actor runs one file at a time, so restarting it is the only way to stop a
        hung native decoder; the other file queued on it is submitted again.
        """
        now = time.monotonic()
        late = {t.actor for t in in_flight.values() if now - t.submitted > self.file_timeout}
        for actor in late:
            ray.kill(self.handles[actor], no_restart=False)
            self._await_ready(ray, [self.handles[actor]])  # back, before files go to it again
            queued = sorted(
                ((ref, t) for ref, t in in_flight.items() if t.actor == actor),
                key=lambda item: item[1].submitted,
            )
            for ref, _task in queued:
                del in_flight[ref]
                load[actor] -= 1
            running = queued[0][1]  # the oldest: the actor runs its files in order
            yield _failure(
                running.path,
                MediaErrorCode.TOO_SLOW,
                f"analysis took longer than {self.file_timeout:.0f} s and was stopped "
                "(limits.file_wall_seconds)",
            )
            for _ref, task in queued[1:]:
                self._submit(_Task(task.path, -1, 0.0, task.attempts), in_flight, load)


_SHARED: dict[str, ClusterStage] = {}


def shared_stage(
    settings: Settings,
    signal_names: list[str],
    watchlist: Watchlist | None,
    address: str,
    *,
    actors: int | None,
    file_timeout: float,
) -> ClusterStage:
    """The stage for these arguments, reusing the last one's actors when nothing changed.

    ``watch`` builds a scanner for every source run; without this, every run would
    start new actors and load every model again. The actors are kept while the
    settings, the signals and the enrolled faces stay the same; a change (an artist
    enrolled) ends them and starts fresh ones, built with the new state. One stage
    at a time: each actor holds a cluster CPU for as long as it lives, so a second
    set would wait for CPUs the first one keeps.
    """
    key = hashlib.sha256(
        pickle.dumps((settings, signal_names, watchlist, address, actors, file_timeout))
    ).hexdigest()
    stage = _SHARED.pop(key, None)
    if stage is None:
        while len(_SHARED) >= SHARED_STAGES:  # the least recently used ends
            oldest = _SHARED.pop(next(iter(_SHARED)))
            with contextlib.suppress(Exception):
                oldest.stop()  # a scanner still holding it starts it again if it runs
        stage = ClusterStage(
            settings, signal_names, watchlist, address, actors=actors, file_timeout=file_timeout
        )
    _SHARED[key] = stage  # now the most recently used
    return stage


def stop_shared_stages() -> None:
    """End the actors kept by :func:`shared_stage`, handing their CPUs back to the cluster."""
    while _SHARED:
        stage = _SHARED.pop(next(iter(_SHARED)))
        with contextlib.suppress(Exception):
            stage.stop()


def _started_next(in_flight: dict[Any, _Task], actor: int) -> None:
    """The file queued behind a finished one on ``actor`` starts now: its clock starts too."""
    now = time.monotonic()
    for task in in_flight.values():
        if task.actor == actor:
            task.submitted = max(task.submitted, now)


def _failure(path: Path, code: MediaErrorCode, message: str) -> FileRecord:
    return FileRecord(location=str(path), error_code=code.value, error=message)
