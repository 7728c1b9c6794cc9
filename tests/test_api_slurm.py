"""The REST API against the real sandbox Slurm: real jobs submitted by several users."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, slurm_version, submit

from hpc_lab_ext.app import unix_user

pytestmark = pytest.mark.slurm


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    cancel(ids)


async def wait_for_job(api: Any, job_id: str, who: str = "me", timeout: float = 15.0) -> dict[str, Any]:
    """Poll GET jobs until job_id is listed (the server polls every second in these tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, body = await api("jobs", user=who)
        assert code == 200
        for job in body["jobs"]:
            if job["id"] == job_id:
                return job  # type: ignore[no-any-return]
        await asyncio.sleep(0.3)
    raise AssertionError(f"job {job_id} not listed within {timeout} s")


async def test_status_reports_slurm(api: Any) -> None:
    code, body = await api("status")
    assert code == 200
    assert body["backend"] == "slurm"
    assert body["backend_version"] == f"slurm {slurm_version()}"
    assert body["reachable"] is True
    assert body["live_queue"] is True
    assert body["user"] == unix_user()


async def test_my_job_and_others_jobs(api: Any, submitted: list[str]) -> None:
    mine = submit(["-p", "debug", "-J", "api mine | ü", "-c", "2", "-t", "5", "--hold"])
    submitted.append(mine)
    theirs = submit(["-p", "batch", "-J", "alice api", "-t", "10", "--hold"], user="alice")
    submitted.append(theirs)

    job = await wait_for_job(api, mine, "me")
    assert job["name"] == "api mine | ü"
    assert job["user"] == unix_user()
    assert job["partition"] == "debug"
    assert job["state"] == "PENDING"
    assert job["reason"] == "JobHeldUser"
    assert job["cpus"] == 2
    assert job["time_limit_s"] == 300
    assert job["submit_time"]

    other = await wait_for_job(api, theirs, "all")
    assert other["user"] == "alice"
    assert other["time_limit_s"] == 600

    code, body = await api("jobs", user="me")
    assert code == 200
    assert theirs not in {j["id"] for j in body["jobs"]}
    assert all(j["user"] == unix_user() for j in body["jobs"])
    assert body["stale"] is False


async def test_running_job_has_node_and_elapsed(api: Any, submitted: list[str]) -> None:
    job_id = submit(["-p", "debug", "-J", "api running", "-t", "5"], script="sleep 120")
    submitted.append(job_id)
    deadline = time.monotonic() + 20
    while True:
        job = await wait_for_job(api, job_id)
        if job["state"] == "RUNNING":
            break
        assert time.monotonic() < deadline, f"job stayed {job['state']}"
        await asyncio.sleep(0.5)
    assert job["nodes"] in {"node1", "node2"}
    assert job["start_time"]
    assert job["elapsed_s"] >= 0
