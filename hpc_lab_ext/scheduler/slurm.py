"""Slurm through its command-line tools (squeue, sinfo, scontrol): always there where Slurm is."""

from __future__ import annotations

import re

from ..errors import CommandFailed, SchedulerUnavailable
from ..models import Job, Node
from ..runner import Result, command_exists, run
from .base import SchedulerBackend
from .slurm_parse import NODES_ARGV, SQUEUE_ARGV, parse_nodes, parse_squeue

# How the client tools say the controller could not be reached.
_UNREACHABLE = re.compile(
    r"unable to contact slurm controller|connect failure|connection refused|timed out|"
    r"communication connection failure|socket timed out|zero bytes were transmitted|"
    r"munge|authentication|could not establish a configuration source|no such file or directory",
    re.IGNORECASE,
)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class SlurmBackend(SchedulerBackend):
    name = "slurm"
    live_queue = True

    def __init__(self, command_timeout: float = 10.0) -> None:
        self.command_timeout = command_timeout

    @staticmethod
    def available() -> bool:
        return command_exists("squeue") and command_exists("sinfo")

    async def _run(self, argv: tuple[str, ...] | list[str]) -> Result:
        """Run a Slurm command; a non-zero exit becomes SchedulerUnavailable or CommandFailed."""
        result = await run(list(argv), timeout=self.command_timeout)
        if result.returncode != 0:
            message = _first_line(result.stderr) or _first_line(result.stdout)
            message = message or f"{argv[0]} exited with status {result.returncode}"
            message = re.sub(r"^slurm_\w+ error: ", "", message)
            if _UNREACHABLE.search(message):
                raise SchedulerUnavailable(f"Slurm controller unreachable: {message}")
            raise CommandFailed(message, argv=list(argv), returncode=result.returncode)
        return result

    async def version(self) -> str:
        # Debian prints "slurm-wlm 22.05.8", upstream builds "slurm 22.05.8".
        words = (await self._run(["sinfo", "--version"])).stdout.split()
        return f"slurm {words[-1]}" if words else "slurm"

    async def ping(self) -> None:
        result = await run(["scontrol", "ping"], timeout=self.command_timeout)
        text = (result.stdout + result.stderr).strip()
        if result.returncode != 0 or " is UP" not in text:
            detail = _first_line(text) or f"scontrol ping exited with status {result.returncode}"
            raise SchedulerUnavailable(f"Slurm controller is not answering: {detail}")

    async def list_jobs(self) -> list[Job]:
        return parse_squeue((await self._run(SQUEUE_ARGV)).stdout)

    async def list_nodes(self) -> list[Node]:
        return parse_nodes((await self._run(NODES_ARGV)).stdout)
