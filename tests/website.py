"""A web server on loopback whose answers the test changes over time (a platform, seen twice)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering: a slow server
    declare_length: bool = True  # False: no Content-Length, the body just runs until close
    endless: bool = False  # after the body, send chunks of it for ever (until the client goes)
    drip: float = 0.0  # seconds between the endless chunks: a server that trickles
    claimed_length: int | None = None  # a Content-Length that lies (say 10 GB)
    sent: list[int] = field(default_factory=list)  # bytes written, per request, when done


@dataclass(frozen=True)
class Request:
    path: str
    at: float  # time.monotonic() when it arrived
    headers: dict[str, str]


class ChangingSite:
    """``routes[path]`` is what the server answers now; unknown paths get 404.

    ``queue(path, ...)`` makes the next requests to ``path`` get those answers
    in order before ``routes`` applies again (a server failing, then recovering).
    Every request is logged with its arrival time and headers, and
    ``max_active`` is the most requests ever handled at once.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.queues: dict[str, list[Answer]] = {}
        self.requests: list[str] = []
        self.log: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                answer = site._arrive(self.path, dict(self.headers.items()))
                try:
                    time.sleep(answer.delay)
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    if answer.claimed_length is not None:
                        self.send_header("Content-Length", str(answer.claimed_length))
                    elif answer.declare_length and not answer.endless:
                        self.send_header("Content-Length", str(len(answer.body)))
                    else:
                        self.send_header("Connection", "close")
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(answer.body)
                    written = len(answer.body)
                    try:
                        while answer.endless and written < 1 << 40:
                            time.sleep(answer.drip)
                            self.wfile.write(answer.body)
                            self.wfile.flush()
                            written += len(answer.body)
                    finally:
                        answer.sent.append(written)
                    if not answer.declare_length or answer.endless:
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or a size limit): that is the test
                finally:
                    with site._lock:
                        site.active -= 1

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _arrive(self, raw_path: str, headers: dict[str, str]) -> Answer:
        path = raw_path.split("?")[0]
        with self._lock:
            self.requests.append(raw_path)
            self.log.append(Request(raw_path, time.monotonic(), headers))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            queued = self.queues.get(path)
            if queued:
                return queued.pop(0)
            return self.routes.get(path, Answer(404, b"not found", "text/plain"))

    def queue(self, path: str, *answers: Answer) -> None:
        self.queues.setdefault(path, []).extend(answers)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path.split("?")[0] == path]

    def url(self, path: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.server.server_address[1]}{path}"

    def serve(self, path: str, body: bytes, content_type: str = "image/jpeg") -> None:
        self.routes[path] = Answer(200, body, content_type)

    def gone(self, path: str, status: int = 404) -> None:
        self.routes[path] = Answer(status, b"gone", "text/plain")

    def __enter__(self) -> ChangingSite:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def website() -> Iterator[ChangingSite]:
    with ChangingSite() as site:
        yield site
