"""Helpers for tests that need the real Grid Engine sandbox (scripts/sandbox-sge start).

The tests run on a sandbox instance of their own (conftest.py calls use_test_instance): Grid
Engine's commands find it through SGE_CELL, SGE_QMASTER_PORT and SGE_EXECD_PORT, as printed by
`scripts/sandbox-sge env`. Such tests skip when the sandbox is down, unless HPC_LAB_REQUIRE_SGE=1,
where a missing sandbox is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import TEST_INSTANCE, wait_for

REQUIRE_ENV = "HPC_LAB_REQUIRE_SGE"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sandbox-sge"
#: the variables that point Grid Engine's commands at one instance
ENV_NAMES = ("SGE_ROOT", "SGE_CELL", "SGE_QMASTER_PORT", "SGE_EXECD_PORT")


def _run(
    argv: list[str], timeout: float = 30.0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; `env`: SGE_* variables of another instance than the tests'."""
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}, check=False
    )


def instance_name() -> str:
    """The tests' Grid Engine instance: HPC_SGE_INSTANCE, else the sandbox instance (as the script)."""
    return os.environ.get("HPC_SGE_INSTANCE") or os.environ.get("HPC_SANDBOX_INSTANCE") or TEST_INSTANCE


def instance_env(instance: str) -> dict[str, str]:
    """SGE_ROOT, SGE_CELL and the ports of an instance, as `scripts/sandbox-sge env` prints them."""
    env = {**os.environ, "HPC_SGE_INSTANCE": instance}
    out = subprocess.run(
        ["bash", str(SCRIPT), "env"], capture_output=True, text=True, env=env, timeout=10, check=True
    ).stdout
    words = shlex.split(out)
    assert words[0] == "export", out
    pairs = dict(word.split("=", 1) for word in words[1:])
    assert set(pairs) == set(ENV_NAMES), out
    return pairs


def use_test_instance() -> None:
    """Point this process (and what it starts) at the tests' Grid Engine instance, unless SGE_CELL
    already names a cell (as after `eval "$(scripts/sandbox-sge env)"`)."""
    if "SGE_CELL" not in os.environ:
        os.environ.update(instance_env(instance_name()))


def owns_sandbox() -> bool:
    """Whether this run may delete whatever is in its Grid Engine: the cell is a test instance's
    (never main's "default"), and it is up."""
    name = instance_name()
    return name != "main" and os.environ.get("SGE_CELL") == instance_env(name)["SGE_CELL"] and sge_up()


def sge_up() -> bool:
    """Whether the qmaster answers (`qconf -sss` names the scheduler's host)."""
    try:
        result = _run(["qconf", "-sss"], timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def require_sge() -> None:
    """Skip the calling test when Grid Engine is down, or fail it when HPC_LAB_REQUIRE_SGE=1."""
    if sge_up():
        return
    message = "the sandbox Grid Engine is not running (scripts/sandbox-sge start)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} and {REQUIRE_ENV}=1")
    pytest.skip(message)


def sge_host() -> str:
    """The name Grid Engine knows this host by (the sandbox's only execution host)."""
    return _run(["/usr/lib/gridengine/gethostname", "-name"]).stdout.strip()


def qsub(
    args: list[str], command: str = "sleep 300", user: str | None = None, env: dict[str, str] | None = None
) -> str:
    """Submit `command` as a binary job (as `user` when given) from /tmp to the tests' instance (or to
    the one whose SGE_* variables are `env`); returns the job number."""
    argv = ["qsub", "-terse", "-b", "y", "-o", "/dev/null", "-e", "/dev/null", "-wd", "/tmp", *args]
    argv += command.split()
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    result = _run(argv, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"qsub failed ({result.returncode}): {(result.stdout + result.stderr).strip()}")
    return result.stdout.strip().split(".")[0]


def job_numbers() -> list[str]:
    """Job numbers qstat lists for all users (one per line of each job or task range)."""
    result = _run(["qstat", "-u", "*"])
    if result.returncode != 0:
        raise RuntimeError(f"qstat failed: {(result.stdout + result.stderr).strip()}")
    return [line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()]


def job_state(number: str) -> str:
    """qstat's state letters of a job's first line (r, qw, hqw...); "" once it is gone."""
    for line in _run(["qstat", "-u", "*"]).stdout.splitlines()[2:]:
        fields = line.split()
        if fields and fields[0] == number:
            return fields[4]
    return ""


def qdel(numbers: list[str], timeout: float = 30.0) -> None:
    """Delete these jobs (as root) and wait until qstat no longer lists them."""
    if not numbers:
        return
    _run(["qdel", ",".join(numbers)])
    wait_for(lambda: not set(numbers) & set(job_numbers()), timeout)


@contextlib.contextmanager
def deleted_after() -> Iterator[list[str]]:
    """A list to append submitted job numbers to; they are deleted on leaving, however it is left
    (a failed wait in a fixture's own set-up included)."""
    numbers: list[str] = []
    try:
        yield numbers
    finally:
        qdel(numbers)


def named_jobs(name: str) -> dict[str, str]:
    """Job number -> qstat state letters of every job (task line) named `name`, all users."""
    root = ET.fromstring(_run(["qstat", "-u", "*", "-xml"]).stdout)
    return {
        e.findtext("JB_job_number", ""): e.findtext("state", "")
        for e in root.iter("job_list")
        if e.findtext("JB_name") == name
    }


def live_jobs() -> list[str]:
    """ "number user name state" of every job (task line) of every user qstat still lists."""
    result = _run(["qstat", "-u", "*", "-xml"])
    if result.returncode != 0:
        raise RuntimeError(f"qstat failed: {(result.stdout + result.stderr).strip()}")
    fields = ("JB_job_number", "JB_owner", "JB_name", "state")
    return [
        " ".join(e.findtext(f, "") for f in fields) for e in ET.fromstring(result.stdout).iter("job_list")
    ]


def leftover_jobs(timeout: float = 20.0) -> list[str]:
    """The jobs still listed once those already deleted have had `timeout` s to leave."""
    deadline = time.monotonic() + timeout
    while (left := live_jobs()) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def cancel_all(timeout: float = 30.0) -> None:
    """Delete every job of every user (forced when qdel alone does not get them out) and wait for
    an empty queue."""
    _run(["qdel", "-u", "*"])
    try:
        wait_for(lambda: not job_numbers(), timeout / 2)
    except AssertionError:
        _run(["qdel", "-f", "-u", "*"])
        wait_for(lambda: not job_numbers(), timeout / 2)
