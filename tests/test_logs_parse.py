"""Pure parts of job logs: output paths from recorded `scontrol -o show job` lines, filename
patterns, and where a window of a file starts and ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hpc_lab_ext.logs.paths import expand_pattern, parse_job_output, parse_show_job_line
from hpc_lab_ext.logs.sge_paths import parse_sge_job_output
from hpc_lab_ext.logs.window import (
    MAX_LIMIT,
    align_to_line,
    looks_binary,
    plan,
    read_window,
    to_text,
    utf8_cut,
)

FIXTURES = Path(__file__).parent / "fixtures" / "slurm"


def fixture(name: str) -> str:
    return (FIXTURES / f"show_job_{name}.txt").read_text()


def test_a_name_with_keys_in_it_does_not_move_the_paths() -> None:
    # sbatch -J 'my job | x=1 StdOut=/etc/passwd' -o '/tmp/logt/out-%x-%j-%N.txt' -e 'err-%A_%a.txt'
    fields = parse_show_job_line(fixture("names"))
    assert fields["JobName"] == "my job | x=1 StdOut=/etc/passwd"
    assert fields["UserId"] == "root(0)"
    out = parse_job_output(fixture("names"), "7", ("vm",))
    assert out is not None
    assert out.stdout == (
        "/tmp/logt/out-my job | x=1 StdOut=/etc/passwd-7-node1.txt",
        "/tmp/logt/out-my job | x=1 StdOut=/etc/passwd-7-vm.txt",
    )
    # a relative -e is under the job's working directory; %a outside an array as slurmd writes it
    assert out.stderr == ("/tmp/logt/err-7_4294967294.txt",)
    assert (out.user, out.uid, out.workdir) == ("root", 0, "/tmp/logt")


def test_array_tasks_pick_their_own_line_and_pad_the_task_id() -> None:
    # --array=1-2 -o '/tmp/logt/arr-%A_%4a.out': scontrol leaves the padded %4a to us
    text = fixture("array")
    one = parse_job_output(text, "8_1")
    two = parse_job_output(text, "8_2")
    assert one is not None and two is not None
    assert one.stdout == ("/tmp/logt/arr-8_0001.out",)
    assert two.stdout == ("/tmp/logt/arr-8_0002.out",)
    assert one.stderr == one.stdout  # no -e: stderr goes with stdout
    assert parse_job_output(text, "8_3") is None


def test_pending_array_has_not_started() -> None:
    out = parse_job_output(fixture("pending_array"), "9")
    assert out is not None and out.state == "PENDING" and not out.started


def test_het_job_components() -> None:
    text = fixture("het")
    assert parse_job_output(text, "12+0").stdout == ("/tmp/logt/het-12.out",)  # type: ignore[union-attr]
    assert parse_job_output(text, "12+1").stdout == ("/tmp/logt/het-13.out",)  # type: ignore[union-attr]


def test_other_user_and_dev_null() -> None:
    alice = parse_job_output(fixture("other_user"), "10")
    assert alice is not None and (alice.user, alice.uid) == ("alice", 1001)
    assert alice.stdout == ("/tmp/slurm-10.out",)
    quiet = parse_job_output(fixture("devnull"), "11")
    assert quiet is not None and quiet.stdout == () and quiet.stderr == ()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%j.out", "42.out"),
        ("%A_%a", "40_3"),
        ("%A_%3a", "40_003"),
        ("%x-%u-%N", "a b-alice-node7"),
        ("100%%-%b", "100%-3"),
        # the batch step's %J is the job id alone: dask-jobqueue's "name-%J.out" is "name-42.out"
        ("%J %s %t %n", "42 batch 0 0"),
        ("w-%6J.out", "w-000042.out"),
        ("raw\\%j", "raw%j"),  # a backslash turns substitution off
        ("%q%j", "%q42"),  # unknown codes stay
    ],
)
def test_expand_pattern(pattern: str, expected: str) -> None:
    fields = {
        "JobId": "42",
        "ArrayJobId": "40",
        "ArrayTaskId": "3",
        "JobName": "a b",
        "UserId": "alice(1001)",
    }
    assert expand_pattern(pattern, fields, "node7") == expected


def test_plan_windows() -> None:
    size = 10_000_000
    assert plan(size, offset=None, before=None, limit=1000) == (size - 1000, size, True, False)
    assert plan(500, offset=None, before=None, limit=1000) == (0, 500, False, False)
    assert plan(size, offset=100, before=None, limit=1000) == (100, 1100, False, False)
    assert plan(size, offset=size, before=None, limit=1000) == (size, size, False, False)
    # past the end: the file shrank (truncated or replaced): its end again, flagged
    assert plan(50, offset=100, before=None, limit=1000) == (0, 50, False, True)
    assert plan(size, offset=None, before=5000, limit=1000) == (4000, 5000, True, False)
    assert plan(size, offset=None, before=None, limit=10**9)[0] == size - MAX_LIMIT


def test_alignment_and_utf8_cut() -> None:
    assert align_to_line(b"tail of a line\nnext\n") == 15
    assert align_to_line(b"no break at all") == 0
    euro = "€".encode()
    assert utf8_cut(b"abc" + euro[:2]) == 3
    assert utf8_cut(b"abc" + euro) == 6
    assert utf8_cut(b"abc") == 3


def test_binary_detection() -> None:
    assert not looks_binary(b"")
    assert not looks_binary("Grüße\t\x1b[31mred\x1b[0m\r\n".encode() * 100)
    assert looks_binary(bytes(range(256)) * 10)
    assert looks_binary(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 500)
    assert to_text(b"a\x00\x00b\xff") == "ab\ufffd"


def test_read_window_reads_only_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"".join(f"line {i}\n".encode() for i in range(1000)))
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        tail = read_window(fd, size, limit=100)
        assert tail.end == size and tail.data.startswith(b"line ") and tail.data.endswith(b"line 999\n")
        assert len(tail.data) <= 100
        earlier = read_window(fd, size, before=tail.start, limit=100)
        assert earlier.end == tail.start and earlier.data.endswith(b"\n")
        more = read_window(fd, size, offset=size)
        assert (more.start, more.end, more.data) == (size, size, b"")
    finally:
        os.close(fd)


def sge_fixture(name: str) -> str:
    return (Path(__file__).parent / "fixtures" / "sge" / f"qstat_j_{name}.txt").read_text()


def test_grid_engine_paths_match_the_files_it_wrote() -> None:
    # qsub -N plain -cwd -wd /tmp/sgelogs -j y: default name in the working directory, merged
    merged = parse_sge_job_output(sge_fixture("merged_cwd"), "2")
    assert merged is not None and merged.stdout == merged.stderr == ("/tmp/sgelogs/plain.o2",)
    assert merged.state == "RUNNING"
    # qsub -t 1-2 -N arr -o '/tmp/sgelogs/arr.$JOB_ID.$TASK_ID' -j y
    task = parse_sge_job_output(sge_fixture("array"), "3_1")
    assert task is not None and task.stdout == ("/tmp/sgelogs/arr.3.1",)
    # alice's job without -o/-e: <name>.o<id> and .e<id> in her home
    alice = parse_sge_job_output(sge_fixture("other_user"), "4")
    assert alice is not None and (alice.user, alice.uid) == ("alice", 1001)
    assert (alice.stdout, alice.stderr) == (("/home/alice/alices.o4",), ("/home/alice/alices.e4",))
    # -o '/tmp/sgelogs/$JOB_NAME.$JOB_ID.$HOSTNAME.out' -e 'rel-$USER.err' (relative: under home)
    pending = parse_sge_job_output(sge_fixture("patterns"), "5", ("vm",))
    assert pending is not None and pending.state == "PENDING" and not pending.started
    assert pending.stdout == ("/tmp/sgelogs/sep.5.vm.out",)
    assert pending.stderr == ("/root/rel-root.err",)
    assert parse_sge_job_output(sge_fixture("patterns"), "6") is None
