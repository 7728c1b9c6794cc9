"""The built-in cluster profiles, for a site that configured none."""

from __future__ import annotations

import os

from .profiles import Profile


def builtin_profiles(backend: str) -> dict[str, Profile]:
    """Profiles for a site that configured none: shaped like the sandboxes' partitions, or the
    server's own machine for "local" (and any backend without profiles of its own)."""
    if backend == "sge":
        return _default_sge_profiles()
    if backend != "slurm":
        return {
            "local": Profile(
                name="local",
                description="Workers on this machine",
                scheduler="local",
                cores=1,
                memory="2GB",
                max_workers=max(1, (os.cpu_count() or 1)),
                open_fields=("cores", "memory", "processes"),
            )
        }
    common = ("cores", "memory", "walltime", "processes")
    return {
        "small": Profile(
            name="small",
            description="1 core, 2 GB for 30 minutes on the debug partition",
            cores=1,
            memory="2GB",
            walltime="00:30:00",
            partition="debug",
            max_workers=4,
            open_fields=common,
        ),
        "medium": Profile(
            name="medium",
            description="4 cores, 8 GB for 2 hours on the batch partition",
            cores=4,
            memory="8GB",
            walltime="02:00:00",
            partition="batch",
            max_workers=8,
            open_fields=(*common, "partition"),
        ),
        "gpu": Profile(
            name="gpu",
            description="2 cores, 8 GB and one GPU for 2 hours on the batch partition",
            cores=2,
            memory="8GB",
            walltime="02:00:00",
            partition="batch",
            gres="gpu:1",
            max_workers=2,
            open_fields=(*common, "gres"),
        ),
    }


def _default_sge_profiles() -> dict[str, Profile]:
    common = ("cores", "memory", "walltime", "processes")
    return {
        "small": Profile(
            name="small",
            description="1 core, 2 GB for 30 minutes in the debug.q queue",
            scheduler="sge",
            cores=1,
            memory="2GB",
            walltime="00:30:00",
            partition="debug.q",
            pe="smp",
            max_workers=4,
            open_fields=common,
        ),
        "medium": Profile(
            name="medium",
            description="2 cores, 4 GB for 2 hours in the batch.q queue",
            scheduler="sge",
            cores=2,
            memory="4GB",
            walltime="02:00:00",
            partition="batch.q",
            pe="smp",
            max_workers=4,
            open_fields=(*common, "partition"),
        ),
    }
