"""The cluster manager on the real sandbox Slurm: worker jobs, TLS, idle release, orphans, outages.

Every cluster a test makes is closed in teardown, and any job still carrying one of its tags is
cancelled. Skipped when the sandbox is down; failed instead when HPC_LAB_REQUIRE_SLURM=1.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask
import pytest
from distributed import Client
from distributed.security import Security
from sandbox import (
    cancel,
    cancelled_after,
    real_conf,
    require_slurm,
    squeue_ids,
    start_controller,
    stop_controller,
    submit,
    until,
)

from hpc_lab_ext.clusters.env import credential_paths
from hpc_lab_ext.clusters.manager import ClusterManager
from hpc_lab_ext.clusters.model import ClusterInfo
from hpc_lab_ext.clusters.profiles import Profile
from hpc_lab_ext.errors import BadRequest, SchedulerUnavailable
from hpc_lab_ext.poller import Poller
from hpc_lab_ext.scheduler.slurm import SlurmBackend

pytestmark = pytest.mark.slurm

USER = pwd.getpwuid(os.geteuid()).pw_name
PYTHON = sys.executable
ALT_VENV = Path("/tmp/hpc-lab-alt-venv")
LIVE = {"PENDING", "CONFIGURING", "RUNNING", "SUSPENDED"}
ALL_FIELDS = ("cores", "memory", "walltime", "partition", "gres", "processes")
PROFILES = {
    "small": Profile(
        name="small", cores=1, memory="1GB", walltime="00:10:00", partition="debug", max_workers=4,
        open_fields=ALL_FIELDS,
    ),
    # The cluster's scheduler (its supervisor) in a Slurm job of its own, not beside the server.
    "in-job": Profile(
        name="in-job", cores=1, memory="1GB", walltime="00:10:00", partition="debug", max_workers=2,
        supervisor="job",
    ),
    # Jobs that stay pending for an hour: Dask never sees their workers, only Slurm does.
    "later": Profile(
        name="later", cores=1, memory="1GB", walltime="00:10:00", partition="debug", max_workers=4,
        job_extra_directives=("--begin=now+1hour",),
    ),
    "locked": Profile(name="locked", cores=1, memory="1GB", walltime="00:10:00", open_fields=("cores",)),
    "idle": Profile(
        name="idle", cores=1, memory="1GB", walltime="00:10:00", partition="debug", max_workers=2,
        idle_timeout_s=3,
    ),
}  # fmt: skip


def squeue_env() -> dict[str, str]:
    """The real sandbox's environment, even while a test points SLURM_CONF elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SQUEUE_")}
    return {**env, "SLURM_CONF": real_conf()}


def tagged(tag: str) -> dict[str, str]:
    """Job id -> state of the live jobs named `tag`, straight from squeue."""
    out = subprocess.run(
        ["squeue", "--noheader", "-a", "-n", tag, "-o", "%i %T"],
        capture_output=True, text=True, timeout=30, env=squeue_env(), check=True,
    ).stdout  # fmt: skip
    jobs = dict(line.split() for line in out.splitlines() if line.strip())
    return {i: s for i, s in jobs.items() if s in LIVE}


@dataclass
class Sandbox:
    manager: ClusterManager
    poller: Poller
    created: list[str] = field(default_factory=list)

    async def create(self, profile: str = "small", overrides: dict[str, Any] | None = None, **kw: Any) -> str:
        info = await self.manager.create(profile, overrides or {}, kw.pop("python", PYTHON), **kw)
        self.created.append(info.id)
        return info.id

    def info(self, cluster_id: str) -> ClusterInfo:
        return self.manager.info(cluster_id)

    async def connected(self, cluster_id: str, n: int, timeout: float = 90) -> None:
        await until(lambda: self.info(cluster_id).counts["connected"] == n, timeout, f"{n} connected workers")

    async def in_queue(self, cluster_id: str, n: int, timeout: float = 60) -> dict[str, str]:
        tag = f"hpc-lab-{cluster_id}"
        jobs: dict[str, str] = {}

        def check() -> bool:
            jobs.clear()
            jobs.update(tagged(tag))
            return len(jobs) == n

        await until(check, timeout, f"{n} live jobs named {tag}")
        return jobs

    def client(self, cluster_id: str) -> Client:
        cert, key = credential_paths(self.manager.log_dir / cluster_id)
        security = Security(
            tls_ca_file=str(cert), tls_client_cert=str(cert), tls_client_key=str(key), require_encryption=True
        )
        return Client(self.info(cluster_id).scheduler_address, security=security, asynchronous=True)


