"""pyslurm's dictionaries -> Job, Node, Partition. Pure functions: no pyslurm import, no I/O.

Field names are those of pyslurm 22.5.x's dictionary API, the one every 22.5 release has:
``pyslurm.job().get()``, ``pyslurm.node().get()`` and ``pyslurm.partition().get()``, built in
pyslurm/pyslurm.pyx by ``job.get_job_ptr``, ``node.get_node`` and ``partition.get`` (the object API,
``pyslurm.Jobs.load()``, only came with 22.5.2, partitions with 22.5.3). Source read: upstream's
pyslurm/pyslurm.pyx (PySlurm/pyslurm); the copy available was a 23.2.x one, whose changelog against
22.5 removes config keys only, none of the job/node/partition keys used here. What they hold:

- job: ``job_id``; ``array_job_id`` with ``array_task_str`` (a pending range) or ``array_task_id``
  (one task), all None outside arrays; ``het_job_id``/``het_job_offset``; ``user_id`` (no name);
  ``job_state`` ("PENDING"...); ``state_reason`` (a token, or Slurm's description with its spaces
  turned into "_"); ``submit_time``/``start_time`` in epoch seconds (0 = unset); ``time_limit`` in
  minutes, or "UNLIMITED" / "Partition_Limit"; ``run_time`` in seconds; ``pn_min_memory`` in MB
  with ``mem_per_cpu`` telling per CPU from per node; ``tres_per_node`` ("gres:gpu:1").
- node: ``state``, Slurm's state word ("*" = not responding) followed by "+DRAIN", "+COMPLETING",
  "+FAIL", "+POWER"...; ``cpus``/``alloc_cpus``; ``real_memory``/``alloc_mem`` in MB; ``gres`` and
  ``gres_used`` as lists; ``partitions`` as a list; ``reason`` or None; ``cpu_load`` in hundredths.
- partition: ``flags["Default"]``; ``state`` "UP"/"DOWN"/"DRAIN" and "" when inactive; ``max_time``
  and ``default_time`` in SECONDS, or "UNLIMITED"/"NONE"; ``max_nodes`` or "UNLIMITED"; ``nodes``
  as a host list (None when empty); ``total_cpus``.

Values come out exactly as the CLI backend's parsers (slurm_parse) give them for the same job, node
or partition: ids as squeue prints them, the same state words, reasons, GPU counts and local ISO
times, and the same jobs: pyslurm also returns finished jobs (until MinJobAge), which squeue leaves
out unless asked. Differences: ``memory_per_cpu`` is true for per-CPU memory, which squeue cannot
tell; reasons Slurm gives as a sentence keep pyslurm's "_" in place of spaces; pending array tasks
split off their array (held or changed one by one) stay separate rows, where squeue folds them back
into the array's pending range.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import pwd
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..models import Job, Node, Partition
from .slurm_parse import count_gpus, expand_hostlist, node_state, parse_gres

log = logging.getLogger(__name__)

Record = Mapping[str, Any]

NO_VAL = 0xFFFFFFFE
INFINITE = 0xFFFFFFFF
_NO_WORD = frozenset({"", "None", "NONE", "(null)", "N/A", "UNLIMITED", "Partition_Limit"})
#: job_state_string() words of jobs that have ended and are not completing: squeue without -t shows
#: only pending, running, suspended and completing jobs (squeue/print.c, _filter_job).
FINISHED_STATES = frozenset(
    {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"}
    | {"OUT_OF_MEMORY", "STAGE_OUT", "REVOKED"}
)


@functools.lru_cache(maxsize=4096)
def user_name(uid: int) -> str:
    """The login name of a uid, or the number itself when the system has no such user."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _count(value: Any) -> int | None:
    """An integer field; None for unset, NO_VAL/INFINITE and pyslurm's words (UNLIMITED, NONE)."""
    if isinstance(value, bool) or not isinstance(value, int) or value in (NO_VAL, INFINITE):
        return None
    return value


