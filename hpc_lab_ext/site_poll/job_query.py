"""Batch jobs' states from the site's snapshot, on a Unix socket: batchspawner's status check.

batchspawner's SlurmSpawner asks ``squeue -j <job>`` every 30 s for every server (6 controller
RPCs a minute each). The command `job_state` asks this socket instead, which answers from the
service's latest snapshot. Who asks is the Unix user at the other end of the socket, as the
kernel reports it (SO_PEERCRED), never a name the client sends; they are told a job's state only
if Slurm's PrivateData lets them see the job (visibility.py). A job they may not see and a job
not in the snapshot get the same answer: not found.

One request a connection, one line each way::

    state <job id>\\n
    {"found": true, "state": "RUNNING", "host": "c1"}\\n      (or {"found": false},
                                                             or {"unavailable": "<why>"})

"unavailable" (no fresh snapshot: Slurm unreachable, or no poll yet) sends the command to squeue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pwd
import re
import socket
import struct
import time
from typing import TYPE_CHECKING, Any

from ..errors import HPCLabError
from ..models import Job, Snapshot
from ..scheduler.slurm_parse import expand_hostlist
from .visibility import SitePolicy

if TYPE_CHECKING:
    from .service import SitePoll

log = logging.getLogger("hpc_lab_ext.site_poll")

SOCKET_DIR = "/run/hpc-lab-site-poll"
JOB_ID = re.compile(r"^[0-9]{1,12}(?:_[0-9]{1,9})?$")
#: a job asked about again within this many seconds has somebody waiting on it: batchspawner
#: asks every 0.5 s while its server starts and every 1 s after cancelling it, every 30 s otherwise
WAITING = 5.0
MAX_REQUEST = 64


def default_socket(service_name: str | None = None) -> str:
    name = service_name or os.environ.get("JUPYTERHUB_SERVICE_NAME") or "hpc-lab-site-poll"
    return f"{SOCKET_DIR}/{name}.sock"


def peer_user(sock: Any) -> str | None:
    """The Unix user connected to `sock` (SO_PEERCRED); None for a uid without a name."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def may_see(job: Job, user: str, policy: SitePolicy) -> bool:
    """Whether Slurm would list `job` to `user`. Where PrivateData hides partitions the snapshot
    cannot tell, so plain users are shown their own jobs only."""
    if policy.sees_all(user) or job.user == user:
        return True
    return not policy.private_jobs and policy.served(user)


def find_job(snapshot: Snapshot, job_id: str, user: str, policy: SitePolicy) -> Job | None:
    for job in snapshot.jobs:
        if job.id == job_id:
            return job if may_see(job, user, policy) else None
    return None


def fresh(snapshot: Snapshot, site: SitePoll) -> bool:
    return not snapshot.stale and snapshot.error is None and site.poller.unreachable_since is None


class Asked:
    """When each (user, job) was last asked about, to tell a waiting caller from a routine check."""

    def __init__(self, waiting: float = WAITING) -> None:
        self.waiting = waiting
        self.last: dict[tuple[str, str], float] = {}

    def again(self, user: str, job_id: str) -> bool:
        now = time.monotonic()
        if len(self.last) > 10_000:
            self.last = {k: t for k, t in self.last.items() if now - t < self.waiting}
        before = self.last.get((user, job_id), float("-inf"))
        self.last[(user, job_id)] = now
        return now - before < self.waiting


async def answer(site: SitePoll, user: str, job_id: str, asked: Asked | None = None) -> dict[str, Any]:
    """What `user` is told of job `job_id`.

    The snapshot is polled again first (urgently: shared with other callers, spaced site-wide)
    when the job is not one the user can see in it (their server may have just submitted it) or
    when they ask about it again within seconds (waiting for it to start, or to end after a
    cancel); routine checks are answered from the snapshot as it is. Forbidden and absent jobs
    take the same path, so neither the answer nor its time tells them apart.
    """
    site.poller.touch()
    waiting = asked is not None and asked.again(user, job_id)
    try:
        policy = await site.policy.current()
        snapshot = await site.poller.first_snapshot()
        job = find_job(snapshot, job_id, user, policy)
        if job is None or waiting:
            await site.urgent_refresh()
            snapshot = site.poller.snapshot
            job = find_job(snapshot, job_id, user, policy)
    except (asyncio.TimeoutError, HPCLabError) as e:  # the caller asks squeue
        return {"unavailable": f"no snapshot: {e or type(e).__name__}"}
    if not fresh(snapshot, site):
        return {"unavailable": snapshot.error or "the snapshot is stale"}
    if job is None:
        return {"found": False}
    try:
        hosts = expand_hostlist(job.nodes)
    except ValueError:
        hosts = ()
    return {"found": True, "state": job.state, "host": hosts[0] if hosts else ""}


async def handle(
    site: SitePoll, asked: Asked, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        user = peer_user(writer.get_extra_info("socket"))
        line = await asyncio.wait_for(reader.readline(), 5.0)
        word, _, job_id = line[:MAX_REQUEST].decode("ascii", "replace").strip().partition(" ")
        if user is None:
            body: dict[str, Any] = {"found": False}
        elif word != "state" or not JOB_ID.match(job_id):
            body = {"error": "ask: state <job id>"}
        else:
            body = await answer(site, user, job_id, asked)
        writer.write(json.dumps(body).encode() + b"\n")
        await writer.drain()
    except (asyncio.TimeoutError, OSError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def listen(site: SitePoll, path: str) -> asyncio.AbstractServer | None:
    """Serve job states on `path` (readable and writable by everybody: the peer's uid is what
    counts); None, logged, when the socket cannot be made."""
    try:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        asked = Asked()
        server = await asyncio.start_unix_server(lambda r, w: handle(site, asked, r, w), path=path)
        os.chmod(path, 0o666)  # noqa: S103 - anybody may ask; SO_PEERCRED says who asks
    except OSError as e:
        log.warning("site poll: no job state socket at %s: %s", path, e)
        return None
    log.info("site poll: job states on %s", path)
    return server
