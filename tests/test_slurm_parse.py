"""Slurm output parsers, on output recorded from the sandbox by scripts/record-fixtures.

Every squeue_*/nodes_* fixture is real Slurm 22.05.8 output of exactly SQUEUE_ARGV / NODES_ARGV.
The values asserted below are the ones in those recordings: re-recording changes job ids and
times, so update them together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from hpc_lab_ext.errors import BadRequest, CommandFailed, NotFound, SchedulerUnavailable
from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.runner import Result
from hpc_lab_ext.scheduler import slurm as slurm_module
from hpc_lab_ext.scheduler.slurm import SlurmBackend, slurm_reason
from hpc_lab_ext.scheduler.slurm_parse import (
    NODES_ARGV,
    SQUEUE_ARGV,
    SQUEUE_FIELDS,
    SQUEUE_FORMAT,
    count_gpus,
    node_state,
    parse_duration,
    parse_gres,
    parse_memory_mb,
    parse_node_line,
    parse_nodes,
    parse_squeue,
    parse_time,
)

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def jobs_of(name: str) -> dict[str, Job]:
    jobs = parse_squeue(fixture_text(name))
    by_id = {job.id: job for job in jobs}
    assert len(by_id) == len(jobs), "duplicate job ids"
    return by_id


def nodes_of(name: str) -> dict[str, Node]:
    return {node.name: node for node in parse_nodes(fixture_text(name))}


# ---- the command line ---------------------------------------------------------------------------


def test_format_uses_unit_separator_and_ends_with_the_name() -> None:
    codes = SQUEUE_FORMAT.split("\x1f")
    assert codes == [code for _, code in SQUEUE_FIELDS]
    assert len(codes) == 18
    assert codes[-1] == "%j"
    assert codes.count("%j") == 1
    assert "|" not in SQUEUE_FORMAT and " " not in SQUEUE_FORMAT


def test_argv() -> None:
    assert SQUEUE_ARGV == ("squeue", "--noheader", "--noconvert", "-a", "-o", SQUEUE_FORMAT)
    assert NODES_ARGV == ("scontrol", "-d", "-o", "show", "node")


# ---- scalar parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:00", 0),
        ("0:05", 5),
        ("1:00", 60),
        ("30:00", 1800),
        ("1:02:03", 3723),
        ("1:03:00", 3780),
        ("1-00:00:00", 86400),
        ("2-03:04:05", 183845),
        ("1-02", 93600),
        ("1-02:30", 95400),
        ("45", 2700),
        (" 30:00 ", 1800),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["UNLIMITED", "NOT_SET", "INVALID", "N/A", ""])
def test_parse_duration_none(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize("text", ["abc", "1:2:3:4", "-5", "1:xx", "1--2"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_parse_time() -> None:
    assert parse_time("2026-11-25T12:50:47") == "2026-11-25T12:50:47"
    for text in ("N/A", "Unknown", "None", "INVALID", "NOT_SET", ""):
        assert parse_time(text) is None
    with pytest.raises(ValueError):
        parse_time("Tomorr 12:00")


@pytest.mark.parametrize(
    ("text", "mb"),
    [
        ("1000M", 1000),
        ("16000M", 16000),
        ("2G", 2048),
        ("1.5G", 1536),
        ("16000", 16000),
        ("1T", 1048576),
        ("0", 0),
        ("500m", 500),
    ],
)
def test_parse_memory_mb(text: str, mb: int) -> None:
    assert parse_memory_mb(text) == mb


def test_parse_memory_mb_none_and_garbage() -> None:
    assert parse_memory_mb("N/A") is None
    assert parse_memory_mb("") is None
    with pytest.raises(ValueError):
        parse_memory_mb("lots")


@pytest.mark.parametrize(
    ("text", "gres"),
    [
        ("N/A", ""),
        ("", ""),
        ("gres:gpu:1", "gpu:1"),
        ("gres/gpu:1", "gpu:1"),
        ("gres:gpu:a100:2", "gpu:a100:2"),
        ("gres:gpu:a100:1,gres:mps:50", "gpu:a100:1,mps:50"),
    ],
)
def test_parse_gres(text: str, gres: str) -> None:
    assert parse_gres(text) == gres


# ---- squeue fixtures ----------------------------------------------------------------------------


def test_empty_queue() -> None:
    assert fixture_text("squeue_empty.txt") == ""
    assert parse_squeue("") == []
    assert parse_squeue("\n") == []


def test_mixed_queue() -> None:
    jobs = jobs_of("squeue_mixed.txt")
    assert list(jobs) == ["138", "136", "137", "134", "135"]

    running = jobs["138"]
    assert running == Job(
        id="138",
        name="bob-batch",
        user="bob",
        partition="batch",
        state="RUNNING",
        reason="",
        nodes="node3",
        node_count=1,
        cpus=4,
        memory_mb=4096,
        memory_per_cpu=False,
        gres="",
        submit_time="2026-11-25T12:54:56",
        start_time="2026-11-25T12:54:56",
        time_limit_s=7200,
        elapsed_s=1,
        priority=4294901646,
        array_job_id=None,
        array_task_id=None,
    )

    waiting = jobs["136"]
    assert (waiting.user, waiting.partition, waiting.state, waiting.reason) == (
        "bob",
        "debug",
        "PENDING",
        "Resources",
    )
    assert waiting.nodes == ""
    assert waiting.node_count == 1 and waiting.cpus == 2
    # the backfill estimate: when alice's 30-minute jobs end
    assert waiting.start_time == "2026-11-25T13:24:56"
    assert waiting.time_limit_s == 1800 and waiting.elapsed_s == 0

    assert jobs["137"].reason == "Priority"
    assert jobs["137"].user == "alice"
    assert (jobs["134"].nodes, jobs["134"].cpus, jobs["134"].memory_mb) == ("node1", 8, 1000)  # DefMemPerCPU
    assert (jobs["135"].nodes, jobs["135"].cpus, jobs["135"].memory_mb) == ("node2", 8, 8192)  # --mem=8G
    assert {j.name for j in jobs.values()} == {
        "bob-batch",
        "bob-debug",
        "alice-later",
        "alice-prep",
        "alice-train",
    }


def test_names_survive_byte_exact() -> None:
    jobs = parse_squeue(fixture_text("squeue_names.txt"))
    assert [j.name for j in jobs] == [
        "Grüße 日本 | x",
        "  spaced  name  ",
        "a|b|c",
        "tab\there",
        "unit\x1fsep",
        "two\nlines",
        "%j 100% $HOME",
        "🚀",
        "long" * 30,
    ]
    assert [j.id for j in jobs] == [str(n) for n in range(139, 148)]
    assert all(j.user == "alice" and j.state == "RUNNING" and j.cpus == 1 for j in jobs)
    assert jobs[4].priority == 4294901641  # the fields before a separator-holding name are intact
    assert jobs[5].elapsed_s == 1 and jobs[5].nodes == "node1"


def test_arrays() -> None:
    jobs = jobs_of("squeue_arrays.txt")
    assert set(jobs) == {"149_[3-5%2]", "148_[1-5%2]", "149_1", "149_2", "150_4", "150_7"}

    pending = jobs["148_[1-5%2]"]
    assert (pending.array_job_id, pending.array_task_id) == ("148", "1-5%2")
    assert (pending.state, pending.reason, pending.priority) == ("PENDING", "JobHeldUser", 0)
    assert pending.name == "held-array" and pending.user == "alice"

    throttled = jobs["149_[3-5%2]"]
    assert (throttled.array_job_id, throttled.array_task_id) == ("149", "3-5%2")
    assert throttled.reason == "JobArrayTaskLimit"

    task = jobs["150_4"]
    assert (task.array_job_id, task.array_task_id) == ("150", "4")
    assert (task.state, task.nodes, task.reason, task.name) == ("RUNNING", "node1", "", "tasks")
    assert jobs["149_1"].array_task_id == "1" and jobs["149_1"].user == "bob"


def test_het_jobs() -> None:
    jobs = jobs_of("squeue_hetjob.txt")
    assert set(jobs) == {"158+1", "158+0", "154+0", "154+1", "156+0", "156+1"}
    first, second = jobs["154+0"], jobs["154+1"]
    assert (first.nodes, first.cpus, first.memory_mb) == ("node1", 1, 1000)
    assert (second.nodes, second.cpus, second.memory_mb) == ("node2", 2, 500)  # --mem-per-cpu=500
    assert first.name == second.name == "het-cli"
    assert first.array_job_id is None and second.array_task_id is None
    assert jobs["156+1"].gres == "gpu:1" and jobs["156+1"].nodes == "node3"
    assert jobs["156+0"].gres == ""
    held = jobs["158+0"]
    assert (held.state, held.reason, held.priority, held.user) == ("PENDING", "JobHeldUser", 0, "bob")


def test_time_limits() -> None:
    jobs = jobs_of("squeue_times.txt")
    limits = {j.name: j.time_limit_s for j in jobs.values()}
    assert limits == {
        "two-days": 172800,
        "unlimited": None,
        "one-hour-ish": 3780,  # --time=1:02:03: Slurm rounds limits up to whole minutes
        "one-day": 86400,
        "debug-default": 1800,  # the partition's MaxTime=30
        "forty-five-seconds": 60,  # --time=0:45 rounded up as well
    }
    assert jobs["165"].reason == "PartitionTimeLimit" and jobs["165"].start_time is None
    assert jobs["164"].reason == "PartitionTimeLimit"
    assert all(j.elapsed_s == 3 for j in jobs.values() if j.state == "RUNNING")
    assert all(j.elapsed_s == 0 for j in jobs.values() if j.state == "PENDING")


def test_held_and_waiting() -> None:
    jobs = jobs_of("squeue_held.txt")
    reasons = {j.name: (j.id, j.reason, j.priority, j.start_time) for j in jobs.values()}
    assert reasons == {
        "bob-user-hold": ("166", "JobHeldUser", 0, None),
        "alice-admin-hold": ("167", "JobHeldAdmin", 0, "2026-11-25T13:55:12"),
        "alice-dependent": ("168", "Dependency", 4294901623, None),
        "bob-begin": ("169", "BeginTime", 4294901622, "2026-11-25T14:55:12"),
    }
    assert all(j.state == "PENDING" and j.nodes == "" for j in jobs.values())


def test_gres_jobs() -> None:
    jobs = jobs_of("squeue_gres.txt")
    assert (jobs["170"].gres, jobs["170"].nodes, jobs["170"].user) == ("gpu:1", "node3", "alice")
    assert (jobs["171"].gres, jobs["171"].nodes, jobs["171"].cpus, jobs["171"].memory_mb) == (
        "gpu:a100:2",
        "node4",
        4,
        12288,
    )
    assert (jobs["172"].gres, jobs["172"].state, jobs["172"].reason) == ("gpu:2", "PENDING", "Resources")


def test_handwritten_special_values_and_bad_lines(caplog: pytest.LogCaptureFixture) -> None:
    # handwritten_times.txt is made by hand, not recorded: NOT_SET / INVALID never showed up in the
    # sandbox, and broken lines are what we want squeue never to print.
    with caplog.at_level(logging.WARNING, logger="hpc_lab_ext.scheduler.slurm_parse"):
        jobs = parse_squeue(fixture_text("handwritten_times.txt"))
    assert [j.id for j in jobs] == ["900", "901", "904"]
    not_set, invalid, completing = jobs
    assert not_set.time_limit_s is None and not_set.start_time is None
    assert (not_set.memory_mb, not_set.gres, not_set.node_count, not_set.cpus) == (2048, "gpu:1", 2, 16)
    assert invalid.elapsed_s == 0 and invalid.start_time is None and invalid.time_limit_s is None
    assert invalid.priority is None and invalid.memory_mb == 1536 and invalid.name == "clock skew"
    assert completing.state == "COMPLETING" and completing.elapsed_s == 93784
    assert completing.gres == "gpu:a100:1,mps:50" and completing.name == "after the bad lines"
    skipped = [r.getMessage() for r in caplog.records]
    assert len(skipped) == 4
    assert (
        "line 1" in skipped[0]
        and "line 4" in skipped[1]
        and "line 5" in skipped[2]
        and "line 6" in skipped[3]
    )


def test_a_bad_line_never_loses_the_others() -> None:
    good = fixture_text("squeue_mixed.txt").split("\n")
    text = "\n".join([good[0], "\x1f".join(["x"] * 18), good[1]])
    assert [j.id for j in parse_squeue(text)] == ["138", "136"]


# ---- nodes --------------------------------------------------------------------------------------


def test_nodes_idle() -> None:
    nodes = nodes_of("nodes_idle.txt")
    assert list(nodes) == ["node1", "node2", "node3", "node4"]
    assert nodes["node1"] == Node(
        name="node1",
        state="idle",
        reason="",
        partitions=("debug", "batch"),
        cpus_total=8,
        cpus_alloc=0,
        memory_total_mb=16000,
        memory_alloc_mb=0,
        gpus_total=0,
        gpus_alloc=0,
        load=0.21,
    )
    assert nodes["node3"].partitions == ("batch",)
    assert [(n.gpus_total, n.gpus_alloc) for n in nodes.values()] == [(0, 0), (0, 0), (2, 0), (2, 0)]
    assert all(n.state == "idle" and n.cpus_total == 8 and n.memory_total_mb == 16000 for n in nodes.values())


def test_nodes_busy() -> None:
    nodes = nodes_of("nodes_busy.txt")
    summary = {n.name: (n.state, n.cpus_alloc, n.memory_alloc_mb) for n in nodes.values()}
    assert summary == {
        "node1": ("allocated", 8, 8000),
        "node2": ("allocated", 8, 8192),
        "node3": ("mixed", 4, 4096),
        "node4": ("idle", 0, 0),
    }


def test_nodes_gpu_allocation() -> None:
    nodes = nodes_of("nodes_gpu.txt")
    assert (nodes["node3"].gpus_total, nodes["node3"].gpus_alloc, nodes["node3"].state) == (2, 1, "mixed")
    assert (nodes["node4"].gpus_total, nodes["node4"].gpus_alloc, nodes["node4"].memory_alloc_mb) == (
        2,
        2,
        12288,
    )
    assert (nodes["node1"].gpus_total, nodes["node1"].gpus_alloc) == (0, 0)


def test_nodes_drained_draining_down() -> None:
    nodes = nodes_of("nodes_drained.txt")
    assert (nodes["node1"].state, nodes["node1"].reason) == ("drained", "disk check: sda=bad | replace")
    assert (nodes["node2"].state, nodes["node2"].reason, nodes["node2"].cpus_alloc) == (
        "draining",
        "kernel update",
        2,
    )
    assert (nodes["node3"].state, nodes["node3"].reason) == ("idle", "")
    assert (nodes["node4"].state, nodes["node4"].reason) == ("down", "fan failure")


def test_nodes_not_responding_then_down() -> None:
    # node4's slurmd was killed: first flagged NOT_RESPONDING, then set DOWN after SlurmdTimeout.
    early = nodes_of("nodes_not_responding.txt")
    assert {n.name: n.state for n in early.values()} == {
        "node1": "idle",
        "node2": "idle",
        "node3": "idle",
        "node4": "not_responding",
    }
    assert early["node4"].reason == ""
    late = nodes_of("nodes_down.txt")
    assert (late["node4"].state, late["node4"].reason) == ("down", "Not responding")
    assert (late["node4"].cpus_total, late["node4"].gpus_total) == (8, 2)
    assert late["node1"].state == "idle"


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("IDLE", "idle"),
        ("MIXED", "mixed"),
        ("ALLOCATED", "allocated"),
        ("DOWN*", "down"),
        ("DOWN", "down"),
        ("DOWN+NOT_RESPONDING", "down"),
        ("DOWN+DRAIN", "down"),
        ("IDLE+DRAIN", "drained"),
        ("MIXED+DRAIN", "draining"),
        ("ALLOCATED+DRAIN", "draining"),
        ("MIXED+DRAIN+PLANNED", "draining"),
        ("IDLE+PLANNED", "idle"),
        ("IDLE*", "not_responding"),
        ("IDLE+NOT_RESPONDING", "not_responding"),
        ("IDLE+COMPLETING", "completing"),
        ("MIXED+COMPLETING", "mixed"),
        ("IDLE+MAINT", "maint"),
        ("IDLE+POWERED_DOWN", "powered_down"),
        ("IDLE+DRAIN+FAIL", "fail"),
        ("ALLOCATED+FAIL", "failing"),
        ("UNKNOWN", "unknown"),
    ],
)
def test_node_state(raw: str, state: str) -> None:
    assert node_state(raw) == state


@pytest.mark.parametrize(
    ("gres", "count"),
    [
        ("gpu:a100:2", 2),
        ("gpu:2", 2),
        ("gpu", 1),
        ("(null)", 0),
        ("", 0),
        ("gpu:0", 0),
        ("gpu:a100:0(IDX:N/A)", 0),
        ("gpu:a100:1(IDX:0)", 1),
        ("gpu:a100:2(IDX:0-1)", 2),
        ("gpu:a100:1(IDX:0,2),gpu:v100:3(S:0)", 4),
        ("gpu:a100:1(IDX:0),mps:100", 1),
    ],
)
def test_count_gpus(gres: str, count: int) -> None:
    assert count_gpus(gres) == count


def test_node_line_free_text() -> None:
    fields = parse_node_line(
        "NodeName=n1 CPUTot=4 OS=Linux 6.1 #1 SMP  RealMemory=100 State=IDLE+DRAIN "
        "Reason=GPU Xid=79 seen [admin@2026-01-01T00:00:00] Comment=rack 4"
    )
    assert fields["OS"] == "Linux 6.1 #1 SMP"
    assert fields["Reason"] == "GPU Xid=79 seen [admin@2026-01-01T00:00:00]"
    assert fields["Comment"] == "rack 4"
    assert "Xid" not in fields
    [node] = parse_nodes(
        "NodeName=n1 CPUTot=4 RealMemory=100 State=IDLE+DRAIN Reason=GPU Xid=79 [a@2026-01-01T00:00:00]"
    )
    assert (node.reason, node.state, node.cpus_alloc, node.load, node.partitions) == (
        "GPU Xid=79",
        "drained",
        0,
        None,
        (),
    )


def test_bad_node_lines_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = fixture_text("nodes_idle.txt").split("\n")
    text = "\n".join(["No nodes in the system", good[0], "NodeName=broken State=IDLE", good[2], ""])
    with caplog.at_level(logging.WARNING, logger="hpc_lab_ext.scheduler.slurm_parse"):
        nodes = parse_nodes(text)
    assert [n.name for n in nodes] == ["node1", "node3"]
    assert len(caplog.records) == 2


# ---- job action answers -------------------------------------------------------------------------
# What scancel -v / scontrol uhold / scontrol release print, as seen on the sandbox (Slurm 22.05.8),
# replayed through a stand-in for the runner. test_slurm_actions.py provokes the same for real.

_ANSWERS: list[tuple[str, str, int, str, type[Exception], str]] = [
    (
        "hold",
        "999999",
        1,
        "Invalid job id specified for job 999999\nslurm_suspend error: Invalid job id specified\n",
        NotFound,
        "job 999999 not found: Slurm says 'Invalid job id specified'",
    ),
    (
        "hold",
        "22_3",
        1,
        "22_3: Invalid job id specified\n",
        NotFound,
        "job 22_3 not found: Slurm says 'Invalid job id specified'",
    ),
    (
        "cancel",
        "999999",
        0,
        "scancel: Terminating job 999999\n"
        "scancel: error: Kill job error on job id 999999: Invalid job id specified\n",
        NotFound,
        "job 999999 not found",
    ),
    (
        "release",
        "28",
        1,
        "Job has already finished for job 28\nslurm_suspend error: Job has already finished\n",
        CommandFailed,
        "Slurm refused to release job 28: Job has already finished",
    ),
    (
        "cancel",
        "28",
        0,
        "scancel: Terminating job 28\n"
        "scancel: error: Kill job error on job id 28: Job/step already completing or completed\n",
        CommandFailed,
        "Slurm refused to cancel job 28: Job/step already completing or completed",
    ),
    (
        "hold",
        "24",
        1,
        "Invalid user id for job 24\nslurm_suspend error: Invalid user id\n",
        CommandFailed,
        "Slurm refused to hold job 24: Invalid user id (only the job's owner or a Slurm administrator",
    ),
    (
        "cancel",
        "24",
        210,
        "scancel: Terminating job 24\n"
        "scancel: error: Kill job error on job id 24: Access/permission denied\n",
        CommandFailed,
        "Slurm refused to cancel job 24: Access/permission denied (only the job's owner",
    ),
    (
        "release",
        "37",
        1,
        "Access/permission denied for job 37\nslurm_suspend error: Access/permission denied\n",
        CommandFailed,
        "Slurm refused to release job 37: Access/permission denied (a hold set by a Slurm administrator "
        "needs one to release it)",
    ),
    (
        "cancel",
        "37",
        8,
        "scancel: Terminating job 37\nscancel: error: Kill job error on job id 37: "
        "Unable to contact slurm controller (connect failure)\n",
        SchedulerUnavailable,
        "Slurm controller unreachable: Unable to contact slurm controller (connect failure)",
    ),
    (
        "hold",
        "37",
        3,
        "",
        CommandFailed,
        "Slurm refused to hold job 37: scontrol exited with status 3",
    ),
]


def _fake_run(
    monkeypatch: pytest.MonkeyPatch, returncode: int, stderr: str, ping_up: bool = True
) -> list[list[str]]:
    calls: list[list[str]] = []

    async def run(argv: Sequence[str], **_: Any) -> Result:
        calls.append(list(argv))
        if list(argv) == ["scontrol", "ping"]:
            text = "Slurmctld(primary) at vm is UP" if ping_up else "Slurmctld(primary) at vm is DOWN"
            return Result(tuple(argv), 0 if ping_up else 1, text + "\n", "", 0.01)
        return Result(tuple(argv), returncode, "", stderr, 0.01)

    monkeypatch.setattr(slurm_module, "run", run)
    return calls


@pytest.mark.parametrize(("action", "job_id", "returncode", "stderr", "error", "message"), _ANSWERS)
def test_job_action_answers(
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    job_id: str,
    returncode: int,
    stderr: str,
    error: type[Exception],
    message: str,
) -> None:
    calls = _fake_run(monkeypatch, returncode, stderr)
    with pytest.raises(error) as info:
        asyncio.run(SlurmBackend().job_action(job_id, action))
    assert str(info.value).startswith(message)
    assert calls[0][-1] == job_id
    if isinstance(info.value, CommandFailed):
        assert info.value.argv == calls[0]
        assert info.value.returncode == returncode


@pytest.mark.parametrize(
    ("action", "argvs"),
    [
        ("cancel", [["scancel", "-v", "12"]]),
        # a hold is checked right after: a job that had just started cannot be held
        ("hold", [["scontrol", "uhold", "12"], ["squeue", "--noheader", "-j", "12", "-o", "%T"]]),
        ("release", [["scontrol", "release", "12"]]),
    ],
)
def test_job_action_success(monkeypatch: pytest.MonkeyPatch, action: str, argvs: list[list[str]]) -> None:
    # scancel -v tells what it does on stderr; that is not an error.
    calls = _fake_run(monkeypatch, 0, "scancel: Terminating job 12\n" if action == "cancel" else "")
    asyncio.run(SlurmBackend().job_action("12", action))
    assert calls == argvs


@pytest.mark.parametrize("ping_up", [True, False])
def test_unexpected_message_is_checked_with_a_ping(monkeypatch: pytest.MonkeyPatch, ping_up: bool) -> None:
    # scontrol hold/release say this when slurmctld cannot be reached (and on protocol trouble).
    stderr = "Unexpected message received for job 37\nslurm_suspend error: Unexpected message received\n"
    calls = _fake_run(monkeypatch, 1, stderr, ping_up=ping_up)
    expected = CommandFailed if ping_up else SchedulerUnavailable
    with pytest.raises(expected, match="Unexpected message received" if ping_up else "DOWN"):
        asyncio.run(SlurmBackend().job_action("37", "hold"))
    assert calls == [["scontrol", "uhold", "37"], ["scontrol", "ping"]]


@pytest.mark.parametrize("job_id", ["-u", "--user=bob", "12 13", "12_[1-3]", ""])
def test_job_action_checks_the_job_id(monkeypatch: pytest.MonkeyPatch, job_id: str) -> None:
    calls = _fake_run(monkeypatch, 0, "")
    with pytest.raises(BadRequest):
        asyncio.run(SlurmBackend().job_action(job_id, "cancel"))
    assert calls == []


def test_unknown_job_action(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_run(monkeypatch, 0, "")
    with pytest.raises(ValueError, match="unknown job action 'requeue'"):
        asyncio.run(SlurmBackend().job_action("12", "requeue"))
    assert calls == []


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("scancel: error: Kill job error on job id 24: Access/permission denied", "Access/permission denied"),
        ("Invalid user id for job 24", "Invalid user id"),
        ("slurm_suspend error: Invalid user id", "Invalid user id"),
        ("27_1: Invalid job id specified", "Invalid job id specified"),
        ("Invalid job id specified for job 22+1", "Invalid job id specified"),
        ("scontrol: error: Invalid job id specified", "Invalid job id specified"),
        ("something else entirely", "something else entirely"),
    ],
)
def test_slurm_reason(line: str, reason: str) -> None:
    assert slurm_reason(line) == reason