@pytest.fixture
def sandbox(jp_asyncio_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Sandbox]:
    require_slurm()
    backend = SlurmBackend(command_timeout=15)
    poller = Poller(backend, interval=1.0, min_interval=0.2, start_interval=3600)
    manager = ClusterManager(
        backend, poller, USER, PROFILES, tmp_path / "clusters", idle_check_s=1.0, worker_interface="lo"
    )
    box = Sandbox(manager, poller)
    yield box
    jp_asyncio_loop.run_until_complete(manager.close_all())
    jp_asyncio_loop.run_until_complete(poller.stop())
    left = [job for cid in box.created for job in tagged(f"hpc-lab-{cid}")]
    cancel(left)
    assert not left, f"jobs left after close_all: {left}"


def rows_by_job(info: ClusterInfo) -> dict[str | None, list[str | None]]:
    out: dict[str | None, list[str | None]] = {}
    for w in info.workers:
        out.setdefault(w.job_id, []).append(w.worker_name)
    return out


async def test_scale_up_and_down_in_squeue_and_dask(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    info = sandbox.info(cid)
    assert info.status == "running" and info.name == f"hpc-lab-{cid}" and re.fullmatch(r"[0-9a-f]{8}", cid)
    assert info.scheduler_address and info.scheduler_address.startswith("tls://127.0.0.1:")
    assert info.dashboard_link and info.dashboard_link.startswith("http://127.0.0.1:")

    await sandbox.manager.scale(cid, 3)
    jobs = await sandbox.in_queue(cid, 3)
    await sandbox.connected(cid, 3)
    await sandbox.poller.refresh(urgent=True)
    info = sandbox.info(cid)
    assert info.counts == {"requested": 3, "pending": 0, "running": 3, "connected": 3}
    assert set(rows_by_job(info)) == set(jobs)
    # Worker <-> job both ways: each worker reports the SLURM_JOB_ID it runs in.
    async with sandbox.client(cid) as client:
        inside = await client.run(lambda: os.environ["SLURM_JOB_ID"])
    by_address = {w.worker_address: w.job_id for w in info.workers}
    assert {by_address[a]: j for a, j in inside.items()} == {j: j for j in jobs}
    for row in info.workers:
        assert row.state == "RUNNING" and row.node in ("node1", "node2") and row.time_limit_s == 600
        assert row.worker_name and row.worker_name.startswith(info.name)

    await sandbox.manager.scale(cid, 1)
    remaining = await sandbox.in_queue(cid, 1)
    await sandbox.connected(cid, 1)
    assert set(remaining) <= set(jobs)
    await sandbox.manager.scale(cid, 0)
    await sandbox.in_queue(cid, 0, timeout=15)
    await sandbox.connected(cid, 0)
    assert sandbox.info(cid).counts["requested"] == 0


async def test_scale_down_cancels_jobs_not_yet_connected(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    await sandbox.manager.scale(cid, 3)
    await sandbox.manager.scale(cid, 0)  # before any worker could connect
    await sandbox.in_queue(cid, 0, timeout=15)
    assert sandbox.info(cid).counts["requested"] == 0 and not sandbox.info(cid).workers

    # Two requests at once are applied in order: the jobs of the first are cancelled by the second.
    await asyncio.gather(sandbox.manager.scale(cid, 3), sandbox.manager.scale(cid, 0))
    await sandbox.in_queue(cid, 0, timeout=15)

    # Pending jobs are visible (Slurm knows them, Dask does not) and cancelled by scale(0).
    later = await sandbox.create("later")
    await sandbox.manager.scale(later, 2)
    await sandbox.in_queue(later, 2)
    await sandbox.poller.refresh(urgent=True)
    info = sandbox.info(later)
    assert info.counts == {"requested": 2, "pending": 2, "running": 0, "connected": 0}
    assert {w.state for w in info.workers} == {"PENDING"} and all(w.reason for w in info.workers)
    await sandbox.manager.scale(later, 0)
    await sandbox.in_queue(later, 0, timeout=15)


async def test_adapt(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    info = await sandbox.manager.adapt(cid, 0, 2)
    assert info.adapt == {"minimum": 0, "maximum": 2}
    async with sandbox.client(cid) as client:
        futures = client.map(lambda x: time.sleep(0.5) or x, range(16))
        assert sum(await client.gather(futures)) == sum(range(16))
        assert 1 <= await client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.workers)) <= 2
    await sandbox.in_queue(cid, 0, timeout=60)  # adaptive releases idle workers
    info = await sandbox.manager.scale(cid, 0)
    assert info.adapt is None


async def test_connect_code_runs_dask_array(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    await sandbox.manager.scale(cid, 2)
    await sandbox.connected(cid, 2)
    script = sandbox.info(cid).connect_code + (
        "import dask.array as da\n"
        "x = da.ones((2000, 2000), chunks=(500, 500))\n"
        "print(int((x + x.T).sum().compute()))\n"
        "print(len(client.scheduler_info()['workers']))\n"
    )
    proc = await asyncio.create_subprocess_exec(
        PYTHON, "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-3000:]
    assert out.decode().split() == [str(2 * 2000 * 2000), "2"]


async def test_only_clients_with_the_clusters_credentials_connect(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    address = sandbox.info(cid).scheduler_address
    assert address is not None
    plain = await refused(address.replace("tls://", "tcp://"))  # plain TCP to the TLS port
    assert isinstance(plain, OSError)
    no_credentials = await refused(address)
    assert isinstance(no_credentials, TypeError) and "TLS expects" in str(no_credentials)
    stranger = await refused(address, security=Security.temporary())  # TLS, but not this cluster's CA
    assert isinstance(stranger, OSError) and "certificate does not match" in str(stranger)
    async with sandbox.client(cid) as client:
        assert client.scheduler_info()["address"] == address
        # None of the refused attempts became a client of the scheduler.
        clients = await client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.clients))
        assert set(clients) - {"fire-and-forget"} == {client.id}


async def refused(address: str, **kwargs: Any) -> BaseException:
    client = Client(address, asynchronous=True, timeout="3s", **kwargs)
    with pytest.raises(Exception) as info:
        await client
    await client.close()
    return info.value


def alt_venv() -> str:
    """A second interpreter path that still sees the test venv's packages (through a .pth)."""
    python = ALT_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(
            [sys.base_prefix + "/bin/python3", "-m", "venv", "--without-pip", str(ALT_VENV)], check=True
        )
    site = next(ALT_VENV.glob("lib/python3*/site-packages"))
    parent = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
    (site / "hpc-lab-parent.pth").write_text(f"{parent}\n")
    return str(python)


async def test_workers_run_the_given_python(sandbox: Sandbox) -> None:
    python = alt_venv()
    assert python != PYTHON
    cid = await sandbox.create(python=python)
    assert sandbox.info(cid).python == python
    await sandbox.manager.scale(cid, 1)
    await sandbox.connected(cid, 1)
    async with sandbox.client(cid) as client:
        executables = await client.run(lambda: sys.executable)
    assert list(executables.values()) == [python]
    with pytest.raises(BadRequest, match="lacks Dask"):
        await sandbox.create(python="/usr/bin/python3")
    with pytest.raises(BadRequest, match="absolute path"):
        await sandbox.create(python="python3")


async def test_idle_workers_are_released_and_can_come_back(sandbox: Sandbox) -> None:
    cid = await sandbox.create("idle")
    address = sandbox.info(cid).scheduler_address
    await sandbox.manager.scale(cid, 1)
    await sandbox.connected(cid, 1)
    await sandbox.in_queue(cid, 0, timeout=30)
    await sandbox.connected(cid, 0)
    info = sandbox.info(cid)
    assert info.status == "running" and info.scheduler_address == address
    assert info.idle_since is not None and info.counts["requested"] == 0
    await sandbox.manager.scale(cid, 1)
    await sandbox.connected(cid, 1)
    # Adaptive with a minimum: the minimum drops to 0 and the workers go.
    await sandbox.manager.adapt(cid, 1, 2)
    await until(lambda: sandbox.info(cid).adapt == {"minimum": 0, "maximum": 2}, 30, "adapt minimum 0")
    await sandbox.in_queue(cid, 0, timeout=30)


async def test_cleanup_orphans_cancels_only_this_users_tagged_jobs(sandbox: Sandbox) -> None:
    live = await sandbox.create("later")
    await sandbox.manager.scale(live, 1)
    later = ["-p", "debug", "-t", "5", "--begin=now+1hour"]
    with cancelled_after() as ids:
        orphan = submit([*later, "-J", "hpc-lab-0badc0de"])
        ids.append(orphan)
        ids.append(submit([*later, "-J", "hpc-lab-0badc0df"], user="alice"))  # someone else's
        ids.append(submit([*later, "-J", "hpc-lab-notanid"]))  # not our tag format
        ids.append(submit([*later, "-J", "analysis"]))  # untagged
        others = ids[1:]
        await sandbox.in_queue(live, 1)
        assert await sandbox.manager.cleanup_orphans() == [orphan]
        queued = set(squeue_ids())
        assert orphan not in queued and set(others) <= queued
        await sandbox.in_queue(live, 1)  # the live cluster's job stays


async def test_watcher_cancels_strays_and_forgets_vanished_jobs(sandbox: Sandbox) -> None:
    cid = await sandbox.create("later")
    await sandbox.manager.scale(cid, 2)
    jobs = await sandbox.in_queue(cid, 2)
    # A job with the cluster's tag that Dask does not know (as after an sbatch that timed out).
    stray = submit(["-p", "debug", "-t", "5", "--begin=now+1hour", "-J", f"hpc-lab-{cid}"])
    gone = await until(lambda: stray not in tagged(f"hpc-lab-{cid}"), 20, "stray cancelled")
    assert gone
    # A pending worker job cancelled behind Dask's back is forgotten, not resubmitted.
    first = sorted(jobs)[0]
    cancel([first])
    await until(lambda: sandbox.info(cid).counts["requested"] == 1, 20, "vanished job forgotten")
    assert set(tagged(f"hpc-lab-{cid}")) == set(jobs) - {first}


async def test_a_lost_worker_is_replaced(sandbox: Sandbox) -> None:
    # What --lifetime rotation relies on: a worker whose job ended gets a new job.
    cid = await sandbox.create()
    await sandbox.manager.scale(cid, 1)
    (first,) = await sandbox.in_queue(cid, 1)
    await sandbox.connected(cid, 1)
    await asyncio.sleep(1.5)  # one watcher pass sees it connected
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "1s"}):
        cancel([first])
        await until(lambda: set(tagged(f"hpc-lab-{cid}")) - {first}, 30, "a replacement job")
    await sandbox.connected(cid, 1)
    info = sandbox.info(cid)
    assert info.counts["requested"] == 1 and first not in {w.job_id for w in info.workers}


