"""The Slurm job this Jupyter server runs in, when it runs in one (JupyterHub's batchspawner, Open
OnDemand, or a person's own `srun jupyter lab`): its id and when its time limit ends it.

Pure: the environment and the shared snapshot in, a ServerJob (or None) out. The job's end is its
start plus its time limit as the snapshot has them, so an extended limit (scontrol update
TimeLimit=...) shows at the next poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from .models import ServerJob, Snapshot

#: the variables a job's processes get from Slurm (SLURM_JOBID is the older spelling)
JOB_ID_VARIABLES = ("SLURM_JOB_ID", "SLURM_JOBID")


def job_id_from(env: Mapping[str, str]) -> str | None:
    """The id of the Slurm job whose environment this is, or None outside a job."""
    for name in JOB_ID_VARIABLES:
        value = env.get(name, "").strip()
        if value.isdigit():
            return value
    return None


def server_job(env: Mapping[str, str], snapshot: Snapshot, extend_hint: str = "") -> ServerJob | None:
    """This server's job as the snapshot shows it; its end unknown while the job is not listed."""
    job_id = job_id_from(env)
    if job_id is None:
        return None
    job = next((j for j in snapshot.jobs if j.id == job_id), None)
    if job is None:
        return ServerJob(job_id, None, None, extend_hint)
    ends_at = None
    if job.start_time and job.time_limit_s:
        ends_at = datetime.fromisoformat(job.start_time).timestamp() + job.time_limit_s
    return ServerJob(job_id, ends_at, job.time_limit_s, extend_hint)
