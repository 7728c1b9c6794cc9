"""Slurm through its command-line tools (squeue, sinfo, scontrol): always there where Slurm is."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from ..errors import CommandFailed, Conflict, NotFound, SchedulerUnavailable
from ..jobids import validate_job_id
from ..logs.paths import JobOutput, parse_job_output
from ..models import Job, Node, Partition
from ..runner import Result, command_exists, run
from .base import JOB_ACTIONS, SchedulerBackend
from .slurm_parse import (
    CONFIG_ARGV,
    NODES_ARGV,
    PARTITIONS_ARGV,
    SQUEUE_ARGV,
    START_ARGV,
    parse_config,
    parse_nodes,
    parse_partitions,
    parse_squeue,
    parse_starts,
)

if TYPE_CHECKING:
    from ..history.records import EndedJob

# How the client tools say the controller could not be reached.
_UNREACHABLE = re.compile(
    r"unable to contact slurm controller|connect failure|connection refused|timed out|"
    r"communication connection failure|socket timed out|zero bytes were transmitted|"
    r"munge|authentication|could not establish a configuration source|no such file or directory",
    re.IGNORECASE,
)

#: argv before the job id. scancel is silent about unknown and finished jobs (and exits 0) unless
#: verbose; with -v it also prints "Terminating job N", which is not an error. uhold is hold for
#: a plain user; run by a Slurm administrator it still makes a hold the job's owner may release
#: (scontrol hold would make an administrator hold, JobHeldAdmin, that only an administrator can).
_ACTION_ARGV: dict[str, tuple[str, ...]] = {
    "cancel": ("scancel", "-v"),
    "hold": ("scontrol", "uhold"),
    "release": ("scontrol", "release"),
}
# What Slurm wraps around the reason: "scancel: error: Kill job error on job id 12: <reason>",
# "<reason> for job 12" then "slurm_suspend error: <reason>", "12_3: <reason>".
_ERROR_PREFIX = re.compile(
    r"^(?:(?:scancel|scontrol): )?(?:slurm_\w+ )?(?:error: )?"
    r"(?:Kill job error on job id \S+: )?(?:[0-9_+]+: )?"
)
_ERROR_SUFFIX = re.compile(r" for job \S+$")
_NOT_FOUND = "Invalid job id specified"
# scontrol hold/release print this (and not "Unable to contact...") when slurmctld is unreachable.
_AMBIGUOUS = "Unexpected message received"
# Slurm's words where they alone would puzzle the person using the panel, by (action, reason).
_OWNER_ONLY = "only the job's owner or a Slurm administrator may do this"
_HINTS = {
    ("cancel", "Access/permission denied"): _OWNER_ONLY,
    ("hold", "Invalid user id"): _OWNER_ONLY,
    ("release", "Invalid user id"): _OWNER_ONLY,
    ("release", "Access/permission denied"): "a hold set by a Slurm administrator needs one to release it",
}


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _error_lines(result: Result) -> list[str]:
    """Slurm's complaints in a job action's output; empty when it succeeded."""
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if re.search(r"(?:^|\s)error: ", line)]
    if result.returncode != 0 and not errors:
        errors = lines or [
            _first_line(result.stdout) or f"{result.argv[0]} exited with status {result.returncode}"
        ]
    return errors


def slurm_reason(line: str) -> str:
    """Slurm's own reason in one of its error lines, without the program and job id around it."""
    return _ERROR_SUFFIX.sub("", _ERROR_PREFIX.sub("", line.strip())).strip() or line.strip()


