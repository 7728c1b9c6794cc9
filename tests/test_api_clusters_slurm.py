"""Dask clusters through the API of real servers run as alice and bob on the sandbox Slurm.

Covers what a person does from the panel: create from a profile for a notebook's kernel, scale
0 -> 3 -> 1 -> 0 (checked in squeue and in Dask), a dask.array computation in that kernel through
the connect code, the dashboard through dask-labextension's proxy, privacy between users; clusters
that outlive a kill -9 of their server and are taken over by the next one, clusters that close
themselves when no server comes back, and a normal shutdown that closes them.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, until
from servers import ServerProcess

pytestmark = pytest.mark.slurm


def tagged_jobs(user: str, tag: str) -> dict[str, str]:
    """Job id -> state of `user`'s live jobs named `tag`, from squeue."""
    out = subprocess.run(
        ["squeue", "--noheader", "-u", user, "-n", tag, "-t", "PD,CF,R,S", "-o", "%i %T"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    return dict(line.split() for line in out.splitlines() if line.strip())


def all_tagged(user: str) -> list[str]:
    out = subprocess.run(
        ["squeue", "--noheader", "-u", user, "-o", "%i %j"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout  # fmt: skip
    return [line.split()[0] for line in out.splitlines() if " hpc-lab-" in line]


def new_server(user: str, **traits: Any) -> ServerProcess:
    return ServerProcess(user=user, backend="slurm", worker_interface="lo", start_interval=3600.0, **traits)


@pytest.fixture
def servers(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[dict[str, ServerProcess]]:
    require_slurm()
    for user in ("alice", "bob"):
        cancel(all_tagged(user))
    started: dict[str, ServerProcess] = {}
    try:
        for user in ("alice", "bob"):
            started[user] = new_server(user)
            jp_asyncio_loop.run_until_complete(started[user].wait_ready())
        yield started
    finally:
        for server in started.values():
            server.stop()
        left = all_tagged("alice") + all_tagged("bob")
        cancel(left)
        assert not left, f"worker jobs left after the servers stopped: {left}"


async def counts(server: ServerProcess, cid: str, **want: int) -> dict[str, Any] | None:
    code, info = await server.api(f"clusters/{cid}")
    assert code == 200, info
    return info if all(info["counts"][k] == v for k, v in want.items()) else None  # type: ignore[no-any-return]


async def new_kernel(server: ServerProcess) -> str:
    code, raw, _ = await server.request("api/kernels", "POST", {"name": "python3"})
    assert code == 201, raw
    return str(json.loads(raw)["id"])


async def test_a_notebooks_cluster_end_to_end(servers: dict[str, ServerProcess]) -> None:
    alice, bob = servers["alice"], servers["bob"]
    kernel = await new_kernel(alice)
    python = (await alice.execute(kernel, "import sys; print(sys.executable)")).strip()

    code, body = await alice.api("profiles")
    assert code == 200
    choices = {c["profile"]["name"]: c for c in body["profiles"]}
    assert {"small", "medium", "gpu"} <= set(choices)
    gres = next(f for f in choices["gpu"]["fields"] if f["name"] == "gres")
    assert gres["choices"] == ["", "gpu:1", "gpu:2"]  # node3-4 declare 2 GPUs each

    request = {"profile": "small", "kernel_id": kernel, "notebook": "analysis.ipynb"}
    code, info = await alice.api("clusters", "POST", request)
    assert code == 201, info
    cid, tag = info["id"], info["name"]
    assert info["python"] == python and info["owner"] == "alice" and info["notebook"] == "analysis.ipynb"

    # The dashboard, through dask-labextension's proxy on the server.
    assert info["dashboard_path"] and info["dashboard_path"].startswith("dask/dashboard/")
    code, _, _ = await alice.request(f"{info['dashboard_path']}/individual-plots.json")
    assert code == 200

    # bob sees nothing of it and cannot act on it.
    code, listed = await bob.api("clusters")
    assert code == 200 and listed["clusters"] == []
    for method, path, body in (
        ("GET", f"clusters/{cid}", None),
        ("POST", f"clusters/{cid}/scale", {"n": 0}),
        ("DELETE", f"clusters/{cid}", None),
    ):
        code, answer = await bob.api(path, method, body)
        assert code == 404, (path, answer)

    for n in (3, 1, 0):
        code, info = await alice.api(f"clusters/{cid}/scale", "POST", {"n": n})
        assert code == 200, info
        await until(lambda n=n: len(tagged_jobs("alice", tag)) == n, 90, f"{n} jobs in squeue")  # type: ignore[misc]
        info = await until(
            lambda n=n: counts(alice, cid, connected=n, running=n), 120, f"{n} connected", interval=0.5
        )  # type: ignore[misc]
        jobs = tagged_jobs("alice", tag)
        assert {w["job_id"] for w in info["workers"] if w["job_id"]} == set(jobs)
        assert all(w["node"] in ("node1", "node2") for w in info["workers"])
        if n == 3:
            # Connect from the notebook's kernel and compute there.
            out = await alice.execute(
                kernel,
                info["connect_code"] + "import dask.array as da\n"
                "x = da.ones((2000, 2000), chunks=(500, 500))\n"
                "print(int((x + x.T).sum().compute()), len(client.scheduler_info()['workers']))\n"
                "print(set(client.run(lambda: __import__('sys').executable).values()))\n",
            )
            lines = out.strip().splitlines()
            assert lines[-2] == f"{2 * 2000 * 2000} 3"
            assert lines[-1] == repr({python})

    code, closed = await alice.api(f"clusters/{cid}", "DELETE")
    assert code == 200 and closed["status"] == "closed"
    assert tagged_jobs("alice", tag) == {}


#: a notebook's kernel, as far as the cluster sees it: connects, computes, and computes again
#: when told to (after its Jupyter server was killed and started again).
KERNEL = """
import sys
import dask.array as da
x = da.ones((1000, 1000), chunks=(250, 250))
print(int(x.sum().compute()), flush=True)
sys.stdin.readline()
print(int((x + 1).sum().compute()), flush=True)
"""


async def test_clusters_outlive_a_killed_server(servers: dict[str, ServerProcess]) -> None:
    alice, bob = servers["alice"], servers["bob"]
    code, bobs = await bob.api("clusters", "POST", {"profile": "small"})
    assert code == 201, bobs
    await bob.api(f"clusters/{bobs['id']}/scale", "POST", {"n": 1})
    clusters = []
    for n in (1, 2):
        code, info = await alice.api("clusters", "POST", {"profile": "small", "workers": n})
        assert code == 201, info
        clusters.append(info)
    jobs = {}
    for info in clusters:
        want = info["counts"]["requested"]
        await until(lambda info=info, want=want: len(tagged_jobs("alice", info["name"])) == want, 60, "jobs")  # type: ignore[misc]
        jobs[info["id"]] = set(tagged_jobs("alice", info["name"]))
    first_id = clusters[0]["id"]
    await until(lambda: counts(alice, first_id, connected=1, running=1), 120, "a worker", interval=0.5)
    kernel = subprocess.Popen(
        ["runuser", "-u", "alice", "--", sys.executable, "-c", clusters[0]["connect_code"] + KERNEL],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/tmp", text=True,
    )  # fmt: skip
    assert kernel.stdout is not None and kernel.stdin is not None
    try:
        first = await asyncio.wait_for(asyncio.to_thread(kernel.stdout.readline), 120)
        assert first.strip() == str(1000 * 1000), kernel.stderr and kernel.stderr.read()

        os.kill(alice.server_pid(), signal.SIGKILL)
        alice.proc.wait(30)
        await asyncio.sleep(2)
        servers["alice"] = restarted = new_server("alice")
        await restarted.wait_ready()

        # Both clusters are found again, with the same worker jobs, workers still connected.
        async def found() -> bool:
            code, listed = await restarted.api("clusters")
            return code == 200 and {c["id"] for c in listed["clusters"]} == {c["id"] for c in clusters}

        await until(found, 30, "the clusters taken over")
        for info in clusters:
            assert set(tagged_jobs("alice", info["name"])) == jobs[info["id"]]
        await until(lambda: counts(restarted, first_id, connected=1, running=1), 30, "a worker")
        # The notebook's client kept working: its next compute runs.
        kernel.stdin.write("again\n")
        kernel.stdin.flush()
        second = await asyncio.wait_for(asyncio.to_thread(kernel.stdout.readline), 120)
        assert second.strip() == str(2 * 1000 * 1000)
        assert await asyncio.to_thread(kernel.wait, 30) == 0
    finally:
        if kernel.poll() is None:
            kernel.kill()
            kernel.wait(10)
    # The new server steers them like its own; bob's cluster was never touched.
    code, info = await restarted.api(f"clusters/{clusters[1]['id']}/scale", "POST", {"n": 0})
    assert code == 200, info
    await until(lambda: not tagged_jobs("alice", clusters[1]["name"]), 60, "scaled to 0")
    assert len(tagged_jobs("bob", bobs["name"])) == 1


async def test_a_cluster_without_a_server_closes_itself(servers: dict[str, ServerProcess]) -> None:
    servers["alice"].stop()
    servers["alice"] = alice = new_server("alice", cluster_orphan_timeout=8.0)
    await alice.wait_ready()
    code, info = await alice.api(
        "clusters", "POST", {"profile": "small", "overrides": {"cores": 8}, "workers": 4}
    )
    assert code == 201, info
    tag = info["name"]
    await until(lambda: len(tagged_jobs("alice", tag)) == 4, 60, "4 jobs in squeue")  # 2 run, 2 wait
    os.kill(alice.server_pid(), signal.SIGKILL)
    alice.proc.wait(30)
    killed = time.monotonic()
    await until(
        lambda: not tagged_jobs("alice", tag), 8.0 + 5.0 + 10, "the jobs cancelled by the cluster itself"
    )
    assert time.monotonic() - killed < 8.0 + 5.0 + 10
    # A server started later finds nothing to take over and nothing left to cancel.
    servers["alice"] = restarted = new_server("alice")
    await restarted.wait_ready()
    code, listed = await restarted.api("clusters")
    assert code == 200 and listed["clusters"] == []


async def test_server_shutdown_closes_clusters_and_cancels_jobs(servers: dict[str, ServerProcess]) -> None:
    alice = servers["alice"]
    code, info = await alice.api("clusters", "POST", {"profile": "small"})
    assert code == 201, info
    await alice.api(f"clusters/{info['id']}/scale", "POST", {"n": 2})
    await until(lambda: len(tagged_jobs("alice", info["name"])) == 2, 60, "2 jobs in squeue")
    os.kill(alice.server_pid(), signal.SIGTERM)
    alice.proc.wait(90)
    assert tagged_jobs("alice", info["name"]) == {}


async def test_bad_requests_on_slurm_say_what_is_allowed(servers: dict[str, ServerProcess]) -> None:
    alice = servers["alice"]
    cases = [
        ({"profile": "small", "overrides": {"walltime": "02:00:00"}}, "over partition debug's limit of"),
        ({"profile": "small", "overrides": {"cores": 64}}, "cores must be 1 to 8"),
        ({"profile": "small", "overrides": {"memory": "64GB"}}, "is more than a node of partition debug has"),
        ({"profile": "small", "overrides": {"partition": "batch"}}, "does not let you change partition"),
        ({"profile": "medium", "overrides": {"partition": "nope"}}, "not allowed partition 'nope'"),
        ({"profile": "gpu", "overrides": {"gres": "gpu:9"}}, "more than 2 GPUs per node"),
        ({"profile": "small", "overrides": {"processes": 3}}, "processes must divide cores"),
    ]
    for body, words in cases:
        code, answer = await alice.api("clusters", "POST", body)
        assert code == 400, (body, answer)
        assert words in answer["message"], (body, answer["message"])
    assert all_tagged("alice") == []
