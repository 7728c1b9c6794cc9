"""batchspawner's status check answered by the site poll service: the job state socket tells the
connected Unix user (SO_PEERCRED) the state of the jobs PrivateData lets them see, and the same
"no such job" for the rest; hpc-lab-job-state prints it as squeue would, for batchspawner's own
SlurmSpawner regexes, and runs squeue itself when the service cannot answer.

The commands run as alice and bob (runuser's way: the process's own uid), so these tests need root.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sandbox import cancel, require_slurm, submit
from site_service import Service
from test_site_poll_private import private_conf  # noqa: F401 - the PrivateData=jobs sandbox

from hpc_lab_ext.models import Job, Snapshot
from hpc_lab_ext.site_poll import job_query
from hpc_lab_ext.site_poll.ended import SiteSlurmBackend
from hpc_lab_ext.site_poll.job_state import NOT_FOUND
from hpc_lab_ext.site_poll.visibility import SitePolicy

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="runs the command as alice and bob")

PRIVATE = SitePolicy(private=frozenset({"jobs"}), operators=frozenset({"root"}))
OPEN = SitePolicy(operators=frozenset({"root"}))


def job(job_id: str, user: str, state: str, nodes: str) -> Job:
    return Job(
        id=job_id, name="jupyterhub", user=user, partition="batch", state=state, reason="",
        nodes=nodes, node_count=1, cpus=1, memory_mb=2000, memory_per_cpu=False, gres="",
        submit_time=None, start_time=None, time_limit_s=7200, elapsed_s=0,
    )  # fmt: skip


JOBS = (job("101", "bob", "RUNNING", "c[2-3]"), job("102", "alice", "PENDING", ""))


class StubPoller:
    def __init__(self, jobs: tuple[Job, ...]) -> None:
        self.snapshot = Snapshot(jobs=jobs, updated_at=time.time(), stale=False, version=1)
        self.unreachable_since: float | None = None

    def touch(self) -> None:
        pass

    async def first_snapshot(self) -> Snapshot:
        return self.snapshot


@dataclass
class StubSite:
    """What job_query uses of SitePoll: the poller, the policy, urgent refreshes (counted)."""

    poller: StubPoller
    policy_now: SitePolicy
    urgent: list[str] = field(default_factory=list)

    @property
    def policy(self) -> StubSite:
        return self

    async def current(self) -> SitePolicy:
        return self.policy_now

    async def urgent_refresh(self) -> None:
        self.urgent.append("poll")


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A directory alice and bob can reach (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="hpc-lab-job-state-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def job_status(self) -> str:
        """What batchspawner's query_job_status keeps: the output, or the error of a failure."""
        return self.stdout if self.returncode == 0 else f"exit status {self.returncode}: {self.stderr}"


async def job_state(user: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """hpc-lab-job-state run as `user` (None: as ourselves), as batchspawner runs it."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hpc_lab_ext.site_poll.job_state", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd="/tmp",
        user=None if user == "root" else user, env={**os.environ, **(env or {})},
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


def spawner(status: str) -> object:
    from batchspawner import SlurmSpawner

    s = SlurmSpawner()
    s.job_status = status
    return s


def parsed(result: Result) -> tuple[str, str | None]:
    """('running'|'pending'|'unknown'|'gone', host) by batchspawner's own SlurmSpawner regexes."""
    s = spawner(result.job_status)
    if s.state_isrunning():  # type: ignore[attr-defined]
        return "running", s.state_gethost()  # type: ignore[attr-defined]
    if s.state_ispending():  # type: ignore[attr-defined]
        return "pending", None
    if s.state_isunknown():  # type: ignore[attr-defined]
        return "unknown", None
    return "gone", None


@needs_root
async def test_peer_credentials_decide_what_is_shown(socket_dir: Path) -> None:
    site = StubSite(StubPoller(JOBS), PRIVATE)
    path = str(socket_dir / "site.sock")
    server = await job_query.listen(site, path)  # type: ignore[arg-type]
    assert server is not None and os.stat(path).st_mode & 0o777 == 0o666
    try:
        # Under PrivateData=jobs: bob and root see bob's job, alice is told it does not exist.
        bob = await job_state("bob", "--socket", path, "101")
        assert (bob.returncode, bob.stdout) == (0, "RUNNING c2\n")
        assert parsed(bob) == ("running", "c2")
        assert parsed(await job_state("root", "--socket", path, "101")) == ("running", "c2")
        alice = await job_state("alice", "--socket", path, "101")
        assert (alice.returncode, alice.stdout, alice.stderr) == (1, "", NOT_FOUND + "\n")
        assert parsed(alice) == ("gone", None)
        # Bob's job is to alice exactly what a job that does not exist is, polled again alike.
        site.urgent.clear()
        absent = await job_state("alice", "--socket", path, "999")
        assert (absent.returncode, absent.stdout, absent.stderr) == (1, "", NOT_FOUND + "\n")
        assert len(site.urgent) == 1
        await job_state("alice", "--socket", path, "101")
        assert len(site.urgent) == 2
        # Her own pending job; the sandbox's fixed address for a running one.
        assert parsed(await job_state("alice", "--socket", path, "102")) == ("pending", None)
        assert parsed(await job_state("bob", "--socket", path, "--host", "127.0.0.1", "101")) == (
            "running",
            "127.0.0.1",
        )
        # Without PrivateData everybody sees every job, as squeue shows it.
        site.policy_now = OPEN
        assert parsed(await job_state("alice", "--socket", path, "101")) == ("running", "c2")
    finally:
        server.close()


async def test_a_name_sent_by_the_client_does_not_count(socket_dir: Path) -> None:
    site = StubSite(StubPoller(JOBS), PRIVATE)
    path = str(socket_dir / "site.sock")
    server = await job_query.listen(site, path)  # type: ignore[arg-type]
    assert server is not None
    try:
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"state 101 as bob\n")
        answer = await reader.readline()
        writer.close()
        assert b'"found"' not in answer and b"RUNNING" not in answer
        assert await job_query.answer(site, "alice", "101") == {"found": False}  # type: ignore[arg-type]
        assert await job_query.answer(site, "bob", "101") == {  # type: ignore[arg-type]
            "found": True,
            "state": "RUNNING",
            "host": "c2",
        }
    finally:
        server.close()


