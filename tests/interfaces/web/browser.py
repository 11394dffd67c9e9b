"""A real server on loopback and Debian's Chromium driven by Playwright, for end-to-end tests.

The browser is never downloaded: it is the system's ``chromium`` (``.ci/run``
installs Debian's), or ``$IDOLGUARD_CHROMIUM``. Without one the tests skip,
saying why. Screenshots go to ``$IDOLGUARD_TEST_ARTIFACTS`` (default
``test-artifacts/`` in the checkout) so CI keeps them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("IDOLGUARD_TEST_ARTIFACTS") or ROOT / "test-artifacts")
    folder = folder / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_path() -> str | None:
    return os.environ.get("IDOLGUARD_CHROMIUM") or shutil.which("chromium")


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright), or a skip naming what is missing."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "browser tests need Chromium: apt-get install chromium (or $IDOLGUARD_CHROMIUM)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.skip("browser tests need playwright: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()
