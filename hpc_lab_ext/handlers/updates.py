"""The updates websocket: the full snapshot on connect, then one delta per poll.

`updates?format=columns` asks for job lists in the columns form. Messages are compressed with
permessage-deflate when the browser offers it (every current browser does).

`updates?since=<version>` is for a client that already holds that version (from the REST views):
when it is still the current one, the first message is an empty delta from it instead of the
snapshot, so a first load downloads the job list once.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web, websocket

from ..updates import FORMATS, UpdatesHub, delta_message

#: zlib settings of permessage-deflate: level 6 makes the 10k-job snapshot about a tenth of its size;
#: mem_level 5 keeps each connection's compressor to ~40 KB instead of ~260 KB.
COMPRESSION = {"compression_level": 6, "mem_level": 5}


class UpdatesHandler(JupyterHandler, websocket.WebSocketHandler):
    @property
    def hub(self) -> UpdatesHub:
        return self.settings["hpc_lab_ext"].updates  # type: ignore[no-any-return]

    form = "objects"
    since: int | None = None

    def get_compression_options(self) -> dict[str, Any]:
        return dict(COMPRESSION)

    async def pre_get(self) -> None:
        authorized = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "read", "hpc_lab_ext")
        )
        if not authorized:
            raise web.HTTPError(403)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await self.pre_get()
        values = self.request.query_arguments.get("format", [b"objects"])
        form = values[-1].decode("utf-8", errors="replace")
        if form not in FORMATS:
            raise web.HTTPError(400, f"format must be one of: {', '.join(FORMATS)}")
        self.form = form
        since = self.request.query_arguments.get("since")
        if since:
            try:
                self.since = int(since[-1])
            except ValueError:
                raise web.HTTPError(400, "since must be a snapshot version (an integer)") from None
        result = super().get(*args, **kwargs)
        if result is not None:
            await result

    async def open(self, *args: Any, **kwargs: Any) -> None:
        await self.hub.poller.first_snapshot()
        # no await between the first message's text and `add`: no delta can fall between them
        snap = self.hub.poller.snapshot
        if self.since is not None and self.since == snap.version:
            # the client holds this version already: tell it the socket is live and what the
            # snapshot's flags are now, without the lists
            empty = delta_message(snap, snap, self.hub.poller.unreachable_since, self.form == "columns")
            text = json.dumps(empty)
        else:
            text = await self.hub.snapshot_for_new_client(self.form)
        if self.ws_connection is None:  # closed while the snapshot was made
            return
        self.write_message(text)
        clusters = self.hub.clusters_message()
        if clusters is not None:
            self.write_message(clusters)
        self.hub.add(self.send, clusters, self.form)

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
            self.write_message(self.hub.full_snapshot(self.form))
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
