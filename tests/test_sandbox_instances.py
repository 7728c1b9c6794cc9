"""Sandbox instances run side by side: the tests' own cluster never touches the demo's.

Starts a third instance ("iso"), checks that each sees only its own jobs, and that stopping it
(which cancels its jobs and kills their leftover processes) leaves the tests' running job alone.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import (
    SCRIPT,
    cancelled_after,
    instance_conf,
    job_field,
    real_conf,
    require_slurm,
    submit,
    wait_for,
)

pytestmark = pytest.mark.slurm


def script(instance: str, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HPC_SANDBOX_INSTANCE": instance}
    env.pop("SLURM_CONF", None)
    return subprocess.run(
        ["bash", str(SCRIPT), command], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


@pytest.fixture
def other_instance() -> Iterator[str]:
    require_slurm()
    started = script("iso", "start")
    assert started.returncode == 0, started.stderr
    try:
        yield instance_conf("iso")
    finally:
        script("iso", "stop")


def squeue(conf: str) -> list[str]:
    out = subprocess.run(
        ["squeue", "-h", "-a", "-o", "%i %j"], capture_output=True, text=True, timeout=30,
        env={**os.environ, "SLURM_CONF": conf}, check=True,
    ).stdout  # fmt: skip
    return out.split("\n")[:-1]


def step_daemons(job_id: str, conf: str) -> list[int]:
    """pids of the slurmstepd of a batch job of the instance whose config is `conf`."""
    pids = []
    found = subprocess.run(["pgrep", "-x", "slurmstepd"], capture_output=True, text=True, check=False)
    for pid in found.stdout.split():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"[{job_id}.batch]".encode() in cmdline and f"SLURM_CONF={conf}".encode() in environ:
            pids.append(int(pid))
    return pids


def test_instances_have_their_own_state_ports_and_jobs(other_instance: str) -> None:
    ours = real_conf()
    assert ours != other_instance and "/etc/slurm" not in ours
    ports = [re.findall(r"(?m)^SlurmctldPort=.*$", Path(c).read_text()) for c in (ours, other_instance)]
    assert ports[0] and ports[1] and ports[0] != ports[1]

    with cancelled_after() as ids:
        ids.append(mine := submit(["-p", "debug", "-t", "5", "-J", "stays"], script="sleep 120"))
        wait_for(lambda: job_field(mine, "%T") == "RUNNING" and step_daemons(mine, ours), timeout=30)
        env = {**os.environ, "SLURM_CONF": other_instance}
        theirs = subprocess.run(
            ["sbatch", "--parsable", "-o", "/dev/null", "-J", "elsewhere", "--wrap", "sleep 120"],
            capture_output=True, text=True, timeout=30, env=env, check=True,
        ).stdout.strip()  # fmt: skip
        assert f"{theirs} elsewhere" in squeue(other_instance)
        assert not any(line.endswith(" elsewhere") for line in squeue(ours))
        assert not any(line.endswith(" stays") for line in squeue(other_instance))

        # Stopping the other instance cancels its jobs and kills their processes, not ours.
        stopped = script("iso", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert step_daemons(mine, ours), "the tests' job lost its step daemon"
        assert job_field(mine, "%T") == "RUNNING"


def test_instance_names_are_checked() -> None:
    result = script("../etc", "status")
    assert result.returncode == 2 and "short lower-case name" in result.stderr
