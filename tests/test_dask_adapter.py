"""The one module that reaches into dask-jobqueue and distributed beyond their public API
(hpc_lab_ext/kernel_env/hpc_lab_dask.py), on a real LocalCluster and on dask-jobqueue's Slurm
cluster class (never started: its job script and job template are what is read and changed).
A newer dask release that moves any of these internals fails here first.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hpc_lab_ext.clusters.env import credential_paths, make_security
from hpc_lab_ext.kernel_env import hpc_lab_dask as adapter


@pytest.fixture
def security(tmp_path: Path) -> Any:
    make_security(tmp_path)
    cert, key = credential_paths(tmp_path)
    return adapter.security_from(str(cert), str(key))


LOCAL = {"name": "t", "n_workers": 0, "processes": True, "threads_per_worker": 1, "memory_limit": 2**29,
         "host": "127.0.0.1", "dashboard_address": "127.0.0.1:0", "silence_logs": False}  # fmt: skip


async def test_reading_and_steering_a_local_cluster(security: Any) -> None:
    cluster = adapter.make_cluster("local", LOCAL, security)
    await cluster
    try:
        assert adapter.dashboard_port(cluster) and not adapter.failed(cluster) and not adapter.busy(cluster)
        cluster.scale(2)
        assert await adapter.settle(cluster) is None
        for _ in range(300):
            if len(adapter.workers(cluster)) == 2:
                break
            await asyncio.sleep(0.1)
        workers = adapter.workers(cluster)
        assert len(workers) == 2 and {w["nthreads"] for w in workers} == {1}
        assert all(w["address"].startswith("tls://") and w["tasks"] == 0 for w in workers)
        assert [name for name, _ in adapter.specs(cluster)] == ["0", "1"]
        assert all(job is None for _, job in adapter.specs(cluster))  # local workers have no job
        assert adapter.drop_unsubmitted(cluster) == 0  # and are never taken for failed submissions
        assert adapter.idle_since(cluster) is not None  # nothing to do
        cluster.adapt(minimum=0, maximum=2)
        assert cluster._adaptive is not None
        adapter.stop_adapt(cluster)
        assert cluster._adaptive is None
    finally:
        await cluster.close()
    assert adapter.failed(cluster)


async def test_job_template_failed_submissions_and_replacement(security: Any, tmp_path: Path) -> None:
    kwargs = {"name": "hpc-lab-0123abcd", "job_name": "hpc-lab-0123abcd", "cores": 1, "memory": "1GB",
              "processes": 1, "queue": "debug", "walltime": "00:10:00", "python": "/usr/bin/python3",
              "log_directory": str(tmp_path), "shared_temp_directory": str(tmp_path)}  # fmt: skip
    cluster = adapter.make_cluster("slurm", kwargs, security)
    try:
        # Specs whose job objects carry job ids, as after submission; and one that never got one.
        cluster.worker_spec.update({f"hpc-lab-0123abcd-{i}": cluster.new_spec for i in range(3)})
        for i, job_id in enumerate(("11", "12", None)):
            job = type("Job", (), {"job_id": job_id})()
            cluster.workers[f"hpc-lab-0123abcd-{i}"] = job
        assert adapter.specs(cluster) == [
            ["hpc-lab-0123abcd-0", "11"], ["hpc-lab-0123abcd-1", "12"], ["hpc-lab-0123abcd-2", None],
        ]  # fmt: skip
        assert adapter.drop_unsubmitted(cluster) == 1
        assert adapter.forget_jobs(cluster, ["12"]) == ["hpc-lab-0123abcd-1"]
        assert [name for name, _ in adapter.specs(cluster)] == ["hpc-lab-0123abcd-0"]
        assert not adapter.needs_settling(cluster)

        # A name is never given twice, even once its worker is gone.
        first = adapter_names(cluster.new_worker_spec())
        second = adapter_names(cluster.new_worker_spec())
        assert first != second

        adapter.use_template(cluster, {"queue": "batch", "walltime": "00:15:00", "cores": 2, "memory": "2GB"})
        assert "#SBATCH -p batch" in cluster.job_script() and "#SBATCH -t 00:15:00" in cluster.job_script()
        replaced = adapter.replace_jobs(cluster, ["11"], 2)
        assert replaced == ["hpc-lab-0123abcd-0"]
        names = [name for name, _ in adapter.specs(cluster)]
        assert len(names) == 2 and "hpc-lab-0123abcd-0" not in names  # fresh names, not reused
        assert adapter.needs_settling(cluster)
    finally:
        cluster.workers.clear()
        cluster.worker_spec.clear()
        await cluster.close()


async def test_commands_run_without_a_shell_and_fail_with_their_words() -> None:
    assert await adapter.call(["printf", "%s", "a b; c"]) == "a b; c"
    with pytest.raises(RuntimeError, match="sh exited with status 3: nope"):
        await adapter.call(["sh", "-c", "echo nope >&2; exit 3"])
    with pytest.raises(RuntimeError, match=r"did not answer within 0\.2 s"):
        await adapter.call(["sleep", "5"], timeout=0.2)
    with pytest.raises(RuntimeError, match="could not be started"):
        await adapter.call(["/nonexistent/sbatch"])


def adapter_names(spec: dict[str, Any]) -> list[str]:
    return sorted(spec)
