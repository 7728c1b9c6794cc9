"""The worker job scripts of Grid Engine, PBS and LSF profiles (and Slurm's), without submitting.

Built by hpc_lab_ext.clusters.jobqueue_classes exactly as a cluster would be, and read back with
`cluster.job_script()`. Also: the submit/cancel commands go through runner.run (argv, no shell),
and the job ids dask-jobqueue reads from each scheduler's submit output are the ids its queue
listing shows.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import pytest

from hpc_lab_ext.clusters.env import make_security
from hpc_lab_ext.clusters.jobqueue_classes import hms_walltime, jobqueue_cluster, lsf_walltime, pbs_memory
from hpc_lab_ext.clusters.profiles import Profile, profile_from_dict, resolve
from hpc_lab_ext.errors import BadRequest
from hpc_lab_ext.kernel_env import hpc_lab_dask
from hpc_lab_ext.models import Partition

TAG = "hpc-lab-0123abcd"
PYTHON = "/opt/conda envs/py 3.11/bin/python"  # a space: it must be quoted in the script


@dataclass(frozen=True)
class Built:
    script: str  # cluster.job_script()
    job: Any  # the cluster's template job (it reads job ids from submit output)


Build = Callable[..., Awaitable[Built]]


@pytest.fixture
def build(tmp_path: Path) -> Build:
    """Makes the (never started) cluster of a profile, reads it, and closes it again."""

    async def make(**settings: Any) -> Built:
        directory = Path(tempfile.mkdtemp(dir=tmp_path))
        profile = Profile(name="p", **settings)
        cluster = jobqueue_cluster(profile, TAG, PYTHON, directory, security=make_security(directory))
        try:
            return Built(cluster.job_script(), cluster._dummy_job)
        finally:
            await cluster.close()

    return make


def header(built: Built, prefix: str) -> list[str]:
    """The scheduler directives of a job script, without the prefix."""
    lines = built.script.splitlines()
    return [line.removeprefix(prefix).strip() for line in lines if line.startswith(prefix)]


def worker_line(built: Built) -> str:
    return next(line for line in built.script.splitlines() if "distributed.cli.dask_worker" in line)


# ---- Grid Engine --------------------------------------------------------------------------------


async def test_sge_script(build: Build) -> None:
    built = await build(
        scheduler="sge", cores=4, memory="8GB", walltime="1-02:00:00", partition="batch.q", pe="smp",
        gres="gpu:2", account="physics", job_extra_directives=("-l h_vmem=2G",),
    )  # fmt: skip
    lines = header(built, "#$")
    assert lines[:4] == [f"-N {TAG}", "-q batch.q", "-P physics", "-l h_rt=26:00:00"]  # hours past a day
    assert lines[-4:] == ["-j y", "-pe smp 4", "-l gpu=2", "-l h_vmem=2G"]
    assert worker_line(built).startswith(
        "'/opt/conda envs/py 3.11/bin/python' -m distributed.cli.dask_worker"
    )
    assert "--nthreads 4" in worker_line(built) and "--protocol tls://" in worker_line(built)


async def test_sge_single_core_job_asks_for_no_parallel_environment(build: Build) -> None:
    lines = header(
        await build(scheduler="sge", cores=1, pe="smp", walltime="00:10:00", partition="debug.q"), "#$"
    )
    assert not any(line.startswith(("-pe", "-P", "-l gpu")) for line in lines)
    assert "-l h_rt=00:10:00" in lines and "-q debug.q" in lines


async def test_a_users_own_jobqueue_settings_stay_out(build: Build) -> None:
    with dask.config.set({"jobqueue.sge.resource-spec": "h_vmem=99G", "jobqueue.sge.project": "theirs"}):
        script = (await build(scheduler="sge", cores=1, partition="debug.q")).script
    assert "99G" not in script and "theirs" not in script


# ---- PBS ----------------------------------------------------------------------------------------


async def test_pbs_script(build: Build) -> None:
    built = await build(
        scheduler="pbs", cores=8, memory="16GB", walltime="2-00:00:00", partition="workq", account="a1"
    )
    lines = header(built, "#PBS")
    assert lines[:5] == [
        f"-N {TAG}", "-q workq", "-A a1", "-l select=1:ncpus=8:mem=15GB", "-l walltime=48:00:00",
    ]  # fmt: skip
    gpus = header(await build(scheduler="pbs", cores=2, memory="2GB", gres="gpu:1"), "#PBS")
    assert "-l select=1:ncpus=2:mem=1908MB:ngpus=1" in gpus and not any(
        line.startswith("-q") for line in gpus
    )


@pytest.mark.parametrize(
    ("n", "text"), [(2 * 10**9, "1908MB"), (10 * 1024**3, "10GB"), (16 * 10**9, "15GB"), (1, "1MB")]
)
def test_pbs_memory_is_rounded_up(n: int, text: str) -> None:
    assert pbs_memory(n) == text


# ---- LSF ----------------------------------------------------------------------------------------


async def test_lsf_script_in_the_sites_memory_unit(
    build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lsf.conf").write_text("LSF_UNIT_FOR_LIMITS=MB\n")
    monkeypatch.setenv("LSF_ENVDIR", str(tmp_path))
    built = await build(
        scheduler="lsf",
        cores=4,
        memory="8GB",
        walltime="00:30:30",
        partition="normal",
        gres="gpu:1",
        account="p7",
    )
    lines = header(built, "#BSUB")
    assert lines[0] == f"-J {TAG}"
    assert lines[3:] == [
        "-q normal",
        '-P "p7"',
        "-n 4",
        '-R "span[hosts=1]"',
        "-M 8000",
        "-W 0:31",
        '-gpu "num=1"',
    ]


@pytest.mark.parametrize(
    ("seconds", "text"), [(1800, "0:30"), (1801, "0:31"), (93600, "26:00"), (60, "0:01")]
)
def test_lsf_walltime(seconds: int, text: str) -> None:
    assert lsf_walltime(seconds) == text


def test_hms_walltime() -> None:
    assert [hms_walltime(s) for s in (59, 3600, 86400 + 61)] == ["00:00:59", "01:00:00", "24:01:01"]


# ---- Slurm, unchanged ---------------------------------------------------------------------------


async def test_slurm_script(build: Build) -> None:
    lines = header(
        await build(cores=2, memory="4GB", walltime="01:00:00", partition="debug", gres="gpu:1"), "#SBATCH"
    )
    assert lines[0] == f"-J {TAG}" and lines[1].startswith("-e ") and lines[2].startswith("-o ")
    assert lines[3:] == ["-p debug", "-n 1", "--cpus-per-task=2", "--mem=4G", "-t 01:00:00", "--gres=gpu:1"]


# ---- commands and job ids -----------------------------------------------------------------------


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], str | None]]:
    """(argv, stdin) of every command the job classes run; each answers `qsub`'s words."""
    seen: list[tuple[list[str], str | None]] = []

    async def fake_run(argv: Sequence[str], stdin: str | None, timeout: float) -> tuple[int, str, str]:
        seen.append((list(argv), stdin))
        return 0, "ok\n", ""

    monkeypatch.setattr(hpc_lab_dask, "run", fake_run)
    return seen


