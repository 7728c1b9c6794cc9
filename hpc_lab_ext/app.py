"""The jupyter_server extension: configuration, wiring, start and stop of the shared poller."""

from __future__ import annotations

import os
import pwd

from jupyter_server.extension.application import ExtensionApp
from traitlets import Enum, Float, Unicode, default

from .errors import HPCLabError
from .handlers import HANDLERS
from .jobs import JobActions
from .models import Snapshot, Status
from .poller import Poller
from .scheduler import BACKEND_NAMES, SchedulerBackend, select_backend
from .updates import UpdatesHub


def unix_user() -> str:
    """The Unix user the server runs as: the name the scheduler knows (not the Jupyter identity)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


class HPCLabApp(ExtensionApp):
    name = "hpc_lab_ext"
    description = "Scheduler queue, node usage and Dask clusters on HPC clusters"

    backend = Enum(
        list(BACKEND_NAMES),
        default_value="auto",
        config=True,
        help="Scheduler backend: 'slurm', 'local' (no scheduler: this machine as one node), "
        "or 'auto' (Slurm when its commands are on PATH, else local).",
    )
    poll_interval = Float(
        15.0,
        config=True,
        help="Seconds between scheduler polls while someone is watching. One poll serves every client.",
    )
    min_poll_interval = Float(
        5.0,
        config=True,
        help="Site minimum seconds between two scheduler polls, however often clients ask to refresh.",
    )
    max_backoff = Float(
        300.0, config=True, help="Longest wait between polls while the scheduler is unreachable (seconds)."
    )
    start_interval = Float(
        60.0,
        config=True,
        help="Seconds between asking the scheduler for expected start times of pending jobs "
        "(costlier than listing the queue, so asked less often).",
    )
    idle_after = Float(
        300.0,
        config=True,
        help="Stop polling when no client has asked for this many seconds; the next request wakes it.",
    )
    command_timeout = Float(
        10.0,
        config=True,
        help="Seconds after which a scheduler command is abandoned (counted as a failure).",
    )
    user = Unicode(help="Unix user whose jobs are 'mine'. Defaults to the user the server runs as.").tag(
        config=True
    )

    @default("user")
    def _default_user(self) -> str:
        return unix_user()

    scheduler: SchedulerBackend
    poller: Poller
    updates: UpdatesHub
    job_actions: JobActions
    #: view name -> (snapshot it was made from, serialized body)
    view_cache: dict[str, tuple[Snapshot, str]]
    _version: str | None = None

    def initialize_settings(self) -> None:
        if self.min_poll_interval > self.poll_interval:
            self.log.warning("min_poll_interval > poll_interval; using poll_interval for both")
            self.min_poll_interval = self.poll_interval
        self.scheduler = select_backend(self.backend, command_timeout=self.command_timeout)
        self.poller = Poller(
            self.scheduler,
            interval=self.poll_interval,
            min_interval=self.min_poll_interval,
            max_backoff=self.max_backoff,
            idle_after=self.idle_after,
            start_interval=self.start_interval,
        )
        self.updates = UpdatesHub(self.poller)
        self.view_cache = {}
        self.job_actions = JobActions(self.scheduler, self.poller, self.user)
        self.settings["hpc_lab_ext"] = self
        self.log.info("hpc-lab-ext: %s backend, user %s", self.scheduler.name, self.user)

    def initialize_handlers(self) -> None:
        self.handlers.extend(HANDLERS)

    async def stop_extension(self) -> None:
        await self.poller.stop()

    async def status(self) -> Status:
        snapshot = await self.poller.first_snapshot()
        error = snapshot.error
        if self._version is None:
            try:
                self._version = await self.scheduler.version()
            except HPCLabError as e:
                error = error or e.message
        return Status(
            backend=self.scheduler.name,
            backend_version=self._version or "unknown",
            reachable=not snapshot.stale,
            user=self.user,
            error=error,
            live_queue=self.scheduler.live_queue,
            unreachable_since=self.poller.unreachable_since,
            updated_at=snapshot.updated_at,
        )
