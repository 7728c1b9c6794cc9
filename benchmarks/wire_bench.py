"""Cost as the queue grows: the server's costs and bytes on the wire at 10k, 50k and 100k jobs.

For each queue size (--sizes), fills the sandbox queue with pending jobs, one row each: tasks of
job arrays split off into records of their own (see `fill`), of three users, in two partitions,
held or waiting for a begin time, with a spread of cores, memory, names and limits. Then measures:

  - raw `squeue` with the backend's format, and the backend's `list_jobs` (steady polling) and
    whole poll (jobs, nodes, partitions): medians of --repeat
  - a real server (as --server-user): its CPU per refresh (a refresh asked over the websocket,
    the poll and the delta sent, nothing changed in the queue), and its RSS before the first poll
    and once the snapshot and every cached form of it are loaded
  - the job list on the wire: `GET jobs?user=all` plain and as columns, each as sent to a client
    that asks for gzip (as browsers do) and to one that does not; the websocket's snapshot and a
    delta for 1% of the jobs changed, plain and as columns, with the size permessage-deflate
    gives them (the server's zlib settings applied to the message, as the socket compresses it)
  - `GET jobs?user=all` latency p50/p99 from the cache: --requests in a row, asking for gzip

Prints a table per size and, with --json, writes every figure to a file that
benchmarks/plot_curve.py draws (docs/images/cost-curve.svg).

Usage: python benchmarks/wire_bench.py [--sizes 10000,50000,100000] [--json FILE]
Needs the sandbox with room for the jobs (HPC_SANDBOX_MAX_JOBS=120000 scripts/sandbox-slurm
start) and root. The benchmark's jobs are cancelled at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import ServerProcess  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

from benchmarks.load_bench import pct  # noqa: E402
from hpc_lab_ext.errors import HPCLabError  # noqa: E402
from hpc_lab_ext.handlers.updates import COMPRESSION  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402
from hpc_lab_ext.scheduler.slurm_parse import SQUEUE_ARGV  # noqa: E402

JOB_NAME_TAG = "hpcw"  # every benchmark job's name starts with it (cancelled with scancel --name)
API = "hpc-lab-ext/api/v1"
MAX_JOBS = 200_000
GROUP = 100  # array tasks split off (and named) per scontrol call
STEMS = ("sim", "train", "md-run", "relax", "postproc", "sweep", "bench", "render", "assemble", "align")
USERS = ("root", "alice", "bob")


# ---- the queue -----------------------------------------------------------------------------------


def _limits(partition: str) -> tuple[int, ...]:
    return (5, 10, 30) if partition == "debug" else (30, 60, 120, 240, 720, 1440)


def array_argv(rng: random.Random, tasks: int) -> tuple[list[str], str]:
    """sbatch arguments of one pending job array of `tasks` tasks, and its partition."""
    partition = "debug" if rng.random() < 0.2 else "batch"
    argv = [
        "sbatch", "--parsable", f"--array=0-{tasks - 1}", "-p", partition,
        "-t", str(rng.choice(_limits(partition))), "-c", str(rng.choice((1, 1, 2, 4, 8))),
        f"--mem={rng.choice((500, 1000, 2000, 4000, 8000))}", "-J", f"{JOB_NAME_TAG}-array",
        "--output=/dev/null", "--chdir=/tmp", "--wrap=sleep 1",
    ]  # fmt: skip
    user = rng.choice(USERS)
    if user != "root":
        argv.append(f"--uid={user}")
    # held (JobHeldUser) or waiting for a start a week away (BeginTime): pending either way
    argv.append("--hold" if rng.random() < 0.6 else "--begin=now+7days")
    return argv, partition


async def _command(argv: list[str], tries: int = 5) -> str:
    """stdout of a Slurm command, tried again when the loaded controller times out."""
    for attempt in range(tries):
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), 300)
        if proc.returncode == 0:
            return out.decode()
        await asyncio.sleep(2 * (attempt + 1))
    raise RuntimeError(f"{argv[0]} failed: {err.decode().strip()[:200]}")


async def fill(total: int, rng: random.Random, parallel: int = 4) -> float:
    """Add pending jobs until the queue holds `total` rows; seconds spent.

    One sbatch per process is ~30 ms of CPU, too slow for 100,000 jobs on a shared machine. So
    the jobs are array tasks: a pending array is one row until its tasks are changed one by one,
    which splits each into a job record (and a row) of its own; one scontrol call changes a group
    of GROUP tasks, giving the group a name and a time limit of its own. Several users, both
    partitions, held or waiting for a begin time a week away.
    """
    if total > MAX_JOBS:
        raise ValueError(f"at most {MAX_JOBS} jobs")
    t0 = time.monotonic()
    sem = asyncio.Semaphore(parallel)

    async def split(ids: list[str], partition: str) -> None:
        name = f"{JOB_NAME_TAG}-{rng.choice(STEMS)}-{rng.randrange(100_000):05d}"
        async with sem:
            await _command(["scontrol", "update", f"JobId={','.join(ids)}", f"Name={name}",
                            f"TimeLimit={rng.choice(_limits(partition))}"])  # fmt: skip

    while (missing := total - queue_size()) > 0:
        tasks = min(10_000, missing)
        argv, partition = array_argv(rng, tasks)
        array = (await _command(argv)).strip().split(";")[0]
        ids = [f"{array}_{i}" for i in range(tasks)]
        groups = [ids[i : i + GROUP] for i in range(0, tasks, GROUP)]
        await asyncio.gather(*(split(group, partition) for group in groups))
        print(f"  queue holds {queue_size()}/{total}", end="\r" if sys.stdout.isatty() else "\n", flush=True)
    return time.monotonic() - t0


def squeue(argv: list[str]) -> str:
    """squeue's output, retried: under load the sandbox's short MessageTimeout can fail a call."""
    for attempt in range(5):
        result = subprocess.run(["squeue", *argv], capture_output=True, text=True, timeout=300, check=False)
        if result.returncode == 0:
            return result.stdout
        time.sleep(2 * (attempt + 1))
    raise RuntimeError(f"squeue failed: {result.stderr.strip()[:200]}")


def queue_size() -> int:
    return len(squeue(["--noheader", "-a", "-o", "%i"]).split())


def our_job_ids() -> list[str]:
    lines = squeue(["--noheader", "-a", "-o", "%i %j"]).splitlines()
    return [parts[0] for parts in map(str.split, lines) if parts[1:2] and parts[1].startswith(JOB_NAME_TAG)]


def cancel_ours(timeout: float = 600) -> None:
    """Cancel every benchmark job (of all users: root may) and wait until squeue lists none."""
    deadline = time.monotonic() + timeout
    while (ids := our_job_ids()) and time.monotonic() < deadline:
        jobs = sorted({job.split("_")[0] for job in ids})  # an array's id cancels all its tasks
        for i in range(0, len(jobs), 2000):
            subprocess.run(["scancel", *jobs[i : i + 2000]], capture_output=True, check=False, timeout=300)
        time.sleep(2)
    if ids:
        print(f"warning: {len(ids)} benchmark jobs still queued", file=sys.stderr)


def churn(ids: list[str], share: float, rng: random.Random) -> int:
    """Change the time limit of `share` of the jobs (each a changed row); how many."""
    chosen = rng.sample(ids, max(1, round(len(ids) * share)))
    for i in range(0, len(chosen), 200):
        subprocess.run(
            ["scontrol", "update", f"JobId={','.join(chosen[i : i + 200])}", f"TimeLimit={rng.choice((15, 25))}"],
            capture_output=True, check=False, timeout=120,
        )  # fmt: skip
    return len(chosen)


# ---- measuring -----------------------------------------------------------------------------------


def _cpu_s() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


async def median_wall_cpu(fn: Any, repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `fn()` (awaited when it returns an awaitable); the CPU
    time is this process's and its children's, so a command's own counts."""
    walls: list[float] = []
    cpus: list[float] = []
    failures = 0
    while len(walls) < repeat:
        c0, t0 = _cpu_s(), time.perf_counter()
        result = fn()
        if asyncio.iscoroutine(result):
            result = await result
        if result is False:  # a call the controller failed under load: not a sample
            failures += 1
            if failures > 2 * repeat:
                raise RuntimeError("the measured call keeps failing")
            await asyncio.sleep(2)
            continue
        walls.append(1000 * (time.perf_counter() - t0))
        cpus.append(1000 * (_cpu_s() - c0))
    return statistics.median(walls), statistics.median(cpus)


