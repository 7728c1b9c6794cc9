"""What a cluster's workers run with, and how they are started.

- the notebook's Python (`kernel_python`, `check_python`): workers must import what the notebook
  does, so they run its interpreter, checked to have `distributed` before any job is submitted;
- the cluster's TLS credentials (`make_security`), as files only the user can read;
- `start_cluster`: a dask-jobqueue cluster for the profile's scheduler (Slurm, Grid Engine, PBS
  or LSF; see jobqueue_classes) whose commands go through runner.run, or a LocalCluster.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BadRequest, SchedulerUnavailable
from ..runner import run
from .jobqueue_classes import HpcSlurmCluster, jobqueue_cluster
from .profiles import Profile, memory_bytes

log = logging.getLogger(__name__)

__all__ = [
    "HpcSlurmCluster",
    "check_python",
    "credential_paths",
    "kernel_python",
    "make_security",
    "start_cluster",
]

_PYTHON_NAME = re.compile(r"python(?:\d+(?:\.\d+)*)?")
# Prints the interpreter as the worker jobs will see it, then its distributed version.
_CHECK = "import distributed, sys; print(sys.executable); print(distributed.__version__)"


def kernel_python(kernelspec_argv: Sequence[str]) -> str:
    """The absolute path of the Python a kernelspec runs (its argv[0]), looked up on PATH if bare.

    Symlinks are kept: a virtualenv's bin/python must stay that path to find its packages.
    """
    exe = kernelspec_argv[0] if kernelspec_argv else None
    if not isinstance(exe, str) or not exe:
        raise BadRequest("the kernel has no command to run")
    if not _PYTHON_NAME.fullmatch(os.path.basename(exe)):
        raise BadRequest(
            f"the kernel runs {os.path.basename(exe)[:60]!r}, not Python; Dask workers need a Python "
            "kernel (or give the Python to use explicitly)"
        )
    if os.sep not in exe:
        found = shutil.which(exe)
        if found is None:
            raise BadRequest(f"the kernel's {exe!r} is not on the server's PATH")
        exe = found
    return os.path.abspath(exe)


def _check_executable(path: object) -> None:
    if not isinstance(path, str) or not os.path.isabs(path):
        raise BadRequest(f"python must be an absolute path, not {str(path)[:200]!r}")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise BadRequest(f"{path} is not an executable file")


async def check_python(path: str, timeout: float = 60.0) -> str:
    """`path`'s sys.executable when that Python can import distributed; BadRequest otherwise."""
    _check_executable(path)
    try:
        result = await run([path, "-c", _CHECK], timeout=timeout)
    except SchedulerUnavailable as e:  # the runner's word for "did not start / did not answer"
        raise BadRequest(f"{path} could not be checked: {e.message}") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        last = lines[-1] if lines else f"exit status {result.returncode}"
        if "No module named" in last:
            raise BadRequest(
                f"the environment of {path} lacks Dask ({last}); install 'distributed' there "
                "(e.g. pip install 'dask[distributed]') to run workers with it"
            )
        raise BadRequest(f"{path} failed to import distributed: {last[:300]}")
    out = result.stdout.strip().splitlines()
    if len(out) < 2 or not os.path.isabs(out[-2]):
        raise BadRequest(f"{path} did not report its interpreter")
    executable, version = out[-2], out[-1]
    ours = importlib.metadata.version("distributed")
    if version.split(".")[:2] != ours.split(".")[:2]:
        log.warning(
            "%s has distributed %s but the server runs %s: workers may fail to talk to the scheduler",
            executable,
            version,
            ours,
        )
    return executable


def credential_paths(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) of a cluster's TLS credentials; the certificate is also its CA."""
    return directory / "tls-cert.pem", directory / "tls-key.pem"


def make_security(directory: Path) -> Any:
    """New credentials from `Security.temporary()` written to `directory` (mode 0600), and a
    `distributed.Security` using those files for every role: scheduler, workers and clients.

    As files they reach worker jobs on a shared file system and a notebook's Client without the
    key ever appearing on a command line or in a job script.
    """
    from distributed.security import Security

    made = Security.temporary()  # type: ignore[no-untyped-call]
    cert, key = credential_paths(directory)
    for path, text in ((cert, made.tls_client_cert), (key, made.tls_client_key)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    roles = {
        f"tls_{role}_{kind}": str(path)
        for role in ("client", "scheduler", "worker")
        for kind, path in (("cert", cert), ("key", key))
    }
    return Security(tls_ca_file=str(cert), require_encryption=True, **roles)  # type: ignore[no-untyped-call]


async def start_cluster(
    profile: Profile,
    tag: str,
    python: str,
    directory: Path,
    *,
    interface: str | None = None,
    local_directory: str | None = None,
) -> Any:
    """A started cluster for a resolved profile; `directory` gets its credentials and job logs."""
    p = profile
    security = make_security(directory)
    cluster: Any
    if p.scheduler == "local":
        from distributed import LocalCluster

        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            name=tag,
            n_workers=0,
            processes=True,
            threads_per_worker=p.cores // p.processes,
            memory_limit=memory_bytes(p.memory) // p.processes,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            security=security,
            protocol="tls://",
            asynchronous=True,
            silence_logs=False,
        )
    else:
        cluster = jobqueue_cluster(
            p, tag, python, directory, security=security, interface=interface, local_directory=local_directory
        )
    try:
        await cluster
    except BaseException:
        with contextlib.suppress(Exception):
            await cluster.close()
        raise
    return cluster
