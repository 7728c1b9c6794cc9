"""Fails (exit 1) when the tests left jobs in their sandbox, after cancelling them.

pytest checks this itself at the end of its session (conftest.py); the test command runs this
script again after the browser tests, whose servers submit worker jobs of their own.
"""

from __future__ import annotations

import sys

import sandbox


def main() -> int:
    sandbox.use_test_instance()
    if not sandbox.owns_sandbox():
        return 0
    left = sandbox.leftover_jobs()
    if not left:
        print("no jobs left in the tests' sandbox")
        return 0
    print(f"FAILED: the tests left {len(left)} job(s) in the sandbox:", *left, sep="\n  ")
    sandbox.cancel_all()
    return 1


if __name__ == "__main__":
    sys.exit(main())
