"""A scheduler outage while clients watch: stale data marked as such, 503 for actions, recovery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, start_controller, stop_controller, submit

pytestmark = pytest.mark.slurm


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def held_job() -> Iterator[str]:
    job = submit(["-p", "debug", "-J", "outage", "-t", "5", "--hold"])
    yield job
    cancel([job])


async def until(check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s"
        await asyncio.sleep(0.2)


async def test_outage_then_recovery(api: Any, jp_ws_fetch: Any, held_job: str) -> None:
    async def listed() -> bool:
        _, body = await api("jobs", user="me")
        return held_job in {j["id"] for j in body["jobs"]}

    await until(listed, 15)
    ws = await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates")
    assert json.loads(await ws.read_message())["type"] == "snapshot"

    stopped_at = time.monotonic()
    stop_controller()
    try:

        async def unreachable() -> Any:
            _, body = await api("status")
            return body if not body["reachable"] else None

        status = await until(unreachable, 20)
        # poll_interval is 1 s here; a failing squeue takes MessageTimeout - 1 = 2 s to say so
        assert time.monotonic() - stopped_at < 2 * (1 + 3) + 2
        assert status["unreachable_since"] is not None
        assert status["error"]

        code, body = await api("jobs", user="me")
        assert code == 200
        assert body["stale"] is True
        assert held_job in {j["id"] for j in body["jobs"]}  # last known state still served

        code, body = await api(f"jobs/{held_job}/release", method="POST", body="")
        assert code == 503
        assert "not answered since" in body["message"]

        # the websocket clients were told
        stale_seen = False
        while not stale_seen:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 20))
            stale_seen = message["type"] == "delta" and message["stale"] is True
    finally:
        start_controller()

    async def reachable() -> bool:
        _, body = await api("status")
        return bool(body["reachable"])

    await until(reachable, 20)
    code, body = await api("jobs", user="me")
    assert body["stale"] is False
    assert held_job in {j["id"] for j in body["jobs"]}
    code, body = await api(f"jobs/{held_job}/release", method="POST", body="")
    assert code == 200, body
    ws.close()
