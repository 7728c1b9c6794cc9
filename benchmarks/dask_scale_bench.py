"""Scaling Dask on the sandbox Slurm: the cluster manager against raw dask-jobqueue, in one run.

For N in 1, 4, 8 (median of --repeat runs each), measures
  - up:   from scale(N) until N workers are connected (client.wait_for_workers(N) for both);
  - down: from scale(0) until squeue lists none of the cluster's jobs.
"manager" is ClusterManager.scale on a cluster it created (TLS, runner-based sbatch, watcher
running); "raw" is a plain dask_jobqueue.SLURMCluster with the same options and the same TLS
credentials; "raw tcp" is the same without TLS, to show what encryption itself costs.

Then the memory a cluster costs the Jupyter server (its scheduler runs in a supervisor process of
its own): the RSS of a real server with 0 clusters and with --clusters clusters of one worker each,
and the supervisors' own RSS beside it.

Usage: python benchmarks/dask_scale_bench.py [--repeat 3] [--sizes 1,4,8] [--no-tcp] [--clusters 5]
Needs the sandbox (scripts/sandbox-slurm start; SLURM_CONF picks the instance).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pwd
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psutil  # noqa: E402
from dask_jobqueue import SLURMCluster  # noqa: E402
from distributed import Client  # noqa: E402
from distributed.security import Security  # noqa: E402
from servers import ServerProcess  # noqa: E402

from hpc_lab_ext.clusters.env import credential_paths  # noqa: E402
from hpc_lab_ext.clusters.manager import ClusterManager  # noqa: E402
from hpc_lab_ext.clusters.profiles import Profile  # noqa: E402
from hpc_lab_ext.kernel_env import hpc_lab_dask  # noqa: E402
from hpc_lab_ext.poller import Poller  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402


class FreshNames(SLURMCluster):  # type: ignore[misc]
    new_worker_spec = hpc_lab_dask._fresh_worker_spec


PROFILE = Profile(name="bench", cores=1, memory="1GB", walltime="00:10:00", partition="debug", max_workers=8)


async def queued(name: str) -> int:
    """How many jobs squeue lists under this job name (any state)."""
    proc = await asyncio.create_subprocess_exec(
        "squeue", "--noheader", "-a", "-n", name, "-o", "%i", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    return len(out.split())


async def until_gone(name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while await queued(name):
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs named {name} still queued after {timeout} s")
        await asyncio.sleep(0.02)


class Target:
    """One way of scaling a cluster, with a Client attached to wait for workers."""

    def __init__(
        self,
        label: str,
        scale: Callable[[int], Awaitable[Any]],
        client: Client,
        job_name: str,
        settle: Callable[[], Awaitable[Any]] | None = None,
    ):
        self.label, self.scale, self.client, self.job_name = label, scale, client, job_name
        self.settle = settle

    async def up(self, n: int) -> float:
        start = time.perf_counter()
        await self.scale(n)
        await self.client.wait_for_workers(n, timeout=120)
        return time.perf_counter() - start

    async def down(self) -> float:
        start = time.perf_counter()
        await self.scale(0)
        await until_gone(self.job_name)
        elapsed = time.perf_counter() - start
        if self.settle is not None:
            # Not timed: let a raw cluster finish closing its old workers before the next run, or
            # a late close of worker "SLURMCluster-0" cancels the next run's job of the same name.
            await self.settle()
        return elapsed


async def raw_target(label: str, log_dir: Path, tls: bool) -> tuple[Target, Any]:
    # A plain SpecCluster reuses a gone worker's name, and its delayed clean-up of the gone worker
    # then cancels the new job of that name: back to back runs would lose workers. The raw cluster
    # gets the same fresh names as the manager's (kernel_env/hpc_lab_dask.py), nothing else.
    name = f"hpc-bench-raw-{secrets.token_hex(3)}"
    log_dir.mkdir(parents=True, exist_ok=True)
    security = Security.temporary() if tls else None
    cluster = FreshNames(
        cores=1, memory="1GB", processes=1, walltime="00:10:00", queue="debug", interface="lo",
        job_name=name, python=sys.executable, scheduler_options={"dashboard_address": "127.0.0.1:0"},
        security=security, shared_temp_directory=str(log_dir) if tls else None,
        log_directory=str(log_dir), asynchronous=True,
    )  # fmt: skip
    await cluster
    client = await Client(cluster, asynchronous=True)

    async def scale(n: int) -> None:
        cluster.scale(n)

    return Target(label, scale, client, name, settle=cluster._correct_state), cluster


async def main(sizes: list[int], repeat: int, tcp: bool) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("distributed").setLevel(logging.ERROR)
    backend = SlurmBackend(command_timeout=30)
    poller = Poller(backend, interval=15.0, min_interval=1.0)
    user = pwd.getpwuid(os.geteuid()).pw_name
    work = Path(tempfile.mkdtemp(prefix="hpc-bench-"))
    manager = ClusterManager(
        backend, poller, user, {"bench": PROFILE}, work / "clusters", idle_check_s=30, worker_interface="lo"
    )
    info = await manager.create("bench", {}, sys.executable)
    cert, key = (str(path) for path in credential_paths(manager.log_dir / info.id))
    security = Security(tls_ca_file=cert, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
    mclient = await Client(info.scheduler_address, security=security, asynchronous=True)

    async def mscale(n: int) -> None:
        await manager.scale(info.id, n)

    targets = [Target("manager", mscale, mclient, info.name)]
    clusters = []
    for label, tls in (("raw", True), ("raw tcp", False)) if tcp else (("raw", True),):
        target, cluster = await raw_target(label, work / label.replace(" ", "-"), tls)
        targets.append(target)
        clusters.append(cluster)

    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    try:
        for n in sizes:
            for r in range(repeat):
                order = targets if r % 2 == 0 else targets[::-1]  # alternate to spread drift
                for t in order:
                    up = await t.up(n)
                    down = await t.down()
                    results.setdefault((t.label, n), {"up": [], "down": []})
                    results[(t.label, n)]["up"].append(up)
                    results[(t.label, n)]["down"].append(down)
                    print(f"  N={n} run {r + 1} {t.label:8s} up {up:6.2f} s  down {down:5.2f} s", flush=True)
    finally:
        for t in targets:
            await t.client.close()
        for cluster in clusters:
            await cluster.close()
        await manager.close_all()
        await poller.stop()
        names = [t.job_name for t in targets]
        subprocess.run(["scancel", *(f"--name={n}" for n in names)], check=False)

    med = {k: {m: statistics.median(v) for m, v in d.items()} for k, d in results.items()}
    labels = [t.label for t in targets]
    head = "| N | " + " | ".join(f"{lb} up (s)" for lb in labels) + " | manager/raw up | "
    head += " | ".join(f"{lb} down (s)" for lb in labels) + " |"
    print(
        f"\nmedian of {repeat}; up = scale(N) until N workers connected, down = scale(0) until no job in squeue\n"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for n in sizes:
        ups = [med[(lb, n)]["up"] for lb in labels]
        downs = [med[(lb, n)]["down"] for lb in labels]
        ratio = ups[0] / ups[1]
        cells = [str(n), *(f"{u:.2f}" for u in ups), f"{ratio:.2f}x", *(f"{d:.2f}" for d in downs)]
        print("| " + " | ".join(cells) + " |")


async def server_memory(count: int) -> None:
    """RSS of a real Jupyter server with 0 and with `count` clusters (one worker each)."""
    work = Path(tempfile.mkdtemp(prefix="hpc-bench-rss-"))
    server = ServerProcess(backend="slurm", worker_interface="lo", cluster_dir=str(work / "clusters"))
    try:
        await server.wait_ready()
        await server.api("status")
        await asyncio.sleep(3)  # the first poll and its caches
        before = server.rss_mb()
        ids = []
        for _ in range(count):
            code, info = await server.api("clusters", "POST", {"profile": "small", "workers": 1})
            assert code == 201, info
            ids.append(info["id"])
        deadline = time.monotonic() + 120
        while True:
            _, listed = await server.api("clusters")
            if sum(c["counts"]["connected"] for c in listed["clusters"]) == count:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"not all {count} workers connected: {[c['counts'] for c in listed['clusters']]}"
                )
            await asyncio.sleep(0.5)
        await asyncio.sleep(5)  # several state reads per cluster
        after = server.rss_mb()
        supervisors = [
            p.memory_info().rss / 2**20
            for p in psutil.process_iter(["cmdline"])
            if any("hpc_lab_supervisor.py" in part for part in (p.info["cmdline"] or []))
            and any(str(work) in part for part in p.info["cmdline"])
        ]
        for cid in ids:
            await server.api(f"clusters/{cid}", "DELETE")
    finally:
        server.stop()
    print(
        f"\nJupyter server RSS: {before:.1f} MB with no cluster, {after:.1f} MB with {count} "
        f"(one worker each): {(after - before) / count:.2f} MB per cluster (goal <= 5 MB)"
    )
    if supervisors:
        print(
            f"each cluster's supervisor (its scheduler, in the kernel's Python): "
            f"{statistics.median(supervisors):.0f} MB median, outside the server"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1,4,8")
    parser.add_argument("--no-tcp", action="store_true", help="skip the raw cluster without TLS")
    parser.add_argument("--clusters", type=int, default=5, help="clusters for the server's RSS (0: skip)")
    args = parser.parse_args()
    if args.repeat:
        asyncio.run(main([int(s) for s in args.sizes.split(",")], args.repeat, not args.no_tcp))
    if args.clusters:
        asyncio.run(server_memory(args.clusters))
