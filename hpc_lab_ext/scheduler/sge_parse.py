"""Parsers for Grid Engine's (SGE, Son of Grid Engine) XML output. Pure: text in, models out.

The queue comes from ``qstat -u '*' -r -pri -xml``: one ``job_list`` element per job, per running
array task and per range of pending array tasks in the same state. Hosts and queues are read in
sge_hosts.

Grid Engine's words are mapped onto the vocabulary the rest of the extension speaks (Slurm's):
qw -> PENDING, hqw -> PENDING with a hold reason, r -> RUNNING, s/S/T -> SUSPENDED, t ->
CONFIGURING, d... -> COMPLETING, Eqw -> PENDING with reason JobError. An array task is
``<job>_<task>`` and a range of pending tasks ``<job>_[<first>-<last>]`` (``:<step>`` when the
step is not 1), as Slurm writes them; job actions turn them back into ``<job>.<task>``.

qstat's XML escapes ``<`` in job names as ``%lt;`` (a Grid Engine bug); that is undone here, so
a job really named ``%lt;`` reads as ``<``: Grid Engine's output cannot tell the two apart.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from ..models import Job

log = logging.getLogger(__name__)

QSTAT_ARGV: tuple[str, ...] = ("qstat", "-u", "*", "-r", "-pri", "-xml")
#: Jobs with a user hold; other holds are an operator's or the system's, or a dependency.
USER_HOLDS_ARGV: tuple[str, ...] = ("qstat", "-u", "*", "-s", "hu", "-xml")

_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Characters XML 1.0 does not allow anywhere, not even as references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: What Grid Engine prints for "no value".
NO_VALUE = frozenset({"", "-", "NONE", "none", "UNDEFINED", "INFINITY", "infinity", "N/A"})
_MEMORY = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([kKmMgGtT]?)")
# Grid Engine: lower case multiplies by powers of 1000, upper case by powers of 1024.
_MEMORY_BYTES = {
    "": 1, "k": 1e3, "K": 2**10, "m": 1e6, "M": 2**20, "g": 1e9, "G": 2**30, "t": 1e12, "T": 2**40,
}  # fmt: skip
_MEMORY_REQUESTS = ("h_vmem", "mem_free", "virtual_free", "h_rss", "s_vmem", "mem")
_GPU_REQUESTS = ("gpu", "gpus", "cuda")


def parse_xml(text: str) -> ET.Element:
    """The root element of a command's XML output; ValueError when malformed or when it declares a
    DTD or entities (nothing Grid Engine prints does; refusing them rules out entity expansion).
    Characters XML forbids are replaced by U+FFFD first, so one odd name cannot hide the queue."""
    if _DECLARATION.search(text):
        raise ValueError("XML with a DTD or entity declarations is refused")
    try:
        # Safe without defusedxml: entities can only be declared inside a DOCTYPE, refused above.
        return ET.fromstring(_NOT_XML.sub("\ufffd", text))  # noqa: S314
    except ET.ParseError as e:
        raise ValueError(f"malformed XML: {e}") from None


def parse_duration(text: str) -> int | None:
    """Seconds in a Grid Engine time: ``3600``, ``0:30:00``, ``24:00:00``, ``1:0:0:0`` (days first),
    ``::30``; None for INFINITY, NONE or empty. Anything else raises ValueError."""
    text = text.strip()
    if text in NO_VALUE:
        return None
    parts = text.split(":")
    if len(parts) > 4 or not all(p.isdigit() or p == "" for p in parts) or not any(parts):
        raise ValueError(f"not a Grid Engine time: {text!r}")
    seconds = 0
    for part, scale in zip(reversed(parts), (1, 60, 3600, 86400), strict=False):
        seconds += int(part or 0) * scale
    return seconds


def parse_memory_mb(text: str) -> int | None:
    """Megabytes (MiB) in ``2G``, ``938.6M``, ``4096m``, ``1.5g``, ``0.0``; None for ``-`` or NONE."""
    text = text.strip()
    if text in NO_VALUE:
        return None
    m = _MEMORY.fullmatch(text)
    if not m:
        raise ValueError(f"not a memory size: {text!r}")
    return round(float(m.group(1)) * _MEMORY_BYTES[m.group(2)] / 2**20)


def parse_time(text: str | None) -> str | None:
    """An ISO 8601 time as qstat -xml prints it (``2026-11-29T18:13:27``), or None when absent."""
    if text is None or not text.strip():
        return None
    datetime.fromisoformat(text.strip())  # ValueError when it is not one
    return text.strip()


def unescape_name(text: str) -> str:
    return text.replace("%lt;", "<")


def _text(element: ET.Element, tag: str) -> str | None:
    child = element.find(tag)
    return None if child is None else (child.text or "")


# ---- jobs --------------------------------------------------------------------------------------


def _state(letters: str) -> str:
    if "d" in letters:
        return "COMPLETING"
    if "r" in letters or "t" in letters:
        if any(c in letters for c in "sST"):
            return "SUSPENDED"
        return "CONFIGURING" if "t" in letters else "RUNNING"
    if any(c in letters for c in "sST"):
        return "SUSPENDED"
    return "PENDING"


_TASKS = re.compile(r"(\d+)(?:-(\d+)(?::(\d+))?)?")


def _task_range(tasks: str) -> str:
    """Grid Engine's task list the way Slurm writes one: ``3-6:1`` -> ``3-6``, ``1,2,4,5`` ->
    ``1-2,4-5``, ``1-9:2`` and ``1,3`` stay. ValueError for anything else."""
    pieces: list[tuple[int, int, int]] = []
    for part in tasks.split(","):
        m = _TASKS.fullmatch(part.strip())
        if not m:
            raise ValueError(f"bad task list {tasks!r}")
        first, last, step = int(m.group(1)), int(m.group(2) or m.group(1)), int(m.group(3) or 1)
        if first == last or step == 1:
            if pieces and pieces[-1][2] == 1 and pieces[-1][1] + 1 == first:
                pieces[-1] = (pieces[-1][0], last, 1)
                continue
            step = 1
        pieces.append((first, last, step))
    return ",".join(
        str(a) if a == b else f"{a}-{b}" if step == 1 else f"{a}-{b}:{step}" for a, b, step in pieces
    )


def _ids(number: str, tasks: str | None) -> tuple[str, str | None, str | None]:
    """(id, array_job_id, array_task_id) of one job_list element."""
    if not tasks:
        return number, None, None
    task = _task_range(tasks)
    if task.isdigit():
        return f"{number}_{task}", number, task
    return f"{number}_[{task}]", number, task


def _requests(element: ET.Element) -> dict[str, str]:
    return {r.get("name", ""): (r.text or "").strip() for r in element.findall("hard_request")}


def _memory_request(requests: dict[str, str]) -> int | None:
    for name in _MEMORY_REQUESTS:
        if name in requests:
            return parse_memory_mb(requests[name])
    return None


def _gpus(requests: dict[str, str]) -> str:
    for name in _GPU_REQUESTS:
        if name in requests:
            count = requests[name].split(".")[0] or "1"
            return f"gpu:{count}"
    return ""


def _predecessors(element: ET.Element) -> set[str]:
    tags = ("predecessor_jobs", "predecessor_jobs_req", "ad_predecessor_jobs", "ad_predecessor_jobs_req")
    return {(e.text or "").strip() for tag in tags for e in element.findall(tag)} - {""}


@dataclass(frozen=True)
class _Listing:
    """What the whole listing tells about each element: which jobs are still queued (for
    dependencies) and which are held by their user (None: not asked)."""

    queued: frozenset[str]
    user_held: frozenset[tuple[str, str]] | None
    now: datetime

    def held_by_user(self, key: tuple[str, str]) -> bool:
        """By (job number, tasks); failing that, by job number alone (ranges may be cut apart
        differently between the two listings)."""
        held = self.user_held
        return held is not None and (key in held or any(number == key[0] for number, _ in held))


def _reason(element: ET.Element, letters: str, key: tuple[str, str], listing: _Listing) -> str:
    if "E" in letters:
        return "JobError"
    if "h" not in letters:
        return ""
    if listing.user_held is not None and key in listing.user_held:
        return "JobHeldUser"
    if _predecessors(element) & listing.queued:
        return "Dependency"
    if listing.user_held is None or listing.held_by_user(key):
        return "JobHeldUser"
    return "JobHeldAdmin"


def _elapsed(start: str | None, now: datetime) -> int:
    if start is None:
        return 0
    return max(0, int((now - datetime.fromisoformat(start)).total_seconds()))


def _job(element: ET.Element, listing: _Listing) -> Job:
    number = (_text(element, "JB_job_number") or "").strip()
    if not number.isdigit():
        raise ValueError(f"bad job number {number!r}")
    tasks = (_text(element, "tasks") or "").strip() or None
    job_id, array_job_id, array_task_id = _ids(number, tasks)
    letters = (_text(element, "state") or "").strip()
    queue_name = (_text(element, "queue_name") or "").strip()
    queue, _, host = queue_name.partition("@")
    state = _state(letters)
    requests = _requests(element)
    memory_mb = _memory_request(requests)
    start = parse_time(_text(element, "JAT_start_time")) if host else None
    name = _text(element, "full_job_name")
    priority = (_text(element, "JB_priority") or "").strip()
    return Job(
        id=job_id,
        name=unescape_name(name if name is not None else _text(element, "JB_name") or ""),
        user=(_text(element, "JB_owner") or "").strip(),
        partition=queue or ",".join((e.text or "").strip() for e in element.findall("hard_req_queue")),
        state=state,
        # A hold on a running job only matters if it is requeued: not a reason to show.
        reason=_reason(element, letters, (number, tasks or ""), listing) if state == "PENDING" else "",
        nodes=host,
        node_count=1,
        cpus=int((_text(element, "slots") or "1").strip()),
        memory_mb=memory_mb,
        memory_per_cpu=memory_mb is not None,  # Grid Engine's requests are per slot
        gres=_gpus(requests),
        submit_time=parse_time(_text(element, "JB_submission_time")),
        start_time=start,
        time_limit_s=parse_duration(requests.get("h_rt", "")),
        elapsed_s=_elapsed(start, listing.now),
        priority=int(priority) if re.fullmatch(r"-?\d+", priority) else None,
        array_job_id=array_job_id,
        array_task_id=array_task_id,
    )


def held_keys(text: str) -> set[tuple[str, str]]:
    """(job number, tasks or "") of each element in the output of USER_HOLDS_ARGV."""
    root = parse_xml(text)
    return {
        ((_text(e, "JB_job_number") or "").strip(), (_text(e, "tasks") or "").strip())
        for e in root.iter("job_list")
    }


def parse_qstat(text: str, now: datetime, user_held: set[tuple[str, str]] | None = None) -> list[Job]:
    """Jobs in the output of QSTAT_ARGV; elements that do not parse are logged and skipped.

    `now` is the scheduler host's local time (elapsed time of running jobs). `user_held`, from
    held_keys(), tells user holds from an operator's: without it every hold reads JobHeldUser.
    Raises ValueError when the text is not XML at all.
    """
    elements = list(parse_xml(text).iter("job_list"))
    queued = frozenset((_text(e, "JB_job_number") or "").strip() for e in elements)
    held = frozenset(user_held) if user_held is not None else None
    listing = _Listing(queued=queued, user_held=held, now=now)
    jobs: list[Job] = []
    for index, element in enumerate(elements, start=1):
        try:
            jobs.append(_job(element, listing))
        except (ValueError, TypeError) as e:
            log.warning("qstat job element %d skipped: %s", index, e)
    return jobs
