"""pyslurm's objects -> Job, Node, Partition. Pure functions: no pyslurm import, no I/O.

Written for pyslurm 25.11's object API (``pyslurm.Jobs.load()``, ``pyslurm.Nodes.load()``,
``pyslurm.Partitions.load()``), read from the installed package and run against the Slurm 25.11
sandbox. A record is a pyslurm ``Job``/``Node``/``Partition``, or a dict of its attributes (the
recorded fixtures): values are read by attribute name either way. What they hold:

- job: ``id``; ``array_id`` with ``array_tasks_waiting`` (a pending range such as "1-5") and
  ``array_tasks_parallel`` (its throttle), or ``array_task_id`` (one task); ``heterogeneous_id``/
  ``heterogeneous_offset``; ``user_name``; ``state`` ("PENDING"...); ``state_reason`` (Slurm's token,
  or its description when it set one; "None" for none); ``submit_time``/``start_time`` in epoch
  seconds or None; ``time_limit`` in minutes or "UNLIMITED"; ``run_time`` in seconds; ``memory_per_cpu``
  / ``memory_per_node`` in MB (one of them None); ``gres_per_node`` as {"gres/gpu": 1}.
- node: ``state`` as Slurm's complete state string ("IDLE+DRAIN", "MIXED+NOT_RESPONDING"); ``total_cpus``
  / ``allocated_cpus``; ``real_memory``/``allocated_memory`` in MB; ``configured_gres`` as
  {"gpu:a100": 2}; ``partitions`` as a list; ``reason`` or None; ``cpu_load`` as a float.
  ``allocated_gres`` stays empty (the node list is read without Slurm's detail flag), so GPUs in use
  are counted from the jobs (`gpus_in_use`), as ``GresUsed`` counts them.
- partition: ``is_default``; ``state`` "UP"/"DOWN"/"DRAIN"/"INACTIVE"; ``max_time``/``default_time``
  in MINUTES or "UNLIMITED"/None; ``max_nodes`` or "UNLIMITED"; ``nodes`` as a host list;
  ``total_cpus``.

Values come out as the CLI backend's parsers (slurm_parse) give them for the same job, node or
partition (tests/test_pyslurm_live.py compares both on the live sandbox): ids as squeue prints them,
the same state words, reasons, GPU counts and local ISO times. pyslurm also returns finished jobs
(until MinJobAge), which squeue leaves out: they are dropped here.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

from ..models import Job, Node, Partition
from .slurm_parse import count_gpus, expand_hostlist, node_state, parse_gres

log = logging.getLogger(__name__)

_NO_WORD = frozenset({"", "None", "NONE", "(null)", "N/A", "UNLIMITED", "Partition_Limit"})
#: job_state_string() words of jobs that have ended and are not completing: squeue without -t shows
#: only pending, running, suspended and completing jobs (squeue/print.c, _filter_job).
FINISHED_STATES = frozenset(
    {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"}
    | {"OUT_OF_MEMORY", "STAGE_OUT", "REVOKED"}
)


def field(record: Any, name: str) -> Any:
    """An attribute of a pyslurm object (or of a recorded one, see `_records`); None when absent."""
    return getattr(record, name, None)


def _count(value: Any) -> int | None:
    """A whole number; None for None, words (UNLIMITED) and anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def local_time(epoch: Any) -> str | None:
    """Epoch seconds as squeue prints them with SLURM_TIME_FORMAT=standard; None when unset."""
    seconds = _count(epoch)
    if seconds is None or seconds <= 0:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))


def _text(value: Any) -> str:
    return "" if value is None or str(value) in _NO_WORD else str(value)


def _joined(value: Any) -> str:
    """A list (or a string, or None) as the comma-separated text scontrol prints."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ",".join(str(item) for item in value)


def _gres_text(value: Any) -> str:
    """{"gres/gpu": 1} or {"gpu:a100": 2} as Slurm's text ("gres/gpu:1", "gpu:a100:2")."""
    if isinstance(value, Mapping):
        return ",".join(f"{name}:{count}" for name, count in value.items())
    return _text(value)


# ---- jobs --------------------------------------------------------------------------------------


