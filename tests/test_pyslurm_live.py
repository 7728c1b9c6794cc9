"""pyslurm and the CLI see the same Slurm: both backends read one queue and must agree, field by field.

Runs on the Slurm 25.11 sandbox with pyslurm 25.11 built against it (the test command's
"Slurm 25.11" step: HPC_SLURM_VERSION=25.11, scripts/build-slurm --pyslurm). Where pyslurm does not
match the running Slurm (Debian's 22.05: no pyslurm builds against it) it skips with the reason, or
fails when HPC_LAB_REQUIRE_PYSLURM=1, as the test command sets it for the 25.11 run.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator

import pytest
from sandbox import cancelled_after, job_field, require_slurm, slurm_version, submit, submit_script, wait_for

from hpc_lab_ext.errors import NotFound
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler import PyslurmBackend, SlurmBackend

pytestmark = pytest.mark.slurm


@pytest.fixture
def backends() -> tuple[PyslurmBackend, SlurmBackend]:
    require_slurm()
    reason = PyslurmBackend.unavailable_reason()
    if reason is not None:
        if os.environ.get("HPC_LAB_REQUIRE_PYSLURM") == "1":
            pytest.fail(f"{reason} and HPC_LAB_REQUIRE_PYSLURM=1")
        pytest.skip(reason)
    return PyslurmBackend(command_timeout=15), SlurmBackend(command_timeout=15)


@pytest.fixture
def busy_queue() -> Iterator[list[str]]:
    """Jobs of every kind the parsers know: running and pending, held, arrays (a throttled pending
    range, running tasks), a het job, GPUs, per-CPU and per-node memory, odd names."""
    with cancelled_after() as ids:
        ids.append(submit(["-p", "debug", "-c", "8", "-J", "fill"], user="alice"))
        ids.append(submit(["-p", "debug", "-c", "8", "--mem=8G", "-J", "fill two"], user="alice"))
        ids.append(submit(["-p", "debug", "-c", "2", "-J", "waits"], user="bob"))
        ids.append(submit(["-p", "debug", "-H", "-J", "held | job"], user="alice"))
        ids.append(submit(["-p", "batch", "-H", "--array=1-5%2", "-J", "held-array"], user="bob"))
        ids.append(submit(["-p", "batch", "--array=4,7", "-J", "tasks"], user="alice"))
        ids.append(submit(["-p", "batch", "--gres=gpu:1", "-c", "2", "-J", "gpu-one"], user="alice"))
        ids.append(submit(["-p", "batch", "--gres=gpu:a100:2", "--mem=12G", "-J", "gpu-two"], user="bob"))
        ids.append(submit(["-p", "batch", "--time=1:02:03", "-J", "Grüße 日本 | x"], user="bob"))
        script = _het_script()
        try:
            ids.append(submit_script(script, user="bob"))
        finally:
            os.unlink(script)
        wait_for(lambda: job_field(ids[0], "%T") == "RUNNING", timeout=30)
        wait_for(lambda: job_field(ids[6], "%T") == "RUNNING", timeout=30)
        # the waiting job gets its planned start from the backfill scheduler (bf_interval=5)
        wait_for(lambda: job_field(ids[2], "%S") not in ("", "N/A"), timeout=45)
        yield ids


def _het_script() -> str:
    fd, path = tempfile.mkstemp(prefix="hetjob.", suffix=".sh", dir="/tmp")
    with os.fdopen(fd, "w") as f:
        f.write("#!/bin/bash\n#SBATCH -p batch -n1 -J het\n#SBATCH hetjob\n")
        f.write("#SBATCH -p batch -c 2\nsleep 300\n")
    os.chmod(path, 0o644)
    return path


def _by_id(jobs: list[Job]) -> dict[str, Job]:
    return {job.id: job for job in jobs}


def _comparable(job: Job) -> Job:
    """What squeue cannot say: whether memory is per CPU (pyslurm knows); and a running job's
    elapsed time moves between the two reads."""
    from dataclasses import replace

    return replace(job, memory_per_cpu=False, elapsed_s=0)


async def test_jobs_nodes_partitions_and_starts_agree(
    backends: tuple[PyslurmBackend, SlurmBackend], busy_queue: list[str]
) -> None:
    py, cli = backends
    for _ in range(3):  # a job may change state between the two reads: read both again
        py_jobs, cli_jobs = await asyncio.gather(py.list_jobs(), cli.list_jobs())
        if _by_id(py_jobs).keys() == _by_id(cli_jobs).keys():
            break
        await asyncio.sleep(1)
    py_by_id, cli_by_id = _by_id(py_jobs), _by_id(cli_jobs)
    assert py_by_id.keys() == cli_by_id.keys()
    assert len(py_by_id) >= len(busy_queue)  # the array and het job are more than one row each
    for job_id, job in cli_by_id.items():
        assert _comparable(py_by_id[job_id]) == _comparable(job), job_id
    kinds = {(j.array_task_id is not None, "+" in j.id, bool(j.gres)) for j in py_jobs}
    assert {(True, False, False), (False, True, False), (False, False, True)} <= kinds

    py_nodes, cli_nodes = await asyncio.gather(py.list_nodes(), cli.list_nodes())
    strip_load = {n.name: n.__class__(**{**n.__dict__, "load": None}) for n in cli_nodes}
    assert {n.name: n.__class__(**{**n.__dict__, "load": None}) for n in py_nodes} == strip_load
    assert sum(n.gpus_alloc for n in py_nodes) == 1 + 2  # gpu-one and gpu-two

    py_parts, cli_parts = await asyncio.gather(py.list_partitions(), cli.list_partitions())
    assert sorted(py_parts, key=lambda p: p.name) == sorted(cli_parts, key=lambda p: p.name)

    py_starts, cli_starts = await asyncio.gather(py.estimated_starts(), cli.estimated_starts())
    assert py_starts == cli_starts and busy_queue[2] in py_starts


async def test_actions_through_pyslurm(backends: tuple[PyslurmBackend, SlurmBackend]) -> None:
    py, _ = backends
    with cancelled_after() as ids:
        # begins in an hour: released, it still waits (a job that started could not be held again)
        ids.append(job := submit(["-p", "debug", "-H", "--begin=now+1hour", "-J", "act"], user="alice"))
        await py.job_action(job, "release")
        wait_for(lambda: job_field(job, "%r") == "BeginTime", timeout=10)
        await py.job_action(job, "hold")
        wait_for(lambda: job_field(job, "%r") == "JobHeldUser", timeout=10)
        await py.job_action(job, "cancel")
        wait_for(lambda: job_field(job, "%T") in ("", "CANCELLED", "COMPLETING"), timeout=15)
    with pytest.raises(NotFound):
        await py.job_action("99999999", "cancel")


def test_version_names_both() -> None:
    require_slurm()
    reason = PyslurmBackend.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    version = asyncio.run(PyslurmBackend().version())
    assert version.startswith(f"slurm {slurm_version()} (pyslurm 25.11.")
