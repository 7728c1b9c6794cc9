"""SlurmBackend job actions, partitions and estimated starts against the real sandbox cluster.

The server runs as root here, and root is a Slurm administrator who may do anything. A real
server runs as the person using it, so most tests run the backend's commands as alice (through
runuser, the way Slurm sees a non-privileged user) on jobs of alice and bob.

Skipped when the sandbox is down; failed instead when HPC_LAB_REQUIRE_SLURM=1.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit, unreachable_conf, wait_for

from hpc_lab_ext import runner
from hpc_lab_ext.errors import CommandFailed, Conflict, NotFound, SchedulerUnavailable
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import slurm as slurm_module
from hpc_lab_ext.scheduler.slurm import SlurmBackend
from hpc_lab_ext.scheduler.slurm_parse import SQUEUE_ARGV, parse_squeue

pytestmark = pytest.mark.slurm

LATER = "--begin=now+1hour"  # pending without taking resources from other tests


@pytest.fixture(autouse=True)
def _sandbox() -> None:
    require_slurm()


@pytest.fixture
def backend() -> SlurmBackend:
    return SlurmBackend(command_timeout=15)


def run_as(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    """From now on the backend's Slurm commands run as `user`."""

    async def run_as_user(argv: Sequence[str], **kwargs: Any) -> runner.Result:
        return await runner.run(["runuser", "-u", user, "--", *argv], **kwargs)

    monkeypatch.setattr(slurm_module, "run", run_as_user)


@pytest.fixture
def as_alice(monkeypatch: pytest.MonkeyPatch) -> None:
    run_as(monkeypatch, "alice")


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    """Job ids a test submits; cancelled afterwards whatever happens."""
    ids: list[str] = []
    yield ids
    cancel(ids)


def sub(ids: list[str], args: list[str], user: str = "alice", script: str = "sleep 300") -> str:
    job_id = submit(args, script, user=user)
    ids.append(job_id)
    return job_id


def act(backend: SlurmBackend, job_id: str, action: str) -> None:
    asyncio.run(backend.job_action(job_id, action))


def refusal(backend: SlurmBackend, job_id: str, action: str) -> CommandFailed:
    with pytest.raises(CommandFailed) as info:
        act(backend, job_id, action)
    assert info.value.status == 409
    return info.value


def jobs() -> dict[str, Job]:
    """The queue as root sees it, whoever the backend under test runs as."""
    result = asyncio.run(runner.run(SQUEUE_ARGV, timeout=15))
    assert result.returncode == 0, result.stderr
    return {job.id: job for job in parse_squeue(result.stdout)}


def job(job_id: str) -> Job | None:
    return jobs().get(job_id)


def wait_state(job_id: str, state: str, reason: str | None = None) -> Job:
    def check() -> Job | None:
        found = job(job_id)
        if found and found.state == state and (reason is None or found.reason == reason):
            return found
        return None

    return wait_for(check, timeout=30)


def scontrol_state(job_id: str) -> str:
    out = subprocess.run(
        ["scontrol", "-o", "show", "job", job_id], capture_output=True, text=True, check=False
    ).stdout
    m = re.search(r"\bJobState=(\S+)", out)
    return m.group(1) if m else ""


# ---- own jobs -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("as_alice")
def test_cancel_own_running_job(backend: SlurmBackend, submitted: list[str]) -> None:
    job_id = sub(submitted, ["-p", "debug", "-c", "1"])
    wait_state(job_id, "RUNNING")
    act(backend, job_id, "cancel")
    wait_for(lambda: job(job_id) is None, timeout=30)


@pytest.mark.usefixtures("as_alice")
def test_hold_and_release_own_pending_job(backend: SlurmBackend, submitted: list[str]) -> None:
    job_id = sub(submitted, ["-p", "debug", LATER])
    wait_state(job_id, "PENDING", "BeginTime")
    act(backend, job_id, "hold")
    held = wait_state(job_id, "PENDING", "JobHeldUser")
    assert held.priority == 0
    act(backend, job_id, "hold")  # holding twice is fine for Slurm
    act(backend, job_id, "release")
    released = wait_for(lambda: (j := job(job_id)) and j.reason != "JobHeldUser" and j, timeout=30)
    assert released.state == "PENDING" and (released.priority or 0) > 0
    act(backend, job_id, "cancel")
    wait_for(lambda: job(job_id) is None, timeout=30)


