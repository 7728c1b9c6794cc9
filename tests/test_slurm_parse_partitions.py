"""Partition, host list and estimated-start parsers.

partitions.txt and squeue_start.txt are real Slurm 22.05.8 output of exactly PARTITIONS_ARGV and
START_ARGV, recorded from the sandbox by scripts/record-fixtures. partitions.txt holds the two
sandbox partitions plus three made for the recording (rec-gpu: hidden and draining, rec-off:
inactive without nodes, rec-down: down with a comma host list). Re-recording changes the job ids
and times asserted below.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hpc_lab_ext.models import Partition
from hpc_lab_ext.scheduler.slurm_parse import (
    PARTITIONS_ARGV,
    START_ARGV,
    expand_hostlist,
    parse_key_values,
    parse_nodes,
    parse_partitions,
    parse_starts,
)

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def test_argv() -> None:
    assert PARTITIONS_ARGV == ("scontrol", "-a", "-o", "show", "partition")
    assert START_ARGV == ("squeue", "--start", "--noheader", "-a", "-o", "%i %S")


# ---- host lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("node1", ("node1",)),
        ("node[1-2]", ("node1", "node2")),
        ("node[1-4]", ("node1", "node2", "node3", "node4")),
        ("gpu[01-03,07]", ("gpu01", "gpu02", "gpu03", "gpu07")),
        ("a1,b2", ("a1", "b2")),
        ("node[1,3]", ("node1", "node3")),
        ("node[8-10]", ("node8", "node9", "node10")),
        ("node[08-10]", ("node08", "node09", "node10")),
        ("n[001-002]", ("n001", "n002")),
        ("node[1-2],gpu[1-2]", ("node1", "node2", "gpu1", "gpu2")),
        ("login,node[5]", ("login", "node5")),
        ("r[1-2]n[1-2]", ("r1n1", "r1n2", "r2n1", "r2n2")),
        ("rack[1-2]-ib", ("rack1-ib", "rack2-ib")),
        ("node-[1-2].cluster", ("node-1.cluster", "node-2.cluster")),
        ("[1-2]", ("1", "2")),
        ("(null)", ()),
        ("", ()),
        ("  node[1-2]  ", ("node1", "node2")),
    ],
)
def test_expand_hostlist(text: str, names: tuple[str, ...]) -> None:
    assert expand_hostlist(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "node[1-2",
        "node1-2]",
        "node[]",
        "node[2-1]",
        "node[a-b]",
        "node[1-]",
        "node[-1]",
        "node[1--2]",
        "node[[1]]",
        "a,,b",
        "a,",
        ",a",
        "node[1-200000]",
        "a[0-999]b[0-999]",
    ],
)
def test_expand_hostlist_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        expand_hostlist(text)


# ---- partitions ---------------------------------------------------------------------------------


def test_key_values_keep_values_with_equals_signs() -> None:
    fields = parse_key_values("PartitionName=p JobDefaults=(null) TRES=cpu=16,mem=32000M,node=2 State=UP")
    assert fields == {
        "PartitionName": "p",
        "JobDefaults": "(null)",
        "TRES": "cpu=16,mem=32000M,node=2",
        "State": "UP",
    }


def test_partitions_recorded() -> None:
    nodes = parse_nodes(fixture_text("nodes_idle.txt"))
    parts = {p.name: p for p in parse_partitions(fixture_text("partitions.txt"), nodes)}
    assert list(parts) == ["debug", "batch", "rec-gpu", "rec-off", "rec-down"]
    assert parts["debug"] == Partition(
        name="debug",
        state="up",
        default=True,
        nodes=("node1", "node2"),
        max_time_s=1800,  # MaxTime=30 in slurm.conf, printed as 00:30:00
        default_time_s=None,
        max_nodes=1,
        cpus_total=16,
        gpus_total=0,
    )
    assert parts["batch"] == Partition(
        name="batch",
        state="up",
        default=False,
        nodes=("node1", "node2", "node3", "node4"),
        max_time_s=86400,
        default_time_s=None,
        max_nodes=None,
        cpus_total=32,
        gpus_total=4,
    )
    assert parts["rec-gpu"] == Partition(
        name="rec-gpu",
        state="drain",
        default=False,
        nodes=("node3", "node4"),
        max_time_s=None,
        default_time_s=600,
        max_nodes=None,
        cpus_total=16,
        gpus_total=4,
    )
    assert parts["rec-off"] == Partition(
        name="rec-off",
        state="inactive",
        default=False,
        nodes=(),
        max_time_s=7200,
        default_time_s=None,
        max_nodes=3,
        cpus_total=0,
        gpus_total=0,
    )
    assert (parts["rec-down"].state, parts["rec-down"].nodes) == ("down", ("node1", "node3"))
    assert (parts["rec-down"].max_time_s, parts["rec-down"].gpus_total) == (2700, 2)


def test_partitions_without_nodes_count_no_gpus() -> None:
    parts = parse_partitions(fixture_text("partitions.txt"))
    assert [p.gpus_total for p in parts] == [0, 0, 0, 0, 0]
    assert parse_partitions(fixture_text("partitions.txt"), []) == parts


def test_partitions_ignore_unknown_nodes() -> None:
    gpu_nodes = [n for n in parse_nodes(fixture_text("nodes_gpu.txt")) if n.name == "node4"]
    parts = {p.name: p.gpus_total for p in parse_partitions(fixture_text("partitions.txt"), gpu_nodes)}
    assert parts == {"debug": 0, "batch": 2, "rec-gpu": 2, "rec-off": 0, "rec-down": 0}


def test_partition_to_json() -> None:
    part = parse_partitions(fixture_text("partitions.txt"))[0]
    assert part.to_json()["nodes"] == ["node1", "node2"]


def test_handwritten_partition_values() -> None:
    text = (
        "PartitionName=long Default=NO DefaultTime=1-12:00:00 MaxNodes=UNLIMITED MaxTime=7-00:00:00 "
        "Nodes=cn[001-003] State=UP TotalCPUs=96\n"
        "PartitionName=minimal\n"
    )
    long, minimal = parse_partitions(text)
    assert (long.default_time_s, long.max_time_s, long.nodes) == (129600, 604800, ("cn001", "cn002", "cn003"))
    assert minimal == Partition(
        name="minimal",
        state="unknown",
        default=False,
        nodes=(),
        max_time_s=None,
        default_time_s=None,
        max_nodes=None,
        cpus_total=0,
    )


def test_bad_partition_lines_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    good = fixture_text("partitions.txt").splitlines()[0]
    text = "\n".join(
        [
            "scontrol: warning: something",
            "PartitionName=bad1 Nodes=node[1-",
            "PartitionName=bad2 TotalCPUs=many",
            "PartitionName=bad3 MaxTime=soon",
            good,
            "",
        ]
    )
    with caplog.at_level(logging.WARNING):
        parts = parse_partitions(text)
    assert [p.name for p in parts] == ["debug"]
    assert len(caplog.records) == 4


# ---- estimated starts ---------------------------------------------------------------------------


def test_starts_recorded() -> None:
    # node1-2 filled with two 8-CPU debug jobs, then: 44 pending on Resources, 45 on Priority,
    # array 47 pending as one range, 48 with --begin=now+1hour; 46 (held) and 49 (dependency) N/A.
    assert parse_starts(fixture_text("squeue_start.txt")) == {
        "44": "2026-11-25T13:27:18",
        "45": "2026-11-25T13:37:00",
        "47_[1-3]": "2026-11-25T13:47:00",
        "48": "2026-11-25T14:07:18",
    }


def test_starts_empty() -> None:
    assert parse_starts("") == {}
    assert parse_starts("\n") == {}


def test_bad_start_lines_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    text = "1 2026-01-02T03:04:05\n2 soon\n3\n4 2026-01-02T03:04:05 extra\n5 Unknown\n6 N/A\n"
    with caplog.at_level(logging.WARNING):
        assert parse_starts(text) == {"1": "2026-01-02T03:04:05"}
    assert len(caplog.records) == 3
