"""What goes on the wire besides plain JSON: the job list in columns, and gzip-compressed bodies.

The plain form repeats every field name and every user, partition and state in each of the 10,000
records of a big queue (3.6 MB). The columns form (``?format=columns`` on ``GET jobs``,
``?format=columns`` on the updates websocket) sends one array per ``Job`` field instead: strings
that repeat (users, partitions, states, reasons, names) as a table of distinct values and an index
into it, and the scheduler's local times (``2026-11-30T12:15:14``) as whole seconds from the
column's earliest time. The browser rebuilds the same records from it (src/api/columns.ts).

Compression happens once per body, not per request: `Compressed` keeps the gzip of the last body
of each view, made in a worker thread (zlib releases the GIL) and shared by every request for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import operator
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from .models import InternedColumn, Job, JobColumns, TimeColumn

T = TypeVar("T")

#: Job fields in the order the columns form lists them (the dataclass's own order).
JOB_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Job))
_GETTERS = tuple(operator.attrgetter(name) for name in JOB_FIELDS)

#: Local times without a zone, to the second: what the Slurm backends give. Anything else (a zone,
#: fractions) keeps its text, interned like any other string.
_NAIVE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_EPOCH = datetime(1970, 1, 1)

#: gzip level for bodies: zlib's default (the sandbox's 10k-job list: 3.8 MB plain -> 85 KB).
GZIP_LEVEL = 6


def _shallow(record: Any) -> dict[str, Any]:
    """A dataclass as a dict of its fields as they are (`asdict` would copy every list element)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def _naive_seconds(text: str) -> int:
    """Seconds from 1970-01-01T00:00:00 to `text`, both read as the same wall clock (no zone)."""
    return int((datetime.fromisoformat(text) - _EPOCH).total_seconds())


def encode_column(values: Sequence[Any]) -> Any:
    """One column: a plain list, an `InternedColumn` or a `TimeColumn` (as JSON), whichever fits."""
    texts = set(values)
    texts.discard(None)
    if not texts or set(map(type, texts)) != {str}:
        return list(values)
    if all(_NAIVE_TIME.fullmatch(v) for v in texts):
        seconds = {v: _naive_seconds(v) for v in texts}
        base = min(seconds.values())
        offset: dict[str | None, int | None] = {v: s - base for v, s in seconds.items()}
        offset[None] = None
        return _shallow(TimeColumn(base=base, offsets=list(map(offset.__getitem__, values))))
    if 2 * len(texts) > len(values):
        return list(values)  # mostly distinct (job ids): a table would only add the indices
    table = {v: i for i, v in enumerate(dict.fromkeys(values))}  # in order of first appearance
    return _shallow(InternedColumn(values=list(table), index=list(map(table.__getitem__, values))))


def job_columns(jobs: Sequence[Job]) -> dict[str, Any]:
    """The jobs in the columns form (`JobColumns` as JSON)."""
    columns = [list(map(getter, jobs)) for getter in _GETTERS]  # one pass per field, in C
    encoded = {name: encode_column(column) for name, column in zip(JOB_FIELDS, columns, strict=True)}
    return _shallow(JobColumns(count=len(jobs), columns=encoded))


def decode_column(column: Any, count: int) -> list[Any]:
    """The values of one encoded column (the inverse of `encode_column`; used by tests)."""
    if isinstance(column, list):
        values = column
    elif "index" in column:
        values = [column["values"][i] for i in column["index"]]
    else:
        base = column["base"]
        values = [
            None if s is None else (_EPOCH + timedelta(seconds=base + s)).isoformat()
            for s in column["offsets"]
        ]
    if len(values) != count:
        raise ValueError(f"a column of {len(values)} values for {count} jobs")
    return values


def jobs_from_columns(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The plain records of a columns form (each as `Job.to_json()` gives it; used by tests)."""
    count = data["count"]
    if set(data["columns"]) != set(JOB_FIELDS):
        raise ValueError(f"columns {sorted(data['columns'])} are not the Job fields")
    columns = {name: decode_column(data["columns"][name], count) for name in JOB_FIELDS}
    return [{name: columns[name][i] for name in JOB_FIELDS} for i in range(count)]


@dataclasses.dataclass
class _Entry:
    key: Any
    body: asyncio.Future[bytes]


class Compressed:
    """The gzip of each view's latest body, made once in a thread and shared by all requests."""

    def __init__(self, level: int = GZIP_LEVEL) -> None:
        self.level = level
        self._entries: dict[str, _Entry] = {}
        self.compressions = 0  # bodies compressed, for tests and benchmarks

    async def get(self, view: str, key: Any, body: Callable[[], str]) -> bytes:
        """gzip of the body `body()` gives, which `key` names (the same key, the same body)."""
        entry = self._entries.get(view)
        if entry is None or entry.key != key or (entry.body.done() and entry.body.exception()):
            future: asyncio.Future[bytes] = asyncio.ensure_future(
                asyncio.to_thread(_gzip, body(), self.level)
            )
            entry = self._entries[view] = _Entry(key, future)
            self.compressions += 1
        return await asyncio.shield(entry.body)


class MadeOnce(Generic[T]):
    """The latest value of each view (its serialized records), made in a worker thread once per
    key and shared by the requests that wait for it: 0.5 s at 100,000 jobs that the event loop
    would otherwise spend blocked."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Any, asyncio.Future[T]]] = {}
        self.made = 0  # values made, for tests and benchmarks

    async def get(self, view: str, key: Any, make: Callable[[], T]) -> T:
        entry = self._entries.get(view)
        if entry is None or entry[0] != key or (entry[1].done() and entry[1].exception() is not None):
            entry = self._entries[view] = (key, asyncio.ensure_future(asyncio.to_thread(make)))
            self.made += 1
        return await asyncio.shield(entry[1])


def _gzip(text: str, level: int) -> bytes:
    return gzip.compress(text.encode(), level, mtime=0)


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (`gzip;q=0` refuses it)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and _qvalue(q[2:]) == 0)
    return False


def _qvalue(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
