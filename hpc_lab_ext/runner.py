"""The one place that spawns processes: async, argv lists only, a timeout on every call, no shell."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from .errors import SchedulerUnavailable

log = logging.getLogger(__name__)

# Variables a user may set in their shell that would change what scheduler commands print.
_SCRUBBED_PREFIXES = ("SQUEUE_", "SINFO_", "SACCT_", "SBATCH_", "SCONTROL_")


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def command_exists(name: str) -> bool:
    return shutil.which(name) is not None


def _clean_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    # Dates as ISO 8601 whatever the site's locale or SLURM_TIME_FORMAT says.
    env["SLURM_TIME_FORMAT"] = "standard"
    env["LC_ALL"] = "C.UTF-8"
    if extra:
        env.update(extra)
    return env


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


@contextlib.contextmanager
def _output_file() -> Iterator[BinaryIO | None]:
    """An unnamed temporary file for a command's output (gone when closed); None, and so a pipe,
    when none can be made (a full or read-only temporary directory)."""
    try:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the with below)
    except OSError as e:
        log.debug("no temporary file for a command's output (%s): reading it through a pipe", e)
        yield None
        return
    with spool:
        yield spool


async def run(
    argv: Sequence[str],
    *,
    timeout: float = 10.0,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Result:
    """Run argv without a shell; raise SchedulerUnavailable on timeout or a missing program.

    A non-zero exit is returned, not raised: callers know which exits mean what.
    """
    if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
        raise TypeError("argv must be a non-empty list of strings")
    if any("\x00" in a for a in argv):
        raise ValueError("argv must not contain NUL bytes")
    start = time.monotonic()
    # Standard output goes to an unnamed temporary file, read once at the end: through a pipe,
    # squeue's answer for 100,000 jobs (15 MB, written a few KB at a time) took thousands of
    # turns of the event loop to read, 76 ms of the server's CPU against 13 ms from a file.
    with _output_file() as spool:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=spool if spool is not None else asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=_clean_env(env),
                start_new_session=True,
            )
        except FileNotFoundError as e:
            raise SchedulerUnavailable(f"{argv[0]} is not installed or not on PATH") from e
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(stdin.encode() if stdin is not None else None), timeout
            )
        except asyncio.TimeoutError:
            await _kill(proc)
            raise SchedulerUnavailable(f"{argv[0]} did not answer within {timeout:g} s") from None
        except BaseException:  # cancelled (e.g. a sibling call failed): leave no child behind
            await asyncio.shield(_kill(proc))
            raise
        if spool is not None:
            spool.seek(0)
            out = spool.read()
    seconds = time.monotonic() - start
    result = Result(
        argv=tuple(argv),
        returncode=proc.returncode if proc.returncode is not None else -1,
        stdout=out.decode("utf-8", errors="replace"),
        stderr=err.decode("utf-8", errors="replace"),
        seconds=seconds,
    )
    log.debug("ran %s in %.3f s (exit %d)", argv[0], seconds, result.returncode)
    return result


#: variables of the server's own Python that must not reach another environment's interpreter
_FOREIGN_PYTHON = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONNOUSERSITE")


def spawn_detached(argv: Sequence[str], *, log_path: str, cwd: str | None = None) -> subprocess.Popen[bytes]:
    """Start a long-lived process (argv, no shell) in a session of its own, so it outlives this
    server (a restart, a crash); its output goes to `log_path`. A daemon thread reaps it should
    it end while the server runs; nothing kills it when the server exits.
    """
    if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
        raise TypeError("argv must be a non-empty list of strings")
    env = {k: v for k, v in _clean_env(None).items() if k not in _FOREIGN_PYTHON}
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=fd, stderr=fd, env=env, cwd=cwd,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
    except FileNotFoundError as e:
        raise SchedulerUnavailable(f"{argv[0]} is not installed or not on PATH") from e
    finally:
        os.close(fd)
    threading.Thread(target=proc.wait, name=f"reap-{proc.pid}", daemon=True).start()
    log.debug("started %s (pid %d)", argv[0], proc.pid)
    return proc
