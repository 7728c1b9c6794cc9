"""One cluster as the manager holds it, its record on disk, and what the manager needs of the poller.

A cluster's directory (``<cluster_dir>/<id>/``, mode 0700) holds its credentials, its
supervisor's files and ``cluster.json``: what a restarted server needs to take the cluster over
again (profile, Python, notebook, the notebook handle's token, patience, dashboard key).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..models import Snapshot
from .model import cluster_tag
from .profiles import Profile, profile_from_dict

if TYPE_CHECKING:
    from .patience import Patience
    from .supervisor import Link

log = logging.getLogger(__name__)

RECORD = "cluster.json"


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
    token: str = ""  # the notebook handle's credential for this cluster only
    link: Link | None = None  # the supervisor's control channel
    state: dict[str, Any] = field(default_factory=dict)  # the supervisor's last answer
    status: str = "starting"
    created_at: float = field(default_factory=time.time)
    last_action: float = field(default_factory=time.time)
    idle_since: float | None = None
    error: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    watcher: asyncio.Task[None] | None = None
    connected_jobs: set[str] = field(default_factory=set)  # job ids whose worker has connected
    first_known: dict[str, float] = field(default_factory=dict)  # job id -> when first seen
    suspects: set[str] = field(default_factory=set)  # tagged jobs Dask did not know at the last check
    dashboard_key: str | None = None  # the cluster's key in dask-labextension's proxy
    dashboard_path: str | None = None  # proxied by dask-labextension
    patience: Patience | None = None  # resubmit long-pending worker jobs in a sooner shape

    @property
    def tag(self) -> str:
        return cluster_tag(self.id)

    @property
    def local(self) -> bool:
        return self.profile.scheduler == "local"

    @property
    def adapt(self) -> dict[str, int] | None:
        value = self.state.get("adapt")
        return dict(value) if isinstance(value, dict) else None

    def specs(self) -> dict[str, str | None]:
        """Spec key -> job id (None before submission, and for local workers), in spec order."""
        return {str(k): (str(j) if j else None) for k, j in self.state.get("specs", [])}

    def save(self) -> None:
        """Write cluster.json (owner-only), replacing it in one step."""
        data = {
            "id": self.id,
            "profile": self.profile.to_json(),
            "python": self.python,
            "notebook": self.notebook,
            "created_at": self.created_at,
            "token": self.token,
            "dashboard_key": self.dashboard_key,
            "patience": self.patience.to_record() if self.patience else None,
        }
        tmp = self.cred_dir / (RECORD + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.cred_dir / RECORD)

    @classmethod
    def load(cls, directory: Path) -> Entry | None:
        """The entry a cluster.json describes; None (logged) when it is missing or unreadable."""
        from .patience import Patience

        try:
            data = json.loads((directory / RECORD).read_text())
            profile_data = dict(data["profile"])
            name = str(profile_data.pop("name"))
            entry = cls(
                id=str(data["id"]),
                profile=profile_from_dict(name, profile_data),
                python=str(data["python"]),
                notebook=data.get("notebook"),
                cred_dir=directory,
                token=str(data.get("token") or ""),
                created_at=float(data.get("created_at") or time.time()),
                dashboard_key=data.get("dashboard_key"),
                patience=Patience.from_record(data["patience"]) if data.get("patience") else None,
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("cluster record %s is unreadable: %s", directory / RECORD, e)
            return None
        return entry if entry.id == directory.name else None


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:40]}..."
