"""Read-only access: every handler goes through jupyter_server's authorizer, resource "hpc_lab_ext".

A site (JupyterHub's scopes) or a shared server that grants someone only "read" on it gives them the
views and refuses every action with 403; GET status says `can_write: false`, and the panel then shows
no buttons. The routes come from the extension itself (test_security_handlers.routes), so a handler
added later is covered too. The kernels' cluster handle (Bearer token of its cluster) is not a person's
request and is left out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jupyter_server.auth.authorizer import AllowAllAuthorizer, Authorizer
from test_security_handlers import routes

from hpc_lab_ext.handlers.base import AUTH_RESOURCE


class ReadOnlyAuthorizer(Authorizer):
    """Grants everything but "write" on the extension's resource."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return not (resource == AUTH_RESOURCE and action == "write")


@pytest.fixture
def jp_server_config(hpc_backend: str) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"hpc_lab_ext": True},
            "authorizer_class": ReadOnlyAuthorizer,
        },
        "HPCLabApp": {"backend": hpc_backend, "poll_interval": 1.0, "min_poll_interval": 0.2},
    }


async def test_status_says_read_only(api: Any) -> None:
    code, body = await api("status")
    assert code == 200 and body["can_write"] is False


@pytest.mark.parametrize(("path", "method"), [r for r in routes() if "/handle" not in r[0]])
async def test_views_served_actions_refused(jp_fetch: Any, path: str, method: str) -> None:
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = json.dumps({})
    response = await jp_fetch(*path.strip("/").split("/"), **kwargs)
    if method in ("GET", "HEAD"):
        # served: whatever the view answers (404 for an unknown id, 400 for a bad one), never 403
        assert response.code != 403, (path, method)
    else:
        assert response.code == 403, (path, method, response.code)
        assert (
            json.loads(response.body)["message"]
            == f"User is not authorized to write on resource: {AUTH_RESOURCE}."
        )


async def test_updates_websocket_is_a_view(jp_ws_fetch: Any) -> None:
    ws = await jp_ws_fetch("hpc-lab-ext", "api", "v1", "updates")
    message = json.loads(await ws.read_message())
    assert message["type"] == "snapshot"
    ws.close()


async def test_full_access_may_write(jp_fetch: Any, jp_serverapp: Any) -> None:
    # jupyter_server's own default: everything allowed to whoever is authenticated
    jp_serverapp.web_app.settings["authorizer"] = AllowAllAuthorizer(
        parent=jp_serverapp, identity_provider=jp_serverapp.identity_provider
    )
    response = await jp_fetch("hpc-lab-ext", "api", "v1", "status")
    assert json.loads(response.body)["can_write"] is True
