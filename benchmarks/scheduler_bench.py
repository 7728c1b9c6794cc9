"""Scheduler service benchmark on the sandbox Slurm with a large queue.

Fills the queue with held jobs (one row each), then measures and prints:
  - refresh time of the Slurm backend vs the raw squeue call it wraps
  - GET /jobs latency from the server's cache (p50/p99) and with an ETag (304)
  - slurmctld job-info RPCs (from sdiag) with 1 vs N websocket clients over the same time
  - server RSS growth once the big snapshot is loaded
  - websocket bytes of a delta where 1% of the jobs changed vs the full snapshot

Usage: python benchmarks/scheduler_bench.py [--jobs 10000] [--rpc-seconds 120] [--tabs 20]
Needs the sandbox (scripts/sandbox-slurm start) and root (to submit quickly as one user).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import ServerProcess  # noqa: E402

from benchmarks.load_bench import fill_queue, queue_size  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402
from hpc_lab_ext.scheduler.slurm_parse import SQUEUE_ARGV  # noqa: E402

JOB_NAME = "hpc-bench"


def sh(argv: list[str], timeout: float = 60) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=True).stdout


async def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of `fn()`, awaited when it returns an awaitable."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        if asyncio.iscoroutine(result):
            await result
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def user_rpcs(user: str) -> int:
    """RPCs slurmctld served for `user` since the last `sdiag --reset` (all message types)."""
    out = sh(["sdiag"]).split("statistics by user", 1)[-1]
    match = re.search(rf"^\s*{re.escape(user)}\s+\(\s*\d+\)\s+count:(\d+)", out, re.MULTILINE)
    return int(match.group(1)) if match else 0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--rpc-seconds", type=float, default=120)
    parser.add_argument("--tabs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="leave the benchmark jobs in the queue")
    parser.add_argument("--server-user", default="alice", help="Unix user the Jupyter server runs as")
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str]] = []
    print(f"filling the queue to {args.jobs} jobs…")
    filled = await fill_queue(args.jobs, JOB_NAME)
    size = queue_size()
    print(f"queue holds {size} jobs (filled in {filled:.0f} s)")

    # 1. refresh vs raw squeue
    env = {**os.environ, "SLURM_TIME_FORMAT": "standard"}
    raw = await median_time(lambda: subprocess.run(SQUEUE_ARGV, capture_output=True, env=env, check=True), 7)
    backend = SlurmBackend(command_timeout=60)
    # cold: a fresh backend parses every line; steady: a poll after a poll reuses unchanged lines
    cold = await median_time(lambda: SlurmBackend(command_timeout=60).list_jobs(), 7)
    await backend.list_jobs()
    ours = await median_time(backend.list_jobs, 7)

    async def full_poll() -> None:
        await asyncio.gather(backend.list_jobs(), backend.list_nodes(), backend.list_partitions())

    poll = await median_time(full_poll, 5)
    rows.append(("refresh: raw squeue (same format)", f"{raw * 1000:.0f} ms", "", ""))
    rows.append(("refresh: backend list_jobs, first poll (all parsed)", f"{cold * 1000:.0f} ms",
                 f"{cold / raw:.2f}× raw", ""))  # fmt: skip
    rows.append(("refresh: backend list_jobs, steady polling", f"{ours * 1000:.0f} ms",
                 f"{ours / raw:.2f}× raw", "≤ 1.3×"))  # fmt: skip
    rows.append(("refresh: whole poll (jobs, nodes, partitions)", f"{poll * 1000:.0f} ms", "", ""))

    # The server runs as its own user so sdiag's per-user count is its RPCs alone, whatever
    # else talks to slurmctld meanwhile.
    server = ServerProcess(user=args.server_user, poll_interval=15, min_poll_interval=5)
    try:
        await server.wait_ready()
        rss0 = server.rss_mb()
        code, body, headers = await server.request("hpc-lab-ext/api/v1/jobs?user=all")
        assert code == 200, code
        listed = len(json.loads(body)["jobs"])
        await asyncio.sleep(1)
        rss1 = server.rss_mb()
        rows.append(("server RSS growth with the snapshot", f"{rss1 - rss0:.1f} MB",
                     f"{listed} jobs, {len(body) / 2**20:.1f} MB JSON", "≤ 60 MB"))  # fmt: skip

        # 2. GET latency from the cache
        latencies = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            code, _, _ = await server.request("hpc-lab-ext/api/v1/jobs?user=all")
            latencies.append((time.perf_counter() - t0) * 1000)
            assert code == 200
        rows.append(("GET jobs?user=all (10k, from cache) p50 / p99",
                     f"{pct(latencies, 50):.1f} / {pct(latencies, 99):.1f} ms", "", "p50 ≤ 20 ms"))  # fmt: skip
        etag = headers.get("Etag", "")
        latencies = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            code, _, _ = await server.request(
                "hpc-lab-ext/api/v1/jobs?user=all", headers={"If-None-Match": etag}
            )
            latencies.append((time.perf_counter() - t0) * 1000)
        rows.append(("GET jobs with If-None-Match p50 / p99",
                     f"{pct(latencies, 50):.1f} / {pct(latencies, 99):.1f} ms", f"status {code}", ""))  # fmt: skip

        # 3. websocket: full snapshot vs a 1% delta
        ws = await server.websocket()
        full = await ws.read_message()
        snap = json.loads(full)
        held = [j["id"] for j in snap["jobs"] if j["name"] == JOB_NAME][: max(1, size // 100)]
        for i in range(0, len(held), 200):
            sh(["scontrol", "update", f"JobId={','.join(held[i : i + 200])}", "TimeLimit=59"])
        deadline = time.monotonic() + 60
        delta_len, upserts = 0, 0
        while time.monotonic() < deadline:
            ws.write_message(json.dumps({"type": "refresh"}))
            message = await ws.read_message()
            data = json.loads(message)
            if data["type"] == "delta" and data["jobs"]["upsert"]:
                delta_len, upserts = len(message), len(data["jobs"]["upsert"])
                break
        ws.close()
        rows.append(
            ("websocket: full snapshot", f"{len(full) / 1024:.0f} KB", f"{len(snap['jobs'])} jobs", "")
        )
        rows.append(("websocket: delta, 1% of jobs changed", f"{delta_len / 1024:.0f} KB",
                     f"{upserts} jobs, {delta_len / len(full):.1%} of full", "≤ 5%"))  # fmt: skip

        # 4. scheduler RPCs with 1 vs N tabs
        counts = {}
        for tabs in (1, args.tabs):
            sockets = [await server.websocket() for _ in range(tabs)]
            for s in sockets:
                await s.read_message()
            sh(["sdiag", "--reset"])
            end = time.monotonic() + args.rpc_seconds

            async def watch(s, end=end) -> None:  # type: ignore[no-untyped-def]
                while time.monotonic() < end:
                    s.write_message(json.dumps({"type": "refresh"}))  # every tab presses refresh
                    try:
                        await asyncio.wait_for(s.read_message(), max(0.1, end - time.monotonic()))
                    except asyncio.TimeoutError:
                        break

            await asyncio.gather(*(watch(s) for s in sockets))
            counts[tabs] = user_rpcs(args.server_user)
            for s in sockets:
                s.close()
        ratio = counts[args.tabs] / max(1, counts[1])
        rows.append(
            (f"slurmctld RPCs by the server in {args.rpc_seconds:.0f} s, 1 tab", str(counts[1]), "", "")
        )
        rows.append((f"slurmctld RPCs by the server in {args.rpc_seconds:.0f} s, {args.tabs} tabs",
                     str(counts[args.tabs]), f"ratio {ratio:.2f}", "≤ 1.05"))  # fmt: skip
    finally:
        server.stop()
        if not args.keep:
            subprocess.run(["scancel", "-n", JOB_NAME], check=False)

    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>18}  {'context':<34}  goal")
    print("-" * (width + 70))
    for name, value, context, goal in rows:
        print(f"{name.ljust(width)}  {value:>18}  {context:<34}  {goal}")


if __name__ == "__main__":
    asyncio.run(main())
