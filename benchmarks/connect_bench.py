"""What a tab connecting right after a change costs everybody else, at a big queue.

Fills the queue (like wire_bench.py), starts a server as --server-user and loads its snapshot.
Then, --rounds times: changes 1% of the jobs, has the server poll (a refresh over a websocket)
and, as soon as the changed delta is in, opens a new websocket (columns) while another client
asks `GET status` every 20 ms. Prints, per round, how long the new client waited for its
snapshot and the slowest `GET status` meanwhile (the event loop's stall shows there), and the
same `GET status` figures with nothing connecting, for comparison.

With --rest the newcomer is a `GET jobs?user=all&format=columns` asking for gzip instead (the
first request after a change serializes the view).

Usage: python benchmarks/connect_bench.py [--jobs 100000] [--rounds 5] [--rest] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import ServerProcess  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402
from tornado.websocket import websocket_connect  # noqa: E402

from benchmarks.wire_bench import API, cancel_ours, churn, fill, our_job_ids, read_until  # noqa: E402


async def status_times(client: AsyncHTTPClient, server: ServerProcess, stop: asyncio.Event) -> list[float]:
    times: list[float] = []
    while not stop.is_set():
        t0 = time.perf_counter()
        await client.fetch(
            HTTPRequest(f"{server.base}/{API}/status", headers=server.headers), raise_error=False
        )
        times.append(1000 * (time.perf_counter() - t0))
        await asyncio.sleep(0.02)
    return times


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--server-user", default="alice")
    parser.add_argument("--rest", action="store_true", help="the newcomer is a GET jobs, not a websocket")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    rng = random.Random(3)
    server: ServerProcess | None = None
    rows: list[tuple[float, float, float]] = []
    try:
        await fill(args.jobs, rng)
        server = ServerProcess(
            user=args.server_user, poll_interval=60, min_poll_interval=1, command_timeout=120
        )
        await server.wait_ready()
        client = AsyncHTTPClient(force_instance=True)
        url = f"ws://127.0.0.1:{server.port}/{API}/updates?format=columns"
        watcher = await websocket_connect(HTTPRequest(url, headers=server.headers), max_message_size=2**30)
        version = json.loads(await read_until(watcher, "snapshot", 300))["version"]

        stop = asyncio.Event()
        quiet = asyncio.ensure_future(status_times(client, server, stop))
        await asyncio.sleep(5)
        stop.set()
        idle = await quiet

        ids = our_job_ids()
        for _ in range(args.rounds):
            churn(ids, 0.01, rng)
            watcher.write_message(json.dumps({"type": "refresh"}))

            def changed(message: dict[str, Any], before: int = version) -> bool:
                return bool(message["version"] != before)

            version = json.loads(await read_until(watcher, "delta", 300, changed))["version"]
            stop = asyncio.Event()
            probe = asyncio.ensure_future(status_times(client, server, stop))
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            if args.rest:
                headers = {**server.headers, "Accept-Encoding": "gzip"}
                request = HTTPRequest(f"{server.base}/{API}/jobs?user=all&format=columns", headers=headers,
                                      decompress_response=False, request_timeout=300)  # fmt: skip
                response = await client.fetch(request)
                assert response.code == 200
            else:
                tab = await websocket_connect(
                    HTTPRequest(url, headers=server.headers), max_message_size=2**30
                )
                await read_until(tab, "snapshot", 300)
                tab.close()
            waited = 1000 * (time.perf_counter() - t0)
            await asyncio.sleep(0.1)
            stop.set()
            times = await probe
            rows.append((waited, max(times), statistics.median(times)))
            print(
                f"  new client's snapshot after {waited:.0f} ms; GET status meanwhile: max {max(times):.0f} ms"
            )
        watcher.close()
        client.close()
        newcomer = "GET jobs (columns, gzip)" if args.rest else "websocket (columns)"
        print(f"\nconnect_bench: {args.jobs} jobs, {args.rounds} rounds, newcomer: {newcomer}\n")
        print("| | median | max |")
        print("|---|---|---|")
        print(f"| the newcomer waits for its snapshot, ms | {statistics.median(r[0] for r in rows):.0f} | "
              f"{max(r[0] for r in rows):.0f} |")  # fmt: skip
        print(f"| slowest `GET status` while it connects, ms | {statistics.median(r[1] for r in rows):.0f} | "
              f"{max(r[1] for r in rows):.0f} |")  # fmt: skip
        print(
            f"| `GET status` with nothing connecting, ms | {statistics.median(idle):.1f} | {max(idle):.0f} |"
        )
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            cancel_ours()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
