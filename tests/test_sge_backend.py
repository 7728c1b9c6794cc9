"""SgeBackend against the real Grid Engine sandbox: the tests' own instance (conftest.py; started
with HPC_SANDBOX_INSTANCE=test scripts/sandbox-sge start).

Skipped when the sandbox is down; failed instead when HPC_LAB_REQUIRE_SGE=1. Jobs are submitted
as alice and bob; the backend runs as root, a Grid Engine manager.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import wait_for
from sandbox_sge import deleted_after, job_state, qsub, require_sge, sge_host

from hpc_lab_ext.errors import NotFound, SchedulerUnavailable
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import LocalBackend, SgeBackend, pyslurm_backend, select_backend

pytestmark = pytest.mark.sge


@pytest.fixture(autouse=True)
def _sandbox() -> None:
    require_sge()


@pytest.fixture
def backend() -> SgeBackend:
    return SgeBackend(command_timeout=15)


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    """Job numbers a test submits; deleted afterwards whatever happens."""
    with deleted_after() as numbers:
        yield numbers


def jobs_by_id(backend: SgeBackend) -> dict[str, Job]:
    return {job.id: job for job in asyncio.run(backend.list_jobs())}


def test_version_is_the_clients_and_ping_answers(backend: SgeBackend) -> None:
    first = subprocess.run(["qstat", "-help"], capture_output=True, text=True, check=True).stdout.split("\n")[
        0
    ]
    assert first.startswith("SGE ")
    assert asyncio.run(backend.version()) == f"sge {first.split()[-1]}"
    asyncio.run(backend.ping())
    assert (backend.name, backend.live_queue) == ("sge", True)
    assert asyncio.run(backend.estimated_starts()) == {}


def test_jobs_of_two_users_running_and_pending(backend: SgeBackend, submitted: list[str]) -> None:
    submitted.append(qsub(["-q", "debug.q", "-N", "live-run", "-l", "h_rt=0:05:00"], user="alice"))
    submitted.append(qsub(["-q", "batch.q", "-N", "live-held", "-h", "-t", "1-4:2"], user="bob"))
    run, held = submitted
    wait_for(lambda: job_state(run) == "r", timeout=30)
    jobs = jobs_by_id(backend)
    running = jobs[run]
    assert (running.name, running.user, running.partition, running.state) == (
        "live-run",
        "alice",
        "debug.q",
        "RUNNING",
    )
    assert (running.nodes, running.cpus, running.time_limit_s) == (sge_host(), 1, 300)
    assert running.start_time is not None and running.elapsed_s >= 0
    pending = jobs[f"{held}_[1,3]"]  # qstat lists such a short array's tasks one by one
    assert (pending.user, pending.state, pending.reason) == ("bob", "PENDING", "JobHeldUser")
    assert (pending.array_job_id, pending.array_task_id, pending.partition) == (held, "1,3", "batch.q")


def test_hold_release_and_cancel(backend: SgeBackend, submitted: list[str]) -> None:
    # More slots than any host has: it stays pending.
    submitted.append(qsub(["-N", "live-actions", "-pe", "smp", "64"], user="alice"))
    (number,) = submitted
    wait_for(lambda: job_state(number) == "qw", timeout=15)

    asyncio.run(backend.job_action(number, "hold"))
    assert jobs_by_id(backend)[number].reason == "JobHeldUser"
    asyncio.run(backend.job_action(number, "release"))
    assert (jobs_by_id(backend)[number].state, jobs_by_id(backend)[number].reason) == ("PENDING", "")

    subprocess.run(["qhold", "-h", "o", number], check=True, capture_output=True)
    assert jobs_by_id(backend)[number].reason == "JobHeldAdmin"
    asyncio.run(backend.job_action(number, "release"))  # root is an operator: the second step lifts it
    assert jobs_by_id(backend)[number].reason == ""

    asyncio.run(backend.job_action(number, "cancel"))
    wait_for(lambda: job_state(number) == "", timeout=15)


def test_one_array_task_is_cancelled_alone(backend: SgeBackend, submitted: list[str]) -> None:
    submitted.append(qsub(["-N", "live-array", "-h", "-t", "1-5"], user="bob"))
    (number,) = submitted
    wait_for(lambda: f"{number}_[1-5]" in jobs_by_id(backend), timeout=15)
    asyncio.run(backend.job_action(f"{number}_3", "cancel"))
    remaining = jobs_by_id(backend)[f"{number}_[1-2,4-5]"]
    assert (remaining.array_job_id, remaining.array_task_id, remaining.reason) == (
        number,
        "1-2,4-5",
        "JobHeldUser",
    )
    with pytest.raises(NotFound, match='task "3" does not exist'):
        asyncio.run(backend.job_action(f"{number}_3", "cancel"))


def test_unknown_jobs_are_not_found(backend: SgeBackend) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        asyncio.run(backend.job_action("999999", "cancel"))
    with pytest.raises(NotFound, match="does not exist"):
        asyncio.run(backend.job_action("999999", "hold"))
    with pytest.raises(NotFound, match="heterogeneous"):
        asyncio.run(backend.job_action("999999+1", "cancel"))


def test_nodes_and_queues(backend: SgeBackend) -> None:
    (node,) = asyncio.run(backend.list_nodes())
    assert (node.name, set(node.partitions), node.cpus_total, node.gpus_total) == (
        sge_host(), {"debug.q", "batch.q"}, 4, 0,
    )  # fmt: skip
    assert node.state in {"idle", "mixed", "allocated"} and node.memory_total_mb > 0
    partitions = {p.name: p for p in asyncio.run(backend.list_partitions())}
    assert sorted(partitions) == ["batch.q", "debug.q"]
    assert (partitions["debug.q"].max_time_s, partitions["batch.q"].max_time_s) == (1800, 86400)
    assert {(p.state, p.nodes, p.default, p.cpus_total) for p in partitions.values()} == {
        ("up", (sge_host(),), False, 4)
    }


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' cell, but a qmaster port nothing listens on (an outage for this process only)."""
    monkeypatch.setenv("SGE_QMASTER_PORT", "9")


