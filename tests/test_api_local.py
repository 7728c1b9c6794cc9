"""The REST API on the embedded local backend (no scheduler)."""

from __future__ import annotations

import json
import os
from typing import Any

import psutil
import pytest
from tornado.httpclient import HTTPClientError

from hpc_lab_ext.app import unix_user


async def test_status_reports_local_backend(api: Any) -> None:
    code, body = await api("status")
    assert code == 200
    assert body["backend"] == "local"
    assert body["reachable"] is True
    assert body["live_queue"] is False
    assert body["user"] == unix_user()
    assert body["backend_version"].startswith("local")


async def test_jobs_empty_on_local_backend(api: Any) -> None:
    for who in ("me", "all"):
        code, body = await api("jobs", user=who)
        assert code == 200
        assert body["jobs"] == []
        assert body["stale"] is False
        assert body["updated_at"] > 0


async def test_jobs_default_scope_is_me(api: Any) -> None:
    code, body = await api("jobs")
    assert code == 200
    assert set(body) == {"jobs", "updated_at", "stale", "version"}


@pytest.mark.parametrize(
    "params",
    [
        {"user": "bob"},
        {"user": ""},
        {"user": "ME"},
        {"user": "me; rm -rf /"},
        {"state": "RUNNING"},
        {"usr": "me"},
    ],
)
async def test_jobs_rejects_unknown_query_values(api: Any, params: dict[str, str]) -> None:
    code, body = await api("jobs", **params)
    assert code == 400
    assert isinstance(body["message"], str) and body["message"]
    assert "allowed" in body["message"]


async def test_unknown_query_on_status_is_400(api: Any) -> None:
    code, body = await api("status", verbose="1")
    assert code == 400
    assert "verbose" in body["message"]


async def test_handlers_refuse_unauthenticated(jp_fetch: Any) -> None:
    for path in ("status", "jobs", "nodes", "partitions"):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("hpc-lab-ext", "api", "v1", path, headers={"Authorization": ""})
        assert info.value.code == 403


async def test_local_node_is_this_machine() -> None:
    from hpc_lab_ext.scheduler.local import LocalBackend

    nodes = await LocalBackend().list_nodes()
    assert len(nodes) == 1
    node = nodes[0]
    assert node.cpus_total == os.cpu_count()
    assert 0 <= node.cpus_alloc <= node.cpus_total
    total_mb = psutil.virtual_memory().total // (1024 * 1024)
    assert node.memory_total_mb == total_mb
    assert 0 < node.memory_alloc_mb < node.memory_total_mb


async def test_jupyterlab_cache_buster_is_tolerated(api: Any) -> None:
    # JupyterLab's ServerConnection appends a bare timestamp to GET URLs ("?1795611444028").
    code, _ = await api("jobs", user="all", **{"1795611444028": ""})
    assert code == 200
    code, _ = await api("status", **{"1795611444028": "x"})
    assert code == 400


async def test_nodes_and_partitions_on_local_backend(api: Any) -> None:
    code, body = await api("nodes")
    assert code == 200
    assert len(body["nodes"]) == 1
    assert body["nodes"][0]["cpus_total"] == os.cpu_count()
    code, body = await api("partitions")
    assert code == 200
    assert [p["name"] for p in body["partitions"]] == ["local"]
    assert body["partitions"][0]["default"] is True


async def test_etag_gives_304_when_nothing_changed(jp_fetch: Any) -> None:
    first = await jp_fetch("hpc-lab-ext", "api", "v1", "jobs", params={"user": "all"})
    etag = first.headers["ETag"]
    assert etag.startswith('"v')
    again = await jp_fetch(
        "hpc-lab-ext",
        "api",
        "v1",
        "jobs",
        params={"user": "all"},
        headers={"If-None-Match": etag},
        raise_error=False,
    )
    assert again.code == 304
    assert not again.body
    # another view of the same snapshot has its own tag
    mine = await jp_fetch("hpc-lab-ext", "api", "v1", "jobs", params={"user": "me"})
    assert mine.headers["ETag"] != etag


@pytest.mark.parametrize("state", ["pending", "running", "all", "other"])
async def test_state_filter_accepts_known_groups(api: Any, state: str) -> None:
    code, body = await api("jobs", user="all", state=state)
    assert code == 200
    assert body["jobs"] == []


@pytest.mark.parametrize(
    ("job_id", "action", "status"),
    [
        ("123", "cancel", 404),  # valid, but there is no queue here
        ("123_4", "hold", 404),
        ("123+1", "release", 404),
        ("123", "delete", 400),
        ("123", "CANCEL", 400),
        ("abc", "cancel", 400),
        ("-u", "cancel", 400),
        ("1;id", "cancel", 400),
        ("99999999999999999999", "cancel", 400),
    ],
)
async def test_job_actions_validate_before_anything(api: Any, job_id: str, action: str, status: int) -> None:
    code, body = await api(f"jobs/{job_id}/{action}", method="POST", body="")
    assert code == status
    assert body["message"]


async def test_updates_websocket_sends_the_snapshot(jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates")
    try:
        message = json.loads(await ws.read_message())
        assert message["type"] == "snapshot"
        assert message["jobs"] == []
        assert message["nodes"][0]["cpus_total"] == os.cpu_count()
        assert message["partitions"][0]["name"] == "local"
        clusters = json.loads(await ws.read_message())
        assert clusters == {"type": "clusters", "clusters": [], "notice": None}
        ws.write_message(json.dumps({"type": "nonsense"}))
        reply = json.loads(await ws.read_message())
        assert reply["type"] == "error"
        ws.write_message("not json")
        reply = json.loads(await ws.read_message())
        assert reply["type"] == "error"
        ws.write_message(json.dumps({"type": "refresh"}))
        delta = json.loads(await ws.read_message())
        assert delta["type"] == "delta"
        assert delta["from"] == message["version"]
    finally:
        ws.close()


async def test_updates_websocket_refuses_unauthenticated(jp_ws_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates", headers={"Authorization": ""})
    assert info.value.code in (401, 403)


async def test_the_token_may_come_in_the_url(api: Any, jp_serverapp: Any) -> None:
    # Jupyter's own way to authenticate a scripted request (curl ".../status?token=...").
    code, body = await api("status", token=jp_serverapp.identity_provider.token)
    assert code == 200 and body["backend"] == "local", body
    code, body = await api("status", tok="x")
    assert code == 400 and "unknown query parameter 'tok'" in body["message"]
