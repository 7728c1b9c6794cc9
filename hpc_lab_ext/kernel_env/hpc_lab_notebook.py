"""The notebook's handle on its cluster: ``cluster, client = connect(<cluster dir>)``.

`HpcCluster` is what a notebook's code steers its cluster with (``client.cluster is cluster``):
``cluster.scale(10)``, ``cluster.adapt(minimum=0, maximum=20)``, ``cluster.close()``,
``cluster.dashboard_link`` (the Jupyter server's proxied dashboard, which a browser can reach).
Every call goes to the Jupyter server, which checks it exactly as it checks the panel's buttons
(the profile's limits, the owner) and pushes the change to the panel. The credential is the
cluster's own token in ``handle.json`` (readable by the owner only), good for this cluster only.

Standard library and distributed only: this module is imported from the extension's directory
into the notebook's environment, which need not have hpc_lab_ext installed.
"""

from __future__ import annotations

import html
import json
import urllib.error
import urllib.request
from collections.abc import Generator
from pathlib import Path
from typing import Any

TIMEOUT_S = 120.0


class ClusterError(RuntimeError):
    """The server refused (with its reason) or could not be reached."""


class _Done:
    """An awaitable that is already done: `await cluster.close()` works in async code too."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator, so __await__ returns an iterator


class HpcCluster:
    """A Dask cluster of hpc-lab-ext, as a notebook sees it."""

    def __init__(self, directory: str | Path) -> None:
        from distributed.security import Security

        self.directory = Path(directory)
        handle = self._handle()
        self.name = str(handle.get("name", self.directory.name))
        self.scheduler_address = str(handle["scheduler_address"])
        cert, key = str(self.directory / "tls-cert.pem"), str(self.directory / "tls-key.pem")
        self.security = Security(  # type: ignore[no-untyped-call]
            tls_ca_file=cert, tls_client_cert=cert, tls_client_key=key, require_encryption=True
        )
        self._closed = False

    # ---- what distributed.Client reads ------------------------------------------------------------

    @property
    def status(self) -> Any:
        from distributed.core import Status

        return Status.closed if self._closed else Status.running

    @property
    def dashboard_link(self) -> str:
        """The dashboard through the Jupyter server (re-read: a restarted server may have moved)."""
        return str(self._handle().get("dashboard_link") or "")

    def __await__(self) -> Generator[Any, None, HpcCluster]:
        return self
        yield  # a generator: `await cluster` is the cluster, already running

    # ---- steering -------------------------------------------------------------------------------

    def scale(self, n: int) -> dict[str, Any]:
        """Ask for exactly n workers (adaptive scaling off)."""
        return self._post({"action": "scale", "n": n})

    def adapt(self, minimum: int = 0, maximum: int | None = None, **kwargs: Any) -> dict[str, Any]:
        """Let the cluster grow and shrink with the work, between minimum and maximum workers
        (maximum: the profile's max_workers when not given)."""
        if kwargs:
            raise TypeError(f"adapt() takes minimum and maximum only, not {', '.join(sorted(kwargs))}")
        body: dict[str, Any] = {"action": "adapt", "minimum": minimum}
        if maximum is not None:
            body["maximum"] = maximum
        return self._post(body)

    def close(self) -> _Done:
        """Close the cluster: its worker jobs are cancelled."""
        if not self._closed:
            self._post({"action": "close"})
            self._closed = True
        return _Done()

    def info(self) -> dict[str, Any]:
        """The cluster as the panel shows it: counts, workers with their jobs, profile."""
        return self._request("GET", None)

    # ---- showing --------------------------------------------------------------------------------

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        try:
            info = self.info()
        except ClusterError as e:
            return f"unavailable: {e}", []
        c = info.get("counts", {})
        reasons = sorted(
            {w["reason"] for w in info.get("workers", []) if w.get("state") == "PENDING" and w.get("reason")}
        )
        pending = f"{c.get('pending', 0)} pending" + (f" ({', '.join(reasons)})" if reasons else "")
        text = f"{c.get('connected', 0)} workers connected, {c.get('running', 0)} running, {pending}"
        adapt = info.get("adapt")
        rows = [
            ("Workers", text),
            ("Requested", str(c.get("requested", 0))),
            ("Adaptive", f"{adapt['minimum']} to {adapt['maximum']}" if adapt else "off"),
            ("Profile", str(info.get("profile", {}).get("name", ""))),
            ("Scheduler", self.scheduler_address),
            ("Dashboard", self.dashboard_link),
        ]
        return text, rows

    def __repr__(self) -> str:
        text, _ = self._summary()
        return f"HpcCluster({self.name!r}, {text}, dashboard={self.dashboard_link!r})"

    def _repr_html_(self) -> str:
        _, rows = self._summary()
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
            + (
                f"<a href='{html.escape(v)}' target='_blank'>{html.escape(v)}</a>"
                if k == "Dashboard" and v
                else html.escape(v)
            )
            + "</td></tr>"
            for k, v in rows
        )
        return f"<div><strong>HpcCluster {html.escape(self.name)}</strong><table>{cells}</table></div>"

    # ---- the server -----------------------------------------------------------------------------

    def _handle(self) -> dict[str, Any]:
        path = self.directory / "handle.json"
        try:
            data = json.loads(path.read_text())
        except PermissionError:
            raise ClusterError(f"{path} is not yours: only the cluster's owner can use it") from None
        except (OSError, ValueError) as e:
            raise ClusterError(f"no cluster handle at {path} ({e}); was the cluster closed?") from None
        if not isinstance(data, dict) or "url" not in data or "token" not in data:
            raise ClusterError(f"{path} is not a cluster handle")
        return data

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", body)

    def _request(self, method: str, body: dict[str, Any] | None) -> dict[str, Any]:
        handle = self._handle()
        request = urllib.request.Request(  # noqa: S310  (the server's own http(s) URL)
            str(handle["url"]),
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {handle['token']}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("message", "")
            except ValueError:
                message = ""
            raise ClusterError(f"{message or e.reason} (HTTP {e.code})") from None
        except (urllib.error.URLError, OSError) as e:
            raise ClusterError(f"the Jupyter server does not answer at {handle['url']}: {e}") from None
        return answer if isinstance(answer, dict) else {}


def connect(directory: str | Path) -> tuple[HpcCluster, Any]:
    """(cluster, client) for the cluster whose files are in `directory`."""
    from distributed import Client

    cluster = HpcCluster(directory)
    return cluster, Client(cluster)  # type: ignore[no-untyped-call]
