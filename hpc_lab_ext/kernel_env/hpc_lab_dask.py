"""Every use of dask-jobqueue and distributed beyond their public API, in one place.

This module runs in the *notebook kernel's* environment (inside a cluster's supervisor process,
see hpc_lab_supervisor.py), with whatever dask, distributed and dask-jobqueue releases that
environment has; it imports nothing of hpc_lab_ext. What it reaches into, and why:

- ``SpecCluster.worker_spec`` / ``.workers`` / ``.new_spec`` / ``._i`` / ``._correct_state()`` /
  ``._lock``: which worker jobs exist (spec key -> job object with ``job_id``), waiting until
  submissions and cancellations are done, replacing the job template (patience), and never reusing
  a worker's name (``new_worker_spec``: see `_fresh_worker_spec`);
- ``JobQueueCluster._job_kwargs``: the template of new worker jobs (patience's sooner shape);
- ``Cluster._adaptive``: stopping adaptive scaling (``adapt()`` has no public "off");
- ``Scheduler.workers`` / ``.idle_since``: connected workers and the idle clock;
- ``Job._call``: dask-jobqueue's one place that runs sbatch/scancel, replaced by `call` (argv
  list, timeout, never a shell).

The versions it was written against are pinned in pyproject.toml's `dask` extra; tests in
tests/test_dask_adapter.py exercise each function on a real LocalCluster and on job classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import dask

#: scheduler -> our dask config section (Slurm's keeps its first name).
CONFIG_NAMES = {
    "slurm": "hpc-lab-ext",
    "sge": "hpc-lab-ext-sge",
    "pbs": "hpc-lab-ext-pbs",
    "lsf": "hpc-lab-ext-lsf",
}
SUBMIT_TIMEOUT_S = 30.0
# Variables a user may set in their shell that would change what scheduler commands print.
_SCRUBBED_PREFIXES = ("SQUEUE_", "SINFO_", "SACCT_", "SBATCH_", "SCONTROL_")


def _register_config() -> None:
    """Each of our sections starts as dask-jobqueue's shipped defaults for its scheduler: a user's
    own ``jobqueue.<scheduler>`` settings stay out of our job scripts."""
    import dask_jobqueue  # noqa: F401  (registers its shipped config defaults)

    for scheduler, section in CONFIG_NAMES.items():
        shipped = [
            d["jobqueue"][scheduler] for d in dask.config.defaults if scheduler in d.get("jobqueue", {})
        ]
        if shipped:
            dask.config.update_defaults({"jobqueue": {section: dict(shipped[-1])}})


async def run(argv: list[str], stdin: str | None, timeout: float) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of argv, run without a shell in a session of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as e:
        raise RuntimeError(f"{argv[0]} could not be started: {e.strerror or e}") from e
    try:
        data = stdin.encode() if stdin is not None else None
        out, err = await asyncio.wait_for(proc.communicate(data), timeout)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise RuntimeError(f"{argv[0]} did not answer within {timeout:g} s") from None
    code = proc.returncode if proc.returncode is not None else -1
    return code, out.decode(errors="replace"), err.decode(errors="replace")


async def call(cmd: list[str], stdin: str | None = None, timeout: float = SUBMIT_TIMEOUT_S) -> str:
    """Run a submit/cancel command; RuntimeError when it fails, which is what dask-jobqueue expects."""
    code, stdout, stderr = await run([str(a) for a in cmd], stdin, timeout)
    if code != 0:
        # Grid Engine prints its complaints on stdout.
        detail = stderr.strip() or stdout.strip()
        raise RuntimeError(f"{cmd[0]} exited with status {code}: {detail}")
    return stdout


def _job_classes() -> dict[str, tuple[type[Any], type[Any]]]:
    """scheduler -> (cluster class, job class), with every command run by `call`."""
    from dask_jobqueue.lsf import LSFCluster, LSFJob
    from dask_jobqueue.pbs import PBSCluster, PBSJob
    from dask_jobqueue.sge import SGECluster, SGEJob
    from dask_jobqueue.slurm import SLURMCluster, SLURMJob

    class RunnerCalls:
        @classmethod
        async def _call(cls, cmd: list[str], *, shell: bool = False, **kwargs: Any) -> str:
            if shell:
                raise RuntimeError("commands are run without a shell")
            return await call(cmd)

    class SlurmWorkerJob(RunnerCalls, SLURMJob):
        config_name = CONFIG_NAMES["slurm"]

    class SgeWorkerJob(RunnerCalls, SGEJob):
        config_name = CONFIG_NAMES["sge"]

    class PbsWorkerJob(RunnerCalls, PBSJob):
        config_name = CONFIG_NAMES["pbs"]

    class LsfWorkerJob(RunnerCalls, LSFJob):
        """bsub reads #BSUB lines only from a script on its standard input: given here, not by a shell."""

        config_name = CONFIG_NAMES["lsf"]

        async def _submit_job(self, script_filename: str) -> str:
            script = await asyncio.to_thread(Path(script_filename).read_text)
            return await call(["bsub"], stdin=script)

    out: dict[str, tuple[type[Any], type[Any]]] = {}
    for kind, base, job in (
        ("slurm", SLURMCluster, SlurmWorkerJob),
        ("sge", SGECluster, SgeWorkerJob),
        ("pbs", PBSCluster, PbsWorkerJob),
        ("lsf", LSFCluster, LsfWorkerJob),
    ):
        members = {"job_cls": job, "new_worker_spec": _fresh_worker_spec}
        out[kind] = (type(f"Hpc{base.__name__}", (base,), members), job)
    return out


