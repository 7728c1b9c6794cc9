"""Ended jobs: what they asked for, what they used, how they ended. Pure functions, no I/O.

Two sources give the same records: Slurm's accounting (``sacct``, when slurmdbd runs) and, where
there is none, ``scontrol -o show job`` read by the server as each of the user's jobs leaves the
queue (Slurm keeps an ended job for MinJobAge; no use figures there).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..scheduler.slurm_parse import parse_memory_mb

SEP = "\x1f"

#: sacct fields, the free-text job name last (the split is bounded, so a name may hold anything)
SACCT_FIELDS = (
    "JobID",
    "State",
    "ExitCode",
    "Partition",
    "Submit",
    "Start",
    "End",
    "ElapsedRaw",
    "TimelimitRaw",
    "AllocCPUS",
    "ReqMem",
    "MaxRSS",
    "TotalCPU",
    "NodeList",
    "JobName",
)

#: how a job ended, by the scheduler's word
GROUPS = ("completed", "failed", "timeout", "oom", "cancelled", "other")
_GROUP_OF = {
    "COMPLETED": "completed",
    "FAILED": "failed",
    "NODE_FAIL": "failed",
    "BOOT_FAIL": "failed",
    "TIMEOUT": "timeout",
    "DEADLINE": "timeout",
    "OUT_OF_MEMORY": "oom",
    "CANCELLED": "cancelled",
}
#: states of jobs that have not ended: not history
ACTIVE = frozenset(
    {"PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING", "REQUEUED", "RESIZING", "STAGE_OUT"}
)
_NONE = frozenset({"", "Unknown", "None", "(null)", "N/A", "INVALID", "UNLIMITED", "Partition_Limit"})


@dataclass(frozen=True)
class EndedJob:
    id: str  # 123, 123_4, 123+1
    name: str
    partition: str
    state: str  # COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, ...
    exit_code: int | None
    signal: int | None
    submit_time: str | None
    start_time: str | None
    end_time: str | None
    elapsed_s: int | None
    time_limit_s: int | None
    cpus: int | None
    req_mem_mb: int | None  # the job's whole request (per-CPU requests multiplied out)
    max_rss_mb: float | None  # largest resident memory of any step; None without accounting
    total_cpu_s: float | None  # CPU time of all its processes; None without accounting
    nodes: str

    @property
    def group(self) -> str:
        return _GROUP_OF.get(self.state, "other")

    @property
    def cpu_efficiency(self) -> float | None:
        """TotalCPU / (elapsed x allocated CPUs)."""
        if self.total_cpu_s is None or not self.elapsed_s or not self.cpus:
            return None
        return self.total_cpu_s / (self.elapsed_s * self.cpus)

    @property
    def memory_efficiency(self) -> float | None:
        """MaxRSS / requested memory."""
        if self.max_rss_mb is None or not self.req_mem_mb:
            return None
        return self.max_rss_mb / self.req_mem_mb

    @property
    def time_efficiency(self) -> float | None:
        """Elapsed / time limit."""
        if self.elapsed_s is None or not self.time_limit_s:
            return None
        return self.elapsed_s / self.time_limit_s

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["group"] = self.group
        data["cpu_efficiency"] = _round(self.cpu_efficiency)
        data["memory_efficiency"] = _round(self.memory_efficiency)
        data["time_efficiency"] = _round(self.time_efficiency)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EndedJob:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _time(text: str) -> str | None:
    text = text.strip()
    return None if text in _NONE else text


def parse_cpu_time(text: str) -> float | None:
    """Seconds in sacct's TotalCPU: ``MM:SS.mmm``, ``HH:MM:SS``, ``D-HH:MM:SS``."""
    m = re.fullmatch(r"(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", text.strip())
    if not m:
        return None
    days, hours, minutes, seconds = m.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def parse_rss_mb(text: str) -> float | None:
    """MB in a MaxRSS such as ``219696K``, ``1.50G``, ``0``."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", text.strip())
    if not m:
        return None
    scale = {"": 1 / 1024**2, "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2}[m.group(2)]
    return float(m.group(1)) * scale


def parse_req_mem(text: str, cpus: int | None, nodes: int = 1) -> int | None:
    """MB of a job's whole memory request: ``1000M`` (per node), ``500Mc`` (per CPU, older
    releases), ``2000Mn``."""
    text = text.strip()
    per_cpu = text.endswith("c")
    per_node = text.endswith("n")
    value = parse_memory_mb(text.rstrip("cn")) if text and text not in _NONE else None
    if value is None:
        return None
    if per_cpu:
        return value * (cpus or 1)
    return value * nodes if per_node else value


def _exit(text: str) -> tuple[int | None, int | None]:
    """ "3:0" -> (3, 0); "0:15" -> (0, 15)."""
    code, _, signal = text.strip().partition(":")
    return _int(code), _int(signal)


def sacct_argv(user: str, days: int, job_id: str | None = None) -> list[str]:
    """sacct for the user's jobs of the last `days` days (or that one job, whenever it ran)."""
    if job_id is not None:
        return ["sacct", "--noheader", "--parsable2", f"--delimiter={SEP}", "-u", user, "-j", job_id,
                f"--format={','.join(SACCT_FIELDS)}"]  # fmt: skip
    return [
        "sacct",
        "--noheader",
        "--parsable2",
        f"--delimiter={SEP}",
        "-u",
        user,
        "-S",
        f"now-{days}days",
        "-E",
        "now",
        f"--format={','.join(SACCT_FIELDS)}",
    ]


