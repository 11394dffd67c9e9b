"""A web server on loopback whose answers the test changes over time (a platform, seen twice)."""

from __future__ import annotations

import threading
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


class ChangingSite:
    """``routes[path]`` is what the server answers now; unknown paths get 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                answer = site.routes.get(self.path.split("?")[0], Answer(404, b"not found"))
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
