"""What a cluster's Dask scheduler and worker jobs are made of, as plain JSON for its supervisor.

`cluster_spec` turns a resolved profile into the kind of cluster ("slurm", "sge", "pbs", "lsf" or
"local") and the keyword arguments of its dask-jobqueue (or LocalCluster) class. The cluster
itself is made in the supervisor process, in the notebook kernel's environment
(kernel_env/hpc_lab_supervisor.py), whose job classes read their defaults from dask config
sections of ours ("hpc-lab-ext" for Slurm, "hpc-lab-ext-<scheduler>" for the rest) that start as
dask-jobqueue's shipped defaults: a user's own ``jobqueue.<scheduler>`` settings stay out of our
job scripts (their resource keys come in through the "my-jobqueue" profile).
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import Any

from ..kernel_env import hpc_lab_dask
from .profiles import Profile, gpu_count, memory_bytes, walltime_seconds, worker_lifetime_args

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


def _slurm(p: Profile) -> dict[str, Any]:
    directives = [*p.job_extra_directives]
    if p.gres:
        directives.append(f"--gres={p.gres}")
    if p.account:
        directives.append(f"--account={p.account}")
    return {"walltime": p.walltime, "job_extra_directives": directives}


def _sge(p: Profile) -> dict[str, Any]:
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
    return kwargs


def _pbs(p: Profile) -> dict[str, Any]:
    select = f"select=1:ncpus={p.cores}:mem={pbs_memory(memory_bytes(p.memory))}"
    if gpu_count(p.gres):
        select += f":ngpus={gpu_count(p.gres)}"
    return {
        "walltime": hms_walltime(walltime_seconds(p.walltime)),
        "account": p.account or None,
        "resource_spec": select,
        "job_extra_directives": [*p.job_extra_directives],
    }


def _lsf(p: Profile) -> dict[str, Any]:
    directives = [f'-gpu "num={gpu_count(p.gres)}"'] if gpu_count(p.gres) else []
    return {
        "walltime": lsf_walltime(walltime_seconds(p.walltime)),
        "project": p.account or None,
        "use_stdin": True,
        "job_extra_directives": [*directives, *p.job_extra_directives],
    }


_BUILDERS = {"slurm": _slurm, "sge": _sge, "pbs": _pbs, "lsf": _lsf}


def cluster_spec(
    profile: Profile,
    tag: str,
    python: str,
    directory: Path,
    *,
    interface: str | None = None,
    local_directory: str | None = None,
) -> dict[str, Any]:
    """{"kind", "kwargs"} of the cluster of a resolved profile: its worker jobs named `tag` run
    `python`; credentials and job logs in `directory`. JSON only (no security object: the
    supervisor builds that from the credential files in `directory`)."""
    p = profile
    if p.scheduler == "local":
        kwargs: dict[str, Any] = {
            "name": tag,
            "n_workers": 0,
            "processes": True,
            "threads_per_worker": max(1, p.cores // p.processes),
            "memory_limit": memory_bytes(p.memory) // p.processes,
            "host": "127.0.0.1",
            "dashboard_address": "127.0.0.1:0",
            "silence_logs": False,
        }
        return {"kind": "local", "kwargs": kwargs}
    if p.scheduler not in _BUILDERS:
        raise ValueError(f"no dask-jobqueue cluster for scheduler {p.scheduler!r}")
    kwargs = {
        "name": tag,  # worker names: <tag>-<n>
        "job_name": tag,
        "cores": p.cores,
        "memory": p.memory,
        "processes": p.processes,
        "queue": p.partition or None,
        "python": shlex.quote(python),  # it goes into a shell script
        "interface": interface,
        "scheduler_options": {"dashboard_address": "127.0.0.1:0"},
        "shared_temp_directory": str(directory),
        "log_directory": str(directory),
        "local_directory": local_directory,
        "worker_extra_args": worker_lifetime_args(walltime_seconds(p.walltime)),
        "silence_logs": False,
        **_BUILDERS[p.scheduler](p),
    }
    return {"kind": p.scheduler, "kwargs": kwargs}


def template_changes(p: Profile) -> dict[str, Any]:
    """The options of new worker jobs in profile `p`'s shape (patience's sooner shape)."""
    return {
        "queue": p.partition or None,
        "walltime": _BUILDERS[p.scheduler](p)["walltime"] if p.scheduler in _BUILDERS else p.walltime,
        "cores": p.cores,
        "memory": p.memory,
        "worker_extra_args": worker_lifetime_args(walltime_seconds(p.walltime)),
    }


def jobqueue_cluster(
    profile: Profile, tag: str, python: str, directory: Path, *, security: Any, **options: Any
) -> Any:
    """The (not started) cluster object of a profile, made in this process: for reading the job
    script it would submit (tests, docs); running clusters live in their supervisor."""
    spec = cluster_spec(profile, tag, python, directory, **options)
    return hpc_lab_dask.make_cluster(spec["kind"], spec["kwargs"], security)