@pytest.mark.usefixtures("as_alice")
def test_release_of_a_job_that_is_not_held_is_accepted(backend: SlurmBackend, submitted: list[str]) -> None:
    # Slurm 22.05 exits 0 without a word: nothing to map.
    job_id = sub(submitted, ["-p", "debug", LATER])
    wait_state(job_id, "PENDING")
    act(backend, job_id, "release")
    assert job(job_id) is not None


@pytest.mark.usefixtures("as_alice")
def test_hold_of_a_running_job_is_refused_and_leaves_no_held_mark(
    backend: SlurmBackend, submitted: list[str]
) -> None:
    # Slurm 22.05 does not refuse: it sets priority 0 (JobHeldUser) and the job keeps running, so
    # a hold sent just after the job started (the panel's snapshot still said pending) used to
    # leave a RUNNING job "held by you". The backend releases it again and says why.
    job_id = sub(submitted, ["-p", "debug", "-c", "1"])
    wait_state(job_id, "RUNNING")
    with pytest.raises(Conflict, match=f"job {job_id} started before it could be held: it is running"):
        act(backend, job_id, "hold")
    running = wait_state(job_id, "RUNNING", "")
    assert running.priority != 0


@pytest.mark.usefixtures("as_alice")
def test_array_task_actions(backend: SlurmBackend, submitted: list[str]) -> None:
    base = sub(submitted, ["-p", "debug", LATER, "--array=1-3"])
    wait_state(f"{base}_[1-3]", "PENDING")
    act(backend, f"{base}_2", "hold")
    act(backend, f"{base}_2", "release")
    act(backend, f"{base}_2", "cancel")
    wait_for(lambda: f"{base}_[1,3]" in jobs(), timeout=30)
    with pytest.raises(NotFound, match=f"job {base}_9 not found"):
        act(backend, f"{base}_9", "cancel")
    with pytest.raises(NotFound):
        act(backend, f"{base}_9", "hold")


# ---- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["cancel", "hold", "release"])
def test_unknown_job_is_not_found(backend: SlurmBackend, action: str) -> None:
    with pytest.raises(NotFound) as info:
        act(backend, "999999", action)
    assert info.value.status == 404
    assert info.value.message.startswith("job 999999 not found: Slurm says 'Invalid job id specified'")


@pytest.mark.usefixtures("as_alice")
def test_finished_job(backend: SlurmBackend, submitted: list[str]) -> None:
    job_id = sub(submitted, ["-p", "debug"], script="true")
    # Finished jobs stay known to slurmctld for MinJobAge (30 s here), then they are unknown.
    wait_for(lambda: scontrol_state(job_id) == "COMPLETED", timeout=20)
    for action in ("hold", "release"):
        error = refusal(backend, job_id, action)
        assert error.message == f"Slurm refused to {action} job {job_id}: Job has already finished"
        assert error.argv == ["scontrol", {"hold": "uhold"}.get(action, action), job_id]
        assert error.returncode == 1
    error = refusal(backend, job_id, "cancel")
    assert error.message == f"Slurm refused to cancel job {job_id}: Job/step already completing or completed"
    assert error.argv == ["scancel", "-v", job_id]
    assert error.returncode == 0  # scancel reports this on stderr only


@pytest.mark.usefixtures("as_alice")
def test_another_users_job(backend: SlurmBackend, submitted: list[str]) -> None:
    job_id = sub(submitted, ["-p", "debug", LATER], user="bob")
    wait_state(job_id, "PENDING")
    for action in ("hold", "release"):
        error = refusal(backend, job_id, action)
        assert error.message == (
            f"Slurm refused to {action} job {job_id}: Invalid user id "
            "(only the job's owner or a Slurm administrator may do this)"
        )
    error = refusal(backend, job_id, "cancel")
    assert error.message == (
        f"Slurm refused to cancel job {job_id}: Access/permission denied "
        "(only the job's owner or a Slurm administrator may do this)"
    )
    assert error.returncode == 210
    assert wait_state(job_id, "PENDING", "BeginTime").priority != 0


