"""Start-time advice: pure shape building and parsing, and estimates on a busy real sandbox."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit, wait_for

from hpc_lab_ext.advice import Estimate, Shape, candidate_shapes, parse_test_only, soonest, wait_seconds
from hpc_lab_ext.models import Partition

ANSWER = (
    "sbatch: Job 10611 to start at 2026-11-29T16:47:36 using 32 processors on nodes node[1-4] "
    "in partition batch\n"
)


def partition(name: str, max_time_s: int | None, default: bool = False) -> Partition:
    return Partition(
        name=name, state="up", default=default, nodes=("node1", "node2"), max_time_s=max_time_s,
        default_time_s=None, max_nodes=None, cpus_total=16,
    )  # fmt: skip


PARTS = [partition("debug", 1800, default=True), partition("batch", 86400)]


def test_parse_test_only() -> None:
    assert parse_test_only(ANSWER) == "2026-11-29T16:47:36"
    assert parse_test_only("allocation failure: Requested node configuration is not available") is None
    assert parse_test_only("") is None


def test_wait_seconds() -> None:
    now = time.time()
    later = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now + 3600))
    assert 3590 < (wait_seconds(later, now) or 0) <= 3600
    assert wait_seconds("2000-01-01T00:00:00", now) == 0.0
    assert wait_seconds(None, now) is None and wait_seconds("soon", now) is None


def test_argv_is_built_from_numbers_and_known_names_only() -> None:
    argv = Shape("debug", 4, 2000, 1800, "gpu:1").argv(3)
    assert argv[:2] == ["sbatch", "--test-only"] and argv[-1] == "--wrap=true"
    assert "--partition=debug" in argv and "--ntasks=3" in argv and "--cpus-per-task=4" in argv
    assert "--mem-per-cpu=500M" in argv and "--time=30" in argv and "--gres=gpu:1" in argv


def test_candidates_follow_the_open_fields() -> None:
    base = Shape("batch", 4, 8000, 7200)
    assert candidate_shapes(base, (), PARTS) == [(base, {})]
    shapes = dict((s, o) for s, o in candidate_shapes(base, ("walltime", "cores", "partition"), PARTS))
    assert shapes[Shape("batch", 4, 8000, 3600)] == {"walltime": "01:00:00"}
    assert shapes[Shape("batch", 2, 4000, 7200)] == {"cores": 2}
    # debug allows 30 minutes: the suggestion shortens the walltime to fit it
    assert shapes[Shape("debug", 4, 8000, 1800)] == {"partition": "debug", "walltime": "00:30:00"}
    only_batch = candidate_shapes(base, ("partition",), PARTS, allowed=("batch",))
    assert [s.partition for s, _ in only_batch] == ["batch"]


def test_soonest_orders_by_when_all_workers_start() -> None:
    def e(wait: float | None, overrides: dict[str, Any]) -> Estimate:
        return Estimate(Shape("debug", 1, 1000, 60), overrides, None, None, wait, wait)

    own, faster, never = e(600, {}), e(0, {"partition": "batch"}), e(None, {"cores": 1})
    first_only = Estimate(Shape("debug", 1, 1000, 60), {"walltime": "00:15:00"}, None, None, 300, None)
    assert soonest([own, first_only]) == [first_only, own]
    assert soonest([own, never, faster]) == [faster, own, never]
    tie = e(600, {"walltime": "00:15:00"})
    assert soonest([tie, own]) == [own, tie]


@pytest.fixture
def hpc_backend() -> str:
    require_slurm()
    return "slurm"


@pytest.fixture
def busy_debug() -> Iterator[list[str]]:
    """Both debug nodes full for 20 minutes; batch's nodes 3-4 free."""
    ids = [
        submit(["-p", "debug", "-w", node, "-c", "8", "-t", "20", "-J", "long"])
        for node in ("node1", "node2")
    ]
    wait_for(lambda: all(_state(i) == "RUNNING" for i in ids), timeout=30)
    yield ids
    cancel(ids)


def _state(job_id: str) -> str:
    out = subprocess.run(
        ["squeue", "-h", "-j", job_id, "-o", "%T"], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()


@pytest.mark.slurm
async def test_advice_on_a_busy_sandbox_points_to_the_free_partition(api: Any, busy_debug: list[str]) -> None:
    request = {"profile": "medium", "overrides": {"partition": "debug", "walltime": "00:30:00"}, "n": 2}
    code, body = await api("advice", "POST", request)
    assert code == 200, body
    assert body["jobs"] == 2
    by_shape = {
        (e["shape"]["partition"], e["shape"]["walltime_s"], e["shape"]["cores"]): e for e in body["estimates"]
    }
    own = by_shape[("debug", 1800, 4)]
    assert own["overrides"] == {"partition": "debug", "walltime": "00:30:00"}
    assert own["first_wait_s"] is not None and own["first_wait_s"] > 15 * 60, own  # after the 20 min jobs
    best = body["estimates"][0]
    assert best["shape"]["partition"] == "batch" and best["all_wait_s"] < 60
    assert best["overrides"]["partition"] == "batch"

    # What Slurm then does matches the estimate: the suggested shape, submitted for real, runs now.
    shape = best["shape"]
    job = submit([
        "-p", shape["partition"], "-c", str(shape["cores"]), "-t", str(shape["walltime_s"] // 60),
        f"--mem-per-cpu={shape['memory_mb'] // shape['cores']}M",
    ])  # fmt: skip
    try:
        wait_for(lambda: _state(job) == "RUNNING", timeout=30)
    finally:
        cancel([job])


@pytest.mark.slurm
async def test_advice_refuses_bad_requests(api: Any) -> None:
    cases = [
        ({"profile": "medium", "n": 0}, "n must be a whole number from 1 to"),
        ({"profile": "medium", "n": "2"}, "n must be a whole number"),
        ({"profile": "nope", "n": 1}, "unknown profile"),
        (
            {"profile": "medium", "n": 1, "overrides": {"walltime": "99:00:00"}},
            "over partition batch's limit",
        ),
        ({"profile": "medium", "n": 1, "extra": True}, "unknown field 'extra'"),
        ({"n": 1}, "missing field 'profile'"),
    ]
    for body, words in cases:
        code, answer = await api("advice", "POST", body)
        assert code == 400, (body, answer)
        assert words in answer["message"], (body, answer["message"])
