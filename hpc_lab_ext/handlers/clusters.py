"""Dask clusters: profiles, create/list/get/close, scale and adapt. The logic is in ClusterManager."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

import tornado.web

from ..errors import BadRequest, NotInstalled
from .base import HPCLabHandler

if TYPE_CHECKING:
    from ..clusters.manager import ClusterManager

_KERNEL_ID = re.compile(r"[0-9a-fA-F-]{1,64}")


def kernel_python_of(kernel_manager: Any, kernel_id: object) -> str:
    """The Python interpreter a running kernel was started with (from its kernelspec)."""
    from ..clusters.env import kernel_python

    if not isinstance(kernel_id, str) or not _KERNEL_ID.fullmatch(kernel_id):
        raise BadRequest("kernel_id must be the id of a running kernel (or null)")
    if kernel_id not in kernel_manager:
        raise BadRequest(f"no running kernel {kernel_id}; start the notebook's kernel first")
    kernel = kernel_manager.get_kernel(kernel_id)
    try:
        argv = list(kernel.kernel_spec.argv)
    except Exception as e:  # the kernelspec was removed or cannot be read
        raise BadRequest(f"the kernel's specification cannot be read: {e}") from None
    return kernel_python(argv)


class ClusterHandlerBase(HPCLabHandler):
    @property
    def manager(self) -> ClusterManager:
        manager = self.hpc.clusters
        if manager is None:
            raise NotInstalled(
                "Dask clusters need the extension's dask extra on the server: "
                "pip install 'hpc_lab_ext[dask]' (dask-jobqueue, distributed, dask-labextension)"
            )
        return manager

    def changed(self, data: dict[str, Any], status: int = 200) -> None:
        self.hpc.updates.push_clusters()
        self.write_json(data, status)


class ProfilesHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    async def get(self) -> None:
        from ..clusters.choices import profile_choices

        self.reject_unknown_query(())
        manager = self.manager
        snapshot = await self.hpc.poller.first_snapshot()
        self.write_json({"profiles": profile_choices(manager.profiles, snapshot.partitions, snapshot.nodes)})


class ClustersHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reject_unknown_query(())
        from ..app import clusters_payload

        self.write_json(clusters_payload(self.manager))

    @tornado.web.authenticated
    async def post(self) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        body = self.json_body(("profile", "overrides", "kernel_id", "notebook"), required=("profile",))
        kernel_id = body.get("kernel_id")
        python = (
            sys.executable
            if kernel_id is None
            else kernel_python_of(self.serverapp.kernel_manager, kernel_id)  # type: ignore[union-attr]
        )
        info = await manager.create(body["profile"], body.get("overrides"), python, body.get("notebook"))
        self.changed(info.to_json(), 201)


class ClusterHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    async def get(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        self.write_json(self.manager.info(cluster_id).to_json())

    @tornado.web.authenticated
    async def delete(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        info = await self.manager.close(cluster_id)
        self.changed(info.to_json())


class ClusterScaleHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        manager.info(cluster_id)  # 404 before looking at the body
        body = self.json_body(("n",), required=("n",))
        self.changed((await manager.scale(cluster_id, body["n"])).to_json())


class ClusterAdaptHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        manager.info(cluster_id)
        body = self.json_body(("minimum", "maximum"), required=("minimum", "maximum"))
        info = await manager.adapt(cluster_id, body["minimum"], body["maximum"])
        self.changed(info.to_json())
