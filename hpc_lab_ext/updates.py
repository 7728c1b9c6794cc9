"""Messages pushed to browser tabs: the full snapshot on connect, then deltas after each poll.

Each message is serialized once per poll and form and the same string is sent to every client, so
the cost of a poll does not grow with the number of open tabs. A client that connects with
``?format=columns`` gets the job lists of its snapshot and deltas in the compact columns form
(hpc_lab_ext/wire.py); the rest of each message is the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from .models import Job, Snapshot
from .poller import Poller
from .wire import job_columns, jobs_from_columns

log = logging.getLogger(__name__)

Send = Callable[[str], None]

#: How a client wants job lists: plain objects (the default) or columns.
FORMATS = ("objects", "columns")


def _diff(old: Iterable[Any], new: Iterable[Any], key: str) -> dict[str, list[Any]]:
    before = {getattr(item, key): item for item in old}
    after = {getattr(item, key): item for item in new}
    upsert = [item.to_json() for k, item in after.items() if before.get(k) != item]
    remove = [k for k in before if k not in after]
    return {"upsert": upsert, "remove": remove}


def _job_diff(old: tuple[Job, ...], new: tuple[Job, ...], columns: bool) -> dict[str, Any]:
    """Jobs to add or replace and ids to remove; the upserts as columns when asked.

    Unchanged jobs are the same objects from one poll to the next (the parser reuses the record
    of every unchanged line), so identity settles most of them without comparing fields.
    """
    before = {job.id: job for job in old}
    upsert: list[Job] = []
    for job in new:
        was = before.pop(job.id, None)
        if was is not job and was != job:
            upsert.append(job)
    remove = list(before)  # what is left was not in the new list
    if columns and upsert:  # an empty list stays [] (what a quiet poll sends)
        return {"upsert": job_columns(upsert), "remove": remove}
    return {"upsert": [job.to_json() for job in upsert], "remove": remove}


def _header(snapshot: Snapshot, kind: str, unreachable_since: float | None) -> dict[str, Any]:
    return {
        "type": kind,
        "version": snapshot.version,
        "updated_at": snapshot.updated_at,
        "stale": snapshot.stale,
        "error": snapshot.error,
        "unreachable_since": unreachable_since,
    }


def snapshot_message(
    snapshot: Snapshot, unreachable_since: float | None = None, columns: bool = False
) -> dict[str, Any]:
    """Everything a client needs to start from (the jobs as columns when asked)."""
    return {
        **_header(snapshot, "snapshot", unreachable_since),
        "jobs": job_columns(snapshot.jobs) if columns else [job.to_json() for job in snapshot.jobs],
        "nodes": [node.to_json() for node in snapshot.nodes],
        "partitions": [p.to_json() for p in snapshot.partitions],
    }


def delta_message(
    old: Snapshot, new: Snapshot, unreachable_since: float | None = None, columns: bool = False
) -> dict[str, Any]:
    """What changed from `old` to `new`: records to add or replace, keys to remove.

    A poll that changed nothing gives a delta with empty lists: it still tells clients the data
    is fresh (updated_at) or stale.
    """
    message = _header(new, "delta", unreachable_since)
    message["from"] = old.version
    if new.version == old.version:
        empty: dict[str, list[Any]] = {"upsert": [], "remove": []}
        message.update(jobs=_job_diff((), (), columns), nodes=empty, partitions=empty)
        return message
    message["jobs"] = _job_diff(old.jobs, new.jobs, columns)
    message["nodes"] = _diff(old.nodes, new.nodes, "name")
    message["partitions"] = _diff(old.partitions, new.partitions, "name")
    return message


def apply_delta(state: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """A client's view after a delta (used by tests to prove deltas rebuild the snapshot)."""
    if delta["from"] != state["version"]:
        raise ValueError(f"delta from version {delta['from']} does not apply to {state['version']}")
    result = {k: v for k, v in delta.items() if k not in ("jobs", "nodes", "partitions", "from")}
    result["type"] = "snapshot"
    for section, key in (("jobs", "id"), ("nodes", "name"), ("partitions", "name")):
        records = {r[key]: r for r in _records(state[section])}
        for k in delta[section]["remove"]:
            records.pop(k, None)
        for record in _records(delta[section]["upsert"]):
            records[record[key]] = record
        result[section] = list(records.values())
    return result


def _records(data: Any) -> list[dict[str, Any]]:
    return jobs_from_columns(data) if isinstance(data, dict) else list(data)


def _serialized(snapshot: Snapshot, unreachable_since: float | None, form: str) -> str:
    message = snapshot_message(snapshot, unreachable_since, columns=form == "columns")
    return json.dumps(message, separators=(",", ":") if form == "columns" else None)


ClustersSource = Callable[[], dict[str, Any]]  # {"clusters": [...], "notice": str | None}


