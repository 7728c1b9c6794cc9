"""One contract for every scheduler backend, run against the real sandboxes.

Each test runs once per backend: "cli" (squeue/scontrol) and "pyslurm" against the sandbox Slurm
(scripts/sandbox-slurm start), "sge" against the tests' own Grid Engine instance (conftest.py;
scripts/sandbox-sge start with HPC_SANDBOX_INSTANCE=test).
The pyslurm run is skipped, with the reason, where pyslurm does not import or does not match the
installed Slurm (the usual case: no pyslurm release builds against Slurm 22.05). A sandbox missing
skips its runs, or fails them when HPC_LAB_REQUIRE_SLURM=1 / HPC_LAB_REQUIRE_SGE=1. Also here: how
select_backend picks a backend by name.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sandbox import cancel, require_slurm, submit
from sandbox_sge import qdel, qsub, require_sge, sge_host

from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import (
    BACKEND_NAMES,
    LocalBackend,
    PyslurmBackend,
    SchedulerBackend,
    SgeBackend,
    SlurmBackend,
    pyslurm_backend,
    select_backend,
)

T = TypeVar("T")

HELD_NAME = "contract held | job"


@dataclass(frozen=True)
class Site:
    """What one sandbox holds, as every backend for it must report it."""

    name: str  # the backend's name, what clients key on
    held_name: str  # Grid Engine's sandbox refuses job names with spaces
    debug: str  # the short partition (or queue): 30 min limit
    batch: str  # the long one: 1 day
    nodes: dict[str, frozenset[str]]  # node -> the partitions it is in
    node_cpus: int
    node_memory_mb: int | None  # None: what the host has
    gpus: dict[str, int]
    default: tuple[str, ...]  # default partitions
    version: Callable[[], str]
    submit_held: Callable[[], str]  # alice's held job in the short partition
    cancel: Callable[[list[str]], None]


def sinfo_version() -> str:
    """The installed Slurm's version: the last word of `sinfo --version` (slurm-wlm 22.05.8)."""
    result = subprocess.run(["sinfo", "--version"], capture_output=True, text=True, check=True)
    return result.stdout.split()[-1]


def sge_version() -> str:
    """The installed Grid Engine's version: the last word of `qstat -help`'s first line (SGE 8.1.9)."""
    result = subprocess.run(["qstat", "-help"], capture_output=True, text=True, check=True)
    return result.stdout.split("\n")[0].split()[-1]


def slurm_site() -> Site:
    both, batch_only = frozenset({"debug", "batch"}), frozenset({"batch"})
    return Site(
        name="slurm",
        held_name=HELD_NAME,
        debug="debug",
        batch="batch",
        nodes={"node1": both, "node2": both, "node3": batch_only, "node4": batch_only},
        node_cpus=8,
        node_memory_mb=16000,
        gpus={"node1": 0, "node2": 0, "node3": 2, "node4": 2},
        default=("debug",),
        version=lambda: f"slurm {sinfo_version()}",
        submit_held=lambda: submit(["-p", "debug", "-H", "-J", HELD_NAME], user="alice"),
        cancel=cancel,
    )


def sge_site() -> Site:
    name = "contract-held|job"
    args = ["-q", "debug.q", "-h", "-N", name, "-l", "h_rt=0:30:00"]
    return Site(
        name="sge",
        held_name=name,
        debug="debug.q",
        batch="batch.q",
        nodes={sge_host(): frozenset({"debug.q", "batch.q"})},
        node_cpus=4,
        node_memory_mb=None,
        gpus={sge_host(): 0},
        default=(),
        version=lambda: f"sge {sge_version()}",
        submit_held=lambda: qsub(args, user="alice"),
        cancel=qdel,
    )


@pytest.fixture(
    params=[
        pytest.param("cli", marks=pytest.mark.slurm),
        pytest.param("pyslurm", marks=pytest.mark.slurm),
        pytest.param("sge", marks=pytest.mark.sge),
    ]
)
def backend(request: pytest.FixtureRequest) -> SchedulerBackend:
    """The backend under contract, chosen by its configuration name."""
    if request.param == "pyslurm":
        reason = PyslurmBackend.unavailable_reason()
        if reason is not None:
            pytest.skip(reason)
    if request.param == "sge":
        require_sge()
    else:
        require_slurm()
    return select_backend(request.param, command_timeout=15)


@pytest.fixture
def site(backend: SchedulerBackend) -> Site:
    return sge_site() if backend.name == "sge" else slurm_site()


@pytest.fixture
def held_job(site: Site) -> Iterator[str]:
    """A job alice holds at submission in the short partition; cancelled afterwards in any case."""
    job_id = site.submit_held()
    yield job_id
    site.cancel([job_id])


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


# ---- the contract -------------------------------------------------------------------------------


