"""The site poll's privacy filter and wire form: pure functions, no Slurm."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from hpc_lab_ext.models import Job, Node, Partition, Snapshot
from hpc_lab_ext.site_poll import payload
from hpc_lab_ext.site_poll.ended import split_ended
from hpc_lab_ext.site_poll.visibility import (
    SitePolicy,
    parse_operators,
    parse_private_data,
    visible_ended,
    visible_snapshot,
)

JOB = Job(
    id="1",
    name="a",
    user="alice",
    partition="batch",
    state="PENDING",
    reason="Resources",
    nodes="",
    node_count=1,
    cpus=1,
    memory_mb=1000,
    memory_per_cpu=True,
    gres="",
    submit_time="2026-11-30T10:00:00",
    start_time="2026-11-30T11:00:00",
    time_limit_s=600,
    elapsed_s=0,
)
NODE = Node("node1", "mixed", "", ("batch", "debug"), 8, 1, 16000, 1000, gpus_total=2, load=0.5)
PARTITION = Partition("batch", "up", False, ("node1", "node2"), 86400, None, None, 16, gpus_total=2)
SNAPSHOT = Snapshot(
    jobs=(
        JOB,
        replace(JOB, id="2", user="bob", state="RUNNING", nodes="node1", elapsed_s=5),
        replace(JOB, id="3_[1-4]", user="bob", array_job_id="3", array_task_id="1-4"),
        replace(JOB, id="4", user="alice", name="x\x1fy|z"),
    ),
    nodes=(NODE,),
    partitions=(PARTITION,),
    updated_at=1764500000.5,
    stale=False,
    version=7,
)
CONFIG = {"PrivateData": "jobs,usage", "SlurmUser": "slurm(64030)", "ClusterName": "hpclab"}


def ids(snapshot: Snapshot) -> list[str]:
    return [job.id for job in snapshot.jobs]


def test_without_private_data_everybody_sees_every_job() -> None:
    policy = SitePolicy(private=parse_private_data({"PrivateData": "none"}))
    for user in ("alice", "bob", "carol", "root"):
        assert visible_snapshot(SNAPSHOT, user, policy) == SNAPSHOT
    assert policy.view_key("alice") == policy.view_key("bob") == "*"


def test_private_jobs_shows_a_plain_user_their_own_jobs_only() -> None:
    policy = SitePolicy(private=parse_private_data(CONFIG), operators=parse_operators(CONFIG))
    alice, bob = visible_snapshot(SNAPSHOT, "alice", policy), visible_snapshot(SNAPSHOT, "bob", policy)
    assert ids(alice) == ["1", "4"]
    assert ids(bob) == ["2", "3_[1-4]"]
    assert ids(visible_snapshot(SNAPSHOT, "carol", policy)) == []
    # Only jobs are private: nodes, partitions and freshness are everybody's.
    assert (alice.nodes, alice.partitions, alice.version, alice.updated_at) == (
        SNAPSHOT.nodes,
        SNAPSHOT.partitions,
        7,
        SNAPSHOT.updated_at,
    )
    assert policy.view_key("alice") != policy.view_key("bob")


def test_operators_see_every_job_under_private_jobs() -> None:
    levels = "alice|None\nbob|Operator\ncarol|Administrator\nroot|Administrator\n"
    policy = SitePolicy(private=parse_private_data(CONFIG), operators=parse_operators(CONFIG, levels))
    assert policy.operators == {"root", "slurm", "bob", "carol"}
    for user in ("root", "slurm", "bob", "carol"):
        assert visible_snapshot(SNAPSHOT, user, policy) == SNAPSHOT
    assert ids(visible_snapshot(SNAPSHOT, "alice", policy)) == ["1", "4"]


def test_private_nodes_hides_nodes_and_private_partitions_is_not_served_to_plain_users() -> None:
    policy = SitePolicy(private=parse_private_data({"PrivateData": "nodes"}))
    alice = visible_snapshot(SNAPSHOT, "alice", policy)
    assert alice.nodes == () and alice.jobs == SNAPSHOT.jobs
    assert visible_snapshot(SNAPSHOT, "root", policy).nodes == SNAPSHOT.nodes
    partitions = SitePolicy(private=parse_private_data({"PrivateData": "partitions,jobs"}))
    assert not partitions.served("alice")
    assert partitions.served("root")


def test_policy_before_slurm_was_read_hides_others_jobs() -> None:
    from hpc_lab_ext.scheduler.local import LocalBackend
    from hpc_lab_ext.site_poll.policy import PolicyReader

    unread = PolicyReader(LocalBackend()).policy
    assert ids(visible_snapshot(SNAPSHOT, "alice", unread)) == ["1", "4"]
    assert not unread.served("alice")


@pytest.mark.parametrize(
    ("text", "words"),
    [("", set()), ("none", set()), ("jobs", {"jobs"}), ("Jobs, Usage,users", {"jobs", "usage", "users"})],
)
def test_parse_private_data(text: str, words: set[str]) -> None:
    assert parse_private_data({"PrivateData": text}) == words


def test_payload_round_trip_and_unchanged_answers() -> None:
    ended = (("9", "alice"), ("10_3", "bob"))
    body = json.loads(payload.encode("run1", SNAPSHOT, ended, None))
    data = payload.decode(body, None)
    assert data.ended == ended
    assert (data.jobs, data.nodes, data.partitions) == (SNAPSHOT.jobs, SNAPSHOT.nodes, SNAPSHOT.partitions)
    assert data.jobs[3].name == "x\x1fy|z"
    assert (data.tag, data.updated_at, data.stale) == (
        payload.tag("run1", SNAPSHOT, ended),
        SNAPSHOT.updated_at,
        False,
    )
    assert data.tag != payload.tag("run1", SNAPSHOT, ended[:1])  # a job that ended is a change
    # A later poll that saw nothing new: same version, newer time; the records are the held ones.
    later = replace(SNAPSHOT, updated_at=SNAPSHOT.updated_at + 15)
    again = payload.decode(json.loads(payload.json_text(payload.freshness("run1", later, ended, None))), data)
    assert again.jobs is data.jobs and again.ended == ended
    assert again.updated_at == later.updated_at and not again.stale
    with pytest.raises(ValueError, match="does not hold"):
        payload.decode(json.loads(payload.json_text(payload.freshness("run2", SNAPSHOT, ended, None))), data)
    with pytest.raises(ValueError, match="format"):
        payload.decode({**body, "format": 99}, None)


def test_ended_jobs_are_split_from_the_queue_and_private_like_it() -> None:
    listed = [
        *SNAPSHOT.jobs,
        replace(JOB, id="5", state="COMPLETED"),
        replace(JOB, id="6", user="bob", state="TIMEOUT"),
    ]
    queue, ended = split_ended(listed)
    assert queue == list(SNAPSHOT.jobs)  # what squeue without -t lists
    assert ended == (("5", "alice"), ("6", "bob"))
    private = SitePolicy(private=frozenset({"jobs"}))
    assert visible_ended(ended, "alice", private) == (("5", "alice"),)
    assert visible_ended(ended, "root", private) == ended
    assert visible_ended(ended, "alice", SitePolicy()) == ended