class UpdatesHub:
    """Fans poll results out to websocket clients; keeps the poller awake while any is connected.

    With a clusters source, it also pushes the user's Dask clusters ({"type": "clusters"}) on
    connect, after each poll and every `clusters_interval` seconds while clients are connected
    (workers connect between polls), but only when they changed. That costs no scheduler call:
    the clusters come from the Dask schedulers in this process and the last snapshot.
    """

    def __init__(
        self, poller: Poller, clusters: ClustersSource | None = None, clusters_interval: float = 2.0
    ) -> None:
        self.poller = poller
        self._clients: set[Send] = set()
        self._columns: set[Send] = set()  # clients that asked for job lists as columns
        self._snapshot_cache: dict[str, tuple[int, bool, str]] = {}
        self._building: dict[str, tuple[tuple[int, bool], asyncio.Future[str]]] = {}
        self._clusters_source = clusters
        self._clusters_interval = clusters_interval
        self._clusters_seen: dict[Send, str] = {}  # client -> the clusters message it has
        self._clusters_task: asyncio.Task[None] | None = None
        self.messages_sent = 0
        self.bytes_sent = 0
        poller.subscribe(self._on_poll)

    @property
    def clients(self) -> int:
        return len(self._clients)

    def full_snapshot(self, form: str = "objects") -> str:
        """The current snapshot serialized, cached per version and form."""
        snap = self.poller.snapshot
        cached = self._snapshot_cache.get(form)
        if cached is None or cached[:2] != (snap.version, snap.stale):
            text = _serialized(snap, self.poller.unreachable_since, form)
            self._snapshot_cache[form] = cached = (snap.version, snap.stale, text)
        return cached[2]

    async def snapshot_for_new_client(self, form: str = "objects") -> str:
        """`full_snapshot`, made in a worker thread when it is not cached: at 100,000 jobs it
        takes about half a second, which the event loop then spends serving others. Clients that
        connect meanwhile share it. The text is of the snapshot current when this returns, so the
        client's next delta follows it."""
        for _ in range(3):
            snap = self.poller.snapshot
            key = (snap.version, snap.stale)
            cached = self._snapshot_cache.get(form)
            if cached is not None and cached[:2] == key:
                return cached[2]
            building = self._building.get(form)
            if building is None or building[0] != key:
                since = self.poller.unreachable_since
                future = asyncio.ensure_future(asyncio.to_thread(_serialized, snap, since, form))
                building = self._building[form] = (key, future)
            text = await asyncio.shield(building[1])
            if self._building.get(form) is building:
                del self._building[form]
            current = self.poller.snapshot
            if (current.version, current.stale) == key:
                self._snapshot_cache[form] = (*key, text)
                return text
            # a poll landed meanwhile: that text is already behind
        return self.full_snapshot(form)

    def clusters_message(self) -> str | None:
        """The clusters message as it stands now (None without a clusters source)."""
        if self._clusters_source is None:
            return None
        try:
            clusters = self._clusters_source()
        except Exception:
            log.exception("could not list the clusters for the updates")
            return None
        return json.dumps({"type": "clusters", **clusters})

    def push_clusters(self) -> None:
        """Send the clusters to every client that does not have them as they are now."""
        if not self._clients:
            return
        text = self.clusters_message()
        if text is None:
            return
        stale = [send for send in self._clients if self._clusters_seen.get(send) != text]
        for send in stale:
            self._clusters_seen[send] = text
        self._broadcast(text, stale)

    async def _clusters_loop(self) -> None:
        while self._clients:
            self.push_clusters()
            await asyncio.sleep(self._clusters_interval)
        self._clusters_task = None

    def add(self, send: Send, clusters_sent: str | None = None, form: str = "objects") -> None:
        """A new client; `clusters_sent` is the clusters message it was already given."""
        self._clients.add(send)
        if form == "columns":
            self._columns.add(send)
        if clusters_sent is not None:
            self._clusters_seen[send] = clusters_sent
        self.poller.watchers = len(self._clients)
        self.poller.touch()
        if self._clusters_source is not None and self._clusters_task is None:
            self._clusters_task = asyncio.get_running_loop().create_task(self._clusters_loop())

    async def stop(self) -> None:
        task, self._clusters_task = self._clusters_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def remove(self, send: Send) -> None:
        self._clients.discard(send)
        self._columns.discard(send)
        self._clusters_seen.pop(send, None)
        self.poller.watchers = len(self._clients)

    def _on_poll(self, old: Snapshot, new: Snapshot) -> None:
        if not self._clients:
            return
        since = self.poller.unreachable_since
        columns = self._columns & self._clients
        objects = self._clients - columns
        if objects:
            self._broadcast(json.dumps(delta_message(old, new, since)), objects)
        if columns:
            text = json.dumps(delta_message(old, new, since, columns=True), separators=(",", ":"))
            self._broadcast(text, columns)
        self.push_clusters()

    def _broadcast(self, text: str, clients: Iterable[Send] | None = None) -> None:
        for send in list(self._clients if clients is None else clients):
            try:
                send(text)
            except Exception:  # a closed socket must not stop the others
                log.debug("dropping an updates client that failed to receive", exc_info=True)
                self.remove(send)
                continue
            self.messages_sent += 1
            self.bytes_sent += len(text)
