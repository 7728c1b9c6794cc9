"""Shared handler behaviour: JSON in and out, domain errors mapped to their status codes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from ..errors import BadRequest, HPCLabError, NotFound

if TYPE_CHECKING:
    from ..app import HPCLabApp


#: what jupyter_server's authorizer is asked about: "read" for views (GET), "write" for actions,
#: clusters and advice (POST, DELETE). A site or a shared server granting only "read" on it gives
#: the panel without its buttons (GET status says which: `can_write`).
AUTH_RESOURCE = "hpc_lab_ext"


class HPCLabHandler(APIHandler):
    """Base for every handler: thin, reads the app from settings, answers JSON errors."""

    auth_resource = AUTH_RESOURCE

    @property
    def hpc(self) -> HPCLabApp:
        return self.settings["hpc_lab_ext"]  # type: ignore[no-any-return]

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, HPCLabError):
            self.set_status(exc.status)
            message = exc.message
        elif isinstance(exc, tornado.web.HTTPError) and 400 <= status_code < 500 and exc.log_message:
            # e.g. jupyter_server's authorizer: "User is not authorized to write on resource: ..."
            message = exc.log_message % exc.args if exc.args else exc.log_message
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "status": self.get_status()}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Domain errors are expected answers, not server faults: no traceback in the log.
        if isinstance(value, HPCLabError):
            self.log.info(
                "%s %s -> %d: %s", self.request.method, self.request.path, value.status, value.message
            )
            return
        super().log_exception(typ, value, tb)

    def query_choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """A query argument that must be one of `choices`; anything else is a 400 saying what is allowed."""
        values = self.request.query_arguments.get(name, [])
        if not values:
            return default
        if len(values) > 1:
            raise BadRequest(f"query parameter {name!r} given more than once")
        value = values[0].decode("utf-8", errors="replace")
        if value not in choices:
            raise BadRequest(f"{name}={value[:40]!r} is not allowed; use one of: {', '.join(choices)}")
        return value

    def json_body(self, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
        """The request body as a JSON object with only `allowed` keys; anything else is a 400."""
        raw = self.request.body or b""
        if not raw.strip():
            if required:
                raise BadRequest(f"expected a JSON object with {', '.join(required)}")
            return {}
        if len(raw) > 64 * 1024:
            raise BadRequest("request body too large")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequest(f"expected a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise BadRequest(f"unknown field {str(unknown[0])[:40]!r}; allowed: {', '.join(allowed)}")
        missing = [k for k in required if k not in data]
        if missing:
            raise BadRequest(f"missing field {missing[0]!r}")
        return data

    def reject_unknown_query(self, allowed: tuple[str, ...]) -> None:
        # JupyterLab's ServerConnection adds a bare timestamp (`?1795611444028`) to defeat caches.
        args = self.request.query_arguments
        cache_busters = {k for k, v in args.items() if k.isdigit() and v == [b""]}
        # "token" is Jupyter's own way to authenticate a request in its URL.
        unknown = sorted(set(args) - set(allowed) - cache_busters - {"token"})
        if unknown:
            raise BadRequest(
                f"unknown query parameter {unknown[0][:40]!r}; allowed: {', '.join(allowed) or 'none'}"
            )


class UnknownEndpointHandler(HPCLabHandler):
    """Anything under the API prefix that no route matched: a JSON 404 naming the endpoints."""

    def _unknown(self, *args: Any) -> None:
        raise NotFound(
            f"no endpoint {self.request.path[-200:]!r}; see GET status, jobs, nodes, partitions, profiles, "
            "clusters (and POST jobs/<id>/cancel|hold|release, clusters/<id>/scale|adapt)"
        )

    @tornado.web.authenticated
    @authorized
    def get(self, *args: Any) -> None:
        self._unknown()

    @tornado.web.authenticated
    @authorized
    def post(self, *args: Any) -> None:
        self._unknown()

    @tornado.web.authenticated
    @authorized
    def put(self, *args: Any) -> None:
        self._unknown()

    @tornado.web.authenticated
    @authorized
    def patch(self, *args: Any) -> None:
        self._unknown()

    @tornado.web.authenticated
    @authorized
    def delete(self, *args: Any) -> None:
        self._unknown()
