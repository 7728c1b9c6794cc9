"""Cluster profiles: what a Dask cluster's worker jobs may ask the scheduler for.

Administrators define profiles (a traitlet dict); a user may add one from their own dask-jobqueue
config (``~/.config/dask/jobqueue.yaml``). A request names a profile and may override only the
profile's *open* fields; `resolve` checks those overrides against the live partitions and nodes.
Everything here is pure except `load_profiles`, which reads the user's file.

From the user's jobqueue.yaml only resource keys are taken (cores, memory, processes, walltime,
queue, account). Keys that would change the job script itself (job-extra-directives, prologues,
python, worker-command, shebang, log/local directories, interface...) are ignored with a warning:
the server owns the job name (its tag joining jobs to clusters), the worker's Python (the
notebook's), the TLS arguments and where logs go, and admin limits must not be side-stepped.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import BadRequest, SchedulerUnavailable
from ..models import Node, Partition

log = logging.getLogger(__name__)

SCHEDULERS = ("slurm", "sge", "pbs", "lsf", "local")
OPEN_FIELDS = ("cores", "memory", "walltime", "partition", "gres", "processes")
USER_PROFILE = "my-jobqueue"
MIN_MEMORY_MB = 128

_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B|[KMGT])", re.IGNORECASE)
_UNIT = {"k": 1, "m": 2, "g": 3, "t": 4}
_WALLTIME = re.compile(r"(?:(\d+)-)?(\d+):(\d{2})(?::(\d{2}))?")
_GRES = re.compile(r"gpu:([1-9]\d{0,2})")
# jobqueue.yaml key -> profile field; everything else in the user's file is ignored.
_USER_KEYS = {
    "cores": "cores",
    "memory": "memory",
    "processes": "processes",
    "walltime": "walltime",
    "queue": "partition",
    "account": "account",
}


@dataclass(frozen=True)
class Profile:
    """One kind of worker job. `max_workers` counts Dask workers (jobs × processes)."""

    name: str
    description: str = ""
    scheduler: str = "slurm"  # "slurm", "sge", "pbs", "lsf" or "local" (workers on the server's machine)
    cores: int = 1  # per job
    memory: str = "2GB"  # per job
    processes: int = 1  # Dask workers per job; threads per worker = cores // processes
    walltime: str = "00:30:00"
    partition: str = ""  # "" = the scheduler's default partition
    gres: str = ""  # "" or "gpu:N"
    account: str = ""  # Slurm/PBS account; Grid Engine/LSF project
    pe: str = ""  # Grid Engine: the parallel environment giving a job more than one core ("smp")
    job_extra_directives: tuple[str, ...] = ()  # admin profiles only, in the scheduler's own syntax
    max_workers: int = 8
    open_fields: tuple[str, ...] = ()
    allowed_partitions: tuple[str, ...] = ()  # when partition is open; () = any partition
    idle_timeout_s: float = 600.0
    #: where the cluster's scheduler (its supervisor process) runs: "jupyter" (beside the Jupyter
    #: server) or "job" (a small Slurm job of its own, for sites that forbid work on login nodes)
    supervisor: str = "jupyter"
    #: when the Jupyter server runs in a Slurm job, worker jobs end with it unless this is true
    outlive_server: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("job_extra_directives", "open_fields", "allowed_partitions"):
            data[key] = list(data[key])
        return data


# ---- parsing ------------------------------------------------------------------------------------


def is_int(value: object) -> bool:
    """A real int: not a bool, float or string."""
    return isinstance(value, int) and not isinstance(value, bool)


def memory_bytes(text: str) -> int:
    """Bytes in "500MB", "2GB", "1.5 GiB", "4G" (KB/MB/GB/TB decimal, KiB.. and bare K/M/G binary)."""
    m = _MEMORY.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"memory must be a size with a unit like '500MB', '2GB' or '2GiB', not {text!r}")
    unit = m.group(2).lower()
    base = 1000 if unit.endswith("b") and "i" not in unit else 1024
    return int(float(m.group(1)) * base ** _UNIT[unit[0]])


def slurm_memory_mb(text: str) -> int:
    """The --mem (in Slurm's MB, i.e. MiB) that dask-jobqueue will request for this memory."""
    n = memory_bytes(text)
    if n >= 1024**3:
        return math.ceil(n / 1024**3) * 1024
    return max(1, math.ceil(n / 1024**2))


def walltime_seconds(value: object) -> int:
    """Seconds in a walltime: "HH:MM:SS", "MM:SS", "D-HH:MM:SS", or an int of minutes."""
    if is_int(value):
        assert isinstance(value, int)
        return value * 60
    m = _WALLTIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"walltime must be 'HH:MM:SS', 'MM:SS' or a whole number of minutes, not {value!r}")
    days, a, b, c = m.groups()
    if c is None and days is None:  # MM:SS
        seconds = int(a) * 60 + int(b)
    else:
        seconds = int(days or 0) * 86400 + int(a) * 3600 + int(b) * 60 + int(c or 0)
    if int(b) >= 60 or int(c or 0) >= 60:
        raise ValueError(f"walltime {value!r} has minutes or seconds over 59")
    return seconds