@pytest.mark.usefixtures("unreachable")
def test_unreachable_qmaster_raises_scheduler_unavailable(backend: SgeBackend) -> None:
    with pytest.raises(SchedulerUnavailable, match="not answering"):
        asyncio.run(backend.ping())
    for call in (backend.list_jobs(), backend.list_nodes(), backend.list_partitions()):
        with pytest.raises(SchedulerUnavailable, match="qmaster unreachable"):
            asyncio.run(call)
    with pytest.raises(SchedulerUnavailable, match="qmaster unreachable"):
        asyncio.run(backend.job_action("1", "cancel"))


def _only(tmp_path: Path, commands: list[str]) -> str:
    """A PATH holding just these commands, linked to the real ones."""
    for command in commands:
        real = shutil.which(command)
        assert real is not None, f"{command} is not on PATH"
        (tmp_path / command).symlink_to(real)
    return str(tmp_path)


@pytest.fixture
def no_pyslurm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pyslurm missing, whatever is installed."""
    monkeypatch.setitem(sys.modules, "pyslurm", None)
    pyslurm_backend.probe.cache_clear()
    yield
    pyslurm_backend.probe.cache_clear()


@pytest.mark.usefixtures("no_pyslurm")
def test_auto_picks_grid_engine_without_slurm_and_not_for_a_lone_qstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sge").mkdir()
    monkeypatch.setenv("PATH", _only(tmp_path / "sge", ["qstat", "qhost", "qconf"]))
    chosen = select_backend("auto", command_timeout=4)
    assert type(chosen) is SgeBackend and chosen.command_timeout == 4
    (tmp_path / "pbs").mkdir()
    monkeypatch.setenv("PATH", _only(tmp_path / "pbs", ["qstat"]))  # PBS has a qstat too
    assert type(select_backend("auto")) is LocalBackend
    assert type(select_backend("sge")) is SgeBackend  # by name, whatever is on PATH
