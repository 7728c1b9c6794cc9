"""The notebook's handle on its cluster (kernel_env/hpc_lab_notebook.HpcCluster).

A kernel has no Jupyter login: it proves itself with the cluster's own token (``Authorization:
Bearer <token>``, read from the cluster's handle.json, which only the owner can read). The token
opens this one cluster and nothing else; the actions go through the same manager checks as the
panel's buttons, and every change is pushed to the panel.
"""

from __future__ import annotations

from typing import Any

from ..errors import BadRequest, Forbidden
from .clusters import ClusterHandlerBase

try:
    from jupyter_server.auth.decorator import allow_unauthenticated
except ImportError:  # jupyter_server < 2.13 lets every handler decide for itself
    allow_unauthenticated = None  # type: ignore[assignment]


def _no_login(method: Any) -> Any:
    """The method needs no Jupyter login (it checks the cluster's token itself)."""
    return allow_unauthenticated(method) if allow_unauthenticated is not None else method


class ClusterHandleHandler(ClusterHandlerBase):
    def check_xsrf_cookie(self) -> None:
        """No cookie is involved: the token travels in a header a browser never adds by itself."""

    def _cluster_id(self, cluster_id: str) -> str:
        scheme, _, token = self.request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Forbidden(
                "this endpoint takes the cluster's own token (Authorization: Bearer <token> from the "
                "cluster's handle.json), not a Jupyter login"
            )
        return self.manager.by_token(cluster_id, token.strip())

    @_no_login
    async def get(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        self.write_json(self.manager.info(self._cluster_id(cluster_id)).to_json())

    @_no_login
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        cid = self._cluster_id(cluster_id)
        manager = self.manager
        body = self.json_body(("action", "n", "minimum", "maximum"), required=("action",))
        action = body["action"]
        if action == "scale":
            info = await manager.scale(cid, body.get("n"))  # type: ignore[arg-type]
        elif action == "adapt":
            maximum = body.get("maximum", manager.info(cid).profile["max_workers"])
            info = await manager.adapt(cid, body.get("minimum", 0), maximum)
        elif action == "close":
            info = await manager.close(cid)
        else:
            raise BadRequest(f"action must be scale, adapt or close, not {str(action)[:40]!r}")
        self.changed(info.to_json())
