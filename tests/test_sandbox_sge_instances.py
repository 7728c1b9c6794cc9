"""Grid Engine sandbox instances run side by side: the tests' own cell never touches the demo's.

Starts another instance (the tests' instance name plus "iso"), checks that each sees only its own
jobs, and that stopping it (which deletes its jobs and kills what is left of their processes)
leaves the tests' running job and its shepherd alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import wait_for
from sandbox_sge import (
    ENV_NAMES,
    SCRIPT,
    deleted_after,
    instance_env,
    instance_name,
    job_state,
    qsub,
    require_sge,
)

pytestmark = pytest.mark.sge


def script(instance: str, command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {*ENV_NAMES, "HPC_SGE_DIR"}}
    env["HPC_SGE_INSTANCE"] = instance
    return subprocess.run(
        ["bash", str(SCRIPT), command], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def ports(env: dict[str, str]) -> set[str]:
    return {env["SGE_QMASTER_PORT"], env["SGE_EXECD_PORT"]}


def other_name() -> str:
    """An instance name of this test run's own (two runs on other instances do not share it),
    whose ports differ from the tests' instance's."""
    base = instance_name()[:12] + "iso"
    ours = ports(instance_env(instance_name()))
    return next(
        name for name in (base, *(f"{base}{i}" for i in range(10))) if not ports(instance_env(name)) & ours
    )


def state_dir(env: dict[str, str]) -> Path:
    """An instance's state directory: $SGE_ROOT/<cell> links to <state>/cell."""
    return (Path(env["SGE_ROOT"]) / env["SGE_CELL"]).resolve().parent


def shepherds(number: str, env: dict[str, str]) -> list[int]:
    """pids of the shepherds of job `number` of the instance with this environment."""
    found = subprocess.run(["pgrep", "-x", "sge_shepherd"], capture_output=True, text=True, check=False)
    active = state_dir(env) / "execd"
    pids = []
    for pid in found.stdout.split():
        try:
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            continue
        if cwd.parent.name == "active_jobs" and cwd.name.split(".")[0] == number and active in cwd.parents:
            pids.append(int(pid))
    return pids


def qstat_names(env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        ["qstat", "-u", "*"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **env},
        check=True,
    ).stdout
    return [line.split()[2] for line in out.splitlines()[2:] if line.strip()]


@pytest.fixture
def other() -> Iterator[tuple[str, dict[str, str]]]:
    """Another running instance: its name and SGE_* variables. Stopped afterwards, also when it did
    not start."""
    require_sge()
    name = other_name()
    try:
        started = script(name, "start")
        assert started.returncode == 0, started.stdout + started.stderr
        yield name, instance_env(name)
    finally:
        script(name, "stop")


def test_instances_have_their_own_cell_ports_and_jobs(other: tuple[str, dict[str, str]]) -> None:
    name, env = other
    ours = {variable: os.environ[variable] for variable in ENV_NAMES}
    assert ours["SGE_CELL"] != env["SGE_CELL"] and "default" not in (ours["SGE_CELL"], env["SGE_CELL"])
    assert not ports(ours) & ports(env) and state_dir(ours) != state_dir(env)

    with deleted_after() as numbers:
        numbers.append(mine := qsub(["-q", "debug.q", "-N", "stays", "-l", "h_rt=0:05:00"], "sleep 120"))
        wait_for(lambda: job_state(mine) == "r" and shepherds(mine, ours), timeout=30)
        theirs = qsub(["-q", "debug.q", "-N", "elsewhere"], "sleep 120", env=env)
        their_shepherds = wait_for(lambda: shepherds(theirs, env), timeout=30)
        assert qstat_names(env) == ["elsewhere"]
        assert qstat_names(ours) == ["stays"]

        # Stopping the other instance deletes its jobs and kills their processes, not ours.
        stopped = script(name, "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert not any(Path(f"/proc/{pid}").exists() for pid in their_shepherds)
        assert shepherds(mine, ours), "the tests' job lost its shepherd"
        assert job_state(mine) == "r"


def test_main_keeps_the_default_cell_and_ports() -> None:
    main = instance_env("main")
    assert (main["SGE_ROOT"], main["SGE_CELL"]) == ("/var/lib/gridengine", "default")
    assert ports(main) == {"6444", "6445"}  # Grid Engine's own ports, as in /etc/services


def test_instance_names_are_checked() -> None:
    result = script("../etc", "status")
    assert result.returncode == 2 and "short lower-case name" in result.stderr
