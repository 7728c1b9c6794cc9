"""Fails (exit 1) when the tests left jobs in their sandboxes (Slurm, Grid Engine), after
cancelling them.

pytest checks this itself at the end of its session (conftest.py); the test command runs this
script again after the browser tests, whose servers submit worker jobs of their own.
"""

from __future__ import annotations

import sys

import sandbox
import sandbox_sge


def main() -> int:
    sandbox.use_test_instance()
    sandbox_sge.use_test_instance()
    failed = False
    if sandbox.owns_sandbox():
        left = sandbox.leftover_jobs()
        if left:
            print(f"FAILED: the tests left {len(left)} job(s) in the sandbox:", *left, sep="\n  ")
            sandbox.cancel_all()
            failed = True
        else:
            print("no jobs left in the tests' sandbox")
    if sandbox_sge.owns_sandbox():
        left = sandbox_sge.leftover_jobs()
        if left:
            print(f"FAILED: the tests left {len(left)} job(s) in the Grid Engine sandbox:", *left, sep="\n  ")
            sandbox_sge.cancel_all()
            failed = True
        else:
            print("no jobs left in the tests' Grid Engine sandbox")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
