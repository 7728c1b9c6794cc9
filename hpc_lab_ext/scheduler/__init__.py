"""Scheduler backends and how one is chosen."""

from __future__ import annotations

import importlib.util
import logging

from ..runner import command_exists
from .base import SchedulerBackend
from .local import LocalBackend
from .pyslurm_backend import PyslurmBackend
from .sge import SgeBackend
from .slurm import SlurmBackend

log = logging.getLogger(__name__)

#: "slurm" is the older name of "cli", kept for existing configurations.
BACKEND_NAMES = ("auto", "cli", "pyslurm", "slurm", "sge", "local")


def select_backend(name: str, *, command_timeout: float = 10.0) -> SchedulerBackend:
    """The backend for a configured name.

    - "cli" (or "slurm"): Slurm through its commands (squeue, scontrol, ...);
    - "pyslurm": Slurm through pyslurm; ValueError, with the reason, when it cannot be used here;
    - "sge": Grid Engine through its commands (qstat, qhost, qconf, ...);
    - "local": no scheduler, this machine as one node;
    - "auto": Slurm's commands when they are on PATH (faster than pyslurm from a few hundred jobs
      up, measured), else pyslurm when it is usable, else Grid Engine's (qstat with qhost and qconf:
      PBS has a qstat too, but neither of the others), else local. Why pyslurm is not used is
      logged.

    Both Slurm backends are named "slurm" (what clients show and key on); PyslurmBackend tells
    itself apart by ``implementation == "pyslurm"``.
    """
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKEND_NAMES)}")
    if name == "local":
        return LocalBackend()
    if name in ("cli", "slurm"):
        return SlurmBackend(command_timeout=command_timeout)
    if name == "sge":
        return SgeBackend(command_timeout=command_timeout)
    if name == "pyslurm":
        reason = PyslurmBackend.unavailable_reason()
        if reason is not None:
            raise ValueError(f"backend 'pyslurm' cannot be used: {reason}; choose 'cli' or 'auto' instead")
        return PyslurmBackend(command_timeout=command_timeout)
    if SlurmBackend.available():
        # Measured (benchmarks/backend_bench.py, docs/performance.md): pyslurm's object API is
        # faster on a small queue (100 jobs: 8.6 ms against 45 ms a refresh) but slower from a few
        # hundred jobs up (10,000: 763 ms against 216 ms, three times the CPU), where it matters.
        # pyslurm is not even imported then (importing it initialises libslurm).
        if importlib.util.find_spec("pyslurm") is not None:
            log.info(
                "backend 'auto' uses Slurm's commands, which are faster than pyslurm on queues of more "
                "than a few hundred jobs; set backend = 'pyslurm' to use pyslurm"
            )
        return SlurmBackend(command_timeout=command_timeout)
    reason = PyslurmBackend.unavailable_reason()
    if reason is None:
        return PyslurmBackend(command_timeout=command_timeout)
    log.info("backend 'auto' does not use pyslurm: %s", reason)
    if SgeBackend.available():
        return SgeBackend(command_timeout=command_timeout)
    return LocalBackend(unsupported=unsupported_scheduler())


def unsupported_scheduler() -> str | None:
    """A scheduler whose commands are here but whose queue has no backend yet (PBS, LSF), else None."""
    if command_exists("qstat") and command_exists("pbsnodes"):
        return "PBS"
    if command_exists("bjobs"):
        return "LSF"
    return None


__all__ = [
    "BACKEND_NAMES",
    "LocalBackend",
    "PyslurmBackend",
    "SchedulerBackend",
    "SgeBackend",
    "SlurmBackend",
    "select_backend",
]
