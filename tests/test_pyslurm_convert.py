"""pyslurm's dictionaries -> models, without pyslurm: pyslurm_convert, and PyslurmBackend's glue.

The records below are shaped like pyslurm 22.5's dictionary API (``pyslurm.job().get()``,
``pyslurm.node().get()``, ``pyslurm.partition().get()``; keys and value types as pyslurm.pyx builds
them). Each describes a job, node or partition of the recorded sandbox fixtures (tests/fixtures/slurm),
and the conversion must give what the CLI parser gives for that recording.
"""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import logging
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hpc_lab_ext.errors import CommandFailed, NotFound, SchedulerUnavailable
from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.scheduler import pyslurm_backend
from hpc_lab_ext.scheduler.pyslurm_backend import PyslurmBackend, major_minor
from hpc_lab_ext.scheduler.pyslurm_convert import (
    INFINITE,
    NO_VAL,
    job_ids,
    jobs_from_pyslurm,
    local_time,
    nodes_from_pyslurm,
    partitions_from_pyslurm,
    pyslurm_node_state,
    user_name,
)
from hpc_lab_ext.scheduler.slurm_parse import parse_nodes, parse_partitions, parse_squeue

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"
USERS = {1001: "alice", 1002: "bob"}


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time = UTC, so epoch seconds and the recorded ISO times can be compared."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def epoch(iso: str) -> int:
    return calendar.timegm(datetime.fromisoformat(iso).timetuple())


def cli_jobs(fixture: str) -> dict[str, Job]:
    return {job.id: job for job in parse_squeue((FIXTURES / fixture).read_text("utf-8"))}


def cli_nodes(fixture: str) -> dict[str, Node]:
    return {node.name: node for node in parse_nodes((FIXTURES / fixture).read_text("utf-8"))}


def convert_job(record: dict[str, Any]) -> Job:
    jobs = jobs_from_pyslurm({record["job_id"]: record}, USERS.__getitem__)
    assert len(jobs) == 1
    return jobs[0]


# ---- jobs ---------------------------------------------------------------------------------------


def job_record(job_id: int, **fields: Any) -> dict[str, Any]:
    """A pending, held batch job as ``pyslurm.job().get()[job_id]`` holds it; `fields` change it."""
    record: dict[str, Any] = {
        "account": "",
        "alloc_node": "localhost",
        "array_job_id": None,
        "array_task_id": None,
        "array_task_str": None,
        "array_max_tasks": None,
        "het_job_id": None,
        "het_job_id_set": None,
        "het_job_offset": None,
        "batch_flag": 1,
        "batch_host": None,
        "command": None,
        "cpus_per_task": "N/A",
        "eligible_time": 0,
        "end_time": 0,
        "exc_nodes": [],
        "group_id": 1001,
        "job_id": job_id,
        "job_state": "PENDING",
        "name": "job",
        "nodes": None,
        "num_cpus": 1,
        "num_nodes": 1,
        "num_tasks": 1,
        "partition": "batch",
        "mem_per_cpu": True,  # DefMemPerCPU=1000 on the sandbox
        "min_memory_cpu": 1000,
        "mem_per_node": False,
        "min_memory_node": None,
        "pn_min_memory": 1000,
        "pn_min_cpus": 1,
        "priority": 0,
        "qos": "",
        "req_nodes": [],
        "run_time": 0,
        "run_time_str": "00:00:00",
        "start_time": 0,
        "state_reason": "JobHeldUser",
        "submit_time": epoch("2026-11-25T12:55:12"),
        "time_limit": 1440,
        "time_limit_str": "1-00:00:00",
        "tres_per_node": None,
        "tres_req_str": "cpu=1,mem=1000M,node=1,billing=1",
        "user_id": 1002,
        "work_dir": "/tmp",
        "cpus_allocated": {},
        "cpus_alloc_layout": {},
    }
    record.update(fields)
    return record


def running(**fields: Any) -> dict[str, Any]:
    """The fields that change when a job runs since `start`, `run_time` seconds ago, on `nodes`."""
    return {"job_state": "RUNNING", "state_reason": "None", **fields}


