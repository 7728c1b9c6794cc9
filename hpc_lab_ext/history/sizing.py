"""How well ended jobs used what they asked for, per job and per array, and the request a job
like it should make next time. Pure functions.

A suggestion is the measured use plus a margin, rounded up to what people type, never below a
floor and never above the job's own request (it is about asking for less) or its partition's
time limit:

- CPUs: the cores it kept busy (TotalCPU / elapsed), rounded up unless less than 0.15 of a core
  above a whole number (a job that kept one core busy gets one), at least 1;
- memory: MaxRSS x 1.3, at least 256 MB, rounded up to 256 MB steps;
- time: elapsed x 1.5 + 5 min, rounded up to 5 minutes.

Only jobs that completed give a suggestion: a job that failed or ran out of time or memory says
nothing about what it would have needed.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

from .records import EndedJob

#: a busy core's share that is not worth another core
CPU_SLACK = 0.15
MEMORY_MARGIN = 1.3
MEMORY_FLOOR_MB = 256
TIME_MARGIN = 1.5
TIME_EXTRA_S = 300
TIME_STEP_S = 300


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "min": round(min(values), 4),
        "median": round(statistics.median(values), 4),
        "max": round(max(values), 4),
    }


def array_summaries(jobs: list[EndedJob]) -> list[dict[str, Any]]:
    """Per array (jobs with ids ``<array>_<task>``): task count, states, and min/median/max of
    CPU, memory and time efficiency over the tasks that report them."""
    arrays: dict[str, list[EndedJob]] = {}
    for job in jobs:
        base, sep, task = job.id.partition("_")
        if sep and task.isdigit():
            arrays.setdefault(base, []).append(job)
    out: list[dict[str, Any]] = []
    for base, tasks in arrays.items():
        states: dict[str, int] = {}
        for t in tasks:
            states[t.group] = states.get(t.group, 0) + 1
        out.append(
            {
                "array_id": base,
                "name": tasks[0].name,
                "tasks": len(tasks),
                "groups": states,
                "cpu_efficiency": _spread([e for t in tasks if (e := t.cpu_efficiency) is not None]),
                "memory_efficiency": _spread([e for t in tasks if (e := t.memory_efficiency) is not None]),
                "time_efficiency": _spread([e for t in tasks if (e := t.time_efficiency) is not None]),
            }
        )
    out.sort(key=lambda a: int(a["array_id"]), reverse=True)
    return out


def suggest(job: EndedJob, max_time_s: int | None = None) -> dict[str, Any] | None:
    """The request suggested for the next job like this one, or None when its figures do not
    allow one (not completed, no use figures). Each field also says whether it is smaller."""
    if job.group != "completed" or not job.elapsed_s:
        return None
    result: dict[str, Any] = {}
    if job.total_cpu_s is not None and job.cpus:
        cpus = max(1, math.ceil(job.total_cpu_s / job.elapsed_s - CPU_SLACK))
        result["cpus"] = min(cpus, job.cpus)
    if job.max_rss_mb is not None and job.req_mem_mb:
        mem = max(MEMORY_FLOOR_MB, job.max_rss_mb * MEMORY_MARGIN)
        mem_mb = math.ceil(mem / MEMORY_FLOOR_MB) * MEMORY_FLOOR_MB
        result["mem_mb"] = min(mem_mb, job.req_mem_mb)
    limit = job.time_limit_s
    seconds = math.ceil((job.elapsed_s * TIME_MARGIN + TIME_EXTRA_S) / TIME_STEP_S) * TIME_STEP_S
    if limit:
        seconds = min(seconds, limit)
    if max_time_s:
        seconds = min(seconds, max_time_s)
    result["time_s"] = seconds
    if "cpus" not in result and "mem_mb" not in result and limit and seconds >= limit:
        return None  # nothing to say without use figures and no shorter time
    result["smaller"] = (
        ("cpus" in result and result["cpus"] < (job.cpus or 0))
        or ("mem_mb" in result and result["mem_mb"] < (job.req_mem_mb or 0))
        or (limit is not None and seconds < limit)
    )
    return result