def job_ids(record: Any) -> tuple[str, str | None, str | None]:
    """(id as squeue prints it, array job id, array task) of one job.

    A pending array range is ``148_[1-5%2]`` with task ``1-5%2``, one task ``150_4`` with task
    ``4``, a het-job component ``154+1``; anything else is the plain job id.
    """
    array_job = _count(field(record, "array_id"))
    if array_job:
        tasks = _text(field(record, "array_tasks_waiting"))
        if tasks:
            throttle = _count(field(record, "array_tasks_parallel"))
            if throttle and "%" not in tasks:
                tasks = f"{tasks}%{throttle}"
            return f"{array_job}_[{tasks}]", str(array_job), tasks
        task = _count(field(record, "array_task_id"))
        if task is not None:
            return f"{array_job}_{task}", str(array_job), str(task)
    het_job = _count(field(record, "heterogeneous_id"))
    if het_job:
        return f"{het_job}+{_count(field(record, 'heterogeneous_offset')) or 0}", None, None
    return str(int(field(record, "id"))), None, None


def _node_count(record: Any, state: str) -> int:
    """Nodes as squeue counts them: for a pending job, at least its requested node list."""
    count = _count(field(record, "num_nodes")) or 0
    if state == "PENDING":
        with contextlib.suppress(ValueError):  # a list squeue could not count either
            count = max(count, len(expand_hostlist(_joined(field(record, "required_nodes")))))
    return count


def _minutes_s(value: Any) -> int | None:
    minutes = _count(value)
    return None if minutes is None else minutes * 60


def job_from_pyslurm(record: Any) -> Job:
    """One ``pyslurm.Job`` as a Job; KeyError/TypeError/ValueError when malformed."""
    job_id, array_job_id, array_task_id = job_ids(record)
    state = str(field(record, "state")).upper()
    per_cpu = _count(field(record, "memory_per_cpu"))
    memory = per_cpu if per_cpu is not None else _count(field(record, "memory_per_node"))
    user = field(record, "user_name") or field(record, "user_id")
    if user is None:
        raise ValueError("job without a user")
    return Job(
        id=job_id,
        name=str(field(record, "name") or ""),
        user=str(user),
        partition=_text(field(record, "partition")),
        state=state,
        reason=_text(field(record, "state_reason")),
        nodes=_text(field(record, "allocated_nodes")),
        node_count=_node_count(record, state),
        cpus=_count(field(record, "cpus")) or 0,
        memory_mb=memory,
        memory_per_cpu=per_cpu is not None,
        gres=parse_gres(_gres_text(field(record, "gres_per_node"))),
        submit_time=local_time(field(record, "submit_time")),
        start_time=local_time(field(record, "start_time")),
        time_limit_s=_minutes_s(field(record, "time_limit")),
        elapsed_s=max(0, _count(field(record, "run_time")) or 0),
        priority=_count(field(record, "priority")),
        array_job_id=array_job_id,
        array_task_id=array_task_id,
    )