def parse_sacct(text: str) -> list[EndedJob]:
    """Jobs (array tasks and het components each on their own) from sacct's lines; each job's
    steps give its largest MaxRSS. Jobs that have not ended are left out."""
    jobs: dict[str, EndedJob] = {}
    rss: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split(SEP, len(SACCT_FIELDS) - 1)
        if len(parts) != len(SACCT_FIELDS):
            continue
        f = dict(zip(SACCT_FIELDS, parts, strict=True))
        job_id, _, step = f["JobID"].partition(".")
        if step:
            value = parse_rss_mb(f["MaxRSS"])
            if value is not None:
                rss[job_id] = max(rss.get(job_id, 0.0), value)
            continue
        state = f["State"].split()[0] if f["State"].strip() else ""  # "CANCELLED by 0"
        if state in ACTIVE or not state:
            continue
        cpus = _int(f["AllocCPUS"])
        limit_min = _int(f["TimelimitRaw"])
        code, signal = _exit(f["ExitCode"])
        jobs[job_id] = EndedJob(
            id=job_id,
            name=f["JobName"],
            partition=f["Partition"],
            state=state,
            exit_code=code,
            signal=signal,
            submit_time=_time(f["Submit"]),
            start_time=_time(f["Start"]),
            end_time=_time(f["End"]),
            elapsed_s=_int(f["ElapsedRaw"]),
            time_limit_s=limit_min * 60 if limit_min is not None else None,
            cpus=cpus,
            req_mem_mb=parse_req_mem(f["ReqMem"], cpus),
            max_rss_mb=None,
            total_cpu_s=parse_cpu_time(f["TotalCPU"]),
            nodes=f["NodeList"] if f["NodeList"] not in _NONE else "",
        )
    return [replace(job, max_rss_mb=rss.get(job.id)) for job in jobs.values()]


def from_show_job(fields: dict[str, str], job_id: str) -> EndedJob | None:
    """An ended job from ``scontrol -o show job`` fields (see logs.paths.parse_show_job_line);
    None while it has not ended."""
    state = fields.get("JobState", "").upper()
    if not state or state in ACTIVE:
        return None
    from ..scheduler.slurm_parse import parse_duration

    cpus = _int(fields.get("NumCPUs", ""))
    mem = re.search(r"(?:^|,)mem=([^,]+)", fields.get("TRES", ""))
    code, signal = _exit(fields.get("ExitCode", ""))
    try:
        elapsed = parse_duration(fields.get("RunTime", ""))
    except ValueError:
        elapsed = None
    try:
        limit = parse_duration(fields.get("TimeLimit", ""))
    except ValueError:
        limit = None
    return EndedJob(
        id=job_id,
        name=fields.get("JobName", ""),
        partition=fields.get("Partition", ""),
        state=state,
        exit_code=code,
        signal=signal,
        submit_time=_time(fields.get("SubmitTime", "")),
        start_time=_time(fields.get("StartTime", "")),
        end_time=_time(fields.get("EndTime", "")),
        elapsed_s=elapsed,
        time_limit_s=limit,
        cpus=cpus,
        req_mem_mb=parse_memory_mb(mem.group(1)) if mem else None,
        max_rss_mb=None,
        total_cpu_s=None,
        nodes=fields.get("NodeList", "") if fields.get("NodeList", "") not in _NONE else "",
    )


def counts(jobs: list[EndedJob]) -> dict[str, int]:
    """How many jobs ended each way."""
    result = dict.fromkeys(GROUPS, 0)
    for job in jobs:
        result[job.group] += 1
    return result


def parse_batch_script(text: str) -> str | None:
    """The script in ``sacct -B``'s answer ("Batch Script for N", a line of dashes, the script);
    None when Slurm kept none."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() and set(line.strip()) == {"-"}:
            script = "".join(lines[i + 1 :]).strip("\n")
            return script + "\n" if script and script != "NONE" else None
    return None
