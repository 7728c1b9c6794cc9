"""'Be like sand' on a busy sandbox: the advisor's shape against the habitual request.

Part 1, time to the first worker, in two variants, each on a sandbox instance of its own that the
benchmark (re)starts with the backfill settings it needs (never the `main` or `test` instance):
  default  instance `bench`:  the sandbox's settings (bf_interval=5, bf_resolution=60 by default),
           node3-4 busy for 4 minutes;
  site     instance `bench2`: a typical site's (bf_interval=30, bf_resolution=60), busy for 10.
Each trial waits until a random second of the minute, then makes the instance busy (node3-4 full,
a four-node job planned at their end: a gap on node1-2 that only short jobs can use), waits a
random part of one backfill interval (the plan comes from a cycle; a person asks at any moment of
the next one) and:
  - advisor: asks the advisor (at the instance's own planning settings) for N workers of the
    "habit" profile, creates the cluster in the shape it suggests and scales it to the suggested
    number of jobs; measured: seconds from the request to the first worker job running (Slurm's
    own start time) and to the first Dask worker connected; and the estimate's error;
  - naive: the same total cores as the habit asks for them (2 cores × N, 2 hours, batch), like a
    plain dask-jobqueue request, submitted after the advisor's workers started. It cannot start
    before the wide job has run to its limit; waiting for that would take most of the budget, so
    its start is Slurm's own plan for it (squeue --start after a backfill cycle), without the
    seconds a Dask worker then needs to connect: the naive figure is a floor, the ratio a ceiling.
Every trial is printed, then the median and the worst.

Part 2 (--idle): core-hours a cluster holds while idle in a scripted session: compute, stare at a
plot for --stare seconds, compute again; clusters side by side, one per --idle-timeout (idle
release after that many seconds) and one without release.

Usage: python benchmarks/sand_bench.py [--variant both|default|site] [--trials 10] [--workers 4]
       [--idle [--stare 900] [--idle-timeout 600[,120,...]]]      (--trials 0 --idle: part 2 only)
"both" runs the two variants side by side (a process each) and takes about 25 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pwd
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from distributed import Client  # noqa: E402
from distributed.security import Security  # noqa: E402
from sandbox import cancel, job_field, squeue_ids, submit, wait_for  # noqa: E402

from hpc_lab_ext.advisor import AdvicePolicy, advise  # noqa: E402
from hpc_lab_ext.advisor.gaps import timestamp  # noqa: E402
from hpc_lab_ext.advisor.planning import read as read_planning  # noqa: E402
from hpc_lab_ext.clusters.env import credential_paths  # noqa: E402
from hpc_lab_ext.clusters.manager import ClusterManager  # noqa: E402
from hpc_lab_ext.clusters.profiles import Profile  # noqa: E402
from hpc_lab_ext.poller import Poller  # noqa: E402
from hpc_lab_ext.scheduler.slurm import SlurmBackend  # noqa: E402

OPEN = ("walltime", "partition", "cores")
HABIT = Profile(
    name="habit", cores=2, memory="2GB", walltime="02:00:00", partition="batch", max_workers=16,
    open_fields=OPEN, idle_timeout_s=10 * 86400,
)  # fmt: skip
# Short workers for the idle session: they start at once on the quiet sandbox.
SESSION = Profile(
    name="session", cores=2, memory="2GB", walltime="00:30:00", partition="batch", max_workers=4
)
POLICY = AdvicePolicy(min_walltime_s=60)
SCRIPT = ROOT / "scripts" / "sandbox-slurm"


@dataclass(frozen=True)
class Variant:
    name: str
    instance: str
    sched: str  # SchedulerParameters the instance runs with
    busy_min: int


VARIANTS = {
    "default": Variant("default", "bench", "batch_sched_delay=0,bf_interval=5", 4),
    "site": Variant("site", "bench2", "batch_sched_delay=0,bf_interval=30,bf_resolution=60", 10),
}


def sandbox(instance: str, command: str, sched: str | None = None) -> str:
    env = {**os.environ, "HPC_SANDBOX_INSTANCE": instance}
    if sched is not None:
        env["HPC_SANDBOX_SCHED"] = sched
    out = subprocess.run(
        ["bash", str(SCRIPT), command], capture_output=True, text=True, env=env, timeout=300, check=True
    )
    return out.stdout


def use_instance(v: Variant) -> None:
    """Point this process at the variant's instance, (re)started with its backfill settings."""
    conf = sandbox(v.instance, "env").strip().removeprefix("export SLURM_CONF=")
    os.environ["SLURM_CONF"] = conf
    os.environ["HPC_SANDBOX_INSTANCE"] = v.instance
    shown = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, check=False)
    if f"SchedulerParameters     = {v.sched}\n" not in shown.stdout:
        if shown.returncode == 0:
            sandbox(v.instance, "stop")
        sandbox(v.instance, "start", v.sched)
    for user in set(
        subprocess.run(
            ["squeue", "-h", "-a", "-o", "%u"], capture_output=True, text=True, check=False
        ).stdout.split()
    ):
        subprocess.run(["scancel", "-u", user], check=False)
    wait_for(lambda: not squeue_ids(), 60)


