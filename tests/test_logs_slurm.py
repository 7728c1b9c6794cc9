"""Job logs on the real sandbox Slurm: following a running job, other users' jobs, path tricks,
missing, binary and huge files, through the REST API and the manager."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox import cancelled_after, require_slurm, submit, wait_for

from hpc_lab_ext.errors import Forbidden, NotFound
from hpc_lab_ext.logs.manager import LogManager
from hpc_lab_ext.logs.paths import JobOutput
from hpc_lab_ext.scheduler.slurm import SlurmBackend

pytestmark = pytest.mark.slurm

LATER = "--begin=now+1hour"  # pending: its output path is known, nothing writes it


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def logdir() -> Iterator[Path]:
    """A directory every sandbox user may write to (jobs of alice write there too)."""
    path = Path("/tmp") / f"hpc-lab-logs-{os.getpid()}-{time.monotonic_ns()}"
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def jobs() -> Iterator[list[str]]:
    with cancelled_after() as ids:
        yield ids


async def test_follow_a_running_job_within_two_seconds(api: Any, jobs: list[str], logdir: Path) -> None:
    # One line every 0.5 s, each carrying the time it was printed.
    script = "for i in $(seq 1 24); do echo line $i $(date +%s.%N); sleep 0.5; done"
    job = submit(["-p", "debug", "-t", "2", "-o", f"{logdir}/follow-%j.out"], script)
    jobs.append(job)
    wait_for((logdir / f"follow-{job}.out").exists, timeout=30)

    code, body = await api(f"logs/{job}")
    assert code == 200, body
    assert body["path"] == f"{logdir}/follow-{job}.out" and body["same_file"] is True
    offset, delays, seen, sizes = body["end"], [], body["text"].count("\n"), []
    deadline = time.monotonic() + 30
    while seen < 24 and time.monotonic() < deadline:
        code, body = await api(f"logs/{job}", offset=str(offset), wait="10")
        assert code == 200, body
        now = time.time()
        assert body["start"] == offset
        offset = body["end"]
        sizes.append(len(str(body)))
        for line in body["text"].splitlines():
            delays.append(now - float(line.split()[2]))
            seen += 1
    assert seen == 24
    assert max(delays) <= 2.0, delays
    print(f"\nfollow: newest line {statistics.median(delays):.2f} s behind (median), max {max(delays):.2f} s")
    print(f"follow: {statistics.median(sizes):.0f} bytes per update (median)")


async def test_other_users_job_is_refused(api: Any, jobs: list[str]) -> None:
    theirs = submit(["-p", "debug", "-t", "5", LATER], user="alice")
    jobs.append(theirs)
    code, body = await api(f"logs/{theirs}")
    assert code == 403
    assert "belongs to alice" in body["message"]


async def test_bad_requests_never_reach_a_file(api: Any, jp_fetch: Any) -> None:
    for job_id in ("..%2Fetc%2Fpasswd", "-1", "1;ls", "12abc"):
        code, _body = await api(f"logs/{job_id}")
        assert code in (400, 404), (job_id, code)
    # no path is ever taken from the request
    response = await jp_fetch(
        "hpc-lab-ext", "api", "v1", "logs", "1", params={"path": "/etc/passwd"}, raise_error=False
    )
    assert response.code == 400 and b"unknown query parameter 'path'" in response.body
    code, _ = await api("logs/1", stream="stdin")
    assert code == 400
    for params in ({"offset": "1", "before": "2"}, {"wait": "5"}, {"limit": "0"}, {"offset": "-3"}):
        code, _ = await api("logs/1", **params)
        assert code == 400, params
    code, _ = await api("logs/4000000000")
    assert code == 404


async def test_missing_pending_and_dev_null(api: Any, jobs: list[str], logdir: Path) -> None:
    pending = submit(["-p", "debug", "-t", "5", LATER, "-o", f"{logdir}/later-%j.out"])
    quiet = submit(["-p", "debug", "-t", "5", LATER])  # --output=/dev/null
    jobs.extend([pending, quiet])
    code, body = await api(f"logs/{pending}")
    assert code == 404 and "has not started yet" in body["message"]
    assert f"{logdir}/later-{pending}.out" in body["message"]
    code, body = await api(f"logs/{quiet}", stream="stderr")
    assert code == 404 and "nowhere" in body["message"]


async def test_links_to_someone_elses_file_binary_and_fifo(api: Any, jobs: list[str], logdir: Path) -> None:
    # The path Slurm gives is a link to a file of alice's: not the job user's (root's) file.
    secret = logdir / "alice-secret"
    secret.write_text("alice's secret\n")
    os.chown(secret, 1001, 1001)
    (logdir / "link.out").symlink_to(secret)
    binary = logdir / "binary.out"
    binary.write_bytes(bytes(range(256)) * 64)
    os.mkfifo(logdir / "fifo.out")
    ids = {
        name: submit(["-p", "debug", "-t", "5", LATER, "-o", str(logdir / name)])
        for name in ("link.out", "binary.out", "fifo.out")
    }
    jobs.extend(ids.values())
    code, body = await api(f"logs/{ids['link.out']}")
    assert code == 403 and "does not belong to root" in body["message"]
    code, body = await api(f"logs/{ids['binary.out']}")
    assert code == 415 and "binary" in body["message"]
    code, body = await api(f"logs/{ids['fifo.out']}")
    assert code == 415 and "not a regular file" in body["message"]


async def test_huge_sparse_file_opens_at_its_end(api: Any, jobs: list[str], logdir: Path) -> None:
    path = logdir / "huge.out"
    with open(path, "wb") as f:
        f.truncate(2 * 1024**3)  # 2 GiB of hole
        f.seek(0, os.SEEK_END)
        f.write(b"".join(f"tail line {i}\n".encode() for i in range(100_000)))
    job = submit(["-p", "debug", "-t", "5", LATER, "-o", str(path)])
    jobs.append(job)
    code, body = await api(f"logs/{job}")  # the first call resolves the job (scontrol)
    assert code == 200
    started = time.perf_counter()
    code, body = await api(f"logs/{job}")
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    assert code == 200
    assert body["size"] == size and body["end"] == size
    assert body["start"] > 2 * 1024**3 and body["text"].startswith("tail line ")
    assert body["text"].endswith("tail line 99999\n")
    assert len(body["text"]) <= 256 * 1024
    assert seconds < 1.0
    print(f"\nhuge file: {size / 1024**3:.2f} GiB opened at its end in {seconds * 1000:.0f} ms")
    code, earlier = await api(f"logs/{job}", before=str(body["start"]), limit="1000")
    assert code == 200 and earlier["end"] == body["start"] and earlier["text"].endswith("\n")


async def test_manager_as_alice_refuses_bob_and_remembers_paths(jobs: list[str], logdir: Path) -> None:
    """The manager for a server running as alice: bob's job is refused; a link alice made to a
    file of root's is refused; her own job's paths are remembered after Slurm forgets it."""
    backend = SlurmBackend(command_timeout=15)
    record = logdir / "paths.json"
    manager = LogManager(backend, None, "alice", record)
    bobs = submit(["-p", "debug", "-t", "5", LATER], user="bob")
    (logdir / "to-root").symlink_to("/etc/shadow")
    linked = submit(["-p", "debug", "-t", "5", LATER, "-o", str(logdir / "to-root")], user="alice")
    ran = submit(["-p", "debug", "-t", "5", "-o", f"{logdir}/ran-%j.out"], "echo done", user="alice")
    jobs.extend([bobs, linked, ran])
    with pytest.raises(Forbidden, match="belongs to bob"):
        await manager.job_output(bobs)
    with pytest.raises(Forbidden, match="does not belong to alice"):
        await manager.read(linked)
    wait_for((logdir / f"ran-{ran}.out").exists, timeout=30)
    window = await manager.read(ran)
    assert window.to_json()["text"] in ("", "done\n")

    class Forgetful(SlurmBackend):  # Slurm after MinJobAge: it no longer knows the job
        async def job_output(self, job_id: str, hostnames: tuple[str, ...] = ()) -> JobOutput:
            raise NotFound(f"job {job_id} is not known to Slurm (any more)")

    later = LogManager(Forgetful(), None, "alice", record)
    await asyncio.sleep(1)
    window = await later.read(ran)
    assert window.to_json()["text"] == "done\n" and window.state == ""
    with pytest.raises(NotFound, match="were not seen while it ran"):
        await later.read(bobs)
