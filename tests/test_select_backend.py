"""Which backend `auto` picks from the commands on PATH (no scheduler needs to run)."""

from __future__ import annotations

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
) -> None:
    monkeypatch.setattr("hpc_lab_ext.scheduler.PyslurmBackend.available", staticmethod(lambda: False))
    commands(tmp_path, monkeypatch, *names)
    backend = select_backend("auto")
    assert type(backend) is kind, os.environ["PATH"]
    assert getattr(backend, "unsupported", None) == unsupported
