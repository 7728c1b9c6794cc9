"""pyslurm's objects -> models, without pyslurm: pyslurm_convert, and PyslurmBackend's glue.

The records are what pyslurm 25.11.2's objects held on the Slurm 25.11 sandbox
(tests/fixtures/pyslurm-25.11/objects.json, recorded by scripts/record-pyslurm-fixtures), beside
what the CLI backend's commands printed at the same moment: converting the one must give what parsing
the other gives. The backend's glue (timeouts, error mapping, what it delegates) runs on a stand-in
module; tests/test_pyslurm_live.py runs the real pyslurm against the live sandbox.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hpc_lab_ext.errors import CommandFailed, NotFound, SchedulerUnavailable
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import pyslurm_backend
from hpc_lab_ext.scheduler.pyslurm_backend import PyslurmBackend, estimated_starts_of, major_minor
from hpc_lab_ext.scheduler.pyslurm_convert import (
    gpus_in_use,
    job_ids,
    jobs_from_pyslurm,
    local_time,
    nodes_from_pyslurm,
    partitions_from_pyslurm,
    pyslurm_node_state,
)
from hpc_lab_ext.scheduler.slurm_parse import parse_nodes, parse_partitions, parse_squeue, parse_starts

FIXTURES = Path(__file__).parent / "fixtures" / "pyslurm-25.11"
RECORDED = json.loads((FIXTURES / "objects.json").read_text("utf-8"))


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The recording's time zone (UTC), so epoch seconds and the CLI's ISO times compare."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def text(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def comparable(job: Job) -> Job:
    """squeue cannot tell per-CPU from per-node memory; pyslurm can (checked on its own below)."""
    return dataclasses.replace(job, memory_per_cpu=False)


# ---- against the CLI's reading of the same moment ----------------------------------------------


def test_jobs_match_squeue() -> None:
    converted = {job.id: job for job in jobs_from_pyslurm(RECORDED["jobs"])}
    parsed = {job.id: job for job in parse_squeue(text("squeue.txt"))}
    assert converted.keys() == parsed.keys()
    for job_id, job in parsed.items():
        assert comparable(converted[job_id]) == comparable(job), job_id
    # what the recording holds: a throttled held array range, running tasks, a het job, GPUs
    assert {"_[1-5%2]", "+1", "gpu:a100:2"} <= {
        part for job in converted.values() for part in (job.id[-8:], job.id[-2:], job.gres)
    }
    assert sum(job.memory_per_cpu for job in converted.values()) > 0


def test_finished_jobs_are_left_out_as_squeue_does() -> None:
    states = {record["state"] for record in RECORDED["jobs"]}
    assert "CANCELLED" in states  # jobs of an earlier run, still in Slurm's memory until MinJobAge
    assert all(job.state not in ("CANCELLED", "COMPLETED") for job in jobs_from_pyslurm(RECORDED["jobs"]))


def test_nodes_match_scontrol_with_gpus_in_use_from_the_jobs() -> None:
    used = gpus_in_use(RECORDED["jobs"])
    assert all(not record["allocated_gres"] for record in RECORDED["nodes"])  # why the jobs are asked
    converted = {node.name: node for node in nodes_from_pyslurm(RECORDED["nodes"], used)}
    parsed = {node.name: node for node in parse_nodes(text("nodes.txt"))}
    assert converted.keys() == parsed.keys()
    for name, node in parsed.items():
        assert converted[name] == node, name
    assert sum(node.gpus_alloc for node in converted.values()) == 3


def test_partitions_match_scontrol() -> None:
    nodes = parse_nodes(text("nodes.txt"))
    converted = sorted(partitions_from_pyslurm(RECORDED["partitions"], nodes), key=lambda p: p.name)
    assert converted == sorted(parse_partitions(text("partitions.txt"), nodes), key=lambda p: p.name)


def test_estimated_starts_match_squeue_start() -> None:
    jobs = {record["id"]: types.SimpleNamespace(**record) for record in RECORDED["jobs"]}
    assert estimated_starts_of(jobs) == parse_starts(text("starts.txt"))


# ---- the pure parts on their own ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"id": 7}, ("7", None, None)),
        ({"id": 9, "array_id": 8, "array_task_id": 3}, ("8_3", "8", "3")),
        (
            {"id": 8, "array_id": 8, "array_tasks_waiting": "1-5", "array_tasks_parallel": 2},
            ("8_[1-5%2]", "8", "1-5%2"),
        ),
        ({"id": 8, "array_id": 8, "array_tasks_waiting": "4,7"}, ("8_[4,7]", "8", "4,7")),
        ({"id": 12, "heterogeneous_id": 11, "heterogeneous_offset": 1}, ("11+1", None, None)),
    ],
)  # fmt: skip
def test_job_ids(fields: dict[str, Any], expected: tuple[str, str | None, str | None]) -> None:
    assert job_ids(types.SimpleNamespace(**fields)) == expected


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("IDLE", "idle"), ("MIXED", "mixed"), ("ALLOCATED", "allocated"), ("IDLE+DRAIN", "drained"),
        ("MIXED+DRAIN", "draining"), ("IDLE+NOT_RESPONDING", "not_responding"),
        ("DOWN+NOT_RESPONDING", "down"),
        ("", "unknown"),
    ],
)  # fmt: skip
def test_pyslurm_node_state(raw: str, state: str) -> None:
    assert pyslurm_node_state(raw) == state


def test_local_time_and_malformed_records(caplog: pytest.LogCaptureFixture) -> None:
    assert local_time(None) is None and local_time(0) is None
    assert local_time(1796040000) == "2026-11-30T12:00:00"
    with caplog.at_level(logging.WARNING):
        jobs = jobs_from_pyslurm([{"id": "x", "state": "PENDING", "user_name": "alice"}])
        nodes = nodes_from_pyslurm([{"name": "n1", "state": "IDLE"}])
    assert jobs == [] and nodes == []
    assert "pyslurm job 0 skipped" in caplog.text and "pyslurm node 0 skipped" in caplog.text


class RPCError(Exception):
    """pyslurm's RPCError: an errno and Slurm's message."""

    def __init__(self, errno: int, msg: str) -> None:
        super().__init__(msg)
        self.errno, self.msg = errno, msg


def loader(records: list[dict[str, Any]], key: str) -> Any:
    """What ``pyslurm.Jobs`` / ``Nodes`` / ``Partitions`` are to the backend: a class whose load()
    returns a mapping-like collection."""

    def load(**_: Any) -> dict[Any, types.SimpleNamespace]:
        return {record[key]: types.SimpleNamespace(**record) for record in records}

    return types.SimpleNamespace(load=load)


@pytest.fixture
def fake_pyslurm(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """A stand-in for pyslurm 25.11.2 in sys.modules (for what the live sandbox cannot be made to
    do on cue: a call that hangs, Slurm's refusals): attributes are what the backend calls."""
    acted: list[tuple[int, str]] = []

    class Job:
        error: RPCError | None = None

        def __init__(self, job_id: int) -> None:
            self.id = job_id

        @classmethod
        def load(cls, job_id: int) -> Job:
            if cls.error is not None:
                raise cls.error
            return cls(job_id)

        def cancel(self) -> None:
            acted.append((self.id, "cancel"))

        def release(self) -> None:
            acted.append((self.id, "release"))

    module = types.SimpleNamespace(
        __version__="25.11.2",
        PyslurmError=Exception,
        RPCError=RPCError,
        Jobs=loader(RECORDED["jobs"], "id"),
        Nodes=loader(RECORDED["nodes"], "name"),
        Partitions=loader(RECORDED["partitions"], "name"),
        Job=Job,
        slurmctld=types.SimpleNamespace(ping_primary=lambda: None),
        acted=acted,
    )
    monkeypatch.setitem(sys.modules, "pyslurm", module)
    monkeypatch.setattr(pyslurm_backend, "installed_slurm_version", lambda timeout=10.0: "25.11.7")
    pyslurm_backend.probe.cache_clear()
    yield module
    pyslurm_backend.probe.cache_clear()


def failing(message: str, errno: int) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise RPCError(errno, message)

    return call


async def test_backend_lists_through_pyslurm(fake_pyslurm: types.SimpleNamespace) -> None:
    assert PyslurmBackend.available() and PyslurmBackend.unavailable_reason() is None
    backend = PyslurmBackend(command_timeout=5)
    assert (backend.name, backend.implementation) == ("slurm", "pyslurm")
    jobs = await backend.list_jobs()
    assert {job.id for job in jobs} == {job.id for job in parse_squeue(text("squeue.txt"))}
    nodes = await backend.list_nodes()
    assert sum(node.gpus_alloc for node in nodes) == 3  # the jobs were read for the GPUs in use
    assert len(await backend.list_partitions()) == 2
    assert await backend.estimated_starts() == parse_starts(text("starts.txt"))
    await backend.ping()


async def test_backend_maps_pyslurm_errors(fake_pyslurm: types.SimpleNamespace) -> None:
    backend = PyslurmBackend(command_timeout=5)
    fake_pyslurm.Jobs = types.SimpleNamespace(
        load=failing("Unable to contact slurm controller (connect failure)", 1800)
    )
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        await backend.list_jobs()
    fake_pyslurm.Nodes = types.SimpleNamespace(load=failing("Socket timed out on send/recv operation", 5004))
    with pytest.raises(SchedulerUnavailable):
        await backend.list_partitions()
    fake_pyslurm.slurmctld = types.SimpleNamespace(
        ping_primary=failing("Communication connection failure", 1001)
    )
    with pytest.raises(SchedulerUnavailable, match="Communication connection failure"):
        await backend.ping()
    fake_pyslurm.Partitions = types.SimpleNamespace(load=failing("Access/permission denied", 2002))
    with pytest.raises(CommandFailed, match="Access/permission denied"):
        await backend.list_partitions(nodes=[])


async def test_backend_times_out(fake_pyslurm: types.SimpleNamespace) -> None:
    fake_pyslurm.Jobs = types.SimpleNamespace(load=lambda **_: time.sleep(1))
    with pytest.raises(SchedulerUnavailable, match=r"did not answer within 0\.2 s"):
        await PyslurmBackend(command_timeout=0.2).list_jobs()


async def test_backend_job_actions(fake_pyslurm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = PyslurmBackend(command_timeout=5)
    await backend.job_action("12", "cancel")
    await backend.job_action("12", "release")
    assert fake_pyslurm.acted == [(12, "cancel"), (12, "release")]

    delegated: list[tuple[str, str]] = []

    async def cli_action(job_id: str, action: str) -> None:
        delegated.append((job_id, action))

    monkeypatch.setattr(backend.cli, "job_action", cli_action)
    await backend.job_action("12", "hold")  # pyslurm 25.11.2's user hold crashes: the CLI's
    await backend.job_action("12_3", "cancel")
    await backend.job_action("12+1", "release")
    assert delegated == [("12", "hold"), ("12_3", "cancel"), ("12+1", "release")]

    fake_pyslurm.Job.error = RPCError(2017, "Invalid job id specified")
    with pytest.raises(NotFound, match="job 12 not found"):
        await backend.job_action("12", "cancel")
    fake_pyslurm.Job.error = RPCError(2002, "Access/permission denied")
    with pytest.raises(CommandFailed, match=r"refused to cancel job 12: Access/permission denied \(only"):
        await backend.job_action("12", "cancel")
    with pytest.raises(ValueError, match="unknown job action"):
        await backend.job_action("12", "suspend")


def test_probe_reasons(fake_pyslurm: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pyslurm.__version__ = "25.5.0"
    pyslurm_backend.probe.cache_clear()
    assert PyslurmBackend.unavailable_reason() == "pyslurm 25.5.0 does not match Slurm 25.11.7"
    monkeypatch.setitem(sys.modules, "pyslurm", None)  # what a missing module looks like to import
    pyslurm_backend.probe.cache_clear()
    reason = PyslurmBackend.unavailable_reason()
    assert reason is not None and reason.startswith("pyslurm not importable")
    assert not PyslurmBackend.available()
    assert major_minor("22.5.1") == major_minor("22.05.8") == (22, 5) and major_minor("x") is None


def test_installed_slurm_version_works_inside_a_running_loop() -> None:
    async def inside() -> str | None:
        return pyslurm_backend.installed_slurm_version(timeout=10)

    version = asyncio.run(inside())
    if shutil.which("scontrol") is None:
        assert version is None
    else:
        result = subprocess.run(["scontrol", "--version"], capture_output=True, text=True, check=True)
        words = result.stdout.split()
        assert version == words[-1] and major_minor(version) is not None
