"""Job logs on the real sandbox Grid Engine: paths from qstat -j, a running job followed, another
user's job refused."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import wait_for
from sandbox_sge import deleted_after, qsub, require_sge

from hpc_lab_ext.errors import Forbidden
from hpc_lab_ext.logs.manager import LogManager
from hpc_lab_ext.scheduler.sge import SgeBackend

pytestmark = pytest.mark.sge


@pytest.fixture
def jobs() -> Iterator[list[str]]:
    require_sge()
    with deleted_after() as numbers:
        yield numbers


@pytest.fixture
def logdir() -> Iterator[Path]:
    path = Path("/tmp") / f"hpc-lab-sge-logs-{time.monotonic_ns()}"
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_follow_a_grid_engine_job_and_refuse_another_users(jobs: list[str], logdir: Path) -> None:
    manager = LogManager(SgeBackend(command_timeout=15), None, "root")
    script = logdir / "ticks.sh"
    script.write_text("for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done; sleep 30\n")
    # -shell no: the command itself, no login shell (root's profile here can stall a minute)
    number = qsub(
        ["-N", "ticks", "-shell", "no", "-o", f"{logdir}/$JOB_NAME.$JOB_ID.out", "-j", "y"],
        f"/bin/sh {script}",
    )
    theirs = qsub(["-N", "alices"], "sleep 60", user="alice")
    jobs.extend([number, theirs])
    wait_for((logdir / f"ticks.{number}.out").exists, timeout=60)
    first = await manager.read(number)
    assert first.path == f"{logdir}/ticks.{number}.out" and first.same_file
    seen = first.to_json()["text"]
    offset = first.window.end
    deadline = time.monotonic() + 30
    while "tick 6" not in seen and time.monotonic() < deadline:
        window = await manager.read(number, offset=offset, wait=5)
        seen += window.to_json()["text"]
        offset = window.window.end
    assert [line.split()[1] for line in seen.splitlines()] == ["1", "2", "3", "4", "5", "6"]
    with pytest.raises(Forbidden, match="belongs to alice"):
        await manager.read(theirs)