async def _listed(backend: SlurmBackend) -> bool:
    """list_jobs, False when the controller failed it under load."""
    try:
        await backend.list_jobs()
    except HPCLabError:
        return False
    return True


def deflated(text: str) -> int:
    """Bytes of `text` as one permessage-deflate message with the server's settings."""
    compressor = zlib.compressobj(COMPRESSION["compression_level"], zlib.DEFLATED, -zlib.MAX_WBITS,
                                  COMPRESSION["mem_level"])  # fmt: skip
    data = compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return len(data) - 4  # the sync flush's empty block is not sent


async def get(
    client: AsyncHTTPClient, server: ServerProcess, path: str, gzip_ok: bool
) -> tuple[int, bytes, Any]:
    request = HTTPRequest(
        f"{server.base}/{API}/{path}",
        headers={**server.headers, "Accept-Encoding": "gzip, deflate, br" if gzip_ok else "identity"},
        decompress_response=False, request_timeout=120,
    )  # fmt: skip
    response = await client.fetch(request, raise_error=False)
    return response.code, response.body or b"", response.headers


_TYPE = re.compile(r'"type": ?"(\w+)"')


async def read_until(ws: Any, kind: str, timeout: float, want: Any = None) -> str:
    """The next message of type `kind` (for which `want(message)` holds, when given)."""
    deadline = time.monotonic() + timeout
    while True:
        text = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
        if text is None:
            raise RuntimeError("websocket closed")
        match = _TYPE.search(str(text)[:400])
        if match and match.group(1) == kind and (want is None or want(json.loads(text))):
            return str(text)