def format_walltime(seconds: int) -> str:
    """Slurm's --time form: "HH:MM:SS", or "D-HH:MM:SS" from one day on."""
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}-{text}" if days else text


def gpu_count(gres: str) -> int:
    """N in "gpu:N"; 0 for ""."""
    if gres == "":
        return 0
    m = _GRES.fullmatch(gres)
    if m is None:
        raise ValueError(f"gres must be '' or 'gpu:N' (N a whole number of GPUs per job), not {gres!r}")
    return int(m.group(1))


def worker_lifetime_args(walltime_s: int) -> list[str]:
    """dask-worker arguments that retire a worker before its job's walltime ends.

    The worker leaves gracefully (its data moves to others) and the cluster submits a fresh job
    in its place, so long computations survive walltime. No --lifetime-restart: that restarts
    the worker inside the same job, which Slurm then kills at walltime anyway.
    """
    if walltime_s >= 600:
        lifetime, stagger = walltime_s - 120, 60
    elif walltime_s >= 120:
        lifetime, stagger = int(walltime_s * 0.8), max(1, walltime_s // 20)
    else:
        return []
    return ["--lifetime", f"{lifetime}s", "--lifetime-stagger", f"{stagger}s"]


# ---- loading ------------------------------------------------------------------------------------


def _check_profile(p: Profile) -> Profile:
    """Structural checks of a configured profile (limits against partitions come in `resolve`)."""
    where = f"profile {p.name!r}"
    if p.scheduler not in SCHEDULERS:
        raise ValueError(f"{where}: scheduler must be one of {', '.join(SCHEDULERS)}")
    for key in ("cores", "processes", "max_workers"):
        value = getattr(p, key)
        if not is_int(value) or value < 1:
            raise ValueError(f"{where}: {key} must be a whole number >= 1, not {value!r}")
    for key in ("name", "description", "partition", "account", "gres", "memory", "walltime", "pe"):
        if not isinstance(getattr(p, key), str):
            raise ValueError(f"{where}: {key} must be a string")
    if p.pe and (p.scheduler != "sge" or not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", p.pe)):
        raise ValueError(
            f"{where}: pe is a Grid Engine parallel environment name (letters, digits, '.', '_', '-')"
        )
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", p.name):
        raise ValueError(f"{where}: names are letters, digits, '.', '_' and '-' (at most 64)")
    memory_bytes(p.memory)
    walltime_seconds(p.walltime)
    gpu_count(p.gres)
    unknown = set(p.open_fields) - set(OPEN_FIELDS)
    if unknown:
        raise ValueError(f"{where}: open_fields may only name {', '.join(OPEN_FIELDS)}")
    if not isinstance(p.idle_timeout_s, (int, float)) or isinstance(p.idle_timeout_s, bool):
        raise ValueError(f"{where}: idle_timeout_s must be a number of seconds")
    if p.supervisor not in ("jupyter", "job") or (p.supervisor == "job" and p.scheduler != "slurm"):
        raise ValueError(f"{where}: supervisor is 'jupyter' or, for a Slurm profile, 'job'")
    if not isinstance(p.outlive_server, bool):
        raise ValueError(f"{where}: outlive_server is true or false")
    if not all(isinstance(d, str) for d in (*p.job_extra_directives, *p.allowed_partitions)):
        raise ValueError(f"{where}: job_extra_directives and allowed_partitions are lists of strings")
    return p


def within_server_job(p: Profile, server_end: float | None, now: float) -> Profile:
    """The profile with a walltime that ends when the Slurm job this Jupyter server runs in does
    (whole minutes), unless the profile may outlive it (`outlive_server`) or runs no jobs."""
    if server_end is None or p.outlive_server or p.scheduler == "local":
        return p
    left_s = int(server_end - now) // 60 * 60
    if left_s < 60:
        raise BadRequest(
            "this Jupyter server's Slurm job ends within a minute: worker jobs would end with it "
            "(a profile with outlive_server: true may outlive it)"
        )
    if walltime_seconds(p.walltime) <= left_s:
        return p
    return replace(p, walltime=format_walltime(left_s))


def profile_from_dict(name: str, data: Mapping[str, Any]) -> Profile:
    """A Profile from configuration; ValueError naming the profile and key when it is malformed."""
    if not isinstance(data, Mapping):
        raise ValueError(f"profile {name!r} must be a mapping of settings")
    known = {f.name for f in fields(Profile)} - {"name"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"profile {name!r}: unknown setting(s) {', '.join(map(str, unknown))}")
    values = dict(data)
    for key in ("job_extra_directives", "open_fields", "allowed_partitions"):
        if key in values:
            if isinstance(values[key], str) or not isinstance(values[key], Sequence):
                raise ValueError(f"profile {name!r}: {key} must be a list")
            values[key] = tuple(values[key])
    return _check_profile(Profile(name=name, **values))


def user_profile(config: Mapping[str, Any]) -> Profile | None:
    """The "my-jobqueue" profile from the `jobqueue.slurm` section of a parsed jobqueue.yaml."""
    section = config.get("jobqueue", {}) if isinstance(config, Mapping) else {}
    slurm = section.get("slurm") if isinstance(section, Mapping) else None
    if not isinstance(slurm, Mapping):
        return None
    ignored = sorted(str(k) for k, v in slurm.items() if k not in _USER_KEYS and v not in (None, [], {}, ""))
    if ignored:
        log.warning(
            "jobqueue.yaml: ignoring %s (only %s are used; the server sets the rest)",
            ", ".join(ignored),
            ", ".join(_USER_KEYS),
        )
    values: dict[str, Any] = {}
    for key, field_name in _USER_KEYS.items():
        value = slurm.get(key)
        if value is not None:
            values[field_name] = value
    if "cores" not in values or "memory" not in values:
        log.info("jobqueue.yaml: no cores/memory in jobqueue.slurm; no %s profile", USER_PROFILE)
        return None
    if isinstance(values.get("walltime"), str):
        values["walltime"] = format_walltime(walltime_seconds(values["walltime"]))
    values["memory"] = str(values["memory"]).replace(" ", "")
    return profile_from_dict(
        USER_PROFILE,
        {
            **values,
            "description": "From your ~/.config/dask/jobqueue.yaml",
            "open_fields": OPEN_FIELDS,
        },
    )


def load_profiles(
    admin: Mapping[str, Mapping[str, Any]], user_jobqueue_yaml: Path | None
) -> dict[str, Profile]:
    """Admin profiles (ValueError when one is malformed) plus the user's, when their file has one.

    A broken user file only logs a warning: it must not keep the server from starting.
    """
    profiles = {name: profile_from_dict(name, data) for name, data in admin.items()}
    if user_jobqueue_yaml is not None and user_jobqueue_yaml.is_file():
        import yaml  # type: ignore[import-untyped, unused-ignore]

        try:
            mine = user_profile(yaml.safe_load(user_jobqueue_yaml.read_text()) or {})
        except (OSError, ValueError, yaml.YAMLError) as e:
            log.warning("ignoring %s: %s", user_jobqueue_yaml, e)
            mine = None
        if mine is not None:
            if USER_PROFILE in profiles:
                log.warning("an admin profile is named %s; ignoring %s", USER_PROFILE, user_jobqueue_yaml)
            else:
                profiles[USER_PROFILE] = mine
    return profiles


def default_profiles(backend: str = "slurm") -> dict[str, Profile]:
    """Built-in profiles for a site that configured none (shaped like the sandboxes' partitions)."""
    from .defaults import builtin_profiles

    return builtin_profiles(backend)


# ---- resolving a request ------------------------------------------------------------------------


def _pick_partition(profile: Profile, partitions: Sequence[Partition]) -> Partition:
    by_name = {p.name: p for p in partitions}
    name = profile.partition or next((p.name for p in partitions if p.default), "")
    allowed = list(profile.allowed_partitions) or sorted(by_name)
    if name not in by_name or name not in allowed:
        choices = ", ".join(n for n in allowed if n in by_name) or "none"
        raise BadRequest(f"unknown or not allowed partition {name!r}; allowed: {choices}")
    return by_name[name]


def _node_limits(partition: Partition, nodes: Sequence[Node]) -> tuple[int, int | None, int]:
    """(CPUs, memory MB or None when unknown, GPUs) of the largest node in the partition."""
    members = [n for n in nodes if n.name in partition.nodes]
    if members:
        return (
            max(n.cpus_total for n in members),
            max(n.memory_total_mb for n in members),
            max(n.gpus_total for n in members),
        )
    count = max(1, len(partition.nodes))
    return max(1, partition.cpus_total // count), None, partition.gpus_total


def _checked_overrides(profile: Profile, overrides: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(overrides, Mapping):
        raise BadRequest("overrides must be an object of field: value")
    unknown = [str(k)[:40] for k in overrides if k not in OPEN_FIELDS]
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(OPEN_FIELDS)}")
    closed = [k for k in overrides if k not in profile.open_fields]
    if closed:
        allowed = ", ".join(profile.open_fields) or "nothing"
        raise BadRequest(
            f"profile {profile.name!r} does not let you change {', '.join(closed)}; you may change: {allowed}"
        )
    values = dict(overrides)
    for key in ("cores", "processes"):
        if key in values and not is_int(values[key]):
            raise BadRequest(f"{key} must be a whole number, not {values[key]!r}")
    for key in ("memory", "partition", "gres"):
        if key in values and not isinstance(values[key], str):
            raise BadRequest(f"{key} must be a string, not {values[key]!r}")
    if "walltime" in values:
        value = values["walltime"]
        if not (is_int(value) or isinstance(value, str)):
            raise BadRequest(
                f"walltime must be 'HH:MM:SS', 'MM:SS' or minutes (a whole number), not {value!r}"
            )
    return values


def resolve(
    profile: Profile,
    overrides: Mapping[str, Any],
    partitions: Sequence[Partition],
    nodes: Sequence[Node] = (),
) -> Profile:
    """The profile with the user's overrides applied, every value checked; BadRequest otherwise.

    Limits come from the chosen partition: cores, memory and GPUs per job within its largest
    node (from `nodes` when given), walltime within its MaxTime.
    """
    values = _checked_overrides(profile, overrides)
    try:
        walltime_s = walltime_seconds(values.get("walltime", profile.walltime))
        job_mb = slurm_memory_mb(values.get("memory", profile.memory))
        gpus = gpu_count(values.get("gres", profile.gres))
    except ValueError as e:
        raise BadRequest(str(e)) from None
    if walltime_s < 60:
        raise BadRequest(f"walltime must be at least one minute, not {values.get('walltime')!r}")
    values["walltime"] = format_walltime(walltime_s)
    if "memory" in values:
        values["memory"] = values["memory"].replace(" ", "")
    p = replace(profile, **values)
    if p.cores < 1:
        raise BadRequest(f"cores must be at least 1, not {p.cores}")
    if not 1 <= p.processes <= p.cores or p.cores % p.processes:
        raise BadRequest(f"processes must divide cores ({p.cores}): 1 to {p.cores}, not {p.processes}")
    if job_mb < MIN_MEMORY_MB:
        raise BadRequest(f"memory must be at least {MIN_MEMORY_MB}MB per job, not {p.memory!r}")
    if p.scheduler == "sge" and p.cores > 1 and not p.pe:
        raise BadRequest(
            f"cores must be 1: profile {p.name!r} names no parallel environment (pe) to give a Grid "
            "Engine job more cores"
        )
    if p.scheduler == "local":
        cpus = os.cpu_count() or 1
        if p.cores > cpus:
            raise BadRequest(f"cores must be 1 to {cpus} (this machine's CPUs), not {p.cores}")
        return replace(p, partition="", gres="")
    if not partitions:
        raise SchedulerUnavailable("the scheduler's partitions are not known yet; try again shortly")
    part = _pick_partition(p, partitions)
    cpus, memory_mb, node_gpus = _node_limits(part, nodes)
    if p.cores > cpus:
        raise BadRequest(f"cores must be 1 to {cpus} (CPUs per node in partition {part.name}), not {p.cores}")
    if memory_mb is not None and job_mb > memory_mb:
        raise BadRequest(
            f"memory {p.memory!r} ({job_mb} MB) is more than a node of partition {part.name} has "
            f"({memory_mb} MB)"
        )
    if part.max_time_s is not None and walltime_s > part.max_time_s:
        raise BadRequest(
            f"walltime {p.walltime} is over partition {part.name}'s limit of "
            f"{format_walltime(part.max_time_s)}"
        )
    if gpus > node_gpus:
        if node_gpus == 0:
            raise BadRequest(f"partition {part.name} has no GPUs; use gres '' or another partition")
        raise BadRequest(f"gres gpu:{gpus} is more than {node_gpus} GPUs per node in partition {part.name}")
    return replace(p, partition=part.name)
