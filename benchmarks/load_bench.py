"""Load on one server: many concurrent HTTP and websocket clients against a large queue snapshot.

Fills the sandbox queue with held jobs (one row each), starts a real Jupyter server with the extension
as another user (poll_interval 15 s, min_poll_interval 5 s), connects the websocket clients, then for
--seconds runs every client at once on loopback:

  - HTTP clients loop GET jobs?user=all, GET status, GET jobs?user=all with If-None-Match, GET status,
    pausing --think seconds (mean, jittered) between requests like a person's tab would;
  - websocket clients stay on /hpc-lab-ext/api/v1/updates reading every message and send
    {"type": "refresh"} every --refresh seconds (jittered), so the poller has to coalesce them;
  - one extra websocket (not counted as a client) records one delta per scheduler poll.

Prints: requests done, errors (status other than 200/304, exceptions, websocket disconnects or error
messages), HTTP latency p50/p95/p99, websocket messages received, scheduler polls during the run
against the poll intervals elapsed and the coalescing allowance (seconds / min_poll_interval + 1),
slurmctld RPCs of the server's user (sdiag), and the server's RSS.

Usage: python benchmarks/load_bench.py [--jobs 10000] [--clients 100] [--seconds 60] [--ws-share 0.5]
Needs the sandbox (scripts/sandbox-slurm start) and root (to submit quickly and read sdiag).
Bounded: at most 1000 clients, 600 s and 40,000 jobs; every request and read has a timeout; the
queue's benchmark jobs and the server are removed at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT / "tests"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import psutil  # noqa: E402
from servers import ServerProcess  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError  # noqa: E402

JOB_NAME = "hpc-load"
API = "hpc-lab-ext/api/v1"
MAX_CLIENTS = 1000
MAX_SECONDS = 600.0
MAX_JOBS = 40_000
REQUEST_TIMEOUT_S = 30.0
LATENCY_GOAL_MS = 100.0


# ---- shared by the reliability report ------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a figures table."""

    scenario: str
    measure: str
    value: str
    goal: str = ""
    met: bool | None = None  # None: a figure for context, without a goal


