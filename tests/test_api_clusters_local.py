"""The clusters and profiles API on the embedded local backend: LocalCluster workers, no scheduler."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest


@pytest.fixture
def jp_server_config(hpc_backend: str, tmp_path: Any) -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"hpc_lab_ext": True}},
        "HPCLabApp": {
            "backend": hpc_backend,
            "poll_interval": 1.0,
            "min_poll_interval": 0.2,
            "cluster_dir": str(tmp_path / "clusters"),
        },
    }


async def until_counts(api: Any, cluster_id: str, connected: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        code, body = await api(f"clusters/{cluster_id}")
        assert code == 200, body
        if body["counts"]["connected"] == connected:
            return body  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"{connected} workers not connected: {body['counts']}"
        await asyncio.sleep(0.2)


async def test_profiles_offer_the_local_profile_with_bounds(api: Any) -> None:
    code, body = await api("profiles")
    assert code == 200
    names = [choice["profile"]["name"] for choice in body["profiles"]]
    assert names == ["local"]
    fields = {f["name"]: f for f in body["profiles"][0]["fields"]}
    assert set(fields) == {"cores", "memory", "processes"}
    assert fields["cores"]["min"] == 1 and fields["cores"]["max"] >= 1


async def test_create_scale_close_through_the_api(api: Any) -> None:
    code, info = await api("clusters", "POST", {"profile": "local", "notebook": "work/analysis.ipynb"})
    assert code == 201, info
    cid = info["id"]
    assert info["notebook"] == "work/analysis.ipynb" and info["status"] == "running"
    assert info["scheduler_address"].startswith("tls://")
    assert "from hpc_lab_notebook import connect" in info["connect_code"]

    code, listed = await api("clusters")
    assert code == 200 and [c["id"] for c in listed["clusters"]] == [cid]

    code, info = await api(f"clusters/{cid}/scale", "POST", {"n": 2})
    assert code == 200 and info["counts"]["requested"] == 2
    await until_counts(api, cid, 2)

    code, info = await api(f"clusters/{cid}/adapt", "POST", {"minimum": 0, "maximum": 1})
    assert code == 200 and info["adapt"] == {"minimum": 0, "maximum": 1}

    code, info = await api(f"clusters/{cid}/scale", "POST", {"n": 0})
    assert code == 200 and info["adapt"] is None
    await until_counts(api, cid, 0)

    code, closed = await api(f"clusters/{cid}", "DELETE")
    assert code == 200 and closed["status"] == "closed"
    code, body = await api(f"clusters/{cid}")
    assert code == 404 and "no cluster" in body["message"]
    code, listed = await api("clusters")
    assert listed["clusters"] == []


NOTEBOOK = """
cluster.scale(2)
client.wait_for_workers(2, timeout=60)
assert client.cluster is cluster
print(sum(client.gather(client.map(lambda x: x * x, range(10)))))
print(repr(cluster))
print(cluster.dashboard_link)
cluster.adapt(minimum=0, maximum=1)
print(cluster.info()["adapt"])
try:
    cluster.scale(99)
except Exception as e:
    print("refused:", e)
