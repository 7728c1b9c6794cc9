"""One scheduler poll for a whole JupyterHub site.

`service.py` is a JupyterHub service (started by the hub, callers identified by their hub tokens)
running one `Poller` for everybody and answering each caller the snapshot as Slurm would show it
to them (`visibility.py`, pure). `client.py` is the single-user server's side: a backend the
server's own poller polls, which asks the service and falls back to the scheduler itself while the
service cannot be reached. `payload.py` is the wire form both ends share.
"""
