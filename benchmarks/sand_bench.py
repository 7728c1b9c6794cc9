"""'Be like sand' on a busy sandbox: the advisor's shape against the habitual request, in one run.

Part 1 (per trial, median over --trials): the sandbox is made busy (tests/sandbox.py
`backfill_gap`: node3-4 full for --busy minutes, a four-node job planned at their end), then
  - advisor: ClusterManager asks the advisor for N workers of the "habit" profile and creates the
    cluster in the shape it suggests, scaled to the suggested number of jobs;
  - naive:   the same total cores as the habit asks for them (2 cores × N, 2 hours, batch), like a
    plain dask-jobqueue request;
and measures from scale() to the first and to all workers connected.

Part 2: core-hours a cluster holds while idle in a scripted session: compute, stare at a plot
for --stare seconds, compute again; clusters side by side, one per --idle-timeout (idle release
after that many seconds) and one without release. Core-seconds held = cores × seconds each worker job ran while
the cluster ran no task.

Usage: python benchmarks/sand_bench.py [--trials 3] [--busy 2] [--workers 4] [--stare 900]
       [--idle-timeout 600[,120,...]] [--skip-idle] [--skip-start]
Needs the sandbox (scripts/sandbox-slurm start) and nothing else on it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pwd
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from distributed import Client  # noqa: E402
from distributed.security import Security  # noqa: E402
from sandbox import backfill_gap, cancel  # noqa: E402

from hpc_lab_ext.advisor import AdvicePolicy, advise  # noqa: E402
from hpc_lab_ext.clusters.env import credential_paths  # noqa: E402
from hpc_lab_ext.clusters.manager import ClusterManager  # noqa: E402
from hpc_lab_ext.clusters.profiles import Profile  # noqa: E402
from hpc_lab_ext.poller import Poller  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402

OPEN = ("walltime", "partition", "cores")
HABIT = Profile(
    name="habit", cores=2, memory="2GB", walltime="02:00:00", partition="batch", max_workers=16,
    open_fields=OPEN, idle_timeout_s=10 * 86400,
)  # fmt: skip
# Short workers for the idle session: they start at once on the quiet sandbox.
SESSION = Profile(
    name="session", cores=2, memory="2GB", walltime="00:30:00", partition="batch", max_workers=4
)
POLICY = AdvicePolicy(min_walltime_s=60)


def make_manager(log_dir: Path, profiles: dict[str, Profile]) -> tuple[ClusterManager, Poller]:
    backend = SlurmBackend(command_timeout=30)
    poller = Poller(backend, interval=2.0, min_interval=0.5, start_interval=2.0)
    user = pwd.getpwuid(os.geteuid()).pw_name
    manager = ClusterManager(
        backend, poller, user, profiles, log_dir, idle_check_s=2.0, worker_interface="lo", policy=POLICY
    )
    return manager, poller


async def client_of(manager: ClusterManager, cid: str) -> Client:
    cert, key = credential_paths(manager.log_dir / cid)
    security = Security(
        tls_ca_file=str(cert), tls_client_cert=str(cert), tls_client_key=str(key), require_encryption=True
    )
    return await Client(manager.info(cid).scheduler_address, security=security, asynchronous=True)


async def time_to_workers(
    manager: ClusterManager, overrides: dict[str, Any], jobs: int, timeout: float
) -> tuple[float | None, float | None, str]:
    """Seconds from scale() to the first and to all `jobs` workers connected (None: not within timeout)."""
    info = await manager.create("habit", overrides, sys.executable)
    cid = info.id
    cluster = manager.get(cid)
    first = every = None
    try:
        start = time.monotonic()
        await manager.scale(cid, jobs)
        while time.monotonic() - start < timeout:
            n = len(cluster.scheduler.workers)
            if n and first is None:
                first = time.monotonic() - start
            if n >= jobs:
                every = time.monotonic() - start
                break
            await asyncio.sleep(0.5)
        p = manager.info(cid).profile
        shape = f"{jobs} × {p['cores']} cores, {p['walltime']} in {p['partition']}"
    finally:
        await manager.close(cid)
    return first, every, shape


async def measure(advised: bool, workers: int, busy_minutes: int, log_dir: Path) -> tuple[Any, ...]:
    """One request on a freshly busy sandbox: the advisor's best shape, or the habit as it is."""
    manager, poller = make_manager(log_dir, {"habit": HABIT})
    ids = backfill_gap(user="bob", minutes=busy_minutes)
    try:
        snapshot = await poller.refresh(urgent=True)
        advice = await advise(HABIT, {}, workers, snapshot, POLICY)
        chosen = advice.estimates[0] if advised else next(e for e in advice.estimates if not e.overrides)
        timeout = busy_minutes * 60 * 3 + 180
        first, every, shape = await time_to_workers(manager, chosen.overrides, chosen.jobs, timeout)
        return first, every, shape, chosen.all_wait_s, chosen.basis
    finally:
        cancel(ids, timeout=60)
        await manager.close_all()
        await poller.stop()


