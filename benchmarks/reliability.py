"""Reliability scenarios on the sandbox Slurm, with real servers run as another user; one table.

  outage  A server (poll_interval 15 s) with a websocket client watching and a Dask cluster scaling
          to 2 workers of profile "small"; slurmctld is stopped for --outage-seconds. Measured: how
          long until the status endpoint and the websocket say the data is stale (and after how
          many polls), what a scale request sent before the server noticed and a scale and a job
          cancel sent after it noticed answer (503 expected), then from the controller's return
          until the status is reachable again (and after how many polls), and whether the cluster's
          counts are then true: requested = live worker jobs in squeue = what the API lists, no
          phantom worker.
  crash   A server with 2 clusters (1 and 2 workers of 8 cores: some run, the rest wait) is killed
          with SIGKILL and started again. Measured: seconds from the restart until squeue lists no
          job tagged with the lost clusters, which of them the new server's orphan cleanup
          cancelled (from its log), and that another held job of the same user was left alone.
  load    benchmarks/load_bench.py: --clients concurrent HTTP and websocket clients for --seconds
          against a queue of --jobs held jobs.

Usage: python benchmarks/reliability.py [outage] [crash] [load] [--jobs 10000] [--clients 100]
       [--seconds 60] [--outage-seconds 30] [--markdown]          (no scenario named: all three)
Needs the sandbox (scripts/sandbox-slurm start), root, and the dask extra. Exit status 0 when every
goal was met, 1 otherwise. Every wait is bounded; servers, jobs and the controller are restored in
`finally` blocks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT / "tests"), str(ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from sandbox import cancel, slurm_up, start_controller, stop_controller, submit  # noqa: E402
from servers import ServerProcess  # noqa: E402
from tornado.websocket import WebSocketClientConnection  # noqa: E402

from benchmarks.load_bench import (  # noqa: E402
    LoadConfig,
    Row,
    add_arguments,
    config_from,
    format_table,
    load_scenario,
)

T = TypeVar("T")
SCENARIOS = ("outage", "crash", "load")
TAG_PREFIX = "hpc-lab-"
ORPHAN_GOAL_S = 60.0


# ---- helpers -------------------------------------------------------------------------------------


def squeue_lines(argv: list[str]) -> list[str]:
    out = subprocess.run(
        ["squeue", "--noheader", *argv], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    return [line for line in out.splitlines() if line.strip()]


def tagged_jobs(user: str, tags: set[str]) -> dict[str, str]:
    """Job id -> state of `user`'s live jobs named one of `tags`."""
    if not tags:
        return {}
    lines = squeue_lines(["-u", user, "-n", ",".join(sorted(tags)), "-t", "PD,CF,R,S", "-o", "%i %T"])
    return dict(line.split() for line in lines)


def all_tagged(user: str) -> list[str]:
    """Ids of every job of `user` named like a cluster's worker job."""
    lines = squeue_lines(["-u", user, "-o", "%i %j"])
    return [line.split()[0] for line in lines if line.split()[1].startswith(TAG_PREFIX)]


