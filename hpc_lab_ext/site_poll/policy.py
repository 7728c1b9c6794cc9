"""Reading the site's privacy settings from Slurm, again every few minutes."""

from __future__ import annotations

import logging
import time

from ..errors import HPCLabError
from ..runner import command_exists, run
from ..scheduler.base import SchedulerBackend
from .visibility import SitePolicy, parse_operators, parse_private_data

log = logging.getLogger(__name__)

ADMIN_LEVELS_ARGV = ("sacctmgr", "-n", "-P", "show", "user", "format=User,AdminLevel")


class PolicyReader:
    """The current `SitePolicy`, read at most every `every` seconds.

    Until it has been read once nobody but root is served jobs other than their own (the safe
    side); a failed read keeps the last policy.
    """

    def __init__(self, backend: SchedulerBackend, *, every: float = 300.0, timeout: float = 10.0) -> None:
        self.backend = backend
        self.every = every
        self.timeout = timeout
        self.policy = SitePolicy(private=frozenset({"jobs", "nodes", "partitions"}))
        self._read_at = float("-inf")
        self.known = False

    async def current(self) -> SitePolicy:
        if time.monotonic() - self._read_at >= self.every:
            self._read_at = time.monotonic()
            await self._read()
        return self.policy

    async def _read(self) -> None:
        reader = getattr(self.backend, "config", None)
        if reader is None:  # not Slurm: no PrivateData to honour
            self.policy, self.known = SitePolicy(), True
            return
        try:
            config = await reader()
        except HPCLabError as e:
            log.warning("site poll: could not read Slurm's configuration: %s", e.message)
            return
        levels = ""
        if config.get("AccountingStorageType", "").endswith("slurmdbd") and command_exists("sacctmgr"):
            result = await run(list(ADMIN_LEVELS_ARGV), timeout=self.timeout)
            if result.returncode == 0:
                levels = result.stdout
            else:
                log.warning("site poll: sacctmgr did not list admin levels: %s", result.stderr.strip())
        policy = SitePolicy(private=parse_private_data(config), operators=parse_operators(config, levels))
        if policy != self.policy or not self.known:
            log.info(
                "site poll: PrivateData=%s; operators: %s",
                ",".join(sorted(policy.private)) or "none",
                ", ".join(sorted(policy.operators)),
            )
        self.policy, self.known = policy, True
