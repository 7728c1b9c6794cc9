"""Job history and log following: what 10,000 ended jobs cost, and the bytes of a follow update.

- the own record (SQLite): GET history?days=7 with 10,000 ended jobs in it, through a real Jupyter
  server on the sandbox Slurm whose sacct is replaced by one that answers as Slurm does without
  slurmdbd ("accounting storage is disabled"), so the own record answers;
- sacct's answer for 10,000 jobs (each with its batch step), parsed: the part of the accounting
  path that grows with the jobs (sacct itself is Slurm's cost, measured separately where it runs);
- the bytes of one follow update carrying one 40-character line, as the endpoint sends it.

Run (with a sandbox's SLURM_CONF set): python benchmarks/history_bench.py [--jobs 10000] [--trials 20]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from hpc_lab_ext.history.records import SEP, EndedJob, parse_sacct
from hpc_lab_ext.history.store import OwnRecord

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "slurm" / "sacct_ended.txt"


def ended(i: int) -> EndedJob:
    return EndedJob(
        id=str(100000 + i), name=f"job-{i}", partition="batch",
        state=("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED")[i % 4], exit_code=3 if i % 4 == 1 else 0,
        signal=0, submit_time="2026-11-30T10:00:00", start_time="2026-11-30T10:00:05",
        end_time="2026-11-30T11:00:00", elapsed_s=3595, time_limit_s=7200, cpus=4, req_mem_mb=4000,
        max_rss_mb=None, total_cpu_s=None, nodes="node1",
    )  # fmt: skip


def sacct_text(n: int) -> str:
    """n jobs, each a job line and a batch-step line, shaped like the recorded ones."""
    lines = [line for line in FIXTURE.read_text().splitlines() if line.startswith(("56", "57"))]
    job, step = lines[2].split(SEP), lines[3].split(SEP)  # 57 and 57.batch
    out = []
    for i in range(n):
        out.append(SEP.join([str(200000 + i), *job[1:]]))
        out.append(SEP.join([f"{200000 + i}.batch", *step[1:]]))
    return "\n".join(out) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def endpoint_p50(jobs: int, trials: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        record = OwnRecord(cache / "history.sqlite")
        record.add([ended(i) for i in range(jobs)])
        record.close()
        no_accounting = Path(tmp) / "bin"
        no_accounting.mkdir()
        sacct = no_accounting / "sacct"
        sacct.write_text("#!/bin/sh\necho 'sacct: error: Slurm accounting storage is disabled' >&2\nexit 1\n")
        sacct.chmod(0o755)
        env = {**os.environ, "PATH": f"{no_accounting}:{os.environ['PATH']}"}
        port, token = free_port(), "bench"
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser", "--allow-root",
             f"--IdentityProvider.token={token}", "--HPCLabApp.backend=cli",
             f"--HPCLabApp.cluster_dir={cache / 'clusters'}", f"--ServerApp.root_dir={tmp}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/hpc-lab-ext/api/v1/history?days=7&token={token}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(url, timeout=30).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            times, size = [], 0
            for _ in range(trials):
                start = time.perf_counter()
                body = urllib.request.urlopen(url, timeout=30).read()
                times.append(time.perf_counter() - start)
                size = len(body)
            data = json.loads(body)
            assert data["source"] == "own-record" and len(data["jobs"]) == jobs, data["source"]
            return statistics.median(times), max(times), size
        finally:
            server.terminate()
            server.wait(timeout=30)


def parse_p50(jobs: int, trials: int) -> float:
    text = sacct_text(jobs)
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        parsed = parse_sacct(text)
        times.append(time.perf_counter() - start)
    assert len(parsed) == jobs
    return statistics.median(times)


def follow_update_bytes() -> int:
    """The body of GET logs/<id>?offset=..&wait=.. carrying one line, as the handler writes it."""
    from hpc_lab_ext.logs.manager import LogWindow
    from hpc_lab_ext.logs.window import Window

    line = b"step 1234 loss=0.01234 lr=0.0001 ok\n"
    window = Window(start=123456, end=123456 + len(line), size=123456 + len(line), data=line)
    answer = LogWindow(
        job_id="123456", stream="stdout", path="/home/alice/project/slurm-123456.out", same_file=True,
        state="RUNNING", window=window, read_at=time.time(),
    )  # fmt: skip
    return len(json.dumps(answer.to_json()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    p50, worst, size = endpoint_p50(args.jobs, args.trials)
    print(f"GET history (own record, {args.jobs} jobs): p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms, "
          f"{size / 1024:.0f} KiB")  # fmt: skip
    print(f"parse sacct ({args.jobs} jobs + steps): p50 {parse_p50(args.jobs, 5) * 1000:.0f} ms")
    print(f"follow update with one 37-byte line: {follow_update_bytes()} bytes of JSON")


if __name__ == "__main__":
    main()
