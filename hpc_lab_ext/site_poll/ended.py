"""Jobs that ended, read by the service in the same squeue call as the queue.

A server keeps its own record of ended jobs (history/manager.py) and, besides what its polls see
leave the queue, asks Slurm every 10 s which of its jobs Slurm still lists as ended (for
MinJobAge): a `squeue -u <user> -t <ended states>` per server, three RPCs each. The service asks
``squeue -t all`` instead of the default (which is exactly every state but the ended ones), keeps
the rest as the queue and serves each person their ended jobs, so the servers need not ask.
"""

from __future__ import annotations

from ..models import Job
from ..scheduler.slurm import SlurmBackend
from ..scheduler.slurm_parse import SQUEUE_ARGV, parse_squeue

#: the states squeue leaves out unless asked (-t BF,CA,CD,DL,F,NF,OOM,PR,TO), as %T prints them
ENDED_STATES = frozenset(
    {
        "BOOT_FAIL",
        "CANCELLED",
        "COMPLETED",
        "DEADLINE",
        "FAILED",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "TIMEOUT",
    }
)


def split_ended(jobs: list[Job]) -> tuple[list[Job], tuple[tuple[str, str], ...]]:
    """(the queue as plain squeue lists it, (id, user) of each ended job)."""
    queue = [job for job in jobs if job.state not in ENDED_STATES]
    ended = tuple((job.id, job.user) for job in jobs if job.state in ENDED_STATES)
    return queue, ended


class SiteSlurmBackend(SlurmBackend):
    """Slurm's commands, the queue read with its ended jobs (`ended`, after each list_jobs)."""

    def __init__(self, command_timeout: float = 10.0) -> None:
        super().__init__(command_timeout)
        self.ended: tuple[tuple[str, str], ...] | None = None

    async def list_jobs(self) -> list[Job]:
        keep: dict[str, Job] = {}
        text = (await self._run((*SQUEUE_ARGV, "-t", "all"))).stdout
        jobs = parse_squeue(text, self._last_lines, keep)
        self._last_lines = keep
        queue, self.ended = split_ended(jobs)
        return queue
