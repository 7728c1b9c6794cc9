"""Parsers for Slurm's command-line output. Pure functions: text in, models out, no I/O.

The queue is read with ``squeue --noheader -o SQUEUE_FORMAT``: fields separated by the ASCII unit
separator (0x1F), which squeue passes through untouched and which no sane job name contains. The
job name is the last field and the split is bounded, so a name containing the separator, ``|``,
tabs or any other text still comes back byte-exact. A name containing a newline spills onto the
next output line; such a line (it has no separator) is joined back to the previous job's name.

Nodes are read with ``scontrol -d -o show node``: one line per node of ``Key=value`` pairs, which
(unlike ``sinfo -o``) carries allocated memory and the GPUs in use (``GresUsed``, needs ``-d``).
Partitions come from ``scontrol -a -o show partition`` in the same form, estimated starts of
pending jobs from ``squeue --start``; the scheduler's settings (backfill's planning steps among
them) from ``scontrol show config``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime

from ..models import Job, Node, Partition

log = logging.getLogger(__name__)

SEP = "\x1f"

#: (field name, squeue -o code). The name must stay last: it is the only free-text field.
SQUEUE_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "%i"),  # 123, 123_4, 123_[1-5%2], 123+0
    ("array_job_id", "%F"),  # base job id of an array (the job id otherwise)
    ("array_task_id", "%K"),  # 4, 1-5%2, or N/A when not an array
    ("user", "%u"),
    ("partition", "%P"),
    ("state", "%T"),
    ("reason", "%r"),  # a token (Resources, JobHeldUser...) or a sentence; "None" when running
    ("nodes", "%N"),
    ("node_count", "%D"),
    ("cpus", "%C"),
    ("memory", "%m"),  # per node or per CPU: 22.05 prints both the same way
    ("gres", "%b"),  # tres-per-node: gres:gpu:1, or N/A
    ("submit_time", "%V"),
    ("start_time", "%S"),  # actual start, or the backfill estimate while pending
    ("time_limit", "%l"),
    ("elapsed", "%M"),
    ("priority", "%Q"),
    ("name", "%j"),
)
SQUEUE_FORMAT = SEP.join(code for _, code in SQUEUE_FIELDS)
#: --noconvert keeps memory in MB (2048M, never 2G); -a includes hidden partitions.
SQUEUE_ARGV: tuple[str, ...] = ("squeue", "--noheader", "--noconvert", "-a", "-o", SQUEUE_FORMAT)
NODES_ARGV: tuple[str, ...] = ("scontrol", "-d", "-o", "show", "node")
#: -a: hidden partitions too, as squeue -a lists their jobs.
PARTITIONS_ARGV: tuple[str, ...] = ("scontrol", "-a", "-o", "show", "partition")
#: Pending jobs only (--start implies -t PD); ids and ISO times never contain spaces.
START_ARGV: tuple[str, ...] = ("squeue", "--start", "--noheader", "-a", "-o", "%i %S")
CONFIG_ARGV: tuple[str, ...] = ("scontrol", "show", "config")

_FIELD_NAMES = tuple(name for name, _ in SQUEUE_FIELDS)
_NO_VALUE = frozenset({"", "N/A", "n/a", "None", "NONE", "(null)", "Unknown", "UNKNOWN"})
_NO_TIME = _NO_VALUE | {"INVALID", "NOT_SET", "UNLIMITED"}

_DURATION = re.compile(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?")
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)([KMGTP]?)B?", re.IGNORECASE)
_MEMORY_SCALE = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2, "P": 1024**3}


@functools.lru_cache(maxsize=8192)
def parse_duration(text: str) -> int | None:
    """Seconds in a Slurm duration: ``0:05``, ``30:00``, ``1:02:03``, ``1-00:00:00``.

    ``UNLIMITED``, ``NOT_SET``, ``INVALID``, ``N/A`` and empty give None. A bare number is minutes
    (as sbatch --time reads it). Anything else raises ValueError.
    """
    text = text.strip()
    if text in _NO_TIME:
        return None
    m = _DURATION.fullmatch(text)
    if not m:
        raise ValueError(f"not a Slurm duration: {text!r}")
    days, a, b, c = m.groups()
    if days is not None:  # D-H, D-H:M, D-H:M:S
        hours, minutes, seconds = int(a), int(b or 0), int(c or 0)
    elif c is not None:  # H:M:S
        hours, minutes, seconds = int(a), int(b), int(c)
    elif b is not None:  # M:S
        hours, minutes, seconds = 0, int(a), int(b)
    else:  # M
        hours, minutes, seconds = 0, int(a), 0
    return ((int(days or 0) * 24 + hours) * 60 + minutes) * 60 + seconds


@functools.lru_cache(maxsize=8192)
def parse_time(text: str) -> str | None:
    """An ISO 8601 timestamp (SLURM_TIME_FORMAT=standard) as is; None for N/A, Unknown, INVALID..."""
    text = text.strip()
    if text in _NO_TIME:
        return None
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return text


@functools.lru_cache(maxsize=8192)
def parse_memory_mb(text: str) -> int | None:
    """Megabytes in ``1000M``, ``2G``, ``16000``, ``1.50G``; None for N/A or empty."""
    text = text.strip()
    if text in _NO_VALUE:
        return None
    m = _MEMORY.fullmatch(text)
    if not m:
        raise ValueError(f"not a memory size: {text!r}")
    return round(float(m.group(1)) * _MEMORY_SCALE[m.group(2).upper()])


@functools.lru_cache(maxsize=8192)
def parse_gres(text: str) -> str:
    """``gres:gpu:1`` / ``gres/gpu:1`` -> ``gpu:1``; several are kept comma-separated; N/A -> ""."""
    text = text.strip()
    if text in _NO_VALUE:
        return ""
    items = (item.removeprefix("gres:").removeprefix("gres/") for item in text.split(","))
    return ",".join(item for item in items if item)


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return None if text in _NO_VALUE else int(text)


def _job(parts: list[str]) -> Job:
    (
        job_id, array_job_id, task, user, partition, state, reason, nodes, node_count, cpus,
        memory, gres, submit_time, start_time, time_limit, elapsed, priority, name,
    ) = parts  # fmt: skip
    is_array = task not in _NO_VALUE
    return Job(
        id=job_id,
        name=name,
        user=user,
        partition=partition,
        state=state.upper(),
        reason="" if reason in _NO_VALUE else reason,
        nodes="" if nodes in _NO_VALUE else nodes,
        node_count=int(node_count),
        cpus=int(cpus),
        memory_mb=parse_memory_mb(memory),
        # squeue -o %m clears the per-CPU flag before printing: the two cannot be told apart.
        memory_per_cpu=False,
        gres=parse_gres(gres),
        submit_time=parse_time(submit_time),
        start_time=parse_time(start_time),
        time_limit_s=parse_duration(time_limit),
        elapsed_s=parse_duration(elapsed) or 0,
        priority=_int_or_none(priority),
        array_job_id=array_job_id if is_array else None,
        array_task_id=task if is_array else None,
    )


def parse_squeue(
    text: str, reuse: Mapping[str, Job] | None = None, keep: dict[str, Job] | None = None
) -> list[Job]:
    """Jobs in the output of ``squeue --noheader -o SQUEUE_FORMAT``; bad lines are logged and skipped.

    `reuse` maps lines of an earlier output to their jobs: an unchanged line (most of a big queue
    from one poll to the next) is not parsed again. Every line parsed here is added to `keep`.
    """
    jobs: list[Job] = []
    joinable = False  # whether a separator-less line continues the previous job's name
    earlier: Mapping[str, Job] = reuse if reuse is not None else {}
    for number, line in enumerate(text.split("\n"), start=1):
        # An unchanged line first: no need to split it (a third of a warm poll's time at 100k jobs).
        known = earlier.get(line)
        if known is not None:
            jobs.append(known)
            if keep is not None:
                keep[line] = known
            joinable = True
            continue
        if SEP not in line:
            if line and joinable:
                jobs[-1] = dataclasses.replace(jobs[-1], name=f"{jobs[-1].name}\n{line}")
            elif line:
                log.warning("squeue line %d skipped: no fields: %.200r", number, line)
            continue
        parts = line.split(SEP, len(_FIELD_NAMES) - 1)
        if len(parts) != len(_FIELD_NAMES):
            log.warning(
                "squeue line %d skipped: %d fields instead of %d", number, len(parts), len(SQUEUE_FIELDS)
            )
            joinable = False
            continue
        try:
            job = _job(parts)
            jobs.append(job)
            if keep is not None:
                keep[line] = job
        except ValueError as e:
            log.warning("squeue line %d skipped: %s", number, e)
            joinable = False
            continue
        joinable = True
    return jobs


# ---- nodes -------------------------------------------------------------------------------------

_KEY = re.compile(r"(?:^| )([A-Z][A-Za-z0-9_]*)=")
# Free text that may contain " Word=": Reason runs to the next of these keys or to the end.
_REASON = re.compile(r"(?:^| )Reason=(.*?)(?= (?:Comment|Extra|ResumeAfterTime)=|$)")
_REASON_STAMP = re.compile(r" \[[^\[\]@ ]+@[0-9T:-]+\]$")
_BUSY = frozenset({"allocated", "mixed", "completing"})


def parse_key_values(line: str) -> dict[str, str]:
    """``Key=value`` pairs of one ``scontrol -o show ...`` line; a value runs to the next `` Key=``."""
    fields: dict[str, str] = {}
    keys = list(_KEY.finditer(line))
    for key, following in zip(keys, [*keys[1:], None], strict=True):
        end = following.start() if following else len(line)
        fields[key.group(1)] = line[key.end() : end].strip()
    return fields


def parse_node_line(line: str) -> dict[str, str]:
    """``Key=value`` pairs of one ``scontrol -o show node`` line (values may contain spaces)."""
    reason = _REASON.search(line)
    if not reason:
        return parse_key_values(line)
    fields = parse_key_values(line[: reason.start()] + line[reason.end() :])
    fields["Reason"] = reason.group(1)
    return fields


def node_state(raw: str) -> str:
    """Slurm's node state in lower case with its flags folded in, close to what sinfo shows.

    ``IDLE`` -> idle, ``IDLE+PLANNED`` -> idle, ``IDLE+DRAIN`` -> drained, ``MIXED+DRAIN`` ->
    draining, ``DOWN``/``DOWN*``/``DOWN+NOT_RESPONDING`` -> down (down wins over drain),
    ``IDLE+NOT_RESPONDING``/``IDLE*`` -> not_responding, ``IDLE+COMPLETING`` -> completing.
    """
    text = raw.strip().upper()
    no_response = text.endswith("*")
    base, *flags = text.rstrip("*~#!%$@^-").split("+")
    base = base.lower() or "unknown"
    if base == "down":
        return "down"
    if "FAIL" in flags:
        return "failing" if base in _BUSY else "fail"
    if "DRAIN" in flags:
        return "draining" if base in _BUSY else "drained"
    if no_response or "NOT_RESPONDING" in flags:
        return "not_responding"
    if "COMPLETING" in flags and base == "idle":
        return "completing"
    if "MAINT" in flags:
        return "maint"
    if {"POWERED_DOWN", "POWER_DOWN", "POWERING_DOWN"} & set(flags):
        return "powered_down"
    return base


def count_gpus(gres: str) -> int:
    """GPUs in a Gres/GresUsed value: ``gpu:a100:2`` -> 2, ``gpu:a100:1(IDX:0),mps:0`` -> 1."""
    total = 0
    for item in re.sub(r"\([^)]*\)", "", gres).split(","):
        name, _, rest = item.strip().partition(":")
        if name != "gpu":
            continue
        count = rest.rsplit(":", 1)[-1] if rest else "1"
        total += int(count) if count.isdigit() else 1
    return total


def _node(f: dict[str, str]) -> Node:
    load = f.get("CPULoad", "N/A")
    partitions = f.get("Partitions", "")
    return Node(
        name=f["NodeName"],
        state=node_state(f.get("State", "UNKNOWN")),
        reason=_REASON_STAMP.sub("", f.get("Reason", "")),
        partitions=tuple(p for p in partitions.split(",") if p and p not in _NO_VALUE),
        cpus_total=int(f["CPUTot"]),
        cpus_alloc=int(f.get("CPUAlloc", "0")),
        memory_total_mb=int(f["RealMemory"]),
        memory_alloc_mb=int(f.get("AllocMem", "0")),
        gpus_total=count_gpus(f.get("Gres", "")),
        gpus_alloc=count_gpus(f.get("GresUsed", "")),
        load=None if load in _NO_VALUE else float(load),
    )


def parse_nodes(text: str) -> list[Node]:
    """Nodes in the output of ``scontrol -d -o show node``; bad lines are logged and skipped."""
    nodes: list[Node] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.startswith("NodeName="):
            if line.strip():
                log.warning("scontrol line %d skipped: %.200r", number, line)
            continue
        try:
            nodes.append(_node(parse_node_line(line)))
        except (KeyError, ValueError) as e:
            log.warning("scontrol line %d skipped: %r", number, e)
    return nodes


# ---- partitions --------------------------------------------------------------------------------

_HOSTLIST_ITEM = re.compile(r"[^,\[\]]*(?:\[[^\[\]]*\][^,\[\]]*)*")
_HOST_RANGE = re.compile(r"(\d+)(?:-(\d+))?")
_HOSTLIST_LIMIT = 100_000


def _expand_brackets(pattern: str) -> list[str]:
    """``n[1-2]-g[08-09]`` -> n1-g08, n1-g09, n2-g08, n2-g09 (zero padding follows the lower bound)."""
    parts = re.split(r"\[([^\]]*)\]", pattern)  # text, ranges, text, ranges, ..., text
    choices: list[list[str]] = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            choices.append([part])
            continue
        numbers: list[str] = []
        for item in part.split(","):
            m = _HOST_RANGE.fullmatch(item)
            if not m or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
                raise ValueError(f"bad range {item!r} in host list {pattern!r}")
            low, high = m.group(1), m.group(2) or m.group(1)
            if int(high) - int(low) >= _HOSTLIST_LIMIT:
                raise ValueError(f"host list range too large: {item!r}")
            numbers.extend(str(n).zfill(len(low)) for n in range(int(low), int(high) + 1))
        choices.append(numbers)
    if math.prod(len(choice) for choice in choices) > _HOSTLIST_LIMIT:
        raise ValueError(f"host list too large: {pattern!r}")
    return ["".join(combination) for combination in itertools.product(*choices)]


def expand_hostlist(text: str) -> tuple[str, ...]:
    """Node names in a Slurm host list: ``node[1-2]``, ``gpu[01-03,07]``, ``a1,b2``, ``r[1-2]n[1-2]``.

    ``(null)``, ``N/A`` and empty give (). Malformed lists raise ValueError.
    """
    text = text.strip()
    if text in _NO_VALUE:
        return ()
    names: list[str] = []
    position = 0
    while position <= len(text):
        m = _HOSTLIST_ITEM.match(text, position)
        item = m.group(0) if m else ""
        end = position + len(item)
        if not item or (end < len(text) and text[end] != ","):
            raise ValueError(f"malformed host list: {text!r}")
        names.extend(_expand_brackets(item))
        if len(names) > _HOSTLIST_LIMIT:
            raise ValueError("host list too large")
        position = end + 1
    return tuple(names)


def _partition(f: dict[str, str], gpus_by_node: dict[str, int] | None) -> Partition:
    names = expand_hostlist(f.get("Nodes", ""))
    max_nodes = f.get("MaxNodes", "UNLIMITED")
    return Partition(
        name=f["PartitionName"],
        state=f.get("State", "UNKNOWN").lower(),
        default=f.get("Default", "NO").upper() == "YES",
        nodes=names,
        max_time_s=parse_duration(f.get("MaxTime", "UNLIMITED")),
        default_time_s=parse_duration(f.get("DefaultTime", "NONE")),
        max_nodes=None if max_nodes in _NO_TIME else int(max_nodes),
        cpus_total=int(f.get("TotalCPUs", "0")),
        gpus_total=sum(gpus_by_node.get(name, 0) for name in names) if gpus_by_node else 0,
    )


def parse_partitions(text: str, nodes: list[Node] | None = None) -> list[Partition]:
    """Partitions in the output of ``scontrol -a -o show partition``; bad lines are logged and skipped.

    GPU totals are summed over `nodes` (from parse_nodes); without them they are 0.
    """
    gpus_by_node = {node.name: node.gpus_total for node in nodes} if nodes is not None else None
    partitions: list[Partition] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.startswith("PartitionName="):
            if line.strip():
                log.warning("scontrol line %d skipped: %.200r", number, line)
            continue
        try:
            partitions.append(_partition(parse_key_values(line), gpus_by_node))
        except (KeyError, ValueError) as e:
            log.warning("scontrol line %d skipped: %r", number, e)
    return partitions


# ---- estimated starts --------------------------------------------------------------------------


def parse_starts(text: str) -> dict[str, str]:
    """Job id -> ISO start time in the output of START_ARGV; jobs without an estimate (N/A) are left out."""
    starts: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) != 2:
                raise ValueError(f"{len(fields)} fields instead of 2")
            start = parse_time(fields[1])
        except ValueError as e:
            log.warning("squeue --start line %d skipped: %s", number, e)
            continue
        if start is not None:
            starts[fields[0]] = start
    return starts


_CONFIG_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9_()]*)\s*=\s?(.*)$")


def parse_config(text: str) -> dict[str, str]:
    """`scontrol show config`'s "Key = value" lines as a dict; "(null)" becomes "".

    The header ("Configuration data as of ..."), blank lines and the trailing sections (e.g.
    "Slurmctld(primary) at host is UP", cgroup and MPI blocks) are skipped or kept as whatever
    Key = value lines they hold; the first occurrence of a key wins.
    """
    found: dict[str, str] = {}
    for line in text.splitlines():
        m = _CONFIG_LINE.match(line.strip())
        if m is None:
            continue
        key, value = m.group(1), m.group(2).strip()
        found.setdefault(key, "" if value == "(null)" else value)
    return found


def parse_scheduler_parameters(text: str) -> dict[str, str]:
    """SchedulerParameters ("bf_interval=30,bf_continue,...") as option -> value ("" for flags)."""
    found: dict[str, str] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        key, _, value = item.partition("=")
        found[key.strip().lower()] = value.strip()
    return found