async def test_held_job_is_listed_then_cancel_removes_it(
    backend: SchedulerBackend, site: Site, held_job: str
) -> None:
    job = await eventually(lambda: listed(backend, held_job))
    assert (job.id, job.name, job.user, job.partition) == (held_job, site.held_name, "alice", site.debug)
    assert (job.state, job.reason, job.nodes, job.start_time) == ("PENDING", "JobHeldUser", "", None)
    assert (job.node_count, job.cpus, job.time_limit_s, job.priority) == (1, 1, 1800, 0)
    assert job.array_job_id is None and job.array_task_id is None and job.submit_time is not None

    await backend.job_action(held_job, "cancel")

    async def gone() -> bool:
        return await listed(backend, held_job) is None

    await eventually(gone)


async def test_nodes(backend: SchedulerBackend, site: Site) -> None:
    nodes = {node.name: node for node in await backend.list_nodes()}
    assert sorted(nodes) == sorted(site.nodes)
    for node in nodes.values():
        assert node.cpus_total == site.node_cpus
        assert node.memory_total_mb == (site.node_memory_mb or node.memory_total_mb) > 0
        assert node.state in {"idle", "mixed", "allocated"}
        assert set(node.partitions) == site.nodes[node.name] and len(node.partitions) == len(
            site.nodes[node.name]
        )
    assert {name: node.gpus_total for name, node in nodes.items()} == site.gpus


async def test_partitions(backend: SchedulerBackend, site: Site) -> None:
    nodes = await backend.list_nodes()
    in_debug = tuple(sorted(name for name, parts in site.nodes.items() if site.debug in parts))
    # read with their own node list, and with the caller's (as the poller passes it)
    for partitions in (await backend.list_partitions(), await backend.list_partitions(nodes)):
        by_name = {partition.name: partition for partition in partitions}
        debug, batch = by_name[site.debug], by_name[site.batch]
        assert (debug.default, debug.max_time_s, debug.nodes, debug.state) == (
            site.debug in site.default, 1800, in_debug, "up",
        )  # fmt: skip
        assert (batch.default, batch.max_time_s, batch.nodes, batch.gpus_total) == (
            site.batch in site.default, 86400, tuple(sorted(site.nodes)), sum(site.gpus.values()),
        )  # fmt: skip
        assert tuple(name for name, p in by_name.items() if p.default) == site.default


async def test_version_and_ping(backend: SchedulerBackend, site: Site) -> None:
    version = await backend.version()
    assert version.startswith(site.version())
    await backend.ping()
    assert backend.name == site.name and backend.live_queue  # what clients key on, whatever the route


# ---- choosing a backend -------------------------------------------------------------------------


@pytest.fixture
def no_pyslurm(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """pyslurm missing, whatever is installed: `import pyslurm` fails as for an absent module."""
    monkeypatch.setitem(sys.modules, "pyslurm", None)
    pyslurm_backend.probe.cache_clear()
    yield
    pyslurm_backend.probe.cache_clear()


@pytest.mark.slurm
def test_backend_names() -> None:
    assert BACKEND_NAMES == ("auto", "cli", "pyslurm", "slurm", "sge", "local")


@pytest.mark.slurm
@pytest.mark.usefixtures("no_pyslurm")
def test_select_backend_by_name() -> None:
    require_slurm()
    for name in ("cli", "slurm"):  # "slurm": the name of "cli" in existing configurations
        chosen = select_backend(name, command_timeout=7)
        assert type(chosen) is SlurmBackend and chosen.name == "slurm"
        assert chosen.command_timeout == 7
    assert type(select_backend("local")) is LocalBackend
    assert type(select_backend("sge")) is SgeBackend  # by name, whatever runs here
    assert type(select_backend("auto")) is SlurmBackend  # no pyslurm, Slurm's commands on PATH (first)


@pytest.mark.slurm
@pytest.mark.usefixtures("no_pyslurm")
def test_auto_without_slurm_is_local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert type(select_backend("auto")) is LocalBackend


@pytest.mark.slurm
@pytest.mark.parametrize("name", ["", "Slurm", "pbs", "auto ", "cli,local"])
def test_unknown_backend_name(name: str) -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        select_backend(name)


@pytest.mark.slurm
@pytest.mark.usefixtures("no_pyslurm")
def test_explicit_pyslurm_without_pyslurm_says_why() -> None:
    with pytest.raises(ValueError, match=r"backend 'pyslurm' cannot be used: pyslurm not importable"):
        select_backend("pyslurm")


@pytest.mark.slurm
def test_pyslurm_chosen_when_available(caplog: pytest.LogCaptureFixture) -> None:
    """Where pyslurm does match, "pyslurm" takes it; "auto" takes Slurm's commands, faster on any
    queue of more than a few hundred jobs (benchmarks/backend_bench.py), and says so."""
    reason = PyslurmBackend.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    chosen = select_backend("pyslurm")
    assert isinstance(chosen, PyslurmBackend) and chosen.implementation == "pyslurm"
    with caplog.at_level(logging.INFO, logger="hpc_lab_ext.scheduler"):
        assert type(select_backend("auto")) is SlurmBackend
    assert "set backend = 'pyslurm' to use pyslurm" in caplog.text
