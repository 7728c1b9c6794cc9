"""One contract for every Slurm backend, run against the real sandbox (scripts/sandbox-slurm start).

Each test runs once per backend: "cli" (squeue/scontrol) and "pyslurm". The pyslurm run is skipped,
with the reason, where pyslurm does not import or does not match the installed Slurm (the usual
case: no pyslurm release builds against Slurm 22.05). The sandbox missing skips everything, or
fails it when HPC_LAB_REQUIRE_SLURM=1. Also here: how select_backend picks a backend by name.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sandbox import cancel, require_slurm, submit

from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import (
    BACKEND_NAMES,
    LocalBackend,
    PyslurmBackend,
    SchedulerBackend,
    SlurmBackend,
    pyslurm_backend,
    select_backend,
)

pytestmark = pytest.mark.slurm

T = TypeVar("T")

HELD_NAME = "contract held | job"


@pytest.fixture(params=["cli", "pyslurm"])
def backend(request: pytest.FixtureRequest) -> SchedulerBackend:
    """The backend under contract, chosen by its configuration name."""
    if request.param == "pyslurm":
        reason = PyslurmBackend.unavailable_reason()
        if reason is not None:
            pytest.skip(reason)
    require_slurm()
    return select_backend(request.param, command_timeout=15)


@pytest.fixture
def held_job() -> Iterator[str]:
    """A job alice holds at submission in the debug partition; cancelled afterwards in any case."""
    job_id = submit(["-p", "debug", "-H", "-J", HELD_NAME], user="alice")
    yield job_id
    cancel([job_id])


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 15.0) -> T:
    """Ask `probe` until it gives something truthy; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:g} s")
        await asyncio.sleep(0.2)


async def listed(backend: SchedulerBackend, job_id: str) -> Job | None:
    return next((job for job in await backend.list_jobs() if job.id == job_id), None)


def sinfo_version() -> str:
    """The installed Slurm's version: the last word of `sinfo --version` (slurm-wlm 22.05.8)."""
    result = subprocess.run(["sinfo", "--version"], capture_output=True, text=True, check=True)
    return result.stdout.split()[-1]


# ---- the contract -------------------------------------------------------------------------------


async def test_held_job_is_listed_then_cancel_removes_it(backend: SchedulerBackend, held_job: str) -> None:
    job = await eventually(lambda: listed(backend, held_job))
    assert (job.id, job.name, job.user, job.partition) == (held_job, HELD_NAME, "alice", "debug")
    assert (job.state, job.reason, job.nodes, job.start_time) == ("PENDING", "JobHeldUser", "", None)
    assert (job.node_count, job.cpus, job.time_limit_s, job.priority) == (1, 1, 1800, 0)
    assert job.array_job_id is None and job.array_task_id is None and job.submit_time is not None

    await backend.job_action(held_job, "cancel")

    async def gone() -> bool:
        return await listed(backend, held_job) is None

    await eventually(gone)


async def test_nodes(backend: SchedulerBackend) -> None:
    nodes = {node.name: node for node in await backend.list_nodes()}
    assert sorted(nodes) == ["node1", "node2", "node3", "node4"]
    for node in nodes.values():
        assert (node.cpus_total, node.memory_total_mb) == (8, 16000)
        assert node.state in {"idle", "mixed", "allocated"}
    assert [nodes[name].gpus_total for name in sorted(nodes)] == [0, 0, 2, 2]
    assert nodes["node1"].partitions == ("debug", "batch") and nodes["node4"].partitions == ("batch",)


async def test_partitions(backend: SchedulerBackend) -> None:
    nodes = await backend.list_nodes()
    # read with their own node list, and with the caller's (as the poller passes it)
    for partitions in (await backend.list_partitions(), await backend.list_partitions(nodes)):
        by_name = {partition.name: partition for partition in partitions}
        debug, batch = by_name["debug"], by_name["batch"]
        assert (debug.default, debug.max_time_s, debug.nodes, debug.state) == (
            True, 1800, ("node1", "node2"), "up",
        )  # fmt: skip
        assert (batch.default, batch.max_time_s, batch.nodes, batch.gpus_total) == (
            False, 86400, ("node1", "node2", "node3", "node4"), 4,
        )  # fmt: skip
        assert [name for name, p in by_name.items() if p.default] == ["debug"]


async def test_version_and_ping(backend: SchedulerBackend) -> None:
    version = await backend.version()
    assert version.startswith(f"slurm {sinfo_version()}")
    await backend.ping()
    assert backend.name == "slurm" and backend.live_queue  # what clients key on, whatever the route


# ---- choosing a backend -------------------------------------------------------------------------


@pytest.fixture
def no_pyslurm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pyslurm missing, whatever is installed: `import pyslurm` fails as for an absent module."""
    monkeypatch.setitem(sys.modules, "pyslurm", None)
    pyslurm_backend.probe.cache_clear()
    yield
    pyslurm_backend.probe.cache_clear()


def test_backend_names() -> None:
    assert BACKEND_NAMES == ("auto", "cli", "pyslurm", "slurm", "local")


@pytest.mark.usefixtures("no_pyslurm")
def test_select_backend_by_name() -> None:
    require_slurm()
    for name in ("cli", "slurm"):  # "slurm": the name of "cli" in existing configurations
        chosen = select_backend(name, command_timeout=7)
        assert type(chosen) is SlurmBackend and chosen.name == "slurm"
        assert chosen.command_timeout == 7
    assert type(select_backend("local")) is LocalBackend
    assert type(select_backend("auto")) is SlurmBackend  # no pyslurm, Slurm's commands on PATH


@pytest.mark.usefixtures("no_pyslurm")
def test_auto_without_slurm_is_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert type(select_backend("auto")) is LocalBackend


@pytest.mark.parametrize("name", ["", "Slurm", "pbs", "auto ", "cli,local"])
def test_unknown_backend_name(name: str) -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        select_backend(name)


@pytest.mark.usefixtures("no_pyslurm")
def test_explicit_pyslurm_without_pyslurm_says_why() -> None:
    with pytest.raises(ValueError, match=r"backend 'pyslurm' cannot be used: pyslurm not importable"):
        select_backend("pyslurm")


def test_pyslurm_chosen_when_available() -> None:
    """Where pyslurm does match, "auto" and "pyslurm" take it."""
    reason = PyslurmBackend.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    for name in ("auto", "pyslurm"):
        chosen = select_backend(name)
        assert isinstance(chosen, PyslurmBackend) and chosen.implementation == "pyslurm"
