"""The updates websocket: the full snapshot on connect, then one delta per poll."""

from __future__ import annotations

import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web, websocket

from ..updates import UpdatesHub


class UpdatesHandler(JupyterHandler, websocket.WebSocketHandler):
    @property
    def hub(self) -> UpdatesHub:
        return self.settings["hpc_lab_ext"].updates  # type: ignore[no-any-return]

    async def pre_get(self) -> None:
        authorized = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", "hpc_lab_ext")
        )
        if not authorized:
            raise web.HTTPError(403)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await self.pre_get()
        result = super().get(*args, **kwargs)
        if result is not None:
            await result

    async def open(self, *args: Any, **kwargs: Any) -> None:
        await self.hub.poller.first_snapshot()
        self.write_message(self.hub.full_snapshot())
        clusters = self.hub.clusters_message()
        if clusters is not None:
            self.write_message(clusters)
        self.hub.add(self.send, clusters)

    async def on_message(self, message: str | bytes) -> None:
        try:
            request = json.loads(message)
            kind = request["type"]
        except (ValueError, TypeError, KeyError):
            self.send_error_message('expected {"type": "refresh"} or {"type": "resync"}')
            return
        if kind == "refresh":
            await self.hub.poller.refresh(timeout=60)
        elif kind == "resync":
            self.write_message(self.hub.full_snapshot())
        else:
            self.write_message(
                json.dumps({"type": "error", "message": f"unknown request {str(kind)[:40]!r}"})
            )

    def send(self, text: str) -> None:
        self.write_message(text)

    def send_error_message(self, message: str) -> None:
        self.write_message(json.dumps({"type": "error", "message": message}))

    def on_close(self) -> None:
        self.hub.remove(self.send)
