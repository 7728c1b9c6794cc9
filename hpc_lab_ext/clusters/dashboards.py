"""Makes a cluster's dashboard reachable through dask-labextension's proxy.

dask-labextension serves ``<base_url>/dask/dashboard/<uuid>/...`` for the clusters its manager
knows, and its panes (task stream, progress, workers...) point at such a URL. Registering our
cluster object under a uuid there is all it takes to reuse those panes unchanged. Without
dask-labextension installed, clusters simply have no proxied dashboard path.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

log = logging.getLogger(__name__)


def _manager() -> Any:
    try:
        from dask_labextension.manager import manager
    except Exception:  # not installed, or failed to import: no proxied dashboards
        return None
    return manager


class _Local:
    """The cluster as dask-labextension sees it, with the dashboard address it really listens on.

    Our schedulers serve their dashboard on 127.0.0.1 only, while `cluster.dashboard_link` names
    the scheduler's own interface, which the proxy would neither allow nor reach.
    """

    def __init__(self, cluster: Any, link: str) -> None:
        self._cluster = cluster
        self.dashboard_link = link

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)


def register(cluster: Any, name: str, link: str | None) -> str | None:
    """The dashboard path (relative to the server's base URL) of `cluster`, or None."""
    manager = _manager()
    if manager is None or link is None:
        return None
    key = str(uuid.uuid4())
    try:
        manager._clusters[key] = _Local(cluster, link)
        manager._cluster_names[key] = name
    except AttributeError:  # a dask-labextension whose manager changed shape
        log.warning("dask-labextension's cluster manager is not as expected; no proxied dashboard")
        return None
    return f"dask/dashboard/{key}"


def unregister(path: str | None) -> None:
    manager = _manager()
    if manager is None or not path:
        return
    key = path.rsplit("/", 1)[-1]
    getattr(manager, "_clusters", {}).pop(key, None)
    getattr(manager, "_cluster_names", {}).pop(key, None)