async def test_a_routine_check_is_answered_from_the_snapshot_a_waiting_one_after_a_poll() -> None:
    site = StubSite(StubPoller(JOBS), PRIVATE)
    asked = job_query.Asked(waiting=5.0)
    # batchspawner's check every 30 s: the snapshot as it is.
    assert (await job_query.answer(site, "bob", "101", asked))["state"] == "RUNNING"  # type: ignore[arg-type]
    assert site.urgent == []
    # Asked again at once (its start or its end awaited): a new poll first.
    assert (await job_query.answer(site, "bob", "101", asked))["state"] == "RUNNING"  # type: ignore[arg-type]
    assert len(site.urgent) == 1
    # Somebody else's first question about it is not a repeat: alice's is a poll because she may
    # not see the job, as for a job that does not exist.
    assert await job_query.answer(site, "alice", "101", asked) == {"found": False}  # type: ignore[arg-type]
    assert await job_query.answer(site, "alice", "555", asked) == {"found": False}  # type: ignore[arg-type]
    assert len(site.urgent) == 3
    asked.last = {key: t - 10 for key, t in asked.last.items()}
    await job_query.answer(site, "bob", "101", asked)  # type: ignore[arg-type]
    assert len(site.urgent) == 3


async def test_no_fresh_snapshot_sends_the_command_to_squeue() -> None:
    site = StubSite(StubPoller(JOBS), OPEN)
    site.poller.unreachable_since = time.time()
    body = await job_query.answer(site, "bob", "101")  # type: ignore[arg-type]
    assert "unavailable" in body and "found" not in body


async def test_without_the_socket_it_runs_squeue(socket_dir: Path) -> None:
    """squeue as the command's own argv (a stand-in on PATH records it)."""
    fake = socket_dir / "bin"
    fake.mkdir()
    (fake / "squeue").write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/argv"\necho "RUNNING c4"\n')
    (fake / "squeue").chmod(0o755)
    env = {"PATH": f"{fake}:{os.environ['PATH']}"}
    missing = str(socket_dir / "no-such.sock")
    result = await job_state("root", "--socket", missing, "4242", env=env)
    assert (fake / "argv").read_text() == "-h -j 4242 -o %T %B\n"
    assert parsed(result) == ("running", "c4")
    await job_state("root", "--socket", missing, "--host", "127.0.0.1", "4242", env=env)
    assert (fake / "argv").read_text() == "-h -j 4242 -o %T 127.0.0.1\n"


@pytest.mark.slurm
async def test_squeue_fallback_on_slurm() -> None:
    require_slurm()
    held = submit(["-H", "-p", "batch", "-J", "job-state-fallback"])
    try:
        result = await job_state("root", "--socket", "/nonexistent/site.sock", held)
        assert parsed(result) == ("pending", None)
        gone = await job_state("root", "--socket", "/nonexistent/site.sock", "99999999")
        assert parsed(gone) == ("gone", None)
    finally:
        cancel([held])


async def alice_and_bob_on_slurm(socket_dir: Path, expect_private: bool) -> None:
    jobs = {user: submit(["-H", "-p", "batch", "-J", "job-state"], user=user) for user in ("alice", "bob")}
    service = Service(SiteSlurmBackend(), {})
    path = str(socket_dir / "site.sock")
    server = await job_query.listen(service.site, path)
    assert server is not None
    try:
        await service.poller.first_snapshot()
        for user in ("alice", "bob"):
            own = await job_state(user, "--socket", path, jobs[user])
            assert parsed(own) == ("pending", None), own
            other = jobs["bob" if user == "alice" else "alice"]
            theirs = await job_state(user, "--socket", path, other)
            assert parsed(theirs) == (("gone", None) if expect_private else ("pending", None)), theirs
        assert parsed(await job_state("root", "--socket", path, jobs["alice"])) == ("pending", None)
        assert service.site.policy.policy.private_jobs is expect_private
    finally:
        server.close()
        await service.close()
        cancel(list(jobs.values()))


@pytest.mark.slurm
@needs_root
async def test_private_jobs_alice_cannot_learn_bobs_job(
    private_conf: str,  # noqa: F811
    socket_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLURM_CONF", private_conf)
    await alice_and_bob_on_slurm(socket_dir, expect_private=True)


@pytest.mark.slurm
@needs_root
async def test_without_private_data_alice_sees_bobs_job(socket_dir: Path) -> None:
    require_slurm()
    await alice_and_bob_on_slurm(socket_dir, expect_private=False)
