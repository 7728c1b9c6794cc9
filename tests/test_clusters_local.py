"""The cluster manager with a "local" profile: a LocalCluster on this machine, no scheduler needed."""

from __future__ import annotations

import asyncio
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hpc_lab_ext.clusters.manager import ClusterManager
from hpc_lab_ext.clusters.profiles import Profile
from hpc_lab_ext.errors import BadRequest, NotFound
from hpc_lab_ext.poller import Poller
from hpc_lab_ext.scheduler.local import LocalBackend

LOCAL = Profile(
    name="local",
    scheduler="local",
    cores=1,
    memory="1GB",
    max_workers=3,
    open_fields=("cores", "memory"),
)


@pytest.fixture
def manager(jp_asyncio_loop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[ClusterManager]:
    backend = LocalBackend()
    poller = Poller(backend, interval=1.0, min_interval=0.2)
    m = ClusterManager(backend, poller, "tester", {"local": LOCAL}, tmp_path / "clusters", idle_check_s=0.5)
    yield m
    jp_asyncio_loop.run_until_complete(m.close_all())
    jp_asyncio_loop.run_until_complete(poller.stop())


async def connected(m: ClusterManager, cluster_id: str, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while m.info(cluster_id).counts["connected"] != n:
        assert time.monotonic() < deadline, f"{n} workers not connected within {timeout} s"
        await asyncio.sleep(0.1)


async def test_create_scale_compute_close(manager: ClusterManager, tmp_path: Path) -> None:
    info = await manager.create("local", {"memory": "512MB"}, sys.executable, notebook="a.ipynb")
    assert info.status == "running" and info.python == sys.executable
    assert info.scheduler_address and info.scheduler_address.startswith("tls://127.0.0.1:")
    assert info.counts == {"requested": 0, "pending": 0, "running": 0, "connected": 0}
    assert info.profile["memory"] == "512MB" and info.notebook == "a.ipynb"
    key = tmp_path / "clusters" / info.id / "tls-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    await manager.scale(info.id, 2)
    await connected(manager, info.id, 2)
    now = manager.info(info.id)
    assert now.counts["requested"] == 2
    assert {w.state for w in now.workers} == {"RUNNING"}
    assert all(w.worker_address and w.worker_address.startswith("tls://") for w in now.workers)

    # What a notebook runs: the connect code in another Python process.
    script = now.connect_code + "print(client.submit(sum, [1, 2, 3]).result())\n"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert out.decode().split() == ["6"]

    await manager.scale(info.id, 0)
    await connected(manager, info.id, 0)
    closed = await manager.close(info.id)
    assert closed.status == "closed"
    assert not key.exists()
    with pytest.raises(NotFound):
        manager.info(info.id)
    assert manager.list() == []


async def test_adapt_and_bad_counts(manager: ClusterManager) -> None:
    info = await manager.create("local", None, sys.executable)
    for bad in (-1, 3.5, "3", True, 4, 10**9, None):
        with pytest.raises(BadRequest, match="from 0 to 3"):
            await manager.scale(info.id, bad)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="must not be more than maximum"):
        await manager.adapt(info.id, 2, 1)
    adapted = await manager.adapt(info.id, 1, 2)
    assert adapted.adapt == {"minimum": 1, "maximum": 2}
    await connected(manager, info.id, 1)
    scaled = await manager.scale(info.id, 0)  # scale turns adaptivity off
    assert scaled.adapt is None
    await connected(manager, info.id, 0)


async def test_unknown_profile_and_cluster(manager: ClusterManager) -> None:
    with pytest.raises(BadRequest, match="unknown profile 'nope'; profiles: local"):
        await manager.create("nope", {}, sys.executable)
    with pytest.raises(BadRequest, match="does not let you change walltime"):
        await manager.create("local", {"walltime": 10}, sys.executable)
    for bad in ("deadbeef", "../etc", 7):
        with pytest.raises(NotFound):
            manager.info(bad)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            await manager.scale(bad, 1)  # type: ignore[arg-type]


async def test_idle_release_keeps_the_scheduler(manager: ClusterManager) -> None:
    manager.profiles["quick"] = Profile(name="quick", scheduler="local", memory="512MB", idle_timeout_s=2)
    info = await manager.create("quick", {}, sys.executable)
    await manager.scale(info.id, 1)
    await connected(manager, info.id, 1)
    deadline = time.monotonic() + 30
    while manager.info(info.id).counts["requested"]:
        assert time.monotonic() < deadline, "idle workers were not released"
        await asyncio.sleep(0.2)
    after = manager.info(info.id)
    assert after.status == "running" and after.idle_since is not None
    await manager.scale(info.id, 1)
    await connected(manager, info.id, 1)
