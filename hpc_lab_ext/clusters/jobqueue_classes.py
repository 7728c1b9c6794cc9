"""dask-jobqueue's cluster classes for each batch scheduler, with every command run by runner.run.

One job class per scheduler (Slurm, Grid Engine, PBS, LSF) whose submit and cancel commands go
through runner.run (argv, timeout, clean environment, never a shell), and `jobqueue_cluster`,
which turns a resolved profile into that scheduler's cluster. Each class reads its defaults from
a dask config section of ours ("hpc-lab-ext" for Slurm, "hpc-lab-ext-<scheduler>" for the rest)
that starts as dask-jobqueue's shipped defaults: a user's own ``jobqueue.<scheduler>`` settings
stay out of our job scripts (their resource keys come in through the "my-jobqueue" profile).
"""

from __future__ import annotations

import asyncio
import math
import shlex
from pathlib import Path
from typing import Any

import dask
import dask_jobqueue  # noqa: F401  (registers its shipped config defaults)
from dask_jobqueue.lsf import LSFCluster, LSFJob
from dask_jobqueue.pbs import PBSCluster, PBSJob
from dask_jobqueue.sge import SGECluster, SGEJob
from dask_jobqueue.slurm import SLURMCluster, SLURMJob

from ..errors import SchedulerUnavailable
from ..runner import run
from .profiles import Profile, gpu_count, memory_bytes, walltime_seconds, worker_lifetime_args

SUBMIT_TIMEOUT_S = 30.0
#: scheduler -> our dask config section (Slurm's keeps its first name).
CONFIG_NAMES = {
    "slurm": "hpc-lab-ext",
    "sge": "hpc-lab-ext-sge",
    "pbs": "hpc-lab-ext-pbs",
    "lsf": "hpc-lab-ext-lsf",
}


def _register_config() -> None:
    """Each of our sections starts as dask-jobqueue's shipped defaults for its scheduler."""
    for scheduler, section in CONFIG_NAMES.items():
        shipped = [
            d["jobqueue"][scheduler] for d in dask.config.defaults if scheduler in d.get("jobqueue", {})
        ]
        dask.config.update_defaults({"jobqueue": {section: dict(shipped[-1])}})


_register_config()


async def call(cmd: list[str], stdin: str | None = None) -> str:
    """Run a submit/cancel command; RuntimeError (what dask-jobqueue expects) when it fails."""
    try:
        result = await run([str(a) for a in cmd], timeout=SUBMIT_TIMEOUT_S, stdin=stdin)
    except SchedulerUnavailable as e:
        raise RuntimeError(e.message) from e
    if result.returncode != 0:
        # Grid Engine prints its complaints on stdout.
        detail = result.stderr.strip() or result.stdout.strip()
        raise RuntimeError(f"{cmd[0]} exited with status {result.returncode}: {detail}")
    return result.stdout


class _RunnerCalls:
    """dask-jobqueue's `_call`, through runner.run: an argv list, never a shell."""

    @classmethod
    async def _call(cls, cmd: list[str], *, shell: bool = False, **kwargs: Any) -> str:
        if shell:
            raise RuntimeError("commands are run without a shell")
        return await call(cmd)


class SlurmWorkerJob(_RunnerCalls, SLURMJob):
    config_name = CONFIG_NAMES["slurm"]


class SgeWorkerJob(_RunnerCalls, SGEJob):
    config_name = CONFIG_NAMES["sge"]


class PbsWorkerJob(_RunnerCalls, PBSJob):
    config_name = CONFIG_NAMES["pbs"]


class LsfWorkerJob(_RunnerCalls, LSFJob):
    """bsub reads #BSUB lines only from a script on its standard input: given here, not by a shell."""

    config_name = CONFIG_NAMES["lsf"]

    async def _submit_job(self, script_filename: str) -> str:
        script = await asyncio.to_thread(Path(script_filename).read_text)
        return await call(["bsub"], stdin=script)


class HpcSlurmCluster(SLURMCluster):
    job_cls = SlurmWorkerJob


class HpcSgeCluster(SGECluster):
    job_cls = SgeWorkerJob