def _fresh_worker_spec(self: Any) -> dict[str, Any]:
    """SpecCluster.new_worker_spec, but a name is never given twice: SpecCluster reuses the name of
    a worker that is gone, and its delayed clean-up of that gone worker (lost-worker-timeout after
    the scheduler reports it removed) then closes the new worker of the same name, cancelling its
    job (seen as a job cancelled a moment after submission when scaling 1 -> 0 -> 1 quickly)."""
    from distributed.deploy.spec import SpecCluster

    spec: dict[str, Any] = SpecCluster.new_worker_spec(self)  # type: ignore[no-untyped-call]
    self._i += 1
    return spec


_CLASSES: dict[str, tuple[type[Any], type[Any]]] = {}
_LOCAL: list[type[Any]] = []


def job_classes() -> dict[str, tuple[type[Any], type[Any]]]:
    if not _CLASSES:
        _register_config()
        _CLASSES.update(_job_classes())
    return _CLASSES


def security_from(cert: str, key: str) -> Any:
    """A `distributed.Security` using the cluster's credential files for every role."""
    from distributed.security import Security

    roles = {
        f"tls_{role}_{kind}": path
        for role in ("client", "scheduler", "worker")
        for kind, path in (("cert", cert), ("key", key))
    }
    return Security(tls_ca_file=cert, require_encryption=True, **roles)  # type: ignore[no-untyped-call]


def make_cluster(kind: str, kwargs: dict[str, Any], security: Any) -> Any:
    """A not yet started cluster: a LocalCluster ("local") or a dask-jobqueue cluster."""
    if kind == "local":
        if not _LOCAL:
            from distributed import LocalCluster

            _LOCAL.append(type("HpcLocalCluster", (LocalCluster,), {"new_worker_spec": _fresh_worker_spec}))
        return _LOCAL[0](**kwargs, security=security, protocol="tls://", asynchronous=True)
    if kind not in job_classes():
        raise ValueError(f"no Dask cluster for scheduler {kind!r}")
    cls, _ = job_classes()[kind]
    return cls(**kwargs, security=security, asynchronous=True)


# ---- reading a cluster --------------------------------------------------------------------------


def specs(cluster: Any) -> list[list[Any]]:
    """[spec key, job id or None] in spec order (None before submission, and for local workers)."""
    return [[str(k), _job_id(cluster.workers.get(k))] for k in cluster.worker_spec]


def _job_id(worker: Any) -> str | None:
    job_id = getattr(worker, "job_id", None)
    return str(job_id) if job_id else None