def test_an_administrator_hold_cannot_be_released_by_the_owner(
    backend: SlurmBackend, submitted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = sub(submitted, ["-p", "debug", LATER])
    wait_state(job_id, "PENDING")
    subprocess.run(["scontrol", "hold", job_id], check=True)  # root's plain hold: an administrator hold
    wait_state(job_id, "PENDING", "JobHeldAdmin")
    run_as(monkeypatch, "alice")
    error = refusal(backend, job_id, "release")
    assert error.message == (
        f"Slurm refused to release job {job_id}: Access/permission denied "
        "(a hold set by a Slurm administrator needs one to release it)"
    )
    monkeypatch.undo()
    act(backend, job_id, "release")
    wait_for(lambda: (j := job(job_id)) and j.reason != "JobHeldAdmin", timeout=30)


def test_administrator_acts_on_any_job(
    backend: SlurmBackend, submitted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = sub(submitted, ["-p", "debug", LATER], user="bob")
    wait_state(job_id, "PENDING")
    act(backend, job_id, "hold")  # as root, yet a hold bob may release
    wait_state(job_id, "PENDING", "JobHeldUser")
    run_as(monkeypatch, "bob")
    act(backend, job_id, "release")
    wait_state(job_id, "PENDING", "BeginTime")
    monkeypatch.undo()
    act(backend, job_id, "cancel")
    wait_for(lambda: job(job_id) is None, timeout=30)


def test_unknown_action_is_a_programming_error(backend: SlurmBackend) -> None:
    with pytest.raises(ValueError, match="unknown job action 'suspend'"):
        act(backend, "999999", "suspend")


@pytest.fixture
def unreachable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox's config, but with a controller port nothing listens on."""
    monkeypatch.setenv("SLURM_CONF", str(unreachable_conf(tmp_path)))


@pytest.mark.usefixtures("unreachable")
def test_unreachable_controller(backend: SlurmBackend) -> None:
    # scancel says "Unable to contact slurm controller (connect failure)"; scontrol uhold/release
    # say "Unexpected message received", which the backend checks with a ping.
    with pytest.raises(SchedulerUnavailable, match="Unable to contact slurm controller"):
        act(backend, "999999", "cancel")
    for action in ("hold", "release"):
        with pytest.raises(SchedulerUnavailable, match="not answering"):
            act(backend, "999999", action)
    with pytest.raises(SchedulerUnavailable):
        asyncio.run(backend.estimated_starts())
    with pytest.raises(SchedulerUnavailable):
        asyncio.run(backend.list_partitions())


# ---- partitions and estimated starts ------------------------------------------------------------


def test_list_partitions(backend: SlurmBackend) -> None:
    parts = {p.name: p for p in asyncio.run(backend.list_partitions())}
    debug, batch = parts["debug"], parts["batch"]
    assert (debug.state, debug.default, debug.nodes) == ("up", True, ("node1", "node2"))
    assert (debug.max_time_s, debug.default_time_s, debug.max_nodes) == (1800, None, 1)
    assert (debug.cpus_total, debug.gpus_total) == (16, 0)
    assert (batch.state, batch.default, batch.nodes) == ("up", False, ("node1", "node2", "node3", "node4"))
    assert (batch.max_time_s, batch.max_nodes, batch.cpus_total, batch.gpus_total) == (86400, None, 32, 4)


def test_list_partitions_with_given_nodes(backend: SlurmBackend) -> None:
    nodes = asyncio.run(backend.list_nodes())
    assert asyncio.run(backend.list_partitions(nodes)) == asyncio.run(backend.list_partitions())
    only_node3 = [n for n in nodes if n.name == "node3"]
    parts = {p.name: p.gpus_total for p in asyncio.run(backend.list_partitions(only_node3))}
    assert (parts["debug"], parts["batch"]) == (0, 2)


def test_estimated_start_of_a_job_waiting_for_resources(backend: SlurmBackend, submitted: list[str]) -> None:
    for name in ("fill-1", "fill-2"):
        sub(submitted, ["-p", "debug", "-c", "8", "--time=10", "-J", name])
    waiting = sub(submitted, ["-p", "debug", "-c", "8", "--time=5", "-J", "waits"], user="bob")
    held = sub(submitted, ["-p", "debug", "-H", "-J", "held"], user="bob")
    starts = wait_for(lambda: (s := asyncio.run(backend.estimated_starts())) and waiting in s and s, 45)
    estimate = datetime.fromisoformat(starts[waiting])
    assert estimate > datetime.now().replace(microsecond=0)
    assert held not in starts
    pending = job(waiting)
    assert pending is not None and pending.state == "PENDING"
    assert pending.reason in {"Resources", "Priority"}
