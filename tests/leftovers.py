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
    for helpers, where in ((sandbox, "sandbox"), (sandbox_sge, "Grid Engine sandbox")):
        if not helpers.owns_sandbox():
            continue
        left = helpers.leftover_jobs()
        if left:
            print(f"FAILED: the tests left {len(left)} job(s) in the {where}:", *left, sep="\n  ")
            helpers.cancel_all()
            failed = True
        else:
            print(f"no jobs left in the tests' {where}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
