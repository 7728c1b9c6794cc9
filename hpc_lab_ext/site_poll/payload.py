"""The site poll's answer on the wire, made by the service and read by the servers' client.

Jobs travel in the columns form the panel already uses (`wire.job_columns`: a few kB for
thousands of jobs once gzipped); nodes and partitions as their records. A caller that names the
answer it has (`since`: the `tag` of its last answer) and is up to date gets the freshness
fields only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..models import Job, Node, Partition, Snapshot
from ..wire import job_columns, jobs_from_columns

#: bumped when the form changes incompatibly; a client that does not know it polls for itself
FORMAT = 1


def tag(instance: str, snapshot: Snapshot) -> str:
    """Names one content of the service's snapshot: its version, and which run of the service
    (versions start again at 0 when it restarts)."""
    return f"{instance}-{snapshot.version}"


def freshness(instance: str, snapshot: Snapshot, unreachable_since: float | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tag": tag(instance, snapshot),
        "updated_at": snapshot.updated_at,
        "stale": snapshot.stale,
        "error": snapshot.error,
        "unreachable_since": unreachable_since,
    }


def json_text(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def encode(instance: str, snapshot: Snapshot, unreachable_since: float | None) -> str:
    """The whole answer for one view of a snapshot, as JSON text."""
    body = freshness(instance, snapshot, unreachable_since)
    body["jobs"] = job_columns(snapshot.jobs)
    body["nodes"] = [node.to_json() for node in snapshot.nodes]
    body["partitions"] = [partition.to_json() for partition in snapshot.partitions]
    return json_text(body)


@dataclass(frozen=True)
class SiteData:
    """One answer of the service as the client holds it."""

    tag: str
    updated_at: float
    stale: bool
    error: str | None
    jobs: tuple[Job, ...]
    nodes: tuple[Node, ...]
    partitions: tuple[Partition, ...]


def decode(body: dict[str, Any], previous: SiteData | None) -> SiteData:
    """An answer as records; an answer without records ("unchanged") reuses `previous`'s.

    ValueError when the body is not an answer of this format (or "unchanged" with nothing held).
    """
    if body.get("format") != FORMAT:
        raise ValueError(f"site poll answer of format {body.get('format')!r}, expected {FORMAT}")
    try:
        tag_, updated_at = str(body["tag"]), float(body["updated_at"])
        stale, error = bool(body["stale"]), body.get("error")
        if "jobs" not in body:
            if previous is None or previous.tag != tag_:
                raise ValueError("site poll answered 'unchanged' for data this server does not hold")
            jobs, nodes, partitions = previous.jobs, previous.nodes, previous.partitions
        else:
            jobs = tuple(Job(**record) for record in jobs_from_columns(body["jobs"]))
            nodes = tuple(Node(**{**n, "partitions": tuple(n["partitions"])}) for n in body["nodes"])
            partitions = tuple(Partition(**{**p, "nodes": tuple(p["nodes"])}) for p in body["partitions"])
    except (KeyError, TypeError) as e:
        raise ValueError(f"site poll answer does not hold the expected fields: {e}") from e
    return SiteData(tag_, updated_at, stale, None if error is None else str(error), jobs, nodes, partitions)
