"""The interface every scheduler backend implements."""

from __future__ import annotations

import abc

from ..models import Job, Node, Partition


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

    @abc.abstractmethod
    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        """Every partition with its limits; `nodes`, when the caller has them, saves asking again."""

    @abc.abstractmethod
    async def estimated_starts(self) -> dict[str, str]:
        """Job id -> ISO 8601 expected start for pending jobs the scheduler has planned.

        Costlier than list_jobs on real sites, so the poller asks at a slower cadence.
        """

    @abc.abstractmethod
    async def job_action(self, job_id: str, action: str) -> None:
        """Apply `action` (one of JOB_ACTIONS) to a job id already validated by `jobids.validate_job_id`.

        Raises NotFound for an unknown job, CommandFailed with the scheduler's own message when it
        refuses, SchedulerUnavailable when it cannot be reached.
        """


JOB_ACTIONS = ("cancel", "hold", "release")
