"""The REST API on the embedded local backend (no scheduler)."""

from __future__ import annotations

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
    assert set(body) == {"jobs", "updated_at", "stale"}


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
    for path in ("status", "jobs"):
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
