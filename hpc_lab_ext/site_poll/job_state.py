"""hpc-lab-job-state <job id>: a job's state and batch host as ``squeue -h -j <id> -o '%T %B'``
prints them, from the site poll service's snapshot (job_query.py), for batchspawner's
SlurmSpawner.batch_query_cmd. Without the service (no socket, no answer, no fresh snapshot) it
runs that squeue itself, so the hub keeps working while the service is down.

    c.SlurmSpawner.batch_query_cmd = "hpc-lab-job-state {job_id}"
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from typing import Any

from .job_query import JOB_ID, default_socket

#: what squeue says of a job id it does not list (ended and purged, or never there)
NOT_FOUND = "slurm_load_jobs error: Invalid job id specified"
#: what squeue says when slurmctld does not answer; batchspawner then keeps the server (UNKNOWN)
TIMED_OUT = "slurm_load_jobs error: Socket timed out on send/recv"


def ask(path: str, job_id: str, timeout: float) -> dict[str, Any] | None:
    """The service's answer, or None when it cannot be asked."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(f"state {job_id}\n".encode())
            data = b""
            while not data.endswith(b"\n") and len(data) < 4096:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        body = json.loads(data)
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def squeue(job_id: str, host: str | None, timeout: float) -> int:
    fmt = f"%T {host}" if host else "%T %B"
    try:
        result = subprocess.run(
            ["squeue", "-h", "-j", job_id, "-o", fmt],  # noqa: S607 - squeue from PATH
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(TIMED_OUT, file=sys.stderr)
        return 1
    except OSError as e:
        print(f"hpc-lab-job-state: squeue: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hpc-lab-job-state", description=__doc__.split("\n")[0])
    parser.add_argument("job_id")
    parser.add_argument(
        "--socket",
        default=os.environ.get("HPC_LAB_SITE_QUERY_SOCKET") or default_socket(),
        help="the site poll service's job state socket",
    )
    parser.add_argument(
        "--host", default=None, help="print this address for a running job instead of its node"
    )
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds for each of service, squeue")
    args = parser.parse_args(argv)
    if not JOB_ID.match(args.job_id):
        print(NOT_FOUND, file=sys.stderr)
        return 1
    body = ask(args.socket, args.job_id, args.timeout)
    if body is None or "found" not in body:
        return squeue(args.job_id, args.host, args.timeout)
    if not body["found"]:
        print(NOT_FOUND, file=sys.stderr)
        return 1
    host = args.host or str(body.get("host") or "")
    print(f"{body['state']} {host}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
