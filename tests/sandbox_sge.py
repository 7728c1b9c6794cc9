"""Helpers for tests that need the real Grid Engine sandbox (scripts/sandbox-sge start).

Such tests skip when the sandbox is down, unless HPC_LAB_REQUIRE_SGE=1, where a missing sandbox
is a failure.
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest
from sandbox import wait_for

REQUIRE_ENV = "HPC_LAB_REQUIRE_SGE"
#: Grid Engine's own port variables would point the commands elsewhere; tests set them on purpose.
_SCRUBBED = ("SGE_QMASTER_PORT", "SGE_EXECD_PORT")


def _run(argv: list[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)


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


def qsub(args: list[str], command: str = "sleep 300", user: str | None = None) -> str:
    """Submit `command` as a binary job (as `user` when given) from /tmp; returns the job number."""
    argv = ["qsub", "-terse", "-b", "y", "-o", "/dev/null", "-e", "/dev/null", "-wd", "/tmp", *args]
    argv += command.split()
    if user is not None:
        argv = ["runuser", "-u", user, "--", *argv]
    result = _run(argv)
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


def named_jobs(name: str) -> dict[str, str]:
    """Job number -> qstat state letters of every job (task line) named `name`, all users."""
    root = ET.fromstring(_run(["qstat", "-u", "*", "-xml"]).stdout)
    return {
        e.findtext("JB_job_number", ""): e.findtext("state", "")
        for e in root.iter("job_list")
        if e.findtext("JB_name") == name
    }
