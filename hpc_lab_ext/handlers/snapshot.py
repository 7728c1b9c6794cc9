"""GET jobs, nodes and partitions: answered from the shared snapshot, with ETags.

Bodies are gzip-compressed when the request allows it (browsers always do), once per body and
view (hpc_lab_ext/wire.py). `GET jobs?format=columns` gives the job list in the compact columns
form; without it the records are plain objects, as they always were.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized

from ..models import Job, Snapshot
from ..wire import accepts_gzip, job_columns
from .base import HPCLabHandler

JOB_FORMATS = ("objects", "columns")
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

    async def write_view(
        self,
        snapshot: Snapshot,
        view: str,
        key: str,
        build: Callable[[], list[Any]],
        encode: Callable[[list[Any]], str] | None = None,
    ) -> None:
        """Write a view of the snapshot; its records are serialized once per content version.

        A poll that changed nothing keeps the version, so the big part of the body (10k jobs) is
        reused and only the small header (updated_at, stale) is new. The records are serialized
        in a worker thread, so the event loop keeps serving meanwhile. The gzip of the whole body is
        made once per poll and view, however many ask for it.
        """
        cache = self.hpc.view_cache
        cached = cache.get(view)
        if cached is None or cached[0] != snapshot.version:
            encoder = encode or records_json
            text = await self.hpc.view_texts.get(view, snapshot.version, lambda: encoder(build()))
            cache[view] = cached = (snapshot.version, text)
        header = json.dumps(
            {"updated_at": snapshot.updated_at, "stale": snapshot.stale, "version": snapshot.version}
        )
        records = cached[1]

        def body() -> str:
            return f'{{"{key}": {records}, {header[1:]}'

        self.set_header("Content-Type", "application/json")
        self.set_header("Vary", "Accept-Encoding")
        if len(records) >= 1024 and accepts_gzip(self.request.headers.get("Accept-Encoding", "")):
            # the body is put together only when its gzip is not made yet
            version = (snapshot.version, snapshot.updated_at, snapshot.stale)
            compressed = await self.hpc.compressed.get(view, version, body)
            self.set_header("Content-Encoding", "gzip")
            self.finish(compressed)
        else:
            self.finish(body())


class _Serialized:
    """Records serialized once each: polls reuse unchanged Job objects, so their JSON is reused too."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Any, str]] = {}

    def __call__(self, records: list[Any]) -> str:
        texts = self._texts
        fresh: dict[int, tuple[Any, str]] = {}
        parts = []
        for record in records:
            hit = texts.get(id(record))
            if hit is None or hit[0] is not record:
                hit = (record, json.dumps(record.to_json()))
            fresh[id(record)] = hit
            parts.append(hit[1])
        self._texts.update(fresh)
        if len(self._texts) > 4 * max(len(fresh), 1000):  # forget records no view holds any more
            self._texts = fresh
        return "[" + ", ".join(parts) + "]"


records_json = _Serialized()


def columns_json(jobs: list[Job]) -> str:
    return json.dumps(job_columns(jobs), separators=(",", ":"))


class JobsHandler(SnapshotHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(("user", "state", "format"))
        who = self.query_choice("user", ("me", "all"), "me")
        state = self.query_choice("state", JOB_STATES, "all")
        form = self.query_choice("format", JOB_FORMATS, "objects")
        view = f"jobs-{who}-{state}" + ("-columns" if form == "columns" else "")
        snapshot = await self.snapshot_or_304(view)
        if snapshot is None:
            return
        user = self.hpc.user if who == "me" else None
        await self.write_view(
            snapshot,
            view,
            "jobs",
            lambda: [job for job in snapshot.jobs if job_matches(job, user, state)],
            columns_json if form == "columns" else None,
        )


class NodesHandler(SnapshotHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(())
        snapshot = await self.snapshot_or_304("nodes")
        if snapshot is not None:
            await self.write_view(snapshot, "nodes", "nodes", lambda: list(snapshot.nodes))


class PartitionsHandler(SnapshotHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(())
        snapshot = await self.snapshot_or_304("partitions")
        if snapshot is not None:
            await self.write_view(snapshot, "partitions", "partitions", lambda: list(snapshot.partitions))


class GapsHandler(SnapshotHandler):
    """Free cores per partition now and over the next hour (advisor/gaps.py).

    The figures move with the clock as well as with the queue: the ETag names the minute too.
    """

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        from ..advisor.gaps import HORIZON_S, of_snapshot
        from ..advisor.track import attach

        self.reject_unknown_query(())
        if self.hpc.clusters is not None:  # the panel is open: worker starts are worth recording
            attach(self.hpc.clusters)
        now = time.time()
        snapshot = await self.snapshot_or_304(f"gaps-{int(now // 60)}")
        if snapshot is None:
            return
        self.write_json({
            "partitions": [g.to_json() for g in of_snapshot(snapshot, now)],
            "horizon_s": list(HORIZON_S),
            "computed_at": now,
            "updated_at": snapshot.updated_at,
            "stale": snapshot.stale,
            "version": snapshot.version,
        })  # fmt: skip
