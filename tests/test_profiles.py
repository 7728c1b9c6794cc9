"""Cluster profiles: loading admin and user configuration, and checking a user's overrides.

Pure tests: partitions and nodes are built here in the sandbox's shape (debug: node1-2, 30 min;
batch: node1-4, 1 day; nodes of 8 CPUs and 16000 MB, node3-4 with two GPUs each).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpc_lab_ext.clusters.profiles import (
    USER_PROFILE,
    Profile,
    default_profiles,
    format_walltime,
    load_profiles,
    memory_bytes,
    profile_from_dict,
    resolve,
    slurm_memory_mb,
    walltime_seconds,
    within_server_job,
    worker_lifetime_args,
)
from hpc_lab_ext.errors import BadRequest, SchedulerUnavailable
from hpc_lab_ext.models import Node, Partition


def node(name: str, gpus: int = 0, parts: tuple[str, ...] = ("debug", "batch")) -> Node:
    return Node(name, "idle", "", parts, 8, 0, 16000, 0, gpus_total=gpus)


NODES = (node("node1"), node("node2"), node("node3", 2, ("batch",)), node("node4", 2, ("batch",)))
PARTITIONS = (
    Partition("debug", "up", True, ("node1", "node2"), 1800, None, 1, 16, 0),
    Partition("batch", "up", False, ("node1", "node2", "node3", "node4"), 86400, None, None, 32, 4),
)
OPEN = Profile(
    name="open",
    cores=1,
    memory="1GB",
    walltime="00:10:00",
    open_fields=("cores", "memory", "walltime", "partition", "gres", "processes"),
)


def ok(overrides: dict[str, Any], profile: Profile = OPEN) -> Profile:
    return resolve(profile, overrides, PARTITIONS, NODES)


def refused(overrides: Any, match: str, profile: Profile = OPEN) -> None:
    with pytest.raises(BadRequest, match=match) as info:
        resolve(profile, overrides, PARTITIONS, NODES)
    assert info.value.status == 400


# ---- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1GB", 10**9),
        ("500MB", 500 * 10**6),
        ("2GiB", 2 * 2**30),
        ("1.5 GB", 1_500_000_000),
        ("4G", 4 * 2**30),
        ("512mib", 512 * 2**20),
    ],
)
def test_memory_bytes(text: str, expected: int) -> None:
    assert memory_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "2", "2 parsecs", "-1GB", "GB", "1e3MB"])
def test_memory_bytes_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="memory must be a size"):
        memory_bytes(text)


def test_slurm_memory_is_what_dask_jobqueue_asks_for() -> None:
    # dask-jobqueue rounds up to whole GiB from 1 GiB on (slurm_format_bytes_ceil)
    assert slurm_memory_mb("2GB") == 2048
    assert slurm_memory_mb("500MB") == 477
    assert slurm_memory_mb("2GiB") == 2048


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("01:00:00", 3600), ("45:00", 2700), ("00:30:00", 1800), (90, 5400), ("1-02:00:00", 93600)],
)
def test_walltime_seconds(value: Any, seconds: int) -> None:
    assert walltime_seconds(value) == seconds


@pytest.mark.parametrize("value", ["1h", "1:2:3:4", "00:61:00", "10:75", "", 1.5, True, None])
def test_walltime_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match="walltime"):
        walltime_seconds(value)


@given(st.integers(min_value=0, max_value=30 * 86400))
def test_walltime_round_trip(seconds: int) -> None:
    assert walltime_seconds(format_walltime(seconds)) == seconds


def test_lifetime_retires_workers_before_walltime() -> None:
    assert worker_lifetime_args(1800) == ["--lifetime", "1680s", "--lifetime-stagger", "60s"]
    assert worker_lifetime_args(300) == ["--lifetime", "240s", "--lifetime-stagger", "15s"]
    assert worker_lifetime_args(60) == []


# ---- loading -------------------------------------------------------------------------------------


def test_admin_profiles_load(tmp_path: Path) -> None:
    admin = {
        "big": {
            "cores": 8,
            "memory": "16GB",
            "walltime": "04:00:00",
            "partition": "batch",
            "job_extra_directives": ["--constraint=fast"],
            "open_fields": ["cores"],
            "max_workers": 2,
        }
    }
    profiles = load_profiles(admin, tmp_path / "missing.yaml")
    assert list(profiles) == ["big"]
    big = profiles["big"]
    assert (big.cores, big.job_extra_directives, big.open_fields) == (8, ("--constraint=fast",), ("cores",))
    assert big.to_json()["job_extra_directives"] == ["--constraint=fast"]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"cores": "8"}, "cores must be a whole number"),
        ({"cores": True}, "cores must be a whole number"),
        ({"max_workers": 0}, "max_workers must be a whole number >= 1"),
        ({"memory": "lots"}, "memory must be a size"),
        ({"open_fields": ["account"]}, "open_fields may only name"),
        ({"open_fields": "cores"}, "open_fields must be a list"),
        ({"queue": "batch"}, "unknown setting"),
        ({"scheduler": "htcondor"}, "scheduler must be one of"),
    ],
)
def test_malformed_admin_profile(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        load_profiles({"p": data}, None)


def test_user_jobqueue_yaml(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "jobqueue.yaml"
    path.write_text(
        "jobqueue:\n"
        "  slurm:\n"
        "    cores: 2\n"
        "    memory: 4 GB\n"
        "    walltime: '01:00:00'\n"
        "    queue: batch\n"
        "    job-extra-directives: ['--exclusive']\n"
        "    job-script-prologue: ['source /etc/evil']\n"
        "    python: /opt/other/python\n"
        "    local-directory: null\n"
        "  pbs:\n"
        "    cores: 99\n"
    )
    with caplog.at_level(logging.WARNING):
        profiles = load_profiles({}, path)
    mine = profiles[USER_PROFILE]
    assert (mine.cores, mine.memory, mine.walltime, mine.partition) == (2, "4GB", "01:00:00", "batch")
    assert mine.job_extra_directives == ()
    assert "job-extra-directives" in caplog.text and "job-script-prologue" in caplog.text
    assert "python" in caplog.text and "local-directory" not in caplog.text
    assert ok({"cores": 4}, mine).cores == 4  # the user's own profile is open to them, within limits


def test_broken_user_file_does_not_stop_loading(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "jobqueue.yaml"
    path.write_text("jobqueue: [unclosed\n")
    with caplog.at_level(logging.WARNING):
        profiles = load_profiles({"a": {}}, path)
    assert list(profiles) == ["a"] and "ignoring" in caplog.text
    path.write_text("jobqueue:\n  slurm:\n    cores: 1\n")  # no memory: no profile
    assert list(load_profiles({}, path)) == []
    path.write_text("jobqueue:\n  slurm:\n    cores: many\n    memory: 1GB\n")
    assert list(load_profiles({}, path)) == []


def test_admin_name_wins_over_user_file(tmp_path: Path) -> None:
    path = tmp_path / "jobqueue.yaml"
    path.write_text("jobqueue:\n  slurm:\n    cores: 1\n    memory: 1GB\n")
    profiles = load_profiles({USER_PROFILE: {"cores": 3}}, path)
    assert profiles[USER_PROFILE].cores == 3


def test_default_profiles_fit_the_sandbox() -> None:
    defaults = default_profiles()
    assert set(defaults) == {"small", "medium", "gpu"}
    for profile in defaults.values():
        resolved = resolve(profile, {}, PARTITIONS, NODES)
        assert resolved.partition in ("debug", "batch")
    assert resolve(defaults["gpu"], {}, PARTITIONS, NODES).gres == "gpu:1"
    assert default_profiles("local")["local"].scheduler == "local"


# ---- resolving overrides -------------------------------------------------------------------------


def test_resolve_applies_open_fields() -> None:
    p = ok({"cores": 4, "memory": "8GB", "walltime": 120, "partition": "batch", "processes": 2})
    assert (p.cores, p.memory, p.walltime, p.partition, p.processes) == (4, "8GB", "02:00:00", "batch", 2)
    assert ok({}).partition == "debug"  # the default partition when the profile names none
    assert ok({"walltime": "20:00"}).walltime == "00:20:00"
    assert ok({"partition": "batch", "gres": "gpu:2"}).gres == "gpu:2"


def test_closed_and_unknown_fields() -> None:
    closed = replace(OPEN, open_fields=("cores",))
    refused({"memory": "2GB"}, "does not let you change memory; you may change: cores", closed)
    refused({"python": "/bin/sh"}, "unknown field", closed)
    refused({"account": "x"}, "unknown field", closed)
    refused({"cores": 2}, "you may change: nothing", replace(OPEN, open_fields=()))
    refused(["cores"], "overrides must be an object")


@pytest.mark.parametrize("value", [True, 2.0, "2", None])
def test_cores_must_be_an_int(value: Any) -> None:
    refused({"cores": value}, "cores must be a whole number")


def test_bounds() -> None:
    refused({"cores": 0}, "cores must be at least 1")
    refused({"cores": 9}, r"cores must be 1 to 8 \(CPUs per node in partition debug\)")
    refused({"memory": "20GB"}, "more than a node of partition debug has")
    refused({"memory": "64MB"}, "at least 128MB")
    refused({"memory": 2}, "memory must be a string")
    refused({"walltime": "00:31:00"}, "over partition debug's limit of 00:30:00")
    refused({"walltime": 0}, "at least one minute")
    refused({"walltime": "1h"}, "walltime must be")
    refused({"walltime": 1.5}, "walltime must be")
    refused({"partition": "gpu"}, r"unknown or not allowed partition 'gpu'; allowed: batch, debug")
    refused({"gres": "gpu:1"}, "partition debug has no GPUs")
    refused({"partition": "batch", "gres": "gpu:3"}, "more than 2 GPUs per node in partition batch")
    refused({"partition": "batch", "gres": "gpu:a100:1"}, "gres must be '' or 'gpu:N'")
    refused({"partition": "batch", "gres": "mps:100"}, "gres must be")
    refused({"cores": 4, "processes": 3}, "processes must divide cores")
    refused({"processes": 2}, "processes must divide cores")
    assert ok({"partition": "batch", "walltime": "23:00:00"}).walltime == "23:00:00"


def test_allowed_partitions() -> None:
    only_batch = replace(OPEN, partition="batch", allowed_partitions=("batch",))
    assert ok({}, only_batch).partition == "batch"
    refused({"partition": "debug"}, "allowed: batch", only_batch)


def test_unknown_limits_without_partitions() -> None:
    with pytest.raises(SchedulerUnavailable):
        resolve(OPEN, {}, [], [])
    # Without node details the per-node CPUs come from the partition's total.
    assert resolve(OPEN, {"cores": 8}, PARTITIONS, []).cores == 8
    with pytest.raises(BadRequest, match="cores must be 1 to 8"):
        resolve(OPEN, {"cores": 9}, PARTITIONS, [])


def test_local_profile_ignores_partitions() -> None:
    local = replace(OPEN, scheduler="local", partition="x", gres="gpu:1")
    resolved = resolve(local, {"cores": 1}, [], [])
    assert (resolved.partition, resolved.gres) == ("", "")
    with pytest.raises(BadRequest, match="this machine's CPUs"):
        resolve(local, {"cores": 10_000}, [], [])


# ---- a Jupyter server that is itself a Slurm job -------------------------------------------------


def test_worker_jobs_end_with_the_servers_job() -> None:
    p = Profile("medium", walltime="02:00:00")
    now = 1_000_000.0
    # the server's job ends in 45 min 30 s: workers get 45 minutes
    assert within_server_job(p, now + 45 * 60 + 30, now).walltime == "00:45:00"
    # a walltime that ends sooner, no server job, a profile allowed to outlive it, local workers
    assert within_server_job(p, now + 3 * 3600, now) is p
    assert within_server_job(p, None, now) is p
    assert within_server_job(replace(p, outlive_server=True), now + 600, now).walltime == "02:00:00"
    assert within_server_job(replace(p, scheduler="local"), now + 600, now).walltime == "02:00:00"
    with pytest.raises(BadRequest, match="ends within a minute"):
        within_server_job(p, now + 59, now)


def test_outlive_server_is_a_yes_or_no() -> None:
    assert profile_from_dict("long", {"outlive_server": True}).outlive_server is True
    with pytest.raises(ValueError, match="outlive_server is true or false"):
        profile_from_dict("long", {"outlive_server": "yes"})
