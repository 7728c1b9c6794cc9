"""Parsers for IBM Spectrum LSF's JSON output. Pure: text in, models out. Not wired to a backend
yet (no LSF to test against here): see docs/schedulers.md.

- jobs: ``bjobs -u all -json -o "<BJOBS_FIELDS>"``: ``{"COMMAND": "bjobs", "JOBS": n,
  "RECORDS": [{"JOBID": "...", ...}]}``, every value a string ("" or "-" when unset);
- hosts: ``bhosts -json -o "<BHOSTS_FIELDS>"``, the same shape.

An array element (JOBID 12, JOBINDEX 3) is ``12_3``, as Slurm writes a task; LSF lists every
element, pending ones too. States become the extension's words: PEND -> PENDING, PSUSP (a
pending job stopped by its owner or an administrator) -> PENDING with a hold reason, RUN ->
RUNNING, USUSP/SSUSP -> SUSPENDED. Finished jobs (DONE, EXIT) are left out.

bjobs prints dates without a year unless the site sets LSB_DISPLAY_YEAR: the year is then the
one that puts the date at or before `now`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..models import Job, Node

log = logging.getLogger(__name__)

BJOBS_FIELDS = (
    "jobid jobindex stat user queue job_name exec_host nexec_host slots submit_time start_time "
    "run_time runtimelimit memlimit pend_reason user_priority gpu_num"
)
JOBS_ARGV: tuple[str, ...] = ("bjobs", "-u", "all", "-json", "-o", BJOBS_FIELDS)
BHOSTS_FIELDS = "host_name status max njobs run ssusp ususp rsv"
HOSTS_ARGV: tuple[str, ...] = ("bhosts", "-json", "-o", BHOSTS_FIELDS)

_NONE = frozenset({"", "-", "N/A", "n/a"})
_STATES = {
    "PEND": "PENDING", "PSUSP": "PENDING", "WAIT": "PENDING", "PROV": "CONFIGURING", "RUN": "RUNNING",
    "USUSP": "SUSPENDED", "SSUSP": "SUSPENDED", "UNKWN": "UNKNOWN", "ZOMBI": "COMPLETING",
}  # fmt: skip
_DATE = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) +(?P<time>\d{1,2}:\d{2}(?::\d{2})?)(?: +(?P<year>\d{4}))?"
)
_SIZE = re.compile(r"(\d+(?:\.\d+)?) *([KMGTP]?)B?", re.IGNORECASE)
_SIZE_MB = {"": 1 / 1024, "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "P": 1024**3}
_REASONS = (
    ("suspended by the user while pending", "JobHeldUser"),
    ("suspended by lsf admin or root while pending", "JobHeldAdmin"),
    ("dependency condition", "Dependency"),
    ("begin time", "BeginTime"),
)


def load_records(text: str) -> list[dict[str, Any]]:
    """The RECORDS of an LSF ``-json`` output; ValueError when the text is not one."""
    try:
        data = json.loads(text, strict=False)
    except json.JSONDecodeError as e:
        raise ValueError(f"not LSF JSON: {e}") from None
    records = data.get("RECORDS") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise ValueError("not LSF JSON: no RECORDS list")
    return [r for r in records if isinstance(r, dict)]


def _value(record: Mapping[str, Any], key: str) -> str:
    text = str(record.get(key, "")).strip()
    return "" if text in _NONE else text


def parse_time(text: str, now: datetime) -> str | None:
    """ISO 8601 from ``Nov 29 17:50``, ``Nov 29 17:50:01 2026`` or with LSF's trailing ``E``
    (estimated) or ``L`` (late) flag; None when unset."""
    if not text:
        return None
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"not an LSF time: {text!r}")
    clock = m.group("time") if m.group("time").count(":") == 2 else m.group("time") + ":00"
    year = int(m.group("year") or now.year)
    when = datetime.strptime(f"{m.group('month')} {m.group('day')} {year} {clock}", "%b %d %Y %H:%M:%S")
    if m.group("year") is None and when > now.replace(microsecond=0) and (when - now).days >= 1:
        when = when.replace(year=year - 1)  # December's jobs seen in January
    return when.isoformat()


def parse_duration(text: str) -> int | None:
    """Seconds in ``120 second(s)``, ``00:02:00`` (-hms), or a run limit in minutes ``60.0/cn01``."""
    if not text:
        return None
    value = text.split("/", 1)[0].strip()
    if value.endswith("second(s)"):
        return int(float(value.split()[0]))
    if ":" in value:
        seconds = 0
        for part in value.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds
    return round(float(value) * 60)


def parse_size_mb(text: str) -> int | None:
    """MB in an LSF limit: ``2 G``, ``2048 M``, ``512000`` (a bare number is KB, LSF's default unit)."""
    if not text:
        return None
    m = _SIZE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an LSF size: {text!r}")
    return round(float(m.group(1)) * _SIZE_MB[m.group(2).upper()])


def _hosts(exec_host: str) -> list[str]:
    """``4*cn01:2*cn02`` or ``cn01:cn01:cn02`` -> cn01, cn02."""
    hosts: list[str] = []
    for item in exec_host.split(":"):
        host = item.split("*", 1)[-1].strip()
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def _reason(stat: str, pend_reason: str) -> str:
    lowered = pend_reason.lower()
    for words, token in _REASONS:
        if words in lowered:
            return token
    if stat == "PSUSP":
        return "JobHeldUser"
    return pend_reason.rstrip(";. ") if stat in ("PEND", "WAIT") else ""


def _job(record: Mapping[str, Any], now: datetime) -> Job:
    number, index, stat = _value(record, "JOBID"), _value(record, "JOBINDEX"), _value(record, "STAT")
    if not number.isdigit():
        raise ValueError(f"bad job id {number!r}")
    task = index if index not in ("", "0") else None
    hosts = _hosts(_value(record, "EXEC_HOST"))
    gpus, priority = _value(record, "GPU_NUM"), _value(record, "USER_PRIORITY")
    start = parse_time(_value(record, "START_TIME"), now) if hosts else None
    return Job(
        id=f"{number}_{task}" if task else number,
        name=str(record.get("JOB_NAME", "")),
        user=_value(record, "USER"),
        partition=_value(record, "QUEUE"),
        state=_STATES.get(stat, "UNKNOWN"),
        reason=_reason(stat, _value(record, "PEND_REASON")),
        nodes=",".join(hosts),
        node_count=int(_value(record, "NEXEC_HOST") or len(hosts) or 1),
        cpus=int(_value(record, "SLOTS") or 1),
        memory_mb=parse_size_mb(_value(record, "MEMLIMIT")),
        memory_per_cpu=False,
        gres=f"gpu:{gpus}" if gpus.isdigit() and gpus != "0" else "",
        submit_time=parse_time(_value(record, "SUBMIT_TIME"), now),
        start_time=start,
        time_limit_s=parse_duration(_value(record, "RUNTIMELIMIT")),
        elapsed_s=parse_duration(_value(record, "RUN_TIME")) or 0,
        priority=int(priority) if re.fullmatch(r"-?\d+", priority) else None,
        array_job_id=number if task else None,
        array_task_id=task,
    )


def parse_jobs(text: str, now: datetime) -> list[Job]:
    """Jobs in the output of JOBS_ARGV, without finished ones; bad records are logged and skipped.
    `now` is the LSF host's local time (the year of year-less dates)."""
    jobs: list[Job] = []
    for record in load_records(text):
        if _value(record, "STAT") in ("DONE", "EXIT"):
            continue
        if "ERROR" in record:  # bjobs -json reports a job it could not show this way
            log.warning("LSF job %.80r skipped: %.200s", record.get("JOBID"), record.get("ERROR"))
            continue
        try:
            jobs.append(_job(record, now))
        except (ValueError, TypeError) as e:
            log.warning("LSF job %.80r skipped: %s", record.get("JOBID"), e)
    return jobs


# ---- hosts --------------------------------------------------------------------------------------


def host_state(status: str, used: int, total: int) -> str:
    """bhosts' status (ok, closed_Full, closed_Adm, unavail, unreach...) in the extension's terms."""
    if status in ("unavail", "unlicensed"):
        return "down"
    if status in ("unreach", "closed_LIM"):
        return "not_responding"
    if status in ("closed_Adm", "closed_Lock", "closed_Wind", "closed_EGO", "closed_RC"):
        return "draining" if used else "drained"
    if status in ("closed_Full", "closed_Excl", "closed_cu_excl") or (total and used >= total):
        return "allocated"
    return "mixed" if used else "idle"


def _host(record: Mapping[str, Any]) -> Node:
    name = _value(record, "HOST_NAME")
    if not name:
        raise ValueError("no host name")
    total = int(_value(record, "MAX") or 0)  # "-": no slot limit
    used = (
        int(_value(record, "RUN") or 0)
        + int(_value(record, "SSUSP") or 0)
        + int(_value(record, "USUSP") or 0)
    )
    used += int(_value(record, "RSV") or 0)
    status = _value(record, "STATUS")
    return Node(
        name=name,
        state=host_state(status, used, total),
        reason="" if status == "ok" else status,
        partitions=(),  # bhosts does not say; queues name their hosts (bqueues -l)
        cpus_total=total,
        cpus_alloc=used,
        memory_total_mb=0,  # bhosts does not say (lshosts does)
        memory_alloc_mb=0,
    )


def parse_hosts(text: str) -> list[Node]:
    """Hosts in the output of HOSTS_ARGV, slots as CPUs; bad records are logged and skipped."""
    nodes = []
    for record in load_records(text):
        try:
            nodes.append(_host(record))
        except (ValueError, TypeError) as e:
            log.warning("LSF host %.80r skipped: %s", record.get("HOST_NAME"), e)
    return nodes
