"""Where a job's standard output and error go, as the scheduler says. Pure functions, no I/O.

Slurm is asked with ``scontrol -o show job <id>``: one line per job (an array's base id gives one
line per task) of ``Key=value`` pairs. Values may hold spaces (a job name, a path), so a line is
split only before the keys scontrol prints, and the paths (printed last) are taken from the end.
scontrol expands most of sbatch's filename patterns itself (22.05: ``%j %A %a %x %u``), never the
node-dependent ones (``%N``), and other releases expand fewer, so whatever it leaves is expanded
here the way slurmd does when it creates the file.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

#: scontrol's "no value" words
_NONE = frozenset({"", "(null)", "N/A", "None", "4294967294", "4294967295"})

#: every key scontrol show job prints that may follow a space inside the line
_KEY = re.compile(r" (?=[A-Za-z][A-Za-z0-9_:/]*=)")
_NAME = re.compile(
    r"JobId=\S+ (?:ArrayJobId=\S+ ArrayTaskId=\S+ |HetJobId=\S+ HetJobOffset=\S+ )?"
    r"JobName=(.*?) (?:HetJobIdSet=\S+ )?UserId=(\S*?\(\d+\)) GroupId="
)
_PATHS = re.compile(r" WorkDir=(.*?) StdErr=(.*?) StdIn=(.*?) StdOut=(.*?)(?: Power=\S*)? *$")
_PATTERN = re.compile(r"%(\d*)([%AaBbJjNnstux])")


@dataclass(frozen=True)
class JobOutput:
    """A job's output files as the scheduler reports them (patterns expanded where possible)."""

    job_id: str  # as asked: 123, 123_4, 123+1
    user: str
    uid: int | None
    state: str  # upper case scheduler word: PENDING, RUNNING, COMPLETED, ...
    stdout: tuple[str, ...]  # candidate paths, most likely first; empty when none (e.g. /dev/null)
    stderr: tuple[str, ...]
    workdir: str = ""

    @property
    def started(self) -> bool:
        return self.state not in ("PENDING", "REQUEUED", "REQUEUE_HOLD", "SUSPENDED_PENDING")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["stdout"] = list(self.stdout)
        data["stderr"] = list(self.stderr)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobOutput:
        return cls(
            job_id=str(data["job_id"]),
            user=str(data["user"]),
            uid=data.get("uid") if isinstance(data.get("uid"), int) else None,
            state=str(data.get("state", "")),
            stdout=tuple(str(p) for p in data.get("stdout", ())),
            stderr=tuple(str(p) for p in data.get("stderr", ())),
            workdir=str(data.get("workdir", "")),
        )


def parse_show_job_line(line: str) -> dict[str, str]:
    """One ``scontrol -o show job`` line as Key -> value.

    Free text (the job name, the paths, which may hold the name through ``%x``) can contain
    `` Key=``, so those fields are read by their fixed places: the name between ``JobName=`` and
    the first ``UserId=user(uid) GroupId=``; the directory and paths from the first ``WorkDir=``
    after ``Contiguous=`` (a number, after the name), each up to the next key of that sequence.
    Every other key is its first occurrence.
    """
    line = line.strip()
    fields: dict[str, str] = {}
    for part in _KEY.split(line):
        key, sep, value = part.partition("=")
        if sep and key not in fields:
            fields[key] = value
    m = _NAME.match(line)
    if m:
        fields["JobName"] = m.group(1)
        fields["UserId"] = m.group(2)
    anchor = line.find(" Contiguous=")
    m = _PATHS.search(line, anchor if anchor >= 0 else 0)
    if m:
        fields.update(WorkDir=m.group(1), StdErr=m.group(2), StdIn=m.group(3), StdOut=m.group(4))
    return fields


def _user(text: str) -> tuple[str, int | None]:
    """ "alice(1001)" -> ("alice", 1001)."""
    m = re.fullmatch(r"(.*?)\((\d+)\)", text)
    if m:
        return m.group(1), int(m.group(2))
    return text, None


def matches_job(fields: dict[str, str], job_id: str) -> bool:
    if "_" in job_id:
        base, task = job_id.split("_", 1)
        return fields.get("ArrayJobId") == base and fields.get("ArrayTaskId") == task
    if "+" in job_id:
        base, offset = job_id.split("+", 1)
        return fields.get("HetJobId") == base and fields.get("HetJobOffset") == offset
    return fields.get("JobId") == job_id


def expand_pattern(pattern: str, fields: dict[str, str], node: str) -> str:
    """A filename pattern with slurmd's substitutions (``%j``, ``%A``, ``%a``, ``%x``, ``%u``,
    ``%N``, ...) made, zero-padded where a width is given (``%4a``). A backslash anywhere turns
    substitution off, as in sbatch."""
    if "\\" in pattern:
        return pattern.replace("\\", "")
    job_id = fields.get("JobId", "")
    array_job = fields.get("ArrayJobId", "")
    task = fields.get("ArrayTaskId", "")
    if task in _NONE or not task.isdigit():
        task = "4294967294"  # what slurmd writes for %a outside an array
    values = {
        "%": "%",
        "A": array_job if array_job not in _NONE else job_id,
        "a": task,
        "b": str(int(task) % 10),
        # jobid.stepid, but the batch step's files are named for the job alone (slurmstepd)
        "J": job_id,
        "j": job_id,
        "N": node,
        "n": "0",
        "s": "batch",
        "t": "0",
        "u": _user(fields.get("UserId", ""))[0],
        "x": fields.get("JobName", ""),
    }

    def substitute(m: re.Match[str]) -> str:
        width, code = m.group(1), m.group(2)
        value = values.get(code, m.group(0))
        if width and value.isdigit() and code in "AajJbnst":
            return value.zfill(min(int(width), 10))
        return value

    return _PATTERN.sub(substitute, pattern)


def _candidates(raw: str, fields: dict[str, str], hostnames: tuple[str, ...]) -> tuple[str, ...]:
    if raw in _NONE or raw == "/dev/null":
        return ()
    nodes = [fields.get("BatchHost", ""), *hostnames]
    nodes = [n for n in nodes if n and n not in _NONE]
    paths: list[str] = []
    for node in nodes or [""]:
        path = expand_pattern(raw, fields, node)
        if not path.startswith("/"):
            workdir = fields.get("WorkDir", "")
            path = f"{workdir.rstrip('/')}/{path}" if workdir not in _NONE else path
        if path not in paths:
            paths.append(path)
        if "%" not in raw or not re.search(r"%\d*N", raw):
            break  # no node in the name: one candidate
    return tuple(paths)


def parse_job_output(text: str, job_id: str, hostnames: tuple[str, ...] = ()) -> JobOutput | None:
    """The output files of `job_id` in ``scontrol -o show job <id>`` output; None when no line
    is that job. `hostnames` are tried for ``%N`` after the job's batch host (slurmd expands
    ``%N`` with its host's short name, which is the node name on most sites)."""
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = parse_show_job_line(line)
        if not matches_job(fields, job_id):
            continue
        user, uid = _user(fields.get("UserId", ""))
        stdout = fields.get("StdOut", "")
        stderr = fields.get("StdErr", "")
        return JobOutput(
            job_id=job_id,
            user=user,
            uid=uid,
            state=fields.get("JobState", "").upper(),
            stdout=_candidates(stdout, fields, hostnames),
            stderr=_candidates(stderr or stdout, fields, hostnames),
            workdir=fields.get("WorkDir", "") if fields.get("WorkDir", "") not in _NONE else "",
        )
    return None