def test_pending_jobs_with_reasons_match_squeue() -> None:
    cli = cli_jobs("squeue_held.txt")
    held = job_record(166, name="bob-user-hold", partition="debug", time_limit=30)
    admin_hold = job_record(
        167,
        name="alice-admin-hold",
        partition="debug",
        user_id=1001,
        time_limit=30,
        state_reason="JobHeldAdmin",
        start_time=epoch("2026-11-25T13:55:12"),
    )
    waiting = job_record(
        168, name="alice-dependent", partition="debug", user_id=1001, time_limit=30,
        state_reason="Dependency", priority=4294901623,
    )  # fmt: skip
    for record in (held, admin_hold, waiting):
        job = convert_job(record)
        assert job.memory_per_cpu  # pyslurm knows what squeue cannot print
        assert dataclasses.replace(job, memory_per_cpu=False) == cli[job.id]
    assert convert_job(held).reason == "JobHeldUser" and convert_job(held).start_time is None
    assert convert_job(admin_hold).start_time == "2026-11-25T13:55:12"  # the scheduler's estimate

    mixed = cli_jobs("squeue_mixed.txt")
    later = job_record(
        137, name="alice-later", partition="debug", user_id=1001, time_limit=30, state_reason="Priority",
        priority=4294901647, submit_time=epoch("2026-11-25T12:54:56"),
        start_time=epoch("2026-11-25T13:24:56"),  # the backfill estimate
    )  # fmt: skip
    assert dataclasses.replace(convert_job(later), memory_per_cpu=False) == mixed["137"]


def test_running_array_task_matches_squeue() -> None:
    record = job_record(
        151,  # a task's own job id; squeue shows array id and task
        name="tasks",
        user_id=1001,
        array_job_id=150,
        array_task_id=4,
        priority=4294901635,
        submit_time=epoch("2026-11-25T12:54:59"),
        **running(nodes="node1", start_time=epoch("2026-11-25T12:54:59"), run_time=1),
    )
    job = convert_job(record)
    assert (job.id, job.array_job_id, job.array_task_id) == ("150_4", "150", "4")
    assert (job.state, job.reason, job.nodes, job.elapsed_s) == ("RUNNING", "", "node1", 1)
    assert dataclasses.replace(job, memory_per_cpu=False) == cli_jobs("squeue_arrays.txt")["150_4"]


@pytest.mark.parametrize(("tasks", "throttle"), [("1-5%2", 2), ("1-5", 2)])
def test_pending_array_range_matches_squeue(tasks: str, throttle: int) -> None:
    """The throttle is part of the range either way, as squeue prints it."""
    record = job_record(
        148,
        name="held-array",
        user_id=1001,
        array_job_id=148,
        array_task_str=tasks,
        array_max_tasks=throttle,
        array_task_throttle=throttle,
        submit_time=epoch("2026-11-25T12:54:59"),
    )
    job = convert_job(record)
    assert (job.id, job.array_job_id, job.array_task_id) == ("148_[1-5%2]", "148", "1-5%2")
    assert dataclasses.replace(job, memory_per_cpu=False) == cli_jobs("squeue_arrays.txt")["148_[1-5%2]"]


def test_het_job_components_match_squeue() -> None:
    cli = cli_jobs("squeue_hetjob.txt")
    submitted, started = epoch("2026-11-25T12:55:01"), epoch("2026-11-25T12:55:02")
    second = job_record(
        155, name="het-cli", user_id=1001, het_job_id=154, het_job_id_set="154-155", het_job_offset=1,
        num_cpus=2, min_memory_cpu=500, pn_min_memory=500, priority=4294901633, submit_time=submitted,
        **running(nodes="node2", start_time=started, run_time=5),
    )  # fmt: skip
    first = {**second, "job_id": 154, "het_job_offset": 0, "num_cpus": 1, "pn_min_memory": 1000}
    first.update(nodes="node1", priority=4294901634)
    gpu_part = job_record(
        157, name="het-script", het_job_id=156, het_job_offset=1, num_cpus=2, tres_per_node="gres:gpu:1",
        priority=4294901631, submit_time=submitted,
        **running(nodes="node3", start_time=epoch("2026-11-25T12:55:07"), run_time=0),
    )  # fmt: skip
    for record, job_id in ((first, "154+0"), (second, "154+1"), (gpu_part, "156+1")):
        job = convert_job(record)
        assert job.id == job_id and job.array_job_id is None and job.array_task_id is None
        assert dataclasses.replace(job, memory_per_cpu=False) == cli[job_id]
    assert convert_job(gpu_part).gres == "gpu:1"
    assert (convert_job(second).memory_mb, convert_job(second).memory_per_cpu) == (500, True)


