"""Privacy through the site poll on real Slurm: each person is served the jobs `squeue` run as
them shows. With PrivateData=jobs on a sandbox instance of its own (`priv`, started here with
HPC_SANDBOX_PRIVATE_DATA=jobs when it is not running so, and stopped again if started here)
that is their own jobs only; on the tests' usual instance (no PrivateData) it is everybody's."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import SCRIPT, cancel, instance_conf, require_slurm, submit
from site_service import Service

from hpc_lab_ext.scheduler.slurm import SlurmBackend
from hpc_lab_ext.site_poll.client import SitePollBackend
from hpc_lab_ext.site_poll.ended import SiteSlurmBackend

pytestmark = pytest.mark.slurm

PRIVATE_INSTANCE = "priv"
TOKENS = {"token-alice": "alice", "token-bob": "bob", "token-root": "root"}


def _private_data(conf: str) -> str:
    out = subprocess.run(
        ["scontrol", "show", "config"],
        capture_output=True,
        text=True,
        timeout=15,
        env={**os.environ, "SLURM_CONF": conf},
        check=False,
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith("PrivateData")]
    return lines[0].split("=", 1)[1].strip() if lines else ""


def _sandbox(command: str, **env: str) -> None:
    subprocess.run(
        ["bash", str(SCRIPT), command],
        env={**os.environ, "HPC_SANDBOX_INSTANCE": PRIVATE_INSTANCE, **env},
        check=True,
        timeout=300,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def private_conf() -> Iterator[str]:
    """SLURM_CONF of a running sandbox with PrivateData=jobs."""
    require_slurm()
    conf = instance_conf(PRIVATE_INSTANCE)
    started = False
    if "jobs" not in _private_data(conf).split(","):
        if Path(conf).exists():
            _sandbox("stop")  # running (or left) without it: the config is rewritten on start
        _sandbox("start", HPC_SANDBOX_PRIVATE_DATA="jobs")
        started = True
    assert "jobs" in _private_data(conf).split(",")
    yield conf
    if started:
        _sandbox("stop")


def squeue_as(user: str) -> set[str]:
    result = subprocess.run(
        ["runuser", "-u", user, "--", "squeue", "--noheader", "-a", "-o", "%i"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return set(result.stdout.split())


async def served(service: Service, token: str) -> tuple[set[str], int]:
    """The job ids and node count the service serves the token's owner."""
    backend = SitePollBackend(service.url, token, SlurmBackend(), timeout=10)
    jobs, nodes = await backend.list_jobs(), await backend.list_nodes()
    assert backend.using_service
    return {job.id for job in jobs}, len(nodes)


async def each_sees_what_squeue_shows_them(expect_private: bool) -> None:
    jobs = {user: submit(["-H", "-p", "batch", "-J", "privacy"], user=user) for user in ("alice", "bob")}
    service = Service(SiteSlurmBackend(), TOKENS)
    service.start()
    try:
        for token, user in TOKENS.items():
            ids, nodes = await served(service, token)
            assert ids == squeue_as(user), user
            assert nodes == 4  # PrivateData=jobs hides jobs, not nodes
            if user == "root" or not expect_private:
                assert set(jobs.values()) <= ids
            else:
                assert jobs[user] in ids
                assert ids.isdisjoint(j for u, j in jobs.items() if u != user)
        policy = service.site.policy.policy
        assert policy.private_jobs is expect_private
    finally:
        await service.close()
        cancel(list(jobs.values()))


async def test_private_jobs_each_person_sees_their_own(
    private_conf: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLURM_CONF", private_conf)
    await each_sees_what_squeue_shows_them(expect_private=True)


async def test_without_private_data_everybody_sees_every_job() -> None:
    require_slurm()
    assert "jobs" not in _private_data(os.environ["SLURM_CONF"]).split(",")
    await each_sees_what_squeue_shows_them(expect_private=False)
