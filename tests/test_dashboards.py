"""Our clusters in dask-labextension's manager: proxied dashboards, but not in its own cluster UI."""

from __future__ import annotations

import asyncio

import pytest

from hpc_lab_ext.clusters import dashboards

manager_module = pytest.importorskip("dask_labextension.manager")


def _state() -> dict[str, object]:
    return {
        "scheduler_address": "tls://127.0.0.1:8786",
        "dashboard_port": 8787,
        "workers": [{"address": "tls://127.0.0.1:9000", "nthreads": 2, "memory_limit": 2**30}],
    }


def test_registered_cluster_is_proxied_but_not_listed() -> None:
    manager = manager_module.manager
    registered = dashboards.register(dashboards.DashboardView(_state), "hpc-lab-c1")
    assert registered is not None
    key, path = registered
    try:
        assert path == f"dask/dashboard/{key}"
        # the dashboard proxy finds it, with the scheduler's dashboard link
        model = manager.get_cluster(key)
        assert model is not None
        assert "8787" in model["dashboard_link"]
        # dask-labextension's sidebar and GET /dask/clusters do not list it
        assert key not in [m["id"] for m in manager.list_clusters()]
    finally:
        dashboards.unregister(path)
    assert manager.get_cluster(key) is None


def test_dask_labextension_cannot_scale_or_close_it() -> None:
    manager = manager_module.manager
    registered = dashboards.register(dashboards.DashboardView(_state), "hpc-lab-c2")
    assert registered is not None
    key, path = registered
    try:
        with pytest.raises(PermissionError, match="HPC panel"):
            asyncio.run(manager.scale_cluster(key, 3))
        with pytest.raises(PermissionError, match="HPC panel"):
            manager.adapt_cluster(key, 0, 4)
        with pytest.raises(PermissionError, match="HPC panel"):
            asyncio.run(manager.close_cluster(key))
    finally:
        dashboards.unregister(path)