def test_gpu_jobs_match_squeue() -> None:
    cli = cli_jobs("squeue_gres.txt")
    wait = job_record(
        172, name="gpu-wait", user_id=1001, tres_per_node="gres:gpu:2", state_reason="Resources",
        priority=4294901619, submit_time=epoch("2026-11-25T12:55:14"),
    )  # fmt: skip
    two = job_record(
        171, name="gpu-two", num_cpus=4, tres_per_node="gres:gpu:a100:2", priority=4294901620,
        mem_per_cpu=False, mem_per_node=True, min_memory_node=12288, pn_min_memory=12288,
        submit_time=epoch("2026-11-25T12:55:13"),
        **running(nodes="node4", start_time=epoch("2026-11-25T12:55:13"), run_time=2),
    )  # fmt: skip
    assert dataclasses.replace(convert_job(wait), memory_per_cpu=False) == cli["172"]
    assert convert_job(two) == cli["171"]  # --mem: per node, as squeue assumes
    assert (convert_job(wait).gres, convert_job(two).gres) == ("gpu:2", "gpu:a100:2")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ("42", None, None)),
        ({"array_job_id": 40, "array_task_id": 2}, ("40_2", "40", "2")),
        ({"array_job_id": 40, "array_task_id": 0}, ("40_0", "40", "0")),
        ({"array_job_id": 40, "array_task_str": "0,3-9:3"}, ("40_[0,3-9:3]", "40", "0,3-9:3")),
        ({"array_job_id": 40, "array_task_id": NO_VAL}, ("42", None, None)),
        ({"het_job_id": 41, "het_job_offset": 0}, ("41+0", None, None)),
        ({"het_job_id": 41, "het_job_offset": 1}, ("41+1", None, None)),
    ],
)
def test_job_ids(fields: dict[str, Any], expected: tuple[str, str | None, str | None]) -> None:
    assert job_ids(job_record(42, **fields)) == expected


@pytest.mark.parametrize(
    ("time_limit", "seconds"),
    [(30, 1800), (1, 60), (1440, 86400), ("UNLIMITED", None), ("Partition_Limit", None)],
)
def test_time_limits(time_limit: Any, seconds: int | None) -> None:
    assert convert_job(job_record(9, time_limit=time_limit)).time_limit_s == seconds


def test_other_values() -> None:
    # pyslurm gives a reason sentence (state_desc) with "_" for spaces; it stays as given.
    job = convert_job(job_record(9, state_reason="launch_failed_requeued_held", nodes=""))
    assert (job.reason, job.nodes, job.gres) == ("launch_failed_requeued_held", "", "")
    assert convert_job(job_record(9, num_nodes=1, req_nodes=["node[1-2]", "node4"])).node_count == 3
    assert convert_job(job_record(9, run_time=0, start_time=INFINITE)).start_time is None
    assert local_time(0) is None and local_time(NO_VAL) is None and local_time(None) is None
    assert local_time(epoch("2026-11-25T12:55:12")) == "2026-11-25T12:55:12"
    assert user_name(0) == "root" and user_name(2**31 - 7) == str(2**31 - 7)


def test_finished_jobs_are_left_out_as_squeue_does() -> None:
    records = {
        1: job_record(1),
        2: job_record(2, job_state="CANCELLED", state_reason="None"),
        3: job_record(3, **running(job_state="COMPLETING", nodes="node1", run_time=4)),
        4: job_record(4, **running(job_state="COMPLETED", nodes="node1")),
        5: job_record(5, **running(job_state="SUSPENDED", nodes="node1")),
        6: job_record(6, job_state="TIMEOUT"),
        7: job_record(7, job_state="OUT_OF_MEMORY"),
        8: job_record(8, **running(job_state="CONFIGURING", nodes="node1")),
    }
    jobs = jobs_from_pyslurm(records, USERS.__getitem__)
    assert [(job.id, job.state) for job in jobs] == [
        ("1", "PENDING"),
        ("3", "COMPLETING"),
        ("5", "SUSPENDED"),
        ("8", "CONFIGURING"),
    ]


def test_a_malformed_record_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    records = {1: job_record(1), 2: {"job_id": 2}, 3: job_record(3, user_id=None), 4: job_record(4)}
    with caplog.at_level(logging.WARNING, logger="hpc_lab_ext.scheduler.pyslurm_convert"):
        jobs = jobs_from_pyslurm(records, USERS.__getitem__)
    assert [job.id for job in jobs] == ["1", "4"]
    assert len(caplog.records) == 2


