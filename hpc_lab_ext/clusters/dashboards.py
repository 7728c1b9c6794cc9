"""Makes a cluster's dashboard reachable through dask-labextension's proxy.

dask-labextension serves ``<base_url>/dask/dashboard/<key>/...`` for the clusters its manager
knows, and its panes (task stream, progress, workers...) point at such a URL. Registering a view
of our cluster under a key there is all it takes to reuse those panes unchanged; the key is kept
in the cluster's record, so the URL stays the same after a server restart. Without
dask-labextension installed, clusters simply have no proxied dashboard path.

Our clusters are left out of dask-labextension's own cluster list (its sidebar and
``GET /dask/clusters``): there they would be a second UI whose scale and shut-down bypass our
manager, and its sidebar would point the dashboard panes at whichever cluster it picked.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def _manager() -> Any:
    try:
        from dask_labextension.manager import manager
    except Exception:  # not installed, or failed to import: no proxied dashboards
        return None
    return manager


NOT_HERE = "this cluster belongs to the HPC panel: scale or shut it down there (or from its notebook)"


class DashboardView:
    """What dask-labextension reads of a cluster, from the supervisor's last answer.

    The scheduler serves its dashboard on 127.0.0.1 of the supervisor's host (or, when the supervisor
    runs as a job, on that node's name), which is where the proxy goes; the scheduler itself lives in
    the supervisor process, not here.
    """

    def __init__(self, state: Callable[[], dict[str, Any]]) -> None:
        self._state = state

    @property
    def scheduler_address(self) -> str:
        return str(self._state().get("scheduler_address") or "")

    @property
    def dashboard_link(self) -> str:
        state = self._state()
        port, host = state.get("dashboard_port"), state.get("dashboard_host", "127.0.0.1")
        return f"http://{host}:{port}/status" if port else ""

    @property
    def scheduler_info(self) -> dict[str, Any]:
        workers = {
            w["address"]: {"nthreads": w.get("nthreads", 1), "memory_limit": w.get("memory_limit") or 0}
            for w in self._state().get("workers", [])
        }
        return {"workers": workers}

    # What dask-labextension's REST API would call to change a cluster: refused, with the reason.
    def scale(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(NOT_HERE)

    def adapt(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(NOT_HERE)

    def close(self, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(NOT_HERE)


def _leave_out_of_listing(manager: Any) -> None:
    """dask-labextension's listing of clusters without ours (once per manager)."""
    if getattr(manager, "_hpc_lab_listing", False):
        return
    listing = manager.list_clusters

    def list_clusters() -> list[Any]:
        return [
            model for model in listing() if not isinstance(manager._clusters.get(model["id"]), DashboardView)
        ]

    manager.list_clusters = list_clusters
    manager._hpc_lab_listing = True


def register(view: DashboardView, name: str, key: str | None = None) -> tuple[str, str] | None:
    """(key, dashboard path relative to the server's base URL) of the cluster, or None."""
    manager = _manager()
    if manager is None:
        return None
    key = key or str(uuid.uuid4())
    try:
        _leave_out_of_listing(manager)
        manager._clusters[key] = view
        manager._cluster_names[key] = name
    except AttributeError:  # a dask-labextension whose manager changed shape
        log.warning("dask-labextension's cluster manager is not as expected; no proxied dashboard")
        return None
    return key, f"dask/dashboard/{key}"


def unregister(path: str | None) -> None:
    manager = _manager()
    if manager is None or not path:
        return
    key = path.rsplit("/", 1)[-1]
    getattr(manager, "_clusters", {}).pop(key, None)
    getattr(manager, "_cluster_names", {}).pop(key, None)
