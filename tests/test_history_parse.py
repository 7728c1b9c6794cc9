"""Ended jobs from recorded sacct and scontrol output (the sandbox with slurmdbd), and the own
record's SQLite store."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from hpc_lab_ext.history.records import (
    counts,
    from_show_job,
    parse_cpu_time,
    parse_req_mem,
    parse_rss_mb,
    parse_sacct,
)
from hpc_lab_ext.history.sizing import array_summaries, suggest
from hpc_lab_ext.history.store import OwnRecord
from hpc_lab_ext.logs.paths import parse_show_job_line

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"


def test_sacct_jobs_states_and_use() -> None:
    # fails: exit 3; 'slow | one': -t 1, sleep 120; cpu-quarter: -c 4, one busy core for 60 s on
    # a shared machine; mem: --mem=500M, 200 MB touched; arr: --array=1-3; cancelled: scancel
    jobs = {j.id: j for j in parse_sacct((FIXTURES / "sacct_ended.txt").read_text())}
    assert set(jobs) == {"54", "55", "56", "57", "59", "58_1", "58_2", "58_3"}
    failed = jobs["54"]
    assert (failed.state, failed.exit_code, failed.signal, failed.group) == ("FAILED", 3, 0, "failed")
    assert failed.name == "fails" and failed.partition == "debug" and failed.nodes == "node1"
    slow = jobs["55"]
    assert (slow.state, slow.group, slow.time_limit_s) == ("TIMEOUT", "timeout", 60)
    assert slow.elapsed_s is not None and slow.elapsed_s >= 60
    busy = jobs["56"]
    assert (busy.cpus, busy.elapsed_s, busy.req_mem_mb) == (4, 60, 4000)
    assert busy.total_cpu_s == pytest.approx(25.512)
    assert busy.cpu_efficiency == pytest.approx(25.512 / 240)
    mem = jobs["57"]
    assert mem.req_mem_mb == 500 and mem.max_rss_mb == pytest.approx(214.546875)
    assert mem.memory_efficiency == pytest.approx(0.429, abs=0.001)
    assert jobs["59"].state == "CANCELLED" and jobs["59"].group == "cancelled"  # "CANCELLED by 0"
    assert counts(list(jobs.values())) == {
        "completed": 5,
        "failed": 1,
        "timeout": 1,
        "oom": 0,
        "cancelled": 1,
        "other": 0,
    }
    record = busy.to_json()
    assert record["group"] == "completed" and record["cpu_efficiency"] == pytest.approx(0.1063)


def test_a_job_that_has_not_ended_is_not_history() -> None:
    line = "\x1f".join(
        ["7", "RUNNING", "0:0", "debug", "", "", "Unknown", "5", "30", "1", "1000M", "", "", "n", "x"]
    )
    assert parse_sacct(line) == []


def test_scontrol_of_an_ended_job() -> None:
    text = (FIXTURES / "show_job_failed.txt").read_text()
    fields = parse_show_job_line(text.splitlines()[0])
    job = from_show_job(fields, fields["JobId"])
    assert job is not None
    assert job.name == "fails | x=1"
    assert (job.state, job.exit_code, job.cpus, job.req_mem_mb, job.time_limit_s) == (
        "FAILED",
        3,
        2,
        600,
        1800,
    )
    assert job.max_rss_mb is None and job.cpu_efficiency is None  # no use figures without accounting
    running = parse_show_job_line((FIXTURES / "show_job_het.txt").read_text().splitlines()[0])
    assert from_show_job(running, "12") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00.271", 0.271), ("01:02", 62.0), ("1:00:00", 3600.0), ("2-01:00:00", 176400.0), ("", None)],
)
def test_cpu_time(text: str, seconds: float | None) -> None:
    assert parse_cpu_time(text) == seconds


def test_memory_units() -> None:
    assert parse_rss_mb("219696K") == pytest.approx(214.546875)
    assert parse_rss_mb("1.5G") == 1536
    assert parse_rss_mb("") is None
    assert parse_req_mem("1000M", 4) == 1000
    assert parse_req_mem("500Mc", 4) == 2000  # per CPU (before 21.08)
    assert parse_req_mem("2G", 1) == 2048
    assert parse_req_mem("", 1) is None


def test_own_record_keeps_jobs_by_when_they_ended(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "history.sqlite"
    record = OwnRecord(path)
    jobs = parse_sacct((FIXTURES / "sacct_ended.txt").read_text())
    record.add(jobs[:2], ended=time.time() - 3 * 86400)
    record.add(jobs[2:])
    assert path.stat().st_mode & 0o777 == 0o600
    recent = record.since(86400)
    assert {j.id for j in recent} == {j.id for j in jobs[2:]}
    assert len(record.since(7 * 86400)) == len(jobs)
    assert record.known(jobs[0].id) and not record.known("999")
    record.close()
    again = OwnRecord(path)
    assert again.since(7 * 86400)[0] in jobs
    again.close()


def test_array_efficiency_spread_and_suggestions() -> None:
    jobs = parse_sacct((FIXTURES / "sacct_ended.txt").read_text())
    (array,) = array_summaries(jobs)
    assert (array["array_id"], array["tasks"], array["groups"]) == ("58", 3, {"completed": 3})
    assert array["cpu_efficiency"] == {"min": 0.001, "median": 0.001, "max": 0.0015}
    assert array["time_efficiency"]["max"] == pytest.approx(2 / 1800, abs=1e-4)
    by_id = {j.id: j for j in jobs}
    # one busy core of four: one CPU; 5 MB used: the 256 MB floor; 60 s of a 5-minute limit
    assert suggest(by_id["56"]) == {"cpus": 1, "mem_mb": 256, "time_s": 300, "smaller": True}
    # 215 MB used of 500 MB: 1.3 x 215 rounded up to 512 MB, but never more than was asked
    assert suggest(by_id["57"]) == {"cpus": 1, "mem_mb": 500, "time_s": 600, "smaller": True}
    assert suggest(by_id["57"], max_time_s=300)["time_s"] == 300  # type: ignore[index]
    assert suggest(by_id["54"]) is None  # failed: says nothing about what it needed
    assert suggest(by_id["55"]) is None  # timed out


@pytest.mark.parametrize(
    ("busy_cores", "cpus"), [(0.02, 1), (0.9, 1), (1.0, 1), (1.1, 1), (1.2, 2), (3.9, 4)]
)
def test_cpus_suggested_for_the_cores_kept_busy(busy_cores: float, cpus: int) -> None:
    job = parse_sacct((FIXTURES / "sacct_ended.txt").read_text())[2]  # 56: 4 CPUs, 60 s
    assert job.id == "56"
    busy = replace(job, total_cpu_s=busy_cores * 60)
    assert suggest(busy)["cpus"] == cpus  # type: ignore[index]
