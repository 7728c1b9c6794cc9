"""SlurmBackend against the real sandbox cluster (scripts/sandbox-slurm start).

Skipped when the sandbox is down; failed instead when HPC_LAB_REQUIRE_SLURM=1.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import cancel, require_slurm, submit, unreachable_conf, wait_for

from hpc_lab_ext.errors import SchedulerUnavailable
from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.scheduler.slurm import SlurmBackend

pytestmark = pytest.mark.slurm


@pytest.fixture(autouse=True)
def _sandbox() -> None:
    require_slurm()


@pytest.fixture
def backend() -> SlurmBackend:
    return SlurmBackend(command_timeout=15)


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    """Job ids a test submits; cancelled afterwards whatever happens."""
    ids: list[str] = []
    yield ids
    cancel(ids)


def jobs_by_id(backend: SlurmBackend) -> dict[str, Job]:
    return {job.id: job for job in asyncio.run(backend.list_jobs())}


def nodes_by_name(backend: SlurmBackend) -> dict[str, Node]:
    return {node.name: node for node in asyncio.run(backend.list_nodes())}


def test_available() -> None:
    assert SlurmBackend.available()


def test_version(backend: SlurmBackend) -> None:
    version = asyncio.run(backend.version())
    assert re.fullmatch(r"slurm \d+\.\d+\.\d+", version)
    sinfo = subprocess.run(["sinfo", "--version"], capture_output=True, text=True, check=True).stdout
    assert version.split()[1] == sinfo.split()[-1]


def test_ping(backend: SlurmBackend) -> None:
    asyncio.run(backend.ping())


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's config, but with a controller port nothing listens on."""
    monkeypatch.setenv("SLURM_CONF", str(unreachable_conf(tmp_path)))


@pytest.mark.usefixtures("unreachable")
def test_unreachable_controller_raises_scheduler_unavailable(backend: SlurmBackend) -> None:
    with pytest.raises(SchedulerUnavailable, match="DOWN"):
        asyncio.run(backend.ping())
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        asyncio.run(backend.list_jobs())
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        asyncio.run(backend.list_nodes())


def test_submitted_job_is_listed_then_leaves(backend: SlurmBackend, submitted: list[str]) -> None:
    name = "backend test Grüße | x"
    job_id = submit(["-p", "debug", "-c", "2", "-J", name], user="alice")
    submitted.append(job_id)

    job = wait_for(lambda: jobs_by_id(backend).get(job_id), timeout=10)
    assert (job.user, job.partition, job.cpus, job.name) == ("alice", "debug", 2, name)
    assert job.time_limit_s == 1800
    assert job.memory_mb == 1000  # DefMemPerCPU
    assert job.array_job_id is None

    running = wait_for(
        lambda: (j := jobs_by_id(backend).get(job_id)) is not None and j.state == "RUNNING" and j,
        timeout=15,
    )
    assert running.nodes in {"node1", "node2"}
    assert running.start_time is not None and running.reason == ""

    cancel([job_id])
    assert job_id not in jobs_by_id(backend)


def test_array_job_ids(backend: SlurmBackend, submitted: list[str]) -> None:
    job_id = submit(["-p", "batch", "-H", "--array=1-3%1", "-J", "array"], user="bob")
    submitted.append(job_id)
    job = wait_for(lambda: jobs_by_id(backend).get(f"{job_id}_[1-3%1]"), timeout=10)
    assert (job.array_job_id, job.array_task_id) == (job_id, "1-3%1")
    assert (job.state, job.reason, job.user) == ("PENDING", "JobHeldUser", "bob")


def test_nodes(backend: SlurmBackend) -> None:
    nodes = nodes_by_name(backend)
    assert sorted(nodes) == ["node1", "node2", "node3", "node4"]
    for node in nodes.values():
        assert (node.cpus_total, node.memory_total_mb) == (8, 16000)
        assert node.state in {"idle", "mixed", "allocated"}
    assert [nodes[n].gpus_total for n in sorted(nodes)] == [0, 0, 2, 2]
    assert nodes["node1"].partitions == ("debug", "batch")
    assert nodes["node4"].partitions == ("batch",)


def test_gpu_allocation_shows_on_the_node(backend: SlurmBackend, submitted: list[str]) -> None:
    before = {n.name: n.gpus_alloc for n in nodes_by_name(backend).values()}
    job_id = submit(["-p", "batch", "--gres=gpu:1", "-J", "gpu"], user="bob")
    submitted.append(job_id)

    job = wait_for(
        lambda: (j := jobs_by_id(backend).get(job_id)) is not None and j.state == "RUNNING" and j,
        timeout=15,
    )
    assert job.gres == "gpu:1"
    assert job.nodes in {"node3", "node4"}
    node = nodes_by_name(backend)[job.nodes]
    assert node.gpus_alloc == before[job.nodes] + 1
    assert node.cpus_alloc >= 1 and node.memory_alloc_mb >= 1000
    assert node.state in {"mixed", "allocated"}

    cancel([job_id])
    wait_for(lambda: nodes_by_name(backend)[job.nodes].gpus_alloc == before[job.nodes], timeout=10)
