"""The scheduler service against the real sandbox: job actions, another user's jobs, shared polls."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit, wait_for
from servers import ServerProcess

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


def squeue_field(job_id: str, code: str) -> str:
    out = subprocess.run(
        ["squeue", "--noheader", "-j", job_id, "-o", code], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()


async def test_cancel_hold_release_own_jobs(api: Any, submitted: list[str]) -> None:
    job = submit(["-p", "debug", "-J", "action test", "-t", "5", "--hold"])
    submitted.append(job)

    code, body = await api(f"jobs/{job}/release", method="POST", body="")
    assert code == 200, body
    assert squeue_field(job, "%r") != "JobHeldUser"

    code, body = await api(f"jobs/{job}/cancel", method="POST", body="")
    assert code == 200, body
    wait_for(lambda: squeue_field(job, "%T") in ("", "CANCELLED", "COMPLETING"), 15)
    # the answer comes after a fresh poll: the listing no longer shows it as pending or running
    code, body = await api("jobs", user="me")
    states = {j["id"]: j["state"] for j in body["jobs"]}
    assert states.get(job) in (None, "CANCELLED", "COMPLETING")


async def test_hold_then_release_shows_in_listing(api: Any, submitted: list[str]) -> None:
    job = submit(["-p", "batch", "-J", "hold test", "-t", "5", "--begin=now+1hour"])
    submitted.append(job)
    code, body = await api(f"jobs/{job}/hold", method="POST", body="")
    assert code == 200, body
    code, body = await api("jobs", user="me", state="pending")
    listed = {j["id"]: j for j in body["jobs"]}
    assert listed[job]["reason"] == "JobHeldUser"
    code, body = await api(f"jobs/{job}/release", method="POST", body="")
    assert code == 200, body
    code, body = await api("jobs", user="me", state="pending")
    listed = {j["id"]: j for j in body["jobs"]}
    assert listed[job]["reason"] != "JobHeldUser"


async def test_release_of_a_job_not_held_is_409(api: Any, submitted: list[str]) -> None:
    # Slurm itself says nothing here (exit 0): we say it plainly instead of pretending it worked.
    job = submit(["-p", "debug", "-J", "not held", "-t", "5", "--begin=now+1hour"])
    submitted.append(job)
    code, body = await api(f"jobs/{job}/release", method="POST", body="")
    assert code == 409
    assert "not held" in body["message"]


async def test_hold_of_a_running_job_is_409(api: Any, submitted: list[str]) -> None:
    job = submit(["-p", "debug", "-J", "running", "-t", "5"], script="sleep 60")
    submitted.append(job)
    wait_for(lambda: squeue_field(job, "%T") == "RUNNING", 20)
    code, body = await api(f"jobs/{job}/hold", method="POST", body="")
    assert code == 409
    assert "only pending jobs" in body["message"]
    assert squeue_field(job, "%T") == "RUNNING"
    assert squeue_field(job, "%r") == "None"


async def test_unknown_job_is_404(api: Any) -> None:
    code, body = await api("jobs/999999/cancel", method="POST", body="")
    assert code == 404
    assert "999999" in body["message"]


async def test_another_users_job_is_403_without_touching_it(api: Any, submitted: list[str]) -> None:
    job = submit(["-p", "debug", "-J", "bob's", "-t", "5", "--hold"], user="bob")
    submitted.append(job)
    # this server runs as root: root's "own" jobs are root's, bob's are not
    code, body = await api(f"jobs/{job}/cancel", method="POST", body="")
    assert code == 403
    assert "bob" in body["message"]
    assert squeue_field(job, "%T") == "PENDING"


@pytest.fixture
def alice_server(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[ServerProcess]:
    require_slurm()
    server = ServerProcess(user="alice")
    try:
        jp_asyncio_loop.run_until_complete(server.wait_ready())
        yield server
    finally:
        server.stop()


async def test_server_as_alice_sees_bob_but_cannot_touch(
    alice_server: ServerProcess, submitted: list[str]
) -> None:
    bobs = submit(["-p", "debug", "-J", "bob job", "-t", "5", "--hold"], user="bob")
    alices = submit(["-p", "debug", "-J", "alice job", "-t", "5", "--hold"], user="alice")
    submitted.extend([bobs, alices])

    code, status = await alice_server.api("status")
    assert code == 200
    assert status["user"] == "alice"

    deadline = time.monotonic() + 15
    while True:
        code, body = await alice_server.api("jobs?user=all")
        ids = {j["id"]: j["user"] for j in body["jobs"]}
        if bobs in ids and alices in ids:
            break
        assert time.monotonic() < deadline, "jobs never listed"
        await asyncio.sleep(0.3)
    assert ids[bobs] == "bob"
    code, body = await alice_server.api("jobs?user=me")
    assert {j["user"] for j in body["jobs"]} == {"alice"}

    for action in ("cancel", "hold", "release"):
        code, body = await alice_server.api(f"jobs/{bobs}/{action}", "POST", {})
        assert code == 403, (action, body)
        assert "bob" in body["message"]
    assert squeue_field(bobs, "%T") == "PENDING"
    assert squeue_field(bobs, "%r") == "JobHeldUser"

    # An administrator's hold: Slurm itself refuses the owner, and its reason reaches her (409).
    subprocess.run(["scontrol", "hold", alices], check=True)
    wait_for(lambda: squeue_field(alices, "%r") == "JobHeldAdmin", 10)
    code, body = await alice_server.api(f"jobs/{alices}/release", "POST", {})
    assert code == 409, body
    assert "administrator" in body["message"]
    assert "error:" not in body["message"]
    subprocess.run(["scontrol", "release", alices], check=True)
    subprocess.run(["scontrol", "uhold", alices], check=True)
    code, body = await alice_server.api(f"jobs/{alices}/release", "POST", {})
    assert code == 200, body
    code, body = await alice_server.api(f"jobs/{alices}/cancel", "POST", {})
    assert code == 200, body
    wait_for(lambda: squeue_field(alices, "%T") in ("", "CANCELLED", "COMPLETING"), 15)


async def test_twenty_websocket_clients_share_one_poll(jp_ws_fetch: Any, jp_serverapp: Any) -> None:
    app = jp_serverapp.web_app.settings["hpc_lab_ext"]
    sockets = [await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates") for _ in range(20)]
    try:
        firsts = [[json.loads(await ws.read_message()) for _ in "ab"] for ws in sockets]
        assert all([m["type"] for m in pair] == ["snapshot", "clusters"] for pair in firsts)
        assert app.updates.clients == 20
        polls = app.poller.polls
        t0 = time.monotonic()
        for _ in range(3):  # every client presses refresh three times
            for ws in sockets:
                ws.write_message(json.dumps({"type": "refresh"}))
        await asyncio.sleep(2.0)
        elapsed = time.monotonic() - t0
        made = app.poller.polls - polls
        # 60 refresh requests, one shared poll per min_poll_interval (0.2 s) at most
        assert 1 <= made <= elapsed / 0.2 + 2, made
        # every client got the same deltas
        for ws in sockets:
            message = json.loads(await ws.read_message())
            assert message["type"] == "delta"
    finally:
        for ws in sockets:
            ws.close()