"""


async def test_the_notebook_handle_steers_its_cluster(api: Any, tmp_path: Any) -> None:
    code, info = await api("clusters", "POST", {"profile": "local"})
    assert code == 201, info
    cid = info["id"]
    # What the connect cell runs, in another Python process (the notebook's kernel).
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", info["connect_code"] + NOTEBOOK,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-3000:]
    lines = out.decode().splitlines()
    assert lines[0] == str(sum(x * x for x in range(10)))
    assert lines[1].startswith(f"HpcCluster('hpc-lab-{cid}', 2 workers connected")
    assert "/dask/dashboard/" in lines[2] and lines[2].endswith("/status")
    assert lines[3] == "{'minimum': 0, 'maximum': 1}"
    assert "refused: n must be a whole number from 0 to" in lines[4] and "(HTTP 400)" in lines[4]
    # The panel sees what the notebook did.
    code, seen = await api(f"clusters/{cid}")
    assert code == 200 and seen["adapt"] == {"minimum": 0, "maximum": 1}

    # The handle's credential opens this cluster only, and only with its token.
    handle = json.loads((tmp_path / "clusters" / cid / "handle.json").read_text())
    assert oct((tmp_path / "clusters" / cid / "handle.json").stat().st_mode & 0o777) == "0o600"
    url = handle["url"]
    for token, status in ((handle["token"], 200), ("wrong", 403), ("", 403)):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        got = await asyncio.to_thread(_status, request)
        assert got == status, (token, got)
    other = url.replace(f"/clusters/{cid}/", "/clusters/0badc0de/")
    got = await asyncio.to_thread(
        _status, urllib.request.Request(other, headers={"Authorization": f"Bearer {handle['token']}"})
    )
    assert got == 404

    # Closing from the notebook closes the cluster for the panel too.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", info["connect_code"] + "cluster.close()\n", stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-3000:]
    code, _ = await api(f"clusters/{cid}")
    assert code == 404


def _status(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return e.code


async def test_updates_websocket_pushes_clusters(api: Any, jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates")
    try:
        first = json.loads(await ws.read_message())
        assert first["type"] == "snapshot"
        second = json.loads(await ws.read_message())
        assert second == {"type": "clusters", "clusters": [], "notice": None}
        code, info = await api("clusters", "POST", {"profile": "local"})
        assert code == 201
        deadline = time.monotonic() + 20
        while True:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 20))
            if message["type"] == "clusters" and message["clusters"]:
                assert [c["id"] for c in message["clusters"]] == [info["id"]]
                break
            assert time.monotonic() < deadline
    finally:
        ws.close()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"profile": "huge"}, "unknown profile 'huge'; profiles: local"),
        ({"profile": 3}, "unknown profile"),
        ({}, "missing field 'profile'"),
        ({"profile": "local", "python": "/bin/sh"}, "unknown field 'python'"),
        ({"profile": "local", "overrides": {"walltime": "01:00:00"}}, "does not let you change walltime"),
        ({"profile": "local", "overrides": {"cores": "many"}}, "cores must be a whole number"),
        ({"profile": "local", "overrides": {"cores": 100000}}, "cores must be 1 to"),
        ({"profile": "local", "overrides": {"memory": "lots"}}, "memory"),
        ({"profile": "local", "overrides": {"job_extra_directives": ["--x"]}}, "unknown field"),
        ({"profile": "local", "overrides": []}, "overrides must be an object"),
        ({"profile": "local", "kernel_id": "../../etc"}, "kernel_id must be"),
        ({"profile": "local", "kernel_id": "0123abcd-0000-0000-0000-000000000000"}, "no running kernel"),
        ({"profile": "local", "notebook": ["a"]}, "notebook must be a path"),
        ({"profile": "local", "workers": -1}, "workers must be a whole number from 0 to"),
        ({"profile": "local", "workers": "4"}, "workers must be a whole number"),
        ({"profile": "local", "patience": {"after_s": 600}}, "patience needs a batch scheduler"),
        ({"profile": "local", "patience": {"after_s": 1}}, "after_s must be whole seconds from 60"),
        ({"profile": "local", "patience": "on"}, "patience must be null or"),
    ],
)
async def test_bad_create_requests_are_400(api: Any, body: dict[str, Any], words: str) -> None:
    code, answer = await api("clusters", "POST", body)
    assert code == 400, answer
    assert words in answer["message"]
    _, listed = await api("clusters")
    assert listed["clusters"] == []


async def test_bad_bodies_are_400(api: Any) -> None:
    for raw in ("not json", "[1, 2]", '"profile"'):
        code, answer = await api("clusters", "POST", raw)
        assert code == 400 and answer["message"], raw


async def test_bad_scale_and_adapt_are_400_and_change_nothing(api: Any) -> None:
    code, info = await api("clusters", "POST", {"profile": "local"})
    assert code == 201
    cid, limit = info["id"], info["profile"]["max_workers"]
    for n in (-1, limit + 1, 2.5, "2", True, None, [1], 10**30):
        code, answer = await api(f"clusters/{cid}/scale", "POST", {"n": n})
        assert code == 400, (n, answer)
        assert f"n must be a whole number from 0 to {limit}" in answer["message"]
    code, answer = await api(f"clusters/{cid}/scale", "POST", {"workers": 2})
    assert code == 400 and "unknown field 'workers'" in answer["message"]
    code, answer = await api(f"clusters/{cid}/adapt", "POST", {"minimum": 1, "maximum": 0})
    assert code == 400 and "must not be more than maximum" in answer["message"]
    code, answer = await api(f"clusters/{cid}/adapt", "POST", {"minimum": 0})
    assert code == 400 and "missing field 'maximum'" in answer["message"]
    code, now = await api(f"clusters/{cid}")
    assert now["counts"]["requested"] == 0 and now["adapt"] is None


async def test_create_with_workers_and_patience_requests(api: Any) -> None:
    code, info = await api("clusters", "POST", {"profile": "local", "workers": 1})
    assert code == 201 and info["counts"]["requested"] == 1, info
    assert info["patience"] is None
    cid = info["id"]
    await until_counts(api, cid, connected=1)
    code, answer = await api(f"clusters/{cid}/patience", "POST", {"patience": {"after_s": 120}})
    assert code == 400 and "patience needs a batch scheduler" in answer["message"]
    code, answer = await api(f"clusters/{cid}/patience", "POST", {"patience": None})
    assert code == 200 and answer["patience"] is None
    code, answer = await api(f"clusters/{cid}/patience", "POST", {})
    assert code == 400 and "missing field 'patience'" in answer["message"]


async def test_gaps_on_the_local_backend(api: Any) -> None:
    code, body = await api("gaps")
    assert code == 200, body
    assert body["horizon_s"] == [0, 900, 1800, 3600]
    for part in body["partitions"]:
        assert [f["in_s"] for f in part["free"]] == body["horizon_s"]
        assert all(0 <= f["cpus"] <= part["cpus_total"] for f in part["free"])


@pytest.mark.parametrize("path", ["clusters/deadbeef", "clusters/..%2F..", "clusters/deadbeef/scale"])
async def test_unknown_clusters_are_404(api: Any, path: str) -> None:
    method, body = ("POST", {"n": 1}) if path.endswith("scale") else ("GET", None)
    code, answer = await api(path, method, body)
    assert code == 404 and "no cluster" in answer["message"]


async def test_a_running_kernel_is_accepted(api: Any, jp_fetch: Any) -> None:
    # Local workers are the server's children (its Python); the Slurm tests check the kernel's own.
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kernel = json.loads(response.body)
    try:
        code, info = await api("clusters", "POST", {"profile": "local", "kernel_id": kernel["id"]})
        assert code == 201, info
        assert info["python"] == sys.executable
    finally:
        await jp_fetch("api", "kernels", kernel["id"], method="DELETE")
