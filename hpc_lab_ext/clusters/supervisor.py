"""The server's side of a cluster's supervisor process (kernel_env/hpc_lab_supervisor.py).

`start` writes the cluster's spec, starts the supervisor with the notebook kernel's Python, in a
session of its own, and waits until it reports its control address; `Link.call` sends one
request over that channel (mutual TLS with the cluster's credentials) and returns the answer.
Nothing of the user's is ever unpickled here: requests and answers are plain JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import time
from pathlib import Path
from typing import Any

from ..errors import CommandFailed, HPCLabError
from ..kernel_env import hpc_lab_supervisor
from ..runner import run, spawn_detached

SCRIPT = Path(hpc_lab_supervisor.__file__).resolve()
CALL_TIMEOUT_S = 30.0


class SupervisorGone(HPCLabError):
    """The supervisor does not answer: it ended, or its host is unreachable."""

    status = 503


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def log_tail(directory: Path, lines: int = 1) -> str:
    """The last lines of a supervisor's log (its error, when it did not come up)."""
    try:
        text = (directory / "supervisor.log").read_text(errors="replace")
    except OSError:
        return ""
    picked = [ln for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in picked if ln.startswith("error: ")]
    return "\n".join((errors or picked)[-lines:]).removeprefix("error: ")


class Link:
    """Requests to one supervisor; every call also tells it that its server is alive."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        cert, key = str(directory / "tls-cert.pem"), str(directory / "tls-key.pem")
        self._context = hpc_lab_supervisor.tls_context(cert, key, server=False)
        self._kept: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()

    def address(self) -> tuple[str, int] | None:
        info = _read_json(self.dir / "supervisor.json")
        if info is None or not isinstance(info.get("port"), int):
            return None
        return str(info.get("host", "127.0.0.1")), int(info["port"])

    def pid(self) -> int | None:
        info = _read_json(self.dir / "supervisor.json") or {}
        pid = info.get("pid")
        return pid if isinstance(pid, int) else None

    async def call(self, op: str, timeout: float = CALL_TIMEOUT_S, **args: Any) -> dict[str, Any]:
        """One request and its answer. Reads ("state", "hello") share one kept-open connection;
        every change gets a connection of its own, so a long scale never holds up the reads."""
        request = json.dumps({"op": op, **args}).encode() + b"\n"
        if op not in ("state", "hello"):
            return await self._exchange(request, op, timeout, keep=False)
        async with self._lock:
            try:
                return await self._exchange(request, op, timeout, keep=True)
            except SupervisorGone:
                await self._drop()
                return await self._exchange(request, op, timeout, keep=True)  # once more, afresh

    async def _exchange(self, request: bytes, op: str, timeout: float, *, keep: bool) -> dict[str, Any]:
        address = self.address()
        if address is None:
            raise SupervisorGone("the cluster's supervisor has not reported its address")
        conn = self._kept if keep else None
        try:
            if conn is None:
                conn = await asyncio.wait_for(
                    asyncio.open_connection(*address, ssl=self._context, limit=1 << 24), 10
                )
                if keep:
                    self._kept = conn
            reader, writer = conn
            writer.write(request)
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), timeout)
        except (OSError, asyncio.TimeoutError) as e:
            if keep:
                await self._drop()
            why = str(e) or type(e).__name__
            raise SupervisorGone(f"the cluster's supervisor does not answer ({why})") from None
        finally:
            if not keep and conn is not None:
                await _close(conn[1])
        if not line:
            if keep:
                await self._drop()
            raise SupervisorGone("the cluster's supervisor closed the connection")
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise SupervisorGone("the cluster's supervisor answered nonsense")
        if not answer.get("ok"):
            raise HPCLabError(f"the cluster's supervisor refused {op}: {answer.get('error')}")
        return answer

    async def _drop(self) -> None:
        conn, self._kept = self._kept, None
        if conn is not None:
            await _close(conn[1])

    async def aclose(self) -> None:
        async with self._lock:
            await self._drop()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 2)


#: the Slurm job name of a cluster's supervisor when it runs as a job: "<tag>-scheduler"
JOB_SUFFIX = "-scheduler"


def _write_spec(directory: Path, spec: dict[str, Any]) -> None:
    fd = os.open(directory / "spec.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(spec, f)


async def start(python: str, directory: Path, spec: dict[str, Any], timeout: float = 90.0) -> Link:
    """Start the supervisor of a cluster whose credentials are in `directory`, on this host; return
    its link once the cluster's Dask scheduler and the control channel are up."""
    _write_spec(directory, spec)
    proc = spawn_detached(
        [python, str(SCRIPT), str(directory)], log_path=str(directory / "supervisor.log"), cwd=str(directory)
    )
    link = Link(directory)
    deadline = time.monotonic() + timeout
    while link.address() is None:
        if proc.poll() is not None:
            why = log_tail(directory) or f"exit status {proc.returncode}"
            raise HPCLabError(f"the Dask scheduler did not start: {why}")
        if time.monotonic() > deadline:
            proc.kill()
            raise HPCLabError(f"the Dask scheduler did not start within {timeout:g} s: {log_tail(directory)}")
        await asyncio.sleep(0.1)
    return link


async def start_as_job(
    python: str, directory: Path, spec: dict[str, Any], sbatch_options: list[str], timeout: float = 120.0
) -> Link:
    """Start the supervisor as a small Slurm job of its own (sites that forbid work on the host of
    the Jupyter server); return its link once it answers. The job script comes on sbatch's
    standard input: no shell of ours is involved."""
    _write_spec(directory, {**spec, "listen": "0.0.0.0"})  # noqa: S104  (reached from the Jupyter host)
    quoted = " ".join(shlex.quote(a) for a in (python, str(SCRIPT), str(directory)))
    argv = [
        "sbatch", "--parsable", f"--job-name={spec['tag']}{JOB_SUFFIX}", "--ntasks=1", "--cpus-per-task=1",
        "--mem=1G", f"--output={directory / 'supervisor.log'}", f"--chdir={directory}", *sbatch_options,
    ]  # fmt: skip
    result = await run(argv, timeout=30, stdin=f"#!/bin/sh\nexec {quoted}\n")
    if result.returncode != 0:
        raise CommandFailed(f"Slurm did not take the scheduler's job: {result.stderr.strip()[:500]}", argv)
    job_id = result.stdout.strip().split(";")[0]
    link = Link(directory)
    deadline = time.monotonic() + timeout
    while link.address() is None:
        state = (await run(["squeue", "--noheader", "-j", job_id, "-o", "%T %r"], timeout=15)).stdout.strip()
        if not state:
            raise HPCLabError(f"the scheduler's job {job_id} ended: {log_tail(directory) or 'no output'}")
        if time.monotonic() > deadline:
            await run(["scancel", job_id], timeout=15)
            raise HPCLabError(
                f"the scheduler's job {job_id} did not start within {timeout:g} s ({state.lower()}); "
                "it was cancelled"
            )
        await asyncio.sleep(1.0)
    return link


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


async def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until a supervisor's process has ended; False when it still runs after `timeout` s."""
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True
