"""Deltas: small for small changes, and applying them rebuilds the snapshot exactly."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import replace
from typing import Any

import pytest

from hpc_lab_ext.models import Job, Node, Snapshot
from hpc_lab_ext.updates import apply_delta, delta_message, snapshot_message


def make_job(i: int, state: str = "PENDING") -> Job:
    return Job(
        id=str(1000 + i),
        name=f"job {i}",
        user="alice" if i % 2 else "bob",
        partition="batch",
        state=state,
        reason="Priority" if state == "PENDING" else "",
        nodes="",
        node_count=1,
        cpus=1,
        memory_mb=1000,
        memory_per_cpu=False,
        gres="",
        submit_time="2026-11-25T12:00:00+00:00",
        start_time=None,
        time_limit_s=3600,
        elapsed_s=0,
    )


NODE = Node(
    name="node1",
    state="idle",
    reason="",
    partitions=("debug",),
    cpus_total=8,
    cpus_alloc=0,
    memory_total_mb=16000,
    memory_alloc_mb=0,
)


def snapshot(jobs: list[Job], version: int, nodes: tuple[Node, ...] = (NODE,)) -> Snapshot:
    return Snapshot(jobs=tuple(jobs), nodes=nodes, updated_at=1000.0 + version, stale=False, version=version)


def test_delta_lists_added_changed_and_removed() -> None:
    jobs = [make_job(i) for i in range(5)]
    old = snapshot(jobs, 1)
    new_jobs = [*jobs[:3], replace(jobs[3], state="RUNNING", reason=""), make_job(99)]
    new = snapshot(new_jobs, 2, nodes=(replace(NODE, cpus_alloc=1, state="mixed"),))
    delta = delta_message(old, new)
    assert delta["type"] == "delta"
    assert (delta["from"], delta["version"]) == (1, 2)
    assert sorted(j["id"] for j in delta["jobs"]["upsert"]) == ["1003", "1099"]
    assert delta["jobs"]["remove"] == ["1004"]
    assert [n["cpus_alloc"] for n in delta["nodes"]["upsert"]] == [1]
    assert delta["nodes"]["remove"] == []


def test_applying_deltas_rebuilds_the_snapshot() -> None:
    jobs = [make_job(i) for i in range(50)]
    states = [snapshot(jobs, 1)]
    jobs = [*[replace(j, state="RUNNING") if i % 7 == 0 else j for i, j in enumerate(jobs)][5:], make_job(77)]
    states.append(snapshot(jobs, 2))
    jobs = jobs[10:]
    states.append(snapshot(jobs, 3, nodes=()))
    client = json.loads(json.dumps(snapshot_message(states[0])))
    for old, new in itertools.pairwise(states):
        client = apply_delta(client, json.loads(json.dumps(delta_message(old, new))))
    expected = snapshot_message(states[-1])
    key = lambda r: r.get("id") or r["name"]  # noqa: E731
    for section in ("jobs", "nodes", "partitions"):
        assert sorted(client[section], key=key) == sorted(expected[section], key=key)
    assert client["version"] == 3


def test_unchanged_poll_gives_an_empty_delta_with_fresh_time() -> None:
    old = snapshot([make_job(1)], 4)
    new = replace(old, updated_at=old.updated_at + 15)
    delta = delta_message(old, new)
    assert delta["jobs"] == {"upsert": [], "remove": []}
    assert delta["updated_at"] == new.updated_at


def test_delta_for_one_percent_change_is_small() -> None:
    jobs = [make_job(i) for i in range(10_000)]
    old = snapshot(jobs, 1)
    changed = [replace(j, state="RUNNING", reason="") if i % 100 == 0 else j for i, j in enumerate(jobs)]
    new = snapshot(changed, 2)
    full = len(json.dumps(snapshot_message(new)))
    delta = len(json.dumps(delta_message(old, new)))
    assert len(delta_message(old, new)["jobs"]["upsert"]) == 100
    assert delta / full < 0.02


def test_delta_does_not_apply_to_another_version() -> None:
    old, new = snapshot([], 1), snapshot([make_job(1)], 2)
    client = snapshot_message(snapshot([], 5))
    try:
        apply_delta(client, delta_message(old, new))
    except ValueError as e:
        assert "does not apply" in str(e)
    else:
        raise AssertionError("a delta from another version must be refused")


async def test_a_new_client_gets_the_snapshot_made_once_in_a_thread(monkeypatch: Any) -> None:
    import asyncio
    import threading

    from hpc_lab_ext import updates
    from hpc_lab_ext.poller import Poller

    made: list[tuple[int, str, bool]] = []
    serialized = updates._serialized

    def counting(snap: Snapshot, since: float | None, form: str) -> str:
        made.append((snap.version, form, threading.current_thread() is threading.main_thread()))
        return serialized(snap, since, form)

    monkeypatch.setattr(updates, "_serialized", counting)
    poller = Poller(backend=None)  # type: ignore[arg-type]  # never polls here
    hub = updates.UpdatesHub(poller)
    poller._snapshot = snapshot([make_job(i) for i in range(50)], 3)

    texts = await asyncio.gather(*(hub.snapshot_for_new_client("columns") for _ in range(5)))
    assert len(set(texts)) == 1 and made == [(3, "columns", False)]  # one build, not on the loop
    assert texts[0] == hub.full_snapshot("columns")  # and it is what full_snapshot caches
    assert json.loads(texts[0])["version"] == 3

    # a poll that lands while the text is made: the client gets the newer snapshot
    started = asyncio.Event()

    def slow(snap: Snapshot, since: float | None, form: str) -> str:
        asyncio.run_coroutine_threadsafe(_set(started), loop).result()
        return counting(snap, since, form)

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(updates, "_serialized", slow)
    task = asyncio.ensure_future(hub.snapshot_for_new_client("objects"))
    await started.wait()
    poller._snapshot = snapshot([make_job(1)], 4)
    text = await task
    assert json.loads(text)["version"] == 4
    assert [m[0] for m in made[1:]] == [3, 4]


async def _set(event: Any) -> None:
    event.set()


async def open_socket(jp_ws_fetch: Any, **params: str) -> Any:
    return await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates", params=params)


# ---- a first load downloads the job list once -----------------------------------------------------


async def test_a_client_holding_the_current_version_gets_no_second_snapshot(
    jp_fetch: Any, jp_ws_fetch: Any
) -> None:
    """`updates?since=<version>`: the REST views' version still current → an empty delta from it;
    the local backend's node load changes between polls, so a poll may land in between (then
    the snapshot comes, as it must): tried until the version held still."""
    for _ in range(20):
        response = await jp_fetch(
            "hpc-lab-ext", "api", "v1", "jobs", params={"user": "all", "format": "columns"}
        )
        version = json.loads(response.body)["version"]
        ws = await open_socket(jp_ws_fetch, format="columns", since=str(version))
        try:
            first = json.loads(await asyncio.wait_for(ws.read_message(), 20))
        finally:
            ws.close()
        if first["type"] == "snapshot":
            assert first["version"] != version  # only when the client's copy is behind
            continue
        assert first["type"] == "delta"
        assert first["from"] == first["version"] == version
        assert first["jobs"] == {"upsert": [], "remove": []}
        assert first["nodes"] == first["partitions"] == {"upsert": [], "remove": []}
        assert {"updated_at", "stale", "error", "unreachable_since"} <= set(first)
        return
    raise AssertionError("the version changed before every connection in 20 tries")


async def test_a_client_behind_gets_the_snapshot(jp_fetch: Any, jp_ws_fetch: Any) -> None:
    response = await jp_fetch("hpc-lab-ext", "api", "v1", "jobs", params={"user": "all"})
    version = json.loads(response.body)["version"]
    ws = await open_socket(jp_ws_fetch, since=str(version - 1))
    try:
        first = json.loads(await asyncio.wait_for(ws.read_message(), 20))
    finally:
        ws.close()
    assert first["type"] == "snapshot"
    assert first["version"] >= version


async def test_websocket_rejects_a_since_that_is_no_version(jp_ws_fetch: Any) -> None:
    with pytest.raises(Exception) as failure:
        await open_socket(jp_ws_fetch, since="latest")
    assert "400" in str(failure.value)
