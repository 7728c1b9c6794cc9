"""Resubmit an ended job right-sized: its own script, as Slurm's accounting kept it, with the
CPUs, memory and time a person chose from the suggestion, within its partition's limits.

Nothing but those three numbers comes from the browser: the script, partition, job name and
working directory are the job's own, read from accounting (which also proves the job is the
user's: sacct -u <user>). Each shape's expected start is Slurm's answer to sbatch --test-only.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from ..advisor.estimates import estimate
from ..advisor.shapes import Candidate, Shape
from ..errors import BadRequest, CommandFailed, NotFound
from ..jobids import validate_job_id
from ..poller import Poller
from ..scheduler.base import SchedulerBackend
from .records import EndedJob
from .sizing import suggest

MIN_TIME_S = 60


class Resubmitter:
    def __init__(self, backend: SchedulerBackend, poller: Poller | None, user: str) -> None:
        self.backend: Any = getattr(backend, "cli", backend)  # the Slurm CLI's methods, if any
        self.poller = poller
        self.user = user

    async def _job(self, job_id: str) -> EndedJob:
        job_id = validate_job_id(job_id)
        ask = getattr(self.backend, "ended_job", None)
        if ask is None:
            raise NotFound(f"the {self.backend.name} scheduler keeps no accounting to resubmit from")
        try:
            job: EndedJob | None = await ask(self.user, job_id)
        except CommandFailed as e:
            raise NotFound(
                f"Slurm accounting did not answer ({e.message}); a job is resubmitted from it"
            ) from None
        if job is None:
            raise NotFound(f"job {job_id} is not one of your ended jobs in Slurm's accounting")
        return job

    async def limits(self, partition: str) -> dict[str, int | None]:
        """The partition's time limit and its largest node's CPUs and memory (from the snapshot)."""
        snapshot = await self.poller.first_snapshot() if self.poller is not None else None
        part = next((p for p in snapshot.partitions if p.name == partition), None) if snapshot else None
        if snapshot is None or part is None:
            return {"max_time_s": None, "max_cpus": None, "max_mem_mb": None}
        nodes = [n for n in snapshot.nodes if n.name in part.nodes]
        return {
            "max_time_s": part.max_time_s,
            "max_cpus": max((n.cpus_total for n in nodes), default=None),
            "max_mem_mb": max((n.memory_total_mb for n in nodes), default=None),
        }

    async def _start(self, job: EndedJob, cpus: int, mem_mb: int, time_s: int) -> dict[str, Any]:
        shape = Shape(partition=job.partition, cores=cpus, memory_mb=mem_mb, walltime_s=time_s)
        e = await estimate(Candidate(shape=shape, overrides={}, jobs=1))
        return {"cpus": cpus, "mem_mb": mem_mb, "time_s": time_s, "start": e.first_start, "error": e.error}

    async def plan(self, job_id: str) -> dict[str, Any]:
        """The job, its script, the suggestion, the limits, and when each shape would start."""
        job = await self._job(job_id)
        limits = await self.limits(job.partition)
        suggestion = suggest(job, limits["max_time_s"])
        script, workdir = await self.backend.batch_script(job.id)
        asked = (job.cpus or 1, job.req_mem_mb or 1, job.time_limit_s or 3600)
        shapes = [asked]
        if suggestion is not None:
            shapes.append(
                (suggestion.get("cpus", asked[0]), suggestion.get("mem_mb", asked[1]), suggestion["time_s"])
            )
        starts = await asyncio.gather(*(self._start(job, *shape) for shape in shapes))
        for label, start in zip(("asked", "suggested"), starts, strict=False):
            start["label"] = label
        return {
            "job": job.to_json(),
            "script": script,
            "workdir": workdir,
            "suggestion": suggestion,
            "limits": limits,
            "shapes": starts,
        }

    async def submit(self, job_id: str, fields: dict[str, Any]) -> str:
        """Submit the job's script again with the chosen CPUs, memory and time; the new job's id."""
        job = await self._job(job_id)
        limits = await self.limits(job.partition)
        cpus = _whole(fields, "cpus", 1, limits["max_cpus"])
        mem_mb = _whole(fields, "mem_mb", 1, limits["max_mem_mb"])
        time_s = _whole(fields, "time_s", MIN_TIME_S, limits["max_time_s"])
        script, workdir = await self.backend.batch_script(job.id)
        if script is None:
            raise NotFound(
                f"Slurm's accounting kept no script for job {job.id} "
                "(that needs AccountingStoreFlags=job_script)"
            )
        options = ["-p", job.partition, "-J", job.name, "-c", str(cpus), f"--mem={mem_mb}M",
                   f"--time={math.ceil(time_s / 60)}"]  # fmt: skip
        if workdir:
            options += ["--chdir", workdir]
        new_id: str = await self.backend.submit_script(script, options)
        if self.poller is not None:
            self.poller.touch()
        return new_id


def _whole(fields: dict[str, Any], name: str, low: int, high: int | None) -> int:
    value = fields.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be a whole number")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name}={value} is outside this partition's limits: {bound}")
    return value
