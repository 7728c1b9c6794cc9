"""Jupyter server for the browser tests: galata's test settings plus a fast scheduler poll."""

import tempfile

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_jupyter_server(c)
c.ServerApp.allow_root = True
c.HPCLabApp.poll_interval = 2.0
c.HPCLabApp.min_poll_interval = 1.0
# Clusters of this server keep their files apart from any other server's (the demo's among them).
c.HPCLabApp.cluster_dir = tempfile.mkdtemp(prefix="hpc-lab-galata-")