async def measure(size: int, args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    fig: dict[str, Any] = {"jobs": size}
    print(f"\n== {size} jobs: filling…", flush=True)
    fig["fill_s"] = await fill(size, rng)
    fig["queue_rows"] = queue_size()
    fig["load_before"] = os.getloadavg()[0]  # other work on the machine: the figures' context

    # wall time, and CPU time (this process and its children: squeue itself), medians
    env = {**os.environ, "SLURM_TIME_FORMAT": "standard"}
    fig["squeue_ms"], fig["squeue_cpu_ms"] = await median_wall_cpu(
        lambda: subprocess.run(SQUEUE_ARGV, capture_output=True, env=env, check=False).returncode == 0,
        args.repeat,
    )
    backend = SlurmBackend(command_timeout=120)
    fig["list_jobs_cold_ms"], _ = await median_wall_cpu(lambda: _listed(SlurmBackend(command_timeout=120)), 3)
    await backend.list_jobs()
    fig["list_jobs_ms"], fig["list_jobs_cpu_ms"] = await median_wall_cpu(
        lambda: _listed(backend), args.repeat
    )

    async def whole() -> None:
        nodes = await backend.list_nodes()
        await asyncio.gather(backend.list_jobs(), backend.list_partitions(nodes))

    fig["poll_ms"], _ = await median_wall_cpu(whole, 3)
    print(f"  squeue {fig['squeue_ms']:.0f} ms, list_jobs {fig['list_jobs_ms']:.0f} ms", flush=True)

    server = ServerProcess(user=args.server_user, poll_interval=60, min_poll_interval=1, command_timeout=120)
    client = AsyncHTTPClient(force_instance=True)
    sockets: list[Any] = []
    try:
        await server.wait_ready()
        await asyncio.sleep(1)
        fig["rss_before_mb"] = server.rss_mb()

        # bytes of the job list, each form
        code, plain, _ = await get(client, server, "jobs?user=all", gzip_ok=False)
        assert code == 200, code
        fig["listed"] = len(json.loads(plain)["jobs"])
        fig["rest_plain_bytes"] = len(plain)
        _, body, headers = await get(client, server, "jobs?user=all", gzip_ok=True)
        assert headers.get("Content-Encoding") == "gzip"
        fig["rest_plain_gzip_bytes"] = len(body)
        _, body, _ = await get(client, server, "jobs?user=all&format=columns", gzip_ok=False)
        fig["rest_columns_bytes"] = len(body)
        _, body, headers = await get(client, server, "jobs?user=all&format=columns", gzip_ok=True)
        assert headers.get("Content-Encoding") == "gzip"
        fig["rest_columns_gzip_bytes"] = len(body)

        # websocket snapshots
        ws_plain = await server.websocket()
        sockets.append(ws_plain)
        snap_plain = await read_until(ws_plain, "snapshot", 120)
        url = f"ws://127.0.0.1:{server.port}/{API}/updates?format=columns"
        from tornado.websocket import websocket_connect

        ws_cols = await websocket_connect(HTTPRequest(url, headers=server.headers), max_message_size=2**30)
        sockets.append(ws_cols)
        snap_cols = await read_until(ws_cols, "snapshot", 120)
        fig["ws_snapshot_plain_bytes"] = len(snap_plain.encode())
        fig["ws_snapshot_plain_deflate_bytes"] = deflated(snap_plain)
        fig["ws_snapshot_columns_bytes"] = len(snap_cols.encode())
        fig["ws_snapshot_columns_deflate_bytes"] = deflated(snap_cols)
        version = json.loads(snap_cols)["version"]
        await asyncio.sleep(1)
        fig["rss_loaded_mb"] = server.rss_mb()
        fig["rss_growth_mb"] = fig["rss_loaded_mb"] - fig["rss_before_mb"]

        # GET latency from the cache, the four kinds taking turns so that they share conditions
        kinds = [(f"get_{form}{'_gzip' if gz else ''}", path, gz)
                 for form, path in (("columns", "jobs?user=all&format=columns"), ("plain", "jobs?user=all"))
                 for gz in (True, False)]  # fmt: skip
        latencies: dict[str, list[float]] = {tag: [] for tag, _, _ in kinds}
        for _ in range(args.requests):
            for tag, path, gz in kinds:
                t0 = time.perf_counter()
                code, _, _ = await get(client, server, path, gz)
                latencies[tag].append((time.perf_counter() - t0) * 1000)
                assert code == 200
        floor = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            code, _, _ = await get(client, server, "status", True)
            floor.append((time.perf_counter() - t0) * 1000)
        latencies["get_status"] = floor
        for tag, values in latencies.items():
            fig[f"{tag}_p50_ms"] = pct(values, 50)
            fig[f"{tag}_p99_ms"] = pct(values, 99)

        # a delta for 1% of the jobs changed
        ids = our_job_ids()
        fig["churned"] = churn(ids, 0.01, rng)
        proc = server._server_process()
        cpu0 = sum(proc.cpu_times()[:2])
        ws_cols.write_message(json.dumps({"type": "refresh"}))

        def changed(message: dict[str, Any]) -> bool:
            return bool(message["version"] != version)

        delta_cols = await read_until(ws_cols, "delta", 120, changed)
        delta_plain = await read_until(ws_plain, "delta", 120, changed)
        fig["server_cpu_churn_refresh_ms"] = 1000 * (sum(proc.cpu_times()[:2]) - cpu0)
        fig["delta_upserts"] = len(json.loads(delta_plain)["jobs"]["upsert"])
        fig["ws_delta_plain_bytes"] = len(delta_plain.encode())
        fig["ws_delta_plain_deflate_bytes"] = deflated(delta_plain)
        fig["ws_delta_columns_bytes"] = len(delta_cols.encode())
        fig["ws_delta_columns_deflate_bytes"] = deflated(delta_cols)

        # server CPU per refresh, queue unchanged, one (columns) client: refresh, wait for the delta
        ws_plain.close()
        await asyncio.sleep(1)
        cpu0 = sum(proc.cpu_times()[:2])
        for _ in range(args.refreshes):
            ws_cols.write_message(json.dumps({"type": "refresh"}))
            await read_until(ws_cols, "delta", 120)
        fig["server_cpu_per_refresh_ms"] = 1000 * (sum(proc.cpu_times()[:2]) - cpu0) / args.refreshes
        await asyncio.sleep(1)
        fig["rss_end_mb"] = server.rss_mb()
        fig["load_after"] = os.getloadavg()[0]
    finally:
        for ws in sockets:
            ws.close()
        client.close()
        server.stop()
    return fig


ROWS: tuple[tuple[str, str, str], ...] = (
    ("queue rows (squeue)", "queue_rows", "{:.0f}"),
    ("load average (1 min) before / after", "load_pair", "{}"),
    ("raw squeue, ms", "squeue_ms", "{:.0f}"),
    ("backend list_jobs steady, ms", "list_jobs_ms", "{:.0f}"),
    ("  ratio to raw squeue", "list_jobs_ratio", "{:.2f}×"),
    ("raw squeue CPU, ms", "squeue_cpu_ms", "{:.0f}"),
    ("backend list_jobs CPU (with squeue's), ms", "list_jobs_cpu_ms", "{:.0f}"),
    ("  CPU ratio to raw squeue", "list_jobs_cpu_ratio", "{:.2f}×"),
    ("backend list_jobs first poll, ms", "list_jobs_cold_ms", "{:.0f}"),
    ("whole poll (jobs, nodes, partitions), ms", "poll_ms", "{:.0f}"),
    ("server CPU per refresh (no change), ms", "server_cpu_per_refresh_ms", "{:.0f}"),
    ("server CPU, refresh with 1% changed, ms", "server_cpu_churn_refresh_ms", "{:.0f}"),
    ("server RSS before → loaded, MB", "rss_pair", "{}"),
    ("server RSS growth, MB", "rss_growth_mb", "{:.1f}"),
    ("GET jobs plain, KB", "rest_plain_bytes", "{:.0f}"),
    ("GET jobs plain, gzip, KB", "rest_plain_gzip_bytes", "{:.0f}"),
    ("GET jobs columns, KB", "rest_columns_bytes", "{:.0f}"),
    ("GET jobs columns, gzip, KB", "rest_columns_gzip_bytes", "{:.0f}"),
    ("ws snapshot plain / deflate, KB", "ws_snap_plain", "{}"),
    ("ws snapshot columns / deflate, KB", "ws_snap_cols", "{}"),
    ("ws delta 1% plain / deflate, KB", "ws_delta_plain", "{}"),
    ("ws delta 1% columns / deflate, KB", "ws_delta_cols", "{}"),
    ("GET columns gzip p50 / p99, ms", "get_cols_gzip", "{}"),
    ("GET columns no gzip p50 / p99, ms", "get_cols", "{}"),
    ("GET plain gzip p50 / p99, ms", "get_plain_gzip", "{}"),
    ("GET plain no gzip p50 / p99, ms", "get_plain", "{}"),
    ("GET status p50 / p99, ms (the server's floor)", "get_status", "{}"),
)


def derived(fig: dict[str, Any]) -> dict[str, Any]:
    kb = lambda b: fig[b] / 1024  # noqa: E731
    out = dict(fig)
    out["list_jobs_ratio"] = fig["list_jobs_ms"] / fig["squeue_ms"]
    out["list_jobs_cpu_ratio"] = fig["list_jobs_cpu_ms"] / fig["squeue_cpu_ms"]
    out["load_pair"] = f"{fig.get('load_before', 0):.1f} / {fig.get('load_after', 0):.1f}"
    out["rss_pair"] = f"{fig['rss_before_mb']:.0f} → {fig['rss_loaded_mb']:.0f}"
    for name in (
        "rest_plain_bytes",
        "rest_plain_gzip_bytes",
        "rest_columns_bytes",
        "rest_columns_gzip_bytes",
    ):
        out[name] = kb(name)
    for tag, a, b in (
        ("ws_snap_plain", "ws_snapshot_plain_bytes", "ws_snapshot_plain_deflate_bytes"),
        ("ws_snap_cols", "ws_snapshot_columns_bytes", "ws_snapshot_columns_deflate_bytes"),
        ("ws_delta_plain", "ws_delta_plain_bytes", "ws_delta_plain_deflate_bytes"),
        ("ws_delta_cols", "ws_delta_columns_bytes", "ws_delta_columns_deflate_bytes"),
    ):
        out[tag] = f"{kb(a):.0f} / {kb(b):.0f}"
    for tag, key in (("get_cols_gzip", "get_columns_gzip"), ("get_cols", "get_columns"),
                     ("get_plain_gzip", "get_plain_gzip"), ("get_plain", "get_plain"),
                     ("get_status", "get_status")):  # fmt: skip
        out[tag] = f"{fig[key + '_p50_ms']:.1f} / {fig[key + '_p99_ms']:.1f}"
    return out


def table(figures: list[dict[str, Any]]) -> str:
    rows = [derived(f) for f in figures]
    width = max(len(r[0]) for r in ROWS)
    lines = ["| measure | " + " | ".join(f"{f['jobs']:,} jobs" for f in figures) + " |"]
    lines.append("|---|" + "---|" * len(figures))
    for label, key, fmt in ROWS:
        cells = [fmt.format(r[key]) if key in r else "–" for r in rows]
        lines.append(f"| {label.ljust(width)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--refreshes", type=int, default=5)
    parser.add_argument("--server-user", default="alice")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--json", type=Path, help="write the figures here (for plot_curve.py)")
    parser.add_argument("--keep", action="store_true", help="leave the jobs in the queue")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rng = random.Random(args.seed)
    figures: list[dict[str, Any]] = []
    started = time.strftime("%Y-%m-%d %H:%M")
    try:
        for size in sizes:
            figures.append(await measure(size, args, rng))
            print(table(figures[-1:]), flush=True)
    finally:
        if not args.keep:
            print("cancelling the benchmark's jobs…", flush=True)
            with contextlib.suppress(Exception):
                cancel_ours()
    print(f"\nwire_bench {started}, {os.cpu_count()} cores\n")
    print(table(figures))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"measured_at": started, "figures": figures}, indent=1) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
