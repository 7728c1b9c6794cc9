"""Where a Grid Engine job's output goes, from ``qstat -j <id>``. Pure functions, no I/O.

Grid Engine writes stdout to ``-o`` (``stdout_path_list``, ``[host:]path`` entries) and stderr to
``-e``, or with ``-j y`` (``merge: y``) both to ``-o``. Without them the files are
``<job name>.o<job id>`` and ``.e<job id>`` (``.<task id>`` added for an array task) in the job's
working directory (``cwd``, from ``-cwd``/``-wd``), else its owner's home. A relative path is
under that same directory. The pseudo variables ``$HOME $USER $JOB_ID $JOB_NAME $HOSTNAME
$TASK_ID`` are expanded as the execution daemon does. A path that names a directory gets the
default file name inside it: that needs a look at the filesystem, so paths ending in ``/`` only.
"""

from __future__ import annotations

import re

from .paths import JobOutput

_VAR = re.compile(r"\$(HOME|USER|JOB_ID|JOB_NAME|HOSTNAME|TASK_ID)\b")


def parse_qstat_j(text: str) -> dict[str, str]:
    """``key: value`` lines of ``qstat -j`` (the first of each key)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    return fields


def _path_of(entry_list: str) -> str:
    """The path of the first ``[host:]path`` entry ("NONE:NONE:/x" in 8.1.9 is host-less)."""
    entry = entry_list.split(",", maxsplit=1)[0].strip()
    slash = entry.find("/")
    if slash >= 0:
        return entry[slash:]
    return entry.rsplit(":", 1)[-1]


def _expand(raw: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda m: values[m.group(1)], raw)


def _candidates(
    raw: str | None, kind: str, *, fields: dict[str, str], job_id: str, task: str, hostnames: tuple[str, ...]
) -> tuple[str, ...]:
    name = fields.get("job_name", "")
    home = fields.get("sge_o_home", "")
    base_dir = fields.get("cwd") or home
    default = f"{name}.{kind}{job_id}" + (f".{task}" if task else "")
    if raw is None:
        return (f"{base_dir.rstrip('/')}/{default}",)
    if raw == "/dev/null":
        return ()
    paths: list[str] = []
    for host in hostnames or ("",):
        values = {
            "HOME": home,
            "USER": fields.get("owner", ""),
            "JOB_ID": job_id,
            "JOB_NAME": name,
            "HOSTNAME": host,
            "TASK_ID": task or "undefined",
        }
        path = _expand(raw, values)
        if not path.startswith("/"):
            path = f"{base_dir.rstrip('/')}/{path}"
        if path.endswith("/"):
            path += default
        if path not in paths:
            paths.append(path)
        if "$HOSTNAME" not in raw:
            break
    return tuple(paths)


def parse_sge_job_output(text: str, job_id: str, hostnames: tuple[str, ...] = ()) -> JobOutput | None:
    """The output files of `job_id` (``123`` or an array task ``123_4``) in ``qstat -j`` output;
    None when it is not that job. `hostnames` are tried for ``$HOSTNAME``."""
    fields = parse_qstat_j(text)
    base, _, task = job_id.partition("_")
    if fields.get("job_number") != base:
        return None
    stdout_raw = _path_of(fields["stdout_path_list"]) if "stdout_path_list" in fields else None
    stderr_raw = _path_of(fields["stderr_path_list"]) if "stderr_path_list" in fields else None
    stdout = _candidates(stdout_raw, "o", fields=fields, job_id=base, task=task, hostnames=hostnames)
    merged = fields.get("merge", "n").lower().startswith("y")
    stderr = (
        stdout
        if merged
        else _candidates(stderr_raw, "e", fields=fields, job_id=base, task=task, hostnames=hostnames)
    )
    running = any(k.startswith("usage") for k in fields)
    uid = fields.get("uid", "")
    return JobOutput(
        job_id=job_id,
        user=fields.get("owner", ""),
        uid=int(uid) if uid.isdigit() else None,
        state="RUNNING" if running else "PENDING",
        stdout=stdout,
        stderr=stderr,
        workdir=fields.get("cwd") or fields.get("sge_o_home", ""),
    )