async def start_trial(workers: int, busy_minutes: int, log_dir: Path) -> dict[str, Any]:
    """The advisor's request, then the naive one, each on the same freshly made busy schedule."""
    advisor = await measure(True, workers, busy_minutes, log_dir)
    naive = await measure(False, workers, busy_minutes, log_dir)
    return {"advisor": advisor, "naive": naive}


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:7.1f}"


async def part_one(trials: int, workers: int, busy: int) -> None:
    print(f"\n== time to workers on a busy sandbox ({trials} trials, {workers} workers asked for) ==")
    rows = []
    for i in range(trials):
        with tempfile.TemporaryDirectory(prefix="hpc-sand-") as tmp:
            row = await start_trial(workers, busy, Path(tmp) / "clusters")
        rows.append(row)
        a, n = row["advisor"], row["naive"]
        print(f"trial {i + 1}:", flush=True)
        for label, r in (("advisor", a), ("naive", n)):
            print(
                f"  {label:8s} {r[2]:40s} first {fmt(r[0])} s  all {fmt(r[1])} s  "
                f"(estimated {fmt(r[3])} s; {r[4]})",
                flush=True,
            )
    medians = {}
    for label in ("advisor", "naive"):
        firsts = [r[label][0] for r in rows if r[label][0] is not None]
        alls = [r[label][1] for r in rows if r[label][1] is not None]
        medians[label] = (
            statistics.median(firsts) if len(firsts) == len(rows) else None,
            statistics.median(alls) if len(alls) == len(rows) else None,
        )
    print("\n| request | median to first worker (s) | median to all workers (s) |")
    print("|---|---|---|")
    for label in ("naive", "advisor"):
        print(f"| {label} | {fmt(medians[label][0])} | {fmt(medians[label][1])} |")
    a_first, n_first = medians["advisor"][0], medians["naive"][0]
    if a_first is not None and n_first:
        ratio = a_first / n_first
        print(
            f"advisor / naive, first worker: {ratio:.3f} (goal ≤ 0.2) -> {'PASS' if ratio <= 0.2 else 'FAIL'}"
        )


async def session(manager: ClusterManager, cid: str, stare: float) -> dict[str, float]:
    """compute, stare, compute; returns core-seconds held by running worker jobs while idle."""
    client = await client_of(manager, cid)
    cluster = manager.get(cid)
    held = 0.0
    released: float | None = None
    try:
        await manager.scale(cid, 2)
        await client.wait_for_workers(2, timeout=180)
        import dask.array as da

        await client.compute(da.ones((2000, 2000), chunks=500).sum())
        start = last = time.monotonic()
        while time.monotonic() - start < stare:  # staring at the plot: no tasks
            await asyncio.sleep(1.0)
            now = min(time.monotonic(), start + stare)
            # The running worker jobs as the server's shared poll sees them (every 2 s here).
            running = manager.info(cid).counts["running"]
            if running == 0 and released is None:
                released = now - start
            held += running * SESSION.cores * (now - last)
            last = now
        if not cluster.scheduler.workers:
            await manager.scale(cid, 2)  # released while idle: ask again
        await client.wait_for_workers(2, timeout=180)
        await client.compute(da.ones((2000, 2000), chunks=500).sum())
    finally:
        await client.close()
    return {"idle_core_s": held, "stare_s": stare, "released_s": released if released is not None else -1.0}


async def part_two(stare: float, idle_timeouts: list[float]) -> None:
    print(f"\n== idle cores in a session: compute, stare {stare:.0f} s, compute ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="hpc-idle-") as tmp:
        from dataclasses import replace

        profiles = {
            f"release-{t:.0f}s": replace(SESSION, name=f"release-{t:.0f}s", idle_timeout_s=t)
            for t in idle_timeouts
        }
        profiles["keep"] = replace(SESSION, name="keep", idle_timeout_s=10 * 86400)
        manager, poller = make_manager(Path(tmp) / "clusters", profiles)
        try:
            ids = {name: (await manager.create(name, {}, sys.executable)).id for name in profiles}
            results = await asyncio.gather(*(session(manager, ids[n], stare) for n in profiles))
        finally:
            await manager.close_all()
            await poller.stop()
    print(
        f"| cluster (2 workers × {SESSION.cores} cores) | idle core-hours held | share of the stare | released after |"
    )
    print("|---|---|---|---|")
    for name, r in zip(profiles, results, strict=True):
        hours = r["idle_core_s"] / 3600
        share = r["idle_core_s"] / (2 * SESSION.cores * r["stare_s"])
        gone = "never" if r["released_s"] < 0 else f"{r['released_s']:.0f} s"
        print(f"| {name} | {hours:.3f} | {share:.0%} | {gone} |")


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    if not args.skip_start:
        await part_one(args.trials, args.workers, args.busy)
    if not args.skip_idle:
        await part_two(args.stare, [float(t) for t in args.idle_timeout.split(",")])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2, help="minutes the sandbox stays busy")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--stare", type=float, default=900.0)
    parser.add_argument("--idle-timeout", default="600", help="seconds; a comma list runs one cluster each")
    parser.add_argument("--skip-idle", action="store_true")
    parser.add_argument("--skip-start", action="store_true")
    asyncio.run(main(parser.parse_args()))
