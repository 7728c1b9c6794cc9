"""What Grid Engine's qdel, qhold and qrls say, and what the backend makes of it. Pure.

The messages are Son of Grid Engine 8.1.9's own, seen in the sandbox (they go to stdout, with
exit codes that differ between the tools). The live counterparts are in tests/test_sge_backend.py.
"""

from __future__ import annotations

import pytest

from hpc_lab_ext.errors import BadRequest, CommandFailed, NotFound, SchedulerUnavailable
from hpc_lab_ext.runner import Result
from hpc_lab_ext.scheduler.sge import action_error, sge_target

NO_JOB = 'denied: job "999" does not exist\n'
OWNER = 'denied: "bob" must be at least owner of job 18 to change job attributes\n'
NO_SEND = 'unable to send message to qmaster using port 6444 on host "vm": got send error\n'
REFUSED = "error: commlib error: got select error (Connection refused)\n"
NO_RIGHTS = 'bob - you do not have the necessary privileges to delete the job "21"\n'
NOT_OPERATOR = 'denied: "alice" must be operator to remove operator hold\n'


def result(argv: list[str], returncode: int, stdout: str, stderr: str = "") -> Result:
    return Result(argv=tuple(argv), returncode=returncode, stdout=stdout, stderr=stderr, seconds=0.01)


@pytest.mark.parametrize(
    ("argv", "returncode", "stdout", "stderr", "kind", "words"),
    [
        (["qdel", "999"], 1, NO_JOB, "", NotFound, "does not exist"),
        (["qhold", "-h", "u", "999"], 3, NO_JOB, "", NotFound, "may have ended"),
        (["qdel", "19.7"], 1, 'job "19" task "7" does not exist\n', "", NotFound, 'task "7"'),
        (["qdel", "21"], 1, NO_RIGHTS, "", CommandFailed, "only the job's owner or a Grid Engine operator"),
        (["qhold", "-h", "u", "18"], 18, OWNER, "", CommandFailed, "must be at least owner"),
        (["qrls", "-h", "o", "21"], 10, NOT_OPERATOR, "", CommandFailed, "needs one to release it"),
        (["qdel", "5"], 1, NO_SEND, REFUSED, SchedulerUnavailable, "unreachable"),
        (["qrls", "-h", "u", "5"], 11, "", REFUSED, SchedulerUnavailable, "Connection refused"),
        (["qdel", "5"], 2, "", "", CommandFailed, "exited with status 2"),
    ],
)  # fmt: skip
def test_action_errors(
    argv: list[str], returncode: int, stdout: str, stderr: str, kind: type[Exception], words: str
) -> None:
    error = action_error("cancel", "5", result(argv, returncode, stdout, stderr))
    assert type(error) is kind and words in str(error)


@pytest.mark.parametrize(
    "stdout",
    [
        "root has deleted job 18\n",
        "root has registered the job 20 for deletion\n",
        "modified hold of job 21\n",
        "",
    ],
)
def test_action_successes(stdout: str) -> None:
    assert action_error("hold", "18", result(["qhold", "18"], 0, stdout)) is None


def test_a_denial_with_exit_status_0_is_still_a_refusal() -> None:
    error = action_error(
        "hold", "7", result(["qhold", "7"], 0, 'denied: "x" must be manager to set manager hold\n')
    )
    assert isinstance(error, CommandFailed) and "must be manager" in str(error)


@pytest.mark.parametrize(("job_id", "target"), [("123", "123"), ("123_4", "123.4"), ("1_0", "1.0")])
def test_targets(job_id: str, target: str) -> None:
    assert sge_target(job_id) == target


def test_targets_refuse_het_components_and_anything_not_an_id() -> None:
    with pytest.raises(NotFound, match="no heterogeneous"):
        sge_target("123+1")
    for bad in ("-u", "*", "123.4", "12 3", "job_name"):
        with pytest.raises(BadRequest):
            sge_target(bad)
