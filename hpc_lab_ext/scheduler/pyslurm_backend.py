"""Slurm through pyslurm (the Python bindings of libslurm): RPCs to slurmctld, no child processes.

Optional. Used when ``import pyslurm`` works and pyslurm's major.minor is the installed Slurm's
(pyslurm 22.5.x for Slurm 22.05: the bindings are built against one Slurm release). pyslurm has no
type stubs and is imported lazily, typed as Any; its dictionaries become models in the pure functions
of pyslurm_convert, which name the pyslurm version whose field names they follow.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import re
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..errors import CommandFailed, NotFound, SchedulerUnavailable
from ..jobids import validate_job_id
from ..models import Job, Node, Partition
from ..runner import run
from .base import JOB_ACTIONS, SchedulerBackend
from .pyslurm_convert import jobs_from_pyslurm, nodes_from_pyslurm, partitions_from_pyslurm

# The CLI backend's words for the same Slurm errors: one place decides what they mean.
from .slurm import _HINTS, _NOT_FOUND, _UNREACHABLE, SlurmBackend

T = TypeVar("T")

#: slurm_errno.h codes meaning the controller did not answer: the communication errors
#: (SLURM_COMMUNICATIONS_*, SLURMCTLD_COMMUNICATIONS_*) and socket timeouts / zero bytes.
UNREACHABLE_ERRNOS = frozenset({1001, 1002, 1003, 1004, 1800, 1801, 1802, 1803, 5004, 5005})
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)")
_PROBE_TIMEOUT = 10.0


def _pyslurm() -> Any:
    return importlib.import_module("pyslurm")


def pyslurm_version(module: Any) -> str:
    """pyslurm's own version: ``pyslurm.version()`` in 22.5, ``__version__`` where that is gone."""
    version = getattr(module, "version", None)
    return str(version() if callable(version) else getattr(module, "__version__", "unknown"))


def major_minor(version: str) -> tuple[int, int] | None:
    """(22, 5) for pyslurm's ``22.5.1`` and for Slurm's ``22.05.8`` alike."""
    m = _MAJOR_MINOR.search(version)
    return (int(m.group(1)), int(m.group(2))) if m else None


def installed_slurm_version(timeout: float = _PROBE_TIMEOUT) -> str | None:
    """Slurm's version as ``scontrol --version`` prints it (22.05.8), or None when it cannot be read.

    Synchronous, for backend selection at start-up: the runner's coroutine runs on its own loop in a
    worker thread, so this works whether or not the caller's thread already runs an event loop.
    """

    def ask() -> str | None:
        try:
            result = asyncio.run(run(["scontrol", "--version"], timeout=timeout))
        except SchedulerUnavailable:
            return None
        words = result.stdout.split()
        return words[-1] if result.returncode == 0 and words else None

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(ask).result()


@functools.lru_cache(maxsize=1)
def probe() -> str | None:
    """Why pyslurm cannot be used here, or None when it can. Asked once per process (cached)."""
    try:
        module = _pyslurm()
    except Exception as e:  # ImportError, or libslurm failing to load under it
        return f"pyslurm not importable ({type(e).__name__}: {e})"
    version = pyslurm_version(module)
    slurm = installed_slurm_version()
    if slurm is None:
        return f"pyslurm {version} is installed but Slurm's version could not be read (scontrol --version)"
    wanted = major_minor(slurm)
    if wanted is None or major_minor(version) != wanted:
        return f"pyslurm {version} does not match Slurm {slurm}"
    return None


def slurm_error(error: ValueError) -> tuple[str, int | None]:
    """(Slurm's message, errno) of pyslurm's ``ValueError(slurm_strerror(errno), errno)``."""
    args = error.args
    message = str(args[0]) if args else str(error)
    errno = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    return message.strip() or "unknown Slurm error", errno


