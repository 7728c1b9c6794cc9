"""How Slurm's backfill scheduler plans, from its own settings, and what that means for a gap.

Read from `scontrol show config` (SchedulerType and SchedulerParameters); what a setting leaves
out has Slurm's default (backfill.c: bf_interval=30 s, bf_resolution=60 s, bf_window=1 day,
bf_max_job_test=500).

What backfill does with a job that should fit a gap, and what the advisor takes from it:

- It tries pending jobs only once per cycle, every `bf_interval` seconds (counted from the end of
  the last cycle), so a job submitted now is first tried up to `bf_interval` (+ the cycle's own
  length) later: "starts now" means "starts at the next backfill cycle", and the walltime that
  fits a gap is counted from then, not from the request.
- Its plan is kept in steps of `bf_resolution`: a planned job's reservation begins at its planned
  start rounded *down* to a step (and ends rounded up). A short job fits the gap only when it
  ends before that rounded start: with the default 60 s, a job ending 45 s before a wide job's
  planned start may still be refused, depending on the second of the minute.
- It plans only `bf_window` ahead: jobs planned beyond it hold no reservation.
- It tests at most `bf_max_job_test` jobs per cycle: behind that many pending jobs a new job may
  not be tried at all for a while (then "now" cannot be promised).
- With SchedulerType=sched/builtin there is no backfill: a gap is never used by a job behind
  one that waits, so no gap is offered.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: seconds a backfill cycle itself may take, and between the advice and the request reaching the
#: controller (a person clicking "Use this", the Dask scheduler starting)
CYCLE_S = 2.0
SUBMIT_S = 10.0
#: how long a read of the settings is trusted (they change with `scontrol reconfigure` only)
CONFIG_TTL_S = 600.0


@dataclass(frozen=True)
class Planning:
    """The settings that decide when backfill starts a job, and where they came from."""

    backfill: bool = True
    interval_s: int = 30
    resolution_s: int = 60
    window_s: int = 86400
    max_job_test: int = 500
    #: bf_continue: a cycle interrupted (bf_max_time, yields) resumes where it stopped
    continues: bool = False
    #: where the figures came from: "scontrol show config", or why Slurm's defaults are assumed
    source: str = "Slurm's defaults"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def latency_s(self) -> float:
        """The longest a new job waits for backfill to try it: one interval and a cycle."""
        return self.interval_s + CYCLE_S + SUBMIT_S

    @property
    def expected_delay_s(self) -> float:
        """The mean wait for the next cycle of a job submitted at a random moment."""
        return self.interval_s / 2 + CYCLE_S

    def gap_end(self, planned_start: float) -> float:
        """When backfill's plan has the planned job begin: its start rounded down to a step."""
        step = max(1, self.resolution_s)
        return math.floor(planned_start / step) * step

    def usable_s(self, planned_start: float, now: float) -> float:
        """Seconds of walltime a job submitted now may ask for and still fit before the planned job,
        whichever moment of the next cycle backfill tries it at; infinite beyond the window."""
        if planned_start - now > self.window_s:
            return math.inf
        # Slurm counts a job ending at the very second the reservation begins as overlapping it
        return self.gap_end(planned_start) - now - self.latency_s - 1

    def describe(self) -> str:
        if not self.backfill:
            return "no backfill (sched/builtin): jobs start in priority order only"
        return (
            f"backfill every {self.interval_s} s in {self.resolution_s} s steps, "
            f"{self.window_s // 60} min ahead ({self.source})"
        )


def _int(options: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    text = options.get(key)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        return default
    # Slurm itself falls back to the default for values out of range (and logs an error).
    return value if low <= value <= high else default


def from_config(config: Mapping[str, str], source: str = "scontrol show config") -> Planning:
    """The planning settings in `scontrol show config`'s answer (parsed by slurm_parse.parse_config)."""
    from ..scheduler.slurm_parse import parse_scheduler_parameters

    options = parse_scheduler_parameters(config.get("SchedulerParameters", ""))
    backfill = config.get("SchedulerType", "sched/backfill").strip() != "sched/builtin"
    interval = _int(options, "bf_interval", 30, -1, 10800)
    if interval in (-1, 0):
        backfill, interval = False, 30  # bf_interval=-1: backfill runs only when asked to
    return Planning(
        backfill=backfill,
        interval_s=interval,
        resolution_s=_int(options, "bf_resolution", 60, 1, 3600),
        window_s=_int(options, "bf_window", 1440, 1, 43200) * 60,
        max_job_test=_int(options, "bf_max_job_test", 500, 1, 1_000_000),
        continues="bf_continue" in options,
        source=source,
    )


class ConfigSource(Protocol):
    async def config(self) -> dict[str, str]: ...


_cached: dict[int, tuple[float, Planning]] = {}
_lock = asyncio.Lock()


async def read(backend: object, now: float | None = None) -> Planning:
    """The backend's planning settings, read through it (cached for CONFIG_TTL_S).

    A backend without `config()` or a failed read gives Slurm's defaults, saying so in `source`.
    """
    now = time.time() if now is None else now
    hit = _cached.get(id(backend))
    if hit is not None and now - hit[0] < CONFIG_TTL_S:
        return hit[1]
    reader = getattr(backend, "config", None)
    if reader is None:
        return Planning(source="Slurm's defaults (this scheduler does not say)")
    async with _lock:
        try:
            planning = from_config(await reader())
        except Exception as e:  # a slow or failing controller must not stop the advice
            log.warning("could not read the scheduler's settings: %s", e)
            return Planning(source=f"Slurm's defaults (settings not readable: {str(e)[:80]})")
        _cached[id(backend)] = (now, planning)
        return planning


def forget() -> None:
    _cached.clear()