SgeWorkerJob = hpc_lab_dask.job_classes()["sge"][1]
LsfWorkerJob = hpc_lab_dask.job_classes()["lsf"][1]


def test_commands_are_argv_lists_and_bsub_reads_its_script_on_stdin(
    commands: list[tuple[list[str], str | None]], tmp_path: Path
) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#BSUB -J x\nsleep 1\n")
    assert asyncio.run(SgeWorkerJob._call(["qdel", "12"])) == "ok\n"
    job = LsfWorkerJob.__new__(LsfWorkerJob)  # only _submit_job is used: no scheduler needed
    asyncio.run(job._submit_job(str(script)))
    assert commands == [(["qdel", "12"], None), (["bsub"], "#BSUB -J x\nsleep 1\n")]
    with pytest.raises(RuntimeError, match="without a shell"):
        asyncio.run(LsfWorkerJob._call(["bsub < job.sh"], shell=True))


def test_a_failed_command_is_a_runtime_error_with_grid_engines_words(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refusing(argv: Sequence[str], stdin: str | None, timeout: float) -> tuple[int, str, str]:
        return 1, 'Unable to run job: "h_rt" exceeds limit.\n', ""

    monkeypatch.setattr(hpc_lab_dask, "run", refusing)
    with pytest.raises(RuntimeError, match="qsub exited with status 1: Unable to run job"):
        asyncio.run(SgeWorkerJob._call(["qsub", "job.sh"]))


@pytest.mark.parametrize(
    ("scheduler", "output", "job_id"),
    [
        ("sge", f'Your job 4242 ("{TAG}") has been submitted\n', "4242"),
        ("lsf", "Job <4567> is submitted to queue <normal>.\n", "4567"),
        ("pbs", "8901.pbs-server\n", "8901"),  # PBS's queue lists "8901.pbs-server": see docs/schedulers.md
        ("slurm", "Submitted batch job 77\n", "77"),
    ],
)
async def test_job_ids_from_submit_output(build: Build, scheduler: str, output: str, job_id: str) -> None:
    built = await build(scheduler=scheduler, cores=1, partition="q")
    assert built.job._job_id_from_submit_output(output) == job_id


# ---- profile checks -----------------------------------------------------------------------------


def test_grid_engine_cores_need_a_parallel_environment() -> None:
    queue = Partition("debug.q", "up", False, ("vm",), 1800, None, None, 4)
    settings = {"scheduler": "sge", "cores": 1, "partition": "debug.q", "open_fields": ["cores"]}
    bare = profile_from_dict("bare", settings)
    with pytest.raises(BadRequest, match="names no parallel environment"):
        resolve(bare, {"cores": 2}, [queue])
    assert (resolve(bare, {}, [queue]).cores, resolve(bare, {}, [queue]).partition) == (1, "debug.q")
    with_pe = profile_from_dict("pe", {**settings, "pe": "smp"})
    assert resolve(with_pe, {"cores": 4}, [queue]).cores == 4


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"scheduler": "slurm", "pe": "smp"}, "pe is a Grid Engine"),
        ({"scheduler": "sge", "pe": "smp 4"}, "pe is"),
    ],
)
def test_bad_parallel_environments(settings: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        profile_from_dict("x", settings)
