"""How a server's stop treats its clusters: File > Shut Down closes them; a stop on a signal (a
restart, an upgrade) leaves them running for the next server, which takes them over."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
from servers import ServerProcess


def supervisors(cluster_dir: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmdline = p.info["cmdline"] or []
        if any("hpc_lab_supervisor.py" in part for part in cmdline) and any(
            part.startswith(str(cluster_dir)) for part in cmdline
        ):
            found.append(p)
    return found


def wait_until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


async def test_file_shut_down_closes_clusters_and_a_signal_leaves_them(tmp_path: Path) -> None:
    clusters = tmp_path / "clusters"
    server = ServerProcess(backend="local", cluster_dir=str(clusters), clusters_survive_restart=True)
    try:
        await server.wait_ready()
        code, info = await server.api("clusters", "POST", {"profile": "local", "workers": 1})
        assert code == 201, info
        assert len(supervisors(clusters)) == 1
        # A signal (what a restart or an upgrade sends): the cluster keeps running.
        os.kill(server.server_pid(), signal.SIGTERM)
        server.proc.wait(60)
        assert len(supervisors(clusters)) == 1, "the cluster should outlive a stop on a signal"

        server = ServerProcess(backend="local", cluster_dir=str(clusters), clusters_survive_restart=True)
        await server.wait_ready()
        code, listed = await server.api("clusters")
        assert code == 200 and [c["id"] for c in listed["clusters"]] == [info["id"]]
        # File > Shut Down: the /api/shutdown request closes every cluster.
        code, _, _ = await server.request("api/shutdown", "POST")
        assert code in (200, 204)
        server.proc.wait(60)
        assert wait_until(lambda: not supervisors(clusters), 30), "File > Shut Down left a cluster running"
    finally:
        for p in supervisors(clusters):
            p.kill()
        server.stop()
