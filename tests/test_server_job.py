"""The Slurm job this Jupyter server runs in: found from the job's environment and the snapshot.

Pure parts here; the real thing (a server started as a Slurm job by JupyterHub's batchspawner,
whose status names its job) is ui-tests/tests/hub.spec.ts on scripts/sandbox-hub.
"""

from __future__ import annotations

import time
from datetime import datetime

from records import job

from hpc_lab_ext.models import ServerJob, Snapshot, Status
from hpc_lab_ext.server_job import job_id_from, server_job


def iso(t: float) -> str:
    return datetime.fromtimestamp(t).isoformat(timespec="seconds")


def test_job_id_from_the_environment() -> None:
    assert job_id_from({"SLURM_JOB_ID": "75"}) == "75"
    assert job_id_from({"SLURM_JOBID": "76"}) == "76"  # the older spelling
    assert job_id_from({}) is None
    assert job_id_from({"SLURM_JOB_ID": "75; rm -rf /"}) is None  # only a plain number is a job id


def test_end_is_start_plus_limit_as_the_snapshot_has_them() -> None:
    started = time.time() - 600
    snapshot = Snapshot(jobs=(job("75", start_time=iso(started), time_limit_s=7200),))
    found = server_job({"SLURM_JOB_ID": "75"}, snapshot, "Run: extend-session 1h")
    assert found is not None and found.id == "75" and found.time_limit_s == 7200
    assert found.ends_at is not None and abs(found.ends_at - (int(started) + 7200)) < 1
    assert found.extend_hint == "Run: extend-session 1h"


def test_unknown_end_while_the_job_is_not_listed_or_unlimited() -> None:
    assert server_job({"SLURM_JOB_ID": "75"}, Snapshot(), "") == ServerJob("75", None, None, "")
    unlimited = Snapshot(jobs=(job("75", start_time=iso(time.time()), time_limit_s=None),))
    found = server_job({"SLURM_JOB_ID": "75"}, unlimited)
    assert found is not None and found.ends_at is None
    assert server_job({}, unlimited) is None


def test_status_carries_it_on_the_wire() -> None:
    status = Status("slurm", "slurm 22.05.8", True, "alice", server_job=ServerJob("75", 1.5e9, 60, ""))
    assert status.to_json()["server_job"] == {
        "id": "75",
        "ends_at": 1.5e9,
        "time_limit_s": 60,
        "extend_hint": "",
    }
    assert Status("slurm", "x", True, "alice").to_json()["server_job"] is None