def _records(data: Mapping[Any, Any] | Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    """(key, record) pairs of a mapping (pyslurm's collections are mapping-like without being
    Mappings: iterating one gives its keys) or a list."""
    items = getattr(data, "items", None)
    pairs = list(items()) if callable(items) else list(enumerate(data))
    # A recorded object (its attributes as a dict) is read by attribute like the real one; checked
    # once per collection, as an isinstance per field read cost a third of the conversion.
    if pairs and isinstance(pairs[0][1], Mapping):
        return [(key, SimpleNamespace(**record)) for key, record in pairs]
    return pairs


def jobs_from_pyslurm(data: Mapping[Any, Any] | Iterable[Any]) -> list[Job]:
    """The queue in what ``pyslurm.Jobs.load()`` returns: jobs squeue would list (FINISHED_STATES
    left out). Malformed records are logged and skipped."""
    jobs: list[Job] = []
    for key, record in _records(data):
        try:
            if str(field(record, "state") or "").upper() in FINISHED_STATES:
                continue
            jobs.append(job_from_pyslurm(record))
        except (KeyError, TypeError, ValueError) as e:
            log.warning("pyslurm job %.40s skipped: %r", key, e)
    return jobs


def gpus_in_use(data: Mapping[Any, Any] | Iterable[Any]) -> dict[str, int]:
    """GPUs allocated per node: each running (or completing, suspended) job's GPUs per node on each
    of its nodes, as Slurm's ``GresUsed`` counts them."""
    used: dict[str, int] = {}
    for _, record in _records(data):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            if str(field(record, "state") or "").upper() not in ("RUNNING", "COMPLETING", "SUSPENDED"):
                continue
            per_node = count_gpus(parse_gres(_gres_text(field(record, "gres_per_node"))))
            if per_node:
                for name in expand_hostlist(_text(field(record, "allocated_nodes"))):
                    used[name] = used.get(name, 0) + per_node
    return used


# ---- nodes -------------------------------------------------------------------------------------


def pyslurm_node_state(raw: str) -> str:
    """Slurm's complete node state string as the CLI backend words it (slurm_parse.node_state):
    ``IDLE+DRAIN`` -> drained, ``MIXED+DRAIN`` -> draining, ``IDLE+NOT_RESPONDING`` -> not_responding,
    ``IDLE+POWERED_DOWN`` -> powered_down."""
    return node_state(raw.strip().upper() or "UNKNOWN")


def node_from_pyslurm(name: str, record: Any, gpus_used: Mapping[str, int] | None = None) -> Node:
    """One ``pyslurm.Node`` as a Node; KeyError/TypeError/ValueError when malformed."""
    load = field(record, "cpu_load")
    node_name = str(field(record, "name") or name)
    total = _count(field(record, "total_cpus"))
    memory = _count(field(record, "real_memory"))
    if total is None or memory is None:
        raise ValueError(f"node {node_name} without CPUs or memory")
    return Node(
        name=node_name,
        state=pyslurm_node_state(str(field(record, "state") or "UNKNOWN")),
        reason=_text(field(record, "reason")),
        partitions=tuple(p for p in _joined(field(record, "partitions")).split(",") if p),
        cpus_total=total,
        cpus_alloc=_count(field(record, "allocated_cpus")) or 0,
        memory_total_mb=memory,
        memory_alloc_mb=_count(field(record, "allocated_memory")) or 0,
        gpus_total=count_gpus(_gres_text(field(record, "configured_gres"))),
        gpus_alloc=(gpus_used or {}).get(node_name, 0),
        load=float(load) if isinstance(load, (int, float)) and not isinstance(load, bool) else None,
    )


def nodes_from_pyslurm(
    data: Mapping[Any, Any] | Iterable[Any], gpus_used: Mapping[str, int] | None = None
) -> list[Node]:
    """Nodes in what ``pyslurm.Nodes.load()`` returns, GPUs in use from `gpus_used`
    (`gpus_in_use` of the job list); malformed records are logged and skipped."""
    nodes: list[Node] = []
    for key, record in _records(data):
        try:
            nodes.append(node_from_pyslurm(str(key), record, gpus_used))
        except (KeyError, TypeError, ValueError) as e:
            log.warning("pyslurm node %.40s skipped: %r", key, e)
    return nodes


# ---- partitions --------------------------------------------------------------------------------


def partition_from_pyslurm(name: str, record: Any, gpus_by_node: Mapping[str, int] | None) -> Partition:
    """One ``pyslurm.Partition`` as a Partition; GPU totals summed over `gpus_by_node`."""
    names = expand_hostlist(_text(field(record, "nodes")))
    return Partition(
        name=str(field(record, "name") or name),
        state=str(field(record, "state") or "inactive").lower(),
        default=bool(field(record, "is_default")),
        nodes=names,
        max_time_s=_minutes_s(field(record, "max_time")),
        default_time_s=_minutes_s(field(record, "default_time")),
        max_nodes=_count(field(record, "max_nodes")),
        cpus_total=_count(field(record, "total_cpus")) or 0,
        gpus_total=sum(gpus_by_node.get(n, 0) for n in names) if gpus_by_node else 0,
    )


def partitions_from_pyslurm(
    data: Mapping[Any, Any] | Iterable[Any], nodes: list[Node] | None = None
) -> list[Partition]:
    """Partitions in what ``pyslurm.Partitions.load()`` returns; malformed ones logged and skipped.

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
