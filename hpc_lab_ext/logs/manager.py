"""Job logs: which files a job writes (asked of the scheduler, never taken from the browser), a
window of one of them, and following it. No tornado here: handlers/logs.py only maps requests.

Checks, in order: the job id's form (400); the job is the user's (403, from the scheduler's own
record); the file exists (404), is the job user's and readable (403), is a regular file (415)
and holds text (415). Paths of the user's running jobs are remembered (and kept in a small JSON
file), because the scheduler forgets a job soon after it ends (MinJobAge: 300 s by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import Forbidden, HPCLabError, NotFound
from ..jobids import validate_job_id
from ..models import Snapshot
from ..poller import Poller
from ..scheduler.base import SchedulerBackend
from .paths import JobOutput
from .tail import Tails
from .window import DEFAULT_LIMIT, Window, looks_binary, read_window, to_text

log = logging.getLogger(__name__)

STREAMS = ("stdout", "stderr")
#: how long a pending job's answer is reused before the scheduler is asked again
PENDING_TTL = 5.0
#: paths remembered per user (the oldest go first)
MAX_REMEMBERED = 5000
#: jobs whose paths are looked up after one poll (the rest wait for the next)
PREFETCH_PER_POLL = 10


class NotText(HPCLabError):
    """The file is not something to show as text: binary, or not a regular file."""

    status = 415


@dataclass(frozen=True)
class LogWindow:
    job_id: str
    stream: str
    path: str
    same_file: bool  # stdout and stderr go to the same file
    state: str  # the job's state as last seen ("" once it left the queue)
    window: Window
    read_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "stream": self.stream,
            "path": self.path,
            "same_file": self.same_file,
            "state": self.state,
            "size": self.window.size,
            "start": self.window.start,
            "end": self.window.end,
            "reset": self.window.reset,
            "text": to_text(self.window.data),
            "read_at": self.read_at,
        }


def _hostnames() -> tuple[str, ...]:
    name = socket.gethostname()
    return tuple(dict.fromkeys([name.split(".")[0], name]))


class LogManager:
    def __init__(
        self,
        backend: SchedulerBackend,
        poller: Poller | None,
        user: str,
        record_file: Path | None = None,
        *,
        follow_interval: float = 0.25,
    ) -> None:
        # The pyslurm backend asks its CLI backend for what pyslurm cannot do.
        self.backend = getattr(backend, "cli", backend)
        self.poller = poller
        self.user = user
        self.record_file = record_file
        self.tails = Tails(follow_interval)
        self._known: dict[str, tuple[JobOutput, float]] = {}
        self._remembered: dict[str, JobOutput] = self._load()
        self._prefetching: set[str] = set()
        self._asked_at: dict[str, float] = {}  # job id -> when the scheduler last answered
        self._batch = False  # prefetching: save once at the end
        self._dirty = False
        self._unsubscribe = poller.subscribe(self._on_poll) if poller is not None else None

    # -- which files ------------------------------------------------------------------------

    async def job_output(self, job_id: str) -> JobOutput:
        """The job's output files; Forbidden for another user's job, NotFound for an unknown one."""
        job_id = validate_job_id(job_id)
        known = self._known.get(job_id)
        if known is not None and (known[0].started or time.monotonic() - known[1] < PENDING_TTL):
            return known[0]
        ask = getattr(self.backend, "job_output", None)
        output: JobOutput | None = None
        if ask is not None:
            try:
                output = await ask(job_id, _hostnames())
            except NotFound:
                output = None
        if output is None:
            output = self._remembered.get(job_id)
            if output is None:
                raise NotFound(
                    f"job {job_id} is not known to the scheduler (any more), and its output files "
                    "were not seen while it ran"
                    if ask is not None
                    else f"the {self.backend.name} scheduler does not say where job output goes"
                )
            output = replace(output, state="")
        if output.user != self.user:
            raise Forbidden(f"job {job_id} belongs to {output.user}; only your own jobs' logs are shown")
        self._known[job_id] = (output, time.monotonic())
        self._asked_at[job_id] = time.time()
        if output.started and self._remembered.get(job_id) != replace(output, state=""):
            self._remember(replace(output, state=""))
            if not self._batch:
                self._save()
        return output

    def _state(self, job_id: str, output: JobOutput) -> str:
        """The job's state from the shared snapshot (no scheduler call); "" once it left the
        queue. A snapshot older than the scheduler's answer does not know the job yet."""
        snapshot = self.poller.snapshot if self.poller is not None else None
        if snapshot is None or snapshot.updated_at < self._asked_at.get(job_id, 0.0):
            return output.state
        for job in snapshot.jobs:
            if job.id == job_id:
                return job.state
        return ""

    # -- reading ----------------------------------------------------------------------------

    async def read(
        self,
        job_id: str,
        stream: str = "stdout",
        *,
        offset: int | None = None,
        before: int | None = None,
        limit: int = DEFAULT_LIMIT,
        wait: float = 0.0,
    ) -> LogWindow:
        """A window of the job's `stream`. With `offset` and `wait`, wait up to `wait` seconds for
        the file to grow past `offset` (one shared watch per file, however many followers)."""
        if stream not in STREAMS:
            raise ValueError(stream)
        output = await self.job_output(job_id)
        paths = output.stdout if stream == "stdout" else output.stderr
        if not paths:
            raise NotFound(f"job {job_id} sends its {stream} nowhere (/dev/null or none)")
        path = self._existing(paths)
        same = bool(output.stdout) and self._existing(output.stdout) == self._existing(output.stderr)
        window = await asyncio.to_thread(self._read_file, output, path, offset, before, limit)
        if wait > 0 and offset is not None and window.end == window.size and not window.data:
            with self.tails.follow(path) as tail:
                await tail.wait(window.size, wait)
            window = await asyncio.to_thread(self._read_file, output, path, offset, before, limit)
        return LogWindow(
            job_id=output.job_id,
            stream=stream,
            path=path,
            same_file=same,
            state=self._state(output.job_id, output),
            window=window,
            read_at=time.time(),
        )

    @staticmethod
    def _existing(paths: tuple[str, ...]) -> str:
        """The first candidate path that exists (for %N, which only the node knows), else the first."""
        for path in paths:
            if os.path.lexists(path):
                return path
        return paths[0] if paths else ""

    def _read_file(
        self, output: JobOutput, path: str, offset: int | None, before: int | None, limit: int
    ) -> Window:
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            when = (
                "has not started yet" if not output.started else "has not written it yet, or it was removed"
            )
            raise NotFound(f"{path} does not exist: job {output.job_id} {when}") from None
        except PermissionError:
            raise Forbidden(f"{path} cannot be read by {self.user}") from None
        except OSError as e:
            raise NotFound(f"{path} cannot be opened: {e.strerror}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NotText(f"{path} is not a regular file, so it is not shown")
            if output.uid is not None and st.st_uid != output.uid:
                # The job's user did not write it (say, a link to someone else's file).
                raise Forbidden(f"{path} does not belong to {output.user}, who ran the job; not shown")
            window = read_window(fd, st.st_size, offset=offset, before=before, limit=limit)
        finally:
            os.close(fd)
        if offset is None and looks_binary(window.data):
            raise NotText(f"{path} holds binary data, not text; it is not shown")
        return window

    # -- remembering paths ------------------------------------------------------------------

    def _on_poll(self, old: Snapshot | None, new: Snapshot) -> None:
        """Look up the paths of the user's newly running jobs while the scheduler still knows them."""
        todo = [
            j.id
            for j in new.jobs
            if j.user == self.user
            and j.state == "RUNNING"
            and j.id not in self._remembered
            and j.id not in self._prefetching
            and "[" not in j.id
        ][:PREFETCH_PER_POLL]
        if not todo:
            return
        self._prefetching.update(todo)
        with contextlib.suppress(RuntimeError):  # no running loop (tests calling listeners directly)
            asyncio.get_running_loop().create_task(self._prefetch(todo))

    async def _prefetch(self, job_ids: list[str]) -> None:
        self._batch = True
        try:
            for job_id in job_ids:
                with contextlib.suppress(HPCLabError):
                    await self.job_output(job_id)
        finally:
            self._batch = False
            self._prefetching.difference_update(job_ids)
            self._save()

    def _load(self) -> dict[str, JobOutput]:
        if self.record_file is None:
            return {}
        try:
            data = json.loads(self.record_file.read_text())
            return {str(k): JobOutput.from_json(v) for k, v in data.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            log.warning("hpc-lab-ext: ignoring unreadable %s: %s", self.record_file, e)
            return {}

    def _remember(self, output: JobOutput) -> None:
        self._remembered.pop(output.job_id, None)
        self._remembered[output.job_id] = output
        while len(self._remembered) > MAX_REMEMBERED:
            self._remembered.pop(next(iter(self._remembered)))
        self._dirty = True

    def _save(self) -> None:
        if self.record_file is None or not self._dirty:
            return
        self._dirty = False
        try:
            self.record_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = self.record_file.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump({k: v.to_json() for k, v in self._remembered.items()}, f)
            os.replace(tmp, self.record_file)
        except OSError as e:
            log.warning("hpc-lab-ext: cannot write %s: %s", self.record_file, e)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
