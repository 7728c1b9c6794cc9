"""The notebook's handle on a cluster: ``handle.json`` in the cluster's directory.

It tells hpc_lab_notebook.HpcCluster (kernel_env/) where this server answers for the cluster and
with which credential: a token good for this one cluster, in a file only the owner can read.
It is written again whenever a server takes the cluster over (its URL may have changed).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..kernel_env import hpc_lab_notebook

if TYPE_CHECKING:
    from .entry import Entry

#: the directory a notebook adds to sys.path to import hpc_lab_notebook (standard library only)
HANDLE_DIR = Path(hpc_lab_notebook.__file__).resolve().parent
HANDLE = "handle.json"


def files(directory: Path) -> list[Path]:
    """The files that give access to a cluster (removed when it closes)."""
    return [directory / HANDLE, directory / "spec.json"]


def write(entry: Entry, server_url: str) -> None:
    """(Re)write the cluster's handle.json, owner-only, in one step."""
    base = server_url.rstrip("/") + "/" if server_url else ""
    dashboard = f"{base}{entry.dashboard_path}/status" if base and entry.dashboard_path else ""
    port, host = entry.state.get("dashboard_port"), entry.state.get("dashboard_host", "127.0.0.1")
    data = {
        "name": entry.tag,
        "url": f"{base}hpc-lab-ext/api/v1/clusters/{entry.id}/handle" if base else "",
        "token": entry.token,
        "scheduler_address": entry.state.get("scheduler_address", ""),
        "dashboard_link": dashboard or (f"http://{host}:{port}/status" if port else ""),
    }
    tmp = entry.cred_dir / (HANDLE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, entry.cred_dir / HANDLE)