def make_manager(log_dir: Path, profiles: dict[str, Profile]) -> tuple[ClusterManager, Poller]:
    backend = SlurmBackend(command_timeout=30)
    poller = Poller(backend, interval=1.0, min_interval=0.5, start_interval=2.0)
    user = pwd.getpwuid(os.geteuid()).pw_name
    manager = ClusterManager(
        backend, poller, user, profiles, log_dir, idle_check_s=2.0, worker_interface="lo", policy=POLICY
    )
    return manager, poller


async def client_of(manager: ClusterManager, cid: str) -> Client:
    cert, key = credential_paths(manager.log_dir / cid)
    security = Security(
        tls_ca_file=str(cert), tls_client_cert=str(cert), tls_client_key=str(key), require_encryption=True
    )
    return await Client(manager.info(cid).scheduler_address, security=security, asynchronous=True)


def busy_gap(minutes: int) -> list[str]:
    """node3-4 full for `minutes`, a four-node job planned at their end (a gap on node1-2)."""
    ids: list[str] = []
    try:
        for node in ("node3", "node4"):
            args = ["-p", "batch", "-w", node, "-c", "8", "-t", str(minutes), "-J", "busy-long"]
            ids.append(submit(args, script="sleep 100000", user="bob"))
        wait_for(lambda: all(job_field(i, "%T") == "RUNNING" for i in ids), timeout=60)
        wide = ["-p", "batch", "-N", "4", "--exclusive", "-t", str(minutes), "-J", "busy-wide"]
        ids.append(submit(wide, script="sleep 100000", user="bob"))
        wait_for(lambda: job_field(ids[-1], "%S") not in ("", "N/A"), timeout=90)
    except BaseException:
        cancel(ids)
        raise
    return ids


