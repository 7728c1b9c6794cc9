"""Job history on the real sandbox Slurm: from accounting (slurmdbd), and from the server's own
record while slurmdbd is stopped, saying which."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancelled_after, require_slurm, sandbox_dir, submit, until, wait_for

pytestmark = pytest.mark.slurm


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def jobs() -> Iterator[list[str]]:
    with cancelled_after() as ids:
        yield ids


def accounting() -> bool:
    result = subprocess.run(
        ["sacct", "-n", "-X", "-S", "now-1hour"], capture_output=True, timeout=30, check=False
    )
    return result.returncode == 0


def require_accounting() -> None:
    if not accounting():
        message = "the sandbox runs without accounting (HPC_SANDBOX_ACCOUNTING=off, or slurmdbd missing)"
        if os.environ.get("HPC_LAB_REQUIRE_SLURM") == "1":
            pytest.fail(message)
        pytest.skip(message)


def find(body: dict[str, Any], job_id: str) -> dict[str, Any] | None:
    return next((j for j in body["jobs"] if j["id"] == job_id), None)


async def history_with(api: Any, job_id: str, source: str, timeout: float = 60) -> dict[str, Any]:
    async def listed() -> dict[str, Any] | None:
        code, body = await api("history", days="1")
        assert code == 200, body
        return body if body["source"] == source and find(body, job_id) else None

    return await until(listed, timeout=timeout, what=f"job {job_id} in the {source} history", interval=0.5)


async def test_failed_and_timed_out_jobs_from_accounting(api: Any, jobs: list[str]) -> None:
    require_accounting()
    failed = submit(["-p", "debug", "-t", "5", "-J", "history fails"], "echo starting; exit 3")
    late = submit(["-p", "debug", "-t", "1", "-J", "history late"], "sleep 300")
    jobs.extend([failed, late])
    body = await history_with(api, failed, "accounting")
    assert body["note"] is None and body["days"] == 1
    job = find(body, failed)
    assert job is not None
    assert (job["state"], job["exit_code"], job["group"], job["name"]) == (
        "FAILED",
        3,
        "failed",
        "history fails",
    )
    assert body["counts"]["failed"] >= 1
    # past its one-minute limit (and KillWait), Slurm ends it as TIMEOUT
    body = await history_with(api, late, "accounting", timeout=150)
    job = find(body, late)
    assert job is not None and (job["state"], job["group"]) == ("TIMEOUT", "timeout")
    assert job["time_limit_s"] == 60 and job["elapsed_s"] >= 60
    assert 0.95 <= job["time_efficiency"] <= 1.5


@pytest.fixture
def slurmdbd_stopped() -> Iterator[None]:
    """slurmdbd of the tests' sandbox stopped for the test, started again after it."""
    pid_file = sandbox_dir() / "run" / "slurmdbd.pid"
    if not pid_file.exists():
        pytest.skip("the sandbox runs no slurmdbd")
    os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    wait_for(lambda: not accounting(), timeout=30)
    try:
        yield
    finally:
        subprocess.run(["slurmdbd"], check=True, timeout=30)
        wait_for(accounting, timeout=60)


async def test_own_record_while_accounting_is_down(api: Any, jobs: list[str], slurmdbd_stopped: None) -> None:
    job_id = submit(["-p", "debug", "-t", "5", "-J", "history own"], "exit 3")
    jobs.append(job_id)
    body = await history_with(api, job_id, "own-record")
    assert "Slurm accounting did not answer" in body["note"]
    assert "Connection refused" in body["note"]
    job = find(body, job_id)
    assert job is not None
    assert (job["state"], job["exit_code"], job["group"], job["cpus"]) == ("FAILED", 3, "failed", 1)
    assert job["max_rss_mb"] is None and job["cpu_efficiency"] is None


async def test_history_query_is_checked(api: Any) -> None:
    for days in ("0", "91", "x", "-1"):
        code, _ = await api("history", days=days)
        assert code == 400, days
    code, _ = await api("history", user="bob")
    assert code == 400


async def test_one_busy_core_of_four(api: Any, jobs: list[str]) -> None:
    """A job using 1 of its 4 cores for 60 s: CPU efficiency about 25 %, and the suggestion for
    the next one is a single CPU. The cores are shared with whatever else runs on this host, so
    the busy loop may get less than a whole core: the figure is printed, and bounded above."""
    require_accounting()
    busy = 'timeout 60 sh -c "while :; do :; done"; true'
    job_id = submit(["-p", "batch", "-c", "4", "-t", "5", "-J", "history quarter"], busy)
    jobs.append(job_id)
    body = await history_with(api, job_id, "accounting", timeout=120)
    job = find(body, job_id)
    assert job is not None and job["state"] == "COMPLETED" and job["cpus"] == 4
    print(f"\nCPU efficiency of one busy core of four: {job['cpu_efficiency']:.1%}")
    assert 0.05 <= job["cpu_efficiency"] <= 0.32
    suggestion = job["suggestion"]
    assert suggestion["cpus"] == 1 and suggestion["smaller"] is True
    assert suggestion["time_s"] == 300  # 60 s x 1.5 + 5 min, within its 5-minute limit


async def test_resubmit_right_sized(api: Any, jobs: list[str], jp_fetch: Any) -> None:
    """A 4-CPU job that hardly used a core: its plan offers one CPU with Slurm's start estimate
    for each shape, and resubmitting runs its own script again with one CPU."""
    require_accounting()
    job_id = submit(
        ["-p", "debug", "-c", "4", "--mem=2000M", "-t", "10", "-J", "resize me"], "sleep 2; echo sized"
    )
    jobs.append(job_id)
    await history_with(api, job_id, "accounting")
    code, plan = await api(f"history/{job_id}/resubmit")
    assert code == 200, plan
    assert "echo sized" in plan["script"] and plan["workdir"] == "/tmp"
    assert plan["suggestion"]["cpus"] == 1 and plan["suggestion"]["smaller"] is True
    # memory is suggested only when Slurm sampled the job's use (every 5 s here)
    assert plan["suggestion"].get("mem_mb", 256) == 256
    assert plan["limits"]["max_time_s"] == 30 * 60 and plan["limits"]["max_cpus"] == 8
    labels = [s["label"] for s in plan["shapes"]]
    assert labels == ["asked", "suggested"]
    assert all(s["start"] for s in plan["shapes"]), plan["shapes"]

    # only the three numbers, within the partition's limits
    for bad in ({"cpus": 1, "mem_mb": 256}, {"cpus": 99, "mem_mb": 256, "time_s": 600},
                {"cpus": 1, "mem_mb": 256, "time_s": 600, "script": "rm -rf ~"},
                {"cpus": "1", "mem_mb": 256, "time_s": 600}):  # fmt: skip
        code, body = await api(f"history/{job_id}/resubmit", method="POST", body=bad)
        assert code == 400, (bad, body)
    code, body = await api(
        f"history/{job_id}/resubmit", method="POST", body={"cpus": 1, "mem_mb": 256, "time_s": 600}
    )
    assert code == 201, body
    new_id = body["job_id"]
    jobs.append(new_id)
    fields = subprocess.run(
        ["scontrol", "-o", "show", "job", new_id], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert "NumCPUs=1 " in fields and "JobName=resize me " in fields and "TimeLimit=00:10:00" in fields
    code, body = await api("history/4000000000/resubmit")
    assert code == 404
