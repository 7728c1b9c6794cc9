"""What one person may see of the site's snapshot: Slurm's PrivateData, as a pure function.

Slurm (slurmctld's job_mgr.c, `_hide_job_user_rec`) hides another user's job from a requester
when PrivateData includes ``jobs``, unless the requester is an operator (root, SlurmUser, or a
user with AdminLevel Operator or Admin in accounting) or a coordinator of the job's account.
The queue rows here carry no account, so coordinators are treated as plain users: they see their
own jobs only, which hides more than Slurm would and never shows more. ``nodes`` in PrivateData
hides node state from plain users. ``partitions`` hides the partitions a user may not use
(AllowGroups, AllowAccounts), which the snapshot does not record: such a site's plain users are
not served (`served`), and their servers poll for themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..models import Snapshot


@dataclass(frozen=True)
class SitePolicy:
    """What the controller hides, and from whom: read from Slurm by `policy.py`."""

    private: frozenset[str] = frozenset()  # PrivateData's words, lower case: jobs, nodes, ...
    operators: frozenset[str] = frozenset({"root"})  # users Slurm shows everything to

    @property
    def private_jobs(self) -> bool:
        return "jobs" in self.private

    def sees_all(self, user: str) -> bool:
        return user in self.operators

    def served(self, user: str) -> bool:
        """Whether the service can show `user` exactly what Slurm would."""
        return "partitions" not in self.private or self.sees_all(user)

    def view_key(self, user: str) -> str:
        """Callers with the same key see the same snapshot (one serialization each)."""
        if not self.private & {"jobs", "nodes"} or self.sees_all(user):
            return "*"
        return f"user:{user}"


def parse_private_data(config: Mapping[str, str]) -> frozenset[str]:
    """PrivateData from `scontrol show config` ("jobs,usage,users", "none", or absent)."""
    words = {w.strip().lower() for w in config.get("PrivateData", "").split(",")}
    return frozenset(w for w in words if w and w not in ("none", "(null)"))


def parse_operators(config: Mapping[str, str], admin_levels: str = "") -> frozenset[str]:
    """root, SlurmUser, and the users `sacctmgr -n -P show user format=User,AdminLevel` lists as
    Operator or Administrator (one "name|level" per line; empty without accounting)."""
    found = {"root"}
    slurm_user = config.get("SlurmUser", "").split("(")[0].strip()
    if slurm_user:
        found.add(slurm_user)
    for line in admin_levels.splitlines():
        name, _, level = line.strip().partition("|")
        if name and level.strip().lower() in ("operator", "administrator", "admin"):
            found.add(name.strip())
    return frozenset(found)


Ended = tuple[tuple[str, str], ...]  # (job id, user) of jobs Slurm lists as ended


def visible_ended(ended: Ended, user: str, policy: SitePolicy) -> Ended:
    """The ended jobs Slurm still lists that `user` may see listed."""
    if not policy.private_jobs or policy.sees_all(user):
        return ended
    return tuple(pair for pair in ended if pair[1] == user)


def visible_snapshot(snapshot: Snapshot, user: str, policy: SitePolicy) -> Snapshot:
    """The snapshot as `user` may see it: every job, or only theirs under PrivateData=jobs."""
    if policy.view_key(user) == "*":
        return snapshot
    jobs = snapshot.jobs
    if policy.private_jobs:
        jobs = tuple(job for job in jobs if job.user == user)
    nodes = () if "nodes" in policy.private else snapshot.nodes
    return replace(snapshot, jobs=jobs, nodes=nodes)