def worker_starts(cid: str) -> list[float]:
    """Slurm's start times of the cluster's running worker jobs (named hpc-lab-<id>)."""
    out = subprocess.run(
        ["squeue", "-h", "-n", f"hpc-lab-{cid}", "-t", "R", "-o", "%S"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return [t for t in (timestamp(x) for x in out.split()) if t is not None]


@dataclass
class Trial:
    second: float  # second of the minute the trial started at
    wide_second: float = 0.0  # second of the minute of the wide job's planned start
    shape: str = ""
    basis: str = ""
    predicted_s: float | None = None  # advisor's estimate of the first worker's start
    error_s: float | None = None  # the expected error it gave
    job_start_s: float | None = None  # first worker job running (Slurm's start time)
    worker_s: float | None = None  # first Dask worker connected
    naive_s: float | None = None  # naive request: Slurm's planned start
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.worker_s is None or not self.naive_s:
            return None
        return self.worker_s / self.naive_s

    @property
    def miss_s(self) -> float | None:
        if self.predicted_s is None or self.job_start_s is None:
            return None
        return abs(self.job_start_s - self.predicted_s)


async def one_trial(v: Variant, workers: int, log_dir: Path) -> Trial:
    second = random.uniform(0, 60)
    while abs(time.time() % 60 - second) > 0.3:
        await asyncio.sleep(0.1)
    trial = Trial(second=round(time.time() % 60, 1))
    manager, poller = make_manager(log_dir, {"habit": HABIT})
    ids = busy_gap(v.busy_min)
    try:
        wide = timestamp(job_field(ids[-1], "%S")) or 0.0
        trial.wide_second = wide % 60
        planning = await read_planning(manager.backend)
        # The wide job was just planned by a backfill cycle: ask at a random moment of the next
        # interval, as a person would, not right after a cycle.
        await asyncio.sleep(random.uniform(0, planning.interval_s))
        snapshot = await poller.refresh(urgent=True)
        asked = time.time()
        advice = await advise(HABIT, {}, workers, snapshot, POLICY, planning)
        chosen = advice.estimates[0]
        trial.basis, trial.error_s = chosen.basis, chosen.error_s
        trial.predicted_s = chosen.first_wait_s
        info = await manager.create("habit", chosen.overrides, sys.executable)
        cid = info.id
        p = manager.info(cid).profile
        trial.shape = f"{chosen.jobs} × {p['cores']} c, {p['walltime']}"
        await manager.scale(cid, chosen.jobs)
        timeout = 150 if v.name == "default" else 240
        while time.time() - asked < timeout:
            if trial.job_start_s is None and (started := worker_starts(cid)):
                trial.job_start_s = min(started) - asked
            if trial.worker_s is None and manager.info(cid).counts.get("connected", 0):
                trial.worker_s = time.time() - asked
            if trial.worker_s is not None and trial.job_start_s is not None:
                break
            await asyncio.sleep(0.5)
        else:
            trial.notes.append(f"no worker within {timeout} s")
        # The habit's request, as Slurm plans it behind the wide job.
        naive_at = time.time()
        naive = [
            submit(["-p", "batch", "-c", "2", "--mem=2G", "-t", "120", "-J", "naive"])
            for _ in range(-(-workers // HABIT.processes))
        ]
        ids += naive
        planned = wait_for(
            lambda: [job_field(i, "%S") for i in naive if job_field(i, "%S") not in ("", "N/A")],
            timeout=120,
        )
        first = min(t for t in (timestamp(x) for x in planned) if t is not None)
        # from the naive request's own submission (made later: the gap it waits behind is shorter)
        trial.naive_s = first - naive_at
        await manager.close(cid)
    finally:
        cancel(ids, timeout=60)
        await manager.close_all()
        await poller.stop()
    return trial


def fmt(value: float | None, width: int = 6) -> str:
    return "—".rjust(width) if value is None else f"{value:{width}.1f}"


async def run_variant(v: Variant, trials: int, workers: int) -> None:
    use_instance(v)
    planning = await read_planning(SlurmBackend())
    print(
        f"\n== {v.name}: {planning.describe()}; node3-4 busy {v.busy_min} min; "
        f"{trials} trials, {workers} workers asked for ==",
        flush=True,
    )
    print(
        "| trial | start s | wide job s | advisor's shape | est. s (±) | job ran s | worker s | naive s (plan) | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for i in range(trials):
        with tempfile.TemporaryDirectory(prefix="hpc-sand-") as tmp:
            t = await one_trial(v, workers, Path(tmp) / "clusters")
        rows.append(t)
        ratio = "—" if t.ratio is None else f"{t.ratio:.3f}"
        print(
            f"| {i + 1} | {t.second:.0f} | {t.wide_second:.0f} | {t.shape} | {fmt(t.predicted_s)} "
            f"(±{t.error_s or 0:.0f}) | {fmt(t.job_start_s)} | {fmt(t.worker_s)} | {fmt(t.naive_s)} | "
            f"{ratio} |{' ' + '; '.join(t.notes) if t.notes else ''}",
            flush=True,
        )
    ratios = [t.ratio if t.ratio is not None else float("inf") for t in rows]
    misses = [t.miss_s if t.miss_s is not None else float("inf") for t in rows]
    good = sum(r <= 0.2 for r in ratios)
    print(f"basis (first trial): {rows[0].basis}")
    print(
        f"{v.name}: advisor / naive, first worker: median {statistics.median(ratios):.3f}, "
        f"worst {max(ratios):.3f}; ≤ 0.2 in {good} of {len(rows)} trials -> "
        f"{'PASS' if good >= 0.9 * len(rows) else 'FAIL'}"
    )
    print(
        f"{v.name}: |predicted − actual| start of the advisor's first worker job: median "
        f"{statistics.median(misses):.1f} s, worst {max(misses):.1f} s -> "
        f"{'PASS' if statistics.median(misses) <= 30 else 'FAIL'}",
        flush=True,
    )


async def session(manager: ClusterManager, cid: str, stare: float) -> dict[str, float]:
    """compute, stare, compute; returns core-seconds held by running worker jobs while idle."""
    client = await client_of(manager, cid)
    held = 0.0
    released: float | None = None
    try:
        await manager.scale(cid, 2)
        await client.wait_for_workers(2, timeout=180)
        import dask.array as da

        await client.compute(da.ones((2000, 2000), chunks=500).sum())
        start = last = time.monotonic()
        while time.monotonic() - start < stare:  # staring at the plot: no tasks
            await asyncio.sleep(1.0)
            now = min(time.monotonic(), start + stare)
            # The running worker jobs as the server's shared poll sees them (every 2 s here).
            running = manager.info(cid).counts["running"]
            if running == 0 and released is None:
                released = now - start
            held += running * SESSION.cores * (now - last)
            last = now
        if not manager.info(cid).counts.get("connected", 0):
            await manager.scale(cid, 2)  # released while idle: ask again
        await client.wait_for_workers(2, timeout=180)
        await client.compute(da.ones((2000, 2000), chunks=500).sum())
    finally:
        await client.close()
    return {"idle_core_s": held, "stare_s": stare, "released_s": released if released is not None else -1.0}


async def part_two(stare: float, idle_timeouts: list[float]) -> None:
    print(f"\n== idle cores in a session: compute, stare {stare:.0f} s, compute ==", flush=True)
    with tempfile.TemporaryDirectory(prefix="hpc-idle-") as tmp:
        from dataclasses import replace

        profiles = {
            f"release-{t:.0f}s": replace(SESSION, name=f"release-{t:.0f}s", idle_timeout_s=t)
            for t in idle_timeouts
        }
        profiles["keep"] = replace(SESSION, name="keep", idle_timeout_s=10 * 86400)
        manager, poller = make_manager(Path(tmp) / "clusters", profiles)
        try:
            ids = {name: (await manager.create(name, {}, sys.executable)).id for name in profiles}
            results = await asyncio.gather(*(session(manager, ids[n], stare) for n in profiles))
        finally:
            await manager.close_all()
            await poller.stop()
    print(
        f"| cluster (2 workers × {SESSION.cores} cores) | idle core-hours held | share of the stare | released after |"
    )
    print("|---|---|---|---|")
    for name, r in zip(profiles, results, strict=True):
        hours = r["idle_core_s"] / 3600
        share = r["idle_core_s"] / (2 * SESSION.cores * r["stare_s"])
        gone = "never" if r["released_s"] < 0 else f"{r['released_s']:.0f} s"
        print(f"| {name} | {hours:.3f} | {share:.0%} | {gone} |")


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    if args.trials <= 0:
        pass  # part 2 only
    elif args.variant == "both":
        # side by side, a process each: each points SLURM_CONF at its own instance
        argv = [sys.executable, __file__, "--trials", str(args.trials), "--workers", str(args.workers)]
        procs = [
            await asyncio.create_subprocess_exec(*argv, "--variant", name, stdout=asyncio.subprocess.PIPE)
            for name in VARIANTS
        ]

        async def relay(name: str, proc: asyncio.subprocess.Process) -> None:
            assert proc.stdout is not None
            async for line in proc.stdout:
                print(f"[{name}] {line.decode().rstrip()}", flush=True)
            await proc.wait()

        await asyncio.gather(*(relay(n, p) for n, p in zip(VARIANTS, procs, strict=True)))
    else:
        await run_variant(VARIANTS[args.variant], args.trials, args.workers)
    if args.idle:
        use_instance(VARIANTS["default"])  # never the main sandbox
        await part_two(args.stare, [float(t) for t in args.idle_timeout.split(",")])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variant", choices=("both", *VARIANTS), default="both")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--idle", action="store_true", help="also run part 2 (idle core-hours)")
    parser.add_argument("--stare", type=float, default=900.0)
    parser.add_argument("--idle-timeout", default="600", help="seconds; a comma list runs one cluster each")
    asyncio.run(main(parser.parse_args()))