async def test_outage_fails_scale_without_phantom_workers(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    await sandbox.manager.scale(cid, 1)
    await sandbox.connected(cid, 1)
    # The controller stops after a good poll: the supervisor's sbatch is what fails.
    stop_controller()
    try:
        with pytest.raises(SchedulerUnavailable):
            await sandbox.manager.scale(cid, 3)
        specs = sandbox.manager._entry(cid).specs()
        assert len(specs) == 1 and all(specs.values()), specs  # no phantom workers left behind
        assert sandbox.info(cid).counts["connected"] == 1

        # Once a poll has failed, scale refuses at once.
        await sandbox.poller.refresh(urgent=True)
        started = time.monotonic()
        with pytest.raises(SchedulerUnavailable, match="not answering"):
            await sandbox.manager.scale(cid, 2)
        assert time.monotonic() - started < 1
        assert sandbox.info(cid).counts["requested"] == 1
    finally:
        start_controller()
    assert len(tagged(f"hpc-lab-{cid}")) == 1

    async def recovered() -> bool:
        return not (await sandbox.poller.refresh(urgent=True)).stale

    await until(recovered, 30, "the poller sees Slurm again")
    await sandbox.manager.scale(cid, 2)
    await sandbox.in_queue(cid, 2)
    await sandbox.connected(cid, 2)


async def test_the_scheduler_can_run_in_a_job_of_its_own(sandbox: Sandbox) -> None:
    cid = await sandbox.create("in-job")
    scheduler_job = tagged(f"hpc-lab-{cid}-scheduler")
    assert list(scheduler_job.values()) == ["RUNNING"], scheduler_job
    info = sandbox.info(cid)
    assert info.counts["requested"] == 0 and not info.workers  # the scheduler's job is no worker
    await sandbox.manager.scale(cid, 2)
    await sandbox.in_queue(cid, 2)
    await sandbox.connected(cid, 2)
    async with sandbox.client(cid) as client:
        assert await client.submit(sum, [1, 2, 3]) == 6
        where = await client.run_on_scheduler(lambda: __import__("os").environ.get("SLURM_JOB_ID"))
        assert where == next(iter(scheduler_job))  # the scheduler runs inside that job
    closed = await sandbox.manager.close(cid)
    assert closed.status == "closed"
    await sandbox.in_queue(cid, 0, timeout=30)
    await until(lambda: not tagged(f"hpc-lab-{cid}-scheduler"), 30, "the scheduler's job ended")


async def test_bad_inputs(sandbox: Sandbox) -> None:
    cid = await sandbox.create()
    scale = sandbox.manager.scale
    for bad in (-1, 3.5, "3", True, 10**9, None):
        with pytest.raises(BadRequest, match="n must be a whole number from 0 to 4"):
            await scale(cid, bad)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match=r"minimum \(2\) must not be more than maximum \(1\)"):
        await sandbox.manager.adapt(cid, 2, 1)
    with pytest.raises(BadRequest, match="maximum must be a whole number from 0 to 4"):
        await sandbox.manager.adapt(cid, 0, 5)
    create = sandbox.manager.create
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("nope", {}, "unknown profile 'nope'; profiles: idle, in-job, later, locked, small"),
        ("locked", {"memory": "2GB"}, "does not let you change memory; you may change: cores"),
        ("small", {"walltime": "01:00:00"}, "over partition debug's limit of 00:30:00"),
        ("small", {"partition": "gpu"}, "unknown or not allowed partition 'gpu'; allowed: batch, debug"),
        ("small", {"gres": "gpu:1"}, "partition debug has no GPUs"),
        ("small", {"cores": 64}, r"cores must be 1 to 8"),
        ("small", {"cores": "2"}, "cores must be a whole number"),
        ("small", {"memory": "1TB"}, "more than a node of partition debug has"),
    ]
    for profile, overrides, message in cases:
        with pytest.raises(BadRequest, match=message):
            await create(profile, overrides, PYTHON)
    assert [c.id for c in sandbox.manager.list()] == [cid]  # nothing half-made was kept
