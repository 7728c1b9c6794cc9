"""The interface every scheduler backend implements."""

from __future__ import annotations

import abc

from ..models import Job, Node


class SchedulerBackend(abc.ABC):
    """A batch scheduler as the extension sees it. Implementations hold no per-request state."""

    #: short name shown in the status ("slurm", "local", ...)
    name: str = "base"
    #: whether this backend has a real queue of jobs
    live_queue: bool = True

    @abc.abstractmethod
    async def version(self) -> str:
        """The scheduler's version string; raises SchedulerUnavailable when it cannot be asked."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Cheap health check: return when the controller answers, raise SchedulerUnavailable otherwise."""

    @abc.abstractmethod
    async def list_jobs(self) -> list[Job]:
        """Every job the scheduler lists, all users. Raises SchedulerUnavailable when unreachable."""

    @abc.abstractmethod
    async def list_nodes(self) -> list[Node]:
        """Every node with its allocation."""
