"""Shared pytest fixtures: a Jupyter server with the extension, on the local or the real Slurm backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sandbox
import sandbox_sge

pytest_plugins = ["pytest_jupyter.jupyter_server"]

# The tests run on a sandbox of their own (scripts/sandbox-slurm with HPC_SANDBOX_INSTANCE=test),
# so whatever the demo or a person has in the main sandbox is neither in their way nor touched.
sandbox.use_test_instance()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Jobs in the tests' sandbox are left by an interrupted run: cancel them before starting."""
    if sandbox.owns_sandbox() and (left := sandbox.live_jobs()):
        print(f"\ncancelling {len(left)} job(s) an earlier test run left in its sandbox: {left}")
        sandbox.cancel_all()
    sandbox_sge.use_test_instance()  # the tests' own Grid Engine instance likewise
    if sandbox_sge.owns_sandbox() and (left := sandbox_sge.live_jobs()):
        print(f"\ndeleting {len(left)} Grid Engine job(s) an earlier test run left in its sandbox: {left}")
        sandbox_sge.cancel_all()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every test cancels the jobs it submitted: a job still in the tests' sandbox fails the run."""
    if sandbox.owns_sandbox() and (left := sandbox.leftover_jobs()):
        print(f"\nFAILED: the tests left {len(left)} job(s) in the sandbox: {left}")
        sandbox.cancel_all()
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if sandbox_sge.owns_sandbox() and (left := sandbox_sge.leftover_jobs()):
        print(f"\nFAILED: the tests left {len(left)} job(s) in the Grid Engine sandbox: {left}")
        sandbox_sge.cancel_all()
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def hpc_backend() -> str:
    """Which backend the server under test uses; tests against the sandbox override this."""
    return "local"


@pytest.fixture
def jp_server_config(hpc_backend: str, tmp_path: Path) -> dict[str, Any]:
    """The server under test, with a cache of its own (cluster state, history record, log
    positions), not the home directory's that other tests and the demo share."""
    return {
        "ServerApp": {"jpserver_extensions": {"hpc_lab_ext": True}},
        "HPCLabApp": {
            "backend": hpc_backend,
            "poll_interval": 1.0,
            "min_poll_interval": 0.2,
            "cluster_dir": str(tmp_path / "cache" / "clusters"),
        },
    }


@pytest.fixture
def api(jp_fetch: Any) -> Any:
    """GET/POST on the extension's API; returns (status, json body) and never raises on 4xx/5xx."""

    async def call(path: str, method: str = "GET", body: Any = None, **params: str) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "raise_error": False, "params": params}
        if body is not None:
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
        response = await jp_fetch("hpc-lab-ext", "api", "v1", *path.split("/"), **kwargs)
        text = response.body.decode() if response.body else ""
        return response.code, (json.loads(text) if text else None)

    return call
