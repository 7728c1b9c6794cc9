"""The wire: the job list in columns, gzip-compressed REST bodies, permessage-deflate on the websocket.

Pure tests of the encoding, then the REST API and the updates websocket against the sandbox Slurm
(real jobs), where the columns form must give back exactly the records the plain form gives.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit

from hpc_lab_ext.models import Job, Snapshot
from hpc_lab_ext.updates import apply_delta, delta_message, snapshot_message
from hpc_lab_ext.wire import (
    JOB_FIELDS,
    Compressed,
    MadeOnce,
    accepts_gzip,
    encode_column,
    job_columns,
    jobs_from_columns,
)


def make_job(i: int, **changes: Any) -> Job:
    job = Job(
        id=str(5000 + i),
        name=f"run {i % 7}" if i % 3 else f"unique name {i} | ü",
        user=("alice", "bob", "carol")[i % 3],
        partition=("batch", "debug")[i % 2],
        state="RUNNING" if i % 4 == 0 else "PENDING",
        reason="" if i % 4 == 0 else "Priority",
        nodes="node1" if i % 4 == 0 else "",
        node_count=1 + i % 2,
        cpus=1 + i % 8,
        memory_mb=None if i % 5 == 0 else 1000 * (1 + i % 3),
        memory_per_cpu=i % 6 == 0,
        gres="gpu:1" if i % 10 == 0 else "",
        submit_time=f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:07",
        start_time=None if i % 4 else "2026-12-01T00:00:00",
        time_limit_s=None if i % 9 == 0 else 60 * (1 + i),
        elapsed_s=i,
        priority=None if i % 11 == 0 else 10_000 - i,
        array_job_id=str(4000 + i // 10) if i % 10 == 1 else None,
        array_task_id=str(i % 10) if i % 10 == 1 else None,
    )
    return replace(job, **changes)


JOBS = [make_job(i) for i in range(200)]


def roundtrip(jobs: list[Job]) -> list[dict[str, Any]]:
    return jobs_from_columns(json.loads(json.dumps(job_columns(jobs))))


def test_columns_give_back_the_plain_records() -> None:
    assert roundtrip(JOBS) == [job.to_json() for job in JOBS]
    assert roundtrip([]) == []
    assert roundtrip(JOBS[:1]) == [JOBS[0].to_json()]


#: Read by src/__tests__/contract.spec.ts: the browser's decoder must give back `objects`.
FIXTURE = Path(__file__).parent / "fixtures" / "wire" / "columns.json"


def fixture_jobs() -> list[Job]:
    zoned = [make_job(90 + i, start_time=f"2026-11-25T12:00:0{i}+01:00") for i in range(2)]
    return [*JOBS[:30], *zoned]


def test_the_columns_fixture_for_the_browser_is_current() -> None:
    """HPC_UPDATE_FIXTURES=1 rewrites it after a change to the encoding."""
    jobs = fixture_jobs()
    data = {"objects": [job.to_json() for job in jobs], "columns": job_columns(jobs)}
    if os.environ.get("HPC_UPDATE_FIXTURES") == "1":
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    assert json.loads(FIXTURE.read_text()) == data
    assert set(data["columns"]["columns"]["submit_time"]) == {"base", "offsets"}
    assert set(data["columns"]["columns"]["start_time"]) == {"values", "index"}


def test_columns_name_every_job_field_in_order() -> None:
    data = job_columns(JOBS)
    assert list(data["columns"]) == list(JOB_FIELDS) == list(JOBS[0].to_json())
    assert data["count"] == len(JOBS)


def test_each_column_takes_the_form_that_fits() -> None:
    columns = job_columns(JOBS)["columns"]
    assert isinstance(columns["id"], list)  # all distinct: no table
    assert set(columns["user"]) == {"values", "index"}
    assert sorted(columns["user"]["values"]) == ["alice", "bob", "carol"]
    assert set(columns["submit_time"]) == {"base", "offsets"}
    assert None in columns["start_time"]["offsets"]
    assert isinstance(columns["cpus"], list) and isinstance(columns["memory_per_cpu"], list)


def test_times_with_a_zone_or_fractions_keep_their_text() -> None:
    zoned = [make_job(i, submit_time=f"2026-11-25T12:00:0{i}+01:00") for i in range(3)]
    fraction = [make_job(9, submit_time="2026-11-25T12:00:00.5")]
    for jobs in (zoned, fraction, [*JOBS[:5], *zoned]):
        assert roundtrip(jobs) == [job.to_json() for job in jobs]
        assert "base" not in job_columns(jobs)["columns"]["submit_time"]


def test_times_across_a_year_and_before_1970() -> None:
    times = ["1969-12-31T23:59:59", "2026-12-31T23:59:59", "2027-01-01T00:00:00", None]
    column = encode_column(times)
    assert column["offsets"][0] == 0 and column["offsets"][-1] is None
    jobs = [make_job(i, submit_time=t) for i, t in enumerate(times)]
    assert roundtrip(jobs) == [job.to_json() for job in jobs]


def test_columns_are_a_fraction_of_the_plain_form() -> None:
    jobs = [make_job(i) for i in range(10_000)]
    plain = json.dumps([job.to_json() for job in jobs])
    columns = json.dumps(job_columns(jobs), separators=(",", ":"))
    assert len(columns) < len(plain) / 3
    assert len(gzip.compress(columns.encode())) < len(gzip.compress(plain.encode()))


def test_deltas_in_columns_rebuild_the_snapshot() -> None:
    states = [JOBS[:100], [*JOBS[10:100], make_job(3, state="RUNNING"), *JOBS[150:160]], JOBS[20:40], []]
    snaps = [Snapshot(jobs=tuple(jobs), stale=False, version=v) for v, jobs in enumerate(states)]
    client = json.loads(json.dumps(snapshot_message(snaps[0], columns=True)))
    client["jobs"] = jobs_from_columns(client["jobs"])
    for old, new in itertools.pairwise(snaps):
        delta = json.loads(json.dumps(delta_message(old, new, columns=True)))
        client = apply_delta(client, delta)
        assert sorted(client["jobs"], key=lambda j: j["id"]) == sorted(
            (j.to_json() for j in new.jobs), key=lambda j: j["id"]
        )


def test_a_quiet_delta_in_columns_is_as_small_as_a_plain_one() -> None:
    old = Snapshot(jobs=tuple(JOBS), stale=False, version=3)
    quiet = delta_message(old, replace(old, updated_at=5.0), columns=True)
    assert quiet["jobs"] == {"upsert": [], "remove": []}


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("", False),
        ("deflate", False),
    ],
)
def test_accept_encoding(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


async def test_one_compression_per_body_however_many_ask() -> None:
    cache = Compressed()
    body = json.dumps([job.to_json() for job in JOBS])
    made: list[str] = []

    def make(text: str) -> Any:
        return lambda: made.append(text) or text

    results = await asyncio.gather(*(cache.get("jobs", (1, 2.0), make(body)) for _ in range(20)))
    assert {gzip.decompress(r).decode() for r in results} == {body}
    assert cache.compressions == 1 and made == [body]  # the body itself was put together once
    await cache.get("jobs", (1, 2.0), make(body))
    assert cache.compressions == 1
    assert gzip.decompress(await cache.get("jobs", (1, 3.0), make(body + " "))).decode() == body + " "
    assert cache.compressions == 2


async def test_a_view_is_serialized_once_in_a_thread_however_many_ask() -> None:
    import threading

    views: MadeOnce[str] = MadeOnce()
    calls: list[bool] = []

    def make() -> str:
        calls.append(threading.current_thread() is threading.main_thread())
        return json.dumps([job.to_json() for job in JOBS])

    texts = await asyncio.gather(*(views.get("jobs-all-all", 7, make) for _ in range(10)))
    assert len(set(texts)) == 1 and calls == [False] and views.made == 1
    await views.get("jobs-all-all", 8, make)  # a new version
    assert views.made == 2


# ---- against the sandbox Slurm --------------------------------------------------------------------


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def submitted() -> Iterator[list[str]]:
    ids: list[str] = []
    yield ids
    cancel(ids)


async def fetch(jp_fetch: Any, *, gzip_ok: bool, **params: str) -> tuple[int, bytes, Any]:
    """GET jobs as sent (never decompressed by the client): status, raw body, headers."""
    headers = {"Accept-Encoding": "gzip, deflate, br" if gzip_ok else "identity"}
    response = await jp_fetch(
        "hpc-lab-ext", "api", "v1", "jobs", params=params, headers=headers, decompress_response=False
    )
    return response.code, response.body, response.headers


async def listed(jp_fetch: Any, ids: list[str], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, body, _ = await fetch(jp_fetch, gzip_ok=False, user="all")
        if set(ids) <= {job["id"] for job in json.loads(body)["jobs"]}:
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"jobs {ids} not listed within {timeout} s")


@pytest.mark.slurm
async def test_rest_gzip_and_columns_give_the_same_jobs(jp_fetch: Any, submitted: list[str]) -> None:
    for i in range(12):
        submitted.append(submit(["-p", "batch", "-J", f"wire {i % 3} | ü", "-t", "5", "--hold"]))
    submitted.append(submit(["-p", "debug", "-J", "wire alice", "-t", "5", "--hold"], user="alice"))
    await listed(jp_fetch, submitted)

    code, plain, headers = await fetch(jp_fetch, gzip_ok=False, user="all")
    assert code == 200 and "Content-Encoding" not in headers
    assert headers["Vary"] == "Accept-Encoding"
    code, packed, headers = await fetch(jp_fetch, gzip_ok=True, user="all")
    assert code == 200 and headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed)) == json.loads(plain)

    code, raw, headers = await fetch(jp_fetch, gzip_ok=True, user="all", format="columns")
    assert code == 200 and headers["Content-Encoding"] == "gzip"
    columns = json.loads(gzip.decompress(raw))
    objects = json.loads(plain)
    assert set(columns) == set(objects) == {"jobs", "updated_at", "stale", "version"}
    assert jobs_from_columns(columns["jobs"]) == objects["jobs"]
    assert len(packed) < len(plain)

    # the ETag names the form too: a plain copy does not answer for the columns view
    etag = headers["Etag"]
    response = await jp_fetch(
        "hpc-lab-ext", "api", "v1", "jobs", params={"user": "all", "format": "columns"},
        headers={"If-None-Match": etag}, raise_error=False,
    )  # fmt: skip
    assert response.code == 304
    response = await jp_fetch(
        "hpc-lab-ext", "api", "v1", "jobs", params={"user": "all"}, headers={"If-None-Match": etag},
        raise_error=False,
    )  # fmt: skip
    assert response.code == 200


@pytest.mark.slurm
async def test_rest_rejects_an_unknown_format(jp_fetch: Any) -> None:
    response = await jp_fetch("hpc-lab-ext", "api", "v1", "jobs", params={"format": "csv"}, raise_error=False)
    assert response.code == 400
    assert "objects, columns" in json.loads(response.body)["message"]


async def open_socket(jp_ws_fetch: Any, deflate: bool, **params: str) -> Any:
    return await jp_ws_fetch(
        "hpc-lab-ext", "api", "v1", "updates", params=params,
        compression_options={} if deflate else None, max_message_size=2**28,
    )  # fmt: skip


@pytest.mark.slurm
async def test_websocket_columns_with_deflate(jp_fetch: Any, jp_ws_fetch: Any, submitted: list[str]) -> None:
    for i in range(5):
        submitted.append(submit(["-p", "batch", "-J", f"ws wire {i}", "-t", "5", "--hold"]))
    await listed(jp_fetch, submitted)

    plain = await open_socket(jp_ws_fetch, deflate=False)
    packed = await open_socket(jp_ws_fetch, deflate=True, format="columns")
    try:
        assert "permessage-deflate" not in plain.headers.get("Sec-WebSocket-Extensions", "")
        assert "permessage-deflate" in packed.headers.get("Sec-WebSocket-Extensions", "")
        objects = json.loads(await plain.read_message())
        columns = json.loads(await packed.read_message())
        while objects["version"] != columns["version"]:  # a poll landed between the two
            plain.write_message(json.dumps({"type": "resync"}))
            packed.write_message(json.dumps({"type": "resync"}))
            objects = await _next_snapshot(plain)
            columns = await _next_snapshot(packed)
        assert objects["type"] == columns["type"] == "snapshot"
        assert jobs_from_columns(columns["jobs"]) == objects["jobs"]
        assert {k: v for k, v in columns.items() if k != "jobs"} == {
            k: v for k, v in objects.items() if k != "jobs"
        }

        # a held job released and held again changes its row: the delta carries it as columns
        cancel(submitted[:1])
        packed.write_message(json.dumps({"type": "refresh"}))
        deadline = time.monotonic() + 20
        state = {**columns, "jobs": jobs_from_columns(columns["jobs"])}
        while time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(packed.read_message(), 20))
            if message["type"] != "delta":
                continue
            state = apply_delta(state, message)
            if submitted[0] not in {job["id"] for job in state["jobs"]}:
                break
        else:
            raise AssertionError("the cancelled job never left the columns client's state")
    finally:
        plain.close()
        packed.close()


async def _next_snapshot(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.read_message(), 20))
        if message["type"] == "snapshot":
            return message  # type: ignore[no-any-return]


@pytest.mark.slurm
async def test_websocket_rejects_an_unknown_format(jp_ws_fetch: Any) -> None:
    with pytest.raises(Exception) as failure:
        await open_socket(jp_ws_fetch, deflate=False, format="csv")
    assert "400" in str(failure.value)
