"""Grid Engine output parsers, on output recorded from the sandbox by scripts/record-sge-fixtures.

The qstat_*, user_holds_*, qhost_* and queues.txt fixtures are real Son of Grid Engine 8.1.9
output of exactly QSTAT_ARGV, USER_HOLDS_ARGV, QHOST_ARGV and QUEUES_ARGV. The values asserted
below are the ones in those recordings: re-recording changes job ids and times, so update them
together. Hand-made cases (malformed, hostile, other releases' quirks) are inline.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest

from hpc_lab_ext.models import Job, Node
from hpc_lab_ext.scheduler.sge_hosts import build_partitions, parse_hosts, parse_qhost, parse_queue_configs
from hpc_lab_ext.scheduler.sge_parse import (
    QSTAT_ARGV,
    held_keys,
    parse_duration,
    parse_memory_mb,
    parse_qstat,
    parse_xml,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sge"
NOW = datetime(2026, 11, 29, 18, 26, 7)  # ten minutes after the running jobs of the recordings started


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def jobs_of(name: str, holds: bool = True) -> dict[str, Job]:
    held = held_keys(fixture_text(f"user_holds_{name}.xml")) if holds else None
    jobs = parse_qstat(fixture_text(f"qstat_{name}.xml"), NOW, held)
    by_id = {job.id: job for job in jobs}
    assert len(by_id) == len(jobs), "duplicate job ids"
    return by_id


def node_of(name: str) -> Node:
    (node,) = parse_qhost(fixture_text(name))
    return node


def job_list(*elements: str) -> str:
    """qstat -xml output around hand-written job_list elements (pending ones, like Grid Engine)."""
    body = "".join(f'<job_list state="pending">{e}</job_list>' for e in elements)
    return f"<?xml version='1.0'?><job_info><queue_info/><job_info>{body}</job_info></job_info>"


# ---- the command line ---------------------------------------------------------------------------


def test_qstat_asks_all_users_with_requests_and_priorities_as_xml() -> None:
    assert QSTAT_ARGV == ("qstat", "-u", "*", "-r", "-pri", "-xml")


# ---- jobs ---------------------------------------------------------------------------------------


def test_empty_queue() -> None:
    assert parse_qstat(fixture_text("qstat_empty.xml"), NOW) == []


def test_running_jobs() -> None:
    jobs = jobs_of("mixed")
    pe = jobs["6"]
    assert (pe.name, pe.user, pe.partition, pe.state, pe.reason) == (
        "bob-pe",
        "bob",
        "batch.q",
        "RUNNING",
        "",
    )
    assert (pe.nodes, pe.node_count, pe.cpus, pe.priority) == ("vm", 1, 2, 0)
    assert (pe.start_time, pe.elapsed_s, pe.submit_time) == ("2026-11-29T18:16:07", 600, None)
    assert (pe.time_limit_s, pe.memory_mb, pe.gres, pe.array_job_id) == (None, None, "", None)
    limited = jobs["7"]
    # "<" comes back from Grid Engine's "%lt;"; & > " were escaped properly
    assert limited.name == 'alice<&>"quoted"'
    assert (limited.time_limit_s, limited.memory_mb, limited.memory_per_cpu) == (600, 1024, True)


def test_pending_jobs_keep_their_submit_time_and_requests() -> None:
    job = jobs_of("mixed")["9"]
    assert (job.name, job.state, job.reason, job.nodes, job.partition) == (
        "waits|for;slots", "PENDING", "", "", "",
    )  # fmt: skip
    assert (job.submit_time, job.start_time, job.time_limit_s, job.elapsed_s) == (
        "2026-11-29T18:16:09", None, 3600, 0,
    )  # fmt: skip


def test_array_tasks_and_pending_ranges_use_slurm_ids() -> None:
    jobs = jobs_of("mixed")
    running = jobs["8_1"]
    assert (running.state, running.array_job_id, running.array_task_id, running.nodes) == (
        "RUNNING", "8", "1", "vm",
    )  # fmt: skip
    waiting = jobs["8_[2-6]"]  # "2-6:1" in qstat: a step of 1 is left out, as Slurm writes it
    assert (waiting.state, waiting.array_job_id, waiting.array_task_id) == ("PENDING", "8", "2-6")
    held = jobs["13_[1-9:2]"]
    assert (held.reason, held.array_task_id, held.user) == ("JobHeldUser", "1-9:2", "bob")


def test_holds_tell_the_owner_from_an_operator_and_a_dependency() -> None:
    jobs = jobs_of("mixed")
    assert jobs["10"].reason == "JobHeldUser"  # qsub -h
    assert jobs["11"].reason == "JobHeldAdmin"  # qhold -h o by root
    assert jobs["12"].reason == "Dependency"  # -hold_jid 6, and 6 still runs
    assert {jobs[i].state for i in ("10", "11", "12")} == {"PENDING"}


def test_without_the_user_hold_listing_every_hold_is_the_owners() -> None:
    jobs = jobs_of("mixed", holds=False)
    assert (jobs["10"].reason, jobs["11"].reason, jobs["12"].reason) == (
        "JobHeldUser", "JobHeldUser", "Dependency",
    )  # fmt: skip


def test_dependency_on_a_finished_job_is_an_operator_hold_if_not_the_owners() -> None:
    text = fixture_text("qstat_mixed.xml").replace(
        "<JB_job_number>6</JB_job_number>", "<JB_job_number>99</JB_job_number>"
    )
    jobs = {job.id: job for job in parse_qstat(text, NOW, held_keys(fixture_text("user_holds_mixed.xml")))}
    assert jobs["12"].reason == "JobHeldAdmin"  # its predecessor 6 left the queue: the hold is not it


def test_suspended_error_and_held_running_jobs() -> None:
    jobs = jobs_of("states")
    assert (jobs["14"].state, jobs["14"].nodes, jobs["14"].reason) == ("SUSPENDED", "vm", "")
    assert (jobs["15"].state, jobs["15"].reason) == ("PENDING", "JobError")  # Eqw: bad working dir
    # "hr": an operator hold on a running job changes nothing until it is requeued
    assert (jobs["16"].state, jobs["16"].reason) == ("RUNNING", "")


@pytest.mark.parametrize(
    ("letters", "state"),
    [("qw", "PENDING"), ("hqw", "PENDING"), ("r", "RUNNING"), ("Rr", "RUNNING"), ("t", "CONFIGURING"),
     ("s", "SUSPENDED"), ("S", "SUSPENDED"), ("T", "SUSPENDED"), ("dr", "COMPLETING"), ("dt", "COMPLETING"),
     ("Eqw", "PENDING"), ("Rq", "PENDING"), ("hr", "RUNNING")],
)  # fmt: skip
def test_state_letters(letters: str, state: str) -> None:
    (job,) = parse_qstat(job_list(f"<JB_job_number>5</JB_job_number><state>{letters}</state>"), NOW)
    assert job.state == state


@pytest.mark.parametrize(
    ("tasks", "job_id", "task"),
    [("1-3:1,7-9:1", "7_[1-3,7-9]", "1-3,7-9"), ("4", "7_4", "4"), ("1,3", "7_[1,3]", "1,3"),
     ("1,2,4,5", "7_[1-2,4-5]", "1-2,4-5"), ("1-2:1,3-5:1", "7_[1-5]", "1-5"),
     ("2-20:3", "7_[2-20:3]", "2-20:3"), ("5-5:7", "7_5", "5")],
)  # fmt: skip
def test_task_lists_as_slurm_writes_them(tasks: str, job_id: str, task: str) -> None:
    (job,) = parse_qstat(
        job_list(f"<JB_job_number>7</JB_job_number><state>qw</state><tasks>{tasks}</tasks>"), NOW
    )
    assert (job.id, job.array_job_id, job.array_task_id) == (job_id, "7", task)


def test_a_bad_task_list_skips_its_element() -> None:
    assert (
        parse_qstat(job_list("<JB_job_number>7</JB_job_number><state>qw</state><tasks>1-x</tasks>"), NOW)
        == []
    )


def test_requests_in_other_spellings() -> None:
    text = job_list(
        "<JB_job_number>3</JB_job_number><state>qw</state><slots>8</slots>"
        '<hard_request name="mem_free">1.5g</hard_request><hard_request name="gpu">2</hard_request>'
        '<hard_request name="h_rt">1:0:0:0</hard_request><hard_req_queue>a.q</hard_req_queue>'
        "<hard_req_queue>b.q</hard_req_queue><JB_priority>-100</JB_priority>"
    )
    (job,) = parse_qstat(text, NOW)
    assert (job.cpus, job.memory_mb, job.gres, job.time_limit_s) == (8, 1431, "gpu:2", 86400)
    assert (job.partition, job.priority) == ("a.q,b.q", -100)


def test_a_bad_element_is_skipped_not_the_listing(caplog: pytest.LogCaptureFixture) -> None:
    text = job_list(
        "<JB_job_number>x1</JB_job_number><state>qw</state>",
        '<JB_job_number>2</JB_job_number><state>qw</state><hard_request name="h_rt">soon</hard_request>',
        "<JB_job_number>3</JB_job_number><state>qw</state><JB_submission_time>yesterday</JB_submission_time>",
        "<JB_job_number>4</JB_job_number><state>qw</state><JB_name>ok</JB_name>",
    )
    with caplog.at_level(logging.WARNING):
        jobs = parse_qstat(text, NOW)
    assert [(j.id, j.name) for j in jobs] == [("4", "ok")]
    assert caplog.text.count("skipped") == 3


def test_names_with_control_characters_do_not_hide_the_queue() -> None:
    text = job_list("<JB_job_number>4</JB_job_number><state>qw</state><JB_name>a\x01b\x1fc</JB_name>")
    (job,) = parse_qstat(text, NOW)
    assert job.name == "a\ufffdb\ufffdc"


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><job_info>&a;</job_info>',
        '<!DOCTYPE job_info SYSTEM "file:///etc/passwd"><job_info/>',
        "<!doctype job_info><job_info/>",
        "<job_info><job_list>",
        "",
        "qstat: command not found",
    ],
)
def test_hostile_or_broken_xml_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_qstat(text, NOW)
    with pytest.raises(ValueError):
        parse_xml(text)


# ---- small values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("3600", 3600), ("0:30:00", 1800), ("24:00:00", 86400), ("1:0:0:0", 86400), ("::30", 30),
     ("INFINITY", None), ("", None), ("NONE", None)],
)  # fmt: skip
def test_durations(text: str, seconds: int | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1h", "1:2:3:4:5", "-5", ":", "1.5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "mb"),
    [("2G", 2048), ("938.6M", 939), ("4096m", 3906), ("1.5g", 1431), ("0.0", 0), ("512K", 0),
     ("1T", 1048576), ("-", None), ("NONE", None)],
)  # fmt: skip
def test_memory(text: str, mb: int | None) -> None:
    assert parse_memory_mb(text) == mb


# ---- nodes --------------------------------------------------------------------------------------


def test_idle_host() -> None:
    node = node_of("qhost_idle.xml")
    assert (node.name, node.state, node.reason, node.partitions) == ("vm", "idle", "", ("debug.q", "batch.q"))
    # 4 + 4 queue slots, but the host's own limit is 4 (complex_values slots=4)
    assert (node.cpus_total, node.cpus_alloc, node.memory_total_mb, node.gpus_total) == (4, 0, 24064, 0)
    assert node.load == 0.53 and 0 < node.memory_alloc_mb < node.memory_total_mb


def test_busy_host_is_allocated_when_its_slot_limit_is_reached() -> None:
    node = node_of("qhost_busy.xml")
    assert (node.state, node.cpus_total, node.cpus_alloc) == ("allocated", 4, 4)


def test_disabled_queues() -> None:
    one = node_of("qhost_disabled.xml")
    assert (one.state, one.reason, one.cpus_alloc) == ("mixed", "debug.q disabled", 1)
    both = node_of("qhost_all_disabled.xml")
    assert (both.state, both.reason) == ("draining", "debug.q disabled; batch.q disabled")  # a job still runs


def test_host_whose_execd_died() -> None:
    node = node_of("qhost_down.xml")
    assert (node.state, node.load, node.memory_alloc_mb) == ("not_responding", None, 0)
    assert node.reason == "debug.q not reporting; batch.q not reporting"


def test_global_pseudo_host_is_left_out() -> None:
    assert "global" in fixture_text("qhost_idle.xml")
    assert [record.name for record in parse_hosts(fixture_text("qhost_idle.xml"))] == ["vm"]


def test_hosts_without_a_slot_limit_or_queues() -> None:
    text = (
        "<qhost><host name='n1'><hostvalue name='load_avg'>1.50</hostvalue>"
        "<hostvalue name='mem_total'>2.0G</hostvalue><hostvalue name='mem_used'>512.0M</hostvalue>"
        "<queue name='a.q'><queuevalue qname='a.q' name='slots'>8</queuevalue>"
        "<queuevalue qname='a.q' name='slots_used'>3</queuevalue>"
        "<queuevalue qname='a.q' name='state_string'>a</queuevalue></queue></host>"
        "<host name='n2'><hostvalue name='load_avg'>0.00</hostvalue></host></qhost>"
    )
    n1, n2 = parse_qhost(text)
    assert (n1.state, n1.cpus_total, n1.cpus_alloc, n1.memory_total_mb, n1.memory_alloc_mb) == (
        "mixed", 8, 3, 2048, 512,
    )  # fmt: skip
    assert n1.reason == "a.q over its load threshold"
    assert (n2.state, n2.cpus_total, n2.partitions) == ("idle", 0, ())


# ---- queues as partitions -----------------------------------------------------------------------


def test_queue_configurations() -> None:
    configs = {c.name: c for c in parse_queue_configs(fixture_text("queues.txt"))}
    assert sorted(configs) == ["batch.q", "debug.q"]
    assert (configs["debug.q"].h_rt, configs["debug.q"].slots) == (1800, 4)
    assert (configs["batch.q"].h_rt, configs["batch.q"].slots) == (86400, 4)


def test_per_host_overrides_and_continued_lines() -> None:
    text = (
        "qname big.q\nhostlist @a \\\n   @b\nslots 2,[n1=8],[n2=16]\nh_rt INFINITY\n\n"
        "qname x.q\nh_rt 1:00:00,[n1=2:00:00]\n"
    )
    big, x = parse_queue_configs(text)
    assert (big.name, big.slots, big.h_rt) == ("big.q", 2, None)
    assert (x.name, x.slots, x.h_rt) == ("x.q", None, 3600)


def test_partitions_from_queues_and_hosts() -> None:
    configs = parse_queue_configs(fixture_text("queues.txt"))
    up = {p.name: p for p in build_partitions(configs, parse_hosts(fixture_text("qhost_idle.xml")))}
    debug, batch = up["debug.q"], up["batch.q"]
    assert (debug.state, debug.nodes, debug.max_time_s, debug.cpus_total, debug.default) == (
        "up", ("vm",), 1800, 4, False,
    )  # fmt: skip
    assert (batch.max_time_s, batch.max_nodes, batch.default_time_s) == (86400, None, None)
    half = {
        p.name: p.state for p in build_partitions(configs, parse_hosts(fixture_text("qhost_disabled.xml")))
    }
    assert half == {"debug.q": "down", "batch.q": "up"}
    down = build_partitions(configs, parse_hosts(fixture_text("qhost_down.xml")))
    assert {p.state for p in down} == {"down"}


def test_a_queue_on_no_host_is_down_with_no_nodes() -> None:
    (p,) = build_partitions(parse_queue_configs("qname lonely.q\nslots 1\n"), [])
    assert (p.name, p.state, p.nodes, p.cpus_total) == ("lonely.q", "down", (), 0)
