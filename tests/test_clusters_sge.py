"""The cluster manager on the real Grid Engine sandbox: a Dask worker as an SGE job, up and down.

Every cluster a test makes is closed in teardown, and any job still carrying one of its tags is
deleted (also when closing fails). Runs on the tests' own Grid Engine instance (conftest.py).
Skipped when the sandbox is down; failed instead when HPC_LAB_REQUIRE_SGE=1.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from distributed import Client
from distributed.security import Security
from sandbox import until
from sandbox_sge import named_jobs, qdel, require_sge, sge_host

from hpc_lab_ext.clusters.env import credential_paths
from hpc_lab_ext.clusters.manager import ClusterManager
from hpc_lab_ext.clusters.profiles import Profile
from hpc_lab_ext.poller import Poller
from hpc_lab_ext.scheduler.sge import SgeBackend

pytestmark = pytest.mark.sge

USER = pwd.getpwuid(os.geteuid()).pw_name
PROFILES = {
    "small": Profile(
        name="small", scheduler="sge", cores=1, memory="1GB", walltime="00:10:00", partition="debug.q",
        pe="smp", max_workers=2, open_fields=("cores",),
    ),
}  # fmt: skip


@dataclass
class Sandbox:
    manager: ClusterManager
    poller: Poller
    created: list[str] = field(default_factory=list)

    async def create(self) -> str:
        info = await self.manager.create("small", {}, sys.executable)
        self.created.append(info.id)
        return info.id

    async def in_queue(self, cluster_id: str, n: int, timeout: float = 60) -> dict[str, str]:
        jobs: dict[str, str] = {}

        def check() -> bool:
            jobs.clear()
            jobs.update(named_jobs(f"hpc-lab-{cluster_id}"))
            return len(jobs) == n

        await until(check, timeout, f"{n} jobs of cluster {cluster_id} in qstat")
        return jobs

    async def connected(self, cluster_id: str, n: int, timeout: float = 90) -> None:
        manager = self.manager
        await until(
            lambda: manager.info(cluster_id).counts["connected"] == n, timeout, f"{n} connected workers"
        )

    def client(self, cluster_id: str) -> Client:
        cert, key = credential_paths(self.manager.log_dir / cluster_id)
        security = Security(
            tls_ca_file=str(cert), tls_client_cert=str(cert), tls_client_key=str(key), require_encryption=True
        )
        return Client(self.manager.info(cluster_id).scheduler_address, security=security, asynchronous=True)


@pytest.fixture
def sandbox(jp_asyncio_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Sandbox]:
    require_sge()
    backend = SgeBackend(command_timeout=15)
    poller = Poller(backend, interval=1.0, min_interval=0.2, start_interval=3600)
    manager = ClusterManager(
        backend, poller, USER, PROFILES, tmp_path / "clusters", idle_check_s=1.0, worker_interface="lo"
    )
    box = Sandbox(manager, poller)
    yield box
    try:
        jp_asyncio_loop.run_until_complete(manager.close_all())
        jp_asyncio_loop.run_until_complete(poller.stop())
    finally:  # the clusters' jobs go in any case, also when closing failed
        left = [number for cid in box.created for number in named_jobs(f"hpc-lab-{cid}")]
        qdel(left)
    assert not left, f"jobs left after close_all: {left}"


async def test_a_worker_job_scales_up_and_down(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    await sandbox.manager.scale(cid, 1)
    (job_id,) = await sandbox.in_queue(cid, 1)
    await sandbox.connected(cid, 1)
    await sandbox.poller.refresh(urgent=True)

    info = sandbox.manager.info(cid)
    assert info.counts == {"requested": 1, "pending": 0, "running": 1, "connected": 1}
    (row,) = info.workers
    # the Dask worker and the Grid Engine job are joined by job id and by the tag as job name
    assert (row.job_id, row.state, row.node, row.time_limit_s) == (job_id, "RUNNING", sge_host(), 600)
    assert row.worker_name and row.worker_name.startswith(f"hpc-lab-{cid}")
    async with sandbox.client(cid) as client:
        inside = await client.run(lambda: (os.environ["JOB_ID"], os.environ["QUEUE"]))
    assert list(inside.values()) == [(job_id, "debug.q")]  # Grid Engine's own variables in the job

    await sandbox.manager.scale(cid, 0)
    await sandbox.in_queue(cid, 0, timeout=30)
    await sandbox.connected(cid, 0)
    assert sandbox.manager.info(cid).counts["requested"] == 0
