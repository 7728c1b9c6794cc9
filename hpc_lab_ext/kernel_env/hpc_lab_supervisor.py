"""The supervisor of one Dask cluster: a process of its own, in the notebook kernel's Python.

    <kernel python> hpc_lab_supervisor.py <cluster dir>

It makes the cluster (the Dask scheduler runs here, so it unpickles what the notebook's code
sends with the notebook's own packages and dask release), starts it, and answers its Jupyter
server over a local control channel: one JSON object per line, both ways, over TLS with the
cluster's own credentials required on both ends (only the cluster's owner can read them).

It outlives the server that started it: a restarted server finds it again through
``supervisor.json``. Without a word from any server for ``orphan_timeout_s`` it closes the cluster
(cancelling its worker jobs) and exits: no orphans. SIGTERM closes it too.

Files in the cluster directory: ``spec.json`` (written by the server: kind, keyword arguments,
timeouts), ``tls-cert.pem``/``tls-key.pem`` (the credentials), ``supervisor.json`` (written here
once the cluster and the channel are up: pid, host, port, versions), ``supervisor.log``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import ssl
import sys
import time
from pathlib import Path
from typing import Any

try:  # run as a script in the kernel's environment
    import hpc_lab_dask as adapter  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # imported from the server's package (tests)
    from . import hpc_lab_dask as adapter

log = logging.getLogger("hpc_lab_supervisor")

CLOSE_TIMEOUT_S = 60.0
MAX_REQUEST_BYTES = 1 << 20


def tls_context(cert: str, key: str, *, server: bool) -> ssl.SSLContext:
    """Mutual TLS with the cluster's own certificate as the only authority (it signs itself)."""
    purpose = ssl.Purpose.CLIENT_AUTH if server else ssl.Purpose.SERVER_AUTH
    context = ssl.create_default_context(purpose, cafile=cert)
    context.load_cert_chain(cert, key)
    context.check_hostname = False  # the peer is whoever holds the cluster's key, on any address
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the owner only, replacing the file in one step."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in ("dask", "distributed", "dask_jobqueue"):
        with contextlib.suppress(Exception):
            out[name] = str(__import__(name).__version__)
    return out