# ---- nodes --------------------------------------------------------------------------------------


def node_record(name: str, **fields: Any) -> dict[str, Any]:
    """An idle sandbox node as ``pyslurm.node().get()[name]`` holds it; `fields` change it."""
    record: dict[str, Any] = {
        "arch": "x86_64",
        "boards": 1,
        "cores": 8,
        "cpus": 8,
        "cpu_load": 21,
        "features": [],
        "free_mem": 23430,
        "gres": [],
        "gres_drain": "N/A",
        "gres_used": ["gpu:0"],
        "name": name,
        "node_addr": "127.0.0.1",
        "node_hostname": "localhost",
        "partitions": ["debug", "batch"],
        "real_memory": 16000,
        "sockets": 1,
        "threads": 1,
        "tmp_disk": 0,
        "weight": 1,
        "version": "22.05.8",
        "reason": None,
        "reason_time": None,
        "reason_uid": None,
        "alloc_cpus": 0,
        "err_cpus": 0,
        "state": "IDLE",
        "alloc_mem": 0,
    }
    record.update(fields)
    return record


def gpu_node(name: str, **fields: Any) -> dict[str, Any]:
    used = ["gpu:a100:0(IDX:N/A)"]
    return node_record(name, gres=["gpu:a100:2"], gres_used=used, partitions=["batch"], **fields)


def test_gpu_nodes_match_scontrol() -> None:
    records = {
        "node1": node_record("node1"),
        "node2": node_record("node2"),
        "node3": gpu_node("node3", state="MIXED", alloc_cpus=1, alloc_mem=1000),
        "node4": gpu_node("node4", state="MIXED", alloc_cpus=4, alloc_mem=12288),
    }
    records["node3"]["gres_used"] = ["gpu:a100:1(IDX:0)"]
    records["node4"]["gres_used"] = ["gpu:a100:2(IDX:0-1)"]
    nodes = nodes_from_pyslurm(records)
    assert nodes == list(cli_nodes("nodes_gpu.txt").values())
    assert [(n.gpus_total, n.gpus_alloc) for n in nodes] == [(0, 0), (0, 0), (2, 1), (2, 2)]
    assert [n.load for n in nodes] == [0.21] * 4


def test_untyped_gpus() -> None:
    (node,) = nodes_from_pyslurm({"gpu1": node_record("gpu1", gres=["gpu:2"], gres_used=["gpu:1(IDX:1)"])})
    assert (node.gpus_total, node.gpus_alloc) == (2, 1)


def test_drained_draining_and_down_nodes_match_scontrol() -> None:
    records = {
        "node1": node_record("node1", state="IDLE+DRAIN", reason="disk check: sda=bad | replace"),
        "node2": node_record("node2", state="MIXED+DRAIN", reason="kernel update", alloc_cpus=2),
        "node3": gpu_node("node3"),
        "node4": gpu_node("node4", state="DOWN", reason="fan failure"),
    }
    records["node2"]["alloc_mem"] = 2000
    nodes = {node.name: node for node in nodes_from_pyslurm(records)}
    assert nodes == cli_nodes("nodes_drained.txt")
    assert (nodes["node1"].state, nodes["node1"].reason) == ("drained", "disk check: sda=bad | replace")
    assert (nodes["node2"].state, nodes["node2"].reason) == ("draining", "kernel update")
    assert (nodes["node4"].state, nodes["node4"].reason) == ("down", "fan failure")


def test_not_responding_then_down_matches_scontrol() -> None:
    early = {f"node{i}": node_record(f"node{i}") for i in (1, 2)}
    early |= {"node3": gpu_node("node3"), "node4": gpu_node("node4", state="IDLE*")}
    assert {n.name: n.state for n in nodes_from_pyslurm(early)} == {
        n.name: n.state for n in cli_nodes("nodes_not_responding.txt").values()
    }
    late = dict(early, node4=gpu_node("node4", state="DOWN*", reason="Not responding"))
    assert nodes_from_pyslurm(late)[3] == cli_nodes("nodes_down.txt")["node4"]


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("IDLE", "idle"),
        ("MIXED", "mixed"),
        ("ALLOCATED", "allocated"),
        ("DOWN", "down"),
        ("DOWN*", "down"),
        ("DOWN+DRAIN", "down"),
        ("DOWN*+DRAIN", "down"),
        ("IDLE+DRAIN", "drained"),
        ("MIXED+DRAIN", "draining"),
        ("ALLOCATED+DRAIN", "draining"),
        ("IDLE*", "not_responding"),
        ("IDLE*+DRAIN", "drained"),
        ("IDLE+COMPLETING", "completing"),
        ("MIXED+COMPLETING", "mixed"),
        ("IDLE+FAIL", "fail"),
        ("ALLOCATED+FAIL", "failing"),
        ("IDLE+POWER", "powered_down"),
        ("IDLE+POWERING_DOWN", "powered_down"),
        ("MAINT", "maint"),
        ("IDLE+CLOUD", "idle"),
        ("", "unknown"),
    ],
)
def test_pyslurm_node_state(raw: str, state: str) -> None:
    assert pyslurm_node_state(raw) == state


