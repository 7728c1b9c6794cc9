"""Scheduler backends and how one is chosen."""

from __future__ import annotations

from .base import SchedulerBackend
from .local import LocalBackend
from .slurm import SlurmBackend

BACKEND_NAMES = ("auto", "slurm", "local")


def select_backend(name: str, *, command_timeout: float = 10.0) -> SchedulerBackend:
    """The backend for a configured name; "auto" picks Slurm when its commands are on PATH."""
    if name not in BACKEND_NAMES:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKEND_NAMES)}")
    if name == "local":
        return LocalBackend()
    if name == "slurm" or SlurmBackend.available():
        return SlurmBackend(command_timeout=command_timeout)
    return LocalBackend()


__all__ = ["BACKEND_NAMES", "LocalBackend", "SchedulerBackend", "SlurmBackend", "select_backend"]