class PyslurmBackend(SchedulerBackend):
    """Slurm read through pyslurm 22.5's dictionary API, with the CLI backend's semantics.

    From pyslurm: ``list_jobs`` (``pyslurm.job().get()``), ``list_nodes`` (``pyslurm.node().get()``),
    ``list_partitions`` (``pyslurm.partition().get()``), ``ping`` (``pyslurm.slurm_ping``) and the
    ``cancel`` action (``pyslurm.slurm_kill_job2``, as scancel does it).

    Delegated to the CLI backend it holds (``self.cli``), because pyslurm 22.5's dictionary API has
    no call for them: ``estimated_starts`` (``squeue --start``), the ``hold`` and ``release`` actions
    (``scontrol uhold`` / ``release``: a hold the job's owner may release, as the CLI backend sets
    it) and ``version`` (``sinfo --version``, with pyslurm's version added).

    Every pyslurm call is a blocking C call: it runs in a worker thread within ``command_timeout``
    (after which SchedulerUnavailable is raised; the call itself ends at Slurm's MessageTimeout).
    """

    #: what clients see and the app keys on (Dask profiles for "slurm"): the scheduler, not the route
    name = "slurm"
    #: how this backend reads Slurm ("cli" for SlurmBackend)
    implementation = "pyslurm"
    live_queue = True

    def __init__(self, command_timeout: float = 10.0) -> None:
        self.command_timeout = command_timeout
        self.cli = SlurmBackend(command_timeout=command_timeout)

    @classmethod
    def available(cls) -> bool:
        """True when pyslurm imports and its major.minor matches the installed Slurm's."""
        return probe() is None

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why ``available()`` is False ("pyslurm not importable (...)", "pyslurm X does not match
        Slurm Y"); None when it is True."""
        return probe()

    async def _call(self, what: str, call: Callable[[Any], T]) -> T:
        """``call(pyslurm)`` in a worker thread within the timeout, pyslurm's errors mapped.

        The dictionary API raises ValueError(message, errno): an unreachable controller becomes
        SchedulerUnavailable, any other refusal CommandFailed with Slurm's own message.
        """
        module = _pyslurm()
        try:
            return await asyncio.wait_for(asyncio.to_thread(call, module), self.command_timeout)
        except asyncio.TimeoutError:
            raise SchedulerUnavailable(
                f"pyslurm {what} did not answer within {self.command_timeout:g} s"
            ) from None
        except ValueError as e:
            message, errno = slurm_error(e)
            if errno in UNREACHABLE_ERRNOS or _UNREACHABLE.search(message):
                raise SchedulerUnavailable(f"Slurm controller unreachable: {message}") from e
            raise CommandFailed(message, argv=[f"pyslurm {what}"], returncode=errno) from e

    async def version(self) -> str:
        return f"{await self.cli.version()} (pyslurm {pyslurm_version(_pyslurm())})"

    async def ping(self) -> None:
        try:
            await self._call("ping", lambda pyslurm: pyslurm.slurm_ping(0))
        except CommandFailed as e:
            raise SchedulerUnavailable(f"Slurm controller is not answering: {e.message}") from e

    async def list_jobs(self) -> list[Job]:
        return jobs_from_pyslurm(await self._call("job list", lambda pyslurm: pyslurm.job().get()))

    async def list_nodes(self) -> list[Node]:
        return nodes_from_pyslurm(await self._call("node list", lambda pyslurm: pyslurm.node().get()))

    async def _partition_records(self) -> dict[str, Any]:
        records: dict[str, Any] = await self._call(
            "partition list", lambda pyslurm: pyslurm.partition().get()
        )
        return records

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        """Partitions with GPU totals summed over `nodes`, read from Slurm when not given."""
        if nodes is not None:
            return partitions_from_pyslurm(await self._partition_records(), nodes)
        records, listed = await asyncio.gather(
            self._partition_records(), self.list_nodes(), return_exceptions=True
        )
        if isinstance(records, BaseException):
            raise records
        if isinstance(listed, BaseException):
            raise listed
        return partitions_from_pyslurm(records, listed)

    async def estimated_starts(self) -> dict[str, str]:
        """Delegated to the CLI backend (``squeue --start``)."""
        return await self.cli.estimated_starts()

    async def job_action(self, job_id: str, action: str) -> None:
        """Cancel through pyslurm; hold and release through the CLI backend (see the class)."""
        if action not in JOB_ACTIONS:
            raise ValueError(f"unknown job action {action!r}; expected one of {', '.join(JOB_ACTIONS)}")
        job_id = validate_job_id(job_id)
        if action != "cancel":
            await self.cli.job_action(job_id, action)
            return
        # scancel's default: SIGKILL makes slurmctld end the job (SIGCONT, SIGTERM, KillWait, SIGKILL).
        # The id is a string so "123_4" and "123+1" reach one array task / het-job component.
        kill = int(signal.SIGKILL)
        try:
            await self._call("cancel", lambda pyslurm: pyslurm.slurm_kill_job2(job_id.encode(), kill, 0))
        except CommandFailed as e:
            reason = e.message
            if reason.startswith(_NOT_FOUND):
                raise NotFound(
                    f"job {job_id} not found: Slurm says {reason!r} (it may have ended and left the queue)"
                ) from e
            hint = _HINTS.get((action, reason))
            message = f"Slurm refused to {action} job {job_id}: {reason}" + (f" ({hint})" if hint else "")
            raise CommandFailed(message, argv=e.argv, returncode=e.returncode) from e
