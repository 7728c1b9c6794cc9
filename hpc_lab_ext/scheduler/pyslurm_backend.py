"""Slurm through pyslurm (the Python bindings of libslurm): RPCs to slurmctld, no child processes.

Optional. Used when ``import pyslurm`` works and pyslurm's major.minor is the running Slurm's
(pyslurm 25.11.x for Slurm 25.11: the bindings are built against one Slurm release, and no pyslurm
on PyPI builds against Debian's 22.05). Written for pyslurm's object API (25.11.2, the current one:
``pyslurm.Jobs.load()`` and friends); the old dictionary API (``pyslurm.job().get()``, pyslurm
22.5 and before) is not supported. pyslurm has no type stubs and is imported lazily, typed as Any;
its objects become models in the pure functions of pyslurm_convert.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..errors import CommandFailed, NotFound, SchedulerUnavailable
from ..jobids import validate_job_id
from ..models import Job, Node, Partition
from ..runner import run
from .base import JOB_ACTIONS, SchedulerBackend
from .pyslurm_convert import (
    field,
    gpus_in_use,
    job_ids,
    jobs_from_pyslurm,
    local_time,
    nodes_from_pyslurm,
    partitions_from_pyslurm,
)

# The CLI backend's words for the same Slurm errors: one place decides what they mean.
from .slurm import _HINTS, _NOT_FOUND, _UNREACHABLE, SlurmBackend

T = TypeVar("T")

#: slurm_errno.h codes meaning the controller did not answer: the communication errors
#: (SLURM_COMMUNICATIONS_*, SLURMCTLD_COMMUNICATIONS_*) and socket timeouts / zero bytes.
UNREACHABLE_ERRNOS = frozenset({1001, 1002, 1003, 1004, 1800, 1801, 1802, 1803, 5004, 5005})
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)")
_PROBE_TIMEOUT = 10.0
#: how long one job load serves further readers (the calls of one poll run together)
JOBS_SHARED_S = 0.25


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


def slurm_error(error: BaseException) -> tuple[str, int | None]:
    """(Slurm's message, errno) of pyslurm's ``RPCError`` (its ``msg`` and ``errno``)."""
    errno = getattr(error, "errno", None)
    message = getattr(error, "msg", None) or str(error)
    return str(message).strip() or "unknown Slurm error", errno if isinstance(errno, int) else None


#: a plain job id, which pyslurm's Job takes; array tasks ("12_3") and het-job components ("12+1")
#: are acted on through the CLI backend, which passes the id to Slurm as it is written
_PLAIN_ID = re.compile(r"\d+")


def _has_gpus(nodes: Any) -> bool:
    return any("gpu" in str(field(node, "configured_gres") or "") for node in list(nodes.values()))


def estimated_starts_of(jobs: Any) -> dict[str, str]:
    """Job id -> ISO expected start of pending jobs that have one (what ``squeue --start`` lists)."""
    starts: dict[str, str] = {}
    for job in jobs.values():
        if str(field(job, "state") or "").upper() != "PENDING":
            continue
        start = local_time(field(job, "start_time"))
        if start is not None:
            starts[job_ids(job)[0]] = start
    return starts


class PyslurmBackend(SchedulerBackend):
    """Slurm read through pyslurm 25.11's object API, with the CLI backend's semantics.

    From pyslurm: ``list_jobs`` (``pyslurm.Jobs.load()``), ``list_nodes`` (``pyslurm.Nodes.load()``,
    and the jobs for the GPUs in use when nodes have GPUs), ``list_partitions``
    (``pyslurm.Partitions.load()``), ``estimated_starts`` (pending jobs' planned starts, as
    ``squeue --start`` reads them), ``ping`` (``pyslurm.slurmctld.ping_primary``) and the cancel and
    release actions on plain job ids (``pyslurm.Job(id).cancel()`` / ``.release()``: the same RPCs as
    scancel and scontrol release).

    Delegated to the CLI backend it holds (``self.cli``): the hold action (pyslurm 25.11.2's
    ``Job.hold(mode="user")`` crashes the process with a segmentation fault, measured here; an
    admin hold is not one the job's owner may release), actions on array tasks and het-job
    components (pyslurm's Job takes a plain number), ``version`` (``sinfo --version``, with pyslurm's
    added) and ``config`` (``scontrol show config``). The job log and history managers read a job's
    output paths and the accounting history through ``self.cli`` too.

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
        self._jobs_task: asyncio.Future[Any] | None = None
        self._jobs_at = 0.0

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

        pyslurm raises RPCError(errno, msg): an unreachable controller becomes SchedulerUnavailable,
        any other refusal CommandFailed with Slurm's own message.
        """
        module = _pyslurm()
        try:
            return await asyncio.wait_for(asyncio.to_thread(call, module), self.command_timeout)
        except asyncio.TimeoutError:
            raise SchedulerUnavailable(
                f"pyslurm {what} did not answer within {self.command_timeout:g} s"
            ) from None
        except module.PyslurmError as e:
            message, errno = slurm_error(e)
            if errno in UNREACHABLE_ERRNOS or _UNREACHABLE.search(message):
                raise SchedulerUnavailable(f"Slurm controller unreachable: {message}") from e
            raise CommandFailed(message, argv=[f"pyslurm {what}"], returncode=errno) from e

    async def version(self) -> str:
        return f"{await self.cli.version()} (pyslurm {pyslurm_version(_pyslurm())})"

    async def ping(self) -> None:
        try:
            await self._call("ping", lambda pyslurm: pyslurm.slurmctld.ping_primary())
        except CommandFailed as e:
            raise SchedulerUnavailable(f"Slurm controller is not answering: {e.message}") from e

    async def _jobs(self) -> Any:
        """All jobs, one load shared by the calls of one poll (the job list and the nodes' GPUs in
        use are read together): a load in flight or younger than JOBS_SHARED_S is awaited again."""
        task = self._jobs_task
        if (
            task is None
            or (task.done() and (task.cancelled() or task.exception() is not None))
            or (task.done() and time.monotonic() - self._jobs_at > JOBS_SHARED_S)
        ):
            # passwd read once for all jobs: per job, user names cost a third of the load (measured)
            task = asyncio.ensure_future(
                self._call("job list", lambda pyslurm: pyslurm.Jobs.load(preload_passwd_info=True))
            )
            self._jobs_task, self._jobs_at = task, time.monotonic()
        return await asyncio.shield(task)

    async def list_jobs(self) -> list[Job]:
        return jobs_from_pyslurm(await self._jobs())

    async def list_nodes(self) -> list[Node]:
        nodes = await self._call("node list", lambda pyslurm: pyslurm.Nodes.load())
        # The node list comes without Slurm's detail flag, so GPUs in use are the jobs' (GresUsed).
        used = gpus_in_use(await self._jobs()) if _has_gpus(nodes) else {}
        return nodes_from_pyslurm(nodes, used)

    async def _partition_records(self) -> Any:
        return await self._call("partition list", lambda pyslurm: pyslurm.Partitions.load())

    async def list_partitions(self, nodes: list[Node] | None = None) -> list[Partition]:
        """Partitions with GPU totals summed over `nodes`, read from Slurm when not given."""
        if nodes is not None:
            return partitions_from_pyslurm(await self._partition_records(), nodes)
        listed = await self.list_nodes()
        return partitions_from_pyslurm(await self._partition_records(), listed)

    async def estimated_starts(self) -> dict[str, str]:
        """Pending jobs' planned starts, from the job list (what ``squeue --start`` prints)."""
        return estimated_starts_of(await self._jobs())

    async def config(self) -> dict[str, str]:
        """The controller's configuration, from the CLI backend (``scontrol show config``)."""
        return await self.cli.config()

    async def job_action(self, job_id: str, action: str) -> None:
        """Cancel or release through pyslurm; holds, array tasks and het-job components through the
        CLI backend (see the class)."""
        if action not in JOB_ACTIONS:
            raise ValueError(f"unknown job action {action!r}; expected one of {', '.join(JOB_ACTIONS)}")
        job_id = validate_job_id(job_id)
        if action == "hold" or not _PLAIN_ID.fullmatch(job_id):
            await self.cli.job_action(job_id, action)
            return

        def act(pyslurm: Any) -> None:
            # Loaded first: pyslurm's cancel ignores an unknown job id, which scancel reports (404).
            job = pyslurm.Job.load(int(job_id))
            if action == "cancel":
                job.cancel()
            else:
                job.release()

        try:
            await self._call(action, act)
        except CommandFailed as e:
            reason = e.message
            if reason.startswith(_NOT_FOUND):
                raise NotFound(
                    f"job {job_id} not found: Slurm says {reason!r} (it may have ended and left the queue)"
                ) from e
            hint = _HINTS.get((action, reason))
            message = f"Slurm refused to {action} job {job_id}: {reason}" + (f" ({hint})" if hint else "")
            raise CommandFailed(message, argv=e.argv, returncode=e.returncode) from e
