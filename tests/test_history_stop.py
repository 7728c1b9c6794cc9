"""A server stopping while it records ended jobs: the batch being written is finished before its
record is closed (its thread wrote to a closed database when the recording was only cancelled)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, cast

from hpc_lab_ext.history.manager import HistoryManager
from hpc_lab_ext.history.store import OwnRecord
from hpc_lab_ext.models import Job
from hpc_lab_ext.scheduler.base import SchedulerBackend

ENDED = Job(
    id="7",
    name="train",
    user="alice",
    partition="debug",
    state="RUNNING",
    reason="",
    nodes="node1",
    node_count=1,
    cpus=1,
    memory_mb=1000,
    memory_per_cpu=False,
    gres="",
    submit_time=None,
    start_time=None,
    time_limit_s=60,
    elapsed_s=30,
)


class SlowRecord:
    """An own record whose writes take a while, and which refuses writes once closed."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.writing = threading.Event()
        self.closed = False

    def add(self, jobs: list[Any], ended: float | None = None) -> None:
        self.writing.set()
        time.sleep(0.3)
        if self.closed:
            raise RuntimeError("Cannot operate on a closed database.")
        self.events.append(f"added {[j.id for j in jobs]}")

    def known(self, job_id: str) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self.events.append("closed")


async def test_stop_waits_for_the_batch_being_written() -> None:
    record = SlowRecord()
    backend = cast(SchedulerBackend, object())  # no show_job: the queue's last row is recorded
    manager = HistoryManager(backend, None, "alice", cast(OwnRecord, record))
    manager._pending["7"] = ENDED
    manager._task = asyncio.get_running_loop().create_task(manager._record_pending())
    await asyncio.to_thread(record.writing.wait, 5)

    await manager.stop()

    assert record.events == ["added ['7']", "closed"]
    assert manager._task.done() and manager._task.exception() is None
