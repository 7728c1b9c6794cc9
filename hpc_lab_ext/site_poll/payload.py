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


#: (job id, user) of the ended jobs Slurm still lists; None where the service does not read them
Ended = tuple[tuple[str, str], ...] | None


def tag(instance: str, snapshot: Snapshot, ended: Ended) -> str:
    """Names one content of the service's answer: its snapshot's version, its ended jobs, and
    which run of the service (versions start again at 0 when it restarts)."""
    return f"{instance}-{snapshot.version}-{hash(ended) & 0xFFFFFFFF:x}"


def freshness(
    instance: str, snapshot: Snapshot, ended: Ended, unreachable_since: float | None
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tag": tag(instance, snapshot, ended),
        "updated_at": snapshot.updated_at,
        "stale": snapshot.stale,
        "error": snapshot.error,
        "unreachable_since": unreachable_since,
    }


def json_text(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def encode(instance: str, snapshot: Snapshot, ended: Ended, unreachable_since: float | None) -> str:
    """The whole answer for one view of a snapshot, as JSON text."""
    body = freshness(instance, snapshot, ended, unreachable_since)
    if ended is not None:
        body["ended"] = [list(pair) for pair in ended]
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
    ended: Ended = None


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
            ended = previous.ended
        else:
            jobs = tuple(Job(**record) for record in jobs_from_columns(body["jobs"]))
            nodes = tuple(Node(**{**n, "partitions": tuple(n["partitions"])}) for n in body["nodes"])
            partitions = tuple(Partition(**{**p, "nodes": tuple(p["nodes"])}) for p in body["partitions"])
            listed = body.get("ended")
            ended = None if listed is None else tuple((str(i), str(u)) for i, u in listed)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"site poll answer does not hold the expected fields: {e}") from e
    error = None if error is None else str(error)
    return SiteData(tag_, updated_at, stale, error, jobs, nodes, partitions, ended)