class SlurmBackend(SchedulerBackend):
    name = "slurm"
    live_queue = True

    def __init__(self, command_timeout: float = 10.0) -> None:
        self.command_timeout = command_timeout
        self._last_lines: dict[str, Job] = {}

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
        # Lines unchanged since the last poll keep their parsed job: a big queue changes little.
        keep: dict[str, Job] = {}
        jobs = parse_squeue((await self._run(SQUEUE_ARGV)).stdout, self._last_lines, keep)
        self._last_lines = keep
        return jobs

    async def list_nodes(self) -> list[Node]:
        return parse_nodes((await self._run(NODES_ARGV)).stdout)

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        """Partitions with GPU totals summed over `nodes`, read from Slurm when not given."""
        if nodes is not None:
            return parse_partitions((await self._run(PARTITIONS_ARGV)).stdout, nodes)
        # Both commands run to their end even when one fails: no child is left behind.
        partitions, listed = await asyncio.gather(
            self._run(PARTITIONS_ARGV), self.list_nodes(), return_exceptions=True
        )
        if isinstance(partitions, BaseException):
            raise partitions
        if isinstance(listed, BaseException):
            raise listed
        return parse_partitions(partitions.stdout, listed)

    async def estimated_starts(self) -> dict[str, str]:
        return parse_starts((await self._run(START_ARGV)).stdout)

    async def show_job(self, job_id: str) -> str:
        """``scontrol -o show job <id>``: one line per job (an array's base id: one per task);
        NotFound once Slurm has forgotten the job (MinJobAge after its end)."""
        job_id = validate_job_id(job_id)
        result = await run(["scontrol", "-o", "show", "job", job_id], timeout=self.command_timeout)
        if result.returncode != 0:
            message = _first_line(result.stderr) or f"scontrol exited with status {result.returncode}"
            if _NOT_FOUND in message:
                raise NotFound(f"job {job_id} is not known to Slurm (any more)")
            if _UNREACHABLE.search(message):
                raise SchedulerUnavailable(f"Slurm controller unreachable: {message}")
            raise CommandFailed(message, argv=list(result.argv), returncode=result.returncode)
        return result.stdout

    async def job_output(self, job_id: str, hostnames: tuple[str, ...] = ()) -> JobOutput:
        """Where a job's stdout and stderr go; NotFound once Slurm has forgotten the job."""
        output = parse_job_output(await self.show_job(job_id), job_id, hostnames)
        if output is None:
            raise NotFound(f"job {job_id} is not known to Slurm (any more)")
        return output

    async def ended_job(self, user: str, job_id: str) -> EndedJob | None:
        """One of the user's ended jobs from accounting (None when it is not theirs or not ended)."""
        from ..history.records import parse_sacct, sacct_argv

        job_id = validate_job_id(job_id)
        jobs = parse_sacct((await self._run(sacct_argv(user, 0, job_id))).stdout)
        return next((j for j in jobs if j.id == job_id), None)

    async def batch_script(self, job_id: str) -> tuple[str | None, str]:
        """(the job's batch script as accounting kept it, or None; its working directory)."""
        from ..history.records import parse_batch_script

        job_id = validate_job_id(job_id)
        script = parse_batch_script((await self._run(["sacct", "-B", "-j", job_id])).stdout)
        workdir = (await self._run(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "WorkDir"])).stdout
        return script, (workdir.strip().splitlines() or [""])[0]

    async def submit_script(self, script: str, options: list[str]) -> str:
        """sbatch the script (on its standard input) with `options`; the new job's id."""
        result = await run(["sbatch", "--parsable", *options], stdin=script, timeout=self.command_timeout)
        if result.returncode != 0:
            message = _first_line(result.stderr) or f"sbatch exited with status {result.returncode}"
            if _UNREACHABLE.search(message):
                raise SchedulerUnavailable(f"Slurm controller unreachable: {message}")
            raise CommandFailed(f"Slurm refused the job: {message}", argv=list(result.argv))
        return result.stdout.strip().split(";")[0]

    async def recently_ended(self, user: str) -> list[str]:
        """Ids of the user's jobs that ended and that Slurm still keeps (for MinJobAge)."""
        argv = ["squeue", "--noheader", "-u", user, "-t", "BF,CA,CD,DL,F,NF,OOM,PR,TO", "-o", "%i"]
        return (await self._run(argv)).stdout.split()

    async def ended_jobs(self, user: str, days: int) -> list[EndedJob]:
        """The user's jobs that ended in the last `days` days, from Slurm's accounting (sacct).
        CommandFailed, with sacct's own words, where there is no accounting."""
        from ..history.records import parse_sacct, sacct_argv  # history imports this package

        result = await run(sacct_argv(user, days), timeout=max(self.command_timeout, 30.0))
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
            # its last line says it plainly ("Problem talking to the database: Connection refused")
            message = lines[-1] if lines else f"sacct exited with status {result.returncode}"
            message = re.sub(r"^sacct: (?:error: )?", "", message)
            raise CommandFailed(message, argv=list(result.argv), returncode=result.returncode)
        return parse_sacct(result.stdout)

    async def config(self) -> dict[str, str]:
        """The controller's running configuration (`scontrol show config`) as Key -> value."""
        return parse_config((await self._run(CONFIG_ARGV)).stdout)

    async def _undo_late_hold(self, job_id: str) -> None:
        """Slurm accepts a hold on a job that has already started: it changes nothing but the job's
        reason ("held"). A job that started between the last poll and the hold is released again
        and the hold refused, so its details never say RUNNING and "held by you"."""
        result = await run(("squeue", "--noheader", "-j", job_id, "-o", "%T"), timeout=self.command_timeout)
        states = {line.strip() for line in result.stdout.splitlines() if line.strip()}
        if not states or "PENDING" in states:
            return  # held (an array's started tasks keep only a harmless mark), or already gone
        await run([*_ACTION_ARGV["release"], job_id], timeout=self.command_timeout)
        state = sorted(states)[0].lower()
        raise Conflict(f"job {job_id} started before it could be held: it is {state} (cancel it to stop it)")

    async def job_action(self, job_id: str, action: str) -> None:
        if action not in JOB_ACTIONS:
            raise ValueError(f"unknown job action {action!r}; expected one of {', '.join(JOB_ACTIONS)}")
        # Checked again here: nothing but a plain job id may reach the command line.
        argv = [*_ACTION_ARGV[action], validate_job_id(job_id)]
        result = await run(argv, timeout=self.command_timeout)
        errors = _error_lines(result)
        if not errors:
            if action == "hold":
                await self._undo_late_hold(argv[-1])
            return
        reason = slurm_reason(errors[0])
        if _UNREACHABLE.search(reason):
            raise SchedulerUnavailable(f"Slurm controller unreachable: {reason}")
        if reason.startswith(_NOT_FOUND):
            raise NotFound(
                f"job {job_id} not found: Slurm says {reason!r} (it may have ended and left the queue)"
            )
        if reason.startswith(_AMBIGUOUS):
            await self.ping()  # raises SchedulerUnavailable when that is what the message meant
        hint = _HINTS.get((action, reason))
        message = f"Slurm refused to {action} job {job_id}: {reason}" + (f" ({hint})" if hint else "")
        raise CommandFailed(message, argv=argv, returncode=result.returncode)
