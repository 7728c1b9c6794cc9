"""The one process spawner: argv lists only, timeouts, no shell."""

from __future__ import annotations

import sys
import tempfile
import time

import pytest

from hpc_lab_ext.errors import SchedulerUnavailable
from hpc_lab_ext.runner import run


async def test_runs_argv_and_captures_output() -> None:
    result = await run(["printf", "%s|%s", "a b", "ü"])
    assert result.returncode == 0
    assert result.stdout == "a b|ü"


async def test_no_shell_interpretation() -> None:
    result = await run(["echo", "$(id)", ";", "`id`", "|", "x"])
    assert result.stdout == "$(id) ; `id` | x\n"


async def test_nonzero_exit_is_returned_not_raised() -> None:
    result = await run(["sh", "-c", "echo oops >&2; exit 3"])
    assert result.returncode == 3
    assert result.stderr == "oops\n"


async def test_timeout_kills_and_raises() -> None:
    start = time.monotonic()
    with pytest.raises(SchedulerUnavailable, match=r"did not answer within 0\.3 s"):
        await run(["sleep", "5"], timeout=0.3)
    assert time.monotonic() - start < 2


async def test_missing_program_is_scheduler_unavailable() -> None:
    with pytest.raises(SchedulerUnavailable, match="not installed"):
        await run(["no-such-command-hpc-lab"])


@pytest.mark.parametrize("argv", ["ls -l", [], ["ls", 3], ["echo", "a\x00b"]])
async def test_rejects_anything_but_a_clean_argv_list(argv: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        await run(argv)  # type: ignore[arg-type]


async def test_user_squeue_settings_do_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQUEUE_FORMAT", "%all")
    monkeypatch.setenv("SLURM_TIME_FORMAT", "relative")
    result = await run(["env"])
    assert "SQUEUE_FORMAT" not in result.stdout
    assert "SLURM_TIME_FORMAT=standard" in result.stdout


async def test_a_long_answer_arrives_whole() -> None:
    # more than a pipe holds, written in pieces, as squeue writes a big queue
    script = "import sys\nfor i in range(40000): sys.stdout.write(f'{i:08d} ' + 'x' * 40 + '\\n')"
    result = await run([sys.executable, "-c", script], timeout=30)
    lines = result.stdout.splitlines()
    assert len(lines) == 40000
    assert lines[0].startswith("00000000 ") and lines[-1].startswith("00039999 ")


async def test_without_a_temporary_file_the_answer_comes_through_a_pipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_file() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_file)
    result = await run(["printf", "%s\\n", "a", "b"])
    assert (result.returncode, result.stdout) == (0, "a\nb\n")
