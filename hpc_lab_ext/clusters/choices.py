"""What the "new cluster" form offers: per profile, its open fields with the bounds `resolve` enforces.

Pure: built from the profiles and the live partitions and nodes of a snapshot, so the form never
offers a value the server would refuse (the server still checks everything it is sent).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..models import Node, Partition
from .profiles import Profile, format_walltime


def _partitions_for(profile: Profile, partitions: Sequence[Partition]) -> list[Partition]:
    allowed = set(profile.allowed_partitions)
    return [p for p in partitions if not allowed or p.name in allowed]


def _largest(partition: Partition | None, nodes: Sequence[Node]) -> tuple[int, int, int]:
    """(CPUs, memory MB, GPUs) of the largest node of `partition` (or of all nodes)."""
    members = [n for n in nodes if partition is None or n.name in partition.nodes]
    if not members:
        return (partition.cpus_total if partition else 0), 0, (partition.gpus_total if partition else 0)
    return (
        max(n.cpus_total for n in members),
        max(n.memory_total_mb for n in members),
        max(n.gpus_total for n in members),
    )


def _field(name: str, value: str | int, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, **{k: v for k, v in extra.items() if v is not None}}


def _local_fields(profile: Profile) -> list[dict[str, Any]]:
    cpus = os.cpu_count() or 1
    fields = {
        "cores": _field("cores", profile.cores, min=1, max=cpus, hint=f"this machine has {cpus} CPUs"),
        "memory": _field("memory", profile.memory, hint="per worker process group, e.g. 2GB"),
        "processes": _field("processes", profile.processes, min=1, max=cpus, hint="must divide cores"),
    }
    return [fields[name] for name in profile.open_fields if name in fields]


def profile_fields(
    profile: Profile, partitions: Sequence[Partition], nodes: Sequence[Node]
) -> list[dict[str, Any]]:
    """The open fields of one profile, each with its current value and the allowed range or choices."""
    if profile.scheduler == "local":
        return _local_fields(profile)
    by_name = {p.name: p for p in partitions}
    current = by_name.get(profile.partition) or next((p for p in partitions if p.default), None)
    cpus, memory_mb, gpus = _largest(current, nodes)
    where = f" in {current.name}" if current else ""
    fields: dict[str, dict[str, Any]] = {
        "cores": _field(
            "cores",
            profile.cores,
            min=1,
            max=cpus or None,
            hint=f"up to {cpus} per node{where}" if cpus else None,
        ),
        "memory": _field(
            "memory",
            profile.memory,
            hint=f"up to {memory_mb // 1024} GB per node{where}" if memory_mb >= 1024 else "e.g. 2GB",
        ),
        "processes": _field(
            "processes",
            profile.processes,
            min=1,
            max=profile.cores,
            hint="Dask workers per job; divides cores",
        ),
        "walltime": _field(
            "walltime",
            profile.walltime,
            hint=(
                f"HH:MM:SS, up to {format_walltime(current.max_time_s)}{where}"
                if current and current.max_time_s
                else "HH:MM:SS"
            ),
        ),
        "partition": _field(
            "partition",
            current.name if current else profile.partition,
            choices=[p.name for p in _partitions_for(profile, partitions)],
        ),
        "gres": _field(
            "gres",
            profile.gres,
            choices=["", *(f"gpu:{i}" for i in range(1, gpus + 1))],
            hint=None if gpus else f"no GPUs{where}",
        ),
    }
    return [fields[name] for name in profile.open_fields if name in fields]


def profile_choices(
    profiles: Mapping[str, Profile], partitions: Sequence[Partition], nodes: Sequence[Node]
) -> list[dict[str, Any]]:
    """`GET /profiles`: every profile with the fields a person may change."""
    return [
        {"profile": profile.to_json(), "fields": profile_fields(profile, partitions, nodes)}
        for profile in profiles.values()
    ]