# ---- partitions ---------------------------------------------------------------------------------


def partition_record(name: str, nodes: str | None, **fields: Any) -> dict[str, Any]:
    """An up partition as ``pyslurm.partition().get()[name]`` holds it; `fields` change it."""
    flags = {"Default": 0, "Hidden": 0, "DisableRootJobs": 0, "RootOnly": 0, "Shared": "NO", "LLN": 0}
    record: dict[str, Any] = {
        "allow_accounts": "ALL",
        "allow_groups": "ALL",
        "allow_qos": "ALL",
        "def_mem_per_cpu": None,
        "def_mem_per_node": "UNLIMITED",
        "default_time": "NONE",
        "default_time_str": "NONE",
        "flags": flags,
        "max_cpus_per_node": "UNLIMITED",
        "max_nodes": "UNLIMITED",
        "max_share": 1,
        "max_time": "UNLIMITED",
        "max_time_str": "UNLIMITED",
        "min_nodes": 0,
        "name": name,
        "nodes": nodes,
        "priority_tier": 1,
        "state": "UP",
        "total_cpus": 0,
        "total_nodes": 0,
    }
    record.update(fields)
    return record


def test_partitions_match_scontrol() -> None:
    default = partition_record("debug", "node[1-2]", max_nodes=1, max_time=1800, max_time_str="00:30:00")
    default["flags"] = dict(default["flags"], Default=1)
    records = {
        "debug": dict(default, total_cpus=16, total_nodes=2),
        "batch": partition_record("batch", "node[1-4]", max_time=86400, total_cpus=32, total_nodes=4),
        "rec-gpu": partition_record(
            "rec-gpu", "node[3-4]", state="DRAIN", default_time=600, min_nodes=1, total_cpus=16, total_nodes=2
        ),
        "rec-off": partition_record("rec-off", None, state="", max_nodes=3, max_time=7200, min_nodes=1),
        "rec-down": partition_record(
            "rec-down", "node[1,3]", state="DOWN", max_time=2700, min_nodes=1, total_cpus=16, total_nodes=2
        ),
    }
    nodes = list(cli_nodes("nodes_gpu.txt").values())
    partitions = partitions_from_pyslurm(records, nodes)
    assert partitions == parse_partitions((FIXTURES / "partitions.txt").read_text("utf-8"), nodes)
    debug, batch, gpu, off, _ = partitions
    assert (debug.default, debug.max_time_s, debug.max_nodes, debug.gpus_total) == (True, 1800, 1, 0)
    assert (batch.default, batch.max_time_s, batch.max_nodes, batch.gpus_total) == (False, 86400, None, 4)
    assert (gpu.state, gpu.max_time_s, gpu.default_time_s) == ("drain", None, 600)  # MaxTime UNLIMITED
    assert (off.state, off.nodes) == ("inactive", ())
    assert [p.gpus_total for p in partitions_from_pyslurm(records)] == [0] * 5  # no nodes given


# ---- PyslurmBackend around these conversions, on a stand-in pyslurm module ---------------------


class Listing:
    """What ``pyslurm.job()`` / ``node()`` / ``partition()`` are: an object whose get() returns dicts."""

    def __init__(self, records: dict[Any, Any]) -> None:
        self.records = records

    def get(self) -> dict[Any, Any]:
        return self.records


