"""Dask clusters for notebooks: profiles (what worker jobs may ask for), the environment workers
run with, and the manager of one user's clusters (`manager.ClusterManager`).

`profiles` and `model` need nothing beyond the standard library and PyYAML; `env` and `manager`
need the optional Dask dependencies (dask-jobqueue, distributed).
"""
