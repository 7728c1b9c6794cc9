"""Worker shapes worth asking the scheduler about, and the bounds administrators put on them.

"Be like sand": many small, short jobs fit the gaps in a busy schedule and start now, where a few
big, long ones wait. From the profile's own shape and what it leaves open, these pure functions
list the variations that could start sooner:

- the "sand" shape: the same total cores as smaller workers with the shortest walltime allowed, in
  a partition whose free cores (in the live snapshot) hold them all now;
- a shorter walltime (walltime-aware rotation replaces workers before their limit, so a short
  limit costs the session nothing);
- half the cores per worker, twice the workers;
- every other partition the profile and the administrator allow, fitted to its MaxTime.

Administrators bound what may be suggested (AdvicePolicy): the shortest walltime, the fewest cores
per worker, and the partitions suggestions may use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..models import Node, Partition
from .gaps import usable

SHORTER_S = (3600, 1800, 900)  # walltimes worth trying, when shorter than the profile's
MAX_SHAPES = 7


@dataclass(frozen=True)
class Shape:
    """One worker job: what it asks the scheduler for."""

    partition: str
    cores: int
    memory_mb: int
    walltime_s: int
    gres: str = ""

    def argv(self, tasks: int) -> list[str]:
        """sbatch --test-only for `tasks` such jobs starting together (one job of `tasks` tasks)."""
        argv = [
            "sbatch", "--test-only", "--parsable", "--output=/dev/null", "--chdir=/tmp",
            f"--partition={self.partition}", f"--ntasks={tasks}", f"--cpus-per-task={self.cores}",
            f"--mem-per-cpu={max(1, -(-self.memory_mb // self.cores))}M",
            f"--time={max(1, self.walltime_s // 60)}",
        ]  # fmt: skip
        if self.gres:
            argv.append(f"--gres={self.gres}")
        return [*argv, "--wrap=true"]


@dataclass(frozen=True)
class Candidate:
    shape: Shape
    #: what to send as "overrides" to get this shape from the profile ({} for the profile's own)
    overrides: dict[str, Any]
    #: how many worker jobs give the capacity asked for with this shape
    jobs: int
    #: why it is suggested, for people: "smaller, shorter workers fit the free cores in debug now"
    why: str = ""


_POLICY_KEYS = {"min_walltime", "min_cores", "partitions", "patience_min_after", "patience_max_tries"}


@dataclass(frozen=True)
class AdvicePolicy:
    """What the advisor may suggest, and how patient resubmission may be (set by administrators)."""

    min_walltime_s: int = 900
    min_cores: int = 1
    partitions: tuple[str, ...] = ()  # () = whatever each profile allows
    patience_min_after_s: int = 60
    patience_max_tries: int = 3
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> AdvicePolicy:
        """From the `advisor` setting; ValueError naming the bad key."""
        from ..clusters.profiles import is_int, walltime_seconds

        unknown = sorted(set(data) - _POLICY_KEYS)
        if unknown:
            raise ValueError(
                f"advisor: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_POLICY_KEYS))}"
            )
        policy = cls()
        if "min_walltime" in data:
            policy = replace(policy, min_walltime_s=walltime_seconds(data["min_walltime"]))
        for key, attr in (
            ("min_cores", "min_cores"),
            ("patience_min_after", "patience_min_after_s"),
            ("patience_max_tries", "patience_max_tries"),
        ):
            if key in data:
                value = data[key]
                if not is_int(value) or value < (1 if key == "min_cores" else 0):
                    raise ValueError(f"advisor: {key} must be a whole number, not {value!r}")
                policy = replace(policy, **{attr: value})
        if "partitions" in data:
            names = data["partitions"]
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                raise ValueError("advisor: partitions must be a list of partition names")
            policy = replace(policy, partitions=tuple(names))
        return policy


def format_walltime_minutes(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:00"


def fit_now(nodes: Sequence[Node], partition: str, cores: int, memory_mb: int) -> int:
    """How many workers of `cores` and `memory_mb` the partition's free resources hold right now."""
    count = 0
    for node in nodes:
        if partition not in node.partitions or not usable(node):
            continue
        by_cores = (node.cpus_total - node.cpus_alloc) // cores
        by_memory = (node.memory_total_mb - node.memory_alloc_mb) // max(1, memory_mb)
        count += max(0, min(by_cores, by_memory))
    return count


@dataclass
class _Found:
    limit: int
    items: list[Candidate] = field(default_factory=list)

    def add(self, candidate: Candidate) -> None:
        if len(self.items) < self.limit and all(candidate.shape != c.shape for c in self.items):
            self.items.append(candidate)


