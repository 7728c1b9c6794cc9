"""A real Jupyter server with the extension in a child process, optionally as another Unix user.

Used by tests that need a server as `alice` and by the benchmarks; in-process servers
(pytest-jupyter) cover the rest.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(self, *, user: str | None = None, backend: str = "slurm", **traits: Any) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(8)
        self.base = f"http://127.0.0.1:{self.port}"
        if user is None and "cluster_dir" not in traits:
            # apart from every other server of this user (the demo's among them)
            traits["cluster_dir"] = tempfile.mkdtemp(prefix="hpc-lab-clusters-")
        # Stopped by a signal, a server leaves its clusters running for the next one; tests that
        # stop servers expect them closed unless they ask otherwise.
        traits.setdefault("clusters_survive_restart", False)
        settings = {"poll_interval": 1.0, "min_poll_interval": 0.5, **traits}
        argv = [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
            f"--port={self.port}", f"--IdentityProvider.token={self.token}",
            "--ServerApp.jpserver_extensions={'hpc_lab_ext': True}", f"--HPCLabApp.backend={backend}",
            *(f"--HPCLabApp.{k}={v}" for k, v in settings.items()),
        ]  # fmt: skip
        if user is None:
            argv.append("--allow-root")
            cwd = "/tmp"
        else:
            argv = ["runuser", "-u", user, "--", "env", f"HOME=/home/{user}", *argv]
            cwd = f"/home/{user}"
        # The log goes to a file: a pipe nobody reads fills up and blocks the server mid-request.
        self.log = tempfile.NamedTemporaryFile(prefix="hpc-lab-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.log, cwd=cwd)
        self.client = AsyncHTTPClient()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def request(
        self, path: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        request = HTTPRequest(
            f"{self.base}/{path}",
            method=method,
            body=None if body is None else json.dumps(body),
            headers={**self.headers, **(headers or {})},
            request_timeout=120,
            allow_nonstandard_methods=True,
        )
        try:
            response = await self.client.fetch(request)
        except HTTPClientError as e:
            if e.response is None:
                raise
            response = e.response
        return response.code, response.body or b"", dict(response.headers)

    async def api(self, path: str, method: str = "GET", body: Any = None) -> tuple[int, Any]:
        code, raw, _ = await self.request(f"hpc-lab-ext/api/v1/{path}", method, body)
        return code, json.loads(raw) if raw else None

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = Path(self.log.name).read_text(errors="replace")
                raise RuntimeError(f"server exited ({self.proc.returncode}): {err[-2000:]}")
            try:
                code, _, _ = await self.request("api/status")
                if code == 200:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.3)
        raise RuntimeError("server did not start")

    def _server_process(self) -> psutil.Process:
        """The Jupyter server itself: this process, or runuser's child when run as another user.
        Never a child of the server (those are the clusters' supervisors)."""
        process = psutil.Process(self.proc.pid)
        if process.name() != "runuser":
            return process
        servers = [p for p in process.children(recursive=False) if "python" in p.name()]
        return servers[-1] if servers else process

    def rss_mb(self) -> float:
        """Resident memory of the server process (not of runuser wrapping it)."""
        return float(self._server_process().memory_info().rss / 2**20)

    async def websocket(self) -> WebSocketClientConnection:
        url = f"ws://127.0.0.1:{self.port}/hpc-lab-ext/api/v1/updates"
        return await websocket_connect(HTTPRequest(url, headers=self.headers), max_message_size=2**30)

    async def execute(self, kernel_id: str, code: str, timeout: float = 180) -> str:
        """Run `code` in a kernel of this server over its websocket; its stdout, or AssertionError."""
        url = f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels"
        ws = await websocket_connect(HTTPRequest(url, headers=self.headers))
        msg_id = secrets.token_hex(8)
        header = {"msg_id": msg_id, "username": "test", "session": secrets.token_hex(8),
                  "msg_type": "execute_request", "version": "5.3"}  # fmt: skip
        content = {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                     "content": content, "channel": "shell", "buffers": []}))  # fmt: skip
        out: list[str] = []
        errors: list[str] = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                raw = await asyncio.wait_for(ws.read_message(), max(1.0, deadline - time.monotonic()))
                assert raw is not None, "kernel websocket closed"
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    errors.append("\n".join(msg["content"]["traceback"]))
                elif kind == "execute_reply":
                    break
        finally:
            ws.close()
        assert not errors, errors[0][-3000:]
        return "".join(out)

    def server_pid(self) -> int:
        """The pid of the Jupyter server itself (under runuser when run as another user)."""
        return int(self._server_process().pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
