"""The embedded backend for machines without a scheduler: no queue, this machine as one node."""

from __future__ import annotations

import os
import platform
import socket

import psutil

from ..errors import NotFound
from ..models import Job, Node, Partition
from .base import SchedulerBackend


class LocalBackend(SchedulerBackend):
    name = "local"
    live_queue = False

    def __init__(self, unsupported: str | None = None) -> None:
        #: a scheduler found on this machine that has no live queue support (e.g. "PBS")
        self.unsupported = unsupported

    async def version(self) -> str:
        return f"local ({platform.system()} {platform.release()})"

    async def ping(self) -> None:
        return None

    async def list_jobs(self) -> list[Job]:
        return []

    async def list_nodes(self) -> list[Node]:
        return [local_node()]

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        node = nodes[0] if nodes else local_node()
        return [
            Partition(
                name="local",
                state="up",
                default=True,
                nodes=(node.name,),
                max_time_s=None,
                default_time_s=None,
                max_nodes=1,
                cpus_total=node.cpus_total,
            )
        ]

    async def estimated_starts(self) -> dict[str, str]:
        return {}

    async def job_action(self, job_id: str, action: str) -> None:
        raise NotFound(f"job {job_id} does not exist: there is no batch scheduler on this machine")


def local_node() -> Node:
    """This machine with its real use: CPUs busy from the load average, memory in use."""
    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else psutil.cpu_percent() / 100 * cpus
    mem = psutil.virtual_memory()
    total_mb = mem.total // (1024 * 1024)
    used_mb = (mem.total - mem.available) // (1024 * 1024)
    busy = min(cpus, round(load))
    if busy == 0:
        state = "idle"
    elif busy >= cpus:
        state = "allocated"
    else:
        state = "mixed"
    return Node(
        name=socket.gethostname(),
        state=state,
        reason="",
        partitions=("local",),
        cpus_total=cpus,
        cpus_alloc=busy,
        memory_total_mb=total_mb,
        memory_alloc_mb=used_mb,
        load=round(load, 2),
    )