def _walltime_overrides(shape: Shape, base: Shape) -> dict[str, Any]:
    return (
        {} if shape.walltime_s == base.walltime_s else {"walltime": format_walltime_minutes(shape.walltime_s)}
    )


def _sand(
    base: Shape,
    *,
    jobs: int,
    open_fields: Sequence[str],
    targets: Sequence[Partition],
    nodes: Sequence[Node],
    policy: AdvicePolicy,
    max_jobs: int,
    windows: Mapping[str, float],
) -> Candidate | None:
    """The same total cores as the biggest workers that all fit now, short enough for the gap.

    `windows`: the walltime a job submitted now may have and still end before the first planned
    job in each partition, as backfill plans it (backfill.window_s): what backfill can start now.
    """
    walltime = base.walltime_s
    if "walltime" in open_fields:
        walltime = min(walltime, max(policy.min_walltime_s, min(SHORTER_S)))
    cores_options = [base.cores]
    if "cores" in open_fields:
        c = base.cores
        while c // 2 >= policy.min_cores:
            c //= 2
            cores_options.append(c)
    for cores in cores_options:  # the biggest workers that fit are the fewest jobs
        n = -(-jobs * base.cores // cores)
        memory = max(128, base.memory_mb * cores // base.cores)
        if n > max_jobs:
            break
        for part in targets:
            wall = walltime if part.max_time_s is None else min(walltime, part.max_time_s)
            window = windows.get(part.name, float("inf"))
            if "walltime" in open_fields and wall > window:
                # whole minutes (what --time takes) within the window, which already allows for
                # when backfill tries the job and for its planning steps (planning.py)
                wall = max(0, int(window)) // 60 * 60
            if wall < policy.min_walltime_s or (wall < base.walltime_s and "walltime" not in open_fields):
                continue
            if fit_now(nodes, part.name, cores, memory) >= n:
                shape = Shape(part.name, cores, memory, wall, base.gres)
                overrides: dict[str, Any] = _walltime_overrides(shape, base)
                if part.name != base.partition:
                    overrides["partition"] = part.name
                if cores != base.cores:
                    overrides["cores"] = cores
                why = f"{n} × {cores} cores fit the free cores in {part.name} now"
                return Candidate(shape, overrides, n, why)
    return None


def candidate_shapes(
    base: Shape,
    open_fields: Sequence[str],
    partitions: Sequence[Partition],
    allowed: Sequence[str] = (),
    *,
    jobs: int = 1,
    max_jobs: int | None = None,
    nodes: Sequence[Node] = (),
    policy: AdvicePolicy | None = None,
    windows: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """The profile's shape first, then the variations it and the policy allow that could start sooner."""
    policy = policy or AdvicePolicy()
    max_jobs = jobs if max_jobs is None else max_jobs
    found = _Found(MAX_SHAPES)
    found.add(Candidate(base, {}, jobs))
    targets = [
        p
        for p in partitions
        if p.state == "up"
        and (p.name == base.partition or "partition" in open_fields)
        and (p.name == base.partition or not allowed or p.name in allowed)
        and (p.name == base.partition or not policy.partitions or p.name in policy.partitions)
    ]
    targets.sort(key=lambda p: p.name != base.partition)  # the profile's own partition first
    if nodes:
        sand = _sand(
            base,
            jobs=jobs,
            open_fields=open_fields,
            targets=targets,
            nodes=nodes,
            policy=policy,
            max_jobs=max_jobs,
            windows=windows or {},
        )
        if sand is not None:
            found.add(sand)
    if "walltime" in open_fields:
        for seconds in SHORTER_S:
            if policy.min_walltime_s <= seconds < base.walltime_s:
                shorter = replace(base, walltime_s=seconds)
                found.add(Candidate(shorter, _walltime_overrides(shorter, base), jobs, "shorter walltime"))
                break  # one shorter step is the advice; more would be noise
    half = base.cores // 2
    if "cores" in open_fields and half >= policy.min_cores and jobs * 2 <= max_jobs:
        shape = replace(base, cores=half, memory_mb=max(128, base.memory_mb // 2))
        found.add(Candidate(shape, {"cores": half}, jobs * 2, "twice as many workers of half the cores"))
    for p in targets:
        if p.name == base.partition:
            continue
        wall = base.walltime_s if p.max_time_s is None else min(base.walltime_s, p.max_time_s)
        if wall < base.walltime_s and "walltime" not in open_fields:
            continue
        shape = replace(base, partition=p.name, walltime_s=wall)
        found.add(
            Candidate(shape, {"partition": p.name, **_walltime_overrides(shape, base)}, jobs, f"in {p.name}")
        )
    known = {p.name for p in partitions}
    return [c for c in found.items if c.shape.partition in known]
