"""A window of a log file by byte offsets: never more than `limit` bytes read, whatever the size.

Pure decisions (where a window starts and ends, whether bytes look binary) are separate from the
one function that reads, so they are tested without files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: bytes read when a log is opened (its end) or a page is asked for without a limit
DEFAULT_LIMIT = 256 * 1024
#: the largest window a request may ask for
MAX_LIMIT = 1024 * 1024
#: share of control bytes, NULs and invalid UTF-8 above which a window is taken for binary
BINARY_SHARE = 0.1

_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\b\x1b")


@dataclass(frozen=True)
class Window:
    start: int  # byte offset of the first byte returned
    end: int  # byte offset after the last byte returned: the next read continues here
    size: int  # the file's size when read
    data: bytes
    reset: bool = False  # the asked-for offset was past the end: the file was truncated or replaced


def plan(size: int, *, offset: int | None, before: int | None, limit: int) -> tuple[int, int, bool, bool]:
    """(start, end, align, reset) of the window to read.

    `offset`: from there on (following); past the end means the file shrank, so the end is shown
    again. `before`: the page ending there (earlier lines). Neither: the file's end. `align`
    says the start is mid-file and should move to the next line's start.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    if offset is not None:
        if offset <= size:
            return offset, min(size, offset + limit), False, False
        start = max(0, size - limit)
        return start, size, start > 0, True
    end = size if before is None else max(0, min(before, size))
    start = max(0, end - limit)
    return start, end, start > 0, False


def align_to_line(data: bytes) -> int:
    """Bytes to skip so a window that starts mid-file starts at a line's beginning (none when
    the window holds no line break at all)."""
    newline = data.find(b"\n")
    return newline + 1 if 0 <= newline < len(data) - 1 else 0


def utf8_cut(data: bytes) -> int:
    """Length of `data` without an incomplete UTF-8 character at its end (read again next time)."""
    n = len(data)
    for back in range(1, min(4, n) + 1):
        byte = data[n - back]
        if byte < 0x80:
            return n  # ASCII: nothing incomplete
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return n if back >= need else n - back
    return n


def looks_binary(data: bytes) -> bool:
    """Whether bytes are not text a person reads: NULs, control bytes other than tabs, line
    breaks and terminal escapes, and invalid UTF-8 together above BINARY_SHARE."""
    if not data:
        return False
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS) + sample.count(0x7F)
    invalid = sample.decode("utf-8", errors="replace").count("\ufffd") - sample.decode(
        "utf-8", errors="ignore"
    ).count("\ufffd")
    return (controls + invalid) / len(sample) > BINARY_SHARE


def read_window(
    fd: int, size: int, *, offset: int | None = None, before: int | None = None, limit: int = DEFAULT_LIMIT
) -> Window:
    """Read the planned window of an open file with pread: at most `limit` bytes."""
    start, end, align, reset = plan(size, offset=offset, before=before, limit=limit)
    data = os.pread(fd, end - start, start) if end > start else b""
    end = start + len(data)  # the file may have shrunk since it was measured
    if align:
        skip = align_to_line(data)
        data = data[skip:]
        start += skip
    keep = utf8_cut(data)
    if keep < len(data) and (end < size or offset is not None):
        end -= len(data) - keep
        data = data[:keep]
    return Window(start=start, end=end, size=max(size, end), data=data, reset=reset)


def to_text(data: bytes) -> str:
    """Bytes as text for the browser: invalid UTF-8 replaced, NULs (holes of a sparse or
    truncated file) dropped."""
    return data.decode("utf-8", errors="replace").replace("\x00", "")
