"""GET jobs, nodes and partitions: answered from the shared snapshot, with ETags."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import tornado.web

from ..models import Job, Snapshot
from .base import HPCLabHandler

JOB_STATES = ("all", "pending", "running", "suspended", "completing", "other")
_STATE_GROUPS = {
    "pending": {"PENDING"},
    "running": {"RUNNING", "CONFIGURING"},
    "suspended": {"SUSPENDED", "STOPPED"},
    "completing": {"COMPLETING"},
}
_KNOWN = set().union(*_STATE_GROUPS.values())


def job_matches(job: Job, user: str | None, state: str) -> bool:
    if user is not None and job.user != user:
        return False
    if state == "all":
        return True
    if state == "other":
        return job.state not in _KNOWN
    return job.state in _STATE_GROUPS[state]


class SnapshotHandler(HPCLabHandler):
    """Serve a view of the snapshot; 304 when the client's ETag names the same version and view."""

    async def snapshot_or_304(self, view: str) -> Snapshot | None:
        snapshot = await self.hpc.poller.first_snapshot()
        etag = f'"v{snapshot.version}-{int(snapshot.stale)}-{view}"'
        self.set_header("ETag", etag)
        self.set_header("Cache-Control", "no-cache")
        if etag in self.request.headers.get("If-None-Match", ""):
            self.set_status(304)
            self.finish()
            return None
        return snapshot

    def compute_etag(self) -> str | None:
        return None  # ours is set from the snapshot version, without hashing the body

    def write_view(self, snapshot: Snapshot, view: str, key: str, build: Callable[[], list[Any]]) -> None:
        """Write a view of the snapshot, serialized once per poll and view however many ask."""
        cache = self.hpc.view_cache
        cached = cache.get(view)
        if cached is None or cached[0] is not snapshot:
            body = json.dumps(
                {
                    key: build(),
                    "updated_at": snapshot.updated_at,
                    "stale": snapshot.stale,
                    "version": snapshot.version,
                }
            )
            cache[view] = cached = (snapshot, body)
        self.set_header("Content-Type", "application/json")
        self.finish(cached[1])


class JobsHandler(SnapshotHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(("user", "state"))
        who = self.query_choice("user", ("me", "all"), "me")
        state = self.query_choice("state", JOB_STATES, "all")
        view = f"jobs-{who}-{state}"
        snapshot = await self.snapshot_or_304(view)
        if snapshot is None:
            return
        user = self.hpc.user if who == "me" else None
        self.write_view(
            snapshot,
            view,
            "jobs",
            lambda: [job.to_json() for job in snapshot.jobs if job_matches(job, user, state)],
        )


class NodesHandler(SnapshotHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(())
        snapshot = await self.snapshot_or_304("nodes")
        if snapshot is not None:
            self.write_view(snapshot, "nodes", "nodes", lambda: [n.to_json() for n in snapshot.nodes])


class PartitionsHandler(SnapshotHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(())
        snapshot = await self.snapshot_or_304("partitions")
        if snapshot is not None:
            self.write_view(
                snapshot, "partitions", "partitions", lambda: [p.to_json() for p in snapshot.partitions]
            )
