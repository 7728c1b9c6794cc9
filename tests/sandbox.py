"""Helpers for tests that need the real sandbox Slurm (scripts/sandbox-slurm start).

Such tests skip when the sandbox is down, unless HPC_LAB_REQUIRE_SLURM=1 (as in CI), where a
missing sandbox is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

REQUIRE_ENV = "HPC_LAB_REQUIRE_SLURM"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQUEUE_", "SBATCH_", "SINFO_"))}
    env["SLURM_TIME_FORMAT"] = "standard"
    return env


def _run(argv: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=_env(), check=False)


def slurm_up() -> bool:
    """Whether the controller answers `scontrol ping`."""
    try:
        result = _run(["scontrol", "ping"], timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and " is UP" in result.stdout


def slurm_version() -> str:
    """The running sandbox's Slurm release, the last word of `sinfo --version` (22.05.8, 25.11.7)."""
    return _run(["sinfo", "--version"]).stdout.split()[-1]


def require_slurm() -> None:
    """Skip the calling test when Slurm is down, or fail it when HPC_LAB_REQUIRE_SLURM=1."""
    if slurm_up():
        return
    message = "the sandbox Slurm is not running (scripts/sandbox-slurm start)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} and {REQUIRE_ENV}=1")
    pytest.skip(message)


