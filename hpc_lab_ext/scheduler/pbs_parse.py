"""Parsers for PBS Professional / OpenPBS JSON output. Pure: text in, models out. Not wired to a
backend yet (no PBS to test against here): see docs/schedulers.md.

- jobs: ``qstat -f -t -F json`` (``-t``: array subjobs too), an object of job id -> attributes;
- nodes: ``pbsnodes -a -F json``;
- queues: ``qstat -Q -f -F json``, with the server's default queue from ``qstat -B -f -F json``.

Job ids are turned into the forms the extension accepts: ``123.server`` -> ``123``, a subjob
``123[4].server`` -> ``123_4``, an array not yet begun ``123[].server`` -> ``123_[<remaining>]``.
They are also what dask-jobqueue reads from qsub (``123.server`` -> ``123``).

PBS's JSON is not always JSON: it prints a job named ``inf`` or ``nan`` as a bare word and
numeric names as numbers, and it does not escape backslashes in the environment it lists. Such
text is repaired before it is parsed (`load_pbs_json`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..models import Job, Node, Partition

log = logging.getLogger(__name__)

JOBS_ARGV: tuple[str, ...] = ("qstat", "-f", "-t", "-F", "json")
NODES_ARGV: tuple[str, ...] = ("pbsnodes", "-a", "-F", "json")
QUEUES_ARGV: tuple[str, ...] = ("qstat", "-Q", "-f", "-F", "json")
SERVER_ARGV: tuple[str, ...] = ("qstat", "-B", "-f", "-F", "json")

# A string attribute PBS may print unquoted: a job named "inf", "nan" or "1e5".
_BARE_VALUE = re.compile(
    r'((?<!\\)"(?:Job_Name|Job_Owner|comment|Account_Name|project|Submit_arguments)"\s*:\s*)'
    r'([^"\s,{}\[\]][^,}\n]*?)(\s*[,}\n])'
)
_ESCAPE = re.compile(r'\\(?:(["\\/bfnrt]|u[0-9a-fA-F]{4})|)')
_JOB_ID = re.compile(r"(?P<number>\d+)(?:\[(?P<index>\d*)\])?(?:\.\S*)?")
_SIZE = re.compile(r"(\d+)\s*([kmgtp]?)(b|w)?", re.IGNORECASE)
_SIZE_SCALE = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}
_STATES = {
    "Q": "PENDING", "H": "PENDING", "W": "PENDING", "T": "PENDING", "R": "RUNNING", "B": "RUNNING",
    "E": "COMPLETING", "S": "SUSPENDED", "U": "SUSPENDED",
}  # fmt: skip
#: Finished (F), expired subjobs (X, listed with -t until their array ends), moved away (M).
_GONE = frozenset("FXM")


def _repaired(text: str) -> str:
    """Backslashes that start no JSON escape doubled; bare string values of known keys quoted."""
    text = _ESCAPE.sub(lambda m: m.group(0) if m.group(1) else "\\\\", text)
    return _BARE_VALUE.sub(lambda m: f'{m.group(1)}"{m.group(2)}"{m.group(3)}', text)


def load_pbs_json(text: str) -> dict[str, Any]:
    """The object in a PBS ``-F json`` output, repaired where PBS breaks JSON; ValueError if none."""
    # Numbers stay their text: a job named 1e5 keeps its name; counts go through int() anyway.
    options: dict[str, Any] = {"strict": False, "parse_int": str, "parse_float": str, "parse_constant": str}
    try:
        data = json.loads(text, **options)
    except json.JSONDecodeError:
        try:
            data = json.loads(_repaired(text), **options)
        except json.JSONDecodeError as e:
            raise ValueError(f"not PBS JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError("not PBS JSON: no object at the top")
    return data


def parse_size_mb(value: object) -> int | None:
    """MiB in a PBS size: ``2gb``, ``16318604kb``, ``512mb``, ``100`` (bytes), ``1w`` (8 bytes)."""
    if value is None or value == "":
        return None
    m = _SIZE.fullmatch(str(value).strip())
    if not m:
        raise ValueError(f"not a PBS size: {value!r}")
    word = 8 if (m.group(3) or "").lower() == "w" else 1
    return round(int(m.group(1)) * _SIZE_SCALE[m.group(2).lower()] * word / 2**20)


def parse_duration(value: object) -> int | None:
    """Seconds in a PBS walltime: ``01:30:00``, ``100:00:00``, ``90`` (seconds); None when absent."""
    if value is None or value == "":
        return None
    parts = str(value).strip().split(":")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        raise ValueError(f"not a PBS duration: {value!r}")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def parse_time(value: object) -> str | None:
    """ISO 8601 from PBS's ``Fri Nov 11 17:57:05 2016`` (the server's local time)."""
    if value is None or value == "":
        return None
    return datetime.strptime(" ".join(str(value).split()), "%a %b %d %H:%M:%S %Y").isoformat()


def _hosts(exec_host: object) -> list[str]:
    """``node1/0*2+node2/1`` -> node1, node2 (once each, in order)."""
    hosts: list[str] = []
    for chunk in str(exec_host or "").split("+"):
        host = chunk.split("/", 1)[0].strip()
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def _ids(raw_id: str, attrs: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    m = _JOB_ID.fullmatch(raw_id)
    if not m:
        raise ValueError(f"bad PBS job id {raw_id!r}")
    number, index = m.group("number"), m.group("index")
    if index is None:
        return number, None, None
    if index:
        return f"{number}_{index}", number, index
    remaining = str(attrs.get("array_indices_remaining") or attrs.get("array_indices_submitted") or "")
    return f"{number}_[{remaining}]", number, remaining


def _reason(state: str, attrs: Mapping[str, Any]) -> str:
    if state == "H":
        holds = str(attrs.get("Hold_Types", "u"))
        if "depend" in attrs and holds == "s":
            return "Dependency"  # PBS holds a job with unmet dependencies with a system hold
        return "JobHeldUser" if holds == "u" else "JobHeldAdmin"
    if state == "W":
        return "BeginTime"
    comment = str(attrs.get("comment", ""))
    if state == "Q" and "Insufficient amount of resource" in comment:
        return "Resources"
    return ""


def _job(raw_id: str, attrs: Mapping[str, Any], now: datetime) -> Job:
    job_id, array_job_id, task = _ids(raw_id, attrs)
    letter = str(attrs.get("job_state", "Q"))
    request = attrs.get("Resource_List") or {}
    used = attrs.get("resources_used") or {}
    hosts = _hosts(attrs.get("exec_host")) if letter in "RBESU" else []
    gpus = int(request.get("ngpus") or 0)
    start = parse_time(attrs.get("stime")) if letter in "RBESU" else None
    priority = str(attrs.get("Priority", ""))
    return Job(
        id=job_id,
        name=str(attrs.get("Job_Name", "")),
        user=str(attrs.get("Job_Owner", "")).split("@", 1)[0],
        partition=str(attrs.get("queue", "")),
        state=_STATES.get(letter, "UNKNOWN"),
        reason=_reason(letter, attrs),
        nodes=",".join(hosts),
        node_count=int(request.get("nodect") or len(hosts) or 1),
        cpus=int(request.get("ncpus") or 1),
        memory_mb=parse_size_mb(request.get("mem")),
        memory_per_cpu=False,
        gres=f"gpu:{gpus}" if gpus else "",
        submit_time=parse_time(attrs.get("qtime") or attrs.get("ctime")),
        start_time=start,
        time_limit_s=parse_duration(request.get("walltime")),
        elapsed_s=parse_duration(used.get("walltime")) or _since(start, now),
        priority=int(priority) if re.fullmatch(r"-?\d+", priority) else None,
        array_job_id=array_job_id,
        array_task_id=task,
    )


def _since(start: str | None, now: datetime) -> int:
    return max(0, int((now - datetime.fromisoformat(start)).total_seconds())) if start else 0


def parse_jobs(text: str, now: datetime) -> list[Job]:
    """Jobs in the output of JOBS_ARGV, without finished ones. An array's parent record is left out
    when its subjobs are listed (``-t``); bad records are logged and skipped. ValueError when the
    text is not PBS JSON."""
    records = load_pbs_json(text).get("Jobs") or {}
    if not isinstance(records, dict):
        raise ValueError("not PBS JSON: Jobs is not an object")
    with_subjobs = {m.group("number") for i in records if (m := _JOB_ID.fullmatch(i)) and m.group("index")}
    jobs: list[Job] = []
    for raw_id, attrs in records.items():
        m = _JOB_ID.fullmatch(raw_id)
        if m and m.group("index") == "" and m.group("number") in with_subjobs:
            continue
        if isinstance(attrs, dict) and str(attrs.get("job_state")) in _GONE:
            continue
        try:
            jobs.append(_job(raw_id, attrs, now))
        except (ValueError, TypeError, AttributeError) as e:
            log.warning("PBS job %.80r skipped: %s", raw_id, e)
    return jobs


# ---- nodes and queues ---------------------------------------------------------------------------


def node_state(raw: str, cpus_alloc: int, cpus_total: int, has_jobs: bool) -> str:
    """PBS's node state words (``free``, ``job-busy``, ``down,offline``...) in the extension's terms."""
    words = set(raw.replace(" ", "").split(","))
    if words & {"down", "state-unknown", "stale", "unresolvable"}:
        return "not_responding" if "state-unknown" in words or "stale" in words else "down"
    if "offline" in words:
        return "draining" if has_jobs else "drained"
    if words & {"job-busy", "job-exclusive", "busy", "resv-exclusive"} or (
        cpus_total and cpus_alloc >= cpus_total
    ):
        return "allocated"
    if words & {"provisioning", "wait-provisioning"}:
        return "maint"
    return "mixed" if cpus_alloc or has_jobs else "idle"


def _node(name: str, attrs: Mapping[str, Any]) -> Node:
    available = attrs.get("resources_available") or {}
    assigned = attrs.get("resources_assigned") or {}
    total, alloc = int(available.get("ncpus") or attrs.get("pcpus") or 0), int(assigned.get("ncpus") or 0)
    queue = attrs.get("queue")
    return Node(
        name=name,
        state=node_state(str(attrs.get("state", "")), alloc, total, bool(attrs.get("jobs"))),
        reason=str(attrs.get("comment", "")),
        partitions=(str(queue),) if queue else (),
        cpus_total=total,
        cpus_alloc=alloc,
        memory_total_mb=parse_size_mb(available.get("mem")) or 0,
        memory_alloc_mb=parse_size_mb(assigned.get("mem")) or 0,
        gpus_total=int(available.get("ngpus") or 0),
        gpus_alloc=int(assigned.get("ngpus") or 0),
    )


def parse_nodes(text: str) -> list[Node]:
    """Nodes in the output of NODES_ARGV; bad records are logged and skipped."""
    nodes = []
    for name, attrs in (load_pbs_json(text).get("nodes") or {}).items():
        try:
            nodes.append(_node(str(name), attrs))
        except (ValueError, TypeError, AttributeError) as e:
            log.warning("PBS node %.80r skipped: %s", name, e)
    return nodes


def default_queue(server_text: str) -> str:
    """The server's default_queue in the output of SERVER_ARGV ("" when it names none)."""
    servers = load_pbs_json(server_text).get("Server") or {}
    return next((str(s.get("default_queue", "")) for s in servers.values() if isinstance(s, dict)), "")


