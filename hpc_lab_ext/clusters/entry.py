"""One cluster as the manager holds it, and what the manager needs of the poller."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..models import Snapshot
from .model import cluster_tag
from .profiles import Profile

if TYPE_CHECKING:
    from .patience import Patience


class SnapshotSource(Protocol):
    """What the manager needs of the poller."""

    @property
    def snapshot(self) -> Snapshot: ...

    async def refresh(self, timeout: float | None = None, *, urgent: bool = False) -> Snapshot: ...


@dataclass(eq=False)
class Entry:
    id: str
    profile: Profile
    python: str
    notebook: str | None
    cred_dir: Path
    cluster: Any = None
    status: str = "starting"
    created_at: float = field(default_factory=time.time)
    last_action: float = field(default_factory=time.time)
    adapt: dict[str, int] | None = None
    idle_since: float | None = None
    error: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    watcher: asyncio.Task[None] | None = None
    connected_jobs: set[str] = field(default_factory=set)  # job ids whose worker has connected
    first_known: dict[str, float] = field(default_factory=dict)  # job id -> when first seen
    dashboard_path: str | None = None  # proxied by dask-labextension
    patience: Patience | None = None  # resubmit long-pending worker jobs in a sooner shape

    @property
    def tag(self) -> str:
        return cluster_tag(self.id)

    @property
    def local(self) -> bool:
        return self.profile.scheduler == "local"


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}..."
