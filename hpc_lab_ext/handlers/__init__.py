"""Tornado handlers, one small module per resource."""

from __future__ import annotations

from tornado.web import RequestHandler

from .actions import JobActionHandler
from .base import UnknownEndpointHandler
from .clusters import (
    AdviceHandler,
    ClusterAdaptHandler,
    ClusterHandler,
    ClusterPatienceHandler,
    ClusterScaleHandler,
    ClustersHandler,
    ProfilesHandler,
)
from .handle import ClusterHandleHandler
from .history import HistoryHandler, ResubmitHandler
from .logs import JobLogHandler
from .snapshot import GapsHandler, JobsHandler, NodesHandler, PartitionsHandler
from .status import StatusHandler
from .updates import UpdatesHandler

API = "/hpc-lab-ext/api/v1"

HANDLERS: list[tuple[str, type[RequestHandler]]] = [
    (f"{API}/status", StatusHandler),
    (f"{API}/jobs", JobsHandler),
    (f"{API}/jobs/([^/]+)/([^/]+)", JobActionHandler),
    (f"{API}/nodes", NodesHandler),
    (f"{API}/partitions", PartitionsHandler),
    (f"{API}/gaps", GapsHandler),
    (f"{API}/updates", UpdatesHandler),
    (f"{API}/profiles", ProfilesHandler),
    (f"{API}/clusters", ClustersHandler),
    (f"{API}/clusters/([^/]+)", ClusterHandler),
    (f"{API}/clusters/([^/]+)/scale", ClusterScaleHandler),
    (f"{API}/clusters/([^/]+)/adapt", ClusterAdaptHandler),
    (f"{API}/clusters/([^/]+)/patience", ClusterPatienceHandler),
    (f"{API}/clusters/([^/]+)/handle", ClusterHandleHandler),
    (f"{API}/advice", AdviceHandler),
    (f"{API}/logs/([^/]+)", JobLogHandler),
    (f"{API}/history", HistoryHandler),
    (f"{API}/history/([^/]+)/resubmit", ResubmitHandler),
    (f"{API}/(.*)", UnknownEndpointHandler),  # last: a JSON 404 for everything else
]