def local_time(epoch: Any) -> str | None:
    """Epoch seconds as squeue prints them with SLURM_TIME_FORMAT=standard; None for 0 and INFINITE."""
    seconds = _count(epoch)
    if seconds is None or seconds <= 0:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))


def _text(value: Any) -> str:
    return "" if value is None or str(value) in _NO_WORD else str(value)


def _joined(value: Any) -> str:
    """A pyslurm list (or a string, or None) as the comma-separated text scontrol prints."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ",".join(str(item) for item in value)


# ---- jobs --------------------------------------------------------------------------------------


def job_ids(record: Record) -> tuple[str, str | None, str | None]:
    """(id as squeue prints it, array job id, array task) of one job record.

    A pending array range is ``148_[1-5%2]`` with task ``1-5%2``, one task ``150_4`` with task
    ``4``, a het-job component ``154+1``; anything else is the plain job id.
    """
    array_job = _count(record.get("array_job_id"))
    if array_job:
        tasks = _text(record.get("array_task_str"))
        if tasks:
            throttle = _count(record.get("array_max_tasks"))
            if throttle and "%" not in tasks:
                tasks = f"{tasks}%{throttle}"
            return f"{array_job}_[{tasks}]", str(array_job), tasks
        task = _count(record.get("array_task_id"))
        if task is not None:
            return f"{array_job}_{task}", str(array_job), str(task)
    het_job = _count(record.get("het_job_id"))
    if het_job:
        return f"{het_job}+{_count(record.get('het_job_offset')) or 0}", None, None
    return str(int(record["job_id"])), None, None


def _node_count(record: Record, state: str) -> int:
    """Nodes as squeue counts them: for a pending job, at least its requested node list."""
    count = int(record.get("num_nodes") or 0)
    if state == "PENDING":
        with contextlib.suppress(ValueError):  # a list squeue could not count either
            count = max(count, len(expand_hostlist(_joined(record.get("req_nodes")))))
    return count


def _time_limit_s(value: Any) -> int | None:
    minutes = _count(value)
    return None if minutes is None else minutes * 60


def job_from_pyslurm(record: Record, users: Callable[[int], str] = user_name) -> Job:
    """One ``pyslurm.job().get()`` value as a Job; KeyError/TypeError/ValueError when malformed."""
    job_id, array_job_id, array_task_id = job_ids(record)
    state = str(record["job_state"]).upper()
    memory = _count(record.get("pn_min_memory"))
    return Job(
        id=job_id,
        name=str(record.get("name") or ""),
        user=users(int(record["user_id"])),
        partition=_text(record.get("partition")),
        state=state,
        reason=_text(record.get("state_reason")),
        nodes=_text(record.get("nodes")),
        node_count=_node_count(record, state),
        cpus=int(record.get("num_cpus") or 0),
        memory_mb=memory,
        memory_per_cpu=bool(record.get("mem_per_cpu")) and memory is not None,
        gres=parse_gres(_text(record.get("tres_per_node"))),
        submit_time=local_time(record.get("submit_time")),
        start_time=local_time(record.get("start_time")),
        time_limit_s=_time_limit_s(record.get("time_limit")),
        elapsed_s=max(0, _count(record.get("run_time")) or 0),
        priority=_count(record.get("priority")),
        array_job_id=array_job_id,
        array_task_id=array_task_id,
    )


def _records(data: Mapping[Any, Record] | Iterable[Record]) -> Iterable[tuple[Any, Record]]:
    if isinstance(data, Mapping):
        return data.items()
    return enumerate(data)


def jobs_from_pyslurm(
    data: Mapping[Any, Record] | Iterable[Record], users: Callable[[int], str] = user_name
) -> list[Job]:
    """The queue in what ``pyslurm.job().get()`` returns: jobs squeue would list (FINISHED_STATES
    left out). Malformed records are logged and skipped."""
    jobs: list[Job] = []
    for key, record in _records(data):
        try:
            if str(record.get("job_state", "")).upper() in FINISHED_STATES:
                continue
            jobs.append(job_from_pyslurm(record, users))
        except (KeyError, TypeError, ValueError) as e:
            log.warning("pyslurm job %.40s skipped: %r", key, e)
    return jobs


# ---- nodes -------------------------------------------------------------------------------------


def pyslurm_node_state(raw: str) -> str:
    """pyslurm's node state as the CLI backend words it (slurm_parse.node_state).

    pyslurm writes Slurm's own word first, with "*" when not responding, then the flags it took
    off: ``IDLE*`` -> not_responding, ``DOWN*`` -> down, ``IDLE+DRAIN`` -> drained, ``MIXED+DRAIN``
    -> draining, ``IDLE+POWER`` -> powered_down.
    """
    base, *flags = raw.strip().upper().split("+")
    word = base.rstrip("*~#!%$@^-")
    marks = base[len(word) :]
    words = ["POWERED_DOWN" if flag == "POWER" else flag for flag in flags if flag]
    if "*" in marks:
        words.append("NOT_RESPONDING")
    if "~" in marks:
        words.append("POWERED_DOWN")
    return node_state("+".join([word or "UNKNOWN", *words]))


def node_from_pyslurm(name: str, record: Record) -> Node:
    """One ``pyslurm.node().get()`` value as a Node; KeyError/TypeError/ValueError when malformed."""
    load = _count(record.get("cpu_load"))
    return Node(
        name=str(record.get("name") or name),
        state=pyslurm_node_state(str(record.get("state") or "UNKNOWN")),
        reason=_text(record.get("reason")),
        partitions=tuple(p for p in _joined(record.get("partitions")).split(",") if p),
        cpus_total=int(record["cpus"]),
        cpus_alloc=int(record.get("alloc_cpus") or 0),
        memory_total_mb=int(record["real_memory"]),
        memory_alloc_mb=int(record.get("alloc_mem") or 0),
        gpus_total=count_gpus(_joined(record.get("gres"))),
        gpus_alloc=count_gpus(_joined(record.get("gres_used"))),
        load=None if load is None else load / 100,
    )


def nodes_from_pyslurm(data: Mapping[Any, Record] | Iterable[Record]) -> list[Node]:
    """Nodes in what ``pyslurm.node().get()`` returns; malformed records are logged and skipped."""
    nodes: list[Node] = []
    for key, record in _records(data):
        try:
            nodes.append(node_from_pyslurm(str(key), record))
        except (KeyError, TypeError, ValueError) as e:
            log.warning("pyslurm node %.40s skipped: %r", key, e)
    return nodes


# ---- partitions --------------------------------------------------------------------------------


def partition_from_pyslurm(name: str, record: Record, gpus_by_node: Mapping[str, int] | None) -> Partition:
    """One ``pyslurm.partition().get()`` value as a Partition; GPU totals summed over `gpus_by_node`."""
    names = expand_hostlist(_text(record.get("nodes")))
    flags = record.get("flags")
    return Partition(
        name=str(record.get("name") or name),
        state=str(record.get("state") or "inactive").lower(),
        default=isinstance(flags, Mapping) and bool(flags.get("Default")),
        nodes=names,
        max_time_s=_count(record.get("max_time")),
        default_time_s=_count(record.get("default_time")),
        max_nodes=_count(record.get("max_nodes")),
        cpus_total=int(record.get("total_cpus") or 0),
        gpus_total=sum(gpus_by_node.get(n, 0) for n in names) if gpus_by_node else 0,
    )


def partitions_from_pyslurm(
    data: Mapping[Any, Record] | Iterable[Record], nodes: list[Node] | None = None
) -> list[Partition]:
    """Partitions in what ``pyslurm.partition().get()`` returns; malformed ones logged and skipped.

    GPU totals are summed over `nodes`; without them they are 0 (as slurm_parse.parse_partitions).
    """
    gpus_by_node = {node.name: node.gpus_total for node in nodes} if nodes is not None else None
    partitions: list[Partition] = []
    for key, record in _records(data):
        try:
            partitions.append(partition_from_pyslurm(str(key), record, gpus_by_node))
        except (KeyError, TypeError, ValueError) as e:
            log.warning("pyslurm partition %.40s skipped: %r", key, e)
    return partitions
