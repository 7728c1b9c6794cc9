"""Start-time advice: pure shape building and parsing, and estimates on a busy real sandbox."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, cancelled_after, require_slurm, submit, wait_for

from hpc_lab_ext.advisor.estimates import Estimate, parse_test_only, soonest, wait_seconds
from hpc_lab_ext.advisor.shapes import AdvicePolicy, Shape, candidate_shapes
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


#: Slurm 25.11.7's wording, recorded from the 25.11 sandbox (the " a" is Slurm's own).
ANSWER_25_11 = (
    "sbatch: Job 56 to start at 2026-11-30T12:46:07 a using 4 processors on nodes node1 in partition debug\n"
)


def test_parse_test_only() -> None:
    assert parse_test_only(ANSWER) == "2026-11-29T16:47:36"
    assert parse_test_only(ANSWER_25_11) == "2026-11-30T12:46:07"
    federated = ANSWER_25_11.replace(" a using", " on cluster hpclab a using")
    assert parse_test_only(federated) == "2026-11-30T12:46:07"
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
    only = candidate_shapes(base, (), PARTS, jobs=2)
    assert [(c.shape, c.overrides, c.jobs) for c in only] == [(base, {}, 2)]
    found = {
        c.shape: c
        for c in candidate_shapes(base, ("walltime", "cores", "partition"), PARTS, jobs=2, max_jobs=8)
    }
    assert found[Shape("batch", 4, 8000, 3600)].overrides == {"walltime": "01:00:00"}
    # half the cores per worker keeps the capacity: twice the jobs
    half = found[Shape("batch", 2, 4000, 7200)]
    assert (half.overrides, half.jobs) == ({"cores": 2}, 4)
    # debug allows 30 minutes: the suggestion shortens the walltime to fit it
    assert found[Shape("debug", 4, 8000, 1800)].overrides == {"partition": "debug", "walltime": "00:30:00"}
    only_batch = candidate_shapes(base, ("partition",), PARTS, allowed=("batch",))
    assert [c.shape.partition for c in only_batch] == ["batch"]
    # a partition whose MaxTime is below the walltime is no suggestion when the walltime is fixed
    assert [c.shape.partition for c in candidate_shapes(base, ("partition",), PARTS)] == ["batch"]


def test_policy_bounds_the_suggestions() -> None:
    base = Shape("batch", 4, 8000, 7200)
    fields = ("walltime", "cores", "partition")
    policy = AdvicePolicy(min_walltime_s=3600 * 2, min_cores=4, partitions=("batch",))
    assert [c.shape for c in candidate_shapes(base, fields, PARTS, jobs=2, max_jobs=8, policy=policy)] == [
        base
    ]
    # not more jobs than the profile's max_workers allow
    assert all(c.jobs <= 2 for c in candidate_shapes(base, fields, PARTS, jobs=2, max_jobs=2))


def test_policy_from_config() -> None:
    policy = AdvicePolicy.from_config({"min_walltime": "00:20:00", "min_cores": 2, "partitions": ["debug"]})
    assert (policy.min_walltime_s, policy.min_cores, policy.partitions) == (1200, 2, ("debug",))
    assert AdvicePolicy.from_config({}) == AdvicePolicy()
    for bad, words in [
        ({"min_cores": 0}, "min_cores must be a whole number"),
        ({"partitions": "debug"}, "partitions must be a list"),
        ({"nonsense": 1}, "unknown key(s) nonsense"),
        ({"patience_max_tries": -1}, "patience_max_tries"),
    ]:
        with pytest.raises(ValueError, match=re.escape(words)):
            AdvicePolicy.from_config(bad)


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
    with cancelled_after() as ids:
        for node in ("node1", "node2"):
            ids.append(submit(["-p", "debug", "-w", node, "-c", "8", "-t", "20", "-J", "long"]))
        wait_for(lambda: all(_state(i) == "RUNNING" for i in ids), timeout=30)
        yield ids


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
    # the scheduler's planning settings the figures rest on, read from the sandbox itself
    planning = body["planning"]
    assert planning["source"] == "scontrol show config" and planning["interval_s"] == 5
    assert planning["resolution_s"] == 60 and "backfill every 5 s" in planning["text"]
    assert best["error_s"] is not None and own["error_s"] is not None
    assert "track" in best and isinstance(best["correction_s"], (int, float))

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


def test_sand_shape_fits_the_free_cores_now() -> None:
    from records import node

    # batch: node3 has 3 free cores, node4 has 5; debug's nodes are full
    nodes = [
        node("node1", cpus_alloc=8), node("node2", cpus_alloc=8),
        node("node3", cpus_alloc=5, partitions=("batch",)),
        node("node4", cpus_alloc=3, partitions=("batch",)),
    ]  # fmt: skip
    base = Shape("debug", 4, 8000, 1800)
    fields = ("walltime", "cores", "partition")
    found = candidate_shapes(base, fields, PARTS, jobs=2, max_jobs=8, nodes=nodes)
    sand = found[1]
    # 8 cores as 2 × 4 or 4 × 2 do not fit the 3 + 5 free cores on whole nodes; 8 × 1 core do
    assert sand.shape == Shape("batch", 1, 2000, 900)
    assert sand.jobs == 8
    assert sand.overrides == {"partition": "batch", "cores": 1, "walltime": "00:15:00"}
    assert "fit the free cores in batch now" in sand.why
    # the policy's floor on cores keeps workers bigger: then nothing fits now and no sand is offered
    bounded = candidate_shapes(
        base, fields, PARTS, jobs=2, max_jobs=8, nodes=nodes, policy=AdvicePolicy(min_cores=4)
    )
    assert all("fit the free cores" not in c.why for c in bounded)


def test_sand_walltime_ends_before_the_next_planned_job() -> None:
    from records import node

    nodes = [node("node1"), node("node2")]
    base = Shape("batch", 2, 2000, 7200)
    fields = ("walltime", "partition")
    policy = AdvicePolicy(min_walltime_s=300)
    # backfill can fit just under 10 minutes before the next planned job in batch (the window is
    # what backfill.window_s leaves of the gap at the scheduler's steps): 9-minute workers
    found = candidate_shapes(base, fields, PARTS, jobs=2, nodes=nodes, policy=policy, windows={"batch": 599})
    assert found[1].shape == Shape("batch", 2, 2000, 540)
    assert found[1].overrides == {"walltime": "00:09:00"}
    # a gap shorter than the policy's shortest walltime is not offered
    short = candidate_shapes(base, fields, PARTS, jobs=2, nodes=nodes, policy=policy, windows={"batch": 200})
    assert all(c.shape.walltime_s >= 300 for c in short)