@pytest.fixture
def fake_pyslurm(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """A pyslurm 22.5.1 stand-in in sys.modules: attributes are what the backend calls."""
    killed: list[tuple[bytes, int, int]] = []

    def kill_job2(job_id: bytes, sig: int, flags: int) -> int:
        killed.append((job_id, sig, flags))
        return 0

    module = types.SimpleNamespace(
        version=lambda: "22.5.1",
        job=lambda: Listing({5: job_record(5)}),
        node=lambda: Listing({"node1": node_record("node1")}),
        partition=lambda: Listing({"batch": partition_record("batch", "node1", total_cpus=8)}),
        slurm_ping=lambda controller: 0,
        slurm_kill_job2=kill_job2,
        killed=killed,
    )
    monkeypatch.setitem(sys.modules, "pyslurm", module)
    monkeypatch.setattr(pyslurm_backend, "installed_slurm_version", lambda timeout=10.0: "22.05.8")
    pyslurm_backend.probe.cache_clear()
    yield module
    pyslurm_backend.probe.cache_clear()


def failing(message: str, errno: int) -> Any:
    def call(*args: Any) -> Any:
        raise ValueError(message, errno)

    return call


async def test_backend_lists_through_pyslurm(fake_pyslurm: types.SimpleNamespace) -> None:
    assert PyslurmBackend.available() and PyslurmBackend.unavailable_reason() is None
    backend = PyslurmBackend(command_timeout=5)
    assert (backend.name, backend.implementation) == ("slurm", "pyslurm")
    (job,) = await backend.list_jobs()
    # uid 1002 is bob in the sandbox; elsewhere the number itself stands for the user
    assert (job.id, job.state, job.reason, job.user) == ("5", "PENDING", "JobHeldUser", user_name(1002))
    (node,) = await backend.list_nodes()
    (partition,) = await backend.list_partitions()
    assert (node.name, node.cpus_total, node.state) == ("node1", 8, "idle")
    assert (partition.name, partition.nodes, partition.cpus_total) == ("batch", ("node1",), 8)
    await backend.ping()


async def test_backend_maps_pyslurm_errors(fake_pyslurm: types.SimpleNamespace) -> None:
    backend = PyslurmBackend(command_timeout=5)
    fake_pyslurm.job = failing("Unable to contact slurm controller (connect failure)", 1800)
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        await backend.list_jobs()
    fake_pyslurm.node = failing("Socket timed out on send/recv operation", 5004)
    with pytest.raises(SchedulerUnavailable):
        await backend.list_partitions()
    fake_pyslurm.slurm_ping = failing("Communication connection failure", 1001)
    with pytest.raises(SchedulerUnavailable, match="Communication connection failure"):
        await backend.ping()
    fake_pyslurm.partition = failing("Access/permission denied", 2002)
    with pytest.raises(CommandFailed, match="Access/permission denied"):
        await backend.list_partitions(nodes=[])


async def test_backend_times_out(fake_pyslurm: types.SimpleNamespace) -> None:
    fake_pyslurm.job = lambda: time.sleep(1)
    with pytest.raises(SchedulerUnavailable, match=r"did not answer within 0\.2 s"):
        await PyslurmBackend(command_timeout=0.2).list_jobs()


async def test_backend_job_actions(fake_pyslurm: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = PyslurmBackend(command_timeout=5)
    await backend.job_action("12_3", "cancel")
    assert fake_pyslurm.killed == [(b"12_3", 9, 0)]

    delegated: list[tuple[str, str]] = []

    async def cli_action(job_id: str, action: str) -> None:
        delegated.append((job_id, action))

    monkeypatch.setattr(backend.cli, "job_action", cli_action)
    await backend.job_action("12", "hold")
    await backend.job_action("12+1", "release")
    assert delegated == [("12", "hold"), ("12+1", "release")]

    fake_pyslurm.slurm_kill_job2 = failing("Invalid job id specified", 2017)
    with pytest.raises(NotFound, match="job 12 not found"):
        await backend.job_action("12", "cancel")
    fake_pyslurm.slurm_kill_job2 = failing("Access/permission denied", 2002)
    with pytest.raises(CommandFailed, match=r"refused to cancel job 12: Access/permission denied \(only"):
        await backend.job_action("12", "cancel")
    fake_pyslurm.slurm_kill_job2 = failing("Job/step already completing or completed", 2021)
    with pytest.raises(CommandFailed, match=r"already completing or completed$"):
        await backend.job_action("12", "cancel")
    with pytest.raises(ValueError, match="unknown job action"):
        await backend.job_action("12", "suspend")


def test_probe_reasons(fake_pyslurm: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pyslurm.version = lambda: "23.2.2"
    pyslurm_backend.probe.cache_clear()
    assert PyslurmBackend.unavailable_reason() == "pyslurm 23.2.2 does not match Slurm 22.05.8"
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
