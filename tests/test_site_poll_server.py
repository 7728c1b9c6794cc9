"""A Jupyter server with site_poll_url: its REST API and job actions as without it, the queue read
through the site poll service (in-process, on the real sandbox Slurm), its own poll while the
service is away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox import cancel, require_slurm, submit
from site_service import Service

from hpc_lab_ext.app import unix_user
from hpc_lab_ext.site_poll.client import SitePollPoller
from hpc_lab_ext.site_poll.ended import SiteSlurmBackend

pytestmark = pytest.mark.slurm
TOKEN = "this-servers-hub-token"


@pytest.fixture
def service(jp_asyncio_loop: Any) -> Iterator[Service]:
    require_slurm()
    running = Service(SiteSlurmBackend(), {TOKEN: unix_user()})
    running.start()
    yield running
    jp_asyncio_loop.run_until_complete(running.close())


@pytest.fixture
def jp_server_config(service: Service, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    monkeypatch.setenv("HPC_LAB_SITE_POLL_URL", service.url)  # as the hub's Spawner.environment sets it
    return {
        "ServerApp": {"jpserver_extensions": {"hpc_lab_ext": True}},
        "HPCLabApp": {"backend": "slurm", "poll_interval": 1.0, "min_poll_interval": 0.2},
    }


async def test_rest_api_and_actions_through_the_site_poll(
    api: Any, jp_serverapp: Any, service: Service
) -> None:
    app = jp_serverapp.web_app.settings["hpc_lab_ext"]
    assert isinstance(app.poller, SitePollPoller) and app.site_poll_url == service.url
    job = submit(["-H", "-p", "batch", "-J", "through-site-poll"])
    try:
        code, status = await api("status")
        assert code == 200 and status["reachable"] and status["backend"] == "slurm"
        code, body = await api("jobs", user="me")
        if job not in [j["id"] for j in body["jobs"]]:
            await app.poller.refresh(timeout=10)
            code, body = await api("jobs", user="me")
        assert code == 200 and job in [j["id"] for j in body["jobs"]]
        assert app.poller.backend.using_service and app.poller.backend.requests >= 1
        code, nodes = await api("nodes")
        assert code == 200 and len(nodes["nodes"]) == 4
        # An action goes to Slurm as the user, and the service polls at once for everybody.
        code, body = await api(f"jobs/{job}/cancel", "POST", {})
        assert code == 200, body
        assert service.site.urgent_polls == 1
        assert job not in [j["id"] for j in app.poller.snapshot.jobs if j.state != "CANCELLED"]
        # The service goes away: the server's own poll, nothing else changes.
        await service.stop()
        await app.poller.refresh(timeout=20)
        code, status = await api("status")
        assert code == 200 and status["reachable"] and not app.poller.backend.using_service
    finally:
        cancel([job])