class HpcPbsCluster(PBSCluster):
    job_cls = PbsWorkerJob


class HpcLsfCluster(LSFCluster):
    job_cls = LsfWorkerJob


# ---- per-scheduler settings ---------------------------------------------------------------------


def hms_walltime(seconds: int) -> str:
    """``HH:MM:SS`` with as many hours as it takes (Grid Engine's h_rt, PBS's walltime)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def pbs_memory(n: int) -> str:
    """PBS's mem= for `n` bytes, rounded up: GB from 10 GiB on, else MB (PBS's GB/MB are binary)."""
    if n >= 10 * 1024**3:
        return f"{math.ceil(n / 1024**3)}GB"
    return f"{max(1, math.ceil(n / 1024**2))}MB"


def lsf_walltime(seconds: int) -> str:
    """bsub -W's ``H:MM``, rounded up to a whole minute."""
    minutes = math.ceil(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _slurm(p: Profile) -> tuple[type[Any], dict[str, Any]]:
    directives = [*p.job_extra_directives]
    if p.gres:
        directives.append(f"--gres={p.gres}")
    if p.account:
        directives.append(f"--account={p.account}")
    return HpcSlurmCluster, {"walltime": p.walltime, "job_extra_directives": directives}


def _sge(p: Profile) -> tuple[type[Any], dict[str, Any]]:
    directives = []
    if p.cores > 1 and p.pe:  # without a parallel environment a job gets one slot
        directives.append(f"-pe {p.pe} {p.cores}")
    if gpu_count(p.gres):
        directives.append(f"-l gpu={gpu_count(p.gres)}")
    walltime = hms_walltime(walltime_seconds(p.walltime))
    kwargs = {
        "walltime": walltime,
        "project": p.account or None,
        "job_extra_directives": [*directives, *p.job_extra_directives],
    }
    return HpcSgeCluster, kwargs


def _pbs(p: Profile) -> tuple[type[Any], dict[str, Any]]:
    select = f"select=1:ncpus={p.cores}:mem={pbs_memory(memory_bytes(p.memory))}"
    if gpu_count(p.gres):
        select += f":ngpus={gpu_count(p.gres)}"
    return HpcPbsCluster, {
        "walltime": hms_walltime(walltime_seconds(p.walltime)),
        "account": p.account or None,
        "resource_spec": select,
        "job_extra_directives": [*p.job_extra_directives],
    }


def _lsf(p: Profile) -> tuple[type[Any], dict[str, Any]]:
    directives = [f'-gpu "num={gpu_count(p.gres)}"'] if gpu_count(p.gres) else []
    return HpcLsfCluster, {
        "walltime": lsf_walltime(walltime_seconds(p.walltime)),
        "project": p.account or None,
        "use_stdin": True,
        "job_extra_directives": [*directives, *p.job_extra_directives],
    }


_BUILDERS = {"slurm": _slurm, "sge": _sge, "pbs": _pbs, "lsf": _lsf}


def jobqueue_cluster(
    profile: Profile,
    tag: str,
    python: str,
    directory: Path,
    *,
    security: Any,
    interface: str | None = None,
    local_directory: str | None = None,
) -> Any:
    """The (not yet started) dask-jobqueue cluster of a resolved batch profile; jobs named `tag`."""
    p = profile
    if p.scheduler not in _BUILDERS:
        raise ValueError(f"no dask-jobqueue cluster for scheduler {p.scheduler!r}")
    cls, specific = _BUILDERS[p.scheduler](p)
    return cls(
        name=tag,  # worker names: <tag>-<n>
        job_name=tag,
        cores=p.cores,
        memory=p.memory,
        processes=p.processes,
        queue=p.partition or None,
        python=shlex.quote(python),  # it goes into a shell script
        interface=interface,
        scheduler_options={"dashboard_address": "127.0.0.1:0"},
        security=security,
        shared_temp_directory=str(directory),
        log_directory=str(directory),
        local_directory=local_directory,
        worker_extra_args=worker_lifetime_args(walltime_seconds(p.walltime)),
        asynchronous=True,
        silence_logs=False,
        **specific,
    )