def workers(cluster: Any) -> list[dict[str, Any]]:
    """The workers connected to the cluster's scheduler."""
    scheduler = getattr(cluster, "scheduler", None)
    out = []
    for ws in list(getattr(scheduler, "workers", {}).values()):
        memory = getattr(getattr(ws, "memory", None), "process", None)
        out.append({
            "name": str(ws.name), "address": ws.address, "memory_bytes": memory,
            "tasks": len(ws.processing), "nthreads": ws.nthreads, "memory_limit": ws.memory_limit,
        })  # fmt: skip
    return out


def idle_since(cluster: Any) -> float | None:
    """When the scheduler last had no task to run (None while tasks run)."""
    value = getattr(getattr(cluster, "scheduler", None), "idle_since", None)
    return float(value) if value is not None else None


def dashboard_port(cluster: Any) -> int | None:
    dashboard = getattr(getattr(cluster, "scheduler", None), "services", {}).get("dashboard")
    return int(dashboard.port) if dashboard is not None else None


def busy(cluster: Any) -> bool:
    """Whether the cluster is submitting or cancelling jobs right now."""
    lock = getattr(cluster, "_lock", None)
    return bool(lock is not None and lock.locked())


def failed(cluster: Any) -> bool:
    return getattr(cluster.status, "name", "") in ("closed", "failed")


# ---- changing a cluster -------------------------------------------------------------------------


def stop_adapt(cluster: Any) -> None:
    adaptive = getattr(cluster, "_adaptive", None)
    if adaptive is not None:
        adaptive.stop()
        cluster._adaptive = None


def drop_unsubmitted(cluster: Any) -> int:
    """Forget workers whose job was never submitted (a failed sbatch) with their specs.

    SpecCluster keeps a worker object even when its start failed; left alone it would count as a
    pending worker the scheduler has never heard of. Local workers have no job id: never dropped.
    """
    if not hasattr(cluster, "job_cls"):
        return 0
    gone = [k for k, w in cluster.workers.items() if getattr(w, "job_id", None) is None]
    for key in gone:
        del cluster.workers[key]
        cluster.worker_spec.pop(key, None)
    if gone:
        for key in [k for k in cluster.worker_spec if k not in cluster.workers]:
            del cluster.worker_spec[key]
    return len(gone)


async def settle(cluster: Any) -> str | None:
    """Wait until the cluster has submitted/cancelled jobs for its spec; None, or what went wrong
    (after forgetting the workers whose job was not submitted: no phantoms)."""
    try:
        await cluster._correct_state()
    except Exception as e:
        drop_unsubmitted(cluster)
        return str(e) or type(e).__name__
    return None


def forget_jobs(cluster: Any, job_ids: list[str]) -> list[str]:
    """Forget the workers (and specs) of these jobs, which left the queue behind Dask's back."""
    keys = [k for k, w in cluster.workers.items() if _job_id(w) in set(job_ids)]
    for key in keys:
        cluster.workers.pop(key, None)
        cluster.worker_spec.pop(key, None)
    return [str(k) for k in keys]


def needs_settling(cluster: Any) -> bool:
    """Specs without a worker object (e.g. a worker retired by --lifetime): a settle replaces them."""
    return bool(set(cluster.worker_spec) - set(cluster.workers))


def use_template(cluster: Any, changes: dict[str, Any]) -> None:
    """New worker jobs ask for these options (queue, walltime, cores, memory, worker_extra_args)."""
    options = dict(cluster._job_kwargs)
    options.update(changes)
    cluster._job_kwargs = options
    cluster.new_spec = {**cluster.new_spec, "options": options}


def replace_jobs(cluster: Any, job_ids: list[str], count: int) -> list[str]:
    """Drop the specs of these (waiting) jobs and add `count` new ones under fresh names (a reused
    name would keep the old job); the next settle cancels the old jobs and submits the new."""
    names = [k for k, w in cluster.workers.items() if _job_id(w) in set(job_ids)]
    for name in names:
        cluster.worker_spec.pop(name, None)
    for _ in range(count):
        spec = cluster.new_worker_spec()
        while set(spec) & set(cluster.workers):  # a name still held by a job being cancelled
            cluster._i += 1
            spec = cluster.new_worker_spec()
        cluster.worker_spec.update(spec)
    return [str(n) for n in names]
