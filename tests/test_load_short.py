"""A short load run through benchmarks/load_bench.py on the sandbox: a server as alice, 1,000 held jobs,
40 concurrent clients (half HTTP, half websocket asking to refresh every 2 s) for 10 s.

Checks what must hold on any machine: no error of any kind, and the scheduler still polled at most
once per min_poll_interval however often the clients asked. Latency figures depend on the machine;
the full run (scripts/reliability-report) reports them against their goal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest
from sandbox import require_slurm

pytestmark = pytest.mark.slurm

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import load_bench

    return load_bench


async def test_short_load_no_errors_and_polls_coalesced() -> None:
    require_slurm()
    bench = load_bench()
    cfg = bench.LoadConfig(clients=40, seconds=10, ws_share=0.5, think=0.5, refresh=2.0)
    result, _ = await bench.load_scenario(1000, cfg, log=False)
    table = "\n" + bench.format_table(result.rows())

    assert result.snapshot_jobs >= 1000, table
    assert result.error_count == 0, table
    assert result.requests >= cfg.http_clients * 5, table  # every HTTP client kept asking
    assert len(result.ws_deltas) == cfg.ws_clients, table
    # Refreshes every ~2 s from 20 clients: polls at the site minimum (5 s), never more.
    assert result.refreshes_sent >= cfg.ws_clients * 3, table
    assert 1 <= result.polls <= cfg.poll_allowance, table
    assert all(gap >= cfg.min_poll_interval - 1.0 for gap in result.poll_gaps), table
    # One delta per poll reaches every websocket client.
    assert min(result.ws_deltas) >= result.polls - 1, table
