"""Dask clusters: profiles, create/list/get/close, scale and adapt. The logic is in ClusterManager."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.auth.decorator import authorized

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
    @authorized
    async def get(self) -> None:
        from ..clusters.choices import profile_choices

        self.reject_unknown_query(())
        manager = self.manager
        snapshot = await self.hpc.poller.first_snapshot()
        self.write_json({"profiles": profile_choices(manager.profiles, snapshot.partitions, snapshot.nodes)})


class ClustersHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reject_unknown_query(())
        from ..app import clusters_payload

        self.write_json(clusters_payload(self.manager))

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        body = self.json_body(
            ("profile", "overrides", "kernel_id", "notebook", "workers", "patience"), required=("profile",)
        )
        kernel_id = body.get("kernel_id")
        python = (
            sys.executable
            if kernel_id is None
            else kernel_python_of(self.serverapp.kernel_manager, kernel_id)  # type: ignore[union-attr]
        )
        info = await manager.create(
            body["profile"],
            body.get("overrides"),
            python,
            body.get("notebook"),
            workers=body.get("workers", 0),
            patience_settings=body.get("patience"),
        )
        self.changed(info.to_json(), 201)


class ClusterHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    @authorized
    async def get(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        self.write_json(self.manager.info(cluster_id).to_json())

    @tornado.web.authenticated
    @authorized
    async def delete(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        info = await self.manager.close(cluster_id)
        self.changed(info.to_json())


class ClusterScaleHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    @authorized
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        manager.info(cluster_id)  # 404 before looking at the body
        body = self.json_body(("n",), required=("n",))
        self.changed((await manager.scale(cluster_id, body["n"])).to_json())


class ClusterAdaptHandler(ClusterHandlerBase):
    @tornado.web.authenticated
    @authorized
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        manager.info(cluster_id)
        body = self.json_body(("minimum", "maximum"), required=("minimum", "maximum"))
        info = await manager.adapt(cluster_id, body["minimum"], body["maximum"])
        self.changed(info.to_json())


class ClusterPatienceHandler(ClusterHandlerBase):
    """POST {"patience": {"after_s", "max_tries"} | null}: resubmit long-pending worker jobs, or stop."""

    @tornado.web.authenticated
    @authorized
    async def post(self, cluster_id: str) -> None:
        self.reject_unknown_query(())
        manager = self.manager
        manager.info(cluster_id)
        body = self.json_body(("patience",), required=("patience",))
        self.changed((await manager.set_patience(cluster_id, body["patience"])).to_json())


class AdviceHandler(ClusterHandlerBase):
    """POST {"profile", "overrides", "n"}: when N workers of that shape, and of the shapes the profile
    and the site's advisor policy allow instead, would start; nothing is submitted."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        from ..advisor import advise
        from ..advisor.planning import read as read_planning
        from ..advisor.track import attach
        from ..clusters.profiles import is_int

        self.reject_unknown_query(())
        manager = self.manager
        body = self.json_body(("profile", "overrides", "n"), required=("profile", "n"))
        profile = manager.profiles.get(body["profile"]) if isinstance(body["profile"], str) else None
        if profile is None:
            raise BadRequest(f"unknown profile; profiles: {', '.join(sorted(manager.profiles)) or 'none'}")
        n = body["n"]
        if not is_int(n) or not 1 <= n <= profile.max_workers:
            raise BadRequest(f"n must be a whole number from 1 to {profile.max_workers}, not {str(n)[:40]}")
        if profile.scheduler != "slurm" or self.hpc.scheduler.name != "slurm":
            raise NotInstalled("start-time estimates need a Slurm scheduler; local workers start at once")
        overrides = body.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise BadRequest("overrides must be an object of field: value")
        snapshot = await self.hpc.poller.first_snapshot()
        planning = await read_planning(self.hpc.scheduler)
        advice = await advise(profile, overrides, n, snapshot, manager.policy, planning, attach(manager))
        self.write_json(advice.to_json())
