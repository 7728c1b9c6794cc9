"""Which backend `auto` picks from the commands on PATH (no scheduler needs to run)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from hpc_lab_ext.scheduler import LocalBackend, SgeBackend, SlurmBackend, select_backend


def commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """PATH holds only these (do-nothing) commands."""
    for name in names:
        path = tmp_path / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.parametrize(
    ("names", "kind", "unsupported"),
    [
        (("squeue", "sinfo", "qstat", "qhost", "qconf"), SlurmBackend, None),
        (("qstat", "qhost", "qconf"), SgeBackend, None),
        (("qstat", "pbsnodes"), LocalBackend, "PBS"),
        (("bjobs", "bhosts"), LocalBackend, "LSF"),
        ((), LocalBackend, None),
    ],
)
def test_auto_picks_by_the_commands_present(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...],
    kind: type,
    unsupported: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    reason = "pyslurm 25.11.2 does not match Slurm 22.05.8"
    monkeypatch.setattr(
        "hpc_lab_ext.scheduler.PyslurmBackend.unavailable_reason", staticmethod(lambda: reason)
    )
    commands(tmp_path, monkeypatch, *names)
    with caplog.at_level(logging.INFO, logger="hpc_lab_ext.scheduler"):
        backend = select_backend("auto")
    assert type(backend) is kind, os.environ["PATH"]
    assert getattr(backend, "unsupported", None) == unsupported
    if kind is not SlurmBackend:  # with Slurm's commands there, pyslurm is not even asked
        assert f"backend 'auto' does not use pyslurm: {reason}" in caplog.text
