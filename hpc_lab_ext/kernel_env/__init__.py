"""Code that runs in the notebook kernel's environment, not the server's: stdlib, dask, distributed and
dask-jobqueue only (never hpc_lab_ext itself). Its modules import each other by their top-level names
when run there (the script's directory is on sys.path), and as this package from the server.
"""
