"""What a cluster runs with.

- the notebook's Python (`kernel_python`, `check_python`): the cluster's supervisor, its Dask
  scheduler and its workers must import what the notebook does, so they all run its interpreter,
  checked to have `distributed` (and dask-jobqueue, for batch schedulers) before anything starts;
- the cluster's TLS credentials (`make_security`), as files only the user can read.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import BadRequest, SchedulerUnavailable
from ..runner import run

log = logging.getLogger(__name__)

__all__ = ["check_python", "credential_paths", "kernel_python", "make_security"]

_PYTHON_NAME = re.compile(r"python(?:\d+(?:\.\d+)*)?")
# Prints the interpreter as the worker jobs will see it, then its distributed version.
_CHECK = "import distributed, sys; print(sys.executable); print(distributed.__version__)"
_CHECK_JOBQUEUE = _CHECK.replace("import distributed,", "import distributed, dask_jobqueue,")


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


async def check_python(path: str, timeout: float = 60.0, *, jobqueue: bool = True) -> str:
    """`path`'s sys.executable when that Python can import distributed (and dask_jobqueue, for a
    batch scheduler's cluster); BadRequest otherwise."""
    _check_executable(path)
    try:
        result = await run([path, "-c", _CHECK_JOBQUEUE if jobqueue else _CHECK], timeout=timeout)
    except SchedulerUnavailable as e:  # the runner's word for "did not start / did not answer"
        raise BadRequest(f"{path} could not be checked: {e.message}") from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        last = lines[-1] if lines else f"exit status {result.returncode}"
        if "No module named 'dask_jobqueue'" in last:
            raise BadRequest(
                f"the environment of {path} lacks dask-jobqueue ({last}); install it there "
                "(e.g. pip install dask-jobqueue): the cluster's scheduler runs in that environment"
            )
        if "No module named" in last:
            raise BadRequest(
                f"the environment of {path} lacks Dask ({last}); install 'distributed' there "
                "(e.g. pip install 'dask[distributed]') to run workers with it"
            )
        raise BadRequest(f"{path} failed to import distributed: {last[:300]}")
    out = result.stdout.strip().splitlines()
    if len(out) < 2 or not os.path.isabs(out[-2]):
        raise BadRequest(f"{path} did not report its interpreter")
    executable = out[-2]
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
