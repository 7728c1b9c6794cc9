"""The cluster lives in the notebook's environment, not the server's.

The kernel is a real Jupyter kernel of a second environment (scripts/kernel-env): pandas and
scikit-learn, which the server's environment lacks, and another dask/distributed release. A
cluster made for it computes a DataFrame with a per-partition scikit-learn fit, a Bag read from
JSON files and futures with as_completed after `client.cluster.scale(N)` from the notebook's own
code, then adapts and gives its workers back; on the sandbox Slurm and on the local backend.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from sandbox import require_slurm, until
from servers import ServerProcess

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kernel-env"
KERNEL_NAME = "hpc-lab-other-env"

NOTEBOOK = """
import json, os, sys, tempfile, warnings
import numpy as np, pandas as pd
import dask, dask.bag as db, dask.dataframe as dd
from distributed import as_completed
from sklearn.linear_model import LinearRegression

client.cluster.scale(N)
client.wait_for_workers(N, timeout=180)
print("same", client.cluster is cluster)
print("versions", dask.__version__, sorted(set(client.run(lambda: __import__("dask").__version__).values())))
print("scheduler_python", client.run_on_scheduler(lambda: sys.executable))
print("worker_python", sorted(set(client.run(lambda: sys.executable).values())))

frame = pd.DataFrame({"g": np.arange(400) % 4, "x": np.arange(400, dtype=float)})
frame["y"] = 3 * frame.x + frame.g
ddf = dd.from_pandas(frame, npartitions=4)

def fit(part):
    model = LinearRegression().fit(part[["x"]], part["y"])
    return pd.DataFrame({"coef": [round(float(model.coef_[0]), 1)]})

print("fits", sorted(set(ddf.map_partitions(fit, meta={"coef": "f8"}).compute().coef)))
print("groupby", ddf.groupby("g").y.mean().compute().round(1).sort_index().to_dict())

folder = tempfile.mkdtemp(prefix="hpc-lab-bag-")
for i in range(3):
    with open(os.path.join(folder, f"part{i}.json"), "w") as f:
        f.write("\\n".join(json.dumps({"v": 10 * i + j}) for j in range(5)))
print("bag", db.read_text(os.path.join(folder, "*.json")).map(json.loads).pluck("v").sum().compute())

futures = client.map(lambda x: x * x, range(50))
print("futures", sum(f.result() for f in as_completed(futures)))
del futures  # results held on the workers would keep them
cluster.adapt(minimum=0, maximum=N)
print("adapt", cluster.info()["adapt"])
"""


@pytest.fixture(scope="module")
def kernel_python() -> str:
    """The second environment's interpreter (made by scripts/kernel-env when missing)."""
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def expected(kernel_python: str, n: int) -> dict[str, str]:
    frame_means = {g: round(sum(3 * x + g for x in range(g, 400, 4)) / 100, 1) for g in range(4)}
    return {
        "same": "True",
        "scheduler_python": kernel_python,
        "worker_python": repr([kernel_python]),
        "fits": "[3.0]",
        "groupby": repr(frame_means),
        "bag": str(sum(10 * i + j for i in range(3) for j in range(5))),
        "futures": str(sum(x * x for x in range(50))),
        "adapt": f"{{'minimum': 0, 'maximum': {n}}}",
    }


@pytest.fixture(params=["slurm", "local"])
def server(request: pytest.FixtureRequest, kernel_python: str, tmp_path: Path) -> Iterator[ServerProcess]:
    if request.param == "slurm":
        require_slurm()
    started = ServerProcess(
        backend=request.param, worker_interface="lo", start_interval=3600.0, idle_timeout=30.0,
        cluster_dir=str(tmp_path / "clusters"),
    )  # fmt: skip
    try:
        yield started
    finally:
        started.stop()


async def test_a_cluster_for_a_kernel_of_another_environment(
    server: ServerProcess, kernel_python: str
) -> None:
    # The server's own environment has neither pandas nor this dask release.
    assert importlib.util.find_spec("pandas") is None and importlib.util.find_spec("sklearn") is None
    assert distributed.__version__ != "2025.7.0"
    await server.wait_ready()
    code, raw, _ = await server.request("api/kernels", "POST", {"name": KERNEL_NAME})
    assert code == 201, raw
    kernel = str(json.loads(raw)["id"])
    profiles = await profile_names(server)
    profile = "local" if "local" in profiles else "small"
    n = min(4, profiles[profile])  # as many as the profile allows (the local one: this machine's cores)
    code, info = await server.api("clusters", "POST", {"profile": profile, "kernel_id": kernel})
    assert code == 201, info
    assert info["python"] == kernel_python

    out = await server.execute(kernel, info["connect_code"] + f"N = {n}\n" + NOTEBOOK, timeout=400)
    assert "VersionMismatch" not in out, out
    seen = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    versions = seen.pop("versions")
    assert versions == "2025.7.0 ['2025.7.0']", out
    want = expected(kernel_python, n)
    assert {k: seen.get(k) for k in want} == want, out
    # The panel sees what the notebook's code did, and adaptive scaling gives the workers back.
    code, now = await server.api(f"clusters/{info['id']}")
    assert code == 200 and now["adapt"] == {"minimum": 0, "maximum": n}

    async def released() -> bool:
        code, now = await server.api(f"clusters/{info['id']}")
        return code == 200 and now["counts"]["connected"] == 0 and now["counts"]["requested"] == 0

    await until(released, 120, "idle workers released", interval=1.0)
    code, closed = await server.api(f"clusters/{info['id']}", "DELETE")
    assert code == 200 and closed["status"] == "closed"


async def profile_names(server: ServerProcess) -> dict[str, int]:
    """Profile name -> its max_workers."""
    code, body = await server.api("profiles")
    assert code == 200, body
    return {c["profile"]["name"]: int(c["profile"]["max_workers"]) for c in body["profiles"]}
