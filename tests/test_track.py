"""The record of predicted vs actual worker starts: fed by poll snapshots, kept per user (pure)."""

from __future__ import annotations

import time
from pathlib import Path

from records import job, node, partition

from hpc_lab_ext.advisor.estimates import Estimate, with_track
from hpc_lab_ext.advisor.shapes import Shape
from hpc_lab_ext.advisor.track import Outcome, StartRecord, summarize
from hpc_lab_ext.models import Snapshot

NOW = time.time()
PARTS = (partition("batch", ("node1",)),)
NODES = (node("node1"),)


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


def worker(state: str, start: float | None) -> object:
    return job(
        "77", name="hpc-lab-0123abcd", user="me", state=state, cpus=2, time_limit_s=600,
        submit_time=iso(NOW), start_time=None if start is None else iso(start),
        nodes="node1" if state == "RUNNING" else "",
    )  # fmt: skip


def test_a_worker_start_is_recorded_against_the_prediction(tmp_path: Path) -> None:
    path = tmp_path / "advisor" / "starts-me.json"
    record = StartRecord(path, "me", lambda cid: "habit" if cid == "0123abcd" else None)
    before = Snapshot(jobs=(), nodes=NODES, partitions=PARTS)
    pending = Snapshot(jobs=(worker("PENDING", None),), nodes=NODES, partitions=PARTS)  # type: ignore[arg-type]
    running = Snapshot(jobs=(worker("RUNNING", NOW + 200),), nodes=NODES, partitions=PARTS)  # type: ignore[arg-type]
    record.observe(before, pending)
    record.observe(pending, running)
    (outcome,) = record.outcomes["habit/batch"]
    # free node, nothing waiting: predicted at submission; it started 200 s later
    assert abs(outcome.error_s - 199) < 2 and outcome.job_id == "77"
    assert path.exists()
    again = StartRecord(path, "me", lambda cid: None)  # read back from the user's file
    assert again.outcomes["habit/batch"][0].job_id == "77"
    # another user's job, or a job of another name, is not recorded
    other = Snapshot(jobs=(job("78", name="hpc-lab-0123abcd", user="bob", state="RUNNING"),))
    record.observe(running, other)
    assert len(record.outcomes["habit/batch"]) == 1


def outcomes(errors: list[float]) -> list[Outcome]:
    return [Outcome(str(i), NOW, NOW + e) for i, e in enumerate(errors)]


def test_what_the_record_says() -> None:
    assert summarize(outcomes([10, 20])) is None  # too few to say anything
    right = summarize(outcomes([5, -10, 20, 30, 0]))
    assert right is not None and right.text.startswith("usually right within 1 min here")
    assert right.correction_s == 0.0
    late = summarize(outcomes([300, 420, 240, 10, 600]))
    assert late is not None and late.text.startswith("often late here") and late.correction_s == 300
    early = summarize(outcomes([-300, -400, -200]))
    assert early is not None and early.text.startswith("often early here")


def test_the_record_moves_later_estimates() -> None:
    e = Estimate(Shape("batch", 2, 2000, 600), {}, iso(NOW + 60), iso(NOW + 60), 60.0, 60.0, error_s=17.0)
    late = summarize(outcomes([300, 420, 240, 10, 600]))
    moved = with_track(e, late)
    assert moved.all_wait_s == 360.0 and moved.correction_s == 300
    assert moved.track is not None and moved.track["text"].startswith("often late here")
    assert moved.error_s is not None and moved.error_s >= 420
    assert with_track(e, None) == e
