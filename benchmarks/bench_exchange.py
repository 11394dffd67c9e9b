"""Benchmark the hash-exchange feed: fetching 100,000 published hashes incrementally on loopback.

Not part of the test suite. Target (issue 23): a full incremental fetch of 100,000
hashes takes <= 10 s on loopback. The script builds an agency with one bank of N
random PDQ hashes (bulk-inserted: setup is not what is measured), publishes it,
starts a real ``idolguard serve`` on 127.0.0.1 in its own process, and times:

* ``client``: every page through ``idolguard.exchange.feed_client.iter_pages`` (what a
  subscribing IdolGuard reads), from checkpoint 0 to the end;
* ``pytx``: the same through our pytx ``SignalExchangeAPI`` (``fetch_iter`` plus pytx's
  own ``naive_fetch_merge`` into its in-memory state), when pytx is installed;
* ``delta``: after withdrawing 10 items, the next incremental fetch from the
  previous checkpoint (only the deletions travel).

Each is run ``--repeat`` times; the median is printed. Publishing itself is timed once.

Usage::

    PYTHONPATH=src:. OMP_NUM_THREADS=1 python benchmarks/bench_exchange.py --hashes 100000
"""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from idolguard.app import IdolGuard
from idolguard.config import load_settings
from idolguard.exchange.feed_client import iter_pages
from idolguard.storage.models import Bank, BankContent, BankSignal

AGENCY, BANK = "stella", "confirmed"


def _bulk_bank(agency: IdolGuard, count: int) -> None:
    agency.banks.create_bank(BANK)
    with agency.database.session() as session:
        bank_id = session.scalar(select(Bank.id).where(Bank.name == BANK))
        session.execute(
            insert(BankContent),
            [{"bank_id": bank_id, "content_id": f"c{i}"} for i in range(count)],
        )
        pks = dict(
            session.execute(
                select(BankContent.content_id, BankContent.id).where(BankContent.bank_id == bank_id)
            ).all()
        )
        session.execute(
            insert(BankSignal),
            [
                {
                    "content_pk": pks[f"c{i}"],
                    "signal_type": "pdq",
                    "variant": "original",
                    "value": secrets.token_hex(32),
                }
                for i in range(count)
            ],
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), to report work independent of contention."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _median(label: str, repeat: int, run: Callable[[], int], server_pid: int) -> float:
    times, cpu_client, cpu_server = [], [], []
    for _ in range(repeat):
        start, client0, server0 = time.perf_counter(), time.process_time(), _cpu_seconds(server_pid)
        got = run()
        times.append(time.perf_counter() - start)
        cpu_client.append(time.process_time() - client0)
        cpu_server.append(_cpu_seconds(server_pid) - server0)
    median = statistics.median(times)
    print(
        f"{label:<8} {got:>8} changes  median {median:6.2f} s wall"
        f"  (runs: {', '.join(f'{t:.2f}' for t in times)});"
        f" CPU median: client {statistics.median(cpu_client):.2f} s,"
        f" server {statistics.median(cpu_server):.2f} s",
        flush=True,
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--target", type=float, default=10.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp:
        home = Path(tmp) / "home"
        settings = replace(load_settings(environ={}, home=home), workers=1)
        control = IdolGuard(settings)
        control.accounts.create_tenant(AGENCY, "Stella", actor="bench")
        agency = control.tenant(AGENCY)
        _bulk_bank(agency, args.hashes)
        start = time.perf_counter()
        published = agency.exchange.publish(BANK, ["ncii"], actor="bench")
        print(f"publish  {published.added:>8} hashes         {time.perf_counter() - start:6.2f} s")
        token = agency.exchange_tokens.issue(BANK, "read", "bench", actor="bench").token

        port = _free_port()
        env = {
            **os.environ,
            "IDOLGUARD_HOME": str(home),
            "OMP_NUM_THREADS": "1",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "idolguard", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    httpx.get(f"{url}/api/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("idolguard serve did not start") from None
                    time.sleep(0.2)

            def client_fetch(after: int = 0) -> int:
                return sum(
                    len(page.changes) for page in iter_pages(url, AGENCY, BANK, token, after=after)
                )

            # This process also holds the publisher's whole installation (models included), which
            # a real pytx or subscriber process does not: keep it out of the collector's scans.
            gc.freeze()
            # Warm-up: the server opens the agency's services on its first request.
            next(iter_pages(url, AGENCY, BANK, token, after=published.seq))
            full = _median("client", args.repeat, client_fetch, server.pid)
            results = {"client": full}
            try:
                from idolguard.exchange.pytx_extension import (
                    IdolGuardCollabConfig,
                    IdolGuardSignalExchangeAPI,
                )
            except ImportError:
                print("pytx     (threatexchange not installed: skipped)")
            else:
                collab = IdolGuardCollabConfig(
                    server=url, agency=AGENCY, bank=BANK, name="bench", api="idolguard"
                )
                api = IdolGuardSignalExchangeAPI(collab, token)

                def pytx_fetch() -> int:
                    state: dict[tuple[str, str], object] = {}
                    count = 0
                    for delta in api.fetch_iter([], None):
                        count += len(delta.updates)
                        api.naive_fetch_merge(state, delta.updates)
                    assert len(state) == args.hashes, len(state)
                    return count

                results["pytx"] = _median("pytx", args.repeat, pytx_fetch, server.pid)

            # Each withdrawal is its own custody entry: ten keep the setup short.
            for i in range(0, min(args.hashes, 1000), 100):
                agency.exchange.withdraw(BANK, content_id=f"c{i}", actor="bench")
            results["delta"] = _median(
                "delta", args.repeat, lambda: client_fetch(published.seq), server.pid
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            control.close()

    worst = max(results["client"], results.get("pytx", 0.0))
    verdict = "met" if worst <= args.target else "NOT met"
    print(f"target   full fetch of {args.hashes} hashes <= {args.target:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
