"""Tornado handlers, one small module per resource."""

from __future__ import annotations

from tornado.web import RequestHandler

from .jobs import JobsHandler
from .status import StatusHandler

API = "/hpc-lab-ext/api/v1"

HANDLERS: list[tuple[str, type[RequestHandler]]] = [
    (f"{API}/status", StatusHandler),
    (f"{API}/jobs", JobsHandler),
]
