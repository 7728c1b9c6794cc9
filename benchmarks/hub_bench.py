"""What many people's servers cost the scheduler: slurmctld RPCs with 1, 5 and 20 single-user servers.

On scripts/sandbox-hub (JupyterHub with SlurmSpawner: each server is a Slurm job running as its
person), this starts N servers for N sandbox users (hubuser01...; created if missing), opens the
panel's updates websocket on each (what a browser tab with the panel open does), lets them run for
--seconds at the extension's default settings, and prints the RPCs slurmctld served in that time
(`sdiag`, all users together, those of the servers' users, and root's, which with the site poll
are the service's), per minute, and the servers' users' RPCs by message type.

--site-poll on starts the servers reading the hub's site poll service (scripts/sandbox-hub runs
it unless HPC_HUB_SITE_POLL=off); off starts them with the option {"site_poll": "off"}, so they
poll Slurm themselves. A running server started the other way is stopped and started again.
Whether batchspawner's status check (squeue -j every 30 s per server) asks the service's job state
socket instead is the hub's setting (HPC_HUB_SITE_QUERY=on for scripts/sandbox-hub), printed.

Usage (as root, the hub started: `bash scripts/sandbox-hub start`, SLURM_CONF of its sandbox):
    .venv/bin/python benchmarks/hub_bench.py [--counts 1,5,20] [--seconds 120] [--site-poll on|off]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import Request, urlopen

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

HUB = os.environ.get("HPC_HUB_URL", "http://127.0.0.1:8010")
INSTANCE = os.environ.get("HPC_SANDBOX_INSTANCE", "main")
TOKEN = (Path(f"/var/lib/hpc-lab-hub-{INSTANCE}") / "bench_token").read_text().strip()


def site_query() -> str:
    config = Path(f"/var/lib/hpc-lab-hub-{INSTANCE}") / "jupyterhub_config.py"
    return "on" if 'SITE_QUERY = "on" == "on"' in config.read_text() else "off"


def api(method: str, path: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = Request(f"{HUB}/hub/api{path}", data=data, method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    with urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


def ensure_user(name: str) -> None:
    if subprocess.run(["id", "-u", name], capture_output=True, check=False).returncode != 0:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
    with contextlib.suppress(OSError):  # 409: the hub knows the user already
        api("POST", f"/users/{name}")


def server(name: str) -> dict[str, object]:
    user = api("GET", f"/users/{name}")
    assert isinstance(user, dict)
    found = user.get("servers", {}).get("", {})
    return found if isinstance(found, dict) else {}


def server_ready(name: str) -> bool:
    return bool(server(name).get("ready"))


def stop_server(name: str) -> None:
    with contextlib.suppress(OSError):  # stopped already
        api("DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + 120
    while server(name) and time.monotonic() < deadline:
        time.sleep(1)


async def start_servers(names: list[str], site_poll: str) -> None:
    options = {"site_poll": site_poll}
    for name in names:
        running = server(name)
        if running and (running.get("user_options") or {}).get("site_poll", "on") != site_poll:
            stop_server(name)  # started the other way
        if not server_ready(name):
            try:
                api("POST", f"/users/{name}/server", options)
            except OSError as e:  # 400 while it is starting already
                print(f"  {name}: {e}", flush=True)
    deadline = time.monotonic() + 600
    while not all(server_ready(n) for n in names):
        if time.monotonic() > deadline:
            sys.exit("servers did not start within 10 minutes")
        await asyncio.sleep(2)


def _counts(section: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\s*(\S+)\s+\(\s*\d+\)\s+count:(\d+)", section, re.M)
    }


def rpcs_by_user() -> dict[str, int]:
    out = subprocess.run(["sdiag"], capture_output=True, text=True, check=True).stdout
    return _counts(out.split("statistics by user", 1)[-1].split("Pending RPC", 1)[0])


def rpcs_by_type() -> dict[str, int]:
    out = subprocess.run(["sdiag"], capture_output=True, text=True, check=True).stdout
    return _counts(out.split("statistics by message type", 1)[-1].split("statistics by user", 1)[0])


async def watch(name: str, seconds: float) -> int:
    """The panel's websocket on one person's server for `seconds`; returns messages received."""
    url = f"{HUB.replace('http', 'ws', 1)}/user/{name}/hpc-lab-ext/api/v1/updates?format=columns"
    conn = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {TOKEN}"}))
    received = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await asyncio.wait_for(conn.read_message(), left)
        except asyncio.TimeoutError:
            break
        if message is None:
            break
        received += 1
    conn.close()
    return received


async def measure(names: list[str], seconds: float, site_poll: str) -> None:
    await start_servers(names, site_poll)
    await asyncio.sleep(5)
    subprocess.run(["sdiag", "--reset"], check=True, capture_output=True)
    before, types_before = rpcs_by_user(), rpcs_by_type()
    messages = await asyncio.gather(*(watch(n, seconds) for n in names))
    after, types_after = rpcs_by_user(), rpcs_by_type()
    total = sum(after.values()) - sum(before.values())
    servers = sum(after.get(n, 0) - before.get(n, 0) for n in names)
    root = after.get("root", 0) - before.get("root", 0)
    per_min = 60 / seconds
    print(
        f"{len(names):3} servers, site poll {site_poll}, site query {site_query()}: "
        f"{total * per_min:7.1f} RPCs/min in all, "
        f"{servers * per_min:7.1f} by the servers' users ({servers * per_min / len(names):5.1f} per "
        f"server), {root * per_min:6.1f} by root; {sum(messages)} updates received",
        flush=True,
    )
    types = {t: (types_after.get(t, 0) - types_before.get(t, 0)) * per_min for t in types_after}
    print(
        "      all users, by type: "
        + ", ".join(f"{t} {n:.1f}" for t, n in sorted(types.items(), key=lambda x: -x[1]) if n)
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="1,5,20")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--site-poll", choices=("on", "off"), default="off")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    names = [f"hubuser{i:02d}" for i in range(1, max(counts) + 1)]
    for name in names:
        ensure_user(name)
    for count in counts:
        await measure(names[:count], args.seconds, args.site_poll)
    for name in names:
        with contextlib.suppress(OSError):  # stopped already
            api("DELETE", f"/users/{name}/server")


if __name__ == "__main__":
    asyncio.run(main())