def format_table(rows: list[Row], markdown: bool = False) -> str:
    """The rows as an aligned text table, or as a Markdown table."""
    header = ("scenario", "measure", "value", "goal", "met?")
    cells = [
        (r.scenario, r.measure, r.value, r.goal, "" if r.met is None else ("yes" if r.met else "NO"))
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def run(argv: list[str], timeout: float = 60.0) -> str:
    """stdout of a command that must succeed."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=True).stdout


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# ---- the queue -----------------------------------------------------------------------------------


def queue_size() -> int:
    return len(run(["squeue", "--noheader", "-a", "-o", "%i"]).split())


def named_jobs(name: str) -> int:
    return len(run(["squeue", "--noheader", "-a", "-n", name, "-o", "%i"]).split())


async def fill_queue(total: int, name: str = JOB_NAME, log: bool = True) -> float:
    """Submit held one-row jobs (as this user) until the queue holds `total`; seconds spent."""
    if not 0 <= total <= MAX_JOBS:
        raise ValueError(f"jobs must be 0 to {MAX_JOBS}")
    missing = total - queue_size()
    start = time.monotonic()
    if missing <= 0:
        return 0.0
    sem = asyncio.Semaphore(8)

    async def one() -> None:
        async with sem:
            proc = await asyncio.create_subprocess_exec(
                "sbatch", "--hold", "-p", "batch", "-J", name, "-t", "60",
                "--output=/dev/null", "--chdir=/tmp", "--wrap=sleep 1",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                _, err = await asyncio.wait_for(proc.communicate(), 60)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
                raise RuntimeError("sbatch did not answer within 60 s") from None
            if proc.returncode != 0:
                raise RuntimeError(f"sbatch failed: {err.decode().strip()}")

    done = 0
    while done < missing:
        batch = min(500, missing - done)
        await asyncio.gather(*(one() for _ in range(batch)))
        done += batch
        if log and sys.stdout.isatty():
            print(f"  submitted {done}/{missing} held jobs", end="\r", flush=True)
    if log:
        print(f"  submitted {missing} held jobs in {time.monotonic() - start:.0f} s", flush=True)
    return time.monotonic() - start


def clear_queue(name: str = JOB_NAME, timeout: float = 180.0) -> None:
    """Cancel this user's jobs named `name` and wait until squeue lists none (best effort)."""
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        subprocess.run(["scancel", "-n", name], capture_output=True, timeout=120, check=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if named_jobs(name) == 0:
                return
        except (subprocess.SubprocessError, OSError):
            pass
        time.sleep(1)
    print(f"warning: jobs named {name} still queued after {timeout:.0f} s", file=sys.stderr)


def user_rpcs(user: str) -> int | None:
    """RPCs slurmctld served for `user` since sdiag's last reset (all types); None if unknown."""
    try:
        out = run(["sdiag"], timeout=30).split("statistics by user", 1)[-1]
    except (subprocess.SubprocessError, OSError):
        return None
    match = re.search(rf"^\s*{re.escape(user)}\s+\(\s*\d+\)\s+count:(\d+)", out, re.MULTILINE)
    return int(match.group(1)) if match else 0


def other_processes(server: ServerProcess, user: str) -> int:
    """Processes of `user` that are not the server under test nor its children."""
    try:
        ours = psutil.Process(server.proc.pid)
        mine = {ours.pid, *(p.pid for p in ours.children(recursive=True))}
    except psutil.Error:
        mine = {server.proc.pid}
    count = 0
    for proc in psutil.process_iter(["username", "status"]):
        if proc.info["username"] == user and proc.pid not in mine:
            count += proc.info["status"] != psutil.STATUS_ZOMBIE
    return count


# ---- the load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 100
    seconds: float = 60.0
    ws_share: float = 0.5
    think: float = 1.0  # mean pause of an HTTP client between two requests
    refresh: float = 3.0  # mean seconds between two refresh requests of a websocket client
    poll_interval: float = 15.0
    min_poll_interval: float = 5.0
    user: str = "alice"

    def __post_init__(self) -> None:
        if not 1 <= self.clients <= MAX_CLIENTS:
            raise ValueError(f"clients must be 1 to {MAX_CLIENTS}")
        if not 0 < self.seconds <= MAX_SECONDS:
            raise ValueError(f"seconds must be more than 0 and at most {MAX_SECONDS:.0f}")
        if not 0.0 <= self.ws_share <= 1.0:
            raise ValueError("ws-share must be 0 to 1")
        if self.think < 0 or self.refresh <= 0:
            raise ValueError("think must be >= 0 and refresh > 0")

    @property
    def ws_clients(self) -> int:
        return round(self.clients * self.ws_share)

    @property
    def http_clients(self) -> int:
        return self.clients - self.ws_clients

    @property
    def poll_allowance(self) -> int:
        """Most polls a run may make: one per min_poll_interval (refreshes coalesced), plus one."""
        return math.floor(self.seconds / self.min_poll_interval) + 1


@dataclass
class LoadResult:
    config: LoadConfig
    snapshot_jobs: int = 0
    ramp_s: float = 0.0  # connecting the websocket clients (each gets the full snapshot)
    elapsed_s: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind -> ms
    errors: Counter[str] = field(default_factory=Counter)
    ws_messages: int = 0
    ws_deltas: list[int] = field(default_factory=list)  # per websocket client
    refreshes_sent: int = 0
    polls: int = 0  # deltas seen by the monitor during the run: one per scheduler poll
    poll_gaps: list[float] = field(default_factory=list)
    poll_times: list[float] = field(default_factory=list)  # monotonic, when each poll's delta came
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (monotonic start, ms) per request
    rpcs: int | None = None
    other_processes: int = 0  # processes of the same user outside our server: their RPCs count too
    rss_start_mb: float = 0.0
    rss_peak_mb: float = 0.0
    loop_lag_ms: list[float] = field(default_factory=list)  # the load generator's own delay

    @property
    def all_latencies(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]

    @property
    def requests(self) -> int:
        return len(self.all_latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def away_from_polls(self, before: float = 0.2, after: float = 0.6) -> tuple[list[float], int]:
        """Latencies of requests that overlap no [poll - before, poll + after] window; how many did."""
        away, near = [], 0
        for start, ms in self.timeline:
            end = start + ms / 1000
            if any(start <= p + after and end >= p - before for p in self.poll_times):
                near += 1
            else:
                away.append(ms)
        return away, near

    @property
    def p99(self) -> float:
        return pct(self.all_latencies, 99)

    def goals_met(self) -> bool:
        lat_ok = self.requests == 0 or self.p99 <= LATENCY_GOAL_MS
        return self.error_count == 0 and lat_ok and self.polls <= self.config.poll_allowance

    def rows(self, scenario: str = "load") -> list[Row]:
        c = self.config
        lat = self.all_latencies
        away, near = self.away_from_polls()
        by_kind = " / ".join(
            f"{kind} {pct(v, 99):.0f}" for kind, v in sorted(self.latencies.items()) if v
        )  # fmt: skip
        errors = ", ".join(f"{k}: {v}" for k, v in self.errors.most_common(4))
        deltas = f"{min(self.ws_deltas)}–{max(self.ws_deltas)}" if self.ws_deltas else "–"
        rpcs = "n/a" if self.rpcs is None else f"{self.rpcs} ({self.rpcs / max(1, self.polls):.1f} per poll)"
        if self.other_processes:
            rpcs += f", includes {self.other_processes} other process(es) of {c.user}"
        lag = (
            f"{pct(self.loop_lag_ms, 50):.0f} / {pct(self.loop_lag_ms, 99):.0f} ms"
            if self.loop_lag_ms
            else "–"
        )
        return [
            Row(scenario, "queue snapshot", f"{self.snapshot_jobs} jobs"),
            Row(scenario, "clients, HTTP + websocket", f"{c.http_clients} + {c.ws_clients} for {self.elapsed_s:.0f} s",
                f"{c.clients} for {c.seconds:.0f} s", self.elapsed_s >= c.seconds - 1),
            Row(scenario, "websocket clients connected (full snapshot each)", f"in {self.ramp_s:.1f} s"),
            Row(scenario, "HTTP requests done", f"{self.requests} ({self.requests / max(self.elapsed_s, 1e-9):.0f}/s)"),
            Row(scenario, "errors", f"{self.error_count}" + (f" ({errors})" if errors else ""), "0",
                self.error_count == 0),
            Row(scenario, "HTTP latency p50 / p95", f"{pct(lat, 50):.1f} / {pct(lat, 95):.1f} ms"),
            Row(scenario, "HTTP latency p99", f"{pct(lat, 99):.1f} ms", f"≤ {LATENCY_GOAL_MS:.0f} ms",
                (not lat) or pct(lat, 99) <= LATENCY_GOAL_MS),
            Row(scenario, "HTTP p99 by request, ms", by_kind),
            Row(scenario, "HTTP p99 of requests away from polls", f"{pct(away, 99):.1f} ms ({near} requests "
                "within −0.2…+0.6 s of a poll left out)"),
            Row(scenario, "websocket messages received", f"{self.ws_messages} ({deltas} deltas per client)"),
            Row(scenario, "refresh requests sent", str(self.refreshes_sent)),
            Row(scenario, "scheduler polls during the run",
                f"{self.polls} in {self.elapsed_s / c.poll_interval:.1f} intervals of {c.poll_interval:g} s",
                f"≤ {c.poll_allowance} (s/{c.min_poll_interval:g} + 1)", self.polls <= c.poll_allowance),
            Row(scenario, "shortest gap between two polls' deltas arriving",
                f"{min(self.poll_gaps):.1f} s" if self.poll_gaps else "–", f"≈ {c.min_poll_interval:g} s"),
            Row(scenario, f"slurmctld RPCs of {c.user} during the run", rpcs),
            Row(scenario, "server RSS start → peak", f"{self.rss_start_mb:.0f} → {self.rss_peak_mb:.0f} MB"),
            Row(scenario, "load generator loop lag p50 / p99", lag),
        ]  # fmt: skip


def _http_client(n: int) -> AsyncHTTPClient:
    # Its own instance: the shared one queues requests beyond 10 in the client, which would be
    # counted as server latency.
    return AsyncHTTPClient(force_instance=True, max_clients=max(10, n + 2))


async def _http_loop(
    server: ServerProcess, client: AsyncHTTPClient, cfg: LoadConfig, end: float, result: LoadResult
) -> None:
    plan = ("jobs", "status", "jobs 304", "status")
    etag = ""
    step = random.randrange(len(plan))
    await asyncio.sleep(random.uniform(0, cfg.think))  # tabs do not all ask in step
    while time.monotonic() < end:
        kind = plan[step % len(plan)]
        step += 1
        path = "status" if kind == "status" else "jobs?user=all"
        headers = dict(server.headers)
        if kind == "jobs 304" and etag:
            headers["If-None-Match"] = etag
        request = HTTPRequest(
            f"{server.base}/{API}/{path}",
            headers=headers,
            connect_timeout=10,
            request_timeout=REQUEST_TIMEOUT_S,
        )
        t0, t_mono = time.perf_counter(), time.monotonic()
        try:
            response = await client.fetch(request, raise_error=False)
        except Exception as e:  # no answer at all: refused, reset, timed out
            result.errors[f"HTTP {type(e).__name__}"] += 1
        else:
            ms = (time.perf_counter() - t0) * 1000
            if response.code not in (200, 304):
                result.errors[f"HTTP {response.code}"] += 1
            else:
                if kind != "status":
                    kind = f"jobs {response.code}"
                    etag = response.headers.get("Etag", etag)
                result.latencies.setdefault(kind, []).append(ms)
                result.timeline.append((t_mono, ms))
        if cfg.think:
            await asyncio.sleep(cfg.think * random.uniform(0.5, 1.5))


def _classify(message: str) -> str:
    """A websocket message's type; the big snapshot is recognised without parsing it."""
    if len(message) > 100_000:
        head = message[:200]
        return "snapshot" if '"type": "snapshot"' in head else "large"
    try:
        return str(json.loads(message).get("type"))
    except (ValueError, AttributeError):
        return "invalid"


async def _connect_ws(server: ServerProcess) -> WebSocketClientConnection:
    """A websocket client that has received its full snapshot."""
    ws = await asyncio.wait_for(server.websocket(), REQUEST_TIMEOUT_S)
    first = await asyncio.wait_for(ws.read_message(), REQUEST_TIMEOUT_S * 2)
    if first is None or _classify(str(first)) != "snapshot":
        ws.close()
        raise RuntimeError(f"expected the snapshot first, got {str(first)[:80]!r}")
    return ws


async def _ws_loop(ws: WebSocketClientConnection, cfg: LoadConfig, end: float, result: LoadResult) -> None:
    deltas = 0

    async def reader() -> None:
        nonlocal deltas
        while True:
            message = await ws.read_message()
            if message is None:
                if time.monotonic() < end:
                    result.errors["websocket disconnect"] += 1
                return
            result.ws_messages += 1
            kind = _classify(str(message))
            if kind == "delta":
                deltas += 1
            elif kind in ("error", "invalid"):
                result.errors[f"websocket {kind} message"] += 1

    task = asyncio.get_running_loop().create_task(reader())
    try:
        await asyncio.sleep(random.uniform(0, cfg.refresh))
        while time.monotonic() < end and not task.done():
            try:
                await ws.write_message(json.dumps({"type": "refresh"}))
                result.refreshes_sent += 1
            except WebSocketClosedError:
                break  # the reader counts the disconnect
            pause = cfg.refresh * random.uniform(0.5, 1.5)
            await asyncio.sleep(max(0.0, min(pause, end - time.monotonic())))
        # let deltas of a poll that ends with the run arrive, then leave
        await asyncio.sleep(0.5)
    finally:
        ws.close()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        result.ws_deltas.append(deltas)


async def _monitor(ws: WebSocketClientConnection, start: float, end: float, result: LoadResult) -> None:
    """Record the scheduler polls of the run: every poll sends one delta to every websocket."""
    seen: list[float] = []
    while True:
        message = await ws.read_message()
        now = time.monotonic()
        if message is None:
            if now < end:
                result.errors["websocket disconnect (monitor)"] += 1
            break
        if _classify(str(message)) == "delta" and start <= now <= end:
            seen.append(now)
    result.polls = len(seen)
    result.poll_times = seen
    result.poll_gaps = [b - a for a, b in itertools.pairwise(seen)]


async def _sample(server: ServerProcess, end: float, result: LoadResult) -> None:
    """Server RSS once a second and the load generator's event-loop lag every 50 ms."""
    next_rss = 0.0
    while time.monotonic() < end:
        t0 = time.monotonic()
        await asyncio.sleep(0.05)
        result.loop_lag_ms.append(max(0.0, (time.monotonic() - t0 - 0.05) * 1000))
        if t0 >= next_rss:
            next_rss = t0 + 1.0
            with contextlib.suppress(Exception):
                result.rss_peak_mb = max(result.rss_peak_mb, server.rss_mb())


async def run_load(server: ServerProcess, cfg: LoadConfig) -> LoadResult:
    """Run the clients against a started server whose snapshot is loaded; the measured result."""
    result = LoadResult(cfg)
    code, body, _ = await server.request(f"{API}/jobs?user=all")
    if code != 200:
        raise RuntimeError(f"GET jobs answered {code}")
    result.snapshot_jobs = len(json.loads(body)["jobs"])
    await asyncio.sleep(0.5)
    result.rss_start_mb = result.rss_peak_mb = server.rss_mb()

    client = _http_client(cfg.http_clients)
    sockets: list[WebSocketClientConnection] = []
    monitor: WebSocketClientConnection | None = None
    tasks: list[asyncio.Task[None]] = []
    try:
        monitor = await _connect_ws(server)
        t0 = time.monotonic()
        sem = asyncio.Semaphore(10)

        async def connect() -> WebSocketClientConnection:
            async with sem:
                return await _connect_ws(server)

        connected = await asyncio.gather(*(connect() for _ in range(cfg.ws_clients)), return_exceptions=True)
        for item in connected:
            if isinstance(item, BaseException):
                result.errors[f"websocket connect {type(item).__name__}"] += 1
            else:
                sockets.append(item)
        result.ramp_s = time.monotonic() - t0

        result.other_processes = other_processes(server, cfg.user)
        rpcs_before = user_rpcs(cfg.user)
        start = time.monotonic()
        end = start + cfg.seconds
        loop = asyncio.get_running_loop()
        tasks.append(loop.create_task(_monitor(monitor, start, end, result)))
        tasks.append(loop.create_task(_sample(server, end, result)))
        tasks += [loop.create_task(_ws_loop(ws, cfg, end, result)) for ws in sockets]
        tasks += [
            loop.create_task(_http_loop(server, client, cfg, end, result)) for _ in range(cfg.http_clients)
        ]
        # Everything ends by itself at `end`; the margin covers requests in flight then.
        workers = tasks[2:] + tasks[1:2]
        done, pending = await asyncio.wait(workers, timeout=cfg.seconds + REQUEST_TIMEOUT_S + 15)
        result.elapsed_s = min(time.monotonic(), end) - start
        for task in pending:
            result.errors["client still running at the deadline"] += 1
            task.cancel()
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                result.errors[f"client crashed: {type(task.exception()).__name__}"] += 1
        rpcs_after = user_rpcs(cfg.user)
        if rpcs_before is not None and rpcs_after is not None:
            result.rpcs = rpcs_after - rpcs_before
        monitor.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(tasks[0]), 10)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        for ws in sockets:
            ws.close()
        if monitor is not None:
            monitor.close()
        client.close()
    return result


async def load_scenario(
    jobs: int, cfg: LoadConfig, keep: bool = False, log: bool = True
) -> tuple[LoadResult, float]:
    """Fill the queue, start a server as cfg.user, run the load; always clean up. (result, fill s)."""
    server: ServerProcess | None = None
    try:
        if log:
            print(f"filling the queue to {jobs} jobs…", flush=True)
        filled = await fill_queue(jobs, log=log)
        server = ServerProcess(
            user=cfg.user, poll_interval=cfg.poll_interval, min_poll_interval=cfg.min_poll_interval
        )
        await server.wait_ready()
        if log:
            print(
                f"server up; {cfg.ws_clients} websocket + {cfg.http_clients} HTTP clients "
                f"for {cfg.seconds:.0f} s…",
                flush=True,
            )
        result = await run_load(server, cfg)
        return result, filled
    finally:
        if server is not None:
            server.stop()
        if not keep:
            clear_queue()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", type=int, default=10_000, help="queue size to fill to (held jobs)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ws-share", type=float, default=0.5, help="share of clients on the websocket")
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean pause between an HTTP client's requests"
    )
    parser.add_argument(
        "--refresh", type=float, default=3.0, help="mean seconds between a websocket's refreshes"
    )
    parser.add_argument("--server-user", default="alice", help="Unix user the Jupyter server runs as")


def config_from(args: argparse.Namespace) -> LoadConfig:
    return LoadConfig(
        clients=args.clients,
        seconds=args.seconds,
        ws_share=args.ws_share,
        think=args.think,
        refresh=args.refresh,
        user=args.server_user,
    )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="leave the benchmark jobs in the queue")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    try:
        cfg = config_from(args)
    except ValueError as e:
        parser.error(str(e))
    result, filled = await load_scenario(args.jobs, cfg, keep=args.keep)
    rows = [Row("load", "queue filled in", f"{filled:.0f} s"), *result.rows()]
    print()
    print(format_table(rows, args.markdown))
    return 0 if result.goals_met() else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
