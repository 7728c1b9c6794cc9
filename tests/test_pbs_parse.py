"""PBS Professional / OpenPBS JSON parsers, on hand-written fixtures in tests/fixtures/pbs/.

The fixtures follow the layout of ``qstat -f -t -F json``, ``pbsnodes -a -F json``,
``qstat -Q -f -F json`` and ``qstat -B -f -F json`` (PBS Pro 19 and later, OpenPBS), including
the ways PBS breaks JSON: a job named ``inf`` printed as a bare word, a numeric name printed as
a number, an unescaped backslash in the job's environment. No PBS runs here: nothing is live.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.scheduler.pbs_parse import (
    JOBS_ARGV,
    default_queue,
    load_pbs_json,
    node_state,
    parse_duration,
    parse_jobs,
    parse_nodes,
    parse_queues,
    parse_size_mb,
    parse_time,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pbs"
NOW = datetime(2026, 11, 29, 18, 0, 0)


def text(name: str) -> str:
    return (FIXTURES / name).read_text()


def jobs() -> dict[str, Job]:
    listed = parse_jobs(text("qstat_jobs.json"), NOW)
    assert len({j.id for j in listed}) == len(listed), "duplicate job ids"
    return {job.id: job for job in listed}


def nodes() -> dict[str, Node]:
    return {node.name: node for node in parse_nodes(text("pbsnodes.json"))}


def test_jobs_are_asked_for_with_subjobs_as_json() -> None:
    assert JOBS_ARGV == ("qstat", "-f", "-t", "-F", "json")


def test_running_jobs() -> None:
    one, wide = jobs()["101"], jobs()["102"]
    assert (one.name, one.user, one.partition, one.state, one.nodes) == (
        "hpc-lab-0123abcd", "alice", "workq", "RUNNING", "cn01",
    )  # fmt: skip
    assert (one.cpus, one.memory_mb, one.time_limit_s, one.elapsed_s, one.priority) == (4, 8192, 3600, 600, 0)
    assert (one.submit_time, one.start_time) == ("2026-11-29T17:50:00", "2026-11-29T17:50:01")
    assert (wide.nodes, wide.node_count, wide.cpus, wide.gres, wide.time_limit_s) == (
        "cn02,cn03", 2, 16, "gpu:2", 48 * 3600,
    )  # fmt: skip


def test_names_pbs_prints_as_bare_words_or_numbers() -> None:
    assert (jobs()["103"].name, jobs()["104"].name) == ("inf", "2026")


def test_pending_and_held_reasons() -> None:
    listed = jobs()
    assert (listed["103"].state, listed["103"].reason, listed["103"].time_limit_s) == (
        "PENDING",
        "Resources",
        360000,
    )
    assert (listed["104"].reason, listed["104"].priority) == ("JobHeldUser", -5)
    assert listed["105"].reason == "Dependency"  # a system hold on a job with "depend"
    assert listed["106"].reason == "JobHeldAdmin"  # an operator hold
    assert all(listed[i].nodes == "" and listed[i].start_time is None for i in ("103", "104", "105", "106"))


def test_arrays() -> None:
    listed = jobs()
    assert "107_[3-4]" not in listed and "107_1" not in listed  # parent of listed subjobs; expired subjob
    running, queued = listed["107_2"], listed["107_3"]
    assert (running.state, running.nodes, running.array_job_id, running.array_task_id) == (
        "RUNNING",
        "cn01",
        "107",
        "2",
    )
    assert (queued.state, queued.array_task_id, queued.elapsed_s) == ("PENDING", "3", 0)
    unstarted = listed["108_[1-10:3]"]  # no subjob listed yet: the parent stands for the range
    assert (unstarted.state, unstarted.array_job_id, unstarted.array_task_id, unstarted.cpus) == (
        "PENDING", "108", "1-10:3", 2,
    )  # fmt: skip


def test_a_bad_record_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        listed = jobs()
    assert "109" not in listed and "not a PBS duration: 'soon'" in caplog.text
    assert sorted(listed) == ["101", "102", "103", "104", "105", "106", "107_2", "107_3", "108_[1-10:3]"]


@pytest.mark.parametrize(
    "broken",
    [
        '{"Jobs":{"1.s":{"Job_Name":nan,"job_state":"Q"}}}',
        '{"Jobs":{"1.s":{"Job_Name":"x","Variable_List":{"P":"C:\\\\ok\\q"},"job_state":"Q"}}}',
    ],
)
def test_json_pbs_breaks_is_repaired(broken: str) -> None:
    (job,) = parse_jobs(broken, NOW)
    assert job.id == "1" and job.state == "PENDING"


def test_valid_escapes_are_left_alone() -> None:
    data = load_pbs_json('{"a":"C:\\\\srv\\"x\\"","b":1e5,"c":"tab\\there"}')
    assert data == {"a": 'C:\\srv"x"', "b": "1e5", "c": "tab\there"}


@pytest.mark.parametrize("bad", ["", "qstat: Unknown Job Id", "[1, 2]", '{"Jobs": [1]}'])
def test_not_pbs_json(bad: str) -> None:
    with pytest.raises(ValueError, match="not PBS JSON"):
        parse_jobs(bad, NOW)


@pytest.mark.parametrize(
    ("value", "mb"),
    [("8gb", 8192), ("65536000kb", 64000), ("512mb", 512), ("1048576", 1), ("131072w", 1), ("", None)],
)
def test_sizes(value: str, mb: int | None) -> None:
    assert parse_size_mb(value) == mb


def test_durations_and_times() -> None:
    assert [parse_duration(v) for v in ("01:30:00", "100:00:00", "90", "2:05", "")] == [
        5400,
        360000,
        90,
        125,
        None,
    ]
    assert parse_time("Fri Nov 11 17:57:05 2016") == "2016-11-11T17:57:05"
    assert parse_time("Sun Nov  1 08:00:00 2026") == "2026-11-01T08:00:00"
    with pytest.raises(ValueError):
        parse_duration("1-00:00:00")


# ---- nodes and queues ---------------------------------------------------------------------------


def test_nodes() -> None:
    listed = nodes()
    cn01, cn02, cn03 = listed["cn01"], listed["cn02"], listed["cn03"]
    assert (cn01.state, cn01.cpus_total, cn01.cpus_alloc, cn01.memory_total_mb, cn01.memory_alloc_mb) == (
        "mixed", 16, 5, 64000, 8192,
    )  # fmt: skip
    assert (cn02.state, cn02.gpus_total, cn02.gpus_alloc) == ("allocated", 1, 1)
    assert (cn03.state, cn03.reason) == (
        "draining",
        "memory test | replace DIMM A2",
    )  # offline, job still on it
    assert [listed[n].state for n in ("cn04", "cn05", "cn06")] == ["down", "not_responding", "idle"]


@pytest.mark.parametrize(
    ("raw", "alloc", "has_jobs", "state"),
    [("free", 0, False, "idle"), ("free", 2, True, "mixed"), ("free", 8, True, "allocated"),
     ("job-exclusive", 1, True, "allocated"), ("offline", 0, False, "drained"),
     ("down,offline", 0, False, "down"), ("stale", 0, False, "not_responding"),
     ("provisioning", 0, False, "maint")],
)  # fmt: skip
def test_node_states(raw: str, alloc: int, has_jobs: bool, state: str) -> None:
    assert node_state(raw, alloc, 8, has_jobs) == state


def test_queues_as_partitions() -> None:
    listed = list(nodes().values())
    queues = {
        q.name: q
        for q in parse_queues(text("qstat_queues.json"), listed, default_queue(text("qstat_server.json")))
    }
    assert sorted(queues) == ["closing", "long", "retired", "workq"]  # the routing queue is left out
    workq, long = queues["workq"], queues["long"]
    assert (workq.state, workq.default, workq.max_time_s, workq.default_time_s) == ("up", True, 259200, 3600)
    assert (workq.cpus_total, workq.gpus_total, len(workq.nodes)) == (80, 2, 6)  # no node tied to a queue
    assert (long.state, long.max_nodes, long.default) == ("down", 2, False)
    assert (queues["retired"].state, queues["closing"].state) == ("inactive", "drain")


def test_nodes_tied_to_a_queue() -> None:
    tied = Node("gpu1", "idle", "", ("gpuq",), 8, 0, 1000, 0, gpus_total=4)
    free = Node("cn1", "idle", "", (), 16, 0, 1000, 0)
    doc = '{"Queue":{"gpuq":{"queue_type":"Execution","enabled":"True","started":"True"}}}'
    (gpuq,) = parse_queues(doc, [tied, free])
    assert (gpuq.nodes, gpuq.cpus_total, gpuq.gpus_total) == (("gpu1",), 8, 4)
