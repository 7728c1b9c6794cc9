"""Refresh against raw squeue, in interleaved pairs: wall time and where the CPU goes.

A raw `squeue` (subprocess.run, the backend's format) and a steady `SlurmBackend.list_jobs()` are
timed one after the other, --repeat times, so both see the same load; medians are printed with
the CPU of squeue itself (the children's) and of this process (reading and parsing) apart. On a
shared machine this says more than two separate medians (wire_bench.py) can.

Usage: python benchmarks/refresh_bench.py [--jobs 100000] [--repeat 9] [--keep]
Fills the queue like wire_bench.py (needs HPC_SANDBOX_MAX_JOBS above --jobs); cancels its jobs at
the end unless --keep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.wire_bench import cancel_ours, fill  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402
from hpc_lab_ext.scheduler.slurm_parse import SQUEUE_ARGV  # noqa: E402


def usage() -> tuple[float, float]:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    try:
        await fill(args.jobs, random.Random(7))
        backend = SlurmBackend(command_timeout=120)
        jobs = await backend.list_jobs()
        env = {**os.environ, "SLURM_TIME_FORMAT": "standard"}
        samples: list[tuple[float, ...]] = []
        while len(samples) < args.repeat:
            s0, c0 = usage()
            t0 = time.perf_counter()
            raw = subprocess.run(SQUEUE_ARGV, capture_output=True, env=env, check=False)
            s1, c1 = usage()
            t1 = time.perf_counter()
            try:
                jobs = await backend.list_jobs()
            except Exception as e:  # the loaded controller may fail a call: not a sample
                print(f"  list_jobs failed ({e}); again", file=sys.stderr)
                continue
            s2, c2 = usage()
            t2 = time.perf_counter()
            if raw.returncode == 0:
                samples.append((t1 - t0, c1 - c0, s1 - s0, t2 - t1, c2 - c1, s2 - s1))
        med = [1000 * statistics.median(s[i] for s in samples) for i in range(6)]
        print(
            f"\nrefresh_bench: {len(jobs)} jobs, {args.repeat} pairs, load average {os.getloadavg()[0]:.1f}\n"
        )
        print("| | wall ms | squeue CPU ms | this process CPU ms |")
        print("|---|---|---|---|")
        print(f"| raw squeue (subprocess.run) | {med[0]:.0f} | {med[1]:.0f} | {med[2]:.0f} |")
        print(f"| backend list_jobs, steady | {med[3]:.0f} | {med[4]:.0f} | {med[5]:.0f} |")
        print(
            f"| ratio | {med[3] / med[0]:.2f}× | | CPU in all {(med[4] + med[5]) / (med[1] + med[2]):.2f}× |"
        )
    finally:
        if not args.keep:
            cancel_ours()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