async def until(check: Callable[[], Awaitable[T | None]], timeout: float, every: float = 0.25) -> T | None:
    """The first truthy value of check() within `timeout` seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(every)


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """A blocking sandbox call in a thread, so websocket readers keep reading meanwhile."""
    return await asyncio.to_thread(fn, *args)


def new_server(user: str, poll_interval: float, min_poll_interval: float) -> ServerProcess:
    return ServerProcess(
        user=user,
        backend="slurm",
        poll_interval=poll_interval,
        min_poll_interval=min_poll_interval,
        worker_interface="lo",
        start_interval=3600.0,
    )


@dataclass
class Watcher:
    """A websocket client that records when each message came and whether it said "stale"."""

    ws: WebSocketClientConnection
    deltas: list[tuple[float, bool]] = field(default_factory=list)  # (monotonic time, stale)
    closed_at: float | None = None
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        while True:
            message = await self.ws.read_message()
            if message is None:
                self.closed_at = time.monotonic()
                return
            data = json.loads(message)
            if data.get("type") == "delta":
                self.deltas.append((time.monotonic(), bool(data.get("stale"))))

    def first(self, after: float, stale: bool) -> tuple[float, int] | None:
        """(time, polls counted from `after`) of the first delta after `after` with this staleness."""
        count = 0
        for t, is_stale in self.deltas:
            if t < after:
                continue
            count += 1
            if is_stale == stale:
                return t, count
        return None

    def close(self) -> None:
        self.ws.close()
        if self.task is not None and not self.task.done():
            self.task.cancel()


def fmt_s(seconds: float | None, poll_interval: float | None = None) -> str:
    if seconds is None:
        return "not seen"
    text = f"{seconds:.1f} s"
    return text + (f" ({seconds / poll_interval:.2f} intervals)" if poll_interval else "")


# ---- outage --------------------------------------------------------------------------------------


async def outage(
    rows: list[Row],
    user: str = "alice",
    outage_s: float = 30.0,
    poll_interval: float = 15.0,
    min_poll_interval: float = 5.0,
) -> None:
    """The outage scenario; appends its figures to `rows` as they are measured."""
    name = "outage"
    await blocking(cancel, await blocking(all_tagged, user))
    held = await blocking(
        submit, ["-p", "debug", "-J", "hpc-rel-outage", "-t", "5", "--hold"], "sleep 300", user
    )
    server = new_server(user, poll_interval, min_poll_interval)
    watcher: Watcher | None = None
    stopped = False
    tasks: list[asyncio.Task[Any]] = []

    def spawn(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        tasks.append(asyncio.get_running_loop().create_task(coro))
        return tasks[-1]

    try:
        await server.wait_ready()
        ws = await server.websocket()
        message = await asyncio.wait_for(ws.read_message(), 60)
        first = json.loads(message or "{}")
        assert first.get("type") == "snapshot", first.get("type")
        watcher = Watcher(ws)
        watcher.start()

        code, info = await server.api("clusters", "POST", {"profile": "small"})
        assert code == 201, info
        cid, tag = info["id"], info["name"]
        code, info = await server.api(f"clusters/{cid}/scale", "POST", {"n": 2})
        assert code == 200, info

        async def two_jobs() -> bool:
            return len(await blocking(tagged_jobs, user, {tag})) == 2

        assert await until(two_jobs, 60), "the 2 worker jobs did not reach the queue"
        code, info = await server.api(f"clusters/{cid}")
        rows.append(Row(name, "cluster when the controller stops",
                        f"requested {info['counts']['requested']}, connected {info['counts']['connected']}"))  # fmt: skip

        # -- the outage --
        t_stop = time.monotonic()
        await blocking(stop_controller)
        stopped = True

        async def unreachable() -> float | None:
            code, body = await server.api("status")
            return time.monotonic() if code == 200 and not body["reachable"] else None

        noticed = spawn(until(unreachable, outage_s + 3 * poll_interval + 20))
        # A scale sent before the server noticed: its sbatch fails; no worker may stay requested.
        t_early = time.monotonic()
        code_early, _ = await server.api(f"clusters/{cid}/scale", "POST", {"n": 3})
        early_s = time.monotonic() - t_early
        t_noticed = await noticed
        stale_s = None if t_noticed is None else t_noticed - t_stop
        ws_stale = watcher.first(t_stop, stale=True)
        rows.append(Row(name, "status says unreachable after", fmt_s(stale_s, poll_interval),
                        f"≤ 2 intervals ({2 * poll_interval:g} s) + a failing command",
                        stale_s is not None and stale_s <= 2 * poll_interval * 1.1 + 10))  # fmt: skip
        rows.append(Row(name, "websocket told stale after", "not seen" if ws_stale is None else
                        f"{ws_stale[0] - t_stop:.1f} s, poll {ws_stale[1]} after the stop",
                        "≤ 2 polls", ws_stale is not None and ws_stale[1] <= 2))  # fmt: skip
        knew = ws_stale is not None and ws_stale[0] < t_early
        rows.append(Row(name, "scale to 3 sent right after the stop",
                        f"HTTP {code_early} in {early_s:.1f} s ({'after' if knew else 'before'} the server noticed)",
                        "503", code_early == 503))  # fmt: skip
        code_scale, _ = await server.api(f"clusters/{cid}/scale", "POST", {"n": 1})
        code_cancel, _ = await server.api(f"jobs/{held}/cancel", "POST")
        code_jobs, jobs = await server.api("jobs?user=me")
        rows.append(Row(name, "scale to 1 during the outage", f"HTTP {code_scale}", "503", code_scale == 503))
        rows.append(
            Row(name, "job cancel during the outage", f"HTTP {code_cancel}", "503", code_cancel == 503)
        )
        served = code_jobs == 200 and jobs["stale"] and held in {j["id"] for j in jobs["jobs"]}
        rows.append(Row(name, "GET jobs during the outage", f"HTTP {code_jobs}, stale={jobs.get('stale')}",
                        "200, last known jobs marked stale", bool(served)))  # fmt: skip
        await asyncio.sleep(max(0.0, t_stop + outage_s - time.monotonic()))

        # -- recovery --
        async def reachable() -> float | None:
            code, body = await server.api("status")
            return time.monotonic() if code == 200 and body["reachable"] else None

        t_restart = time.monotonic()
        back = spawn(until(reachable, 3 * poll_interval + 60))
        await blocking(start_controller)  # returns once the controller answers `scontrol ping`
        stopped = False
        t_up = time.monotonic()
        rows.append(Row(name, "controller down for", f"{t_restart - t_stop:.1f} s, then {t_up - t_restart:.1f} s "
                        "to start and answer", f"{outage_s:g} s"))  # fmt: skip
        t_back = await back
        await asyncio.sleep(0.5)  # the poll's delta is sent with its snapshot; let it be read
        back_s = None if t_back is None else t_back - t_restart
        rows.append(Row(name, "status reachable again after the restart", fmt_s(back_s, poll_interval),
                        f"≤ {t_up - t_restart:.1f} s (start) + 1 interval ({poll_interval:g} s) + one poll",
                        t_back is not None and t_back - t_up <= poll_interval * 1.1 + 5))  # fmt: skip
        fresh = watcher.first(t_restart, stale=False)
        failed_after_up = [
            t for t, is_stale in watcher.deltas if is_stale and t_up < t < (fresh or (0.0, 0))[0]
        ]
        rows.append(Row(name, "websocket fresh again", "not seen" if fresh is None else
                        f"{fresh[0] - t_restart:.1f} s after the restart; {len(failed_after_up)} failed poll(s) "
                        "after the controller answered", "the first poll after it answers",
                        fresh is not None and not failed_after_up))  # fmt: skip

        # True counts at recovery: what the API says vs the queue, right after the first good poll.
        code, info = await server.api(f"clusters/{cid}")
        queued = await blocking(tagged_jobs, user, {tag})
        counts = info["counts"]
        listed = {w["job_id"] for w in info["workers"] if w["job_id"]}
        phantoms = [w for w in info["workers"] if not w["job_id"] or w["job_id"] not in queued]
        true = counts["requested"] == 2 == len(queued) and counts["pending"] + counts["running"] == len(
            queued
        )
        rows.append(Row(name, "at recovery: requested / API pending+running / squeue",
                        f"{counts['requested']} / {counts['pending'] + counts['running']} / {len(queued)}",
                        "2 / 2 / 2", true))  # fmt: skip
        rows.append(Row(name, "phantom workers (listed without a live job)", str(len(phantoms)), "0",
                        not phantoms and listed == set(queued)))  # fmt: skip

        async def connected() -> dict[str, Any] | None:
            _, info = await server.api(f"clusters/{cid}")
            return info if info["counts"]["connected"] == 2 else None

        info = await until(connected, 90)
        rows.append(Row(name, "Dask workers connected after recovery", "2" if info else "fewer than 2 in 90 s",
                        "2", info is not None))  # fmt: skip

        code_cancel, _ = await server.api(f"jobs/{held}/cancel", "POST")
        code_scale, _ = await server.api(f"clusters/{cid}/scale", "POST", {"n": 0})

        async def none_left() -> bool:
            return not await blocking(tagged_jobs, user, {tag})

        gone = await until(none_left, 60)
        rows.append(Row(name, "after recovery: cancel / scale to 0", f"HTTP {code_cancel} / {code_scale}",
                        "200 / 200, no job left", code_cancel == 200 and code_scale == 200 and bool(gone)))  # fmt: skip
    finally:
        for task in tasks:
            task.cancel()
        if stopped or not await blocking(slurm_up):
            await blocking(start_controller)
        if watcher is not None:
            watcher.close()
        server.stop()
        await blocking(cancel, [held, *await blocking(all_tagged, user)], 60.0)


# ---- crash ---------------------------------------------------------------------------------------


async def crash(
    rows: list[Row], user: str = "alice", poll_interval: float = 15.0, min_poll_interval: float = 5.0
) -> None:
    """The crash scenario; appends its figures to `rows` as they are measured."""
    name = "crash"
    await blocking(cancel, await blocking(all_tagged, user))
    bystander = await blocking(
        submit, ["-p", "debug", "-J", "hpc-rel-bystander", "-t", "5", "--hold"], "sleep 300", user
    )
    servers: list[ServerProcess] = [new_server(user, poll_interval, min_poll_interval)]
    tags: set[str] = set()
    try:
        first = servers[0]
        await first.wait_ready()
        # 8 cores each on the 2 debug nodes: at most 2 run, the rest wait (none ends by itself soon).
        for n in (1, 2):
            code, info = await first.api("clusters", "POST", {"profile": "small", "overrides": {"cores": 8}})
            assert code == 201, info
            tags.add(info["name"])
            code, info = await first.api(f"clusters/{info['id']}/scale", "POST", {"n": n})
            assert code == 200, info

        async def three_jobs() -> dict[str, str] | None:
            jobs = await blocking(tagged_jobs, user, tags)
            return jobs if len(jobs) == 3 and "RUNNING" in jobs.values() else None

        jobs = await until(three_jobs, 90)
        assert jobs, "the 3 worker jobs did not reach the queue"
        states = sorted(jobs.values())
        rows.append(
            Row(name, "worker jobs when killed", f"{len(jobs)} ({', '.join(states)})", "2 clusters, 3 jobs")
        )

        os.kill(first.server_pid(), signal.SIGKILL)
        await blocking(first.proc.wait, 30)
        await asyncio.sleep(2)
        left = await blocking(tagged_jobs, user, tags)
        rows.append(Row(name, "jobs left 2 s after kill -9", f"{len(left)} ({', '.join(sorted(left.values()))})",
                        "pending ones stay; a running worker may exit with its scheduler"))  # fmt: skip

        t_restart = time.monotonic()
        second = new_server(user, poll_interval, min_poll_interval)
        servers.append(second)
        await second.wait_ready()
        t_ready = time.monotonic()

        async def none_left() -> float | None:
            return time.monotonic() if not await blocking(tagged_jobs, user, tags) else None

        t_clean = await until(none_left, ORPHAN_GOAL_S + 30, every=0.5)
        clean_s = None if t_clean is None else t_clean - t_restart
        rows.append(Row(name, "restarted server answering after", f"{t_ready - t_restart:.1f} s"))
        rows.append(Row(name, "no job of the lost clusters after", fmt_s(clean_s), f"≤ {ORPHAN_GOAL_S:.0f} s",
                        clean_s is not None and clean_s <= ORPHAN_GOAL_S))  # fmt: skip

        async def said() -> list[str] | None:
            log = Path(second.log.name).read_text(errors="replace")
            lines = [line for line in log.splitlines() if "cancelled orphaned worker jobs" in line]
            return lines[-1].rsplit("jobs", 1)[-1].replace(",", " ").split() if lines else None

        cancelled = set(await until(said, 5) or [])
        pending = {i for i, state in left.items() if state == "PENDING"}
        rows.append(Row(name, "cancelled by the new server (its log)",
                        f"{len(cancelled)} of the {len(left)} left ({len(pending)} pending)",
                        "all pending ones, no other job", pending <= cancelled <= set(left)))  # fmt: skip
        still = bystander in await blocking(squeue_lines, ["-u", user, "-o", "%i"])
        rows.append(Row(name, f"{user}'s other job (held, not a worker)", "still queued" if still else "gone",
                        "untouched", bool(still)))  # fmt: skip
        code, listed = await second.api("clusters")
        rows.append(Row(name, "clusters the new server lists", str(len(listed["clusters"])), "0",
                        code == 200 and not listed["clusters"]))  # fmt: skip
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        await blocking(cancel, [bystander, *await blocking(all_tagged, user)], 60.0)


# ---- the report ----------------------------------------------------------------------------------


async def load(rows: list[Row], jobs: int, cfg: LoadConfig) -> None:
    result, filled = await load_scenario(jobs, cfg)
    rows += [Row("load", "queue filled in", f"{filled:.0f} s"), *result.rows()]


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenarios", nargs="*", metavar="scenario", help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    add_arguments(parser)
    parser.add_argument("--outage-seconds", type=float, default=30.0)
    parser.add_argument("--poll-interval", type=float, default=15.0, help="of the outage and crash servers")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")
    chosen = [s for s in SCENARIOS if s in args.scenarios] or list(SCENARIOS)
    try:
        cfg = config_from(args)
    except ValueError as e:
        parser.error(str(e))
    if not 5 <= args.outage_seconds <= 300:
        parser.error("--outage-seconds must be 5 to 300")
    if not slurm_up():
        print("the sandbox Slurm is not running (scripts/sandbox-slurm start)", file=sys.stderr)
        return 2

    rows: list[Row] = []
    started = time.monotonic()
    for scenario in chosen:
        print(f"== {scenario} ==", flush=True)
        t0 = time.monotonic()
        got: list[Row] = []
        try:
            if scenario == "outage":
                await outage(got, args.server_user, args.outage_seconds, args.poll_interval)
            elif scenario == "crash":
                await crash(got, args.server_user, args.poll_interval)
            else:
                await load(got, args.jobs, cfg)
        except Exception as e:
            got.append(Row(scenario, "scenario failed", f"{type(e).__name__}: {str(e)[:200]}", "runs", False))
        rows += got
        print(format_table(got), flush=True)
        print(f"({time.monotonic() - t0:.0f} s)\n", flush=True)

    print(f"== all scenarios ({time.monotonic() - started:.0f} s, {time.strftime('%Y-%m-%d %H:%M')}) ==")
    print(format_table(rows, args.markdown))
    unmet = [r for r in rows if r.met is False]
    if unmet:
        print(f"\n{len(unmet)} goal(s) not met: " + "; ".join(f"{r.scenario}: {r.measure}" for r in unmet))
    return 1 if unmet else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