class Supervisor:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.spec = json.loads((directory / "spec.json").read_text())
        self.cert = str(directory / "tls-cert.pem")
        self.key = str(directory / "tls-key.pem")
        self.cluster: Any = None
        self.adapt: dict[str, int] | None = None
        self.last_contact = time.time()
        self.lock = asyncio.Lock()  # one change of the cluster at a time
        self.done = asyncio.Event()
        self.closing = False
        self.host = "127.0.0.1"
        self.seq = 0
        self._signalled: asyncio.Future[None] | None = None

    # ---- life -----------------------------------------------------------------------------------

    async def run(self) -> None:
        security = adapter.security_from(self.cert, self.key)
        self.cluster = adapter.make_cluster(self.spec["kind"], self.spec["kwargs"], security)
        try:
            await self.cluster
        except BaseException:
            with contextlib.suppress(Exception):
                await self.cluster.close()
            raise
        host = self.spec.get("listen", "127.0.0.1")
        server = await asyncio.start_server(
            self.serve, host, 0, ssl=tls_context(self.cert, self.key, server=True), limit=MAX_REQUEST_BYTES
        )
        # Listening everywhere (a supervisor run as a job): its server reaches it by this host's name.
        self.host = socket.getfqdn() if host == "0.0.0.0" else host  # noqa: S104
        port = server.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        write_private(self.dir / "supervisor.json", {
            "pid": os.getpid(), "host": self.host, "port": port, "started_at": time.time(),
            "python": sys.executable, "versions": versions(),
            "scheduler_address": self.cluster.scheduler_address,
        })  # fmt: skip
        log.info(
            "cluster %s up: scheduler %s, control %s:%s",
            self.spec.get("tag"),
            self.cluster.scheduler_address,
            host,
            port,
        )
        watchdog = asyncio.ensure_future(self.watch_server())
        try:
            await self.done.wait()
        finally:
            watchdog.cancel()
            server.close()
            with contextlib.suppress(FileNotFoundError):
                (self.dir / "supervisor.json").unlink()

    def _on_signal(self, sig: int) -> None:
        self._signalled = asyncio.ensure_future(self.shutdown(f"signal {sig}"))

    async def watch_server(self) -> None:
        """Close the cluster when no server has spoken for orphan_timeout_s."""
        timeout = float(self.spec.get("orphan_timeout_s", 600))
        while not self.done.is_set():
            await asyncio.sleep(min(5.0, timeout / 4))
            if time.time() - self.last_contact > timeout and not self.closing:
                await self.shutdown(f"no word from a Jupyter server for {timeout:g} s")

    async def shutdown(self, why: str, *, exit_now: bool = True) -> None:
        if self.closing:
            return
        self.closing = True
        log.info("closing the cluster: %s", why)
        async with self.lock:
            try:
                adapter.stop_adapt(self.cluster)
                await asyncio.wait_for(self.cluster.close(), CLOSE_TIMEOUT_S)
            except Exception as e:
                log.warning("the cluster did not close cleanly: %s", e)
        if exit_now:
            self.done.set()

    # ---- the control channel --------------------------------------------------------------------

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                self.last_contact = time.time()
                try:
                    request = json.loads(line)
                    answer = await self.handle(request)
                except Exception as e:  # one bad request does not take the cluster down
                    log.exception("request failed")
                    answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
                writer.write(json.dumps(answer).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op in ("state", "hello"):
            return {"ok": True, **self.state()}
        if self.closing:
            return {"ok": False, "error": "the cluster is closing"}
        if op == "close":
            await self.shutdown("closed by its server", exit_now=False)
            # Answer first, then end (the answer is written after this returns).
            asyncio.get_running_loop().call_later(0.5, self.done.set)
            return {"ok": True}
        handler = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if handler is None:
            return {"ok": False, "error": f"unknown operation {op!r}"}
        async with self.lock:
            error = await handler(request)
        return {"ok": True, "error": error, **self.state()}

    def state(self) -> dict[str, Any]:
        c = self.cluster
        self.seq += 1  # answers may arrive out of order over two connections: the later state wins
        return {
            "seq": self.seq,
            "status": "failed" if adapter.failed(c) else ("closing" if self.closing else "running"),
            "scheduler_address": c.scheduler_address,
            "dashboard_port": adapter.dashboard_port(c),
            "dashboard_host": "127.0.0.1" if self.host == "127.0.0.1" else self.host,
            "specs": adapter.specs(c),
            "workers": adapter.workers(c),
            "idle_since": adapter.idle_since(c),
            "busy": adapter.busy(c) or self.lock.locked(),
            "adapt": self.adapt,
            "pid": os.getpid(),
            "versions": versions(),
        }

    async def op_scale(self, r: dict[str, Any]) -> str | None:
        adapter.stop_adapt(self.cluster)
        self.adapt = None
        self.cluster.scale(int(r["n"]))
        return await _settle(self.cluster)

    async def op_adapt(self, r: dict[str, Any]) -> str | None:
        self.adapt = {"minimum": int(r["minimum"]), "maximum": int(r["maximum"])}
        self.cluster.adapt(**self.adapt)
        return None

    async def op_release(self, r: dict[str, Any]) -> str | None:
        """Idle: no workers, and adaptive scaling (if on) may go down to none."""
        if self.adapt is not None and self.adapt["minimum"] > 0:
            self.adapt = {"minimum": 0, "maximum": self.adapt["maximum"]}
            self.cluster.adapt(**self.adapt)
        self.cluster.scale(0)
        return await _settle(self.cluster)

    async def op_forget(self, r: dict[str, Any]) -> str | None:
        """Jobs that left the queue before their worker connected; then replace retired workers."""
        adapter.drop_unsubmitted(self.cluster)
        adapter.forget_jobs(self.cluster, [str(j) for j in r.get("job_ids", [])])
        if adapter.needs_settling(self.cluster):
            return await _settle(self.cluster)
        return None

    async def op_resubmit(self, r: dict[str, Any]) -> str | None:
        """Waiting jobs again, in a sooner shape, under fresh worker names (patience)."""
        adapter.use_template(self.cluster, dict(r["template"]))
        adapter.replace_jobs(self.cluster, [str(j) for j in r["job_ids"]], int(r["count"]))
        return await _settle(self.cluster)


async def _settle(cluster: Any) -> str | None:
    error: str | None = await adapter.settle(cluster)
    return error


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: hpc_lab_supervisor.py <cluster dir>", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    os.umask(0o077)
    try:
        asyncio.run(Supervisor(Path(args[0])).run())
    except Exception as e:
        # The server reads the last line of the log when the cluster does not come up.
        log.exception("the cluster did not start")
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