def submit(args: list[str], script: str = "sleep 300", user: str | None = None) -> str:
    """sbatch a wrapped command (as `user` when given); returns the job id."""
    argv = ["sbatch", "--parsable", "--chdir=/tmp", "--output=/dev/null", *args, f"--wrap={script}"]
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    result = _run(argv)
    if result.returncode != 0:
        raise RuntimeError(f"sbatch failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip().split(";")[0]


def submit_script(path: str, user: str | None = None) -> str:
    """sbatch a batch script file (its #SBATCH lines as written, e.g. a het job); returns the id
    (of a het job: its first component's)."""
    argv = ["sbatch", "--parsable", "--chdir=/tmp", "--output=/dev/null", path]
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    result = _run(argv)
    if result.returncode != 0:
        raise RuntimeError(f"sbatch failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip().split(";")[0]


def squeue_ids() -> list[str]:
    result = _run(["squeue", "--noheader", "-a", "-o", "%i"])
    if result.returncode != 0:
        raise RuntimeError(f"squeue failed: {result.stderr.strip()}")
    return result.stdout.split()


def cancel(job_ids: list[str], timeout: float = 30.0) -> None:
    """Cancel these jobs and wait until squeue no longer lists them."""
    if not job_ids:
        return
    _run(["scancel", *job_ids])
    bases = {j.split("_")[0].split("+")[0] for j in job_ids}
    wait_for(lambda: not any(i.split("_")[0].split("+")[0] in bases for i in squeue_ids()), timeout)


@contextlib.contextmanager
def cancelled_after() -> Iterator[list[str]]:
    """A list to append submitted job ids to; they are cancelled on leaving, however it is left
    (a failed wait in a fixture's own set-up included)."""
    ids: list[str] = []
    try:
        yield ids
    finally:
        cancel(ids)


def cancel_all(timeout: float = 30.0) -> None:
    """Cancel every job of every user and wait for an empty queue."""
    users = set(_run(["squeue", "--noheader", "-a", "-o", "%u"]).stdout.split())
    for user in sorted(users):
        _run(["scancel", "-u", user])
    wait_for(lambda: not squeue_ids(), timeout)


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.2) -> T:
    """Poll until predicate() is truthy and return its value; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:g} s")
        time.sleep(interval)


SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sandbox-slurm"
#: the sandbox instance the tests use (conftest points SLURM_CONF at it): never the demo's
TEST_INSTANCE = "test"


def instance_conf(instance: str) -> str:
    """SLURM_CONF of a sandbox instance, as scripts/sandbox-slurm computes it."""
    env = {**os.environ, "HPC_SANDBOX_INSTANCE": instance}
    out = subprocess.run(
        ["bash", str(SCRIPT), "env"], capture_output=True, text=True, env=env, timeout=10, check=True
    ).stdout
    # `env` prints SLURM_CONF first (and PATH too for a Slurm built from source).
    return out.splitlines()[0].strip().removeprefix("export SLURM_CONF=")


def use_test_instance() -> None:
    """Point this process (and what it starts) at the tests' own sandbox unless told otherwise."""
    os.environ.setdefault("HPC_SANDBOX_INSTANCE", TEST_INSTANCE)
    if "SLURM_CONF" not in os.environ:
        os.environ["SLURM_CONF"] = instance_conf(os.environ["HPC_SANDBOX_INSTANCE"])
    os.environ["HPC_SANDBOX_SLURM_CONF"] = os.environ["SLURM_CONF"]


def real_conf() -> str:
    """The sandbox's slurm.conf, even while a test points SLURM_CONF elsewhere."""
    return os.environ.get("HPC_SANDBOX_SLURM_CONF") or os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf")


def unreachable_conf(directory: Path) -> Path:
    """A copy of the sandbox's config whose controller port nothing listens on (an outage for
    whoever points SLURM_CONF at it, and for nobody else)."""
    conf = Path(real_conf())
    text = re.sub(r"(?m)^SlurmctldPort=.*\n", "", conf.read_text()) + "SlurmctldPort=9\n"
    (directory / "slurm.conf").write_text(text)
    (directory / "gres.conf").write_text((conf.parent / "gres.conf").read_text())
    return directory / "slurm.conf"


def sandbox_dir() -> Path:
    return Path(real_conf()).parent


def owns_sandbox() -> bool:
    """Whether this run may cancel whatever is in its sandbox: a test instance, and it is up."""
    return os.environ.get("HPC_SANDBOX_INSTANCE", "main") != "main" and slurm_up()


def leftover_jobs(timeout: float = 20.0) -> list[str]:
    """The live jobs still in the sandbox once those already cancelled have had `timeout` s to leave."""
    deadline = time.monotonic() + timeout
    while (left := live_jobs()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def live_jobs() -> list[str]:
    """ "id user name state" of every job of every user still pending, running or suspended."""
    result = _run(["squeue", "--noheader", "-a", "-t", "PD,R,S,CF,RQ,RH,RS,SI,SO,ST", "-o", "%i %u %j %T"])
    if result.returncode != 0:
        raise RuntimeError(f"squeue failed: {result.stderr.strip()}")
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def stop_controller(timeout: float = 15.0) -> None:
    """Kill slurmctld (an outage); the slurmd daemons and running jobs stay."""
    pid = int((sandbox_dir() / "run" / "slurmctld.pid").read_text().strip())
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not _alive(pid), timeout)


def start_controller(timeout: float = 60.0) -> None:
    """Bring the sandbox back (starts only what is missing) and wait until it answers."""
    subprocess.run(["bash", str(SCRIPT), "start"], check=True, capture_output=True, timeout=timeout)
    wait_for(slurm_up, timeout)


async def until(
    check: Callable[[], T | Awaitable[T]], timeout: float = 60, what: str = "condition", interval: float = 0.2
) -> T:
    """Await a true value of `check` (plain or async), polling every `interval` s; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        await asyncio.sleep(interval)


def job_field(job_id: str, field: str) -> str:
    """One squeue field of a job (e.g. "%T" state, "%S" start, "%l" time limit); "" once it is gone."""
    return _run(["squeue", "-h", "-j", job_id, "-o", field]).stdout.strip()


def backfill_gap(user: str = "bob", minutes: int = 60) -> list[str]:
    """A busy sandbox with a gap only short jobs can use; returns the job ids to cancel afterwards.

    node3 and node4 are full for `minutes`; a job of all four nodes waits for them and is planned
    at their end, so it holds node1 and node2 from then on. Until then node1 and node2 are free to
    jobs short enough to end before it (backfill); a longer job would delay it and must wait.
    """
    ids: list[str] = []
    try:
        for node in ("node3", "node4"):
            args = ["-p", "batch", "-w", node, "-c", "8", "-t", str(minutes), "-J", "busy-long"]
            ids.append(submit(args, user=user))
        wait_for(lambda: all(job_field(i, "%T") == "RUNNING" for i in ids), timeout=30)
        ids.append(
            submit(
                ["-p", "batch", "-N", "4", "--exclusive", "-t", str(minutes), "-J", "busy-wide"], user=user
            )
        )
        # planned once the backfill scheduler has looked at it (bf_interval=5 in the sandbox)
        wait_for(lambda: job_field(ids[-1], "%S") not in ("", "N/A"), timeout=30)
    except BaseException:
        cancel(ids)
        raise
    return ids
