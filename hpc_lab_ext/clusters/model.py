"""The clusters' wire records and the pure join of Slurm jobs with Dask workers.

A cluster's worker jobs carry its tag as their Slurm job name (``hpc-lab-<id>``). dask-jobqueue
names each job's worker(s) after the job's spec key (``hpc-lab-<id>-<n>``, plus ``-<i>`` per
process when a job runs several) and keeps the Slurm job id on the job object, so:

    Slurm job id  <->  spec key  <->  Dask worker name(s)

Pending jobs exist only in Slurm; connected workers only in Dask; `join_workers` shows both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..models import Job

TAG_PREFIX = "hpc-lab-"
#: Slurm states in which a job holds or waits for resources (not on its way out).
LIVE_STATES = frozenset({"PENDING", "CONFIGURING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING"})
CLUSTER_STATES = ("starting", "running", "closing", "closed", "failed")


def cluster_tag(cluster_id: str) -> str:
    """The Slurm job name of a cluster's worker jobs."""
    return f"{TAG_PREFIX}{cluster_id}"


@dataclass(frozen=True)
class DaskWorker:
    """What the Dask scheduler knows of one connected worker."""

    name: str
    address: str
    memory_bytes: int | None  # process memory in use
    tasks: int  # tasks processing on it now


@dataclass(frozen=True)
class WorkerInfo:
    """One worker of a cluster: a Slurm job and/or a connected Dask worker.

    `state` is Slurm's job state (PENDING, RUNNING, ...) or, where Slurm has not said yet:
    REQUESTED (no job submitted yet), SUBMITTED (submitted, not in the last queue poll),
    STARTING (local cluster, not connected yet).
    """

    job_id: str | None
    state: str
    reason: str
    start_time: str | None
    node: str
    elapsed_s: int | None
    time_limit_s: int | None
    worker_name: str | None
    worker_address: str | None
    memory_bytes: int | None
    tasks: int | None


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster as the REST API shows it.

    counts: requested = Dask workers asked for (jobs × processes); pending / running = the
    cluster's jobs in those Slurm states; connected = Dask workers connected to its scheduler.
    """

    id: str
    name: str
    profile: dict[str, Any]
    owner: str
    notebook: str | None
    python: str
    scheduler_address: str | None
    dashboard_link: str | None
    dashboard_path: str | None
    status: str
    created_at: float
    adapt: dict[str, int] | None
    idle_since: float | None
    idle_timeout_s: float
    counts: dict[str, int]
    workers: tuple[WorkerInfo, ...] = ()
    connect_code: str = ""
    error: str | None = None
    #: resubmission of long-pending worker jobs: settings, tries and what happened; None when off
    patience: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["workers"] = [asdict(w) for w in self.workers]
        return data


def spec_of(worker_name: str, spec_names: Sequence[str]) -> str | None:
    """The spec key a Dask worker belongs to: itself, or itself less a ``-<i>`` process suffix."""
    if worker_name in spec_names:
        return worker_name
    base, _, suffix = worker_name.rpartition("-")
    return base if suffix.isdigit() and base in spec_names else None


def _from_job(job: Job, age_s: float) -> dict[str, Any]:
    elapsed = job.elapsed_s
    if job.state == "RUNNING" and elapsed is not None:
        elapsed += int(age_s)  # the snapshot is age_s old; the job kept running
    return {
        "job_id": job.id,
        "state": job.state,
        "reason": job.reason,
        "start_time": job.start_time,
        "node": job.nodes,
        "elapsed_s": elapsed,
        "time_limit_s": job.time_limit_s,
    }


def _no_job(job_id: str | None, state: str) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "state": state,
        "reason": "",
        "start_time": None,
        "node": "",
        "elapsed_s": None,
        "time_limit_s": None,
    }


def _with_worker(job_part: dict[str, Any], worker: DaskWorker | None) -> WorkerInfo:
    return WorkerInfo(
        **job_part,
        worker_name=worker.name if worker else None,
        worker_address=worker.address if worker else None,
        memory_bytes=worker.memory_bytes if worker else None,
        tasks=worker.tasks if worker else None,
    )


def join_workers(
    specs: Mapping[str, str | None],
    jobs: Sequence[Job],
    workers: Sequence[DaskWorker],
    *,
    snapshot_age_s: float = 0.0,
    local: bool = False,
) -> list[WorkerInfo]:
    """One row per worker: `specs` (spec key -> Slurm job id, None before submission, in order)
    joined with the cluster's tagged `jobs` and the connected Dask `workers`.

    Jobs no spec claims (submitted by a call that failed, or left behind) and workers no spec
    claims (retiring) get rows of their own, so nothing running is hidden.
    """
    names = list(specs)
    by_job = {job.id: job for job in jobs}
    by_spec: dict[str, list[DaskWorker]] = {}
    orphans: list[DaskWorker] = []
    for worker in workers:
        key = spec_of(worker.name, names)
        (by_spec.setdefault(key, []) if key is not None else orphans).append(worker)
    rows: list[WorkerInfo] = []
    for name, job_id in specs.items():
        job = by_job.get(job_id) if job_id else None
        connected = sorted(by_spec.get(name, []), key=lambda w: w.name)
        if job is not None:
            part = _from_job(job, snapshot_age_s)
        elif local:
            part = _no_job(None, "RUNNING" if connected else "STARTING")
        elif connected:
            part = _no_job(job_id, "RUNNING")
        else:
            part = _no_job(job_id, "SUBMITTED" if job_id else "REQUESTED")
        slots: list[DaskWorker | None] = [*connected] or [None]
        rows.extend(_with_worker(part, w) for w in slots)
    claimed = {job_id for job_id in specs.values() if job_id}
    rows.extend(_with_worker(_from_job(job, snapshot_age_s), None) for job in jobs if job.id not in claimed)
    rows.extend(_with_worker(_no_job(None, "RUNNING"), w) for w in orphans)
    return rows


def count_workers(
    requested: int, jobs: Sequence[Job], workers: Sequence[DaskWorker], *, local: bool = False
) -> dict[str, int]:
    if local:
        return {"requested": requested, "pending": 0, "running": len(workers), "connected": len(workers)}
    return {
        "requested": requested,
        "pending": sum(job.state == "PENDING" for job in jobs),
        "running": sum(job.state == "RUNNING" for job in jobs),
        "connected": len(workers),
    }


def workers_from(state: Mapping[str, Any]) -> list[DaskWorker]:
    """The connected workers in a supervisor's state answer."""
    out = []
    for w in state.get("workers", []):
        memory = w.get("memory_bytes")
        out.append(DaskWorker(str(w["name"]), str(w["address"]), memory, int(w.get("tasks") or 0)))
    return out


def connect_code(handle_dir: str, cluster_dir: str) -> str:
    """Python a notebook runs to get `cluster` and `client` (``client.cluster is cluster``).

    hpc_lab_notebook is a module of the standard library only, shipped with this extension and
    imported from there: the notebook's environment needs nothing but distributed.
    """
    return (
        "import sys\n"
        "\n"
        f"if {handle_dir!r} not in sys.path:\n"
        f"    sys.path.append({handle_dir!r})\n"
        "from hpc_lab_notebook import connect\n"
        "\n"
        f"cluster, client = connect({cluster_dir!r})\n"
        "client\n"
    )