def _queue_state(attrs: Mapping[str, Any]) -> str:
    enabled, started = str(attrs.get("enabled")) == "True", str(attrs.get("started")) == "True"
    if enabled and started:
        return "up"
    if started:
        return "drain"  # takes no new jobs, runs what it has
    return "down" if enabled else "inactive"


def parse_queues(text: str, nodes: list[Node], default: str = "") -> list[Partition]:
    """Execution queues in the output of QUEUES_ARGV as partitions. A queue's nodes are those
    tied to it (a node's ``queue``); a site that ties none runs every queue on every node."""
    tied = any(node.partitions for node in nodes)
    partitions = []
    for name, attrs in (load_pbs_json(text).get("Queue") or {}).items():
        if not isinstance(attrs, dict) or attrs.get("queue_type", "Execution") != "Execution":
            continue  # routing queues only pass jobs on
        members = [n for n in nodes if (name in n.partitions) or not tied]
        limits, defaults = attrs.get("resources_max") or {}, attrs.get("resources_default") or {}
        partitions.append(
            Partition(
                name=str(name),
                state=_queue_state(attrs),
                default=name == default,
                nodes=tuple(n.name for n in members),
                max_time_s=parse_duration(limits.get("walltime")),
                default_time_s=parse_duration(defaults.get("walltime")),
                max_nodes=int(limits["nodect"]) if "nodect" in limits else None,
                cpus_total=sum(n.cpus_total for n in members),
                gpus_total=sum(n.gpus_total for n in members),
            )
        )
    return partitions
