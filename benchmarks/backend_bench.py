"""The two Slurm backends side by side on one large queue: Slurm's commands against pyslurm.

Fills the queue with held jobs (one row each), then for each backend measures a refresh (the job
list, the node list and the partitions, as one poll reads them) and prints, per refresh: wall time
(median and p90 of --repeat), CPU time of this process and of the commands it ran, the growth of
this process's peak RSS, and slurmctld's RPCs (sdiag, this user's count).

Usage (as root, on the Slurm 25.11 sandbox, where pyslurm matches):
    export HPC_SLURM_VERSION=25.11; bash scripts/sandbox-slurm start
    eval "$(bash scripts/sandbox-slurm env)"
    .venv/bin/python benchmarks/backend_bench.py [--jobs 10000] [--repeat 10] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.load_bench import fill_queue, queue_size  # noqa: E402
from benchmarks.scheduler_bench import user_rpcs  # noqa: E402
from hpc_lab_ext.scheduler import PyslurmBackend, SchedulerBackend, SlurmBackend  # noqa: E402

JOB_NAME = "hpc-backend-bench"


def cpu_s() -> float:
    """CPU seconds of this process and of the children it waited for (the CLI's commands)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def refresh(backend: SchedulerBackend) -> int:
    jobs, nodes = await asyncio.gather(backend.list_jobs(), backend.list_nodes())
    await backend.list_partitions(nodes)
    return len(jobs)


async def measure(label: str, backend: SchedulerBackend, repeat: int) -> dict[str, float]:
    user = getpass.getuser()
    rss_before = peak_rss_mb()
    await refresh(backend)  # warm: first imports, passwd look-ups
    walls: list[float] = []
    subprocess.run(["sdiag", "--reset"], check=True, capture_output=True)
    rpcs_before = user_rpcs(user)
    cpu_before = cpu_s()
    listed = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        listed = await refresh(backend)
        walls.append(time.perf_counter() - t0)
    cpu = (cpu_s() - cpu_before) / repeat
    rpcs = (user_rpcs(user) - rpcs_before) / repeat
    walls.sort()
    row = {
        "jobs": listed,
        "wall_p50_ms": statistics.median(walls) * 1000,
        "wall_p90_ms": walls[int(0.9 * (len(walls) - 1))] * 1000,
        "cpu_ms": cpu * 1000,
        "rss_growth_mb": peak_rss_mb() - rss_before,
        "rpcs": rpcs,
    }
    print(
        f"{label:8} {row['jobs']:>7} jobs  refresh p50 {row['wall_p50_ms']:7.1f} ms  p90 {row['wall_p90_ms']:7.1f} ms"
        f"  CPU {row['cpu_ms']:7.1f} ms  peak RSS +{row['rss_growth_mb']:5.1f} MB  RPCs {row['rpcs']:.1f}",
        flush=True,
    )
    return row


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="leave the jobs in the queue")
    args = parser.parse_args()
    reason = PyslurmBackend.unavailable_reason()
    if reason is not None:
        sys.exit(f"pyslurm cannot be used here: {reason}")
    version = await PyslurmBackend().version()
    print(f"{version}; filling the queue to {args.jobs} jobs", flush=True)
    spent = await fill_queue(args.jobs, name=JOB_NAME)
    print(f"queue: {queue_size()} jobs (filled in {spent:.0f} s)", flush=True)
    try:
        # pyslurm first: the peak RSS it reaches is the one measured (the CLI's parse runs in
        # this process too, and would raise the peak pyslurm is measured against)
        await measure("pyslurm", PyslurmBackend(command_timeout=60), args.repeat)
        await measure("cli", SlurmBackend(command_timeout=60), args.repeat)
    finally:
        if not args.keep:
            subprocess.run(["scancel", "-n", JOB_NAME], check=False)


if __name__ == "__main__":
    asyncio.run(main())
