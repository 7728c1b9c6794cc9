"""Grid Engine (Son of Grid Engine, SGE) through its commands: qstat, qhost, qconf, qdel, qhold, qrls.

Cluster queues are the partitions. Grid Engine plans no start times, so there are no estimates.
Its client tools print their complaints on stdout, with exit codes that vary from one tool to
the next; both streams are read.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from ..errors import CommandFailed, NotFound, SchedulerUnavailable
from ..jobids import validate_job_id
from ..logs.paths import JobOutput
from ..models import Job, Node, Partition
from ..runner import Result, command_exists, run
from .base import JOB_ACTIONS, SchedulerBackend
from .sge_hosts import (
    QHOST_ARGV,
    QUEUES_ARGV,
    build_partitions,
    parse_hosts,
    parse_qhost,
    parse_queue_configs,
)
from .sge_parse import QSTAT_ARGV, USER_HOLDS_ARGV, held_keys, parse_qstat

# How the client tools say the qmaster could not be reached (or the cell is not set up).
_UNREACHABLE = re.compile(
    r"commlib error|unable to (?:send message to|contact) qmaster|can't (?:resolve|connect)|"
    r"timed? ?out|act_qmaster|cell directory|SGE_ROOT|please set the environment|"
    r"failed receiving gdi request|connection refused",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(r'job "?\d+"? (?:task "?[\d-]+"? )?does not exist|invalid job-task identifier')
_PERMISSION = re.compile(r"necessary privileges|must be at least owner|must be (?:operator|manager)")
#: argv before the job. Holds are user holds: the job's owner can release them, as with Slurm's
#: uhold. A release that changed nothing is tried again on an operator hold (see job_action).
_ACTION_ARGV: dict[str, tuple[str, ...]] = {
    "cancel": ("qdel",),
    "hold": ("qhold", "-h", "u"),
    "release": ("qrls", "-h", "u"),
}
_OPERATOR_RELEASE = ("qrls", "-h", "o")
_HINTS = {
    "permission": "only the job's owner or a Grid Engine operator may do this",
    "operator": "a hold set by a Grid Engine operator needs one to release it",
}


def _lines(result: Result) -> list[str]:
    return [line.strip() for line in (result.stdout + "\n" + result.stderr).splitlines() if line.strip()]


def _message(result: Result) -> str:
    lines = _lines(result)
    return lines[0] if lines else f"{result.argv[0]} exited with status {result.returncode}"


def sge_target(job_id: str) -> str:
    """A validated job id as Grid Engine names it: ``123`` -> ``123``, ``123_4`` -> ``123.4``.
    NotFound for ``123+1``: Grid Engine has no heterogeneous jobs."""
    validate_job_id(job_id)
    if "+" in job_id:
        raise NotFound(f"job {job_id} not found: Grid Engine has no heterogeneous job components")
    return job_id.replace("_", ".")


def action_error(action: str, job_id: str, result: Result) -> Exception | None:
    """What a finished qdel/qhold/qrls run means: None when it did what was asked, else the error
    to raise (NotFound, SchedulerUnavailable or CommandFailed with Grid Engine's own words)."""
    lines = _lines(result)
    complaints = [line for line in lines if line.startswith(("denied:", "error:")) or _NOT_FOUND.search(line)]
    complaints += [line for line in lines if _PERMISSION.search(line) and line not in complaints]
    if result.returncode == 0 and not complaints:
        return None
    reason = (complaints or lines or [_message(result)])[0]
    reason = re.sub(r"^(?:denied|error): (?:ERROR! )?", "", reason)
    if _UNREACHABLE.search(reason):
        return SchedulerUnavailable(f"Grid Engine qmaster unreachable: {reason}")
    if _NOT_FOUND.search(reason):
        return NotFound(f"job {job_id} not found: Grid Engine says {reason!r} (it may have ended)")
    hint = ""
    if re.search(r"must be (?:operator|manager) to remove", reason):
        hint = _HINTS["operator"]
    elif _PERMISSION.search(reason):
        hint = _HINTS["permission"]
    message = f"Grid Engine refused to {action} job {job_id}: {reason}" + (f" ({hint})" if hint else "")
    return CommandFailed(message, argv=list(result.argv), returncode=result.returncode)


def _changed(result: Result) -> bool:
    """Whether qhold/qrls changed a hold: it says "modified hold of job N" when it did."""
    return any(line.startswith("modified hold") for line in _lines(result))


class SgeBackend(SchedulerBackend):
    name = "sge"
    live_queue = True

    def __init__(self, command_timeout: float = 10.0) -> None:
        self.command_timeout = command_timeout

    @staticmethod
    def available() -> bool:
        """Grid Engine's commands on PATH. PBS and Torque also have a qstat, but no qhost or qconf."""
        return all(command_exists(c) for c in ("qstat", "qhost", "qconf"))

    async def _run(self, argv: tuple[str, ...] | list[str]) -> Result:
        """Run a query; a non-zero exit becomes SchedulerUnavailable or CommandFailed."""
        result = await run(list(argv), timeout=self.command_timeout)
        if result.returncode != 0:
            message = _message(result)
            if _UNREACHABLE.search(result.stdout + result.stderr):
                raise SchedulerUnavailable(f"Grid Engine qmaster unreachable: {message}")
            raise CommandFailed(message, argv=list(argv), returncode=result.returncode)
        return result

    async def version(self) -> str:
        # "SGE 8.1.9", "OGS/GE 2011.11p1", "UGE 8.5.4": the first line of any client's -help.
        first = (await self._run(["qstat", "-help"])).stdout.splitlines()
        words = first[0].split() if first else []
        return f"sge {words[-1]}" if words else "sge"

    async def ping(self) -> None:
        """`qconf -sss` (the scheduler's host) needs the qmaster and costs it nothing."""
        result = await run(["qconf", "-sss"], timeout=self.command_timeout)
        if result.returncode != 0 or not result.stdout.strip():
            raise SchedulerUnavailable(f"Grid Engine qmaster is not answering: {_message(result)}")

    async def list_jobs(self) -> list[Job]:
        text = (await self._run(QSTAT_ARGV)).stdout
        now = datetime.now()
        try:
            jobs = parse_qstat(text, now)
            if any(job.reason.startswith("JobHeld") for job in jobs):
                # Tell the owner's holds from an operator's: a second, filtered listing.
                held = held_keys((await self._run(USER_HOLDS_ARGV)).stdout)
                jobs = parse_qstat(text, now, held)
        except ValueError as e:
            raise CommandFailed(f"unreadable qstat output: {e}", argv=list(QSTAT_ARGV)) from e
        return jobs

    async def list_nodes(self) -> list[Node]:
        text = (await self._run(QHOST_ARGV)).stdout
        try:
            return parse_qhost(text)
        except ValueError as e:
            raise CommandFailed(f"unreadable qhost output: {e}", argv=list(QHOST_ARGV)) from e

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        """Cluster queues; `nodes` is not enough here (queue instances are per host), so qhost
        is asked again alongside qconf."""
        # Both commands run to their end even when one fails: no child is left behind.
        configs, hosts = await asyncio.gather(
            self._run(QUEUES_ARGV), self._run(QHOST_ARGV), return_exceptions=True
        )
        if isinstance(configs, BaseException):
            raise configs
        if isinstance(hosts, BaseException):
            raise hosts
        try:
            return build_partitions(parse_queue_configs(configs.stdout), parse_hosts(hosts.stdout))
        except ValueError as e:
            raise CommandFailed(f"unreadable qhost output: {e}", argv=list(QHOST_ARGV)) from e

    async def estimated_starts(self) -> dict[str, str]:
        return {}  # Grid Engine does not plan start times

    async def _act(self, action: str, job_id: str, argv: list[str]) -> Result:
        result = await run(argv, timeout=self.command_timeout)
        error = action_error(action, job_id, result)
        if error is not None:
            raise error
        return result

    async def job_action(self, job_id: str, action: str) -> None:
        if action not in JOB_ACTIONS:
            raise ValueError(f"unknown job action {action!r}; expected one of {', '.join(JOB_ACTIONS)}")
        # Checked again here: nothing but a plain job id may reach the command line.
        target = sge_target(job_id)
        result = await self._act(action, job_id, [*_ACTION_ARGV[action], target])
        if action == "release" and not _changed(result):
            # No user hold to release: maybe an operator's, which only an operator may lift.
            await self._act(action, job_id, [*_OPERATOR_RELEASE, target])

    async def job_output(self, job_id: str, hostnames: tuple[str, ...] = ()) -> JobOutput:
        """Where a job's stdout and stderr go (``qstat -j``); NotFound once it left the system."""
        from ..logs.sge_paths import parse_sge_job_output

        target = sge_target(job_id).split(".")[0]
        result = await run(["qstat", "-j", target], timeout=self.command_timeout)
        output = parse_sge_job_output(result.stdout, job_id, hostnames) if result.returncode == 0 else None
        if output is None:
            message = _message(result)
            if "not exist" in message or result.returncode == 0 or "Following jobs do not exist" in message:
                raise NotFound(f"job {job_id} is not known to Grid Engine (any more)")
            raise SchedulerUnavailable(f"Grid Engine did not answer: {message}")
        return output
