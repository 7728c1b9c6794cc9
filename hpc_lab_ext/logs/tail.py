"""One shared watch per log file: however many browser tabs follow it, one stat every `interval`.

A follower asks "tell me when the file is no longer `size` bytes"; the first follower of a file
starts its watch, the last one to leave stops it. Watching is a stat of the path (not inotify,
which misses writes from other hosts on the shared filesystems where job output lives).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator


class Tail:
    def __init__(self, path: str, interval: float) -> None:
        self.path = path
        self.interval = interval
        self.followers = 0
        self._changed = asyncio.Event()
        self._size: int | None = None
        self._task: asyncio.Task[None] | None = None

    def _stat(self) -> int | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_size

    async def _watch(self) -> None:
        while self.followers > 0:
            size = await asyncio.to_thread(self._stat)
            if size != self._size:
                self._size = size
                self._changed.set()
                self._changed = asyncio.Event()
            await asyncio.sleep(self.interval)

    async def wait(self, size: int, timeout: float) -> None:
        """Return once the file's size differs from `size`, or after `timeout` seconds."""
        if self._size is not None and self._size != size:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch())
        deadline = asyncio.get_running_loop().time() + timeout
        while self._size is None or self._size == size:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)


class Tails:
    """The watches of every followed file, keyed by path."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self._tails: dict[str, Tail] = {}

    @contextlib.contextmanager
    def follow(self, path: str) -> Iterator[Tail]:
        tail = self._tails.get(path)
        if tail is None:
            tail = self._tails[path] = Tail(path, self.interval)
        tail.followers += 1
        try:
            yield tail
        finally:
            tail.followers -= 1
            if tail.followers == 0:
                self._tails.pop(path, None)

    def __len__(self) -> int:
        return len(self._tails)
