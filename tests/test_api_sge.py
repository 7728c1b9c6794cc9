"""The REST API on the real Grid Engine sandbox (the tests' own instance, see conftest.py): status,
queue, nodes, queues as partitions, and a job action, through the server's poller like any client
sees them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_sge import deleted_after, job_state, qsub, require_sge, sge_host

from hpc_lab_ext.app import unix_user

pytestmark = pytest.mark.sge


@pytest.fixture
def hpc_backend() -> str:
    require_sge()
    return "sge"


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    """Job numbers a test submits; deleted afterwards whatever happens."""
    with deleted_after() as numbers:
        yield numbers


async def listed(api: Any, job_id: str, present: bool = True, timeout: float = 15.0) -> dict[str, Any] | None:
    """GET jobs (all users) until job_id is listed, or until it is not when `present` is False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code, body = await api("jobs", user="all")
        assert code == 200
        job = next((j for j in body["jobs"] if j["id"] == job_id), None)
        if (job is not None) == present:
            return job
        await asyncio.sleep(0.3)
    raise AssertionError(f"job {job_id} {'not listed' if present else 'still listed'} within {timeout} s")


async def test_status_nodes_and_partitions(api: Any) -> None:
    code, status = await api("status")
    assert code == 200
    assert (status["backend"], status["reachable"], status["live_queue"], status["user"]) == (
        "sge", True, True, unix_user(),
    )  # fmt: skip
    assert status["backend_version"].startswith("sge 8.")
    code, body = await api("nodes")
    assert code == 200 and [n["name"] for n in body["nodes"]] == [sge_host()]
    code, body = await api("partitions")
    assert code == 200
    assert {p["name"]: p["max_time_s"] for p in body["partitions"]} == {"debug.q": 1800, "batch.q": 86400}


async def test_my_held_job_is_released_and_cancelled(api: Any, submitted: list[str]) -> None:
    submitted.append(qsub(["-q", "debug.q", "-h", "-N", "api-held", "-l", "h_rt=0:05:00"]))
    (number,) = submitted
    job = await listed(api, number)
    assert job is not None
    assert (job["name"], job["user"], job["partition"], job["reason"], job["time_limit_s"]) == (
        "api-held", unix_user(), "debug.q", "JobHeldUser", 300,
    )  # fmt: skip
    code, body = await api(f"jobs/{number}/release", method="POST", body={})
    assert code == 200 and body["action"] == "release"
    assert job_state(number) in {"qw", "r", "t"}
    code, body = await api(f"jobs/{number}/cancel", method="POST", body={})
    assert code == 200
    await listed(api, number, present=False)
    code, body = await api(f"jobs/{number}/cancel", method="POST", body={})
    assert code == 404, body
