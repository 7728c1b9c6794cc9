"""LSF JSON parsers, on hand-written fixtures in tests/fixtures/lsf/.

The fixtures follow the layout of ``bjobs -json -o "..."`` and ``bhosts -json -o "..."``
(LSF 10.1): ``{"COMMAND": ..., "RECORDS": [...]}`` with every value a string. No LSF runs here:
nothing is live.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler.lsf_parse import (
    JOBS_ARGV,
    host_state,
    parse_duration,
    parse_hosts,
    parse_jobs,
    parse_size_mb,
    parse_time,
)

FIXTURES = Path(__file__).parent / "fixtures" / "lsf"
NOW = datetime(2027, 1, 1, 0, 10, 0)  # just after new year: year-less dates of December are 2026's


def jobs() -> dict[str, Job]:
    listed = parse_jobs((FIXTURES / "bjobs.json").read_text(), NOW)
    assert len({j.id for j in listed}) == len(listed), "duplicate job ids"
    return {job.id: job for job in listed}


def test_jobs_of_all_users_as_json() -> None:
    assert JOBS_ARGV[:4] == ("bjobs", "-u", "all", "-json") and JOBS_ARGV[4] == "-o"
    assert JOBS_ARGV[5].split()[:3] == ["jobid", "jobindex", "stat"]


def test_running_jobs() -> None:
    one, wide = jobs()["5001"], jobs()["5002"]
    assert (one.name, one.user, one.partition, one.state, one.nodes, one.cpus) == (
        "hpc-lab-0123abcd", "alice", "normal", "RUNNING", "cn01", 4,
    )  # fmt: skip
    assert (one.memory_mb, one.time_limit_s, one.elapsed_s, one.priority) == (8192, 3600, 600, None)
    assert (one.submit_time, one.start_time) == ("2026-11-29T17:50:00", "2026-11-29T17:50:00")  # last year's
    assert (wide.name, wide.nodes, wide.node_count, wide.gres, wide.priority) == (
        'train "big" model', "cn02,cn03", 2, "gpu:2", 10,
    )  # fmt: skip
    assert (wide.elapsed_s, wide.time_limit_s, wide.submit_time) == (118740, 172800, "2026-11-28T09:00:05")


def test_pending_reasons() -> None:
    listed = jobs()
    assert (listed["5003"].state, listed["5003"].reason) == ("PENDING", "Not enough job slot(s): 3 hosts")
    assert (listed["5004"].state, listed["5004"].reason) == ("PENDING", "JobHeldUser")
    assert listed["5005"].reason == "JobHeldAdmin"
    assert listed["5006"].reason == "Dependency"


def test_array_elements_across_new_year() -> None:
    running, waiting = jobs()["5007_2"], jobs()["5007_3"]
    assert (running.array_job_id, running.array_task_id, running.state) == ("5007", "2", "RUNNING")
    assert (running.submit_time, running.start_time) == ("2026-12-31T23:59:00", "2027-01-01T00:00:00")
    assert (running.memory_mb, running.time_limit_s, running.gres) == (500, 1800, "")  # bare numbers are KB
    assert (waiting.state, waiting.nodes, waiting.start_time) == ("PENDING", "", None)


def test_finished_and_unknown_jobs_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        listed = jobs()
    assert "5000" not in listed and "4999" not in listed and "is not found" in caplog.text
    assert len(listed) == 8


@pytest.mark.parametrize("bad", ["", "No unfinished job found", '{"COMMAND":"bjobs"}', "[]"])
def test_not_lsf_json(bad: str) -> None:
    with pytest.raises(ValueError, match="not LSF JSON"):
        parse_jobs(bad, NOW)


def test_no_jobs() -> None:
    assert parse_jobs('{"COMMAND":"bjobs","JOBS":0,"RECORDS":[]}', NOW) == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120 second(s)", 120),
        ("00:02:00", 120),
        ("60.0/cn01", 3600),
        ("1.5", 90),
        ("", None),
        ("01:00:00/cn1", 3600),
    ],
)
def test_durations(value: str, seconds: int | None) -> None:
    assert parse_duration(value) == seconds


def test_sizes_and_times() -> None:
    assert [parse_size_mb(v) for v in ("2 G", "2048 M", "1024000", "1.5 G", "")] == [
        2048,
        2048,
        1000,
        1536,
        None,
    ]
    assert parse_time("Nov 29 17:50:01 2026", NOW) == "2026-11-29T17:50:01"
    assert parse_time("Jan  1 00:05 L", NOW) == "2027-01-01T00:05:00"
    with pytest.raises(ValueError):
        parse_time("yesterday", NOW)


def test_hosts() -> None:
    hosts = {h.name: h for h in parse_hosts((FIXTURES / "bhosts.json").read_text())}
    assert [hosts[n].state for n in sorted(hosts)] == [
        "mixed", "allocated", "draining", "down", "not_responding", "idle", "drained",
    ]  # fmt: skip
    assert (hosts["cn01"].cpus_total, hosts["cn01"].cpus_alloc, hosts["cn01"].reason) == (16, 5, "")
    assert (hosts["cn03"].reason, hosts["cn06"].cpus_total) == ("closed_Adm", 0)  # MAX "-": no slot limit


@pytest.mark.parametrize(
    ("status", "used", "state"),
    [("ok", 0, "idle"), ("ok", 3, "mixed"), ("ok", 8, "allocated"), ("closed_Excl", 1, "allocated"),
     ("closed_Lock", 0, "drained"), ("closed_LIM", 0, "not_responding"), ("unlicensed", 0, "down")],
)  # fmt: skip
def test_host_states(status: str, used: int, state: str) -> None:
    assert host_state(status, used, 8) == state
